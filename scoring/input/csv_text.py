"""CSV files read as text first: encoding, NUL bytes, over-long lines and broken UTF-8 are refused in words
before Arrow parses the rows, and a row with the wrong number of cells is named by its line."""

from __future__ import annotations

import codecs
import csv
import errno
import io
import re
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from scoring.input.limits import MAX_CELL_CHARS, MAX_COLUMNS, MAX_CSV_BYTES, MAX_LINE_BYTES, count, human_size
from scoring.input.raw_table import NOT_A_FILE, RawTable, finish_table
from scoring.input.report import Location, ValidationReport
from scoring.input.schema import TableSpec

#: Encodings tried in order for CSV files (Excel on Vietnamese Windows may save as cp1258).
CSV_ENCODINGS = ("utf-8-sig", "cp1258")


def read_csv_table(file: Path, spec: TableSpec, report: ValidationReport) -> RawTable | None:
    where = Location(str(file))
    if not file.is_file():
        report.error(where, NOT_A_FILE)
        return None
    size = file.stat().st_size
    if size > MAX_CSV_BYTES:
        report.error(
            where,
            f"Tệp CSV quá lớn ({human_size(size)}; giới hạn {human_size(MAX_CSV_BYTES)}): "
            "hãy dùng Parquet cho bộ dữ liệu lớn như vậy, hoặc kiểm tra xem có đúng là tệp dữ liệu không.",
        )
        return None
    try:
        raw = file.read_bytes()
    except OSError as exc:
        report.error(where, f"Không mở được tệp: {os_error_words(exc)}.")
        return None
    if not raw or raw.isspace():
        report.error(where, "Tệp rỗng: không có dòng tiêu đề và không có dữ liệu.")
        return None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        report.error(where, "Tệp là văn bản UTF-16 (Excel «Unicode Text»): hãy lưu lại dạng «CSV UTF-8».")
        return None
    nul = raw.find(b"\x00")
    if nul >= 0:  # no text file holds a NUL byte, at the start or anywhere else
        report.error(
            Location(where.file, first_row=0),
            "Không đọc được tệp: có byte 0 (NUL) ở dòng này, không phải văn bản UTF-8 hay Windows-1258 "
            "(có thể là tệp nhị phân, hoặc tệp bị hỏng khi chép).",
            rows=[_line_of(raw, nul)],
        )
        return None
    long_line = _first_long_line(raw)
    if long_line is not None:
        report.error(
            Location(where.file, first_row=0),
            f"Dòng dài hơn {human_size(MAX_LINE_BYTES)} (có ô dài bất thường, hoặc thiếu dấu xuống dòng): "
            f"không đọc tệp. Một ô có tối đa {count(MAX_CELL_CHARS)} ký tự như trong Excel.",
            rows=[long_line],
        )
        return None
    broken = _broken_utf8_lines(raw)
    if broken:
        report.error(
            Location(where.file, first_row=0),
            "Tệp UTF-8 có ký tự hỏng ở dòng này (thường do chép từ phần mềm khác); sửa hoặc gõ lại ô đó.",
            rows=np.asarray(broken[:20]),
        )
        return None
    encoding = _detect_encoding(raw)
    if encoding is None:
        report.error(where, "Không đọc được tệp: không phải văn bản UTF-8 hay Windows-1258 (có thể là tệp nhị phân).")
        return None
    header = _csv_header(raw, encoding)
    if header is None or not (header.open_quote or any(h.strip() for h in header.titles)):
        report.error(where, "Dòng 1 phải là dòng tiêu đề (tên các cột), nhưng đang để trống hoặc không đọc được.")
        return None
    if header.open_quote:
        report.error(
            where,
            'Dòng tiêu đề có dấu ngoặc kép (") mở mà không đóng: sửa tên cột ở dòng 1 (xóa dấu " thừa) rồi lưu lại.',
        )
        return None
    titles = header.titles
    if len(titles) > MAX_COLUMNS:
        report.error(
            where, f"Dòng tiêu đề có {len(titles)} cột, quá giới hạn {MAX_COLUMNS} cột: xóa các cột thừa ở bên phải."
        )
        return None
    if header.whole_file:  # only the header, without even a line break after it: no rows to parse
        empty = pa.table({f"__cot_{i}": pa.array([], pa.string()) for i in range(len(titles))})
        return finish_table(spec, empty, titles, where, np.zeros(0, dtype=np.int64), report)
    try:
        table, ragged = _parse_csv(raw, encoding, header, threads=True)
        if ragged and None in {number for number, _ in ragged}:  # line numbers are known in one thread only
            table, ragged = _parse_csv(raw, encoding, header, threads=False)
    except (pa.ArrowException, UnicodeDecodeError, MemoryError) as exc:
        report.error(where, f"Không đọc được tệp CSV: {arrow_message(exc, encoding)}")
        return None
    if ragged:
        rows = [-1 if number is None else number for number, _ in ragged]
        report.error(
            Location(where.file, first_row=0),
            f"Số ô của dòng khác số cột của dòng tiêu đề ({len(titles)} cột); không đọc được tệp. "
            "Nếu có số thập phân viết bằng dấu phẩy (8,5), đặt nó trong ngoặc kép "
            "hoặc dùng dấu ; để phân cách cột.",
            rows=np.asarray(rows),
            values=[f"{n} ô" for _, n in ragged],
        )
        return None
    row_numbers = np.arange(2, table.num_rows + 2, dtype=np.int64)
    return finish_table(spec, table, titles, where, row_numbers, report)


def _parse_csv(
    raw: bytes, encoding: str, header: _Header, threads: bool
) -> tuple[pa.Table, list[tuple[int | None, int]]]:
    """Every cell as text, and (line number, cell count) of the lines whose cell count is not the
    header's (those lines are left out of the table)."""
    names = [f"__cot_{i}" for i in range(len(header.titles))]
    ragged: list[tuple[int | None, int]] = []

    def note_ragged(row: Any) -> str:
        ragged.append((row.number, row.actual_columns))
        return "skip"

    table = pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(raw)),
        read_options=pacsv.ReadOptions(
            column_names=names,
            skip_rows=header.lines,  # Arrow skips lines, not records: a title typed with Alt+Enter takes two
            encoding=encoding,
            block_size=4 * MAX_LINE_BYTES,
            use_threads=threads,
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=header.delimiter, ignore_empty_lines=False, invalid_row_handler=note_ragged
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, null_values=[""], strings_can_be_null=True
        ),
    )
    return table, ragged


class _Header(NamedTuple):
    delimiter: str
    titles: list[str]
    #: physical lines the header takes (more than one when a quoted title holds a line break)
    lines: int
    #: the file is the header alone, without a line break after it
    whole_file: bool
    #: a quote opened in the header and not closed within HEADER_MAX_LINES lines
    open_quote: bool = False


#: physical lines a header's quoted titles may span (Excel writes a title typed with Alt+Enter in quotes)
HEADER_MAX_LINES = 10


def _csv_header(raw: bytes, encoding: str) -> _Header | None:
    """The first record's delimiter and titles; None when it cannot be parsed. A quoted title may hold a
    line break (a title typed with Alt+Enter)."""
    ends = [i for i in (raw.find(b"\n"), raw.find(b"\r")) if i >= 0]
    first_line = raw[: min(ends, default=len(raw))].decode(encoding, errors="replace").removeprefix("\ufeff")
    delimiter = max((",", ";", "\t"), key=first_line.count)
    if first_line.count('"') % 2 == 1:  # a quoted title goes on past the line's end
        return _multiline_header(raw, encoding, delimiter)
    try:
        titles = next(csv.reader([first_line], delimiter=delimiter), [])
    except csv.Error:  # a title longer than the csv module's field limit (128 K characters)
        return None
    return _Header(delimiter, titles, 1, not ends)


def _multiline_header(raw: bytes, encoding: str, delimiter: str) -> _Header | None:
    """A header whose quoted titles hold line breaks, read as one record of at most HEADER_MAX_LINES
    lines; `open_quote` when its quote is not closed within them."""
    cut = HEADER_MAX_LINES * (MAX_LINE_BYTES + 2)
    text = io.StringIO(raw[:cut].decode(encoding, errors="replace").removeprefix("\ufeff"), newline="")
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    try:
        titles = next(reader, [])
    except csv.Error:  # the quote is still open where the text ends
        return _Header(delimiter, [], 1, False, open_quote=True)
    if reader.line_num > HEADER_MAX_LINES:
        return _Header(delimiter, [], 1, False, open_quote=True)
    return _Header(delimiter, titles, reader.line_num, len(raw) <= cut and not text.read())


def _line_of(raw: bytes, position: int) -> int:
    """1-based line number of a byte position, as a text editor counts lines."""
    return raw.count(b"\n", 0, position) + 1


def _first_long_line(raw: bytes) -> int | None:
    """Line number of the first line longer than MAX_LINE_BYTES, looking at a block at a time."""
    view = np.frombuffer(raw, dtype=np.uint8)
    newline = 10 if b"\n" in raw or b"\r" not in raw else 13  # an old Mac file ends its lines with \r alone
    block = 64 * MAX_LINE_BYTES
    line_start, line = 0, 1  # byte where the current line starts, and its number
    for start in range(0, len(view), block):
        part = view[start : start + block]
        breaks = np.flatnonzero(part == newline) + start
        edges = np.concatenate(([line_start], breaks + 1))
        lengths = np.diff(np.append(edges, start + len(part)))  # the last one: so far
        over = np.flatnonzero(lengths > MAX_LINE_BYTES + 1)
        if len(over):
            return line + int(over[0])
        line += len(breaks)
        line_start = int(edges[-1])
    return None


def _broken_utf8_lines(raw: bytes) -> list[int]:
    """Lines with invalid bytes in a file that is otherwise clearly UTF-8 (has valid accented text)."""
    if _decodes(raw, "utf-8"):
        return []
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    accented = sum(1 for ch in text if ord(ch) > 127) - bad
    if accented > bad:
        return [i for i, line in enumerate(text.splitlines(), start=1) if "\ufffd" in line]
    return []


def _decodes(raw: bytes, encoding: str) -> bool:
    """Whether `raw` is valid in `encoding`, decoding a block at a time (no copy of the whole text)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    block = 16 * MAX_LINE_BYTES
    try:
        for start in range(0, len(raw), block):
            decoder.decode(raw[start : start + block])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _detect_encoding(raw: bytes) -> str | None:
    return next((encoding for encoding in CSV_ENCODINGS if _decodes(raw, encoding)), None)


def arrow_message(exc: BaseException, encoding: str) -> str:
    """Why Arrow could not parse a CSV file, in Vietnamese: the known failure kinds by their meaning,
    anything else as a damaged file (never Arrow's English)."""
    text = str(exc)
    if isinstance(exc, MemoryError | pa.ArrowMemoryError) or "memory" in text.lower() or "malloc" in text:
        return "không đủ bộ nhớ để đọc tệp; chia nhỏ tệp hoặc dùng Parquet."
    if isinstance(exc, UnicodeDecodeError) or "UTF8" in text or "UTF-8" in text:
        return f"có ký tự không đọc được theo bảng mã {encoding}; lưu lại tệp dạng «CSV UTF-8»."
    if (found := re.search(r"Expected (\d+) columns?, got (\d+)", text)) is not None:
        expected, got = found.groups()
        return f"một dòng có {got} ô trong khi dòng tiêu đề có {expected} cột."
    if "straddl" in text or "Could not skip" in text:
        return (
            'có ô trong ngoặc kép không được đóng (thiếu dấu ") hoặc quá dài nên kéo qua nhiều dòng; '
            "kiểm tra dấu ngoặc kép trong tệp."
        )
    if "Empty CSV" in text:
        return "tệp rỗng: không có dòng tiêu đề và không có dữ liệu."
    return "tệp hỏng hoặc không đúng dạng CSV; mở bằng Excel rồi lưu lại dạng «CSV UTF-8»."


#: operating-system failures of reading a file, by errno, in words
_OS_ERRORS = {
    errno.EACCES: "không có quyền đọc tệp",
    errno.EPERM: "không có quyền đọc tệp",
    errno.ENOENT: "tệp không còn ở đó (đã bị xóa hoặc đổi tên)",
    errno.EISDIR: "đây là một thư mục, không phải tệp",
    errno.EIO: "lỗi đọc đĩa",
    errno.ENOMEM: "không đủ bộ nhớ",
}


def os_error_words(exc: OSError) -> str:
    """An OSError in Vietnamese (its strerror is the system's English)."""
    return _OS_ERRORS.get(exc.errno or 0, "lỗi hệ thống khi đọc tệp")

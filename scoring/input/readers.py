"""Read the three tables from what offices send: a CSV folder, one XLSX workbook, or Parquet files.

Readers return raw Arrow tables (strings for CSV and XLSX, native types for Parquet) with the
exact row numbers the user sees, and record every problem in the report instead of raising.
Nothing is evaluated: XLSX formulas are read as their cached values, macros are never loaded.
Every reader is bounded before it works (see the limits below): a file of a few megabytes, sent
by mistake or by malice, is refused in words rather than allowed to take minutes or gigabytes.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from scoring.domain.text import fold
from scoring.input.report import Location, ValidationReport
from scoring.input.schema import OPTIONAL_TABLES, TABLES, TableSpec

#: Encodings tried in order for CSV files (Excel on Vietnamese Windows may save as cp1258).
CSV_ENCODINGS = ("utf-8-sig", "cp1258")
HEADER_SCAN_ROWS = 10
#: Columns offices add for people (row numbers, notes): ignored without a warning.
IGNORED_HEADERS = {"stt", "tt", "sothutu", "ghichu"}

# --- limits ---------------------------------------------------------------------------------------
# Each leaves room for the largest real input expected: one workbook of about a million member rows
# (Excel's own sheet limit), and CSV or Parquet of the benchmark's 5.6 million members. Each is said
# in the message that refuses a file, so an office knows what to change.

#: Excel's own sheet size: a sheet with a row beyond it was not made by Excel
EXCEL_MAX_ROWS = 1_048_576
#: columns of a header row (a table has at most 23; offices add a few: STT, notes, monthly figures)
MAX_COLUMNS = 256
#: characters in one cell: Excel's own limit, so anything longer was never typed into a sheet
MAX_CELL_CHARS = 32_767
#: one CSV line (a row); a row of 23 ordinary cells is well under 1 KiB
MAX_LINE_BYTES = 1 << 20
#: a CSV file: the benchmark's 5.6 million members over two years is 1.3 GB; larger belongs in Parquet
MAX_CSV_BYTES = 2 << 30
#: the zip directory of a workbook: ~100 bytes per part, and a workbook has tens to hundreds of parts
MAX_ZIP_DIRECTORY_BYTES = 4 << 20
#: one unpacked part: a full Excel sheet (1,048,576 rows x 23 columns) is about 0.9 GB of XML
MAX_XLSX_PART_BYTES = 1 << 30
#: the shared strings, which are read whole: every distinct text of a million-member workbook
#: (ids, names) is 60-100 MB
MAX_SHARED_STRINGS_BYTES = 256 << 20
#: every part together
MAX_XLSX_UNPACKED_BYTES = 2 << 30
#: unpacked : packed; Excel's sheets measure 8-10:1. Parts under RATIO_FLOOR_BYTES are not judged:
#: small XML (styles, a near-empty sheet) may compress far better, and costs nothing to read
MAX_ZIP_RATIO = 100
RATIO_FLOOR_BYTES = 8 << 20
#: characters kept from one sheet; a million-row Nhiệm vụ sheet with long task texts is ~300 million
MAX_SHEET_TEXT_CHARS = 1 << 30
#: rows of a Parquet table: the benchmark's 5.6 million members over five years is 28 million
MAX_PARQUET_ROWS = 50_000_000
#: decoded : file size for Parquet, judged past PARQUET_RATIO_FLOOR_BYTES decoded; the generated
#: tables measure 13-90:1 (the Nhiệm vụ table repeats its task texts)
MAX_PARQUET_RATIO = 200
PARQUET_RATIO_FLOOR_BYTES = 256 << 20
#: rows converted at a time (XLSX rows to Arrow, Parquet batches decoded): bounds the working memory
CHUNK_ROWS = 16_384


@dataclass
class RawTable:
    spec: TableSpec
    data: pa.Table
    where: Location


def read_tables(path: Path, report: ValidationReport) -> dict[str, RawTable]:
    """Find and read every table under `path`; a table that cannot be read is reported and left out."""
    if not path.exists():
        report.error(Location(str(path)), "Không tìm thấy tệp hoặc thư mục dữ liệu.")
        return {}
    if not path.is_file() and not path.is_dir():
        report.error(Location(str(path)), NOT_A_FILE)
        return {}
    if path.is_file():
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return _read_workbook(path, report)
        report.error(Location(str(path)), unusable_file_message(path))
        return {}
    workbooks = sorted(
        p for p in path.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm") and not p.name.startswith("~$")
    )
    tables: dict[str, RawTable] = {}
    for spec in (*TABLES, *OPTIONAL_TABLES):
        file = _find_table_file(path, spec)
        if file is None:
            continue
        table = (
            _read_parquet(file, spec, report) if file.suffix.lower() == ".parquet" else _read_csv(file, spec, report)
        )
        if table is not None:
            tables[spec.name] = table
    missing = [s for s in TABLES if _find_table_file(path, s) is None]
    if missing and len(missing) == len(TABLES) and len(workbooks) == 1:
        return _read_workbook(workbooks[0], report)
    if missing and len(missing) == len(TABLES) and len(workbooks) > 1:
        names = ", ".join(w.name for w in workbooks)
        report.error(Location(str(path)), f"Thư mục có {len(workbooks)} tệp Excel ({names}): hãy chỉ rõ tệp cần đọc.")
        return {}
    for spec in missing:
        report.error(
            Location(str(path)),
            f"Thiếu bảng «{spec.title}»: cần tệp {spec.name}.csv hoặc {spec.name}.parquet trong thư mục.",
        )
    return tables


#: a folder, a device or a pipe where a file was expected (reading /dev/zero would never end)
NOT_A_FILE = "Không phải một tệp thường (là thư mục, thiết bị hoặc ống dẫn): không đọc."


def unusable_file_message(path: Path) -> str:
    """Why a single file cannot be a dataset, in words a user can act on."""
    if path.suffix.lower() == ".xls":
        return "Tệp .xls (Excel 97–2003) không đọc được: mở bằng Excel và lưu lại dạng .xlsx."
    return (
        "Dữ liệu phải là một tệp Excel .xlsx (mỗi bảng một trang tính) hoặc một thư mục chứa "
        "các tệp to_chuc, dang_vien, don_vi_nam (.csv hoặc .parquet)."
    )


def _find_table_file(folder: Path, spec: TableSpec) -> Path | None:
    names = spec.sheet_names()
    for ext in (".parquet", ".csv"):
        for file in sorted(folder.iterdir()):
            if file.suffix.lower() == ext and fold(file.stem) in names:
                return file
    return None


# --- CSV -----------------------------------------------------------------------------------------


def _read_csv(file: Path, spec: TableSpec, report: ValidationReport) -> RawTable | None:
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
        report.error(where, f"Không mở được tệp ({exc.strerror or exc}).")
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
    if header is None or not any(h.strip() for h in header[1]):
        report.error(where, "Dòng 1 phải là dòng tiêu đề (tên các cột), nhưng đang để trống hoặc không đọc được.")
        return None
    delimiter, titles = header
    if len(titles) > MAX_COLUMNS:
        report.error(
            where, f"Dòng tiêu đề có {len(titles)} cột, quá giới hạn {MAX_COLUMNS} cột: xóa các cột thừa ở bên phải."
        )
        return None
    try:
        table, ragged = _parse_csv(raw, encoding, delimiter, len(titles), threads=True)
        if ragged and None in {number for number, _ in ragged}:  # line numbers are known in one thread only
            table, ragged = _parse_csv(raw, encoding, delimiter, len(titles), threads=False)
    except (pa.ArrowException, UnicodeDecodeError) as exc:
        report.error(where, f"Không đọc được tệp CSV: {_arrow_message(exc)}")
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
    raw: bytes, encoding: str, delimiter: str, width: int, threads: bool
) -> tuple[pa.Table, list[tuple[int | None, int]]]:
    """Every cell as text, and (line number, cell count) of the lines whose cell count is not `width`
    (those lines are left out of the table)."""
    names = [f"__cot_{i}" for i in range(width)]
    ragged: list[tuple[int | None, int]] = []

    def note_ragged(row: Any) -> str:
        ragged.append((row.number, row.actual_columns))
        return "skip"

    table = pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(raw)),
        read_options=pacsv.ReadOptions(
            column_names=names, skip_rows=1, encoding=encoding, block_size=4 * MAX_LINE_BYTES, use_threads=threads
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, ignore_empty_lines=False, invalid_row_handler=note_ragged
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, null_values=[""], strings_can_be_null=True
        ),
    )
    return table, ragged


def _csv_header(raw: bytes, encoding: str) -> tuple[str, list[str]] | None:
    """(delimiter, titles) of the first line; None when it cannot be parsed."""
    ends = [i for i in (raw.find(b"\n"), raw.find(b"\r")) if i >= 0]
    first_line = raw[: min(ends, default=len(raw))].decode(encoding, errors="replace").removeprefix("\ufeff")
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        return delimiter, next(csv.reader([first_line], delimiter=delimiter), [])
    except csv.Error:  # a title longer than the csv module's field limit (128 K characters)
        return None


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


def _arrow_message(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "Expected" in text and "columns" in text:
        return f"số cột của một dòng không khớp với dòng tiêu đề ({text})"
    return text


def count(n: int) -> str:
    """1048576 -> «1.048.576», as Vietnamese groups digits."""
    return f"{n:,}".replace(",", ".")


def human_size(n: float) -> str:
    """1536 -> «1,5 KiB», as Vietnamese writes decimals."""
    for unit in ("byte", "KiB", "MiB", "GiB"):
        if n < 1000 or unit == "GiB":
            text = f"{n:.0f} {unit}" if unit == "byte" or n >= 100 else f"{n:.1f} {unit}"
            return text.replace(".", ",")
        n /= 1024
    raise AssertionError("unreachable")


# --- Parquet -------------------------------------------------------------------------------------


def _read_parquet(file: Path, spec: TableSpec, report: ValidationReport) -> RawTable | None:
    """Sizes from the file's metadata first, then a batch at a time with texts kept as dictionaries
    until their decoded size is known, so that a small file that would decode to gigabytes (one
    long text repeated millions of times) is stopped before it is decoded."""
    where = Location(str(file))
    if not file.is_file():
        report.error(where, NOT_A_FILE)
        return None
    size = file.stat().st_size
    allowed = max(PARQUET_RATIO_FLOOR_BYTES, MAX_PARQUET_RATIO * size)
    try:
        with pq.ParquetFile(file) as probe:
            rows, header = probe.metadata.num_rows, probe.schema_arrow.names
            leaves = [probe.schema.column(i) for i in range(len(probe.schema))]
        if rows > MAX_PARQUET_ROWS or len(header) > MAX_COLUMNS:
            report.error(
                where,
                f"Bảng Parquet có {count(rows)} dòng và {count(len(header))} cột, quá giới hạn "
                f"{count(MAX_PARQUET_ROWS)} dòng và {MAX_COLUMNS} cột: không đọc tệp.",
            )
            return None
        texts = [c.path for c in leaves if c.physical_type == "BYTE_ARRAY" and c.path in header]
        batches, decoded = [], 0
        with pq.ParquetFile(file, read_dictionary=texts) as parquet:
            for batch in parquet.iter_batches(batch_size=CHUNK_ROWS):
                decoded += _decoded_size(batch)
                if decoded > allowed:
                    report.error(
                        where,
                        f"Tệp Parquet {human_size(size)} giải nén ra hơn {human_size(allowed)} (tỷ lệ trên "
                        f"{MAX_PARQUET_RATIO}:1): tệp bất thường (có thể là «bom nén»), không đọc.",
                    )
                    return None
                batches.append(_decoded(batch))
            schema = batches[0].schema if batches else _decoded_schema(parquet.schema_arrow)
        table = pa.Table.from_batches(batches, schema=schema)
    except (pa.ArrowException, OSError, ValueError, KeyError, IndexError, TypeError):
        report.error(where, "Không đọc được tệp Parquet: tệp hỏng hoặc không phải Parquet.")
        return None
    table = table.rename_columns([f"__cot_{i}" for i in range(len(header))])
    return finish_table(spec, table, header, where, None, report)


def _decoded_size(batch: pa.RecordBatch) -> int:
    """Bytes the batch takes once its dictionary columns are decoded, worked out without decoding."""
    total = 0
    for column in batch.columns:
        if pa.types.is_dictionary(column.type) and (
            pa.types.is_string(column.type.value_type) or pa.types.is_binary(column.type.value_type)
        ):
            lengths = pc.binary_length(column.dictionary)
            total += (pc.sum(lengths.take(column.indices)).as_py() or 0) + 4 * len(column)
        else:
            total += column.nbytes
    return total


def _decoded(batch: pa.RecordBatch) -> pa.RecordBatch:
    columns = [c.dictionary_decode() if pa.types.is_dictionary(c.type) else c for c in batch.columns]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def _decoded_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema(
        [pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type) for f in schema]
    )


# --- XLSX ----------------------------------------------------------------------------------------

#: how an Excel date or time cell reads as text: a date column accepts it, an id column reports it
DATE_CELL = " (ô định dạng Ngày)"
TIME_CELL = " (ô định dạng Giờ)"
EXCEL_REOPEN = "thử mở bằng Excel rồi lưu lại"


def _read_workbook(file: Path, report: ValidationReport) -> dict[str, RawTable]:
    return read_workbook_tables(file, report, (*TABLES, *OPTIONAL_TABLES))


def read_workbook_tables(
    file: Path, report: ValidationReport, specs: tuple[TableSpec, ...], label: str | None = None
) -> dict[str, RawTable]:
    """The sheets of `specs` in a workbook (every one of them required but the optional tables);
    messages name the file as `label` (an upload's own name rather than its temporary path)."""
    import openpyxl  # imported here: only workbook users pay for it

    shown = label or str(file)
    where = Location(shown)
    problem = archive_problem(file) if file.is_file() else NOT_A_FILE
    if problem is not None:
        report.error(where, problem)
        return {}
    tables: dict[str, RawTable] = {}
    # our own handle, closed whatever happens (openpyxl leaves its file open when it fails half-way)
    with warnings.catch_warnings(), file.open("rb") as handle:
        warnings.filterwarnings("ignore", module="openpyxl")  # its notes on unsupported extensions, in English
        try:
            # data_only: formulas give their cached values and are never evaluated; macros are not loaded
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True, keep_links=False)
        except _broken_excel() as exc:
            report.error(
                where,
                f"Không đọc được tệp Excel: tệp hỏng hoặc không phải .xlsx — {_why_broken(exc)} ({EXCEL_REOPEN}).",
            )
            return {}
        try:
            for spec in specs:
                sheet = _table_sheet(book, spec, shown, report)
                if sheet is not None:
                    table = _read_sheet(sheet, spec, Location(shown, sheet.title), report)
                    if table is not None:
                        tables[spec.name] = table
        finally:
            book.close()
    return tables


def _table_sheet(book: Any, spec: TableSpec, shown: str, report: ValidationReport) -> Any:
    """The one worksheet that holds `spec`'s table, or None (reported unless the table is optional).
    Two sheets for one table are an error naming both; a hidden sheet is read, and said."""
    names = spec.sheet_names()
    found = [s for s in book.worksheets if fold(s.title) in names]
    if len(found) > 1:
        listed = " và ".join(_sheet_label(s) for s in found)
        report.error(
            Location(shown),
            f"Có {len(found)} trang tính cùng là bảng «{spec.title}»: {listed}. "
            "Xóa hoặc đổi tên các trang thừa để chỉ còn một.",
        )
        return None
    if not found:
        if spec not in OPTIONAL_TABLES:  # an optional table (nhiệm vụ): only the plans that read it need it
            report.error(
                Location(shown),
                f"Thiếu trang tính «{spec.title}» (bảng {spec.name}); các trang tính có: " + ", ".join(book.sheetnames),
            )
        return None
    if found[0].sheet_state != "visible":
        report.warning(
            Location(shown, found[0].title),
            f"Trang tính {_sheet_label(found[0])} là bảng «{spec.title}» và vẫn được đọc: "
            "hãy chắc đó đúng là số liệu cần chấm (bỏ ẩn để mọi người cùng thấy).",
        )
    return found[0]


def _sheet_label(sheet: Any) -> str:
    state = {"hidden": " (đang ẩn)", "veryHidden": " (ẩn sâu: chỉ bỏ ẩn được bằng VBA)"}
    return f"«{sheet.title}»{state.get(sheet.sheet_state, '')}"


def archive_problem(file: Path) -> str | None:
    """Why a workbook must not be opened, judged from its zip directory alone: nothing is unpacked.
    Python's zipfile never unpacks more than a part's declared size, so the directory's sizes hold."""
    try:
        with file.open("rb") as f:
            if f.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # an OLE file, not a zip
                return (
                    "Tệp Excel có mật khẩu, hoặc là tệp .xls cũ đổi tên: mở bằng Excel, bỏ mật khẩu và lưu lại "
                    "dạng .xlsx (Excel Workbook)."
                )
        directory = _zip_directory_size(file)
        if directory is not None and directory > MAX_ZIP_DIRECTORY_BYTES:
            return (
                f"Tệp Excel bất thường: danh mục các phần của tệp nén dài {human_size(directory)} "
                f"(giới hạn {human_size(MAX_ZIP_DIRECTORY_BYTES)}); không đọc tệp."
            )
        with zipfile.ZipFile(file) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, OverflowError, struct.error, NotImplementedError):
        return f"Không đọc được tệp Excel: tệp hỏng hoặc không phải .xlsx ({EXCEL_REOPEN})."
    if any(p.flag_bits & 0x1 for p in parts):
        return f"Không đọc được tệp Excel: có phần được mã hóa ({EXCEL_REOPEN}, không đặt mật khẩu)."
    unpacked = sum(p.file_size for p in parts)
    packed = sum(p.compress_size for p in parts)
    for part in (*parts, None):
        name = part.filename if part is not None else "toàn bộ tệp"
        size, stored = (part.file_size, part.compress_size) if part is not None else (unpacked, packed)
        limit, real = _part_limit(part)
        if size > limit:
            return (
                f"Tệp Excel bất thường: {name} giải nén ra {human_size(size)}, quá giới hạn {human_size(limit)} "
                f"({real}); không đọc tệp."
            )
        if size > RATIO_FLOOR_BYTES and size > MAX_ZIP_RATIO * max(stored, 1):
            return (
                f"Tệp Excel bất thường (có thể là «bom nén»): {name} giải nén ra {human_size(size)} từ "
                f"{human_size(stored)}, tỷ lệ {count(size // max(stored, 1))}:1 trong khi tệp Excel thật chỉ chừng "
                f"10:1 (giới hạn {MAX_ZIP_RATIO}:1); không đọc tệp."
            )
    return None


def _part_limit(part: zipfile.ZipInfo | None) -> tuple[int, str]:
    """The unpacked size a part may have, and what the largest real one measures."""
    if part is None:
        return MAX_XLSX_UNPACKED_BYTES, "cả sổ của một triệu đảng viên chỉ chừng 1 GiB"
    if part.filename.lower().endswith("sharedstrings.xml"):
        return MAX_SHARED_STRINGS_BYTES, "mọi chữ khác nhau của một triệu đảng viên chỉ chừng 100 MB"
    return MAX_XLSX_PART_BYTES, "một trang tính đủ 1.048.576 dòng của Excel cũng chỉ chừng 0,9 GiB"


def _zip_directory_size(file: Path) -> int | None:
    """Size of the zip's central directory as its end record (or the zip64 one) states it: the bytes
    zipfile reads, and turns into one object per part, before anything else."""
    with file.open("rb") as f:
        end = f.seek(0, 2)
        f.seek(max(0, end - (1 << 16) - 22))
        tail = f.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            return None  # not a zip: zipfile says so
        size: int = struct.unpack_from("<I", tail, at + 12)[0]
        if at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":  # zip64: the sizes are in its own record
            f.seek(struct.unpack_from("<Q", tail, at - 12)[0])
            record = f.read(56)
            if len(record) == 56 and record[:4] == b"PK\x06\x06":
                size = struct.unpack_from("<Q", record, 40)[0]
    return size


def _broken_excel() -> tuple[type[BaseException], ...]:
    """What a damaged workbook raises from openpyxl, zipfile, zlib or the XML parsers."""
    from openpyxl.utils.exceptions import CellCoordinatesException, InvalidFileException

    return (
        InvalidFileException,
        CellCoordinatesException,
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,  # also defusedxml's refusals of DTDs and entities
        KeyError,
        IndexError,
        TypeError,
        AttributeError,
        OverflowError,
        SyntaxError,  # xml.etree's ParseError and lxml's XMLSyntaxError
        NotImplementedError,
        RecursionError,
        struct.error,
    )


def _why_broken(exc: BaseException) -> str:
    while exc.__cause__ is not None:  # openpyxl wraps what went wrong in «Unable to read workbook»
        exc = exc.__cause__
    if type(exc).__module__.startswith("defusedxml"):
        return "có khai báo DTD hoặc thực thể XML, không được phép trong tệp Excel"
    if isinstance(exc, zlib.error | EOFError) or (isinstance(exc, zipfile.BadZipFile) and "CRC" in str(exc)):
        return "dữ liệu nén bị hỏng"
    if isinstance(exc, SyntaxError):
        return "nội dung XML bị cắt ngang hoặc sai cú pháp"
    if isinstance(exc, IndexError | KeyError):
        return "tham chiếu tới một chuỗi hoặc một phần không có trong tệp"
    return "nội dung không hợp lệ"


def _read_sheet(sheet: Any, spec: TableSpec, where: Location, report: ValidationReport) -> RawTable | None:
    """Stream a sheet's rows: at most MAX_COLUMNS columns and EXCEL_MAX_ROWS rows, turned into Arrow
    CHUNK_ROWS rows at a time; a sheet that breaks half-way is reported at the row where it broke."""
    sheet.reset_dimensions()  # the <dimension> a file declares may be absent or wrong: read every row
    number = 0
    try:
        # each head row as wide as its last cell (at most Excel's 16 384 columns): a stray title far
        # to the right is seen; the data rows below are read only as wide as the header
        head = list(sheet.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True))
        found = _sheet_header(head, spec, where, report)
        if found is None:
            return None
        header, first = found
        builder = _Columns(len(header))
        for number, row in enumerate(sheet.iter_rows(min_row=first, max_col=len(header), values_only=True), first):
            if number > EXCEL_MAX_ROWS:
                report.error(
                    where,
                    f"Trang tính có dòng sau dòng {count(EXCEL_MAX_ROWS)} (giới hạn của Excel): tệp không do Excel "
                    f"tạo ra hoặc đã hỏng ({EXCEL_REOPEN}).",
                )
                return None
            if row.count(None) == len(row):
                continue  # blank rows are skipped, but row numbers keep counting
            if not builder.add(number, [_cell_text(c) for c in row]):
                report.error(
                    Location(where.file, where.sheet, first_row=0),
                    f"Trang tính chứa hơn {count(MAX_SHEET_TEXT_CHARS)} ký tự chữ (tới dòng này): quá lớn để đọc; "
                    "tách bớt dữ liệu hoặc dùng Parquet.",
                    rows=[number],
                )
                return None
        table, numbers = builder.finish()
    except _broken_excel() as exc:
        report.error(
            Location(where.file, where.sheet, first_row=0),
            f"Tệp Excel hỏng từ dòng này của trang tính: {_why_broken(exc)} ({EXCEL_REOPEN}).",
            rows=[number + 1 if number else 1],
        )
        return None
    return finish_table(spec, table, header, where, numbers, report)


def _sheet_header(
    head: list[tuple[object, ...]], spec: TableSpec, where: Location, report: ValidationReport
) -> tuple[list[str], int] | None:
    """The header (one row, or a group row above sub-titles) among the first rows, and the row
    number where data starts."""
    known = spec.header_lookup()
    scores = [sum(1 for c in r if isinstance(c, str) and fold(c) in known) for r in head]
    if not head or max(scores, default=0) == 0:
        report.error(
            where,
            f"Trang tính rỗng hoặc không có dòng tiêu đề nhận ra được (trong {HEADER_SCAN_ROWS} dòng đầu).",
        )
        return None
    header_index = int(np.argmax(scores))
    last = _last_filled(head[header_index])
    if last > MAX_COLUMNS:
        report.error(
            where,
            f"Dòng tiêu đề có ô ở cột {last}, quá giới hạn {MAX_COLUMNS} cột: xóa các ô thừa ở bên phải dòng tiêu đề.",
        )
        return None
    width = max(_last_filled(r[:MAX_COLUMNS]) for r in head)
    header = ["" if c is None else str(c) for c in head[header_index][:width]]
    header += [""] * (width - len(header))  # head rows end at their last cell: a sub-title may go further
    skip = 1
    if header_index + 1 < len(head):  # a merged group title above sub-titles ("Quần chúng" / "Tổng số")
        merged = _two_row_header(header, head[header_index + 1][:width], known)
        if merged is not None:
            header, skip = merged, 2
    return header, header_index + 1 + skip


def _last_filled(row: tuple[object, ...]) -> int:
    """1-based column of the last non-blank cell (0 for a blank row)."""
    return max((i + 1 for i, c in enumerate(row) if c is not None), default=0)


class _Columns:
    """Rows of text gathered into Arrow string columns, a chunk at a time (Python lists of cells cost
    ten times the memory), keeping the shown row number of every non-blank row."""

    def __init__(self, width: int) -> None:
        self.pending: list[list[str | None]] = [[] for _ in range(width)]
        self.chunks: list[list[pa.Array]] = [[] for _ in range(width)]
        self.numbers: list[int] = []
        self.chars = 0

    def add(self, number: int, cells: list[str | None]) -> bool:
        """Keep a row unless blank; False once the sheet holds more text than MAX_SHEET_TEXT_CHARS."""
        if all(c is None for c in cells):
            return True  # blank (spaces only) rows are skipped, but row numbers keep counting
        for column, cell in zip(self.pending, cells, strict=True):
            column.append(cell)
            self.chars += len(cell) if cell is not None else 0
        self.numbers.append(number)
        if len(self.pending[0]) >= CHUNK_ROWS:
            self._flush()
        return self.chars <= MAX_SHEET_TEXT_CHARS

    def _flush(self) -> None:
        for chunks, column in zip(self.chunks, self.pending, strict=True):
            chunks.append(pa.array(column, type=pa.string()))
            column.clear()

    def finish(self) -> tuple[pa.Table, np.ndarray]:
        self._flush()
        columns = {f"__cot_{i}": pa.chunked_array(c, type=pa.string()) for i, c in enumerate(self.chunks)}
        return pa.table(columns), np.asarray(self.numbers, dtype=np.int64)


def _two_row_header(top: list[str], below: tuple[object, ...], known: dict[str, str]) -> list[str] | None:
    """Combined titles when the row below the header holds sub-titles of merged group cells."""
    sub = ["" if c is None else str(c).strip() for c in below]
    sub += [""] * (len(top) - len(sub))
    group, combined = "", []
    for i, title in enumerate(top):
        group = title.strip() or group  # a merged cell is read as its first cell, the rest blank
        if sub[i] and fold(sub[i]) not in known:
            combined.append(f"{group} {sub[i]}".strip())
        else:
            combined.append(sub[i] or title)
    gain = sum(fold(c) in known for c in combined) - sum(fold(c) in known for c in top)
    return combined if gain > 0 else None


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 2024 and mã 123 as 2024.0 / 123.0
    if isinstance(value, datetime.datetime | datetime.date):
        return f"{value:%d/%m/%Y}{DATE_CELL}"
    if isinstance(value, datetime.time | datetime.timedelta):
        return f"{value}{TIME_CELL}"
    text = str(value).strip()
    return text or None


# --- common --------------------------------------------------------------------------------------


def finish_table(
    spec: TableSpec,
    table: pa.Table,
    header: list[str],
    where: Location,
    row_numbers: np.ndarray | None,
    report: ValidationReport,
) -> RawTable | None:
    """Map the user's headers to canonical names; drop blank rows; report header problems."""
    where = Location(where.file, where.sheet, where.first_row, {}, None)
    lookup = spec.header_lookup()
    chosen: dict[str, int] = {}
    headers: dict[str, str] = {}
    for i, title in enumerate(header):
        name = lookup.get(fold(title)) if title.strip() else None
        if name is None:
            if title.strip() and fold(title) not in IGNORED_HEADERS:
                report.warning(where, f"Cột «{title.strip()}» không thuộc bảng {spec.name}: bỏ qua.")
            continue
        if name in chosen:
            report.error(
                where,
                f"Hai cột cùng là «{spec.column(name).title}» ({name}): «{headers[name]}» và «{title.strip()}».",
            )
            continue
        chosen[name] = i
        headers[name] = title.strip()
    if row_numbers is None:
        row_numbers = np.arange(2, table.num_rows + 2, dtype=np.int64)
    keep = _non_blank_rows(table)
    if keep is not None:
        table = table.filter(pa.array(keep))
        row_numbers = row_numbers[keep]
    data = pa.table({name: table.column(i) for name, i in chosen.items()})
    where = Location(where.file, where.sheet, int(row_numbers[0]) if len(row_numbers) else 2, headers, row_numbers)
    if data.num_rows == 0 and spec in OPTIONAL_TABLES:
        return None  # an optional table left empty (the template's Nhiệm vụ sheet): as if absent
    missing = [c for c in spec.required if c.name not in chosen]
    for col in missing:
        report.error(
            where,
            f"Thiếu cột bắt buộc «{col.title}» ({col.name}) trong bảng {spec.name}. "
            f"Tên cột được chấp nhận: {', '.join((col.title, col.name, *col.aliases))}.",
        )
    if data.num_rows == 0 and not missing:
        report.error(where, f"Bảng {spec.name} không có dòng dữ liệu nào (chỉ có dòng tiêu đề).")
        return None
    if missing:
        return None
    return RawTable(spec, data, where)


def _non_blank_rows(table: pa.Table) -> np.ndarray | None:
    """Mask of rows with at least one non-null cell, or None when every row has one."""
    if table.num_columns == 0 or table.num_rows == 0:
        return None
    blank = np.ones(table.num_rows, dtype=bool)
    for column in table.columns:
        blank &= column.is_null().to_numpy(zero_copy_only=False)
    return None if not blank.any() else ~blank

"""Excel workbooks read without evaluating anything: the zip directory judged before a byte is unpacked,
then each sheet streamed row by row into Arrow, with the row numbers Excel shows."""

from __future__ import annotations

import datetime
import struct
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from scoring.domain.numbers import number_text
from scoring.domain.text import fold
from scoring.input.limits import (
    CHUNK_ROWS,
    EXCEL_MAX_ROWS,
    MAX_COLUMNS,
    MAX_SHARED_STRINGS_BYTES,
    MAX_SHEET_TEXT_CHARS,
    MAX_XLSX_PART_BYTES,
    MAX_XLSX_UNPACKED_BYTES,
    MAX_ZIP_DIRECTORY_BYTES,
    MAX_ZIP_RATIO,
    RATIO_FLOOR_BYTES,
    count,
    human_size,
)
from scoring.input.raw_table import NOT_A_FILE, RawTable, finish_table
from scoring.input.report import Location, ValidationReport
from scoring.input.schema import OPTIONAL_TABLES, TableSpec

HEADER_SCAN_ROWS = 10
#: how an Excel date or time cell reads as text: a date column accepts it, an id column reports it
DATE_CELL = " (ô định dạng Ngày)"
TIME_CELL = " (ô định dạng Giờ)"
EXCEL_REOPEN = "thử mở bằng Excel rồi lưu lại"


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
                f"Thiếu trang tính «{spec.title}»; các trang tính có: " + ", ".join(f"«{n}»" for n in book.sheetnames),
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
    if isinstance(value, float):
        return number_text(value)  # 8.125 as «8,125»: «8.125» would read as eight thousand
    if isinstance(value, datetime.datetime | datetime.date):
        return f"{value:%d/%m/%Y}{DATE_CELL}"
    if isinstance(value, datetime.timedelta):  # a duration cell ([h]:mm): «26:30:00», not Python's «1 day, 2:30:00»
        total = int(value.total_seconds())
        minutes, seconds = divmod(abs(total), 60)
        return f"{'-' if total < 0 else ''}{minutes // 60:02d}:{minutes % 60:02d}:{seconds:02d}{TIME_CELL}"
    if isinstance(value, datetime.time):
        return f"{value}{TIME_CELL}"
    text = str(value).strip()
    return text or None

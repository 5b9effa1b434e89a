"""Read the three tables from what offices send: a CSV folder, one XLSX workbook, or Parquet files.

Readers return raw Arrow tables (strings for CSV and XLSX, native types for Parquet) with the
exact row numbers the user sees, and record every problem in the report instead of raising.
Nothing is evaluated: XLSX formulas are read as their cached values, macros are never loaded.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
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
    raw = file.read_bytes()
    if not raw.strip():
        report.error(where, "Tệp rỗng: không có dòng tiêu đề và không có dữ liệu.")
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
    first_line = raw.decode(encoding, errors="replace").splitlines()[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    header = next(csv.reader([first_line], delimiter=delimiter))
    if not any(h.strip() for h in header):
        report.error(where, "Dòng 1 phải là dòng tiêu đề (tên các cột), nhưng đang để trống.")
        return None
    names = [f"__cot_{i}" for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            io.BytesIO(raw),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, encoding=encoding),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, null_values=[""], strings_can_be_null=True
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        ragged = _ragged_lines(raw.decode(encoding, errors="replace"), delimiter, len(header))
        if ragged:
            rows, counts = zip(*ragged, strict=True)
            report.error(
                Location(where.file, first_row=0),
                f"Số ô của dòng khác số cột của dòng tiêu đề ({len(header)} cột); không đọc được tệp. "
                "Nếu có số thập phân viết bằng dấu phẩy (8,5), đặt nó trong ngoặc kép "
                "hoặc dùng dấu ; để phân cách cột.",
                rows=np.asarray(rows),
                values=[f"{n} ô" for n in counts],
            )
        else:
            report.error(where, f"Không đọc được tệp CSV: {_arrow_message(exc)}")
        return None
    row_numbers = np.arange(2, table.num_rows + 2, dtype=np.int64)
    return finish_table(spec, table, header, where, row_numbers, report)


def _ragged_lines(text: str, delimiter: str, width: int) -> list[tuple[int, int]]:
    """(line number, number of cells) of the data lines whose cell count differs from the header's."""
    found = []
    for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        if number > 1 and cells and len(cells) != width:
            found.append((number, len(cells)))
    return found


def _broken_utf8_lines(raw: bytes) -> list[int]:
    """Lines with invalid bytes in a file that is otherwise clearly UTF-8 (has valid accented text)."""
    if b"\x00" in raw[:4096]:
        return []
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        bad = text.count("\ufffd")
        accented = sum(1 for ch in text if ord(ch) > 127) - bad
        if accented > bad:
            return [i for i, line in enumerate(text.splitlines(), start=1) if "\ufffd" in line]
    return []


def _detect_encoding(raw: bytes) -> str | None:
    if b"\x00" in raw[:4096]:
        return None
    for encoding in CSV_ENCODINGS:
        try:
            raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def _arrow_message(exc: Exception) -> str:
    text = str(exc).splitlines()[0]
    if "Expected" in text and "columns" in text:
        return f"số cột của một dòng không khớp với dòng tiêu đề ({text})"
    return text


# --- Parquet -------------------------------------------------------------------------------------


def _read_parquet(file: Path, spec: TableSpec, report: ValidationReport) -> RawTable | None:
    where = Location(str(file))
    try:
        table = pq.read_table(file)
    except (pa.ArrowInvalid, OSError):
        report.error(where, "Không đọc được tệp Parquet: tệp hỏng hoặc không phải Parquet.")
        return None
    header = table.column_names
    table = table.rename_columns([f"__cot_{i}" for i in range(len(header))])
    return finish_table(spec, table, header, where, None, report)


# --- XLSX ----------------------------------------------------------------------------------------


def _read_workbook(file: Path, report: ValidationReport) -> dict[str, RawTable]:
    return read_workbook_tables(file, report, (*TABLES, *OPTIONAL_TABLES))


def read_workbook_tables(
    file: Path, report: ValidationReport, specs: tuple[TableSpec, ...], label: str | None = None
) -> dict[str, RawTable]:
    """The sheets of `specs` in a workbook (every one of them required but the optional tables);
    messages name the file as `label` (an upload's own name rather than its temporary path)."""
    import openpyxl  # imported here: only workbook users pay for it
    from openpyxl.utils.exceptions import InvalidFileException

    shown = label or str(file)
    where = Location(shown)
    try:
        # data_only: formulas give their cached values and are never evaluated; macros are not loaded
        book = openpyxl.load_workbook(file, read_only=True, data_only=True, keep_links=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        report.error(where, "Không đọc được tệp Excel: tệp hỏng hoặc không phải .xlsx (thử mở bằng Excel rồi lưu lại).")
        return {}
    tables: dict[str, RawTable] = {}
    try:
        sheets = {fold(name): name for name in book.sheetnames}
        for spec in specs:
            sheet = next((sheets[n] for n in spec.sheet_names() if n in sheets), None)
            if sheet is None and spec in OPTIONAL_TABLES:
                continue  # an optional table (nhiệm vụ): only the plans that read it need it
            if sheet is None:
                report.error(
                    where,
                    f"Thiếu trang tính «{spec.title}» (bảng {spec.name}); các trang tính có: "
                    + ", ".join(book.sheetnames),
                )
                continue
            table = _read_sheet(book[sheet].iter_rows(values_only=True), spec, Location(shown, sheet), report)
            if table is not None:
                tables[spec.name] = table
    finally:
        book.close()
    return tables


def _read_sheet(
    rows: Iterator[tuple[object, ...]], spec: TableSpec, where: Location, report: ValidationReport
) -> RawTable | None:
    known = spec.header_lookup()
    head: list[tuple[object, ...]] = []
    for row in rows:
        head.append(row)
        if len(head) >= HEADER_SCAN_ROWS:
            break
    scores = [sum(1 for c in r if isinstance(c, str) and fold(c) in known) for r in head]
    if not head or max(scores, default=0) == 0:
        report.error(
            where,
            f"Trang tính rỗng hoặc không có dòng tiêu đề nhận ra được (trong {HEADER_SCAN_ROWS} dòng đầu).",
        )
        return None
    header_index = int(np.argmax(scores))
    header = ["" if c is None else str(c) for c in head[header_index]]
    skip = 1
    if header_index + 1 < len(head):  # a merged group title above sub-titles ("Quần chúng" / "Tổng số")
        merged = _two_row_header(header, head[header_index + 1], known)
        if merged is not None:
            header, skip = merged, 2
    body = head[header_index + skip :]
    body.extend(rows)
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    numbers: list[int] = []
    first = header_index + 1 + skip
    for offset, row in enumerate(body):
        cells = [_cell_text(c) for c in row[:width]]
        if not any(c is not None for c in cells):
            continue  # blank rows are skipped, but row numbers keep counting
        cells.extend([None] * (width - len(cells)))
        for i, cell in enumerate(cells):
            columns[i].append(cell)
        numbers.append(first + offset)
    table = pa.table({f"__cot_{i}": pa.array(col, type=pa.string()) for i, col in enumerate(columns)})
    return finish_table(spec, table, header, where, np.asarray(numbers, dtype=np.int64), report)


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


#: how an Excel date cell reads as text: a date column accepts it, a year or count column reports it
DATE_CELL = " (ô định dạng Ngày)"


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 2024 and mã 123 as 2024.0 / 123.0
    if isinstance(value, datetime.datetime | datetime.date):
        return f"{value:%d/%m/%Y}{DATE_CELL}"
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

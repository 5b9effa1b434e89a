"""A table as a reader hands it on: the user's headers mapped to canonical names, blank rows dropped,
the row numbers the user sees kept."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from scoring.domain.text import fold
from scoring.input.report import Location, ValidationReport
from scoring.input.schema import OPTIONAL_TABLES, TableSpec, is_code_header

#: Columns offices add for people (row numbers, notes): ignored without a warning.
IGNORED_HEADERS = {"stt", "tt", "sothutu", "ghichu"}
#: a folder, a device or a pipe where a file was expected (reading /dev/zero would never end)
NOT_A_FILE = "Không phải một tệp thường (là thư mục, thiết bị hoặc ống dẫn): không đọc."


@dataclass
class RawTable:
    spec: TableSpec
    data: pa.Table
    where: Location


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
    written: dict[str, str] = {}
    for i, title in enumerate(header):
        name = lookup.get(fold(title)) if title.strip() else None
        if name is None:
            if title.strip() and fold(title) not in IGNORED_HEADERS:
                report.warning(where, f"Cột «{title.strip()}» không thuộc bảng «{spec.title}»: bỏ qua.")
            continue
        if name in chosen:
            report.error(
                where,
                f"Hai cột cùng là «{spec.column(name).title}»: «{written[name]}» và «{title.strip()}»; "
                "xóa hoặc đổi tên một cột.",
            )
            continue
        chosen[name] = i
        written[name] = " ".join(title.split())  # a title typed on two lines (Alt+Enter) reads as one
        # a person reads the column as the file heads it, or by its title when the file uses the code
        headers[name] = spec.column(name).title if is_code_header(title, name) else written[name]
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
            f"Thiếu cột bắt buộc «{col.title}» trong bảng «{spec.title}». "
            f"Tên cột được chấp nhận: {', '.join((col.title, *col.aliases, col.name))}.",
        )
    if data.num_rows == 0 and not missing:
        report.error(where, f"Bảng «{spec.title}» không có dòng dữ liệu nào (chỉ có dòng tiêu đề).")
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

"""Write the tables (the three, and nhiem_vu when there is one) as a CSV folder, a Parquet folder or
one XLSX workbook — atomically: everything goes to a temporary folder beside the target, which is
renamed into place at the end, so a failure never leaves a half-written output.

These are datasets the tool reads back (`thidua sinh-du-lieu`, conversions, tests): the CSV keeps every
value exactly as it is — no «'» before a text starting with = + - @, which would change an id read back —
and the workbook writes every text as a text cell (`excel.excel_writer`), never as a formula."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from scoring.domain.numbers import format_number
from scoring.input.schema import ALL_TABLES, Kind
from scoring.outputs.excel import COUNT_FORMAT, DECIMAL_FORMAT, PLAIN_FORMAT, excel_writer, write_sheet

FORMATS = ("csv", "xlsx", "parquet")
EXCEL_MAX_ROWS = 1_048_575
WORKBOOK_NAME = "du_lieu.xlsx"


class OutputError(Exception):
    """The output cannot be written (message in Vietnamese)."""


@contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Yield a temporary folder that replaces `target` only if the block succeeds."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise OutputError(f"Thư mục đích {target} đã tồn tại và không rỗng: chọn thư mục khác hoặc xóa nó trước.")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield staging
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(staging, 0o777 & ~mask)  # mkdtemp makes it private; the result is an ordinary folder
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def to_arrow(frame: pd.DataFrame | pa.Table) -> pa.Table:
    """Arrow table with plain string columns (CSV writers and Excel want no dictionaries)."""
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    fields = [pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema]
    fields = [pa.field(f.name, pa.string()) if pa.types.is_dictionary(f.type) else f for f in fields]
    return table.cast(pa.schema(fields))


def write_tables(tables: dict[str, pd.DataFrame | pa.Table], out: Path, fmt: str) -> list[Path]:
    if fmt not in FORMATS:
        raise OutputError(f"Định dạng «{fmt}» không hỗ trợ; chọn một trong: {', '.join(FORMATS)}.")
    if fmt == "xlsx":
        too_big = {n: len(f) for n, f in tables.items() if len(f) > EXCEL_MAX_ROWS}  # type: ignore[arg-type]
        if too_big:
            detail = ", ".join(f"{n}: {format_number(size)} dòng" for n, size in too_big.items())
            raise OutputError(
                f"Excel chỉ chứa được {format_number(EXCEL_MAX_ROWS)} dòng mỗi trang tính ({detail}); "
                "dùng csv hoặc parquet."
            )
    with atomic_folder(out) as staging:
        if fmt == "xlsx":
            write_workbook(tables, staging / WORKBOOK_NAME)
        for spec in [t for t in ALL_TABLES if t.name in tables] if fmt != "xlsx" else ():
            frame = tables[spec.name]
            if fmt == "csv":
                pacsv.write_csv(to_arrow(frame), staging / f"{spec.name}.csv")
            else:
                table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
                pq.write_table(table, staging / f"{spec.name}.parquet", compression="zstd")
    names = [WORKBOOK_NAME] if fmt == "xlsx" else [f"{s.name}.{fmt}" for s in ALL_TABLES if s.name in tables]
    return [out / n for n in names]


#: the number format of each kind of column in a dataset workbook (others: none)
_KIND_FORMATS = {
    Kind.YEAR: PLAIN_FORMAT,
    Kind.COUNT: COUNT_FORMAT,
    Kind.SCORE: DECIMAL_FORMAT,
    Kind.POINTS: DECIMAL_FORMAT,
}


def write_workbook(tables: dict[str, pd.DataFrame | pa.Table], path: Path) -> None:
    """One sheet per table with the Vietnamese column titles the template uses; numbers as numbers."""
    with excel_writer(path) as writer:  # a text stays a text (an id «=1» reads back as «=1»)
        for spec in [t for t in ALL_TABLES if t.name in tables]:
            frame = to_arrow(tables[spec.name]).to_pandas()
            titles = {c.name: c.title for c in spec.columns}
            frame = frame.rename(columns=titles).astype(object).where(frame.notna().to_numpy(), None)
            formats = {c.title: _KIND_FORMATS[c.kind] for c in spec.columns if c.kind in _KIND_FORMATS}
            widths = {c.title: max(14, min(len(c.title) + 2, 32)) for c in spec.columns}  # as the template
            write_sheet(writer, spec.title, frame, formats=formats, widths=widths)

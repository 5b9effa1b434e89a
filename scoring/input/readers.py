"""Read the three tables from what offices send: a CSV folder, one XLSX workbook, or Parquet files.

Readers return raw Arrow tables (strings for CSV and XLSX, native types for Parquet) with the
exact row numbers the user sees, and record every problem in the report instead of raising.
Nothing is evaluated: XLSX formulas are read as their cached values, macros are never loaded.
Every reader is bounded before it works (see scoring/input/limits.py): a file of a few megabytes, sent
by mistake or by malice, is refused in words rather than allowed to take minutes or gigabytes.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from scoring.domain.text import fold
from scoring.input.csv_text import read_csv_table
from scoring.input.limits import (
    CHUNK_ROWS,
    MAX_COLUMNS,
    MAX_PARQUET_RATIO,
    MAX_PARQUET_ROWS,
    PARQUET_RATIO_FLOOR_BYTES,
    count,
    human_size,
)
from scoring.input.raw_table import NOT_A_FILE, RawTable, finish_table
from scoring.input.report import Location, ValidationReport
from scoring.input.schema import OPTIONAL_TABLES, TABLES, TableSpec
from scoring.input.xlsx import read_workbook_tables

#: what callers import from here: the folder-or-file entry point and what it returns
__all__ = ["RawTable", "read_tables", "read_workbook_tables", "unusable_file_message"]


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
            _read_parquet(file, spec, report)
            if file.suffix.lower() == ".parquet"
            else read_csv_table(file, spec, report)
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


def _read_workbook(file: Path, report: ValidationReport) -> dict[str, RawTable]:
    return read_workbook_tables(file, report, (*TABLES, *OPTIONAL_TABLES))


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

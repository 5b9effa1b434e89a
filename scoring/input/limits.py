"""Bounds on what the readers take, each with the real input it leaves room for, and the words that say sizes."""

from __future__ import annotations

from scoring.domain.numbers import format_number

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


def count(n: int) -> str:
    """1048576 -> «1.048.576», as Vietnamese groups digits."""
    return format_number(n, 0)


def human_size(n: float) -> str:
    """1536 -> «1,5 KiB», 2 GiB -> «2 GiB», as Vietnamese writes decimals."""
    for unit in ("byte", "KiB", "MiB", "GiB"):
        if n < 1000 or unit == "GiB":
            return f"{format_number(n, 0 if unit == 'byte' or n >= 100 else 1)} {unit}"
        n /= 1024
    raise AssertionError("unreachable")

"""What every file this tool writes for people shares: the header style, and text a user typed that
stays text — never a formula, a link or a number — in XLSX (XlsxWriter, `excel_writer`) and in CSV
(`csv_bytes`, `write_csv`: OWASP's «CSV injection» escape).

XLSX: every workbook is opened by `excel_writer`, XlsxWriter with `SAFE_TEXT`, so a text is written
with `write_string` whatever it starts with («=HYPERLINK(…)» is a text cell, not a formula). pandas'
default engine, openpyxl, stores a text starting with «=» as a formula: it is never used to write.

CSV has no cell types: a spreadsheet opening it runs a cell starting with = + - @ (or a tab or a carriage
return) as a formula. Such a text cell is written with a leading «'» (OWASP), which spreadsheets show as
text; numbers are numbers and are left alone, and so is a text that is a plain number («-2», «-2,5»,
«+3%»: no formula can hide in it), so negative figures stay figures. Every text is also quoted, so a
line break inside it never starts a new row whose first cell would be a formula. A program reading the
CSV sees the «'»: the escape is for the files people open (scores, reports, the audit log); the datasets
`writers.write_tables` writes as CSV for the tool to read back keep every value as it is (a «'» would
change an id read back), and their XLSX form writes text as text."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

#: xlsxwriter options: text a user typed ("=…", "http…", "001") stays text, never a formula,
#: a link or a number
SAFE_TEXT = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}

#: the header row of every sheet (required columns in the template)
HEADER = {
    "bold": True,
    "bg_color": "#C00000",
    "font_color": "white",
    "text_wrap": True,
    "valign": "vcenter",
    "border": 1,
}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: how a cell a spreadsheet would run as a formula starts (OWASP's list, and the full-width forms,
#: which some spreadsheets read as the ASCII ones)
FORMULA_START = "=+-@\t\r＝＋－＠"
_FORMULA = "[=+\\-@\\t\\r＝＋－＠]"  # the same characters, as a pattern (Python's re and Arrow's RE2)
#: a text that is a plain number, signed ("-2", "+1,5", "-3.5%"): left as it is
_PLAIN_NUMBER = r"[+-]?[0-9]+(?:[.,][0-9]+)*%?"


def excel_writer(target: Path | BinaryIO) -> pd.ExcelWriter:
    """The writer of every workbook: XlsxWriter, text written as text (`SAFE_TEXT`)."""
    return pd.ExcelWriter(target, engine="xlsxwriter", engine_kwargs={"options": SAFE_TEXT})


def csv_cell(value: Any) -> Any:
    """`value` as a CSV cell a spreadsheet shows and never runs: «=1+1» → «'=1+1»; «-2», 3, None as they are."""
    if isinstance(value, str) and re.match(_FORMULA, value) and not re.fullmatch(_PLAIN_NUMBER, value):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every text cell (and column title) escaped by `csv_cell`; numbers untouched."""
    safe = frame.rename(columns=csv_cell)
    for position in range(safe.shape[1]):
        values = safe.iloc[:, position]
        if isinstance(values.dtype, pd.CategoricalDtype):
            if all(csv_cell(category) is category for category in values.cat.categories):
                continue  # a few labels to look at, not every row
            values = values.astype(object)
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        try:
            text = values.str
        except AttributeError:  # an object column without a text (True/False, numbers)
            continue
        risky = text.match(_FORMULA, na=False) & ~text.fullmatch(_PLAIN_NUMBER, na=False)
        if risky.any():
            escaped = values.astype(object).where(~risky, "'" + values[risky].astype(str))
            safe.isetitem(position, escaped.to_numpy())
    return safe


def csv_bytes(frame: pd.DataFrame, encoding: str = "utf-8-sig") -> bytes:
    """`frame` as CSV (no index), escaped by `csv_safe`, every text quoted; UTF-8 with a BOM by default
    (Excel reads the accents right)."""
    return csv_safe(frame).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC).encode(encoding)


def write_csv(frame: pd.DataFrame, path: Path, encoding: str = "utf-8-sig") -> None:
    """`frame` to `path` as `csv_bytes` writes it."""
    csv_safe(frame).to_csv(path, index=False, encoding=encoding, quoting=csv.QUOTE_NONNUMERIC)

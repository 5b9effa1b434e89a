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
change an id read back), and their XLSX form writes text as text.

Numbers are written as numbers with a number format, never as text («58,4%» as a text cell cannot be summed
or sorted): counts `#,##0`, decimals `#,##0.0#`, shares as fractions with `0.0%`, years and ids `0`. The
codes are Excel's, in which «,» groups thousands and «.» marks decimals whatever the language; Excel and
LibreOffice show the number with the viewer's own separators, so a Vietnamese machine shows 1.234,5 and
82,5% (an English one 1,234.5 and 82.5%): the value stays a number either way. `write_sheet` writes every
table sheet: numbers formatted, header styled, and the print setup (`print_setup`: A4 landscape, one page
wide, title rows and header repeated on every page)."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from scoring.domain.numbers import parse_numbers
from scoring.domain.text import fold

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
#: the title rows above a table
TITLE = {"bold": True, "font_size": 13, "align": "center", "valign": "vcenter", "text_wrap": True}

#: Excel number formats (see the module docstring: shown with the viewer's separators)
COUNT_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.0#"
PERCENT_FORMAT = "0.0%"
SIGNED_FORMAT = "+#,##0;-#,##0;0"
PLAIN_FORMAT = "0"  # years, ids, STT: 2025, not 2.025
GENERAL_FORMAT = "General"  # every digit (the raw value beside a formatted one)
#: not a format: a column of figures as shown («82,5%», «1.200», «Hoàn thành tốt nhiệm vụ»), whose cells that
#: read as a percentage or a number are written as numbers with the matching format, the rest as text
FIGURES = "figures"
#: key of `DataFrame.attrs` where a table carries its own formats (column title -> format or FIGURES)
NUMBER_FORMATS = "number_formats"
#: column titles whose numbers are years, ids or positions, never grouped
_PLAIN_TITLE = re.compile(r"^(nam|ma|stt)\b")
#: A4 (XlsxWriter's paper code 9)
A4 = 9

#: how a cell a spreadsheet would run as a formula starts (OWASP's list, and the full-width forms,
#: which some spreadsheets read as the ASCII ones)
FORMULA_START = "=+-@\t\r＝＋－＠"
_FORMULA = "[=+\\-@\\t\\r＝＋－＠]"  # the same characters, as a pattern (Python's re and Arrow's RE2)
#: a text that is a plain number, signed ("-2", "+1,5", "-3.5%"): left as it is
_PLAIN_NUMBER = r"[+-]?[0-9]+(?:[.,][0-9]+)*%?"


def excel_writer(target: Path | BinaryIO) -> pd.ExcelWriter:
    """The writer of every workbook: XlsxWriter, text written as text (`SAFE_TEXT`), dates shown as 17/01/2026
    (a time, where a cell holds one, is kept in the value)."""
    return pd.ExcelWriter(
        target,
        engine="xlsxwriter",
        engine_kwargs={"options": SAFE_TEXT},
        date_format="dd/mm/yyyy",
        datetime_format="dd/mm/yyyy",
    )


def print_setup(sheet: Any, header_row: int, first_row: int = 0) -> None:
    """A4 landscape, one page wide (as many pages down as needed), the rows `first_row`..`header_row`
    (title rows and the header) printed at the top of every page, and «Trang 2/5» at the foot."""
    sheet.set_paper(A4)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(first_row, header_row)
    sheet.set_footer("&CTrang &P/&N")


def write_sheet(
    writer: pd.ExcelWriter,
    name: str,
    frame: pd.DataFrame,
    title_rows: Sequence[str] = (),
    formats: Mapping[str, str] | None = None,
    widths: Mapping[str, float] | None = None,
) -> Any:
    """`frame` as the sheet `name` of a workbook opened by `excel_writer`: the `title_rows` (each across
    the table), the header (styled, frozen, filtered, repeated on every printed page), then the rows;
    numbers as numbers with a format from `formats` (column title -> format or `FIGURES`), else from
    `frame.attrs[NUMBER_FORMATS]`, else by kind (`_format_of`); widths from `widths`, else from the
    content. Text stays text (`SAFE_TEXT`). Returns the XlsxWriter worksheet."""
    chosen = {**frame.attrs.get(NUMBER_FORMATS, {}), **(formats or {})}
    header_row = len(title_rows)
    frame.to_excel(writer, sheet_name=name, index=False, header=False, startrow=header_row + 1)
    book, sheet = writer.book, writer.sheets[name]
    last_column = max(len(frame.columns) - 1, 0)
    title = book.add_format(TITLE)
    for row, text in enumerate(title_rows):
        if last_column:
            sheet.merge_range(row, 0, row, last_column, text, title)
        else:
            sheet.write_string(row, 0, text, title)
    header = book.add_format(HEADER)
    sheet.set_row(header_row, 32)
    cache: dict[str, Any] = {}
    for position, column in enumerate(frame.columns):
        sheet.write_string(header_row, position, str(column), header)
        values = frame.iloc[:, position]
        fmt = chosen.get(str(column)) or _format_of(str(column), values)
        if fmt == FIGURES:
            _write_figures(sheet, header_row + 1, position, values, book, cache)
            fmt = None
        width = (widths or {}).get(str(column)) or _width(str(column), values)
        sheet.set_column(position, position, width, _cached(book, cache, fmt))
    sheet.freeze_panes(header_row + 1, 0)
    sheet.autofilter(header_row, 0, header_row + max(len(frame), 1), last_column)
    print_setup(sheet, header_row)
    return sheet


def _cached(book: Any, cache: dict[str, Any], num_format: str | None) -> Any:
    """One XlsxWriter format per number format (a workbook holds a limited number of them)."""
    if num_format is None:
        return None
    if num_format not in cache:
        cache[num_format] = book.add_format({"num_format": num_format})
    return cache[num_format]


def _format_of(title: str, values: pd.Series) -> str | None:
    """A number format for a column of numbers by what it holds: years, ids and positions plain, whole
    numbers grouped, fractions with up to two decimals. None for text, booleans and dates."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return None
    if _PLAIN_TITLE.match(_fold_title(title)):
        return PLAIN_FORMAT
    numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
    known = numbers[~np.isnan(numbers)]
    return COUNT_FORMAT if np.all(np.mod(known, 1) == 0) else DECIMAL_FORMAT


def _fold_title(title: str) -> str:
    """A column title folded for matching, words kept apart: «Mã tổ chức» → «ma to chuc»."""
    return " ".join(fold(word) for word in title.split())


def _width(title: str, values: pd.Series) -> float:
    lengths = values.astype(str).str.len()  # blank cells have no length (NaN)
    longest = int(lengths.max()) if lengths.notna().any() else 0
    return min(max(len(title), longest) + 2, 60)


def _write_figures(sheet: Any, first_row: int, column: int, values: pd.Series, book: Any, cache: dict) -> None:
    """Cells of a `FIGURES` column that read as a percentage («82,5%») or a number («1.200») written as
    numbers with the matching format; the others («Hoàn thành tốt nhiệm vụ», «không đủ dữ liệu») stay
    as written. The value written is the one shown (82,5% is 0.825). The figures are the program's own display
    text, never a user's."""
    text = values.astype("string")
    percent = text.str.endswith("%").fillna(False).to_numpy(dtype=bool)
    shares, _ = parse_numbers(text.where(percent), percent=True)
    plain, _ = parse_numbers(text.where(~percent))
    for numbers, is_share in ((shares.to_numpy(), True), (plain.to_numpy(), False)):
        for row in np.flatnonzero(~np.isnan(numbers)):  # only the cells that are figures
            value = float(numbers[row])
            fmt = PERCENT_FORMAT if is_share else COUNT_FORMAT if value.is_integer() else DECIMAL_FORMAT
            sheet.write_number(first_row + int(row), column, value, _cached(book, cache, fmt))


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

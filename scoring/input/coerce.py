"""Turn raw columns into typed ones: ids and names NFC-trimmed, codes as categoricals, flags as
booleans, years and counts as integers. Values are parsed once per distinct value (a column of
millions of cells holds only a few distinct ratings or years), then spread back by integer codes.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring.domain.codes import RATING_ORDER, boolean_lookup
from scoring.domain.numbers import parse_number
from scoring.domain.text import fold, strip_diacritics
from scoring.input.checks import INVISIBLE_IN_TEXT
from scoring.input.raw_table import RawTable
from scoring.input.report import Location, ValidationReport
from scoring.input.schema import ColumnSpec, Kind, TableSpec
from scoring.input.xlsx import DATE_CELL

_BAD = object()  # marks a value that could not be parsed
_BOOLEANS = boolean_lookup()


def coerce_table(raw: RawTable, report: ValidationReport) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Typed frame with every column of the spec (absent optional columns are all-missing), and
    per column the mask of cells that held a value that could not be read (already reported)."""
    n = raw.data.num_rows
    columns: dict[str, pd.Series] = {}
    invalid: dict[str, np.ndarray] = {}
    for spec in raw.spec.columns:
        if spec.name not in raw.data.column_names:
            columns[spec.name] = _missing_column(spec, n)
            continue
        try:
            series, bad = _coerce_column(raw.data.column(spec.name), spec)
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError):
            kind = arrow_kind(raw.data.column(spec.name).type)
            report.error(
                raw.where, f"Kiểu dữ liệu của cột ({kind}) không dùng được; cần {spec.expected()}.", column=spec.name
            )
            invalid[spec.name] = np.ones(n, dtype=bool)
            columns[spec.name] = _missing_column(spec, n)
            continue
        if bad.any():
            invalid[spec.name] = bad
            positions = np.flatnonzero(bad)
            shown = raw.data.column(spec.name).take(pa.array(positions)).to_pylist()
            report.error(
                raw.where,
                f"Giá trị không hợp lệ; cần {spec.expected()}.",
                rows=positions,
                column=spec.name,
                values=shown,
            )
        columns[spec.name] = series
    frame = pd.DataFrame(columns)
    for spec in raw.spec.columns:
        if spec.name in raw.data.column_names and (spec.kind is Kind.FLAG or blank_code(spec) is not None):
            unreadable = invalid.get(spec.name, np.zeros(n, dtype=bool))
            _blank_means_no(frame, spec, raw.where, unreadable, report)
    return frame, invalid


def blank_code(spec: ColumnSpec) -> str | None:
    """The code a blank cell of this coded column reads as when the file has the column (`Vocabulary.blank_code`:
    «Không bị kỷ luật» for Hình thức kỷ luật); None for every other column."""
    return spec.vocabulary.blank_code if spec.kind is Kind.CODE and spec.vocabulary is not None else None


def _blank_means_no(
    frame: pd.DataFrame, spec: ColumnSpec, where: Location, unreadable: np.ndarray, report: ValidationReport
) -> None:
    """A yes/no column the file has: a blank cell is «Không», as the template says (offices tick only
    the «có» rows), even when the whole column is blank. Only a column the file does not have is «not
    collected» (criteria on it: «không đủ dữ liệu»). A column blank throughout, or throughout a year,
    is said, with what to do when the figure was not collected. A coded column with a `blank_code` reads
    the same way: a blank Hình thức kỷ luật is «Không bị kỷ luật», a missing column not collected."""
    blank = frame[spec.name].isna().to_numpy() & ~unreadable
    shown = where.header(spec.name)
    code = blank_code(spec)
    meaning = "Không" if code is None or spec.vocabulary is None else spec.vocabulary.labels[code]
    if len(blank) and blank.all():
        hint = "" if spec.required else f" {NOT_COLLECTED}"
        report.warning(
            where, f"Cột «{shown}» để trống toàn bộ: hiểu là «{meaning}» cho mọi dòng.{hint}", column=spec.name
        )
    elif blank.any() and "nam" in frame:
        by_year = pd.Series(blank, index=frame.index).groupby(frame["nam"], dropna=True).all()
        years = [str(y) for y in by_year.index[by_year.to_numpy()]]
        if years:
            report.warning(
                where,
                f"Cột «{shown}» để trống ở mọi dòng của năm {', '.join(years)}: hiểu là «{meaning}» cho các dòng đó.",
                column=spec.name,
            )
    if code is None:
        frame[spec.name] = frame[spec.name].fillna(False)
        return
    values = frame[spec.name]  # a categorical over the vocabulary's codes: the blank cells take the code's
    dtype = values.dtype
    assert isinstance(dtype, pd.CategoricalDtype)
    codes = np.where(blank, list(dtype.categories).index(code), values.cat.codes.to_numpy())
    frame[spec.name] = pd.Categorical.from_codes(codes, dtype=dtype)


#: what an office that did not collect an optional yes/no figure does (a column kept blank means «Không»)
NOT_COLLECTED = "Nếu chưa thu thập số liệu này thì xóa cột khỏi tệp: các tiêu chí dùng cột sẽ là «không đủ dữ liệu»."


def arrow_kind(kind: pa.DataType) -> str:
    """An Arrow column type (a Parquet file's) in words: «danh sách», not «list<item: int64>»."""
    checks: tuple[tuple[Callable[[pa.DataType], bool], str], ...] = (
        (pa.types.is_temporal, "ngày giờ"),
        (lambda t: pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t),
         "danh sách nhiều giá trị trong một ô"),
        (lambda t: pa.types.is_struct(t) or pa.types.is_map(t) or pa.types.is_union(t), "bản ghi lồng nhau"),
        (lambda t: pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t),
         "dữ liệu nhị phân"),
        (pa.types.is_dictionary, "danh mục mã hóa"),
        (pa.types.is_decimal, "số thập phân cố định"),
        (pa.types.is_null, "toàn ô trống"),
    )  # fmt: skip
    return next((words for holds, words in checks if holds(kind)), "kiểu không hỗ trợ")


def empty_frame(spec: TableSpec) -> pd.DataFrame:
    return pd.DataFrame({c.name: _missing_column(c, 0) for c in spec.columns})


def dtype_of(spec: ColumnSpec) -> object:
    if spec.kind is Kind.CODE:
        assert spec.vocabulary is not None
        ordered = spec.vocabulary.name == "xep_loai"
        categories = list(RATING_ORDER) if ordered else spec.vocabulary.codes
        return pd.CategoricalDtype(categories, ordered=ordered)
    return {
        Kind.ID: "str",
        Kind.TEXT: "str",
        Kind.YEAR: "Int64",
        Kind.COUNT: "Int64",
        Kind.SCORE: "Float64",
        Kind.POINTS: "Float64",
        Kind.FLAG: "boolean",
        Kind.DATE: "datetime64[s]",
        Kind.DEADLINE: "str",
    }[spec.kind]


def _missing_column(spec: ColumnSpec, n: int) -> pd.Series:
    return pd.Series(pd.array([None] * n, dtype=dtype_of(spec)))  # type: ignore[call-overload]


def _coerce_column(column: pa.ChunkedArray, spec: ColumnSpec) -> tuple[pd.Series, np.ndarray]:
    """Typed series and the mask of cells that hold a value that could not be parsed."""
    if spec.kind in (Kind.ID, Kind.TEXT):
        return _text(column, spec.kind is Kind.TEXT), np.zeros(len(column), dtype=bool)
    if spec.kind in (Kind.COUNT, Kind.YEAR) and pa.types.is_integer(column.type):
        return _integers(column, spec)  # Parquet: already numbers, no need to parse text
    if spec.kind is Kind.FLAG and pa.types.is_boolean(column.type):
        return pd.Series(column.to_pandas(), dtype="boolean").reset_index(drop=True), np.zeros(len(column), bool)
    numeric = pa.types.is_floating(column.type) or pa.types.is_integer(column.type)
    if spec.kind in (Kind.SCORE, Kind.POINTS) and numeric:
        scores = pd.Series(column.to_pandas(), dtype="Float64").reset_index(drop=True)
        too_big = (scores.abs() > MAX_COUNT).to_numpy(dtype=bool, na_value=False)
        return scores.mask(too_big), too_big
    parse = _code_parser(spec) if spec.kind is Kind.CODE else _PARSERS[spec.kind]
    values, bad = _parse_distinct(column, parse)
    dtype = dtype_of(spec)
    if isinstance(dtype, pd.CategoricalDtype):
        index = {code: i for i, code in enumerate(dtype.categories)}
        codes = np.array([index.get(v, -1) if isinstance(v, str) else -1 for v in values[0]], dtype=np.int64)
        taken = (
            np.where(values[1] >= 0, codes[np.clip(values[1], 0, None)], -1)
            if len(codes)
            else np.full(len(values[1]), -1)
        )
        return pd.Series(pd.Categorical.from_codes(taken, dtype=dtype)), bad
    uniques, idx = values
    filled = [None if (v is None or v is _BAD) else v for v in uniques]
    array = pd.array(filled, dtype=dtype)  # type: ignore[call-overload]
    if len(array) == 0:
        return pd.Series(pd.array([None] * len(idx), dtype=dtype)), bad  # type: ignore[call-overload]
    taken_arr = array.take(idx, allow_fill=True)
    return pd.Series(taken_arr), bad


def _code_parser(spec: ColumnSpec) -> Callable[[str], object]:
    assert spec.vocabulary is not None
    lookup = spec.vocabulary.lookup()

    def parse_code(text: str) -> object:
        key = fold(text)
        return lookup.get(key, _BAD)

    return parse_code


def _parse_distinct(
    column: pa.ChunkedArray, parse: Callable[[str], object]
) -> tuple[tuple[list[object], np.ndarray], np.ndarray]:
    """((parsed distinct values, index of each cell into them or -1 for blank), bad-cell mask)."""
    if pa.types.is_boolean(column.type):
        column = pc.if_else(column, pa.scalar("1"), pa.scalar("0"))
    elif pa.types.is_floating(column.type):  # a number already: its text has a decimal point, never a grouping
        column = pc.replace_substring(column.cast(pa.string()), ".", ",")  # 1.125 is 1,125, not 1125
    elif not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        column = column.cast(pa.string())
    trimmed = pc.utf8_trim_whitespace(column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column)
    encoded = pc.dictionary_encode(trimmed)
    uniques = encoded.dictionary.to_pylist()
    idx = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    parsed = [None if u == "" else parse(u) for u in uniques]
    bad_unique = np.array([v is _BAD for v in parsed], dtype=bool)
    blank_unique = np.array([v is None for v in parsed], dtype=bool)
    bad = bad_unique[idx] & (idx >= 0) if parsed else np.zeros(len(idx), dtype=bool)
    if parsed:
        idx = np.where((idx >= 0) & ~bad_unique[np.clip(idx, 0, None)] & ~blank_unique[np.clip(idx, 0, None)], idx, -1)
    return (parsed, idx), bad


def _integers(column: pa.ChunkedArray, spec: ColumnSpec) -> tuple[pd.Series, np.ndarray]:
    values = column.to_pandas().astype("Int64")
    low, high = (1930, 2100) if spec.kind is Kind.YEAR else (-MAX_COUNT, MAX_COUNT)
    bad = (values.notna() & ((values < low) | (values > high))).to_numpy(dtype=bool, na_value=False)
    return values.mask(bad).reset_index(drop=True), bad


def _text(column: pa.ChunkedArray, drop_invisible: bool = False) -> pd.Series:
    """Trimmed NFC text; normalised once per distinct value (names repeat a lot). In names and other
    text, invisible characters are dropped (`checks.check_cells` has said so); ids keep them, and
    are reported."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_dictionary(array.type):
        array = array.cast(pa.string())
    if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        array = array.cast(pa.string())
    encoded = pc.dictionary_encode(array)
    distinct = encoded.dictionary
    if drop_invisible:
        distinct = pc.replace_substring_regex(distinct, INVISIBLE_IN_TEXT, "")
    distinct = pc.utf8_trim_whitespace(pc.utf8_normalize(distinct, form="NFC"))
    distinct = pc.if_else(pc.equal(distinct, ""), pa.scalar(None, pa.string()), distinct)
    clean = distinct.take(encoded.indices)
    return pd.Series(clean.to_pandas(), dtype="str")


MAX_COUNT = 10**12  # far above any real count; keeps Int64 from overflowing


def _parse_int(text: str) -> object:
    value = parse_number(text)
    if value is None or not value.is_integer() or abs(value) > MAX_COUNT:
        return _BAD
    return int(value)


def _parse_year(text: str) -> object:
    value = _parse_int(text)
    return value if isinstance(value, int) and 1930 <= value <= 2100 else _BAD


def _parse_score(text: str) -> object:
    value = parse_number(text)
    return _BAD if value is None or abs(value) > MAX_COUNT else value


def _parse_flag(text: str) -> object:
    number = parse_number(text)
    if number is not None:
        return {1.0: True, 0.0: False}.get(number, _BAD)
    key = fold(text)
    return _BOOLEANS.get(key, _BAD) if key else _BOOLEANS.get(text.strip(), _BAD)


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]00:00(?::00)?)?$")
_MONTH = re.compile(r"^(?:thang|t)?\s*(\d{1,2})\s*(?:/|-|nam)\s*(\d{4})$")
_QUARTER = re.compile(r"^(?:quy|q)\s*(i{1,3}|iv|[1-4])\s*(?:/|-|nam)\s*(\d{4})$")
_HALF = re.compile(r"^6 thang (dau|cuoi) nam\s*(\d{4})$")
_YEAR_ONLY = re.compile(r"^(?:nam|trong nam|cuoi nam)\s*(\d{4})$")
_EVERY_YEAR = {"hang nam", "moi nam", "ca nam", "trong nam", "hangnam", "cuoi nam"}
_ONGOING = {"thuong xuyen", "lien tuc", "thuongxuyen"}


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_end(year: int, month: int) -> date | None:
    if not 1 <= month <= 12:
        return None
    return date(year, month, calendar.monthrange(year, month)[1])


def _parse_date(text: str) -> object:
    """15/03/2022, 15-03-2022, 2022-03-15 (an Excel date cell reads as 2022-03-15 00:00:00)."""
    cleaned = text.removesuffix(DATE_CELL).strip().lower()
    if (found := _ISO.match(cleaned)) is not None:
        y, m, d = (int(g) for g in found.groups())
    elif (found := _DATE.match(cleaned)) is not None:
        d, m, y = (int(g) for g in found.groups())
    else:
        return _BAD
    value = _day(y, m, d)
    return _BAD if value is None or not 1930 <= y <= 2100 else pd.Timestamp(value)


def _parse_deadline(text: str) -> object:
    """A deadline as the plans write it, kept as the last day it allows ("2022-03-31"), or
    "hang_nam" (31/12 of the row's year) / "thuong_xuyen" (ongoing: done within the year)."""
    text = text.removesuffix(DATE_CELL)
    key = re.sub(r"\s+", " ", strip_diacritics(text).lower().replace(".", "")).strip()
    if key in _ONGOING:
        return "thuong_xuyen"
    if key in _EVERY_YEAR:
        return "hang_nam"
    day = _parse_date(text)
    if isinstance(day, pd.Timestamp):
        return day.date().isoformat()
    last: date | None = None
    if (found := _MONTH.match(key)) is not None:
        last = _month_end(int(found.group(2)), int(found.group(1)))
    elif (found := _QUARTER.match(key)) is not None:
        last = _month_end(int(found.group(2)), 3 * _ROMAN[found.group(1)])
    elif (found := _HALF.match(key)) is not None:
        last = _month_end(int(found.group(2)), 6 if found.group(1) == "dau" else 12)
    elif (found := _YEAR_ONLY.match(key)) is not None:
        last = _month_end(int(found.group(1)), 12)
    return _BAD if last is None or not 1930 <= last.year <= 2100 else last.isoformat()


def parse_deadline(text: str) -> str | None:
    """A deadline as the plans write it, parsed (see `_parse_deadline`); None when not understood."""
    value = _parse_deadline(text)
    return value if isinstance(value, str) else None


_PARSERS: dict[Kind, Callable[[str], object]] = {
    Kind.YEAR: _parse_year,
    Kind.COUNT: _parse_int,
    Kind.SCORE: _parse_score,
    Kind.POINTS: _parse_score,
    Kind.FLAG: _parse_flag,
    Kind.DATE: _parse_date,
    Kind.DEADLINE: _parse_deadline,
}

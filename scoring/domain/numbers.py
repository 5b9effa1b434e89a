"""Numbers and dates the Vietnamese way, one rule everywhere: reading what people type and files hold
(«86,5», «1.200», «1.200,5», «82,5%») and showing figures (decimal comma, thousands dot, no useless
decimals: «86,5», «100», «1.234,25», «82,5%»; dates «ngày 17 tháng 01 năm 2026» and «17/01/2026»).

Reading (`parse_number`). Spaces of every kind (NBSP, the narrow NBSP some tools group digits with) are
ignored; «−» (U+2212, from Word) is a minus. Then, in this order:

- Vietnamese: a comma is the decimal mark, a dot groups thousands — «86,5» 86.5, «1.200» 1200,
  «1.200,5» 1200.5, «12.345.678» 12345678. Grouped digits must be grouped right: 1 to 3 digits not
  starting with 0, then groups of exactly three («1.20.000» and «0.500» are not groupings).
- A single comma is always the decimal mark, even before exactly three digits: «1,200» is 1.2 (the
  Vietnamese reading; an English «1,200» meaning 1200 cannot be told apart, and a file written by a
  program never groups digits anyway).
- Otherwise a single dot is a decimal point, as English tools write: «8.5», «86.50», «0.125»,
  «1234.5». Only «1.200» (1 to 3 digits, dot, exactly three digits) is ambiguous; it reads as 1200.
- Scientific notation as programs write it: «1e-05», «1,5e3».
- Anything else is refused (None): «1.2.3», «1,2,3», «1,234.5» (English grouping with a decimal
  point), «--5», «5,», «nan», «inf», and any value too large for a float («1e400»).

`parse_percent` reads a percentage as a share: «82,5%» and «82,5» are both 0.825 (a field or column
of percentages holds the number of per cent, with or without the sign).

Showing (`format_number`, `format_percent`, `format_points`) works on a number, a numpy array or a
pandas Series (whole arrays at once, never row by row) and never prints «-0»: a value that rounds to
zero at the precision shown has no sign.

Dates follow the state-document rule (Nghị định 30/2020, Hướng dẫn 36-HD/VPTW): a day below 10 and the
months 1 and 2 take a leading 0 — «ngày 05 tháng 02 năm 2026», «ngày 17 tháng 3 năm 2026».
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import overload

import numpy as np
import pandas as pd

_SPACES = re.compile(r"\s+")  # Python's \s covers NBSP (U+00A0), U+202F, U+2007, U+2009
_VIETNAMESE = re.compile(r"([+-]?)(?:([1-9][0-9]{0,2}(?:\.[0-9]{3})+)|([0-9]*))(?:,([0-9]+))?")
_DECIMAL_POINT = re.compile(r"([+-]?)([0-9]*)\.([0-9]+)")
_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]{1,5}")


def parse_number(text: str) -> float | None:
    """What a person typed or a file holds as text, as a number; None when it is not one (see the module
    docstring for the rules). A blank text is None too."""
    cleaned = _SPACES.sub("", text).replace("\u2212", "-")
    if (found := _VIETNAMESE.fullmatch(cleaned)) is not None:
        sign, grouped, digits, decimals = found.groups()
        whole = grouped.replace(".", "") if grouped else digits
        if not whole and decimals is None:
            return None  # "", "+", "-"
        value = float(f"{sign}{whole or '0'}.{decimals or '0'}")
    elif (found := _DECIMAL_POINT.fullmatch(cleaned)) is not None:
        sign, whole, decimals = found.groups()
        value = float(f"{sign}{whole or '0'}.{decimals}")
    elif _SCIENTIFIC.fullmatch(cleaned):
        value = float(cleaned.replace(",", "."))
    else:
        return None
    return value + 0.0 if math.isfinite(value) else None  # + 0.0: «-0» reads as 0


def parse_percent(text: str) -> float | None:
    """A percentage as a share: «82,5%», «82,5 %» and «82,5» are 0.825; None when not a number."""
    value = parse_number(_SPACES.sub("", text).removesuffix("%"))
    return None if value is None else value / 100


def number_text(value: float) -> str:
    """A number held as a number (a form's value, an Excel cell) as the text `parse_number` reads back
    exactly: its shortest form with a decimal comma (8.125 → «8,125», never read as 8125)."""
    return repr(float(value)).replace(".", ",")


def parse_numbers(values: pd.Series, percent: bool = False) -> tuple[pd.Series, np.ndarray]:
    """A column as typed (text, numbers, blanks) as floats (NaN where blank or unreadable) and the mask
    of cells that held something unreadable. Text is parsed once per distinct value (a column of many
    rows holds few distinct ones); numbers are taken as they are (a share when not `percent`)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parse = parse_percent if percent else parse_number
    parsed = np.full(len(uniques), np.nan)
    unreadable = np.zeros(len(uniques), dtype=bool)
    for i, value in enumerate(uniques):  # distinct values only
        if isinstance(value, str):
            number = parse(value)
            unreadable[i] = number is None and value.strip() != ""
        elif isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool | np.bool_):
            number = float(value) if math.isfinite(value) else None
            unreadable[i] = number is None
        else:
            number, unreadable[i] = None, True
        parsed[i] = np.nan if number is None else number
    known = codes >= 0
    numbers = np.where(known, parsed[np.clip(codes, 0, None)] if len(uniques) else np.nan, np.nan)
    bad = known & (unreadable[np.clip(codes, 0, None)] if len(uniques) else False)
    return pd.Series(numbers, index=values.index, dtype=np.float64), np.asarray(bad, dtype=bool)


# --- showing ---------------------------------------------------------------------------------------


def _floats(values: object) -> np.ndarray:
    if isinstance(values, pd.Series):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.asarray(values, dtype=np.float64).reshape(-1)


def _group_thousands(whole: np.ndarray) -> np.ndarray:
    """Digit strings with a dot every three digits from the right: «1234567» → «1.234.567»."""
    groups = -(-int(np.char.str_len(whole).max()) // 3)
    padded = np.char.rjust(whole, 3 * groups).astype(f"U{3 * groups}")
    chunks = padded.view("U3").reshape(len(whole), groups)  # each row cut into three-character pieces
    out = chunks[:, 0].astype(object)
    started = np.char.strip(chunks[:, 0]) != ""
    for k in range(1, groups):  # one pass per group of three digits, over the whole array
        out = out + np.where(started, ".", "").astype(object) + chunks[:, k].astype(object)
        started |= np.char.strip(chunks[:, k]) != ""
    return np.char.strip(out.astype(str))


def _format(values: np.ndarray, decimals: int, signed: bool, missing: str, suffix: str = "") -> np.ndarray:
    out = np.full(len(values), missing, dtype=object)
    finite = np.isfinite(values)
    if not finite.any():  # numpy's string functions refuse empty arrays
        return out
    x = values[finite]
    fixed = np.char.mod(f"%.{max(decimals, 0)}f", np.abs(x))
    parts = np.char.partition(fixed, ".")
    whole, fraction = parts[:, 0], np.char.rstrip(parts[:, 2], "0")
    shown_zero = np.char.strip(fixed, "0.") == ""  # rounds to zero: never «-0» or «+0»
    sign = np.where((x < 0) & ~shown_zero, "-", np.where(signed & (x > 0) & ~shown_zero, "+", ""))
    body = _group_thousands(whole).astype(object)
    tail = np.where(fraction != "", np.char.add(",", fraction), "").astype(object)
    out[finite] = sign.astype(object) + body + tail + suffix
    return out


@overload
def format_number(values: float, decimals: int = 2, *, signed: bool = False, missing: str = "") -> str: ...
@overload
def format_number(values: np.ndarray, decimals: int = 2, *, signed: bool = False, missing: str = "") -> np.ndarray: ...
@overload
def format_number(values: pd.Series, decimals: int = 2, *, signed: bool = False, missing: str = "") -> pd.Series: ...
def format_number(
    values: float | np.ndarray | pd.Series, decimals: int = 2, *, signed: bool = False, missing: str = ""
) -> str | np.ndarray | pd.Series:
    """«1.234,25», «86,5», «100», «-3» (at most `decimals` decimals, trailing zeros dropped); `signed`
    writes «+» before a positive value; `missing` stands for NaN, None and ±inf. A number gives a text,
    an array an object array, a Series a Series on the same index."""
    return _shaped(values, _format(_floats(values), decimals, signed, missing))


@overload
def format_percent(shares: float, decimals: int = 1, *, signed: bool = False, missing: str = "") -> str: ...
@overload
def format_percent(shares: np.ndarray, decimals: int = 1, *, signed: bool = False, missing: str = "") -> np.ndarray: ...
@overload
def format_percent(shares: pd.Series, decimals: int = 1, *, signed: bool = False, missing: str = "") -> pd.Series: ...
def format_percent(
    shares: float | np.ndarray | pd.Series, decimals: int = 1, *, signed: bool = False, missing: str = ""
) -> str | np.ndarray | pd.Series:
    """A share as a percentage: 0.825 → «82,5%», 1 → «100%», 0.0005 → «0,1%» (`format_number` rules)."""
    return _shaped(shares, _format(_floats(shares) * 100, decimals, signed, missing, "%"))


@overload
def format_points(points: float, *, signed: bool = False, missing: str = "") -> str: ...
@overload
def format_points(points: np.ndarray, *, signed: bool = False, missing: str = "") -> np.ndarray: ...
@overload
def format_points(points: pd.Series, *, signed: bool = False, missing: str = "") -> pd.Series: ...
def format_points(
    points: float | np.ndarray | pd.Series, *, signed: bool = False, missing: str = ""
) -> str | np.ndarray | pd.Series:
    """Points and scores: «86,5», «100», «0,25» (two decimals at most, as the engine rounds them)."""
    return format_number(points, POINT_DECIMALS, signed=signed, missing=missing)  # type: ignore[arg-type]


#: decimals of points and totals (the engine rounds scaled points to two)
POINT_DECIMALS = 2


def _shaped(values: object, text: np.ndarray) -> str | np.ndarray | pd.Series:
    if isinstance(values, pd.Series):
        return pd.Series(text, index=values.index, dtype=object)
    if isinstance(values, np.ndarray):
        return text.reshape(values.shape)
    return str(text[0])


def format_date(day: date) -> str:
    """«ngày 17 tháng 01 năm 2026», «ngày 05 tháng 3 năm 2026»: a day below 10 and the months 1 and 2
    with a leading 0, as state and party documents write the date."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def format_short_date(day: date) -> str:
    """«17/01/2026»: day and month on two digits (tables, lists)."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


#: Việt Nam time (UTC+7 all year): the database keeps UTC, people read the office's clock
VIETNAM = timezone(timedelta(hours=7), "ICT")


def format_moment(value: object) -> str:
    """«17/01/2026 14:05» on the office's clock (Việt Nam time); a time given without its zone is UTC,
    as the library writes it; blank for anything that is not a time."""
    if not isinstance(value, datetime):
        return ""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return f"{aware.astimezone(VIETNAM):%d/%m/%Y %H:%M}"


def format_moments(values: pd.Series) -> pd.Series:
    """`format_moment` over a whole column (times with or without a zone; blank for none)."""
    times = pd.to_datetime(values, utc=True, errors="coerce")
    shown = times.dt.tz_convert(VIETNAM).dt.strftime("%d/%m/%Y %H:%M")
    return shown.astype(object).where(times.notna(), "")


def years_text(from_year: int, to_year: int | None) -> str:
    """When a plan or rule is in force: «năm 2022», «từ năm 2021 đến năm 2025», «từ năm 2025 trở đi»."""
    if to_year is None:
        return f"từ năm {from_year} trở đi"
    if to_year == from_year:
        return f"năm {from_year}"
    return f"từ năm {from_year} đến năm {to_year}"

"""Numbers as Vietnamese offices type and read them: one reader for forms and files, one way of showing
figures («86,5», «1.200», «82,5%»), dates as state documents write them."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import load_dataset, validate_dataset
from scoring.domain.numbers import (
    format_date,
    format_moment,
    format_moments,
    format_number,
    format_percent,
    format_points,
    format_short_date,
    number_text,
    parse_number,
    parse_numbers,
    parse_percent,
)
from scoring.input.dataset import dataset_from_frames
from scoring.outputs.views import change_text
from tests.conftest import VALID

# --- reading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("86,5", 86.5),  # the Vietnamese decimal comma (a form once read this as 865)
        ("1.200", 1200),  # a thousands dot (once read as 1.2, i.e. 1 in a count)
        ("1.200,5", 1200.5),
        ("12.345.678", 12_345_678),
        ("-1.200", -1200),
        ("8.5", 8.5),  # a dot before other than three digits: a file written by an English tool
        ("86.50", 86.5),
        ("0.125", 0.125),  # «0.» never starts a grouping
        ("1234.5", 1234.5),
        ("1.2000", 1.2),
        ("1,200", 1.2),  # a single comma is always the decimal mark (the Vietnamese reading)
        ("0,5", 0.5),
        (",5", 0.5),
        (".5", 0.5),
        ("12", 12),
        ("+3", 3),
        ("-0", 0),
        ("007", 7),
        (" 1 200 ", 1200),  # spaces ignored
        ("1\u00a0200,5", 1200.5),  # a no-break space
        ("1\u202f200", 1200),  # the narrow no-break space some tools group digits with
        ("\u22123,5", -3.5),  # U+2212 MINUS SIGN, from Word
        ("1e-05", 1e-05),  # scientific, as programs write it
        ("1,5e3", 1500),
    ],
)
def test_a_number_as_typed(text: str, number: float | None) -> None:
    assert parse_number(text) == number


@pytest.mark.parametrize(
    "text",
    ["", " ", "+", "-", ",", ".", "1.2.3", "1,2,3", "--5", "+-5", "1e400", "nan", "NaN", "inf", "-inf", "Infinity",
     "5,", "5.", "1,234.5", "1.20.000", "1.234.5", "1,2.3", "abc", "12a", "1 2,3,4", "0x10", "1_000",
     "1" * 400, "١٢"],
)  # fmt: skip
def test_what_is_not_a_number_is_refused(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("text", "share"),
    [("82,5%", 0.825), ("82,5 %", 0.825), ("82,5", 0.825), ("100%", 1.0), ("0%", 0.0), ("1.200%", 12.0),
     ("8.5%", 0.085), ("-2%", -0.02), ("%", None), ("abc%", None), ("82,5%%", None), ("1.2.3%", None)],
)  # fmt: skip
def test_a_percentage_as_a_share(text: str, share: float | None) -> None:
    got = parse_percent(text)
    assert got == share if share is None or got is None else math.isclose(got, share)


def test_a_column_is_read_once_per_distinct_value() -> None:
    column = pd.Series(["1.200", "8,5", None, "x", "", " ", 3.0, "x", np.nan, "1.2.3"], index=range(10, 20))
    numbers, bad = parse_numbers(column)
    assert list(numbers.index) == list(range(10, 20))
    expected = [1200, 8.5, np.nan, np.nan, np.nan, np.nan, 3.0, np.nan, np.nan, np.nan]
    np.testing.assert_array_equal(numbers.to_numpy(), np.array(expected, dtype=float))
    assert bad.tolist() == [False, False, False, True, False, False, False, True, False, True]


def test_a_column_of_percentages() -> None:
    numbers, bad = parse_numbers(pd.Series(["82,5%", "100", "x%"]), percent=True)
    assert numbers.tolist()[:2] == [0.825, 1.0] and bad.tolist() == [False, False, True]


def test_an_empty_column() -> None:
    numbers, bad = parse_numbers(pd.Series([], dtype=object))
    assert numbers.empty and bad.shape == (0,)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_number_held_as_a_number_reads_back_exactly(value: float) -> None:
    assert parse_number(number_text(value)) == value + 0.0


# --- showing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (86.5, 2, "86,5"),
        (86.50, 2, "86,5"),  # no useless decimals (once «86.50»)
        (100.0, 2, "100"),  # once «100.00»
        (1200, 0, "1.200"),
        (1234.25, 2, "1.234,25"),
        (1234567.891, 2, "1.234.567,89"),
        (-1234.5, 1, "-1.234,5"),
        (0.0, 2, "0"),
        (-0.0, 2, "0"),  # never «-0»
        (-0.004, 2, "0"),  # rounds to nothing: no sign
        (-0.004, 3, "-0,004"),
        (999.999, 2, "1.000"),  # the carry crosses a group
        (1e15, 0, "1.000.000.000.000.000"),
        (0.1 + 0.2, 2, "0,3"),
        (7, 2, "7"),
        (float("nan"), 2, ""),
        (float("inf"), 2, ""),
    ],
)
def test_a_number_as_shown(value: float, decimals: int, text: str) -> None:
    assert format_number(value, decimals) == text


@pytest.mark.parametrize(
    ("share", "decimals", "text"),
    [(0.825, 1, "82,5%"), (1.0, 1, "100%"), (0.96, 1, "96%"), (0.5844, 1, "58,4%"), (0.008, 1, "0,8%"),
     (0.0, 1, "0%"), (-0.00001, 1, "0%"), (0.12345, 2, "12,35%"), (12.0, 0, "1.200%")],
)  # fmt: skip
def test_a_share_as_a_percentage(share: float, decimals: int, text: str) -> None:
    assert format_percent(share, decimals) == text


@pytest.mark.parametrize(
    ("points", "text"), [(86.5, "86,5"), (100.0, "100"), (86.25, "86,25"), (0.25, "0,25"), (1250.0, "1.250")]
)
def test_points(points: float, text: str) -> None:
    assert format_points(points) == text


@pytest.mark.parametrize(
    ("value", "text"), [(1.8, "+1,8"), (-0.7, "-0,7"), (0.0, "0"), (-0.04, "0"), (0.04, "0"), (1200, "+1.200")]
)
def test_a_change_is_signed(value: float, text: str) -> None:
    assert format_number(value, 1, signed=True) == text


def test_a_change_that_rounds_to_nothing_is_no_change() -> None:
    """Once «-0,0 điểm %»."""
    assert change_text(-0.0004, True) == "không đổi"
    assert change_text(0.0004, False) == "không đổi"


def test_whole_arrays_and_series_keep_their_shape() -> None:
    values = np.array([1.5, np.nan, 1200.0, -0.0])
    assert format_number(values).tolist() == ["1,5", "", "1.200", "0"]
    assert format_number(values, missing="—").tolist() == ["1,5", "—", "1.200", "0"]
    assert format_number(np.array([])).tolist() == []
    series = pd.Series([0.5, None], index=["a", "b"], dtype="Float64")
    shown = format_percent(series, missing="—")
    assert isinstance(shown, pd.Series) and shown.to_dict() == {"a": "50%", "b": "—"}
    assert format_number(np.array([[1.0, 2.5], [1000.0, 0.0]]), 1).tolist() == [["1", "2,5"], ["1.000", "0"]]


def test_large_arrays_are_formatted_without_a_row_loop() -> None:
    values = np.arange(200_000, dtype=float) * 1.25
    shown = format_number(values, 2)
    assert shown[-1] == "249.998,75" and shown[800] == "1.000"


finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)


@given(finite, st.integers(min_value=0, max_value=4), st.booleans())
def test_what_is_shown_reads_back_at_the_precision_shown(value: float, decimals: int, signed: bool) -> None:
    text = format_number(value, decimals, signed=signed)
    assert not text.startswith("-0") or text.startswith("-0,")
    assert parse_number(text) == float(f"{value:.{decimals}f}") + 0.0


@given(st.floats(min_value=-10, max_value=10, allow_nan=False), st.integers(min_value=0, max_value=3))
def test_a_percentage_shown_reads_back_at_the_precision_shown(share: float, decimals: int) -> None:
    text = format_percent(share, decimals)
    assert text.endswith("%") and text not in ("-0%",)
    assert parse_percent(text) == (float(f"{share * 100:.{decimals}f}") + 0.0) / 100


@given(st.floats(min_value=-1, max_value=1, allow_nan=False))
def test_minus_zero_is_never_shown(value: float) -> None:
    for decimals in range(3):
        text = format_number(value, decimals)
        assert text == "0" or not all(c in "-0," for c in text)


# --- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "long", "short"),
    [
        (date(2026, 1, 17), "ngày 17 tháng 01 năm 2026", "17/01/2026"),
        (date(2026, 2, 5), "ngày 05 tháng 02 năm 2026", "05/02/2026"),  # a day below 10, months 1 and 2: a 0
        (date(2026, 3, 5), "ngày 05 tháng 3 năm 2026", "05/03/2026"),  # other months as they are
        (date(2025, 12, 31), "ngày 31 tháng 12 năm 2025", "31/12/2025"),
    ],
)
def test_dates_as_documents_write_them(day: date, long: str, short: str) -> None:
    assert format_date(day) == long
    assert format_short_date(day) == short


# --- files and screens share the rule --------------------------------------------------------------


def _tables() -> dict[str, pd.DataFrame]:
    """The valid tables as text (object columns: a cell may be set to a number, as a form holds it)."""
    return {name: pd.read_csv(VALID / f"{name}.csv", dtype=object) for name in ("to_chuc", "dang_vien", "don_vi_nam")}


@pytest.mark.parametrize(
    ("typed", "count"), [("1.200", 1200), ("1200", 1200), ("12", 12), ("1 200", 1200), ("40.0", 40), (40.0, 40)]
)
def test_a_count_typed_with_a_thousands_dot_is_read(typed: object, count: int) -> None:
    tables = _tables()
    tables["don_vi_nam"].loc[1, "so_quan_chung"] = typed
    tables["don_vi_nam"].loc[1, "so_quan_chung_quan_triet"] = "10"
    data, report = dataset_from_frames(tables)
    assert data is not None, report.to_text()
    assert data.don_vi_nam.loc[1, "so_quan_chung"] == count


@pytest.mark.parametrize(("typed", "score"), [("8,5", 8.5), ("8.5", 8.5), (8.125, 8.125), ("8,125", 8.125)])
def test_a_score_keeps_its_decimals(typed: object, score: float) -> None:
    tables = _tables()
    tables["dang_vien"]["diem_ban_linh"] = None
    tables["dang_vien"].loc[0, "diem_ban_linh"] = typed
    data, report = dataset_from_frames(tables)
    assert data is not None, report.to_text()
    assert data.dang_vien.loc[0, "diem_ban_linh"] == score


@pytest.mark.parametrize("typed", ["1.2.3", "1,2,3", "12,5", "--5", "nan"])
def test_a_count_that_is_not_one_is_an_error(typed: str) -> None:
    tables = _tables()
    tables["don_vi_nam"].loc[1, "so_quan_chung"] = typed
    data, report = dataset_from_frames(tables)
    errors = report.errors
    assert data is None and errors["ma_cot"].tolist() == ["so_quan_chung"] and str(errors["gia_tri"].iloc[0]) == typed
    assert errors["cot"].tolist() == ["Số quần chúng"]  # a file headed with codes: the column by its title


def _parquet_folder(folder: Path, counts: list[float]) -> Path:
    for name in ("to_chuc", "dang_vien"):
        table = pa.Table.from_pandas(pd.read_csv(VALID / f"{name}.csv", dtype=str), preserve_index=False)
        pq.write_table(table, folder / f"{name}.parquet")
    units = pd.read_csv(VALID / "don_vi_nam.csv", dtype=str)
    units["so_quan_chung"] = pd.Series(counts, dtype=float).reindex(range(len(units))).to_numpy()
    units["so_quan_chung_quan_triet"] = None
    pq.write_table(pa.Table.from_pandas(units, preserve_index=False), folder / "don_vi_nam.parquet")
    return folder


def test_numbers_held_as_numbers_keep_their_decimal_point(tmp_path: Path) -> None:
    """A Parquet count column of doubles: 1.125 is a fraction (refused as a count), never 1125; 1200.0 is 1200."""
    data, refused = validate_dataset(_parquet_folder(tmp_path, [np.nan, 1.125]))
    assert data is None and refused.errors["ma_cot"].tolist() == ["so_quan_chung"]
    (tmp_path / "ok").mkdir()
    read = load_dataset(_parquet_folder(tmp_path / "ok", [np.nan, 1200.0]))
    assert read.don_vi_nam.loc[1, "so_quan_chung"] == 1200


@pytest.mark.parametrize(
    ("moment", "said"),
    [
        (datetime(2026, 1, 17, 7, 5), "17/01/2026 14:05"),  # no zone: UTC, as the library writes it
        (datetime(2026, 1, 17, 20, 30, tzinfo=UTC), "18/01/2026 03:30"),  # past midnight in Hà Nội
        (datetime(2026, 1, 17, 14, 5, tzinfo=timezone(timedelta(hours=7))), "17/01/2026 14:05"),
        (None, ""),
        ("không rõ", ""),
    ],
)
def test_moments_are_read_on_the_office_clock(moment: object, said: str) -> None:
    assert format_moment(moment) == said
    assert format_moments(pd.Series([moment], dtype=object)).tolist() == [said]

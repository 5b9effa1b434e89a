"""The app's figures, computed by scoring.outputs.views, checked on the sample against plain pandas."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring import Dataset, load_criteria, score
from scoring.outputs.views import (
    below,
    board,
    cap_tren_choices,
    change_text,
    criteria_met,
    history,
    org_ranking,
    ratings_over_years,
    scorecard,
    search,
    violation_criterion,
    violation_path,
    what_if,
    with_change,
    workbook,
)
from scoring.plans.targets import TargetError
from tests.conftest import ROOT

CRITERIA = load_criteria(ROOT / "criteria" / "hai_chan_ba_mui.yaml")


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("chi bo", "Chi bộ Phòng Tổ chức"),
        ("PHONG TO CHUC", "Chi bộ Phòng Tổ chức"),
        ("tổ chức", "Chi bộ Phòng Tổ chức"),
    ],
)
def test_search_ignores_case_and_diacritics(typed: str, name: str) -> None:
    frame = pd.DataFrame({"ma": ["A1", "B2"], "ten": [name, "Đảng bộ Công ty"]})
    assert search(frame, typed, ["ma", "ten"])["ma"].tolist() == ["A1"]
    assert len(search(frame, "", ["ma", "ten"])) == 2
    assert search(frame, "b2", ["ma", "ten"])["ma"].tolist() == ["B2"]


def test_violation_path_falls_two_percent_a_year_from_the_first_rate(sample: Dataset) -> None:
    path = violation_path(sample, CRITERIA)
    members = sample.dang_vien
    rate = members.groupby(members["nam"].astype(int))["vi_pham"].mean()
    assert path["Năm"].tolist() == rate.index.tolist()
    assert path["Tỷ lệ vi phạm"].round(12).tolist() == rate.astype(float).round(12).tolist()
    first = float(rate.iloc[0])
    expected = [first * 0.98**k for k in range(len(rate))]
    assert path["Lộ trình giảm 2%/năm"].round(12).tolist() == pd.Series(expected).round(12).tolist()


def test_violation_path_follows_the_plans_own_target(sample: Dataset) -> None:
    """A plan asking for a 5% fall a year draws a 5% path, named in the target's words; one asking
    for 0,1 percentage point a year draws a straight line that stops at zero."""
    rate = sample.dang_vien.groupby(sample.dang_vien["nam"].astype(int))["vi_pham"].mean().astype(float)
    first = float(rate.iloc[0])
    five = with_change(CRITERIA, "mui2.giam_vi_pham", "giảm 5%/năm", None)
    path = violation_path(sample, five)
    assert list(path.columns) == ["Năm", "Tỷ lệ vi phạm", "Lộ trình giảm 5%/năm"]
    assert path["Lộ trình giảm 5%/năm"].round(12).tolist() == [round(first * 0.95**k, 12) for k in range(len(rate))]
    points = with_change(CRITERIA, "mui2.giam_vi_pham", "giảm 0,1 điểm %/năm", None)
    line = violation_path(sample, points, criterion_id="mui2.giam_vi_pham")["Lộ trình giảm 0,1 điểm %/năm"]
    assert line.round(12).tolist() == [round(max(first - 0.001 * k, 0.0), 12) for k in range(len(rate))]


def test_violation_path_is_empty_when_the_plan_sets_no_such_target(sample: Dataset) -> None:
    other = load_criteria(ROOT / "criteria" / "kl21_dang_uy_khoi.yaml")
    assert violation_criterion(other) is None
    assert violation_path(sample, other).empty
    assert violation_criterion(CRITERIA, "mui2.don_thu") is None  # not a falling trend on violations
    found = violation_criterion(CRITERIA)
    assert found is not None and found.id == "mui2.giam_vi_pham"  # the cấp trên cơ sở's, of three


def test_criteria_met_counts_the_met_verdicts_of_a_board_and_a_scorecard(sample: Dataset) -> None:
    top = next(iter(cap_tren_choices(sample)))
    now = score(sample, CRITERIA, 2025)
    rows = now.ket_qua_so
    mine = rows[rows["ma"].astype(str) == top]
    assert criteria_met(board(now, None, top)) == int((mine["trang_thai"] == "đạt").sum())
    assert criteria_met(scorecard(now, top)) == int((mine["trang_thai"] == "đạt").sum())
    member = str(now.xep_hang_dang_vien["ma_dang_vien"].iloc[0])
    theirs = rows[rows["ma"].astype(str) == member]
    assert criteria_met(scorecard(now, member)) == int(theirs["dat"].fillna(False).sum())


def test_rating_shares_add_up_per_group_and_year(sample: Dataset) -> None:
    table = ratings_over_years(sample)
    assert set(table["Đối tượng"]) == {"TCCSĐ", "Chi bộ", "Đảng viên"}
    sums = table.groupby(["Đối tượng", "Năm"])["Tỷ lệ"].sum()
    assert (sums.round(9) == 1).all()
    members_2025 = table[(table["Đối tượng"] == "Đảng viên") & (table["Năm"] == 2025)]["Số lượng"].sum()
    assert members_2025 == int((sample.dang_vien["nam"] == 2025).sum())


def test_board_change_is_this_year_minus_last(sample: Dataset) -> None:
    top = next(iter(cap_tren_choices(sample)))
    now, before = score(sample, CRITERIA, 2025), score(sample, CRITERIA, 2024)
    table = board(now, before, top).set_index("Mã tiêu chí")
    values = now.ket_qua_so.query("cap == 'cap_tren_co_so'").set_index("ma_tieu_chi")["gia_tri"]
    last = before.ket_qua_so.query("cap == 'cap_tren_co_so'").set_index("ma_tieu_chi")["gia_tri"]
    for criterion, change in table["Thay đổi so với năm trước"].items():
        expected = float(values[criterion]) - float(last[criterion])
        percent = "%" in str(table.loc[criterion, "Giá trị"])
        assert change == change_text(expected, percent)


@pytest.mark.parametrize(
    ("change", "percent", "text"),
    [(0.0178, True, "+1,8 điểm %"), (-0.0068, True, "-0,7 điểm %"), (1.0, False, "+1"), (-2.5, False, "-2,5"),
     (0.0, True, "không đổi"), (float("nan"), True, "")],
)  # fmt: skip
def test_change_is_said_in_points_or_units(change: float, percent: bool, text: str) -> None:
    assert change_text(change, percent) == text


def test_history_and_children_of_a_dang_bo(sample: Dataset) -> None:
    results = {year: score(sample, CRITERIA, year) for year in sample.years}
    ranks = results[2025].xep_hang_to_chuc
    ma = str(ranks[ranks["cap"] == "dang_bo_co_so"]["ma_to_chuc"].iloc[0])
    past = history(results, ma)
    assert sorted(set(past["Năm"])) == [
        y for y in sample.years if (results[y].xep_hang_to_chuc["ma_to_chuc"] == ma).any()
    ]
    children = below(results[2025], sample, ma)
    expected = sample.to_chuc[sample.to_chuc["ma_cap_tren"].astype(str) == ma]["ma_to_chuc"].tolist()
    assert children["Mã"].tolist() == expected


def test_what_if_lists_exactly_the_rows_that_change(sample: Dataset) -> None:
    chosen = "mui1.chi_bo_dv_htt_96"
    base = score(sample, CRITERIA, 2025)
    assert len(what_if(base, score(sample, with_change(CRITERIA, chosen, None, None), 2025), chosen)) == 0
    changed = score(sample, with_change(CRITERIA, chosen, "≥ 90%", None), 2025)
    moved = what_if(base, changed, chosen)
    a = base.ket_qua_so.query("ma_tieu_chi == @chosen").set_index("ma")["trang_thai"].astype(str)
    b = changed.ket_qua_so.query("ma_tieu_chi == @chosen").set_index("ma")["trang_thai"].astype(str)
    flipped = set(a.index[a != b].astype(str))
    assert flipped and flipped <= set(moved["Mã"])
    assert with_change(CRITERIA, chosen, None, 3.0).for_level("chi_bo_co_so")[1].points == 3.0
    with pytest.raises(TargetError):
        with_change(CRITERIA, chosen, "nhiều lắm", None)


def test_org_ranking_filters_by_level_and_group(sample: Dataset) -> None:
    result = score(sample, CRITERIA, 2025)
    table = org_ranking(result, "chi_bo_truc_thuoc")
    assert set(table["Cấp"]) == {"Chi bộ trực thuộc"}
    group = str(result.xep_hang_to_chuc.query("cap == 'chi_bo_truc_thuoc'")["nhom_thi_dua"].iloc[0])
    one = org_ranking(result, "chi_bo_truc_thuoc", group)
    assert 0 < len(one) < len(table)
    assert one["Thứ hạng"].min() == 1


def test_workbook_of_blank_and_empty_tables() -> None:
    """Columns with nothing in them (last year's rank in a first year) and empty tables still export."""
    import io

    from openpyxl import load_workbook

    blank = pd.DataFrame({"Mã": ["A", "B"], "Thứ hạng năm trước": pd.array([None, None], dtype="Int64"),
                          "Ghi chú": pd.Series([None, None], dtype="str")})  # fmt: skip
    data = workbook({"Xếp hạng": blank, "Trống": blank.head(0)})
    book = load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames == ["Xếp hạng", "Trống"]
    rows = list(book["Xếp hạng"].iter_rows(values_only=True))
    assert rows[0] == ("Mã", "Thứ hạng năm trước", "Ghi chú")
    assert rows[1][0] == "A" and rows[1][1] is None


@pytest.mark.parametrize("grouping", ["cap", "loai_hinh"])
def test_each_organisation_is_listed_once_per_way_of_grouping(sample: Dataset, grouping: str) -> None:
    result = score(sample, CRITERIA, 2025)
    table = org_ranking(result, grouping=grouping)
    assert len(table) > 0
    assert table["Mã tổ chức"].is_unique
    if grouping == "loai_hinh":  # loại hình groups hold TCCSĐ of both kinds, ranked together from 1
        assert set(table["Cấp"]) == {"Đảng bộ cơ sở", "Chi bộ cơ sở"}
        assert (table.groupby("Nhóm thi đua")["Thứ hạng"].min() == 1).all()

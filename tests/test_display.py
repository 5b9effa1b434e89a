"""What the scoring pages show, as tables of cases: figures as Vietnamese text, yes/no in words, blanks for
missing values, rating codes as labels, «Mã — Tên», chart labels that tell units apart, the years a plan is
in force, the plan's own name — and the what-if refusing targets no value can reach
(scoring.outputs.display, views, rating_views)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

from scoring import Dataset, load_criteria, score
from scoring.domain.numbers import years_text
from scoring.engine.rating_report import rating_report
from scoring.outputs.display import (
    chart_labels,
    code_and_name,
    count_text,
    criterion_screen,
    named,
    names_of,
    opening_year,
    plan_name,
    rating_words,
    scorecard_links,
    screen,
    short_groups,
)
from scoring.outputs.rating_views import findings_view, shortlist_view
from scoring.outputs.views import board, scorecard, what_if, with_change
from scoring.plans import bundled
from scoring.plans.targets import TargetError
from tests.conftest import ROOT

CRITERIA = load_criteria(ROOT / "criteria" / "hai_chan_ba_mui.yaml")
DECIMAL_POINT = re.compile(r"(?<![\w.])\d+\.\d{1,2}(?![\d.])")
SNAKE_CASE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
RATING_CODE = re.compile(r"\b(?:HTXSNV|HTTNV|HTNV|KHTNV)\b")


# --- one column, as the screen writes it ------------------------------------------------------------------

SCREEN_CASES = [
    # (what, values, keyword arguments of `screen`, the texts shown, right-aligned)
    ("points: decimal comma, no useless zeros", [86.5, 100.0, 0.25, 1234.5], {}, ["86,5", "100", "0,25", "1.234,5"],
     True),
    ("a point never «-0»", [-0.001, -2.5], {}, ["0", "-2,5"], True),
    ("counts grouped by thousands", [6574, 3, 1_200_000], {}, ["6.574", "3", "1.200.000"], True),
    ("a missing count blank", pd.array([1, None], dtype="Int64"), {}, ["1", ""], True),
    ("a missing point blank", [np.nan, 8.0], {}, ["", "8"], True),
    ("shares as percentages", [0.825, 1.0, np.nan], {"percent": ["x"]}, ["82,5%", "100%", ""], True),
    ("a change signed", pd.array([2, -1, 0], dtype="Int64"), {"signed": ["x"]}, ["+2", "-1", "0"], True),
    ("years never grouped", [2024, 2025], {"plain": ["x"]}, ["2024", "2025"], True),
    ("yes/no in words", [True, False], {}, ["Có", "Không"], False),
    ("a missing yes/no blank", pd.array([True, None], dtype="boolean"), {}, ["Có", ""], False),
    ("numbers kept as Python objects", pd.Series([1.0, None, 21.0], dtype=object), {}, ["1", "", "21"], True),
    ("None and «None» blank", pd.Series(["Có tên", None, "None", "nan"], dtype=object), {}, ["Có tên", "", "", ""],
     False),
    ("a missing category blank", pd.Categorical(["A", None]), {}, ["A", ""], False),
    ("digits written as text stay text", ["001", "CB001"], {}, ["001", "CB001"], False),
    ("figures already written right-aligned", ["58,4%", "—", "-0,7 điểm %"], {}, ["58,4%", "—", "-0,7 điểm %"], True),
    ("rating codes as labels", ["≥ HTTNV", "HTXSNV"], {"ratings": ["x"]},
     ["≥ Hoàn thành tốt nhiệm vụ", "Hoàn thành xuất sắc nhiệm vụ"], False),
]  # fmt: skip


@pytest.mark.parametrize(("values", "options", "shown", "right"), [c[1:] for c in SCREEN_CASES],
                         ids=[c[0] for c in SCREEN_CASES])  # fmt: skip
def test_a_column_on_screen(values: Any, options: dict[str, Any], shown: list[str], right: bool) -> None:
    table = screen(pd.DataFrame({"x": values}), **options)
    assert table.frame["x"].tolist() == shown
    assert (table.column_config.get("x") == {"alignment": "right"}) is right


def test_hidden_columns_stay_in_the_frame_and_widths_add_to_the_alignment() -> None:
    table = screen(pd.DataFrame({"Mã": ["A"], "Điểm": [8.5]}), hidden=["Mã"], widths={"Điểm": "small"})
    assert table.frame.to_dict("list") == {"Mã": ["A"], "Điểm": ["8,5"]}
    assert table.column_config == {"Mã": None, "Điểm": {"alignment": "right", "width": "small"}}
    assert table.with_config(Mã={"width": "small"})["Mã"] == {"width": "small"}


@pytest.mark.parametrize(
    ("text", "worded"),
    [
        ("≥ HTTNV", "≥ Hoàn thành tốt nhiệm vụ"),
        ("chỉ tiêu ≥ HTNV: đạt", "chỉ tiêu ≥ Hoàn thành nhiệm vụ: đạt"),
        ("KHTNV", "Không hoàn thành nhiệm vụ"),
        ("HTXSNV / HTTNV", "Hoàn thành xuất sắc nhiệm vụ / Hoàn thành tốt nhiệm vụ"),
        ("MIEN", "Miễn đánh giá"),
        ("HTTNVX và XHTNV", "HTTNVX và XHTNV"),  # only whole codes
        ("> 80%", "> 80%"),
    ],
)
def test_rating_codes_read_as_labels(text: str, worded: str) -> None:
    assert rating_words(pd.Series([text, text, None])).tolist() == [worded, worded, ""]


@pytest.mark.parametrize(
    ("ids", "names", "labels", "common"),
    [
        (["CB001", "CB002"], ["Chi bộ Phòng Tổ chức", "Chi bộ Phòng Kế hoạch"], ["CB001 · Tổ chức", "CB002 · Kế hoạch"],
         "Chi bộ Phòng"),
        (["CB001", "CS002"], ["Chi bộ Phòng Tổ chức", "Đảng bộ Sở Y tế"],
         ["CB001 · Chi bộ Phòng Tổ chức", "CS002 · Đảng bộ Sở Y tế"], ""),
        (["CB001"], ["Chi bộ Phòng Tổ chức"], ["CB001 · Chi bộ Phòng Tổ chức"], ""),  # one bar: its whole name
        (["A", "B"], ["Chi bộ Phòng", "Chi bộ Phòng Tổ chức"], ["A · Phòng", "B · Phòng Tổ chức"], "Chi bộ"),
    ],
)  # fmt: skip
def test_chart_labels_tell_units_apart(ids: list[str], names: list[str], labels: list[str], common: str) -> None:
    found, prefix = chart_labels(pd.Series(ids), pd.Series(names))
    assert found.tolist() == labels and prefix == common
    assert len(set(found)) == len(ids)


def test_people_keep_their_whole_name_and_namesakes_stay_apart() -> None:
    found, prefix = chart_labels(pd.Series(["DV1", "DV2"]), pd.Series(["Nguyễn Văn An", "Nguyễn Văn An"]), False)
    assert found.tolist() == ["DV1 · Nguyễn Văn An", "DV2 · Nguyễn Văn An"] and prefix == ""


@pytest.mark.parametrize(
    ("codes", "names", "shown"),
    [
        (["CB001", "DV9"], ["Chi bộ Phòng Tổ chức", "Nguyễn Văn An"],
         ["CB001 — Chi bộ Phòng Tổ chức", "DV9 — Nguyễn Văn An"]),
        (["(ngoài phạm vi)", "X"], [None, ""], ["(ngoài phạm vi)", "X"]),  # no name: the code alone
    ],
)  # fmt: skip
def test_code_and_name(codes: list[str], names: list[str | None], shown: list[str]) -> None:
    assert code_and_name(pd.Series(codes), pd.Series(names, dtype=object)).tolist() == shown


def test_names_are_looked_up_among_the_rows_a_reader_sees() -> None:
    known = pd.DataFrame({"ma": ["A", "B", "A"], "ten": ["Chi bộ A", "Chi bộ B", "Chi bộ A"]})
    ids = pd.Series(["B", "Z", "A"])
    assert names_of(ids, known["ma"], known["ten"]).tolist() == ["Chi bộ B", "", "Chi bộ A"]
    assert names_of(ids, known["ma"].iloc[:0], known["ten"].iloc[:0]).tolist() == ["", "", ""]


def test_a_leader_named_once_per_distinct_id() -> None:
    leaders = pd.Series(["CB002", "CB002", "(ngoài phạm vi)", None], dtype=object)
    known = pd.DataFrame({"ma": pd.Categorical(["CB001", "CB002"]), "ten": ["Chi bộ A", "Chi bộ B"]})
    assert named(leaders, known["ma"], known["ten"]).tolist() == ["CB002 — Chi bộ B", "CB002 — Chi bộ B",
                                                                  "(ngoài phạm vi)", ""]  # fmt: skip


@pytest.mark.parametrize(
    ("ids", "links"),
    [
        (["CB001", "DV000123"], ["don_vi?ma=CB001", "don_vi?ma=DV000123"]),
        (["A B/ç", "x&y"], ["don_vi?ma=A%20B%2F%C3%A7", "don_vi?ma=x%26y"]),  # what an address cannot carry
    ],
)
def test_links_to_scorecards(ids: list[str], links: list[str]) -> None:
    assert scorecard_links(pd.Series(ids)).tolist() == links


@pytest.mark.parametrize(
    ("years", "said"),
    [((2022, 2022), "năm 2022"), ((2021, 2025), "từ năm 2021 đến năm 2025"), ((2025, None), "từ năm 2025 trở đi")],
)
def test_the_years_a_plan_is_in_force(years: tuple[int, int | None], said: str) -> None:
    assert years_text(*years) == said


@pytest.mark.parametrize(("count", "said"), [(0, "0"), (105, "105"), (1101, "1.101"), (5_600_000, "5.600.000")])
def test_counts_in_sentences(count: int, said: str) -> None:
    assert count_text(count) == said


def test_each_plan_is_called_by_its_own_name() -> None:
    names = {plan_name(load_criteria(path)) for path in bundled.plan_files()}
    assert "«Hai chân – Ba mũi»" in names
    assert len(names) == len(bundled.plan_files())  # no plan borrows the Hai chân – Ba mũi name
    assert all(name and "—" not in name for name in names)


def test_groups_shortened_to_the_words_before_the_colon() -> None:
    groups = pd.Series(["Chân thứ nhất: Xây dựng chi bộ", "Nhiệm vụ trọng tâm", None])
    assert short_groups(groups).tolist() == ["Chân thứ nhất", "Nhiệm vụ trọng tâm", ""]


# --- the views as the screen shows them ---------------------------------------------------------------------


def _visible_text(frame: pd.DataFrame, config: dict[str, Any]) -> str:
    shown = [c for c in frame.columns if config.get(c, {}) is not None]
    return " ".join(frame[shown].astype(str).to_numpy().ravel().tolist())


@pytest.mark.parametrize("who", ["K01", "CB001", "DV001409"])
def test_criterion_tables_show_names_words_and_vietnamese_numbers(sample: Dataset, who: str) -> None:
    now, before = score(sample, CRITERIA, 2025), score(sample, CRITERIA, 2024)
    table = board(now, before, who) if who == "K01" else scorecard(now, who)
    shown = criterion_screen(table)
    assert shown.column_config["Mã tiêu chí"] is None and shown.column_config["Đạt"] is None  # kept for machines
    assert shown.frame["Mã tiêu chí"].tolist() == table["Mã tiêu chí"].tolist()
    text = _visible_text(shown.frame, shown.column_config)
    assert not SNAKE_CASE.search(text), SNAKE_CASE.findall(text)
    assert not DECIMAL_POINT.search(text), DECIMAL_POINT.findall(text)
    assert not RATING_CODE.search(text), RATING_CODE.findall(text)
    assert not re.search(r"\b(?:None|True|False|nan)\b", text)


def test_what_if_names_every_row_code_and_name(sample: Dataset) -> None:
    chosen = "mui1.chi_bo_dv_htt_96"
    base = score(sample, CRITERIA, 2025)
    moved = what_if(base, score(sample, with_change(CRITERIA, chosen, "≥ 90%", None), 2025), chosen)
    names = dict(zip(base.xep_hang_to_chuc["ma_to_chuc"], base.xep_hang_to_chuc["ten_to_chuc"], strict=False))
    assert len(moved) > 0
    assert moved["Đơn vị, đảng viên"].tolist() == [f"{m} — {names[m]}" for m in moved["Mã"]]


WHAT_IF_REFUSED = [
    # (criterion, target, points, words of the message)
    ("mui1.chi_bo_dv_htt_96", "≥ 120%", None, "0% đến 100%"),
    ("mui1.chi_bo_dv_htt_96", "≥ 96", None, "0% đến 100%"),  # a share written without %
    ("mui1.chi_bo_dv_htt_96", "> 100%", None, "0% đến 100%"),  # never reached
    ("mui1.chi_bo_dv_htt_96", "< 0%", None, "0% đến 100%"),
    ("mui1.chi_bo_dv_htt_96", "90%..120%", None, "0% đến 100%"),
    ("mui2.giam_vi_pham", "giảm 150%/năm", None, "không quá 100%"),
    ("mui2.giam_vi_pham", "giảm 120 điểm %/năm", None, "không quá 100%"),
    ("mui1.chi_bo_dv_htt_96", None, -1.0, "từ 0 đến 1.000"),
    ("mui1.chi_bo_dv_htt_96", None, 1e6, "từ 0 đến 1.000"),
    ("mui1.chi_bo_dv_htt_96", "nhiều lắm", None, "không hiểu chỉ tiêu"),
]
WHAT_IF_ACCEPTED = [
    ("mui1.chi_bo_dv_htt_96", "≥ 100%", None),
    ("mui1.chi_bo_dv_htt_96", "≥ 0%", None),
    ("mui1.chi_bo_dv_htt_96", "trên 90%", None),
    ("mui2.giam_vi_pham", "giảm 5%/năm", None),
    ("chan1.cap_tren_htt", "≥ HTXSNV", 8.5),
    ("chan1.tccsd_khtnv", "≤ 3", 0.0),  # a count: not a share
]


@pytest.mark.parametrize(("criterion", "target", "points", "words"), WHAT_IF_REFUSED)
def test_what_if_refuses_what_no_value_can_reach(criterion: str, target: str | None, points: float | None,
                                                 words: str) -> None:  # fmt: skip
    with pytest.raises(TargetError, match=re.escape(words)):
        with_change(CRITERIA, criterion, target, points)


@pytest.mark.parametrize(("criterion", "target", "points"), WHAT_IF_ACCEPTED)
def test_what_if_accepts_targets_in_range(criterion: str, target: str | None, points: float | None) -> None:
    changed = with_change(CRITERIA, criterion, target, points)
    found = next(c for c in changed.criteria if c.id == criterion)
    assert points is None or found.points == points


def test_rating_views_show_labels_and_the_export_keeps_codes(sample: Dataset) -> None:
    report = rating_report(sample, 2024)
    findings = report.ratings.findings
    if findings.empty:  # the sample may rate every unit right: make one wrong
        findings = pd.DataFrame(
            {"doi_tuong": ["đảng viên"], "ma": ["DV1"], "ten": ["An"], "cap": ["dang_vien"], "don_vi": ["CB001"],
             "xep_loai": ["HTXSNV"], "muc_duoc_phep": ["HTNV"], "ket_luan": ["Vượt mức"], "can_cu": ["Điều 5"],
             "quy_tac_ap_dung": ["qd366.dieu5"]}
        )  # fmt: skip
    shown, export = findings_view(findings), findings_view(findings, codes=True)
    assert not RATING_CODE.search(" ".join(shown["Xếp loại đã nhập"].astype(str)))
    assert set(export["Xếp loại đã nhập"]) <= {"HTXSNV", "HTTNV", "HTNV", "KHTNV"}
    assert "Quy tắc áp dụng (mã)" in export and "Quy tắc áp dụng (mã)" not in shown
    rows = pd.DataFrame(
        {"ten": ["An"], "ly_do": ["Được đề nghị"], "don_vi": ["Chi bộ A"], "xep_loai": ["HTXSNV"],
         "tong_diem": [86.5], "ma": ["DV1"], "thanh_tich": [None]}
    )  # fmt: skip
    listed = screen(shortlist_view(rows)).frame
    assert listed["Xếp loại"].tolist() == ["Hoàn thành xuất sắc nhiệm vụ"]
    assert listed["Tổng điểm"].tolist() == ["86,5"]


@pytest.mark.parametrize(
    ("years", "in_force", "opens"),
    [
        ([2021, 2022, 2023, 2024, 2025, 2026], (2021, 2025), 2025),  # 2026 just begun, outside the plan
        ([2021, 2022, 2025], (2021, None), 2025),
        ([2026, 2027], (2021, 2025), 2027),  # no year of the plan: the latest
    ],
)
def test_pages_open_on_the_latest_year_of_the_plan(
    years: list[int], in_force: tuple[int, int | None], opens: int
) -> None:
    plan = dataclasses.replace(CRITERIA, from_year=in_force[0], to_year=in_force[1])
    assert opening_year(years[::-1], plan) == opens

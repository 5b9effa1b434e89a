"""«5 năm liền» over a six-year history where streaks hold, break and resume."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring import Dataset
from scoring.engine.awards import streaks
from scoring.input.dataset import dataset_from_frames

YEARS = list(range(2020, 2026))
HISTORY = {  # member -> rating per year 2020..2025 (None: no row that year)
    "A": ["HTTNV", "HTXSNV", "HTXSNV", "HTXSNV", "HTXSNV", "HTXSNV"],  # five in a row up to 2025
    "B": ["HTXSNV", "HTXSNV", "HTTNV", "HTXSNV", "HTXSNV", "HTXSNV"],  # broken in 2022, resumed
    "C": ["HTXSNV", "HTXSNV", "HTXSNV", "HTXSNV", None, "HTXSNV"],  # no row in 2024 breaks it
    "D": ["HTXSNV", "HTXSNV", "HTXSNV", "HTXSNV", "HTXSNV", "MIEN"],  # exempt this year: not HTXSNV
}
UNIT = ["HTXSNV", "HTXSNV", "HTXSNV", "HTXSNV", "HTXSNV", "HTTNV"]  # the chi bộ: five in a row up to 2024


@pytest.fixture(scope="module")
def history() -> Dataset:
    to_chuc = pd.DataFrame(
        {
            "ma_to_chuc": ["K", "CB"],
            "ten_to_chuc": ["Đảng bộ Khối", "Chi bộ Văn phòng"],
            "cap": ["cap_tren_co_so", "chi_bo_co_so"],
            "ma_cap_tren": [None, "K"],
            "loai_hinh": [None, "co_quan_hanh_chinh"],
        }
    )
    members = [
        {"ma_dang_vien": m, "ho_ten": f"Đảng viên {m}", "ma_chi_bo": "CB", "nam": y, "xep_loai": r,
         "vi_pham": "", "quan_triet": "x", "doi_tuong": "cong_chuc"}
        for m, ratings in HISTORY.items() for y, r in zip(YEARS, ratings, strict=True) if r is not None
    ]  # fmt: skip
    units = [{"ma_to_chuc": "CB", "nam": y, "xep_loai": r} for y, r in zip(YEARS, UNIT, strict=True)]
    units += [{"ma_to_chuc": "K", "nam": y, "xep_loai": "HTTNV"} for y in YEARS]
    dataset, report = dataset_from_frames(
        {"to_chuc": to_chuc, "dang_vien": pd.DataFrame(members), "don_vi_nam": pd.DataFrame(units)}
    )
    assert dataset is not None, report.to_text()
    return dataset


def test_member_streaks_up_to_2025(history: Dataset) -> None:
    members, _ = streaks(history, 2025)
    got = members.set_index("ma_dang_vien")
    assert got.loc["A", "dat"] and got.loc["A", "so_nam_lien"] == 5
    assert got.loc["A", "ly_do"] == "Hoàn thành xuất sắc nhiệm vụ 5 năm liền 2021–2025"
    assert got.loc["B", "so_nam_lien"] == 3 and not got.loc["B", "dat"]
    assert got.loc["B", "nam_dut_chuoi"] == 2022
    assert got.loc["B", "ly_do"] == "Chuỗi đứt năm 2022 (Hoàn thành tốt nhiệm vụ)"
    assert got.loc["C", "so_nam_lien"] == 1 and got.loc["C", "nam_dut_chuoi"] == 2024
    assert got.loc["C", "ly_do"] == "Chuỗi đứt năm 2024 (không có xếp loại)"
    assert got.loc["D", "so_nam_lien"] == 0 and got.loc["D", "nam_dut_chuoi"] == 2025
    assert pd.isna(got.loc["A", "nam_dut_chuoi"])


def test_streaks_counted_to_an_earlier_year(history: Dataset) -> None:
    members, orgs = streaks(history, 2024)
    got = members.set_index("ma_dang_vien")
    assert "C" not in got.index  # no row in 2024: not a candidate that year
    assert got.loc["A", "so_nam_lien"] == 4 and got.loc["A", "nam_dut_chuoi"] == 2020
    assert got.loc["D", "dat"]  # 2020–2024
    unit = orgs.set_index("ma_to_chuc")
    assert unit.loc["CB", "dat"] and unit.loc["CB", "ly_do"] == "Hoàn thành xuất sắc nhiệm vụ 5 năm liền 2020–2024"
    assert unit.loc["K", "so_nam_lien"] == 0


def test_unit_streak_broken_in_the_last_year(history: Dataset) -> None:
    _, orgs = streaks(history, 2025)
    unit = orgs.set_index("ma_to_chuc")
    assert not unit.loc["CB", "dat"] and unit.loc["CB", "nam_dut_chuoi"] == 2025
    assert unit.loc["CB", "ly_do"] == "Chuỗi đứt năm 2025 (Hoàn thành tốt nhiệm vụ)"


def test_a_year_with_few_units_gives_a_shortlist_not_a_crash(sample: Dataset) -> None:
    """The approved reports of a year still being collected: two chi bộ and no đảng bộ (it crashed
    formatting the numbers of no candidate at all)."""
    from scoring import load_criteria, score
    from scoring.engine.awards import shortlist
    from scoring.engine.rating_report import rating_report
    from tests.conftest import ROOT

    keep = ["CB001", "CB002"]
    units = sample.don_vi_nam[(sample.don_vi_nam["nam"] < 2025) | sample.don_vi_nam["ma_to_chuc"].isin(keep)]
    members = sample.dang_vien[(sample.dang_vien["nam"] < 2025) | sample.dang_vien["ma_chi_bo"].isin(keep)]
    frames = {"to_chuc": sample.to_chuc, "dang_vien": members, "don_vi_nam": units}
    dataset, report = dataset_from_frames({k: v.astype(object) for k, v in frames.items()})
    assert dataset is not None, report.to_text()
    result = score(dataset, load_criteria(ROOT / "criteria" / "hai_chan_ba_mui.yaml"), 2025)
    table = shortlist(dataset, result, rating_report(dataset, 2025).ratings).table
    assert len(table) and set(table["ma"].astype(str)) <= {*keep, *members["ma_dang_vien"].astype(str)}

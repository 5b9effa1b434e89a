"""The 20% quota of HTXSNV members per TCCSĐ under both readings, on cases where they differ."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring import Dataset
from scoring.engine.rating_report import member_quota
from scoring.input.dataset import dataset_from_frames


def _dataset(counts: dict[str, tuple[int, int, int]]) -> Dataset:
    """One chi bộ cơ sở per entry: (HTXSNV, HTTNV, HTNV) members in 2025."""
    orgs = [{"ma_to_chuc": "K", "ten_to_chuc": "Đảng bộ Khối", "cap": "cap_tren_co_so", "ma_cap_tren": None,
             "loai_hinh": None}]  # fmt: skip
    members, units = [], [{"ma_to_chuc": "K", "nam": 2025, "xep_loai": "HTTNV"}]
    for unit, (best, good, plain) in counts.items():
        orgs.append({"ma_to_chuc": unit, "ten_to_chuc": f"Chi bộ {unit}", "cap": "chi_bo_co_so", "ma_cap_tren": "K",
                     "loai_hinh": "co_quan_hanh_chinh"})  # fmt: skip
        units.append({"ma_to_chuc": unit, "nam": 2025, "xep_loai": "HTTNV"})
        ratings = ["HTXSNV"] * best + ["HTTNV"] * good + ["HTNV"] * plain
        members += [
            {"ma_dang_vien": f"{unit}-{i}", "ho_ten": f"Đảng viên {i}", "ma_chi_bo": unit, "nam": 2025, "xep_loai": r,
             "vi_pham": "", "quan_triet": "x", "doi_tuong": "cong_chuc"}
            for i, r in enumerate(ratings)
        ]  # fmt: skip
    dataset, report = dataset_from_frames(
        {"to_chuc": pd.DataFrame(orgs), "dang_vien": pd.DataFrame(members), "don_vi_nam": pd.DataFrame(units)}
    )
    assert dataset is not None, report.to_text()
    return dataset


@pytest.mark.parametrize(
    ("best", "good", "share_htt", "share_both", "allowed_htt", "allowed_both", "ok_htt", "ok_both"),
    [
        (16, 63, 0.254, 0.203, 12, 15, False, False),  # the example: 25.4% and 20.3%, both over
        (15, 63, 0.238, 0.192, 12, 15, False, True),  # the readings disagree
        (12, 60, 0.200, 0.167, 12, 14, True, True),  # exactly 20% of 60 is 12: allowed, no rounding slip
        (1, 4, 0.250, 0.200, 0, 1, False, True),  # small units: 20% of 4 rounds down to 0
    ],
)
def test_both_readings(
    best: int, good: int, share_htt: float, share_both: float, allowed_htt: int, allowed_both: int, ok_htt: bool,
    ok_both: bool,
) -> None:  # fmt: skip
    row = member_quota(_dataset({"CB": (best, good, 3)}), 2025).set_index("ma_to_chuc").loc["CB"]
    assert (row["so_htxs"], row["so_htt"]) == (best, good)
    assert row["ty_le_htt"] == pytest.approx(share_htt, abs=5e-4)
    assert row["ty_le_htt_htxs"] == pytest.approx(share_both, abs=5e-4)
    assert (row["duoc_phep_htt"], row["duoc_phep_htt_htxs"]) == (allowed_htt, allowed_both)
    assert (bool(row["dat_htt"]), bool(row["dat_htt_htxs"])) == (ok_htt, ok_both)
    assert row["cach_doc_htt"] == "HTXSNV ≤ 20% × số HTTNV"
    assert row["cach_doc_htt_htxs"] == "HTXSNV ≤ 20% × (số HTTNV + số HTXSNV)"
    assert "làm tròn xuống" in row["lam_tron"]


def test_one_row_per_tccsd_with_members() -> None:
    table = member_quota(_dataset({"CB1": (1, 10, 0), "CB2": (5, 10, 0)}), 2025)
    assert table["ma_to_chuc"].tolist() == ["CB1", "CB2"]
    assert table["dat_htt"].tolist() == [True, False]
    assert member_quota(_dataset({"CB1": (1, 10, 0)}), 2024).empty

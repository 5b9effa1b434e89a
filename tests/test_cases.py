"""YAML test cases that read like the plan (openfisca-style).

Each file in tests/cases holds a list of situations: a small organisation tree, members given in
bulk ("24 members of CB1 rated HTTNV"), unit-year figures, and the expected value and verdict of
each criterion (`ket_qua`) or rank (`xep_hang`). Member ids are numbered per chi bộ in the order
given ("CB1-1", "CB1-2", …), so the same member lines up across years.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
import yaml

from scoring import load_criteria, score
from scoring.input.dataset import dataset_from_frames
from tests.conftest import ROOT

CASES_DIR = ROOT / "tests" / "cases"
DEFAULT_CRITERIA = ROOT / "criteria" / "hai_chan_ba_mui.yaml"


def _load_cases() -> list[Any]:
    found = []
    for file in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(file.read_text(encoding="utf-8")):
            found.append(pytest.param(case, id=f"{file.stem}: {case['ten']}"))
    return found


def build_tables(case: dict[str, Any]) -> dict[str, pd.DataFrame]:
    year = case["nam"]
    orgs = [
        {
            "ma_to_chuc": o["ma"],
            "ten_to_chuc": o.get("ten", f"Tổ chức {o['ma']}"),
            "cap": o["cap"],
            "ma_cap_tren": o.get("cap_tren"),
            "loai_hinh": o.get(
                "loai_hinh", "co_quan_hanh_chinh" if o["cap"] in ("dang_bo_co_so", "chi_bo_co_so") else None
            ),
        }
        for o in case["to_chuc"]
    ]
    members = []
    counter: dict[tuple[str, int], int] = {}
    for given in case.get("dang_vien", []):
        entry = dict(given)
        chi_bo, n = entry.pop("chi_bo"), entry.pop("so_luong", 1)
        nam = entry.pop("nam", year)
        for _ in range(n):
            counter[(chi_bo, nam)] = counter.get((chi_bo, nam), 0) + 1
            members.append(
                {
                    "ma_dang_vien": entry.get("ma", f"{chi_bo}-{counter[(chi_bo, nam)]}"),
                    "ho_ten": f"Đảng viên {chi_bo}-{counter[(chi_bo, nam)]}",
                    "ma_chi_bo": chi_bo,
                    "nam": nam,
                    "xep_loai": entry.get("xep_loai", "HTTNV"),
                    "vi_pham": "x" if entry.get("vi_pham") else "0",
                    "quan_triet": "x" if entry.get("quan_triet", True) else "0",
                    "doi_tuong": entry.get("doi_tuong", "cong_chuc"),
                    **{
                        k: v
                        for k, v in entry.items()
                        if k not in ("ma", "xep_loai", "vi_pham", "quan_triet", "doi_tuong")
                    },
                }
            )
    units = [
        {"ma_to_chuc": u["ma"], "nam": u.get("nam", year), **{k: v for k, v in u.items() if k not in ("ma", "nam")}}
        for u in case.get("don_vi_nam", [])
    ]
    given = {u["ma_to_chuc"] for u in units}
    units += [  # a cấp trên cơ sở rated HTTNV unless the case says otherwise
        {"ma_to_chuc": o["ma"], "nam": year, "xep_loai": "HTTNV"}
        for o in case["to_chuc"]
        if o["cap"] == "cap_tren_co_so" and o["ma"] not in given
    ]
    unit_frame = pd.DataFrame(units)
    tables = {"to_chuc": pd.DataFrame(orgs), "dang_vien": pd.DataFrame(members), "don_vi_nam": unit_frame}
    if "nhiem_vu" in case:  # {ma, nv, han, ket_qua, ngay, minh_chung}: one task of one unit in the year
        tables["nhiem_vu"] = pd.DataFrame(
            [
                {
                    "ma_to_chuc": t["ma"],
                    "ma_nhiem_vu": t["nv"],
                    "nam": t.get("nam", year),
                    "han": t.get("han", "hằng năm"),
                    "ket_qua": t.get("ket_qua"),
                    "ngay_hoan_thanh": t.get("ngay"),
                    "minh_chung": t.get("minh_chung"),
                }
                for t in case["nhiem_vu"]
            ]
        )
    return tables


@pytest.mark.parametrize("case", _load_cases())
def test_case(case: dict[str, Any]) -> None:
    dataset, report = dataset_from_frames(build_tables(case), source=case["ten"])
    assert dataset is not None, report.to_text()
    criteria = load_criteria(ROOT / case.get("tieu_chi", DEFAULT_CRITERIA))
    result = score(dataset, criteria, case["nam"])
    rows = result.ket_qua_tieu_chi.set_index(["ma", "ma_tieu_chi"])
    for want in case.get("ket_qua", []):
        got = rows.loc[(want["ma"], want["tieu_chi"])]
        where = f"{want['ma']} / {want['tieu_chi']}: {got['giai_thich']}"
        if "gia_tri" in want:
            if want["gia_tri"] is None:
                assert pd.isna(got["gia_tri"]), where
            else:
                assert got["gia_tri"] == pytest.approx(want["gia_tri"], abs=1e-9), where
        if "dat" in want:
            assert (None if pd.isna(got["dat"]) else bool(got["dat"])) == want["dat"], where
        if "diem" in want:
            assert got["diem"] == pytest.approx(want["diem"]), where
        for fragment in [want["giai_thich"]] if isinstance(want.get("giai_thich"), str) else want.get("giai_thich", []):
            assert fragment in got["giai_thich"], where
    for ma in case.get("khong_co", []):  # not scored, not ranked that year
        assert ma not in set(result.ket_qua_tieu_chi["ma"]), ma
        assert ma not in set(result.xep_hang_to_chuc["ma_to_chuc"]), ma
    totals = result.tong_diem.set_index("ma")["tong_diem"]
    for ma, points in case.get("tong_diem", {}).items():
        assert totals[ma] == pytest.approx(points), f"{ma}: {totals[ma]}"
    ranks = pd.concat(
        [
            result.xep_hang_to_chuc.rename(columns={"ma_to_chuc": "ma"}),
            result.xep_hang_dang_vien.rename(columns={"ma_dang_vien": "ma"}),
        ]
    )
    for want in case.get("xep_hang", []):
        got = ranks[(ranks["ma"] == want["ma"]) & (ranks["nhom_thi_dua"] == want["nhom"])]
        assert len(got) == 1, f"{want}: {ranks[ranks['ma'] == want['ma']][['nhom_thi_dua', 'thu_hang']]}"
        for key in ("thu_hang", "khoang_cach_dien_hinh", "thu_hang_nam_truoc"):
            if key in want:
                assert got.iloc[0][key] == pytest.approx(want[key]), f"{want}: {got.iloc[0].to_dict()}"


def test_there_are_cases() -> None:
    assert len(_load_cases()) >= 20

"""Rating rules (QĐ 132 / 124 / 366): every veto and exception on small cases, the base verdict by
score, rank overriding, equal-rank conflicts, missing data, the rules chosen by year, file errors,
and the collective quota where the two readings disagree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from scoring.engine.rating import ABOVE, BELOW, CONFLICT, OK, check_ratings
from scoring.engine.rating_report import collective_quota
from scoring.input.dataset import Dataset, dataset_from_frames
from scoring.plans.bundled import rules_folder
from scoring.plans.rating_rules import RulesError, check_rules, load_rules, rules_for_year

TREE = pd.DataFrame(
    {
        "ma_to_chuc": ["K", "DB", "CB1", "CB2", "CB3", "CB4", "CB5", "CS"],
        "ten_to_chuc": ["Đảng bộ Khối", "Đảng bộ Sở A", "Chi bộ 1", "Chi bộ 2", "Chi bộ 3", "Chi bộ 4", "Chi bộ 5",
                        "Chi bộ cơ sở B"],
        "cap": ["cap_tren_co_so", "dang_bo_co_so", *["chi_bo_truc_thuoc"] * 5, "chi_bo_co_so"],
        "ma_cap_tren": [None, "K", "DB", "DB", "DB", "DB", "DB", "K"],
        "loai_hinh": [None, "co_quan_hanh_chinh", *[None] * 5, "co_quan_hanh_chinh"],
    }
)  # fmt: skip


def member(ma: str, chi_bo: str, year: int, rating: str, **extra: Any) -> dict[str, Any]:
    row = {"ma_dang_vien": ma, "ho_ten": f"Đảng viên {ma}", "ma_chi_bo": chi_bo, "nam": year, "xep_loai": rating,
           "vi_pham": "", "quan_triet": "x", "doi_tuong": "cong_chuc", "la_bi_thu": "", "tu_khac_phuc": ""}  # fmt: skip
    row.update({k: ("x" if v is True else v) for k, v in extra.items()})
    return row


def build(year: int, members: list[dict[str, Any]], units: dict[str, dict[str, Any]]) -> Dataset:
    rows = [{"ma_to_chuc": ma, "nam": year, "xep_loai": "HTTNV", "ky_luat_tap_the": ""} for ma in TREE["ma_to_chuc"]]
    for row in rows:
        row.update({k: ("x" if v is True else v) for k, v in units.get(row["ma_to_chuc"], {}).items()})
    filler = [member(f"F{i}{c}", c, year, "HTTNV") for c in ("CB2", "CB3", "CB4", "CB5", "CS") for i in range(3)]
    dataset, report = dataset_from_frames(
        {"to_chuc": TREE, "dang_vien": pd.DataFrame(members + filler), "don_vi_nam": pd.DataFrame(rows)}
    )
    assert dataset is not None, report.to_text()
    return dataset


def verdicts(dataset: Dataset, year: int, rules_file: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    rules = load_rules(rules_file) if rules_file else rules_for_year(year, rules_folder())
    check = check_ratings(dataset, rules, year)
    return check.members.set_index("ma_dang_vien"), check.units.set_index("ma_to_chuc")


GOOD = [member(f"G{i}", "CB1", 0, "HTTNV") for i in range(4)]


def with_year(rows: list[dict[str, Any]], year: int) -> list[dict[str, Any]]:
    return [{**r, "nam": year} for r in rows]


@pytest.mark.parametrize(
    ("year", "rating", "self_remedied", "expected", "allowed"),
    [
        (2021, "HTTNV", False, ABOVE, "KHTNV"),  # QĐ 132: disciplined ⇒ KHTNV
        (2021, "KHTNV", False, OK, "KHTNV"),
        (2021, "HTNV", True, ABOVE, "KHTNV"),  # QĐ 132 has no exception: self-remedied changes nothing
        (2024, "HTNV", True, OK, "tối đa HTXSNV"),  # QĐ 124: the exception lifts the veto
        (2024, "HTTNV", False, ABOVE, "KHTNV"),
    ],
)
def test_disciplined_member(year: int, rating: str, self_remedied: bool, expected: str, allowed: str) -> None:
    rows = with_year([*GOOD, member("X", "CB1", year, rating, vi_pham=True, tu_khac_phuc=self_remedied)], year)
    members, _ = verdicts(build(year, rows, {}), year)
    assert members.loc["X", "ket_luan"] == expected
    assert members.loc["X", "muc_duoc_phep"] == allowed
    if expected == ABOVE:
        assert "dang_vien.ky_luat" in members.loc["X", "quy_tac_ap_dung"]
        assert "kỷ luật" in members.loc["X", "can_cu"]
    assert members.loc["G0", "ket_luan"] == OK


@pytest.mark.parametrize(("year", "expected"), [(2021, ABOVE), (2024, ABOVE)])
def test_secretary_not_above_the_chi_bo(year: int, expected: str) -> None:
    rows = with_year([*GOOD, member("S", "CB1", year, "HTXSNV", la_bi_thu=True)], year)
    members, _ = verdicts(build(year, rows, {"CB1": {"xep_loai": "HTTNV"}}), year)
    assert members.loc["S", "ket_luan"] == expected
    assert members.loc["S", "muc_cao_nhat"] == "HTTNV"
    assert "Bí thư" in members.loc["S", "can_cu"]
    same = with_year([*GOOD, member("S", "CB1", year, "HTXSNV", la_bi_thu=True)], year)
    members, _ = verdicts(build(year, same, {"CB1": {"xep_loai": "HTXSNV"}}), year)
    assert members.loc["S", "ket_luan"] == OK


def test_collective_discipline_from_qd124_on() -> None:
    units_in = {"CB1": {"ky_luat_tap_the": True, "xep_loai": "HTTNV"}}
    _, units = verdicts(build(2024, with_year(GOOD, 2024), units_in), 2024)
    assert units.loc["CB1", "ket_luan"] == ABOVE and units.loc["CB1", "muc_duoc_phep"] == "KHTNV"
    assert units.loc["DB", "ket_luan"] == OK  # 1 of 5 chi bộ disciplined: 20% is not more than 20%
    assert "tap_the.truc_thuoc_ky_luat" not in units.loc["DB", "quy_tac_ap_dung"]


def test_subordinates_disciplined_make_the_dang_bo_khtnv() -> None:
    units_in = {"CB1": {"ky_luat_tap_the": True}, "CB2": {"ky_luat_tap_the": True}}
    _, units = verdicts(build(2024, with_year(GOOD, 2024), units_in), 2024)
    assert units.loc["DB", "muc_duoc_phep"] == "KHTNV"
    assert units.loc["DB", "ket_luan"] == ABOVE  # entered HTTNV
    _, before = verdicts(build(2021, with_year(GOOD, 2021), units_in), 2021)
    assert before.loc["CB1", "ket_luan"] == ABOVE  # QĐ 132 Điều 12 khoản 4 a: the same two cases
    assert before.loc["DB", "muc_duoc_phep"] == "KHTNV"


@pytest.mark.parametrize(
    ("score", "rating", "vi_pham", "expected", "by_score"),
    [
        (92, "HTTNV", False, BELOW, "HTXSNV"),  # the score says HTXSNV: rated lower
        (75, "HTXSNV", False, ABOVE, "HTTNV"),
        (89.5, "HTTNV", False, OK, "HTTNV"),
        (95, "KHTNV", True, OK, "HTXSNV"),  # the discipline veto stands above the score
        (95, "HTXSNV", True, ABOVE, "HTXSNV"),
        (None, "HTXSNV", False, OK, ""),  # no score: the rating as entered is the base
    ],
)
def test_qd366_score_bands(score: float | None, rating: str, vi_pham: bool, expected: str, by_score: str) -> None:
    rows = with_year([*GOOD, member("P", "CB1", 2025, rating, vi_pham=vi_pham, diem_danh_gia=score)], 2025)
    members, _ = verdicts(build(2025, rows, {}), 2025)
    assert members.loc["P", "ket_luan"] == expected
    assert members.loc["P", "xep_loai_theo_diem"] == by_score


RULES_WITH_CONFLICT = """
kind: quy_dinh_xep_loai
title: Quy định thử
document: Văn bản thử
in_force: {from: 2020}
version: "1"
base:
  - {level: [dang_vien, chi_bo, tccsd, cap_tren_co_so], method: nhap}
rules:
  - id: a
    title: Bị kỷ luật thì chỉ được hoàn thành nhiệm vụ
    level: dang_vien
    kind: veto
    rank: RANK_A
    when: vi_pham
    rating: HTNV
    source: {document: Văn bản thử, section: "1", quote: "…"}
  - id: b
    title: Bị kỷ luật thì không hoàn thành nhiệm vụ
    level: dang_vien
    kind: veto
    rank: 1
    when: vi_pham
    at_most: KHTNV
    source: {document: Văn bản thử, section: "2", quote: "…"}
"""


def test_equal_rank_rules_that_disagree_are_reported(tmp_path: Path) -> None:
    rows = with_year([*GOOD, member("X", "CB1", 2021, "HTNV", vi_pham=True)], 2021)
    dataset = build(2021, rows, {})
    same = tmp_path / "cung_bac.yaml"
    same.write_text(RULES_WITH_CONFLICT.replace("RANK_A", "1"), encoding="utf-8")
    members, _ = verdicts(dataset, 2021, same)
    assert members.loc["X", "ket_luan"] == CONFLICT
    assert members.loc["X", "can_cu"] == "Các quy tắc cùng bậc mâu thuẫn: a; b"
    assert members.loc["G0", "ket_luan"] == OK
    higher = tmp_path / "bac_cao.yaml"
    higher.write_text(RULES_WITH_CONFLICT.replace("RANK_A", "2"), encoding="utf-8")
    members, _ = verdicts(dataset, 2021, higher)
    assert members.loc["X", "ket_luan"] == OK  # rank 2 (HTNV exactly) overrides rank 1
    assert members.loc["X", "muc_duoc_phep"] == "HTNV"


def test_a_column_not_collected_is_reported_not_taken_as_met() -> None:
    rows = with_year(GOOD, 2024)
    dataset = build(2024, rows, {"CB1": {"xep_loai": "HTXSNV"}})
    dataset.don_vi_nam["ky_luat_tap_the"] = pd.array([pd.NA] * len(dataset.don_vi_nam), dtype="boolean")
    _, units = verdicts(dataset, 2024)
    assert "tap_the.ky_luat" in units.loc["CB1", "chua_kiem_tra"]
    assert units.loc["CB1", "ket_luan"] == OK  # 4 of 4 HTTNV: nothing else holds it back


BY_YEAR = [(2018, "qd132_2018"), (2022, "qd132_2018"), (2023, "qd124_2023"), (2024, "qd124_2023"),
           (2025, "qd366_2025"), (2031, "qd366_2025")]  # fmt: skip


@pytest.mark.parametrize(("year", "file"), BY_YEAR)
def test_rules_chosen_by_year(year: int, file: str) -> None:
    assert Path(rules_for_year(year, rules_folder()).path).stem == file


def test_no_rules_for_a_year_says_so() -> None:
    with pytest.raises(RulesError, match="không có quy định xếp loại nào áp dụng cho năm 2017"):
        rules_for_year(2017, rules_folder())


def test_every_shipped_rule_cites_its_source() -> None:
    for file in sorted(rules_folder().glob("*.yaml")):
        rules = load_rules(file)
        assert rules.rules, file
        for rule in rules.rules:
            assert rule.source.document and rule.source.section and rule.source.quote


def test_rules_file_errors_are_all_reported(tmp_path: Path) -> None:
    bad = (
        RULES_WITH_CONFLICT.replace("RANK_A", "1")
        + """
  - id: c
    title: Ngoại lệ sai
    level: dang_vien
    kind: exception
    rank: 1
    when: vi_pham and xep_loai
    lifts: [b, khong_co]
    source: {document: Văn bản thử, section: "3", quote: "…"}
  - id: d
    title: Thiếu hệ quả
    level: chi_bo
    kind: veto
    rank: 1
    when: cot_la
    source: {document: Văn bản thử, section: "4", quote: "…"}
"""
    )
    file = tmp_path / "sai.yaml"
    file.write_text(bad, encoding="utf-8")
    rules, problems = check_rules(file)
    assert rules is None
    text = "\n".join(str(p) for p in problems)
    assert "«vi_pham and xep_loai»" in text or "phải là điều kiện đúng/sai" in text
    assert "không có cột «cot_la»" in text
    assert "veto) cần một trong" in text
    assert all(str(file) in str(p) for p in problems)


def test_collective_quota_readings_differ() -> None:
    # chi bộ trực thuộc of DB: 1 HTXSNV and 4 HTTNV. × HTTNV: 20% × 4 = 0,8 → 0 allowed (over);
    # × (HTTNV + HTXSNV): 20% × 5 = 1 allowed (kept).
    dataset = build(2024, with_year(GOOD, 2024), {"CB1": {"xep_loai": "HTXSNV"}})
    table = collective_quota(dataset, 2024, 0.2, "xuong", "htt").set_index("nhom")
    row = table.loc["Chi bộ trực thuộc Đảng bộ Sở A"]
    assert (row["so_htxs"], row["so_htt"], row["so_to_chuc"]) == (1, 4, 5)
    assert row["duoc_phep_htt"] == 0 and not row["dat_htt"]
    assert row["duoc_phep_htt_htxs"] == 1 and row["dat_htt_htxs"]
    assert not row["dat"]  # the file's reading (× HTTNV) decides
    assert row["lam_tron"].startswith("số được phép làm tròn xuống")
    up = collective_quota(dataset, 2024, 0.2, "len", "htt").set_index("nhom").loc["Chi bộ trực thuộc Đảng bộ Sở A"]
    assert up["duoc_phep_htt"] == 1 and "làm tròn lên" in up["lam_tron"]

"""What QĐ 366 added to the rules engine: a case sent to the competent level («cần cấp có thẩm quyền
xem xét») instead of decided; a condition read from an older column where the new one was not
collected (the year judged as before, and said); quota groups of similar function, and the higher
share of units with outstanding results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scoring.engine.rating import ABOVE, OK, REVIEW, check_ratings
from scoring.engine.rating_report import collective_quota, member_quota, rating_report
from scoring.input.dataset import dataset_from_frames
from scoring.plans.bundled import rules_folder
from scoring.plans.rating_rules import check_rules, load_rules, rules_for_year
from tests.test_rating_rules import GOOD, build, member, with_year

RULES = """
kind: quy_dinh_xep_loai
title: Quy định thử
document: Văn bản thử
in_force: {from: 2025}
version: "1"
base:
  - {level: [dang_vien, chi_bo, dang_bo_co_so, chi_bo_co_so, chi_bo_truc_thuoc, cap_tren_co_so], method: nhap}
rules:
  - id: ky_luat
    title: Bị kỷ luật thì không hoàn thành nhiệm vụ
    level: dang_vien
    kind: veto
    rank: 1
    when: bai_thu_hoach
    when_not_collected: vi_pham
    rating: KHTNV
    source: {document: Văn bản thử, section: "1", quote: "…"}
  - id: bi_thu
    title: Bí thư thì cao nhất là hoàn thành nhiệm vụ (quy tắc thử)
    level: dang_vien
    kind: veto
    rank: 1
    when: la_bi_thu
    at_most: HTNV
    source: {document: Văn bản thử, section: "3", quote: "…"}
  - id: tu_khac_phuc
    title: Tự phát hiện, chủ động khắc phục — cấp có thẩm quyền xem xét
    level: dang_vien
    kind: review
    rank: 2
    when: tu_khac_phuc
    lifts: [ky_luat]
    source: {document: Văn bản thử, section: "2", quote: "…"}
"""


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    file = tmp_path / "thu.yaml"
    file.write_text(RULES, encoding="utf-8")
    return file


def test_a_self_remedied_case_is_sent_for_review_not_decided(rules_file: Path) -> None:
    rows = [
        member("A", "CB1", 2025, "HTTNV", vi_pham=True),  # disciplined: KHTNV
        member("B", "CB1", 2025, "HTTNV", vi_pham=True, tu_khac_phuc=True),  # the competent level decides
        member("C", "CB1", 2025, "HTTNV", tu_khac_phuc=True),  # nothing to review: no discipline
        member("D", "CB1", 2025, "HTTNV"),
    ]
    check = check_ratings(build(2025, rows, {}), load_rules(rules_file), 2025)
    members = check.members.set_index("ma_dang_vien")
    assert members.loc["A", "ket_luan"] == ABOVE and members.loc["A", "muc_duoc_phep"] == "KHTNV"
    assert members.loc["B", "ket_luan"] == REVIEW
    assert "cấp có thẩm quyền xem xét" in members.loc["B", "can_cu"]
    assert "không tự áp dụng: Bị kỷ luật thì không hoàn thành nhiệm vụ" in members.loc["B", "can_cu"]
    assert members.loc["C", "ket_luan"] == OK and members.loc["D", "ket_luan"] == OK
    assert set(check.findings["ma"]) == {"A", "B"}  # both are named, each with its conclusion


def test_an_uncollected_column_is_read_from_the_older_one_and_said(rules_file: Path) -> None:
    rows = [member("A", "CB1", 2025, "HTTNV", vi_pham=True), member("D", "CB1", 2025, "HTTNV")]
    report = rating_report(build(2025, rows, {}), 2025, load_rules(rules_file))
    members = report.ratings.members.set_index("ma_dang_vien")
    assert members.loc["A", "ket_luan"] == ABOVE  # «bai_thu_hoach» not collected: «vi_pham» decides
    assert members.loc["A", "xet_theo_cot_cu"] == "ky_luat" and members.loc["A", "chua_kiem_tra"] == ""
    said = "\n".join(report.summary())
    assert "Xét theo cột thay thế vì chưa thu thập cột mới: Bị kỷ luật thì không hoàn thành nhiệm vụ" in said
    collected = [member("A", "CB1", 2025, "HTTNV", vi_pham=True, bai_thu_hoach=""), member("D", "CB1", 2025, "HTTNV")]
    members = check_ratings(build(2025, collected, {}), load_rules(rules_file), 2025).members.set_index("ma_dang_vien")
    assert members.loc["A", "ket_luan"] == OK and members.loc["A", "xet_theo_cot_cu"] == ""  # the new column decides


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("    lifts: [ky_luat]\n", "kind: review) cần «lifts»"),
        ("    when_not_collected: vi_pham\n", None),
    ],
)
def test_review_rules_need_what_they_hold_back(tmp_path: Path, change: str, message: str | None) -> None:
    file = tmp_path / "sai.yaml"
    file.write_text(RULES.replace(change, ""), encoding="utf-8")
    rules, problems = check_rules(file)
    if message is None:
        assert rules is not None and not problems
    else:
        assert rules is None and message in "\n".join(str(p) for p in problems)


def test_member_quota_per_doi_tuong_and_the_outstanding_share() -> None:
    rows = [
        *(member(f"B{i}", "CB1", 2025, "HTXSNV") for i in range(5)),
        *(member(f"G{i}", "CB1", 2025, "HTTNV") for i in range(8)),
        *(member(f"V{i}", "CB1", 2025, "HTTNV", doi_tuong="vien_chuc") for i in range(5)),
    ]
    dataset = build(2025, rows, {})
    groups = member_quota(dataset, 2025, 0.2, "xuong", "htt", per="doi_tuong").set_index(["ma_to_chuc", "nhom"])
    officials = groups.loc[("DB", "Công chức")]
    # 8 here and 12 of the other chi bộ of Đảng bộ Sở A (tests.test_rating_rules.build): 20 HTTNV
    assert (officials["so_htxs"], officials["so_htt"], officials["duoc_phep_htt"]) == (5, 20, 4)
    assert not officials["dat"]  # 5 > 20% × 20 = 4
    assert groups.loc[("DB", "Viên chức"), "so_htt"] == 5
    outstanding = build(2025, rows, {"DB": {"thanh_tich_noi_bat": True}})
    shares = member_quota(outstanding, 2025, 0.2, "xuong", "htt", per="doi_tuong", outstanding=0.25)
    row = shares.set_index(["ma_to_chuc", "nhom"]).loc[("DB", "Công chức")]
    assert row["ty_le_toi_da"] == 0.25 and row["duoc_phep_htt"] == 5 and row["dat"]  # 25% × 20 = 5


def test_collective_quota_per_cap_tren_puts_every_tccsd_together() -> None:
    dataset = build(2025, with_year(GOOD, 2025), {"CS": {"xep_loai": "HTXSNV"}})
    by_kind = collective_quota(dataset, 2025, 0.2, "xuong", "htt")
    together = collective_quota(dataset, 2025, 0.2, "xuong", "htt", per="cap_tren")
    assert any(name.startswith("TCCSĐ loại hình") for name in by_kind["nhom"])
    assert "TCCSĐ thuộc Đảng bộ Khối" in set(together["nhom"])


def test_a_rating_other_rules_forbid_is_said_before_the_review(rules_file: Path) -> None:
    rows = [
        member("A", "CB1", 2025, "HTTNV", vi_pham=True, tu_khac_phuc=True, la_bi_thu=True),  # above HTNV anyway
        member("B", "CB1", 2025, "HTNV", vi_pham=True, tu_khac_phuc=True, la_bi_thu=True),  # allowed: for review
    ]
    members = check_ratings(build(2025, rows, {}), load_rules(rules_file), 2025).members.set_index("ma_dang_vien")
    assert members.loc["A", "ket_luan"] == ABOVE and members.loc["A", "can_cu"].startswith("Bí thư thì cao nhất")
    assert members.loc["B", "ket_luan"] == REVIEW


def test_a_dang_bo_co_so_counts_the_chi_bo_under_its_dang_bo_bo_phan() -> None:
    """A rule of two nested levels is evaluated per level: the đảng bộ cơ sở's «share of chi bộ trực thuộc
    disciplined» reads the chi bộ under its đảng bộ bộ phận too, not only the bộ phận's own."""
    tree = pd.DataFrame(
        {
            "ma_to_chuc": ["K", "D", "P", "C1", "C2", "C3"],
            "ten_to_chuc": ["Khối", "Đảng bộ D", "Đảng bộ bộ phận P", "Chi bộ 1", "Chi bộ 2", "Chi bộ 3"],
            "cap": ["cap_tren_co_so", "dang_bo_co_so", "dang_bo_bo_phan", *["chi_bo_truc_thuoc"] * 3],
            "ma_cap_tren": [None, "K", "D", "P", "P", "D"],
            "loai_hinh": [None, "co_quan_hanh_chinh", None, None, None, None],
        }
    )
    units = [{"ma_to_chuc": ma, "nam": 2024, "xep_loai": "HTTNV", "ky_luat_tap_the": ""} for ma in tree["ma_to_chuc"]]
    units[3]["ky_luat_tap_the"] = units[4]["ky_luat_tap_the"] = "x"  # two of the three chi bộ, both under P
    members = [member(f"M{c}", c, 2024, "HTTNV") for c in ("C1", "C2", "C3")]
    dataset, report = dataset_from_frames(
        {"to_chuc": tree, "dang_vien": pd.DataFrame(members), "don_vi_nam": pd.DataFrame(units)}
    )
    assert dataset is not None, report.to_text()
    units_checked = check_ratings(dataset, rules_for_year(2024, rules_folder()), 2024).units.set_index("ma_to_chuc")
    assert "tap_the.truc_thuoc_ky_luat" in units_checked.loc["D", "quy_tac_ap_dung"]  # 2/3 > 20%, at any depth
    assert "tap_the.truc_thuoc_ky_luat" in units_checked.loc["P", "quy_tac_ap_dung"]  # 2/2

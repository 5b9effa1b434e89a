"""Criteria files: the shipped file, the metric language and targets, and one broken file per error kind."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from scoring import check_criteria, load_criteria
from scoring.cli import app
from scoring.plans.expr import MEMBER, UNIT, ExprError, Type, columns_read, is_share, parse
from scoring.plans.targets import TargetError, parse_target
from tests.conftest import ROOT

SHIPPED = ROOT / "criteria" / "hai_chan_ba_mui.yaml"
BROKEN = ROOT / "tests" / "broken_criteria"
EXPECT = yaml.safe_load((BROKEN / "expect.yaml").read_text(encoding="utf-8"))
DOMAIN_IDS = [
    "chan1.cap_tren_htt",
    "chan1.tccsd_htt",
    "chan1.tccsd_htxs",
    "chan1.tccsd_khtnv",
    "chan1.chi_bo_htt",
    "chan1.chi_bo_htxs",
    "chan2.dang_vien_htt",
    "chan2.dang_vien_htxs",
    "mui1.dang_vien_quan_triet",
    "mui1.quan_chung_quan_triet",
    "mui1.khong_vi_pham",
    "mui2.kiem_tra",
    "mui2.giam_vi_pham",
    "mui2.don_thu",
]


def test_shipped_file_has_every_domain_id_at_cap_tren() -> None:
    criteria = load_criteria(SHIPPED)
    assert [c.id for c in criteria.for_level("cap_tren_co_so")] == DOMAIN_IDS


def test_shipped_file_points_sum_to_100_per_level_and_every_rule_cites_the_plan() -> None:
    criteria = load_criteria(SHIPPED)
    seed = ROOT.parent / "shared" / "seeds" / "004_cb66bda5281f350e.txt"
    plan = seed.read_text(encoding="utf-8") if seed.exists() else None
    for level in (
        "cap_tren_co_so",
        "dang_bo_co_so",
        "dang_bo_bo_phan",
        "chi_bo_co_so",
        "chi_bo_truc_thuoc",
        "dang_vien",
    ):
        assert sum(c.points for c in criteria.for_level(level)) == 100, level
    for c in criteria.criteria:
        assert "51-KH/ĐUK" in c.source.document
        if plan is not None:
            assert c.source.quote in " ".join(plan.split()), f"{c.id}: «{c.source.quote}» is not in the plan"


@pytest.mark.parametrize("name", sorted(EXPECT), ids=sorted(EXPECT))
def test_broken_file_is_reported_with_line_key_and_message(name: str) -> None:
    want = EXPECT[name]
    criteria, problems = check_criteria(BROKEN / f"{name}.yaml")
    assert criteria is None
    assert any(p.line == want["line"] and want["key"] in p.key and want["message"] in p.message for p in problems), (
        "\n".join(str(p) for p in problems)
    )


def test_there_is_a_broken_file_per_error_kind() -> None:
    assert len(EXPECT) >= 15
    assert {p.stem for p in BROKEN.glob("*.yaml")} - {"expect"} == set(EXPECT)


def test_cli_criteria_check() -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["criteria", "check", str(SHIPPED)])
    assert ok.exit_code == 0, ok.output
    assert "44 tiêu chí" in ok.output
    bad = runner.invoke(app, ["criteria", "check", str(BROKEN / "chi_tieu_sai.yaml")])
    assert bad.exit_code == 1
    assert "chi_tieu_sai.yaml:24" in bad.output  # «khoảng 15%»
    assert runner.invoke(app, ["criteria", "check", "khong_co.yaml"]).exit_code == 2


def test_nothing_in_a_metric_is_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for text in (
        f"__import__('os').system('touch {marker}')",
        f"open('{marker}', 'w')",
        "(lambda: 1)()",
        "[x for x in dang_vien]",
        "xep_loai.__class__",
    ):
        with pytest.raises(ExprError):
            parse(text, UNIT)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "context", "type_"),
    [
        ("share(dang_vien, xep_loai >= HTTNV)", UNIT, Type.NUMBER),
        ("count(tccsd)", UNIT, Type.NUMBER),
        ("sum(tccsd, so_quan_chung_quan_triet) / sum(tccsd, so_quan_chung)", UNIT, Type.NUMBER),
        ("share(chi_bo, share(dang_vien, xep_loai >= HTTNV) >= 0.96)", UNIT, Type.NUMBER),
        ("all(dang_vien, xep_loai ≥ HTNV)", UNIT, Type.BOOL),
        ("xep_loai", UNIT, Type.RATING),
        ("loai_hinh in [doanh_nghiep_nha_nuoc, co_quan_hanh_chinh]", UNIT, Type.BOOL),
        ("share(dang_vien, vi_pham) - previous(share(dang_vien, vi_pham))", UNIT, Type.NUMBER),
        ("xep_loai >= HTTNV and not vi_pham", MEMBER, Type.BOOL),
        ("diem_sang_tao >= 8 or so_sang_kien >= 1", MEMBER, Type.BOOL),
    ],
)
def test_metric_types(text: str, context: str, type_: Type) -> None:
    assert parse(text, context).type is type_


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("share(dang_vien)", "viết share(tập_hợp, biểu_thức)"),
        ("share(xyz, vi_pham)", "tham số đầu của share là một tập hợp"),
        ("share(dang_vien, diem_ban_linh)", "phải là đúng/sai, đang là số"),
        ("cap == vien_chuc", "hai vế thuộc hai danh mục khác nhau"),
        ("loai_hinh > co_quan_hanh_chinh", "chỉ so sánh bằng"),
        ("sum(tccsd, xep_loai)", "phải là số, đang là xếp loại"),
        ("'chữ'", "hằng số"),
        ("1 < so_quan_chung < 5", "mỗi phép so sánh chỉ hai vế"),
    ],
)
def test_metric_errors(text: str, message: str) -> None:
    with pytest.raises(ExprError, match=re.escape(message)):
        parse(text, UNIT)


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("share(dang_vien, xep_loai >= HTTNV)", True),
        ("ratio(tccsd, so_quan_chung_quan_triet, so_quan_chung)", True),
        ("sum(tccsd, so_quan_chung_quan_triet) / sum(tccsd, so_quan_chung)", True),
        ("count(tccsd, vi_pham_don_vi) / count(tccsd)", True),
        ("kiem_tra_thuc_hien / kiem_tra_ke_hoach", True),  # a unit's own figures (hai_chan_ba_mui.yaml)
        ("sum(tccsd, don_thu_ton_dong)", False),
        ("sum(tccsd, so_quan_chung) / 12", False),  # an average, not a share
        ("share(dang_vien, vi_pham) / previous(share(dang_vien, vi_pham))", False),  # a change, not a share
        ("mean(dang_vien, diem_ban_linh) / max(dang_vien, diem_ban_linh)", False),
    ],
)
def test_which_metrics_are_shares(text: str, share: bool) -> None:
    """One definition, for the loader (targets in %) and the explanations (values in %)."""
    assert is_share(parse(text, UNIT)) is share


@pytest.mark.parametrize(
    ("text", "context", "columns"),
    [
        ("xep_loai >= HTTNV and not vi_pham", MEMBER, {"xep_loai", "vi_pham"}),
        ("don_vi(xep_loai_co_quan >= HTTNV)", MEMBER, {"xep_loai_co_quan"}),  # not xep_loai, whatever the text
        ("share(chi_bo, share(dang_vien, xep_loai >= HTTNV) >= 0.96)", UNIT, {"xep_loai"}),
        ("count(tccsd)", UNIT, set()),
    ],
)
def test_columns_a_metric_reads(text: str, context: str, columns: set[str]) -> None:
    assert columns_read(parse(text, context)) == columns


def test_an_exempt_member_is_spared_only_criteria_on_a_rating_column(tmp_path: Path) -> None:
    """Miễn đánh giá makes «xep_loai» criteria not applicable to the member, but not one that reads
    another column whose name merely contains the word (the chi bộ's xep_loai_co_quan)."""
    import pandas as pd

    from scoring import score
    from scoring.input.dataset import dataset_from_frames

    source = "source: {document: Thử, section: I, quote: thử}"
    plan = tmp_path / "mien.yaml"
    plan.write_text(
        f"""title: Thử
document: Thử
in_force: {{from: 2020}}
version: "1"
groups: {{g: Nhóm}}
criteria:
  - {{id: dv.htt, title: HTT, level: dang_vien, group: g, metric: xep_loai >= HTTNV, target: đúng, points: 50,
     {source}}}
  - {{id: dv.co_quan, title: Cơ quan, level: dang_vien, group: g, metric: don_vi(xep_loai_co_quan >= HTTNV),
     target: đúng, points: 50, {source}}}
""",
        encoding="utf-8",
    )
    tables = {
        "to_chuc": pd.DataFrame(
            {
                "ma_to_chuc": ["K", "A"],
                "ten_to_chuc": ["Đảng bộ K", "Chi bộ A"],
                "cap": ["cap_tren_co_so", "chi_bo_co_so"],
                "ma_cap_tren": [None, "K"],
                "loai_hinh": [None, "co_quan_hanh_chinh"],
            }
        ),
        "dang_vien": pd.DataFrame(
            {
                "ma_dang_vien": ["A-1"],
                "ho_ten": ["Đảng viên A-1"],
                "ma_chi_bo": ["A"],
                "nam": [2024],
                "xep_loai": ["MIEN"],
                "vi_pham": ["0"],
                "quan_triet": ["x"],
                "doi_tuong": ["cong_chuc"],
            }
        ),
        "don_vi_nam": pd.DataFrame({"ma_to_chuc": ["K", "A"], "nam": [2024, 2024], "xep_loai": ["HTTNV", "HTTNV"]}),
    }
    dataset, report = dataset_from_frames(tables, source="thử")
    assert dataset is not None, report.to_text()
    rows = score(dataset, load_criteria(plan), 2024).ket_qua_so.set_index("ma_tieu_chi")
    assert rows.loc["dv.htt", "trang_thai"] == "không áp dụng"
    assert rows.loc["dv.co_quan", "trang_thai"] == "không đủ dữ liệu"


@pytest.mark.parametrize(
    ("target", "type_", "values", "met"),
    [
        ("> 80%", Type.NUMBER, [0.8, 0.8001, np.nan], [0, 1, np.nan]),
        ("≥ 96%", Type.NUMBER, [0.96, 0.9599], [1, 0]),
        (">= 96,5%", Type.NUMBER, [0.965], [1]),
        ("15%..20%", Type.NUMBER, [0.15, 0.2, 0.2001, 0.1499], [1, 1, 0, 0]),
        ("15%–20%", Type.NUMBER, [0.175], [1]),
        ("= 0", Type.NUMBER, [0, 1], [1, 0]),
        ("≤ 0,5", Type.NUMBER, [0.5, 0.6], [1, 0]),
        ("≥ HTTNV", Type.RATING, [2, 3, 1], [1, 1, 0]),
        ("đúng", Type.BOOL, [1, 0], [1, 0]),
        ("= không", Type.BOOL, [1, 0], [0, 1]),
        ("trên 80%", Type.NUMBER, [0.8, 0.81], [0, 1]),
        ("80% trở lên", Type.NUMBER, [0.8, 0.79], [1, 0]),
        ("từ 96% trở lên", Type.NUMBER, [0.96], [1]),
        ("từ 15% đến 20%", Type.NUMBER, [0.2, 0.21], [1, 0]),
        ("không quá 0,5%", Type.NUMBER, [0.005, 0.006], [1, 0]),
    ],
)
def test_targets(target: str, type_: Type, values: list[float], met: list[float]) -> None:
    got = parse_target(target, type_).met(np.array(values, dtype=float))
    np.testing.assert_array_equal(got, np.array(met, dtype=float))


@pytest.mark.parametrize(
    ("target", "now", "before", "met"),
    [
        ("giảm 2%/năm", [0.0098, 0.0099, 0.0, 0.001, 0.005], [0.01, 0.01, 0.0, 0.0, np.nan], [1, 0, 1, 0, np.nan]),
        ("giảm 0,5 điểm %/năm", [0.015, 0.016], [0.02, 0.02], [1, 0]),
        ("tăng 5%/năm", [1.05, 1.04], [1.0, 1.0], [1, 0]),
    ],
)
def test_trend_targets(target: str, now: list[float], before: list[float], met: list[float]) -> None:
    parsed = parse_target(target, Type.NUMBER)
    assert parsed.needs_previous
    got = parsed.met(np.array(now), np.array(before))
    np.testing.assert_array_equal(got, np.array(met, dtype=float))


@pytest.mark.parametrize("target", ["khoảng 80%", "> tám mươi", "20%..15%", ""])
def test_bad_targets(target: str) -> None:
    with pytest.raises(TargetError):
        parse_target(target, Type.NUMBER)


PLAN_SEEDS = {  # each plan file and the seed its quotes are taken from (None: summaries only)
    "hai_chan_ba_mui.yaml": "004_cb66bda5281f350e.txt",
    "nq34_vcci.yaml": "003_a7b9f1726d7cbe11.txt",
    "chi_bo_4_tot.yaml": "003_a7b9f1726d7cbe11.txt",
    "kl21_dang_uy_khoi.yaml": "001_f48e0f285acd8aa3.txt",
    "kl21_cong_doan.yaml": "000_11d472f9ce649278.txt",
    "tuyen_truyen_2022.yaml": "002_1d6f40f77551b3da.txt",
}


def _squeezed(text: str) -> str:
    """Spaces squeezed, and the seeds' markdown italics (*tháng 01/2022*) dropped."""
    return re.sub(r"\s+", " ", text.replace("*", "")).strip()


@pytest.mark.parametrize("name", sorted(PLAN_SEEDS))
def test_every_plan_file_checks_sums_to_100_and_quotes_its_seed(name: str) -> None:
    """`thidua criteria check` accepts the file; every level it scores totals 100 points; every quote not
    marked «(tóm tắt)» is found word for word in the seed it cites."""
    path = ROOT / "criteria" / name
    run = CliRunner().invoke(app, ["criteria", "check", str(path)])
    assert run.exit_code == 0, run.output
    criteria = load_criteria(path)
    levels = {level for c in criteria.criteria for level in c.levels}
    for level in levels:
        assert sum(c.points for c in criteria.for_level(level)) == 100, level
    seed = ROOT.parent / "shared" / "seeds" / PLAN_SEEDS[name]
    if not seed.exists():
        pytest.skip("../shared/seeds không có bên cạnh kho mã")
    plan = _squeezed(seed.read_text(encoding="utf-8"))
    for c in criteria.criteria:
        if "(tóm tắt)" not in c.source.quote:
            assert _squeezed(c.source.quote) in plan, (c.id, c.source.quote)


def test_plan_files_listed_in_the_criteria_readme() -> None:
    readme = (ROOT / "criteria" / "README.md").read_text(encoding="utf-8")
    for path in (ROOT / "criteria").glob("*.yaml"):
        assert f"`{path.name}`" in readme, path.name

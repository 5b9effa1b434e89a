"""The sample Khối scored for 2025: every DOMAIN id at the cấp trên cơ sở equals a hand calculation
with plain pandas; the CLI writes the promised files and nothing on failure."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from scoring import Dataset, ScoringError, load_criteria, score
from scoring.cli import app
from tests.conftest import ROOT, SAMPLE

CRITERIA_FILE = ROOT / "criteria" / "hai_chan_ba_mui.yaml"


@pytest.fixture(scope="module")
def result(sample: Dataset):  # type: ignore[no-untyped-def]
    return score(sample, load_criteria(CRITERIA_FILE), 2025)


def _hand(sample: Dataset, year: int) -> dict[str, float]:
    """DOMAIN.md's table, computed directly from the three tables."""
    orgs = sample.to_chuc.assign(ma_to_chuc=sample.to_chuc["ma_to_chuc"].astype(str))
    units = (
        sample.don_vi_nam[sample.don_vi_nam["nam"] == year]
        .assign(ma_to_chuc=lambda f: f["ma_to_chuc"].astype(str))
        .merge(orgs[["ma_to_chuc", "cap"]], on="ma_to_chuc")
    )
    tccsd = units[units["cap"].isin(["dang_bo_co_so", "chi_bo_co_so"])]
    chi_bo = units[units["cap"] == "chi_bo_truc_thuoc"]
    members = sample.dang_vien[sample.dang_vien["nam"] == year]
    before = sample.dang_vien[sample.dang_vien["nam"] == year - 1]
    rated, rated_tccsd, rated_cb = members["xep_loai"].dropna(), tccsd["xep_loai"].dropna(), chi_bo["xep_loai"].dropna()
    rate_now, rate_before = members["vi_pham"].mean(), before["vi_pham"].mean()
    top = units[units["cap"] == "cap_tren_co_so"]["xep_loai"].iloc[0]
    return {
        "chan1.cap_tren_htt": ["KHTNV", "HTNV", "HTTNV", "HTXSNV"].index(top),
        "chan1.tccsd_htt": (rated_tccsd >= "HTTNV").mean(),
        "chan1.tccsd_htxs": (rated_tccsd == "HTXSNV").mean(),
        "chan1.tccsd_khtnv": (rated_tccsd == "KHTNV").sum(),
        "chan1.chi_bo_htt": (rated_cb >= "HTTNV").mean(),
        "chan1.chi_bo_htxs": (rated_cb == "HTXSNV").mean(),
        "chan2.dang_vien_htt": (rated >= "HTTNV").mean(),
        "chan2.dang_vien_htxs": (rated == "HTXSNV").mean(),
        "mui1.dang_vien_quan_triet": members["quan_triet"].mean(),
        "mui1.quan_chung_quan_triet": tccsd["so_quan_chung_quan_triet"].sum() / tccsd["so_quan_chung"].sum(),
        "mui1.khong_vi_pham": tccsd["vi_pham_don_vi"].sum(),
        "mui2.kiem_tra": tccsd["kiem_tra_thuc_hien"].sum() / tccsd["kiem_tra_ke_hoach"].sum(),
        "mui2.giam_vi_pham": rate_now,
        "mui2.don_thu": tccsd["don_thu_ton_dong"].sum(),
        "_rate_before": rate_before,
    }


def test_every_domain_id_matches_a_hand_calculation(sample: Dataset, result) -> None:  # type: ignore[no-untyped-def]
    hand = _hand(sample, 2025)
    rows = result.ket_qua_tieu_chi
    top = rows[rows["cap"] == "cap_tren_co_so"].set_index("ma_tieu_chi")
    assert set(top.index) == set(hand) - {"_rate_before"}
    for criterion, value in hand.items():
        if criterion.startswith("_"):
            continue
        assert top.loc[criterion, "gia_tri"] == pytest.approx(float(value), abs=1e-12), criterion
    assert bool(top.loc["mui2.giam_vi_pham", "dat"]) == (hand["mui2.giam_vi_pham"] <= 0.98 * hand["_rate_before"])
    assert bool(top.loc["chan1.tccsd_htt", "dat"]) == (hand["chan1.tccsd_htt"] > 0.8)


def test_result_tables_have_the_promised_columns(result) -> None:  # type: ignore[no-untyped-def]
    assert list(result.ket_qua_tieu_chi.columns[:10]) == [
        "nam",
        "cap",
        "ma",
        "ma_tieu_chi",
        "gia_tri",
        "chi_tieu",
        "dat",
        "diem",
        "diem_toi_da",
        "giai_thich",
    ]
    assert list(result.xep_hang_to_chuc.columns[:10]) == [
        "nam",
        "ma_to_chuc",
        "ten_to_chuc",
        "cap",
        "nhom_thi_dua",
        "tong_diem",
        "so_tieu_chi_dat",
        "so_tieu_chi",
        "thu_hang",
        "khoang_cach_dien_hinh",
    ]
    assert list(result.xep_hang_dang_vien.columns[:7]) == [
        "nam",
        "ma_dang_vien",
        "ho_ten",
        "ma_chi_bo",
        "nhom_thi_dua",
        "tong_diem",
        "thu_hang",
    ]


def test_every_unit_has_one_row_per_group_and_ranks_start_at_one(result) -> None:  # type: ignore[no-untyped-def]
    ranks = result.xep_hang_to_chuc
    assert not ranks.duplicated(["ma_to_chuc", "nhom_thi_dua"]).any()
    assert (ranks.groupby("nhom_thi_dua")["thu_hang"].min() == 1).all()
    tccsd = ranks[ranks["cap"].isin(["dang_bo_co_so", "chi_bo_co_so"])]
    assert (tccsd.groupby("ma_to_chuc").size() == 2).all()  # its level and its loại hình
    assert (ranks.loc[ranks["thu_hang"] == 1, "khoang_cach_dien_hinh"] == 0).all()
    assert (ranks["khoang_cach_dien_hinh"] >= 0).all()


def test_year_the_data_does_not_hold(sample: Dataset) -> None:
    with pytest.raises(ScoringError, match="không có năm 2030"):
        score(sample, load_criteria(CRITERIA_FILE), 2030)


runner = CliRunner()


def test_cli_score_writes_csv_and_xlsx(tmp_path: Path) -> None:
    out = tmp_path / "kq"
    args = ["score", str(SAMPLE), "--criteria", str(CRITERIA_FILE), "--nam", "2025", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "ket_qua.xlsx",
        "ket_qua_tieu_chi.csv",
        "xep_hang_dang_vien.csv",
        "xep_hang_to_chuc.csv",
    ]
    rows = pd.read_csv(out / "ket_qua_tieu_chi.csv")
    assert set(rows.loc[rows["cap"] == "cap_tren_co_so", "ma_tieu_chi"]) >= {"chan1.tccsd_htt", "mui2.giam_vi_pham"}
    book = pd.read_excel(out / "ket_qua.xlsx", sheet_name=None)
    assert {"Kết quả tiêu chí", "Xếp hạng tổ chức", "Xếp hạng đảng viên", "Tiêu chí", "Ghi chú"} <= set(book)
    sheet = book["Kết quả tiêu chí"]
    assert "Giá trị" in sheet.columns
    shares = sheet["Giá trị"].map(lambda v: isinstance(v, float) and 0 <= v <= 1)  # 82,5% is 0.825, not a text
    assert shares.any() and not sheet["Giá trị"].astype(str).str.endswith("%").any()
    assert set(sheet["Kết quả"]) <= {"Đạt", "Chưa đạt", "Không đủ dữ liệu", "Không áp dụng"}
    assert "Đảng bộ cấp trên cơ sở" in set(sheet["Cấp"])  # labels, not codes


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--nam", "2030"], 1, "không có năm 2030"),
        (["--criteria", str(ROOT / "tests" / "broken_criteria" / "cot_la.yaml")], 1, "không có cột"),
        (["--criteria", "khong_co.yaml"], 2, "không tìm thấy tệp tiêu chí"),
    ],
)
def test_cli_score_failures_write_nothing(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    out = tmp_path / "kq"
    base = {"--criteria": str(CRITERIA_FILE), "--nam": "2025"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    flat = [x for pair in base.items() for x in pair]
    result = runner.invoke(app, ["score", str(SAMPLE), *flat, "--out", str(out)])
    assert result.exit_code == code, result.output
    assert message in result.output
    assert not out.exists()


def test_cli_score_on_broken_data_prints_the_report(tmp_path: Path) -> None:
    broken = ROOT / "tests" / "broken" / "xep_loai_la"
    args = ["score", str(broken), "--criteria", str(CRITERIA_FILE), "--nam", "2024", "--out", str(tmp_path / "kq")]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "Tốt lắm" in result.output
    assert not (tmp_path / "kq").exists()


PLAN_FILES = sorted((ROOT / "criteria").glob("*.yaml"))


@pytest.mark.parametrize("plan", PLAN_FILES, ids=[p.stem for p in PLAN_FILES])
def test_cli_scores_the_sample_by_every_bundled_plan(tmp_path: Path, plan: Path) -> None:
    """`thidua score` on the bundled sample with each plan, in its last year in force that the sample
    holds: every criterion of the plan scored, and some met and some not (the sample exercises it)."""
    from scoring import load_criteria

    criteria = load_criteria(plan)
    years = [y for y in (2021, 2022, 2023, 2024, 2025) if criteria.in_force(y)]
    year = years[-1]
    out = tmp_path / "kq"
    result = runner.invoke(app, ["score", str(SAMPLE), "--criteria", str(plan), "--nam", str(year), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(out / "ket_qua_tieu_chi.csv")
    assert set(rows["ma_tieu_chi"]) == {c.id for c in criteria.criteria}
    met = rows["dat"].dropna().astype(str)
    assert {"True", "False"} <= set(met), plan.name  # the sample has units meeting and missing the plan

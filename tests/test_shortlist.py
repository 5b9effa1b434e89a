"""The award shortlist on the sample, its exports (XLSX, DOCX — and a PDF through LibreOffice when it is
installed, as `.ci/run` does), and the two commands."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from typer.testing import CliRunner

from scoring import Dataset, load_criteria, score, validate_dataset
from scoring.cli import app
from scoring.engine.awards import Shortlist, shortlist
from scoring.engine.rating_report import rating_report
from scoring.outputs.documents import Letterhead, shortlist_docx, shortlist_xlsx

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "mau"


@pytest.fixture(scope="module")
def sample() -> Dataset:
    dataset, report = validate_dataset(SAMPLE)
    assert dataset is not None, report.to_text()
    return dataset


@pytest.fixture(scope="module")
def listed(sample: Dataset) -> Shortlist:
    result = score(sample, load_criteria(ROOT / "criteria" / "hai_chan_ba_mui.yaml"), 2024)
    return shortlist(sample, result, rating_report(sample, 2024).ratings)


def test_proposals_respect_quota_rating_and_rules(listed: Shortlist) -> None:
    table = listed.table
    yearly = table[table["loai"] == "Hằng năm"]
    chosen = yearly[yearly["de_nghi"]]
    assert not chosen.empty
    assert (chosen["xep_loai"] == "HTXSNV").all()
    per_group = chosen.groupby(["khen_thuong", "nhom"]).agg(n=("ma", "size"), quota=("chi_tieu", "max"))
    assert (per_group["n"] <= per_group["quota"]).all()
    assert chosen["ly_do"].str.startswith("Được đề nghị: Xếp loại «Hoàn thành xuất sắc nhiệm vụ» năm 2024").all()
    missed = yearly[~yearly["de_nghi"]]
    assert missed["ly_do"].str.match(r"^(Ngoài chỉ tiêu|Không đủ điều kiện theo quy định xếp loại): ").all()
    # within a group, every proposal scores at least as much as every candidate left out for quota
    out = missed[missed["ly_do"].str.startswith("Ngoài chỉ tiêu")]
    lowest_in = chosen.groupby(["khen_thuong", "nhom"])["tong_diem"].min()
    highest_out = out.groupby(["khen_thuong", "nhom"])["tong_diem"].max()
    both = lowest_in.to_frame("in").join(highest_out.to_frame("out"), how="inner")
    assert (both["in"] >= both["out"]).all()


def test_quota_is_taken_from_the_whole_group_not_only_its_candidates(sample: Dataset, listed: Shortlist) -> None:
    """The quota counts every member (or unit) of the emulation group, HTXSNV or not: 2% of the group's
    members, at least 1 (members); 10% of the group's TCCSĐ, at least 1."""
    result = score(sample, load_criteria(ROOT / "criteria" / "hai_chan_ba_mui.yaml"), 2024)
    awards = {a.id: a for a in listed.awards}
    organisations = result.xep_hang_to_chuc
    same_level = ~organisations["nhom_thi_dua"].astype(str).str.startswith("loai_hinh:")
    tables = {
        "dang_vien_tieu_bieu": result.xep_hang_dang_vien,
        "tccsd_tieu_bieu": organisations[same_level & organisations["cap"].isin(awards["tccsd_tieu_bieu"].levels)],
    }
    for award_id, ranked in tables.items():
        sizes = ranked.groupby(ranked["ten_nhom_thi_dua"].astype(str), observed=True).size()
        rows = listed.table[(listed.table["khen_thuong"] == award_id) & listed.table["chi_tieu"].notna()]
        assert rows["nhom"].nunique() >= 2, award_id  # several groups of different sizes
        expected = [awards[award_id].quota_for(int(sizes[group])) for group in rows["nhom"]]
        assert rows["chi_tieu"].astype(int).tolist() == expected, award_id


def test_vetoed_candidates_are_near_misses_with_the_rule(listed: Shortlist) -> None:
    vetoed = listed.table[listed.table["ly_do"].str.startswith("Không đủ điều kiện")]
    assert not vetoed.empty  # 2024 (QĐ 124): chi bộ HTXSNV without 80% members HTT+, collectives disciplined
    assert not vetoed["de_nghi"].any()
    assert vetoed["ly_do"].str.contains("QĐ|Quy định|Hướng dẫn").all()


def test_ties_at_the_cut_are_broken_by_id_and_said(listed: Shortlist) -> None:
    tied = listed.table[listed.table["ly_do"].str.contains("xét theo mã", regex=False)]
    assert not tied.empty
    for (award, group), rows in tied.groupby(["khen_thuong", "nhom"]):
        inside, outside = rows[rows["de_nghi"]], rows[~rows["de_nghi"]]
        if len(inside) and len(outside):
            assert inside["ma"].max() < outside["ma"].min(), (award, group)


def test_streak_near_misses_name_the_year_that_broke_it(listed: Shortlist) -> None:
    streak = listed.table[listed.table["loai"] == "5 năm liền"]
    assert not streak.empty and not streak["de_nghi"].any()  # the sample starts in 2021: no 5 years up to 2024
    broken = streak[streak["ly_do"].str.startswith("Chưa đạt 5 năm liền")]
    assert broken["ly_do"].str.contains(r"Chuỗi đứt năm 20\d\d|Chưa đủ 5 năm dữ liệu").all()


def test_shortlist_is_deterministic(sample: Dataset, listed: Shortlist) -> None:
    again = shortlist(
        sample,
        score(sample, load_criteria(ROOT / "criteria" / "hai_chan_ba_mui.yaml"), 2024),
        rating_report(sample, 2024).ratings,
    )
    pd.testing.assert_frame_equal(again.table, listed.table)


def test_docx_is_a_party_document(listed: Shortlist, tmp_path: Path) -> None:
    head = Letterhead(
        so="12-DS/ĐUK", dia_danh="Bến Tre", ngay=pd.Timestamp("2025-01-17").date(), nguoi_ky="Nguyễn Văn A"
    )
    content = shortlist_docx(listed, head)
    document = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM 2024" in text
    assert any("ĐẢNG CỘNG SẢN VIỆT NAM" in c for c in cells)
    assert any("Số 12-DS/ĐUK" in c for c in cells)
    assert any("Bến Tre, ngày 17 tháng 01 năm 2025" in c for c in cells)
    assert any("T/M BAN THƯỜNG VỤ" in c for c in cells)
    tables = [t for t in document.tables if t.rows[0].cells[0].text == "STT"]
    assert len(tables) == len(listed.awards) - int(sum(listed.proposed["khen_thuong"].value_counts().reindex(
        [a.id for a in listed.awards]).fillna(0) == 0))  # fmt: skip
    first = tables[0]
    assert [c.text for c in first.rows[0].cells] == ["STT", "Tên tổ chức", "Đơn vị", "Thành tích"]
    assert [r.cells[0].text for r in first.rows[1:4]] == ["1", "2", "3"][: len(first.rows) - 1]
    assert len(tables[0].rows) - 1 + sum(len(t.rows) - 1 for t in tables[1:]) == len(listed.proposed)
    # A4 landscape; the table fits between the margins; header row repeated on each page; Vietnamese
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (29.7, 21.0)
    usable = section.page_width.cm - section.left_margin.cm - section.right_margin.cm
    assert abs(sum(c.width.cm for c in first.columns) - usable) < 0.1
    assert first.rows[0]._tr.trPr.xml.count("tblHeader") == 1
    assert 'w:val="vi-VN"' in document.styles["Normal"].element.xml
    path = tmp_path / "danh_sach.docx"
    path.write_bytes(content)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice không có trên máy này (.ci/run cài gói libreoffice-writer-nogui)")
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=180)  # fmt: skip
    pdf = tmp_path / "danh_sach.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000


def test_xlsx_has_proposals_near_misses_and_method(listed: Shortlist) -> None:
    sheets = pd.read_excel(io.BytesIO(shortlist_xlsx(listed)), sheet_name=None)
    assert list(sheets) == ["Đề nghị khen thưởng", "Không đề nghị (lý do)", "Cách xét"]
    assert len(sheets["Đề nghị khen thưởng"]) == len(listed.proposed)
    assert sheets["Đề nghị khen thưởng"]["STT"].tolist() == list(range(1, len(listed.proposed) + 1))
    assert len(sheets["Không đề nghị (lý do)"]) == len(listed.near_misses)


def test_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    checked = runner.invoke(
        app, ["kiem-tra-xep-loai", str(SAMPLE), "--nam", "2022", "--xuat", str(tmp_path / "k.xlsx")]
    )
    assert checked.exit_code == 1, checked.output  # the sample has ratings the rules do not allow
    assert "Quy định 132-QĐ/TW" in checked.output and "cách đọc" in checked.output
    with pd.ExcelFile(tmp_path / "k.xlsx") as workbook:
        assert "Cần xem lại" in workbook.sheet_names
    none = runner.invoke(app, ["kiem-tra-xep-loai", str(SAMPLE), "--nam", "2017"])
    assert none.exit_code == 1 and "không có quy định xếp loại nào áp dụng cho năm 2017" in none.output
    out = tmp_path / "kt"
    made = runner.invoke(app, ["khen-thuong", str(SAMPLE), "--nam", "2025", "--out", str(out), "--ngay", "2026-01-17"])
    assert made.exit_code == 0, made.output
    assert sorted(p.name for p in out.iterdir()) == [
        "danh_sach_khen_thuong_2025.docx", "danh_sach_khen_thuong_2025.xlsx", "so_ket_2025.docx", "so_ket_2025.xlsx",
    ]  # fmt: skip
    again = runner.invoke(app, ["khen-thuong", str(SAMPLE), "--nam", "2025", "--out", str(out)])
    assert again.exit_code == 2 and "không rỗng" in again.output

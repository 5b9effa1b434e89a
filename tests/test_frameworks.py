"""Scoring frameworks (khung điểm, QĐ 366: 30 + 70 points): the bundled files load and total 100, every
broken variant is reported with its line and key, the framework of each kind is chosen by year, and
`thidua tieu-chi kiem-tra` checks a framework file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scoring.cli import app
from scoring.plans.bundled import frameworks_folder, rules_folder
from scoring.plans.frameworks import (
    FRAME,
    KINDS,
    FrameworkError,
    check_framework,
    frameworks_for_year,
    is_framework_file,
    load_framework,
)

runner = CliRunner()
BUNDLED = sorted(frameworks_folder().glob("*.yaml"))

GOOD = """\
kind: khung_diem
title: Khung thử
document: Quy định 366-QĐ/TW
in_force: {from: 2025}
version: "1"
doi_tuong: dang_vien
groups:
  - id: chung
    title: Nhóm tiêu chí chung
    max: 30
    source: {document: QĐ 366, section: Phụ lục, quote: "30 điểm"}
    lines:
      - id: chung.a
        title: Dòng A
        max: 20
        text: Chấm điều A
        chosen_by: Ban Thường vụ Đảng ủy Khối
        source: {document: QĐ 366, section: Phụ lục, quote: "A"}
      - id: chung.b
        title: Dòng B
        max: 10
        text: Chấm điều B
        source: {document: QĐ 366, section: Phụ lục, quote: "B"}
  - id: nhiem_vu
    title: Nhóm kết quả thực hiện nhiệm vụ
    max: 70
    source: {document: QĐ 366, section: Phụ lục, quote: "70 điểm"}
    lines:
      - id: nhiem_vu.c
        title: Dòng C
        max: 70
        text: Chấm điều C
        source: {document: QĐ 366, section: Phụ lục, quote: "C"}
"""


def write(folder: Path, text: str, name: str = "khung.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, marker: str) -> int:
    """The 1-based line of the first occurrence of `marker` in `text`."""
    return text[: text.index(marker)].count("\n") + 1


# --- the bundled files ----------------------------------------------------------------------------------


def test_the_three_default_frameworks_are_bundled() -> None:
    names = {p.name for p in BUNDLED}
    assert {"dang_vien_2025.yaml", "lanh_dao_quan_ly_2025.yaml", "tap_the_2025.yaml"} <= names


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_a_bundled_framework_loads_and_totals_100(path: Path) -> None:
    framework = load_framework(path)
    assert framework.total == 100
    assert [(g.id, g.max) for g in framework.groups] == [(gid, points) for gid, (points, _) in FRAME.items()]
    for group in framework.groups:
        assert sum(line.max for line in group.lines) == group.max, group.id
        # the points of every line are the Khối's choice (HD 43 mục 7.12), and the file says so
        assert all(line.chosen_by for line in group.lines), group.id
        assert all(line.source.quote for line in group.lines)
    assert framework.in_force(2025) and not framework.in_force(2024)
    assert "LỰA CHỌN CỦA ĐẢNG ỦY KHỐI" in path.read_text(encoding="utf-8")


def test_the_bundled_folder_gives_a_framework_per_kind_from_2025() -> None:
    chosen = frameworks_for_year(2025, frameworks_folder())
    assert {"dang_vien", "lanh_dao_quan_ly", "tap_the_chi_bo", "tap_the_dang_bo"} <= set(chosen)
    assert chosen["tap_the_chi_bo"] is chosen["tap_the_dang_bo"]  # one file for every party organisation
    assert Path(chosen["dang_vien"].path).name == "dang_vien_2025.yaml"
    assert frameworks_for_year(2024, frameworks_folder()) == {}  # QĐ 124 had no 100-point framework


# --- a file and its problems ----------------------------------------------------------------------------


def test_a_good_file_loads(tmp_path: Path) -> None:
    framework = load_framework(write(tmp_path, GOOD))
    assert framework.doi_tuong == ("dang_vien",)
    assert [line.id for line in framework.lines] == ["chung.a", "chung.b", "nhiem_vu.c"]
    assert framework.group("chung").lines[0].chosen_by == "Ban Thường vụ Đảng ủy Khối"
    assert framework.lines[1].line == line_of(GOOD, "- id: chung.b")
    assert is_framework_file(tmp_path / "khung.yaml")


# (variant, text replaced, replacement, marker of the line reported, key, message)
BROKEN = [
    ("chung_25", "    max: 30\n", "    max: 25\n", "max: 25", "nhóm 1 (chung) › max",
     "nhóm tiêu chí chung là 30 điểm theo QĐ 366 (30 + 70 = 100), đang ghi 25"),
    ("nhiem_vu_60", "    max: 70\n", "    max: 60\n", "max: 60", "nhóm 2 (nhiem_vu) › max",
     "nhóm kết quả thực hiện nhiệm vụ là 70 điểm theo QĐ 366 (30 + 70 = 100), đang ghi 60"),
    ("dong_khac_nhom", "        max: 10\n", "        max: 8\n", "    lines:", "nhóm 1 (chung) › lines",
     "các dòng của nhóm «chung» cộng lại 28 điểm, khác 30 điểm của nhóm"),
    ("ma_dong_trung", "- id: chung.b", "- id: chung.a", "- id: chung.a\n        title: Dòng B",
     "nhóm 1 (chung) › dòng 2 (chung.a) › id", "mã dòng «chung.a» đã dùng ở nhóm 1, dòng 1"),
    ("ma_nhom_trung", "  - id: nhiem_vu", "  - id: chung", "  - id: chung\n    title: Nhóm kết quả",
     "nhóm 2 (chung) › id", "nhóm «chung» đã có ở nhóm 1"),
    ("nhom_la", "  - id: nhiem_vu", "  - id: thanh_tich", "  - id: thanh_tich", "nhóm 2 (thanh_tich) › id",
     "nhóm «thanh_tich» không có trong khung QĐ 366"),
    ("thieu_source", '        source: {document: QĐ 366, section: Phụ lục, quote: "B"}\n', "", "- id: chung.b",
     "nhóm 1 (chung) › dòng 2 (chung.b) › source", "thiếu khóa bắt buộc"),
    ("khoa_la_dong", "        text: Chấm điều B\n", "        text: Chấm điều B\n        diem_thuong: 2\n",
     "diem_thuong", "nhóm 1 (chung) › dòng 2 (chung.b) › diem_thuong", "khóa «diem_thuong» không được phép"),
    ("khoa_la_dau_tep", "version: \"1\"\n", "version: \"1\"\nnam: 2025\n", "nam: 2025", "nam",
     "khóa «nam» không được phép"),
    ("diem_chu", "        max: 10\n", "        max: mười\n", "max: mười", "nhóm 1 (chung) › dòng 2 (chung.b) › max",
     "phải là một số điểm"),
    ("diem_dung_sai", "        max: 10\n", "        max: true\n", "max: true",
     "nhóm 1 (chung) › dòng 2 (chung.b) › max", "phải là một số điểm"),
    ("diem_0", "        max: 10\n", "        max: 0\n", "max: 0", "nhóm 1 (chung) › dòng 2 (chung.b) › max",
     "phải > 0"),
    ("doi_tuong_la", "doi_tuong: dang_vien", "doi_tuong: dang_vien_ngoai", "doi_tuong", "doi_tuong",
     "đối tượng «dang_vien_ngoai» không có"),
    ("doi_tuong_rong", "doi_tuong: dang_vien", "doi_tuong: []", "doi_tuong", "doi_tuong",
     "là một mã đối tượng hoặc danh sách mã"),
    ("khoa_la_nhom", "    max: 70\n", "    max: 70\n    diem_cong: 5\n", "diem_cong", "nhóm 2 (nhiem_vu) › diem_cong",
     "khóa «diem_cong» không được phép; các khóa được phép: id, title, max, chosen_by, note, source, lines"),
    ("thieu_nhom", GOOD[GOOD.index("  - id: nhiem_vu") :], "", "groups:", "groups",
     "thiếu nhóm «nhiem_vu» (nhóm kết quả thực hiện nhiệm vụ, 70 điểm)"),
    ("hieu_luc_nguoc", "in_force: {from: 2025}", "in_force: {from: 2025, to: 2024}", "in_force", "in_force",
     "năm bắt đầu hiệu lực (from) sau năm hết hiệu lực (to)"),
]  # fmt: skip


RENAMED = {"ma_nhom_trung", "nhom_la"}


@pytest.mark.parametrize(("name", "old", "new", "marker", "key", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_file_is_reported_with_line_and_key(
    tmp_path: Path, name: str, old: str, new: str, marker: str, key: str, message: str
) -> None:
    assert old in GOOD, name
    text = GOOD.replace(old, new, 1)
    framework, problems = check_framework(write(tmp_path, text))
    assert framework is None
    assert [(p.line, p.key) for p in problems if message in p.message] == [(line_of(text, marker), key)], problems
    # one slip, one message; a group renamed also leaves its own group missing
    others = [p.message for p in problems if message not in p.message]
    assert others == (["thiếu nhóm «nhiem_vu» (nhóm kết quả thực hiện nhiệm vụ, 70 điểm)"] if name in RENAMED else [])
    with pytest.raises(FrameworkError, match="Khung điểm có lỗi"):
        load_framework(tmp_path / "khung.yaml")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = GOOD.replace("    max: 30\n", "    max: 31\n").replace("        max: 10\n", "        max: x\n")
    text = text.replace("doi_tuong: dang_vien", "doi_tuong: [dang_vien, khong_co]")
    _, problems = check_framework(write(tmp_path, text))
    keys = ["doi_tuong", "nhóm 1 (chung) › dòng 2 (chung.b) › max", "nhóm 1 (chung) › max"]
    assert sorted(p.key for p in problems) == keys
    assert all(str(p).startswith(f"{tmp_path / 'khung.yaml'}:") for p in problems)


# --- the framework of each kind, by year ----------------------------------------------------------------


def test_frameworks_are_chosen_by_year(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("{from: 2025}", "{from: 2025, to: 2025}").replace("Khung thử", "Khung 2025"), "a.yaml")
    write(tmp_path, GOOD.replace("{from: 2025}", "{from: 2026}").replace("Khung thử", "Khung 2026"), "b.yaml")
    tap_the = GOOD.replace("doi_tuong: dang_vien", "doi_tuong: [tap_the_chi_bo, tap_the_dang_bo]")
    write(tmp_path, tap_the.replace("Khung thử", "Khung tập thể"), "c.yaml")
    assert frameworks_for_year(2024, tmp_path) == {}
    in_2025 = frameworks_for_year(2025, tmp_path)
    assert {code: f.title for code, f in in_2025.items()} == {
        "dang_vien": "Khung 2025", "tap_the_chi_bo": "Khung tập thể", "tap_the_dang_bo": "Khung tập thể"
    }  # fmt: skip
    assert frameworks_for_year(2030, tmp_path)["dang_vien"].title == "Khung 2026"
    assert frameworks_for_year(2025, tmp_path / "c.yaml").keys() == {"tap_the_chi_bo", "tap_the_dang_bo"}


def test_two_frameworks_for_one_kind_and_year_are_refused(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD.replace("doi_tuong: dang_vien", "doi_tuong: [ngoai_he_thong, dang_vien]"), "b.yaml")
    with pytest.raises(FrameworkError) as error:
        frameworks_for_year(2026, tmp_path)
    [problem] = error.value.problems
    assert "a.yaml (từ năm 2025 trở đi), b.yaml (từ năm 2025 trở đi)" in problem.message
    assert f"«{KINDS['dang_vien'].label}» (dang_vien)" in problem.message


def test_a_folder_file_that_is_not_a_framework_is_reported(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    rules = next(iter(sorted(rules_folder().glob("*.yaml"))))
    write(tmp_path, rules.read_text(encoding="utf-8"), "quy_dinh.yaml")
    write(tmp_path, "kind: khung_diem\ntitle: [chưa đóng\n", "hong.yaml")
    write(tmp_path, GOOD.replace("max: 70\n    source", "max: 69\n    source"), "sai.yaml")
    with pytest.raises(FrameworkError) as error:
        frameworks_for_year(2025, tmp_path)
    found = {Path(p.file).name: p for p in error.value.problems}
    assert set(found) == {"quy_dinh.yaml", "hong.yaml", "sai.yaml"}
    assert "đây là tệp quy định xếp loại" in found["quy_dinh.yaml"].message
    assert "kind: khung_diem" in found["quy_dinh.yaml"].message
    assert "YAML sai cú pháp" in found["hong.yaml"].message
    assert not is_framework_file(tmp_path / "quy_dinh.yaml") and not is_framework_file(tmp_path / "hong.yaml")
    with pytest.raises(FrameworkError, match="không tìm thấy thư mục"):
        frameworks_for_year(2025, tmp_path / "khong_co")


# --- thidua tieu-chi kiem-tra ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_check_command_accepts_a_bundled_framework(path: Path) -> None:
    result = runner.invoke(app, ["tieu-chi", "kiem-tra", str(path)])
    assert result.exit_code == 0, result.output
    assert "Tệp khung điểm hợp lệ" in result.output and "Tổng: 100 điểm" in result.output
    assert "Nhóm tiêu chí chung (chung): 30 điểm" in result.output
    assert "* điểm do cấp ủy chọn: Ban Thường vụ Đảng ủy Khối" in result.output


def test_check_command_reports_a_broken_framework(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("        max: 10\n", "        max: 12\n"))
    result = runner.invoke(app, ["tieu-chi", "kiem-tra", str(path)])
    assert result.exit_code == 1, result.output
    assert "Tệp khung điểm có lỗi (1)" in result.output
    assert f"khung.yaml:{line_of(GOOD, '    lines:')}: nhóm 1 (chung) › lines: các dòng" in result.output

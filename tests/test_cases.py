"""The YAML cases of the bundled plans and rating rules (criteria/cases), run through the library as
`thidua tieu-chi kiem-thu` runs them; tests/cases holds the cases of a test-only plan (the formula language).
Also: what the runner says when a case fails, one broken case file per error kind, and the command."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scoring.cases.run import (
    Case,
    CaseFileError,
    CaseResult,
    RuleSeen,
    check_case_file,
    load_case_files,
    run_case,
    run_cases,
)
from scoring.cli import app
from scoring.plans.bundled import cases_folder, plans_folder, rules_folder
from scoring.plans.loader import load_criteria
from scoring.plans.rating_rules import is_rules_file, load_rules
from tests.conftest import ROOT

LANGUAGE_CASES = ROOT / "tests" / "cases"
CASES = load_case_files([cases_folder(), LANGUAGE_CASES])
_RESULTS: dict[int, CaseResult] = {}
runner = CliRunner()


def _result(index: int) -> CaseResult:
    if index not in _RESULTS:
        _RESULTS[index] = run_case(CASES[index])
    return _RESULTS[index]


@pytest.mark.parametrize("index", range(len(CASES)), ids=[f"{c.file.stem}: {c.name}" for c in CASES])
def test_case(index: int) -> None:
    result = _result(index)
    assert result.passed, f"{result.case.where}\n" + "\n".join(result.failures)


def test_there_are_cases() -> None:
    assert len(CASES) >= 20


def test_every_rule_has_a_case_where_it_applies_and_one_where_it_does_not() -> None:
    """Read from what the cases asserted and found so («quy_tac_ap_dung», «quy_tac_khong_ap_dung»)."""
    seen = {s for i, case in enumerate(CASES) if case.spec.kiem_tra_xep_loai for s in _result(i).rules_seen}
    files = [f for f in sorted(rules_folder().glob("*.yaml")) if is_rules_file(f)]
    assert len(files) >= 3
    lacking = [
        f"{file.name} {rule.id}: không có tình huống {'áp dụng' if applies else 'không áp dụng'}"
        for file in files
        for rule in load_rules(file).rules
        for applies in (True, False)
        if RuleSeen(file.name, rule.id, applies) not in seen
    ]
    assert not lacking, "\n".join(lacking)


@pytest.mark.parametrize("plan", ["nq34_vcci.yaml", "chi_bo_4_tot.yaml", "kl21_dang_uy_khoi.yaml",
                                  "kl21_cong_doan.yaml", "tuyen_truyen_2022.yaml"])  # fmt: skip
def test_every_criterion_of_a_plan_has_a_case_meeting_it_and_one_missing_it(plan: str) -> None:
    """criteria/cases/<plan>.yaml holds, for every criterion, a unit that meets it and one that does not
    (the Hai chân – Ba mũi cases are split by level across the other case files)."""
    criteria = load_criteria(plans_folder() / plan)
    verdicts: dict[str, set[bool | None]] = {}
    for case in load_case_files([cases_folder() / plan]):
        assert case.plan.resolve() == (plans_folder() / plan).resolve(), case.name
        for want in case.spec.ket_qua:
            verdicts.setdefault(want.tieu_chi, set()).add(want.dat)
    lacking = [c.id for c in criteria.criteria if not {True, False} <= verdicts.get(c.id, set())]
    assert not lacking, lacking


# --- a case that fails says what differs, in words ------------------------------------------------

CHI_BO_96 = """
tieu_chi: {plan}
tinh_huong:
- ten: Chi bộ có 24/25 đảng viên hoàn thành tốt
  nam: 2024
  to_chuc:
    - {{ma: K, cap: cap_tren_co_so}}
    - {{ma: CB1, cap: chi_bo_co_so, cap_tren: K}}
  dang_vien:
    - {{chi_bo: CB1, so_luong: 24}}
    - {{chi_bo: CB1, xep_loai: HTNV}}
  ket_qua:
    - {{ma: CB1, tieu_chi: mui1.chi_bo_dv_htt_96, gia_tri: {value}, dat: true}}
"""


def _write(folder: Path, text: str, name: str = "cua_toi.yaml") -> Path:
    file = folder / name
    file.write_text(text, encoding="utf-8")
    return file


def test_a_failing_case_says_value_expectation_and_explanation(tmp_path: Path) -> None:
    file = _write(tmp_path, CHI_BO_96.format(plan="hai_chan_ba_mui.yaml", value=0.95))
    [result] = run_cases([file])
    assert not result.passed
    [failure] = result.failures
    assert failure.startswith("CB1 / mui1.chi_bo_dv_htt_96: giá trị 0,96, mong đợi 0,95 — 24/25 đảng viên (96%)")


def test_a_failing_rating_case_says_what_the_rules_allowed(tmp_path: Path) -> None:
    text = """
quy_dinh: qd132_2018.yaml
tinh_huong:
- ten: Đảng viên bị kỷ luật
  nam: 2021
  to_chuc:
    - {ma: K, cap: cap_tren_co_so}
    - {ma: CB1, cap: chi_bo_co_so, cap_tren: K}
  dang_vien:
    - {chi_bo: CB1, so_luong: 3}
    - {chi_bo: CB1, vi_pham: true}
  kiem_tra_xep_loai:
    - {ma: CB1-4, muc_duoc_phep: HTNV, quy_tac_khong_ap_dung: [dang_vien.ky_luat, tap_the.ky_luat, khong_co]}
    - {ma: CB1-1, ket_luan: Cao hơn mức cho phép, quy_tac_ap_dung: [dang_vien.ky_luat]}
"""
    [result] = run_cases([_write(tmp_path, text)])
    first, second = result.failures
    assert first.startswith("CB1-4: mức được phép «KHTNV», mong đợi «HTNV»")
    assert "quy tắc «dang_vien.ky_luat» áp dụng, mong đợi không áp dụng" in first
    assert "quy tắc «tap_the.ky_luat» không xét đảng viên" in first
    assert "qd132_2018.yaml không có quy tắc «khong_co»" in first
    assert "căn cứ: Đảng viên bị kỷ luật trong năm" in first
    assert "kết luận «Đúng quy định», mong đợi «Cao hơn mức cho phép»" in second
    assert "quy tắc «dang_vien.ky_luat» không áp dụng, mong đợi áp dụng" in second
    assert result.rules_seen == ()  # nothing asserted held: no coverage claimed


@pytest.mark.parametrize(
    "plan", ["nq34_vcci.yaml", "criteria/nq34_vcci.yaml", "ke_hoach_rieng.yaml"]
)  # bundled by name, the old form, beside the case file
def test_the_plan_is_sought_beside_the_case_file_then_among_the_bundled_ones(tmp_path: Path, plan: str) -> None:
    _write(tmp_path, (plans_folder() / "nq34_vcci.yaml").read_text(encoding="utf-8"), "ke_hoach_rieng.yaml")
    [case] = load_case_files([_write(tmp_path, CHI_BO_96.format(plan=plan, value=0.96))])
    expected = tmp_path / plan if plan == "ke_hoach_rieng.yaml" else plans_folder() / "nq34_vcci.yaml"
    assert case.plan.resolve() == expected.resolve()


def test_the_example_of_the_criteria_readme_runs(tmp_path: Path) -> None:
    readme = (ROOT / "criteria" / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Tình huống kiểm thử") :]
    example = section[section.index("```yaml\n") + len("```yaml\n") : section.index("```\n\nCác khóa")]
    [result] = run_cases([_write(tmp_path, example)])
    assert result.passed, result.failures


# --- broken case files: every problem with file, line and key, in Vietnamese ----------------------

BROKEN = {
    "cu_phap": ('tinh_huong:\n- ten: "chưa đóng\n  nam: 2024\n', ["YAML sai cú pháp"]),
    "danh_sach_cu": ("- ten: A\n  nam: 2024\n", [":1:", "dưới khóa «tinh_huong:»"]),
    "thieu_ten": (
        "tinh_huong:\n- nam: 2024\n  to_chuc: [{ma: K, cap: cap_tren_co_so}]\n  khong_co: [X]\n",
        [":2: tình huống 1 › ten: thiếu khóa bắt buộc"],
    ),
    "khoa_la": (
        "tinh_huong:\n- ten: A\n  nam: 2024\n  to_chuc: [{ma: K, cap: cap_tren_co_so}]\n  khong_co: [X]\n"
        "  ket_qa: []\n",
        [":6: tình huống 1 › ket_qa: khóa «ket_qa» không được phép; các khóa được phép: ten, nam"],
    ),
    "cot_la": (
        "tinh_huong:\n- ten: A\n  nam: 2024\n  to_chuc: [{ma: K, cap: cap_tren_co_so}]\n  khong_co: [X]\n"
        "  dang_vien:\n    - {chi_bo: K, diem_la: 3}\n",
        [":7: tình huống 1 › dang_vien › mục 1: khóa «diem_la» không phải cột của bảng Đảng viên"],
    ),
    "ket_luan_la": (
        "tinh_huong:\n- ten: A\n  nam: 2024\n  to_chuc: [{ma: K, cap: cap_tren_co_so}]\n"
        "  kiem_tra_xep_loai:\n    - {ma: K, ket_luan: Sai}\n",
        ["kiem_tra_xep_loai › mục 1 › ket_luan: kết luận «Sai» không có; dùng một trong: «Đúng quy định»"],
    ),
    "khong_co_ke_hoach": (
        "tieu_chi: khong_co.yaml\ntinh_huong:\n- ten: A\n  nam: 2024\n  to_chuc: [{ma: K, cap: cap_tren_co_so}]\n"
        "  khong_co: [X]\n",
        [":1: tieu_chi: không tìm thấy tệp tiêu chí «khong_co.yaml»"],
    ),
    "khong_kiem_tra_gi": (
        "tinh_huong:\n- ten: A\n  nam: 2024\n  to_chuc: [{ma: K, cap: cap_tren_co_so}]\n",
        [":2: tình huống 1: tình huống không kiểm tra điều gì"],
    ),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_case_file(tmp_path: Path, kind: str) -> None:
    text, fragments = BROKEN[kind]
    file = _write(tmp_path, text, f"{kind}.yaml")
    cases, problems = check_case_file(file)
    assert not cases
    shown = "\n".join(str(p) for p in problems)
    assert all(str(file) in str(p) for p in problems)
    for fragment in fragments:
        assert fragment in shown, shown
    with pytest.raises(CaseFileError, match="Tệp tình huống có lỗi"):
        load_case_files([file])


# --- thidua tieu-chi kiem-thu --------------------------------------------------------------------


def test_command_runs_the_bundled_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command finds the bundled case files, checks each, runs every case through `run_case` and sums
    up. A case `test_case` above already ran (equal: the same file, line and contents) gives back that
    result rather than being scored a second time; `run_case` reads nothing but its case and its files."""
    index = {(c.file.resolve(), c.line): i for i, c in enumerate(CASES)}

    def remembered(case: Case) -> CaseResult:
        i = index.get((case.file.resolve(), case.line))
        if i is not None and i in _RESULTS and CASES[i] == case:
            return _RESULTS[i]
        return run_case(case)

    monkeypatch.setattr("scoring.cases.run.run_case", remembered)
    result = runner.invoke(app, ["tieu-chi", "kiem-thu"])
    assert result.exit_code == 0, result.output
    bundled = len(load_case_files([cases_folder()]))
    assert f"{bundled} tình huống: {bundled} đạt, 0 không đạt" in result.output
    assert "✓ Chi bộ có 24/25 đảng viên hoàn thành tốt trở lên thì đạt tiêu chí 96%" in result.output


def test_command_on_a_failing_case_exits_1_and_says_why(tmp_path: Path) -> None:
    _write(tmp_path, CHI_BO_96.format(plan="hai_chan_ba_mui.yaml", value=0.95))
    _write(tmp_path, CHI_BO_96.format(plan="hai_chan_ba_mui.yaml", value=0.96), "dung.yaml")
    result = runner.invoke(app, ["tieu-chi", "kiem-thu", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "✗ Chi bộ có 24/25 đảng viên hoàn thành tốt" in result.output
    assert "CB1 / mui1.chi_bo_dv_htt_96: giá trị 0,96, mong đợi 0,95 — 24/25 đảng viên" in result.output
    assert "2 tình huống: 1 đạt, 1 không đạt" in result.output


def test_command_on_a_broken_case_file_exits_1_with_file_and_line(tmp_path: Path) -> None:
    text, _ = BROKEN["thieu_ten"]
    file = _write(tmp_path, text)
    result = runner.invoke(app, ["tieu-chi", "kiem-thu", str(file)])
    assert result.exit_code == 1, result.output
    assert f"{file}:2: tình huống 1 › ten: thiếu khóa bắt buộc" in result.output
    assert "1 tệp tình huống có lỗi" in result.output


def test_command_on_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["tieu-chi", "kiem-thu", str(tmp_path / "khong_co.yaml")])
    assert result.exit_code == 2
    assert "không tìm thấy" in result.output


def test_command_keeps_its_english_name(tmp_path: Path) -> None:
    file = _write(tmp_path, CHI_BO_96.format(plan="hai_chan_ba_mui.yaml", value=0.96))
    result = runner.invoke(app, ["criteria", "test", str(file), str(LANGUAGE_CASES)])
    assert result.exit_code == 0, result.output
    assert "5 tình huống: 5 đạt, 0 không đạt" in result.output

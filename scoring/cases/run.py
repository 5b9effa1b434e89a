"""Run the YAML cases of plans and rating rules in the library, so an office editing those files can check them too."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from scoring.cases.file import (
    Case,
    CaseFileError,
    CriterionExpect,
    RatingExpect,
    case_files,
    case_tables,
    check_case_file,
    load_case_files,
)
from scoring.domain.codes import CAP
from scoring.domain.numbers import format_number
from scoring.engine.rating import check_ratings
from scoring.engine.score import ScoreResult, ScoringError, score
from scoring.input.dataset import Dataset, dataset_from_frames
from scoring.input.report import ValidationReport
from scoring.plans.bundled import rules_folder
from scoring.plans.loader import check_criteria
from scoring.plans.model import CriteriaSet
from scoring.plans.rating_rules import RulesError, RuleSet, check_rules, rules_for_year
from scoring.plans.yaml_source import Problem

__all__ = [
    "Case",
    "CaseFileError",
    "CaseResult",
    "RuleSeen",
    "case_files",
    "case_tables",
    "check_case_file",
    "load_case_files",
    "run_case",
    "run_cases",
]


class RuleSeen(NamedTuple):
    """A case asserted that a rule of a rules file applies (or does not) to someone, and it held."""

    rules_file: str
    rule: str
    applies: bool


@dataclass(frozen=True)
class CaseResult:
    """One case run: what differed from the expectations, as Vietnamese sentences (none: passed)."""

    case: Case
    failures: tuple[str, ...]
    rules_seen: tuple[RuleSeen, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.failures


def run_cases(paths: Iterable[str | Path]) -> list[CaseResult]:
    """Every case of the files (folders: their *.yaml files); CaseFileError if a file cannot be read."""
    return [run_case(case) for case in load_case_files(paths)]


def run_case(case: Case) -> CaseResult:
    """Build the case's dataset, score it under its plan if it expects criteria, totals or ranks, judge its
    ratings under its rules if it expects that, and say in words what differs."""
    dataset, report = dataset_from_frames(case_tables(case), source=case.name)
    if dataset is None:
        return CaseResult(case, tuple(_data_errors(report)))
    spec = case.spec
    failures: list[str] = []
    seen: list[RuleSeen] = []
    if spec.ket_qua or spec.tong_diem or spec.xep_hang or spec.khong_co:
        failures += _check_plan(case, dataset)
    if spec.kiem_tra_xep_loai:
        wrong, seen = _check_ratings(case, dataset)
        failures += wrong
    return CaseResult(case, tuple(failures), tuple(seen))


def _data_errors(report: ValidationReport) -> list[str]:
    failures = []
    for row in report.errors.to_dict("records"):
        where = [f"bảng {row['trang_tinh']}"]
        where += [f"dòng {row['dong']}"] if not pd.isna(row["dong"]) else []
        where += [f"cột {row['cot']}"] if isinstance(row["cot"], str) and row["cot"] else []
        failures.append(f"số liệu của tình huống có lỗi — {', '.join(where)}: {row['van_de']}")
    return failures


# --- plans --------------------------------------------------------------------------------------


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


@lru_cache(maxsize=32)
def _plan(path: Path, stamp: int) -> tuple[CriteriaSet | None, tuple[Problem, ...]]:
    criteria, problems = check_criteria(path)
    return criteria, tuple(problems)


@lru_cache(maxsize=32)
def _rules(path: Path, stamp: int) -> tuple[RuleSet | None, tuple[Problem, ...]]:
    rules, problems = check_rules(path)
    return rules, tuple(problems)


def _check_plan(case: Case, dataset: Dataset) -> list[str]:
    criteria, problems = _plan(case.plan, _stamp(case.plan))
    if criteria is None:
        return [f"tệp tiêu chí có lỗi: {p}" for p in problems]
    try:
        result = score(dataset, criteria, case.year)
    except ScoringError as exc:
        return [f"không chấm được: {exc}"]
    spec = case.spec
    failures: list[str] = []
    if spec.ket_qua:
        table = result.ket_qua_tieu_chi
        rows = table.set_index([table["ma"].astype(str), table["ma_tieu_chi"].astype(str)])
        known = {c.id for c in criteria.criteria}
        failures += [f for want in spec.ket_qua if (f := _criterion(want, rows, known, case.year))]
    if spec.khong_co:
        scored = set(result.ket_qua_tieu_chi["ma"].astype(str))
        ranked = set(result.xep_hang_to_chuc["ma_to_chuc"].astype(str))
        for ma in spec.khong_co:
            if ma in scored or ma in ranked:
                done = "được chấm" if ma in scored else "được xếp hạng"
                failures.append(f"{ma}: vẫn {done} năm {case.year}, mong đợi không có trong năm")
    totals = result.tong_diem.set_index(result.tong_diem["ma"].astype(str))["tong_diem"]
    for ma, points in spec.tong_diem.items():
        if ma not in totals.index:
            failures.append(f"{ma}: không có tổng điểm năm {case.year}")
        elif not _close(totals[ma], points):
            failures.append(f"{ma}: tổng điểm {_number(totals[ma])}, mong đợi {_number(points)}")
    if spec.xep_hang:
        failures += _ranks(case, result)
    return failures


def _criterion(want: CriterionExpect, rows: pd.DataFrame, known: set[str], year: int) -> str | None:
    where = f"{want.ma} / {want.tieu_chi}"
    if want.tieu_chi not in known:
        return f"{where}: tệp tiêu chí không có tiêu chí này"
    if (want.ma, want.tieu_chi) not in rows.index:
        return f"{where}: không có kết quả (không có trong năm {year}, hoặc không thuộc cấp của tiêu chí)"
    got = rows.loc[[(want.ma, want.tieu_chi)]].iloc[0]
    given = want.model_fields_set
    wrong: list[str] = []
    if "gia_tri" in given and not _close(got["gia_tri"], want.gia_tri, rel=0.0):
        wrong.append(f"giá trị {_number(got['gia_tri'])}, mong đợi {_number(want.gia_tri)}")
    met = None if pd.isna(got["dat"]) else bool(got["dat"])
    if "dat" in given and met != want.dat:
        wrong.append(f"kết luận {_verdict(met)}, mong đợi {_verdict(want.dat)}")
    if "diem" in given and not _close(got["diem"], want.diem):
        wrong.append(f"điểm {_number(got['diem'])}, mong đợi {_number(want.diem)}")
    explanation = str(got["giai_thich"])
    wrong += [f"câu giải thích không có «{fragment}»" for fragment in want.giai_thich if fragment not in explanation]
    return f"{where}: {'; '.join(wrong)} — {explanation}" if wrong else None


def _ranks(case: Case, result: ScoreResult) -> list[str]:
    ranks = pd.concat(
        [
            result.xep_hang_to_chuc.rename(columns={"ma_to_chuc": "ma"}),
            result.xep_hang_dang_vien.rename(columns={"ma_dang_vien": "ma"}),
        ]
    )
    ranks = ranks.assign(ma=ranks["ma"].astype(str), nhom_thi_dua=ranks["nhom_thi_dua"].astype(str))
    failures: list[str] = []
    for want in case.spec.xep_hang:
        got = ranks[(ranks["ma"] == want.ma) & (ranks["nhom_thi_dua"] == want.nhom)]
        if len(got) != 1:
            groups = ", ".join(ranks.loc[ranks["ma"] == want.ma, "nhom_thi_dua"]) or "không có nhóm nào"
            failures.append(f"{want.ma}: không được xếp hạng trong nhóm «{want.nhom}» (các nhóm: {groups})")
            continue
        row = got.iloc[0]
        wrong = [
            f"{key} {_number(row[key])}, mong đợi {_number(getattr(want, key))}"
            for key in ("thu_hang", "khoang_cach_dien_hinh", "thu_hang_nam_truoc")
            if key in want.model_fields_set and not _close(row[key], getattr(want, key))
        ]
        if wrong:
            failures.append(f"{want.ma} / {want.nhom}: {'; '.join(wrong)} — tổng điểm {_number(row['tong_diem'])}")
    return failures


# --- rating rules -------------------------------------------------------------------------------


def _rules_of(case: Case) -> tuple[RuleSet | None, list[str]]:
    if case.rules is None:
        try:
            return rules_for_year(case.year, rules_folder()), []
        except RulesError as exc:
            return None, [f"quy định xếp loại: {p}" for p in exc.problems]
    rules, problems = _rules(case.rules, _stamp(case.rules))
    if rules is None:
        return None, [f"tệp quy định có lỗi: {p}" for p in problems]
    if not rules.in_force(case.year):
        return None, [f"{case.rules.name} không áp dụng cho năm {case.year} (hiệu lực {rules.years})"]
    return rules, []


def _check_ratings(case: Case, dataset: Dataset) -> tuple[list[str], list[RuleSeen]]:
    rules, failures = _rules_of(case)
    if rules is None:
        return failures, []
    check = check_ratings(dataset, rules, case.year)
    members = check.members.set_index(check.members["ma_dang_vien"].astype(str))
    units = check.units.set_index(check.units["ma_to_chuc"].astype(str))
    seen: list[RuleSeen] = []
    for want in case.spec.kiem_tra_xep_loai:
        if want.ma in members.index:
            row, level = members.loc[[want.ma]].iloc[0], "dang_vien"
        elif want.ma in units.index:
            row = units.loc[[want.ma]].iloc[0]
            level = str(row["cap"])
        else:
            failures.append(f"{want.ma}: không có trong kết quả kiểm tra xếp loại năm {case.year}")
            continue
        wrong = _rating(want, row, level, rules, seen)
        if wrong:
            fired = str(row["quy_tac_ap_dung"]) or "không có"
            grounds = f"; căn cứ: {row['can_cu']}" if str(row["can_cu"]) else ""
            shown = str(row["xep_loai"]) or "trống"
            failures.append(
                f"{want.ma}: {'; '.join(wrong)} — xếp loại {shown}, {row['ket_luan']}, được phép "
                f"{row['muc_duoc_phep']}; quy tắc áp dụng: {fired}{grounds}"
            )
    return failures, seen


def _rating(want: RatingExpect, row: pd.Series, level: str, rules: RuleSet, seen: list[RuleSeen]) -> list[str]:
    """What differs for one member or organisation; the rule assertions that held are added to `seen`."""
    wrong = [
        f"{label} «{row[key]}», mong đợi «{getattr(want, key)}»"
        for key, label in (
            ("xep_loai_theo_diem", "xếp loại theo điểm"),
            ("muc_duoc_phep", "mức được phép"),
            ("muc_cao_nhat", "mức cao nhất"),
            ("ket_luan", "kết luận"),
        )
        if getattr(want, key) is not None and str(row[key]) != getattr(want, key)
    ]
    wrong += [f"căn cứ không có «{fragment}»" for fragment in want.can_cu if fragment not in str(row["can_cu"])]
    fired = set(str(row["quy_tac_ap_dung"]).split("; "))
    unknown = set(str(row["chua_kiem_tra"]).split("; "))
    file = Path(rules.path).name
    by_id = {rule.id: rule for rule in rules.rules}
    who = "đảng viên" if level == "dang_vien" else CAP.labels.get(level, level).lower()
    named = [*want.quy_tac_ap_dung, *want.quy_tac_khong_ap_dung, *want.chua_kiem_tra]
    for rule_id in dict.fromkeys(named):
        if rule_id not in by_id:
            wrong.append(f"{file} không có quy tắc «{rule_id}»")
        elif level not in by_id[rule_id].levels:
            wrong.append(f"quy tắc «{rule_id}» không xét {who}")
    for rule_id in want.chua_kiem_tra:
        if rule_id in by_id and rule_id not in unknown:
            wrong.append(f"quy tắc «{rule_id}» đã kiểm tra được, mong đợi chưa kiểm tra được (thiếu số liệu)")
    for rule_id, applies in [(i, True) for i in want.quy_tac_ap_dung] + [
        (i, False) for i in want.quy_tac_khong_ap_dung
    ]:
        if rule_id not in by_id or level not in by_id[rule_id].levels:
            continue
        if applies and rule_id not in fired:
            wrong.append(f"quy tắc «{rule_id}» không áp dụng, mong đợi áp dụng")
        elif not applies and rule_id in fired:
            wrong.append(f"quy tắc «{rule_id}» áp dụng, mong đợi không áp dụng")
        elif not applies and rule_id in unknown:
            wrong.append(f"quy tắc «{rule_id}» chưa kiểm tra được (thiếu số liệu), mong đợi không áp dụng")
        else:
            seen.append(RuleSeen(file, rule_id, applies))
    return wrong


# --- words --------------------------------------------------------------------------------------


def _close(got: Any, want: float | None, rel: float = 1e-6) -> bool:
    if want is None or pd.isna(got):
        return want is None and bool(pd.isna(got))
    return math.isclose(float(got), want, rel_tol=rel, abs_tol=1e-9)


def _number(value: Any) -> str:
    if value is None or pd.isna(value):
        return "trống (không đủ dữ liệu)"
    return format_number(float(value), 10)


def _verdict(met: bool | None) -> str:
    return "không đủ dữ liệu" if met is None else ("đạt" if met else "chưa đạt")

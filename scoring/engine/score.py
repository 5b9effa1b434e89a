"""`score(dataset, criteria, year)`: every criterion of every level for every entity of the year."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.criteria.model import LEVEL_ORDER, CriteriaSet, Criterion
from scoring.dataset import Dataset
from scoring.engine import explain
from scoring.engine.evaluate import Evaluator, Rows, active_unit_rows, member_rows
from scoring.engine.rank import rank_members, rank_organisations
from scoring.engine.verdict import MET, NOT_APPLICABLE, Verdict, judge
from scoring.engine.year import YearData

RESULT_COLUMNS = [
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
    "gia_tri_hien_thi",
    "nhom",
]


class ScoringError(Exception):
    """Scoring cannot start (a year the data does not hold, …); the message is Vietnamese."""


@dataclass
class ScoreResult:
    """The three tables of `thidua score`, and what produced them."""

    nam: int
    criteria: CriteriaSet
    ket_qua_tieu_chi: pd.DataFrame
    xep_hang_to_chuc: pd.DataFrame
    xep_hang_dang_vien: pd.DataFrame
    tong_diem: pd.DataFrame  # one row per scored entity: cap, ma, tong_diem, so_tieu_chi_dat, so_tieu_chi


@dataclass
class _LevelScore:
    """Per entity of a level: `total` is the score scaled to the level's maximum (criteria that do
    not apply are left out, so exempt members and first years are not penalised); `earned` and
    `applicable_max` are the raw points behind it."""

    level: str
    rows: Rows
    ids: np.ndarray
    total: np.ndarray
    met: np.ndarray
    n_criteria: int
    max_points: float
    earned: np.ndarray
    applicable_max: np.ndarray


def score(dataset: Dataset, criteria: CriteriaSet, year: int) -> ScoreResult:
    """Score `year`; the previous year (if the data has it) gives trends and rank changes."""
    if year not in dataset.years:
        held = ", ".join(str(y) for y in dataset.years) or "không có năm nào"
        raise ScoringError(f"Dữ liệu không có năm {year}; các năm có: {held}.")
    table, levels = _score_year(dataset, criteria, year, explain_rows=True)
    previous: list[_LevelScore] | None = None
    if year - 1 in dataset.years:
        previous = _score_year(dataset, criteria, year - 1, explain_rows=False)[1]
    orgs = [lv for lv in levels if lv.level != "dang_vien"]
    members = next((lv for lv in levels if lv.level == "dang_vien"), None)
    prev_orgs = [lv for lv in previous if lv.level != "dang_vien"] if previous else None
    prev_members = next((lv for lv in previous if lv.level == "dang_vien"), None) if previous else None
    totals = (
        pd.concat(
            [
                pd.DataFrame(
                    {
                        "cap": lv.level,
                        "ma": lv.ids,
                        "tong_diem": lv.total,
                        "so_tieu_chi_dat": lv.met,
                        "so_tieu_chi": lv.n_criteria,
                        "diem_toi_da": lv.max_points,
                        "diem_dat_duoc": lv.earned,
                        "diem_toi_da_ap_dung": lv.applicable_max,
                    }
                )
                for lv in levels
            ],
            ignore_index=True,
        )
        if levels
        else pd.DataFrame(columns=["cap", "ma", "tong_diem", "so_tieu_chi_dat", "so_tieu_chi", "diem_toi_da"])
    )
    return ScoreResult(
        nam=year,
        criteria=criteria,
        ket_qua_tieu_chi=table,
        xep_hang_to_chuc=rank_organisations(dataset, year, orgs, prev_orgs),
        xep_hang_dang_vien=rank_members(dataset, year, members, prev_members),
        tong_diem=totals,
    )


def _score_year(
    dataset: Dataset, criteria: CriteriaSet, year: int, explain_rows: bool
) -> tuple[pd.DataFrame, list[_LevelScore]]:
    data = YearData(dataset, year)
    evaluator = Evaluator(data, YearData(dataset, year - 1))
    chunks: list[dict[str, np.ndarray]] = []
    levels: list[_LevelScore] = []
    for level in LEVEL_ORDER:
        chosen = criteria.for_level(level)
        if not chosen:
            continue
        rows = member_rows(data) if level == "dang_vien" else active_unit_rows(data, (level,))
        ids = data.member_ids if level == "dang_vien" else data.org_ids[rows.index]
        earned_total = np.zeros(len(rows))
        applicable_max = np.zeros(len(rows))
        met_total = np.zeros(len(rows), dtype=np.int64)
        for criterion in chosen:
            verdict = judge(criterion, rows, evaluator)
            earned_total += verdict.earned
            applicable_max += np.where(verdict.state == NOT_APPLICABLE, 0.0, criterion.points)
            met_total += verdict.state == MET
            if explain_rows:
                chunks.append(_rows_of(criterion, level, year, ids, rows, verdict, evaluator))
        level_max = float(sum(c.points for c in chosen))
        total = np.clip(earned_total, 0.0, applicable_max)
        with np.errstate(invalid="ignore", divide="ignore"):
            scaled = np.where(applicable_max > 0, total / applicable_max * level_max, 0.0)
        # scaled to the level's maximum and rounded to 2 decimals ("quy đổi thang 100"): ties are exact
        levels.append(
            _LevelScore(
                level,
                rows,
                ids,
                np.round(scaled, 2),
                met_total,
                len(chosen),
                level_max,
                np.round(total, 9),
                applicable_max,
            )
        )
    table = _long_table(chunks) if chunks else pd.DataFrame(columns=RESULT_COLUMNS)
    return table, levels


def _long_table(chunks: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """One frame built once from the per-criterion column arrays."""
    columns = {name: np.concatenate([chunk[name] for chunk in chunks]) for name in RESULT_COLUMNS}
    frame = pd.DataFrame(columns)
    frame["dat"] = verdicts(columns["dat"])
    return frame


def verdicts(met: np.ndarray) -> pd.arrays.BooleanArray:
    """1/0/NaN -> True/False/NA ("không đủ dữ liệu")."""
    result = pd.array(met == 1, dtype="boolean")
    result[np.isnan(met)] = pd.NA
    return result


def _rows_of(
    criterion: Criterion,
    level: str,
    year: int,
    ids: np.ndarray,
    rows: Rows,
    verdict: Verdict,
    evaluator: Evaluator,
) -> dict[str, np.ndarray]:
    n = len(rows)
    return {
        "nam": np.full(n, year, dtype=np.int64),
        "cap": np.full(n, level, dtype=object),
        "ma": ids.astype(object),
        "ma_tieu_chi": np.full(n, criterion.id, dtype=object),
        "gia_tri": verdict.value,
        "chi_tieu": np.full(n, criterion.target.describe(), dtype=object),
        "dat": verdict.met,
        "diem": verdict.earned,
        "diem_toi_da": np.where(verdict.state == NOT_APPLICABLE, 0.0, criterion.points),
        "giai_thich": explain.sentences(criterion, rows, verdict, evaluator),
        "gia_tri_hien_thi": explain.format_value(criterion, verdict.value),
        "nhom": np.full(n, criterion.group, dtype=object),
        "trang_thai": verdict.words,
    }

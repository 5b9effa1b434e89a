"""`score(dataset, criteria, year)`: every criterion of every level for every entity of the year."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.criteria.model import LEVEL_ORDER, CriteriaSet, Criterion
from scoring.dataset import Dataset
from scoring.engine import explain
from scoring.engine.evaluate import Evaluator, Rows, member_rows, unit_rows
from scoring.engine.rank import rank_members, rank_organisations
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
    level: str
    rows: Rows
    ids: np.ndarray
    total: np.ndarray
    met: np.ndarray
    n_criteria: int
    max_points: float


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
        rows = member_rows(data) if level == "dang_vien" else unit_rows(data, (level,))
        ids = data.member_ids if level == "dang_vien" else data.org_ids[rows.index]
        earned_total = np.zeros(len(rows))
        met_total = np.zeros(len(rows), dtype=np.int64)
        for criterion in chosen:
            value, previous, met, earned = _criterion(criterion, rows, evaluator)
            earned_total += earned
            met_total += met == 1
            if explain_rows:
                chunks.append(_rows_of(criterion, level, year, ids, rows, value, previous, met, earned, evaluator))
        max_points = float(sum(c.points for c in chosen))
        total = np.clip(earned_total, 0.0, max_points)
        levels.append(_LevelScore(level, rows, ids, total, met_total, len(chosen), max_points))
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


def _criterion(
    criterion: Criterion, rows: Rows, evaluator: Evaluator
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
    """Value, last year's value (trend targets), verdict (1/0/NaN) and points earned."""
    value = evaluator.value(criterion.metric, rows)
    previous = evaluator.previous_value(criterion.metric, rows) if criterion.target.needs_previous else None
    met = criterion.target.met(value, previous)
    earned = np.where(met == 1, criterion.points, 0.0)
    placed = met == 1
    for target, points in criterion.partial:  # the first partial target reached gives its points
        hit = (target.met(value, previous) == 1) & ~placed
        earned = np.where(hit, points, earned)
        placed |= hit
    if criterion.deduction is not None:
        cut = np.minimum(criterion.deduction.max, criterion.deduction.per * np.abs(np.nan_to_num(value)))
        earned = np.where(met == 0, -cut, earned)
    return value, previous, met, earned


def _rows_of(
    criterion: Criterion,
    level: str,
    year: int,
    ids: np.ndarray,
    rows: Rows,
    value: np.ndarray,
    previous: np.ndarray | None,
    met: np.ndarray,
    earned: np.ndarray,
    evaluator: Evaluator,
) -> dict[str, np.ndarray]:
    n = len(rows)
    return {
        "nam": np.full(n, year, dtype=np.int64),
        "cap": np.full(n, level, dtype=object),
        "ma": ids.astype(object),
        "ma_tieu_chi": np.full(n, criterion.id, dtype=object),
        "gia_tri": value,
        "chi_tieu": np.full(n, criterion.target.describe(), dtype=object),
        "dat": met,
        "diem": earned,
        "diem_toi_da": np.full(n, criterion.points),
        "giai_thich": explain.sentences(criterion, rows, value, met, previous, evaluator),
        "gia_tri_hien_thi": explain.format_value(criterion, value),
        "nhom": np.full(n, criterion.group, dtype=object),
    }

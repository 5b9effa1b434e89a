"""`score(dataset, criteria, year)`: every criterion of every level for every entity of the year.

Scoring computes each criterion's verdict for a whole level at once and keeps those arrays; the
long result table — one row per (entity, criterion), with its Vietnamese explanation — is built
only when it is asked for, so a national run that only needs totals and ranks never pays for
tens of millions of sentences.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from scoring.engine import explain
from scoring.engine.evaluate import Evaluator, Rows, active_unit_rows, member_rows
from scoring.engine.levels import LevelScore
from scoring.engine.rank import (
    MEMBER_COLUMNS,
    MemberRanking,
    member_ranking,
    org_table,
    rank_members,
    rank_organisations,
)
from scoring.engine.verdict import MET, NO_DATA, NOT_APPLICABLE, NOT_MET, STATE_WORDS, Verdict, judge
from scoring.engine.year import YearData
from scoring.input.dataset import Dataset
from scoring.plans.expr import MEMBER
from scoring.plans.model import LEVEL_ORDER, CriteriaSet, Criterion

_A = TypeVar("_A")
_B = TypeVar("_B")

RESULT_COLUMNS = [
    "nam", "cap", "ma", "ma_tieu_chi", "gia_tri", "chi_tieu", "dat", "diem", "diem_toi_da", "giai_thich",
    "gia_tri_hien_thi", "nhom", "trang_thai",
]  # fmt: skip
NUMERIC_COLUMNS = [c for c in RESULT_COLUMNS if c not in ("giai_thich", "gia_tri_hien_thi")]


class ScoringError(Exception):
    """Scoring cannot start (a year the data does not hold, …); the message is Vietnamese."""


@dataclass
class _Scored:
    """One criterion scored on one level: what the long table's rows for it are made of."""

    criterion: Criterion
    level: str
    rows: Rows
    verdict: Verdict
    evaluator: Evaluator

    @property
    def ids(self) -> np.ndarray:
        year = self.evaluator.year
        return year.member_ids(self.rows.index) if self.rows.kind == MEMBER else year.org_ids[self.rows.index]


@dataclass
class ScoreResult:
    """The tables of `thidua score`, and what produced them.

    `score` computes every verdict, the totals and this year's ranks; the tables are built on
    first use: `tong_diem`; `xep_hang_to_chuc` and `xep_hang_dang_vien` (which score last year
    too, for the rank change); `ket_qua_tieu_chi` (every entity and criterion, with
    explanations), `ket_qua_to_chuc` (the same for organisations only) and `ket_qua_so` (without
    the text columns)."""

    year: int
    criteria: CriteriaSet
    scored: list[_Scored] = field(default_factory=list, repr=False)
    levels: list[LevelScore] = field(default_factory=list, repr=False)
    org_ranks: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    member_ranks: MemberRanking | None = field(default=None, repr=False)
    last_year: Callable[[], list[LevelScore] | None] = field(default=lambda: None, repr=False)

    @cached_property
    def previous_levels(self) -> list[LevelScore] | None:
        """Last year scored with the same criteria (None without last year's data)."""
        return self.last_year()

    @cached_property
    def xep_hang_to_chuc(self) -> pd.DataFrame:
        previous = self.previous_levels
        before = None
        if previous:
            dataset = previous[0].year.dataset
            before = org_table(dataset, self.year - 1, [lv for lv in previous if lv.level != "dang_vien"])
        return rank_organisations(self.org_ranks, before)

    @cached_property
    def xep_hang_dang_vien(self) -> pd.DataFrame:
        if self.member_ranks is None:
            return pd.DataFrame(columns=MEMBER_COLUMNS)
        dataset = self.member_ranks.level.year.dataset
        previous = self.previous_levels
        before = (
            member_ranking(dataset, next((lv for lv in previous if lv.level == "dang_vien"), None))
            if previous
            else None
        )
        return rank_members(dataset, self.member_ranks, before)

    @cached_property
    def tong_diem(self) -> pd.DataFrame:
        """One row per scored entity: cap, ma, tong_diem, so_tieu_chi_dat, so_tieu_chi, points behind them."""
        return _totals(self.levels)

    @cached_property
    def ket_qua_tieu_chi(self) -> pd.DataFrame:
        return _long_table(self.scored, text=True)

    @cached_property
    def ket_qua_to_chuc(self) -> pd.DataFrame:
        return _long_table([s for s in self.scored if s.level != "dang_vien"], text=True)

    @cached_property
    def ket_qua_so(self) -> pd.DataFrame:
        return _long_table(self.scored, text=False)


def score(dataset: Dataset, criteria: CriteriaSet, year: int) -> ScoreResult:
    """Score `year`: every criterion of every level, totals and ranks. Last year (if the data has
    it) gives the trends; it is scored in full only when a ranking table asks for rank changes."""
    if year not in dataset.years:
        held = ", ".join(str(y) for y in dataset.years) or "không có năm nào"
        raise ScoringError(f"Dữ liệu không có năm {year}; các năm có: {held}.")
    # a plan with a «tasks» section sees only its own rows of the Nhiệm vụ table (the data may hold
    # several plans' tasks for the same units)
    tasks = criteria.tasks
    now, before = YearData(dataset, year, tasks), YearData(dataset, year - 1, tasks)
    earlier = Evaluator(before, YearData(dataset, year - 2, tasks))  # shared: trends read it, rank changes score it
    current = Evaluator(now, before, earlier)
    scored, levels = _score_year(criteria, current)
    current.forget()  # verdicts are kept; explanations recompute what they need, when asked
    earlier.forget()

    def last_year() -> list[LevelScore] | None:
        if year - 1 not in dataset.years:
            return None
        previous = _score_year(criteria, earlier)[1]
        earlier.forget()
        return previous

    members = next((lv for lv in levels if lv.level == "dang_vien"), None)
    org_ranks, member_ranks = _in_parallel(
        lambda: org_table(dataset, year, [lv for lv in levels if lv.level != "dang_vien"]),
        partial(member_ranking, dataset, members),
    )
    return ScoreResult(
        year=year,
        criteria=criteria,
        scored=scored,
        levels=levels,
        org_ranks=org_ranks,
        member_ranks=member_ranks,
        last_year=last_year,
    )


def _totals(levels: list[LevelScore]) -> pd.DataFrame:
    columns = [
        "cap",
        "ma",
        "tong_diem",
        "so_tieu_chi_dat",
        "so_tieu_chi",
        "diem_toi_da",
        "diem_dat_duoc",
        "diem_toi_da_ap_dung",
    ]
    if not levels:
        return pd.DataFrame(columns=columns)
    frames = [
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
    ]
    return pd.concat(frames, ignore_index=True)[columns]


def _score_year(criteria: CriteriaSet, evaluator: Evaluator) -> tuple[list[_Scored], list[LevelScore]]:
    """Every level of one year, on two threads (numpy releases the interpreter lock for array
    work, so both cores share it): each member criterion is one task — the members are by far the
    most rows — and each organisation level another; the largest go first. Verdicts are pure
    functions of the data, so the results do not depend on which thread ran what."""
    data = evaluator.year
    plan: list[tuple[str, Rows, tuple[Criterion, ...]]] = []
    for level in LEVEL_ORDER:
        chosen = criteria.for_level(level)
        if chosen:
            rows = member_rows(data) if level == "dang_vien" else active_unit_rows(data, (level,))
            plan.append((level, rows, chosen))

    def judge_all(chosen: tuple[Criterion, ...], rows: Rows) -> list[Verdict]:
        return [judge(criterion, rows, evaluator) for criterion in chosen]

    tasks: list[tuple[str, Callable[[], list[Verdict]]]] = []
    for level, rows, chosen in sorted(plan, key=lambda p: -len(p[1])):
        if rows.kind == MEMBER:
            tasks += [(level, partial(judge_all, (criterion,), rows)) for criterion in chosen]
        else:
            tasks.append((level, partial(judge_all, chosen, rows)))
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="thidua") as pool:
        futures = [(level, pool.submit(task)) for level, task in tasks]
        found: dict[str, list[Verdict]] = {level: [] for level, _, _ in plan}
        for level, future in futures:  # in submission order: criteria keep their order in the file
            found[level] += future.result()
    scored: list[_Scored] = []
    levels: list[LevelScore] = []
    for level, rows, chosen in plan:
        level_scored = [_Scored(c, level, rows, v, evaluator) for c, v in zip(chosen, found[level], strict=True)]
        scored += level_scored
        levels.append(_level_score(level, rows, data, level_scored))
    return scored, levels


def _in_parallel(here: Callable[[], _A], there: Callable[[], _B] | None) -> tuple[_A, _B | None]:
    """`here()` on this thread while `there()` runs on another; both results (errors re-raised)."""
    if there is None:
        return here(), None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="thidua") as pool:
        future = pool.submit(there)
        mine = here()
        return mine, future.result()


def _level_score(level: str, rows: Rows, data: YearData, scored: list[_Scored]) -> LevelScore:
    """Totals of one level: points earned, scaled to the level's maximum over the criteria that apply."""
    earned_total = np.zeros(len(rows))
    applicable_max = np.zeros(len(rows))
    met_total = np.zeros(len(rows), dtype=np.int64)
    for item in scored:
        earned_total += item.verdict.earned
        applicable_max += (item.verdict.state != NOT_APPLICABLE) * float(item.criterion.points)
        met_total += item.verdict.state == MET
    level_max = float(sum(item.criterion.points for item in scored))
    total = np.clip(earned_total, 0.0, applicable_max)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(applicable_max > 0, total / applicable_max * level_max, 0.0)
    # scaled to the level's maximum and rounded to 2 decimals ("quy đổi thang 100"): ties are exact
    return LevelScore(
        level,
        rows,
        data,
        np.round(scaled, 2),
        met_total,
        len(scored),
        level_max,
        np.round(total, 9),
        applicable_max,
    )


def verdicts(met: np.ndarray) -> pd.arrays.BooleanArray:
    """1/0/NaN -> True/False/NA ("không đủ dữ liệu")."""
    result = pd.array(met == 1, dtype="boolean")
    result[np.isnan(met)] = pd.NA
    return result


def _entity_ids(scored: list[_Scored]) -> Any:
    """The `ma` column as a categorical over organisation and member ids, built from codes (no
    string per row); plain strings only if an organisation and a member share an id."""
    dataset = scored[0].evaluator.year.dataset
    categories = pd.Index(dataset.org_ids).append(dataset.member_ids)
    if not categories.is_unique:
        return np.concatenate([np.asarray(s.ids, dtype=object) for s in scored])
    n_org = len(dataset.org_ids)
    codes = np.concatenate(
        [s.evaluator.year.member_codes[s.rows.index] + n_org if s.rows.kind == MEMBER else s.rows.index for s in scored]
    )
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories))


def _long_table(scored: list[_Scored], text: bool) -> pd.DataFrame:
    """One row per (entity, criterion); repeated words (level, criterion, target, state) are
    categoricals built from codes, so no string is repeated per row."""
    columns = RESULT_COLUMNS if text else NUMERIC_COLUMNS
    if not scored:
        return pd.DataFrame(columns=columns)
    sizes = np.array([len(s.rows) for s in scored])
    which = np.repeat(np.arange(len(scored)), sizes)

    def repeated(values: list[str]) -> Any:
        categories = pd.Index(values).unique()
        codes = categories.get_indexer(pd.Index(values))[which]
        return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories))

    states = np.concatenate([s.verdict.state for s in scored])
    order = (MET, NOT_MET, NO_DATA, NOT_APPLICABLE)
    lookup = np.zeros(4, dtype=np.int8)  # state (−2…1) + 2 -> position in `order`
    lookup[np.array(order) + 2] = np.arange(4)
    met = np.concatenate([s.verdict.met for s in scored])
    frame = pd.DataFrame(
        {
            "nam": np.repeat(np.array([s.evaluator.year.year for s in scored], dtype=np.int64), sizes),
            "cap": repeated([s.level for s in scored]),
            "ma": _entity_ids(scored),
            "ma_tieu_chi": repeated([s.criterion.id for s in scored]),
            "gia_tri": np.concatenate([s.verdict.value for s in scored]),
            "chi_tieu": repeated([s.criterion.target.describe() for s in scored]),
            "dat": verdicts(met),
            "diem": np.concatenate([s.verdict.earned for s in scored]),
            "diem_toi_da": np.concatenate(
                [np.where(s.verdict.state == NOT_APPLICABLE, 0.0, s.criterion.points) for s in scored]
            ),
            "nhom": repeated([s.criterion.group for s in scored]),
            "trang_thai": pd.Categorical.from_codes(
                lookup[states + 2], dtype=pd.CategoricalDtype([STATE_WORDS[k] for k in order])
            ),
        }
    )
    if text:
        frame["giai_thich"] = np.concatenate(
            [explain.sentences(s.criterion, s.rows, s.verdict, s.evaluator) for s in scored]
        )
        frame["gia_tri_hien_thi"] = np.concatenate([explain.format_value(s.criterion, s.verdict.value) for s in scored])
    return frame[columns]

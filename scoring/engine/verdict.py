"""A criterion's verdict for every row: its value, whether it is met, and the points earned.

Four states: met, not met, no data (a figure is missing, so the criterion earns nothing), and not
applicable (nothing to judge: no previous year for a trend, nobody in the population, a member
exempt from rating) — the last is left out of the maximum, so it neither helps nor hurts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.engine.evaluate import Evaluator, Rows
from scoring.plans.expr import MEMBER, TASK, Aggregate, Node, columns_read, split_population, walk
from scoring.plans.model import Criterion

MET, NOT_MET, NO_DATA, NOT_APPLICABLE = 1, 0, -1, -2
STATE_WORDS = {MET: "đạt", NOT_MET: "chưa đạt", NO_DATA: "không đủ dữ liệu", NOT_APPLICABLE: "không áp dụng"}


@dataclass
class Verdict:
    value: np.ndarray
    previous: np.ndarray | None
    state: np.ndarray  # MET, NOT_MET, NO_DATA or NOT_APPLICABLE
    earned: np.ndarray

    @property
    def met(self) -> np.ndarray:
        """1.0 met, 0.0 not met, NaN otherwise (what the targets and explanations use)."""
        return np.select([self.state == MET, self.state == NOT_MET], [1.0, 0.0], np.nan)

    @property
    def words(self) -> np.ndarray:
        words = np.array([STATE_WORDS[k] for k in (MET, NOT_MET, NO_DATA, NOT_APPLICABLE)], dtype=object)
        return words[np.select([self.state == k for k in (MET, NOT_MET, NO_DATA)], [0, 1, 2], 3)]


def judge(criterion: Criterion, rows: Rows, evaluator: Evaluator) -> Verdict:
    """Value, last year's value (trend targets), state and points earned, for every row."""
    node, target = criterion.metric, criterion.target
    value = evaluator.value(node, rows)
    on_tasks = isinstance(node, Aggregate) and split_population(node.population)[0] == TASK and node.inner is not None
    if on_tasks and isinstance(node, Aggregate) and node.func in ("share", "count", "sum"):
        # the reported tasks' figure (NaN inside formulas when some are not reported); the rules
        # below decide whether the unreported ones could still change the verdict
        parts = evaluator.parts(node, rows)
        with np.errstate(invalid="ignore", divide="ignore"):
            reported = parts.numerator / np.where(parts.denominator > 0, parts.denominator, np.nan)
        value = reported if node.func == "share" else np.where(parts.denominator > 0, parts.numerator, value)
    previous = evaluator.previous_value(node, rows) if target.needs_previous else None
    ok, missing = target.check(value, previous)
    state = ok.view(np.int8)  # MET 1, NOT_MET 0
    if missing is not None:
        state[missing] = NO_DATA
    not_applicable: np.ndarray | None = None
    if previous is not None:  # no last year to compare with: the trend does not apply yet
        not_applicable = ~np.isnan(value) & np.isnan(previous)
    if isinstance(node, Aggregate) and node.inner is not None:
        parts = evaluator.parts(node, rows)
        nobody = (parts.denominator == 0) & (parts.missing == 0) & np.isnan(value)  # nobody to count
        not_applicable = nobody if not_applicable is None else not_applicable | nobody
        if node.func in ("count", "sum"):  # units that did not report could still change the verdict
            could_change = parts.missing > 0
            flips = (state == NOT_MET) if target.higher_is_better and target.kind != "range" else (state == MET)
            state[could_change & flips] = NO_DATA
        elif node.func == "share" and (on_tasks or _reads_tasks(node.inner)):
            # a task not reported is unknown, not left out: the verdict stands only if it is the same
            # whether every unreported task turns out done or not (members not rated are left out)
            with np.errstate(invalid="ignore", divide="ignore"):
                every = parts.denominator + parts.missing
                worst = np.where(every > 0, parts.numerator / every, np.nan)
                best = np.where(every > 0, (parts.numerator + parts.missing) / every, np.nan)
            open_ = (parts.missing > 0) & (target.met(worst, previous) != target.met(best, previous))
            state[open_ & ((state == MET) | (state == NOT_MET))] = NO_DATA
    if rows.kind == MEMBER and "xep_loai" in columns_read(node):
        exempt = evaluator.year.member_unrated[rows.index]  # exempt (miễn)
        not_applicable = exempt if not_applicable is None else not_applicable | exempt
    if not_applicable is not None:
        state[not_applicable & (state == NO_DATA)] = NOT_APPLICABLE
    if not criterion.applies_in(evaluator.year.year):  # a dated target, not yet (or no longer) in force
        state[:] = NOT_APPLICABLE
    earned = (state == MET) * float(criterion.points)
    if criterion.partial:
        placed = state == MET
        for partial, points in criterion.partial:  # the first partial target reached gives its points
            hit = (partial.met(value, previous) == 1) & ~placed & (state == NOT_MET)
            earned[hit] = points
            placed |= hit
    if criterion.deduction is not None:  # per unit beyond what the target allows, up to the cap
        beyond = np.clip(np.nan_to_num(value) - target.low, 0.0, None)
        cut = np.minimum(criterion.deduction.max, criterion.deduction.per * beyond)
        earned = np.where(state == NOT_MET, -cut, earned)
    return Verdict(value, previous, state, earned + 0.0)


def _reads_tasks(node: Node) -> bool:
    """Whether a formula aggregates tasks anywhere inside (a unit whose tasks are not all reported
    is then unknown, and a share over such units must not leave it out as if it had no figure)."""
    return any(isinstance(n, Aggregate) and split_population(n.population)[0] == TASK for n in walk(node))

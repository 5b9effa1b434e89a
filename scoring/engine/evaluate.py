"""Evaluate metric trees on whole arrays.

A metric is evaluated for a set of *rows*: the organisations of some levels (unit rows), or the
members of the year (member rows). Aggregations reduce the rows of a population onto the rows
that own them with `np.bincount`, so a level is one array pass per aggregation, whatever its size.
Missing values are NaN and propagate: an aggregation with nothing to count is "no data", never 0%.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.engine.year import YearData
from scoring.plans.expr import (
    LEAVES,
    MEMBER,
    POPULATIONS,
    TASK,
    UNIT,
    Aggregate,
    Arith,
    Column,
    Compare,
    Constant,
    InList,
    Logic,
    Negate,
    Node,
    Not,
    OwnUnit,
    Previous,
    split_population,
)


@dataclass(frozen=True)
class Rows:
    """Unit rows (organisation positions of `caps`), member rows (indices into the year's members)
    or task rows; `kind` is the metric language's row context for them: UNIT, MEMBER or TASK.

    `key` names the row set: results are remembered per (node, key), so two different row sets
    must never share a key."""

    kind: str
    index: np.ndarray
    caps: tuple[str, ...] = ()
    key: str = ""

    def __len__(self) -> int:
        return len(self.index)


def unit_rows(year: YearData, caps: tuple[str, ...]) -> Rows:
    """Every organisation of these levels (the populations aggregations range over)."""
    return Rows(UNIT, year.orgs_of(caps), caps, f"tất cả:{','.join(caps)}")


def active_unit_rows(year: YearData, caps: tuple[str, ...]) -> Rows:
    """The organisations of these levels that exist this year: a unit-year row or members below."""
    index = year.orgs_of(caps)
    return Rows(UNIT, index[year.active[index]], caps, f"hoạt động:{','.join(caps)}")


def member_rows(year: YearData) -> Rows:
    return Rows(MEMBER, year.member_positions, (), "đảng viên")


def task_rows(year: YearData, subset: str | None = None) -> Rows:
    """The year's tasks (all, or those with id `subset`)."""
    return Rows(TASK, year.task_subset(subset), (), f"nhiệm vụ[{subset}]" if subset else "nhiệm vụ")


@dataclass(frozen=True)
class Parts:
    """The pieces an aggregation was made of, per owner row: what the explanations quote.

    `missing` counts the rows of the population that had no value (not reported)."""

    numerator: np.ndarray
    denominator: np.ndarray
    missing: np.ndarray


class Evaluator:
    """Evaluates nodes for one year, remembering results (explanations re-use sub-results)."""

    def __init__(self, year: YearData, previous: YearData | None, earlier: Evaluator | None = None) -> None:
        self.year = year
        self.previous = previous
        # keyed by the node itself (nodes compare by structure): the same formula written in two
        # criteria is computed once
        self._memo: dict[tuple[Node, str], np.ndarray] = {}
        self._parts: dict[tuple[Node, str], Parts] = {}
        self._partials: dict[tuple[str, Node | None, Node | None, str], _Partials] = {}
        self._owners: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._previous_evaluator: Evaluator | None = earlier

    def forget(self) -> None:
        """Drop remembered intermediate arrays (memory); anything asked for later is recomputed."""
        self._memo.clear()
        self._parts.clear()
        self._partials.clear()
        self._owners.clear()

    def value(self, node: Node, rows: Rows) -> np.ndarray:
        key = (node, rows.key)
        if key not in self._memo:
            self._memo[key] = self._value(node, rows)
        return self._memo[key]

    def parts(self, node: Aggregate, rows: Rows) -> Parts:
        """Numerator and denominator of an aggregation (share: k and n; sum: total and rows)."""
        self.value(node, rows)
        return self._parts[(node, rows.key)]

    def population(self, population: str) -> Rows:
        base, subset = split_population(population)
        if base == MEMBER:
            return member_rows(self.year)
        if base == TASK:
            return task_rows(self.year, subset)
        return unit_rows(self.year, POPULATIONS[population])

    def owners(self, rows: Rows, population: str) -> np.ndarray:
        """For each row of `population`, its owner's index within `rows` (or -1); computed once per pair."""
        base, subset = split_population(population)
        owned = self._ownership(rows, base)[0] - 1
        return owned[self.year.task_subset(subset)] if base == TASK and subset is not None else owned

    def _ownership(self, rows: Rows, population: str) -> tuple[np.ndarray, np.ndarray]:
        """(owner's index within `rows` plus one — 0 for rows without an owner — for each row of
        `population`; how many rows each owner has). Shifting by one lets `np.bincount` run on the
        whole population (bin 0 collects the unowned rows) without a masked copy per aggregation."""
        key = (rows.key, population)
        if key not in self._owners:
            owner_org = self.year.owner(rows.caps, population)
            slot = np.zeros(self.year.n_org + 1, dtype=np.intp)  # slot[-1] = 0: no owner
            slot[rows.index] = np.arange(1, len(rows) + 1)
            shifted = slot[owner_org]
            self._owners[key] = (shifted, np.bincount(shifted, minlength=len(rows) + 1)[1:].astype(np.float64))
        return self._owners[key]

    def previous_value(self, node: Node, rows: Rows) -> np.ndarray:
        """`node` evaluated on last year's data for the same organisations or members."""
        if self.previous is None or not self.previous.available:
            return np.full(len(rows), np.nan)
        if self._previous_evaluator is None:
            self._previous_evaluator = Evaluator(self.previous, None)
        earlier = self._previous_evaluator
        if rows.kind == MEMBER:
            last = earlier.value(node, member_rows(self.previous))
            slot = np.full(len(self.year.dataset.member_ids), -1, dtype=np.int64)
            slot[self.previous.member_codes] = np.arange(len(self.previous.member_codes))
            where = slot[self.year.member_codes[rows.index]]
            return (
                np.where(where >= 0, last[np.clip(where, 0, None)], np.nan) if len(last) else np.full(len(rows), np.nan)
            )
        return earlier.value(node, rows)

    # --- the node kinds ------------------------------------------------------------------------

    def _value(self, node: Node, rows: Rows) -> np.ndarray:
        if isinstance(node, Column):
            if rows.kind == MEMBER:
                column = self.year.member_column(node.name)
                return column if rows.index is self.year.member_positions else column[rows.index]
            if rows.kind == TASK:
                return self.year.task_column(node.name)[rows.index]
            return self.year.unit_column(node.name)[rows.index]
        if isinstance(node, Constant):  # one value seen as many (no memory per row)
            return np.broadcast_to(np.float64(node.value), (len(rows),))
        if isinstance(node, Compare):
            return _compare(node.op, self.value(node.left, rows), self.value(node.right, rows))
        if isinstance(node, InList):
            item = self.value(node.item, rows)
            hit = np.isin(item, node.values) != node.negate
            return np.where(np.isnan(item), np.nan, hit.astype(np.float64))
        if isinstance(node, Logic):
            return _logic(node.op, [self.value(p, rows) for p in node.parts])
        if isinstance(node, Not):
            return 1.0 - self.value(node.operand, rows)
        if isinstance(node, Negate):
            return -self.value(node.operand, rows)
        if isinstance(node, Arith):
            return _arith(node.op, self.value(node.left, rows), self.value(node.right, rows))
        if isinstance(node, Aggregate):
            return self._aggregate(node, rows)
        if isinstance(node, Previous):
            return self.previous_value(node.inner, rows)
        if isinstance(node, OwnUnit):
            return self._own_unit(node, rows)
        raise TypeError(f"unknown node {type(node).__name__}")

    def _own_unit(self, node: OwnUnit, rows: Rows) -> np.ndarray:
        """The member's chi bộ's value: the expression over every chi bộ, gathered per member."""
        chi_bo = unit_rows(self.year, POPULATIONS["chi_bo"])
        values = np.append(self.value(node.inner, chi_bo), np.nan)  # -1 (no chi bộ) reads NaN
        slot = np.full(self.year.n_org, -1, dtype=np.int64)
        slot[chi_bo.index] = np.arange(len(chi_bo))
        return values[slot[self.year.member_chi_bo[rows.index]]]

    def _aggregate(self, node: Aggregate, rows: Rows) -> np.ndarray:
        n = len(rows)
        key = (node, rows.key)
        if split_population(node.population)[0] in LEAVES and rows.kind not in LEAVES:
            sums = self._leaf_sums(node, rows)
        else:
            sums = self._direct_sums(node, rows)
        present, counted, missing, total = sums.present, sums.counted, sums.missing, sums.total
        if node.inner is None:  # count(population): how many there are
            self._parts[key] = Parts(present, present, np.zeros(n))
            return present
        has = counted > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            if node.func == "ratio":
                assert sums.bottom is not None
                bottom = sums.bottom
                self._parts[key] = Parts(total, bottom, missing)
                return np.where(has & (bottom != 0), total / np.where(bottom == 0, 1.0, bottom), np.nan)
            if sums.extreme is not None:  # min, max, any, all
                result = sums.extreme
            elif node.func in ("share", "mean"):
                result = np.where(has, total / counted, np.nan)
            elif node.func == "count":
                result = np.where(has | (present == 0), total, np.nan)
            else:  # sum
                result = np.where(has, total, np.nan)
        self._parts[key] = Parts(total, counted, missing)
        if split_population(node.population)[0] == TASK:
            # a task given but not reported is unknown: the value stands only if the reported rows
            # decide it (a failed task already makes all(...) false); otherwise it is NaN, so that a
            # formula built on it (share(tccsd, count(nhiem_vu[…], …) >= 1)) is not taken as met.
            # At the top of a criterion, `verdict.judge` reads the parts to decide what can be decided.
            undecided = missing > 0
            if node.func == "all":
                undecided &= ~(result == 0)
            elif node.func == "any":
                undecided &= ~(result == 1)
            result = np.where(undecided, np.nan, result)
        return result

    def _direct_sums(self, node: Aggregate, rows: Rows) -> _Sums:
        """Sums of a population's rows onto their owners, one `np.bincount` over the population."""
        sub = self.population(node.population)
        shifted, present = self._ownership(rows, node.population)
        n = len(rows)
        if node.inner is None:
            return _Sums(present, present, np.zeros(n), present)
        inner = self.value(node.inner, sub)
        second = self.value(node.second, sub) if node.second is not None else None
        total, bottom, missing, extreme = (  # bin 0 collects the rows without an owner: dropped
            None if part is None else part[1:] for part in _group_sums(node.func, shifted, n + 1, inner, second)
        )
        assert total is not None and missing is not None
        return _Sums(present, present - missing, missing, total, bottom, extreme)

    def _leaf_sums(self, node: Aggregate, rows: Rows) -> _Sums:
        """Sums over members (or tasks), in two steps: the members of each chi bộ (the tasks of
        each unit) once per formula (one pass over millions of rows, shared by every level), then
        those per-organisation sums rolled up the tree onto `rows` (a pass over the organisations only)."""
        shifted = self._org_ownership(rows)
        n = len(rows)

        def roll(per_org: np.ndarray) -> np.ndarray:
            return np.bincount(shifted, weights=per_org, minlength=n + 1)[1:]

        base, subset = split_population(node.population)
        if base == MEMBER:
            per_org = self.year.members_per_org
        else:
            per_org = np.bincount(self._attach(base, subset), minlength=self.year.n_org + 1)[:-1].astype(np.float64)
        present = roll(per_org)
        if node.inner is None:
            return _Sums(present, present, np.zeros(n), present)
        total, bottom, missing, extreme = self._leaf_partials(node)
        if extreme is not None:
            valid = (shifted > 0) & ~np.isnan(extreme)
            extreme = _extreme(node.func, n, shifted[valid] - 1, extreme[valid])
        missing = roll(missing)
        return _Sums(
            present, present - missing, missing, roll(total), None if bottom is None else roll(bottom), extreme
        )

    def _attach(self, base: str, subset: str | None) -> np.ndarray:
        """Per row of a leaf population (members, or all the year's tasks), the organisation it hangs
        from; tasks outside `subset` go to one extra bin (n_org) that is dropped."""
        if base == MEMBER:
            return self.year.member_chi_bo
        org = self.year.task_org
        if subset is None:
            return org
        inside = np.zeros(len(org), dtype=bool)
        inside[self.year.task_subset(subset)] = True
        return np.where(inside, org, self.year.n_org)

    def _leaf_partials(self, node: Aggregate) -> _Partials:
        """Per organisation position, over its own members (tasks): sum of the formula (and of the
        ratio's denominator), how many had no value, and the min/max for those functions."""
        key = (node.func, node.inner, node.second, node.population)
        if key not in self._partials:
            assert node.inner is not None
            base, subset = split_population(node.population)
            leaves = member_rows(self.year) if base == MEMBER else task_rows(self.year)
            inner = self.value(node.inner, leaves)
            second = self.value(node.second, leaves) if node.second is not None else None
            n_org = self.year.n_org
            sums = _group_sums(node.func, self._attach(base, subset), n_org + 1, inner, second)
            self._partials[key] = tuple(None if part is None else part[:n_org] for part in sums)  # type: ignore[assignment]
        return self._partials[key]

    def _org_ownership(self, rows: Rows) -> np.ndarray:
        """Per organisation position: the index plus one, within `rows`, of the nearest of itself
        and its ancestors in `rows` (0 for none) — where a chi bộ's members roll up to."""
        key = (rows.key, "tổ chức")
        if key not in self._owners:
            slot = np.zeros(self.year.n_org + 1, dtype=np.intp)  # slot[-1] = 0: no owner
            slot[rows.index] = np.arange(1, len(rows) + 1)
            self._owners[key] = (slot[self.year.nearest(rows.caps)[:-1]], np.zeros(0))
        return self._owners[key][0]


EXTREMES = ("min", "max", "any", "all")
_Partials = tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray | None]


@dataclass(frozen=True)
class _Sums:
    """One aggregation's pieces per owner row: rows present, rows with a value, rows without,
    sum of the values (and of the ratio's denominator), and the min/max for those functions."""

    present: np.ndarray
    counted: np.ndarray
    missing: np.ndarray
    total: np.ndarray
    bottom: np.ndarray | None = None
    extreme: np.ndarray | None = None


def _group_sums(func: str, who: np.ndarray, bins: int, inner: np.ndarray, second: np.ndarray | None) -> _Partials:
    """Per bin of `who`: sum of `inner` (and of `second`) over rows where both are known, how many
    rows were not, and the min/max of `inner` for those functions (NaN where a bin has none)."""
    unknown = _unknown(inner, second)

    def per_bin(weights: np.ndarray) -> np.ndarray:
        if unknown is not None:
            weights = np.where(unknown, 0.0, weights)
        return np.bincount(who, weights=weights, minlength=bins)

    missing = np.zeros(bins) if unknown is None else np.bincount(who[unknown], minlength=bins) * 1.0
    extreme = None
    if func in EXTREMES:
        valid = slice(None) if unknown is None else ~unknown
        extreme = _extreme(func, bins, who[valid], inner[valid])
    return per_bin(inner), None if second is None else per_bin(second), missing, extreme


def _unknown(inner: np.ndarray, second: np.ndarray | None) -> np.ndarray | None:
    """Rows where the value (or the ratio's denominator) is missing; None when none is."""
    unknown = _nan_mask(inner)
    other = _nan_mask(second) if second is not None else None
    if unknown is None or other is None:
        return unknown if other is None else other
    return unknown | other


def _extreme(func: str, n: int, who: np.ndarray, what: np.ndarray) -> np.ndarray:
    result = np.full(n, np.nan)
    reduce = np.fmin if func in ("min", "all") else np.fmax
    reduce.at(result, who, what)
    return result


def _nan_mask(values: np.ndarray) -> np.ndarray | None:
    """Where `values` is NaN, or None when nothing is (the common case: no mask to apply)."""
    if values.strides == (0,) or len(values) == 0:  # a constant
        return np.full(len(values), True) if len(values) and np.isnan(values[0]) else None
    mask = np.isnan(values)
    return mask if mask.any() else None


_COMPARISONS = {
    "==": np.equal,
    "!=": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}


def _compare(op: str, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    result = np.empty(np.broadcast_shapes(left.shape, right.shape))
    with np.errstate(invalid="ignore"):
        _COMPARISONS[op](left, right, out=result)
    for side in (left, right):
        unknown = _nan_mask(side)
        if unknown is not None:
            result[unknown] = np.nan
    return result


def _logic(op: str, parts: list[np.ndarray]) -> np.ndarray:
    """Three-valued logic: false and unknown is false; true or unknown is true."""
    stacked = np.vstack(parts)
    if op == "and":
        decided = (stacked == 0).any(axis=0)
        known = ~np.isnan(stacked).any(axis=0)
        return np.where(decided, 0.0, np.where(known, 1.0, np.nan))
    decided = (stacked == 1).any(axis=0)
    known = ~np.isnan(stacked).any(axis=0)
    return np.where(decided, 1.0, np.where(known, 0.0, np.nan))


def _arith(op: str, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        return np.where(right == 0, np.nan, left / np.where(right == 0, 1.0, right))

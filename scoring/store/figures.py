"""The figures of every unit computed once per state of the approved reports, shared by every page
and reader: a year's scores per plan, its rating check under the rules in use (alone for the «Duyệt»
board, with the quota tables for Khen thưởng), its award shortlist,
and the charts per đảng bộ cấp trên cơ sở. Pages cut them to the reader (`scoring.store.scoped`) or
take unit-level columns from them (the «Duyệt» board), so a new reader costs a cut, not a scoring.

The state is the approved dataset kept by `scoring.store.baseline` (updated from the reports that
changed). After an update, what cannot have changed is carried over: a year's scores, rating check
and shortlist read that year and the years before it only (trends, streaks of years), so those of
the years before the first changed one stay. The usual December change — a report of the year being
assessed — re-scores that year alone. A full rebuild of the baseline (the tree imported, history
rewritten) starts from nothing. Nothing here is cut to a reader: never hand these to a page.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from scoring.engine.awards import Shortlist, shortlist
from scoring.engine.rating import RatingCheck, check_ratings
from scoring.engine.rating_report import RatingReport, rating_report
from scoring.engine.score import ScoreResult, score
from scoring.input.dataset import Dataset
from scoring.input.report import ValidationReport
from scoring.outputs.views import ratings_over_years, violation_criterion, violation_path
from scoring.plans.model import CriteriaSet
from scoring.store import baseline as approved
from scoring.store import plan_files
from scoring.store.service import Store

_LOCK = threading.Lock()


@dataclass
class Figures:
    """Everything computed on every unit for one state of the approved dataset (`stamp`)."""

    stamp: int
    dataset: Dataset | None
    report: ValidationReport  # what keeps the approved reports from being scored
    approved: dict[int, frozenset[str]]  # year -> units with an approved report
    _scores: dict[tuple[int, int], tuple[CriteriaSet, ScoreResult]] = field(default_factory=dict)
    _reports: dict[tuple[int, Any], RatingReport | Exception] = field(default_factory=dict)
    _checks: dict[tuple[int, Any], RatingCheck | Exception] = field(default_factory=dict)
    _shortlists: dict[tuple[int, int, Any], tuple[CriteriaSet, Shortlist]] = field(default_factory=dict)
    _over_years: dict[str, pd.DataFrame] = field(default_factory=dict)
    _paths: dict[tuple[int, str], tuple[CriteriaSet, pd.DataFrame | None]] = field(default_factory=dict)

    def score(self, criteria: CriteriaSet, year: int) -> ScoreResult:
        """`year` scored by `criteria` on every unit (keyed by the plan object, not a reused id)."""
        assert self.dataset is not None
        key = (id(criteria), year)
        with _LOCK:
            hit = self._scores.get(key)
        if hit is not None and hit[0] is criteria:
            return hit[1]
        result = score(self.dataset, criteria, year)
        with _LOCK:
            self._scores[key] = (criteria, result)
        return result

    def rating_check(self, store: Store, year: int) -> RatingCheck | Exception:
        """The year's ratings checked against the database's rules in use, without the quota tables
        (what the «Duyệt» board shows); the error when no rules file is in force that year."""
        assert self.dataset is not None
        key = (year, plan_files.rules_signature(store))
        with _LOCK:
            report, hit = self._reports.get(key), self._checks.get(key)
        if report is not None:
            return report if isinstance(report, Exception) else report.ratings
        if hit is None:
            try:
                hit = check_ratings(self.dataset, plan_files.rules_in_use(store, year), year)
            except Exception as error:  # no rules (or several) in force that year
                hit = error
            with _LOCK:
                self._checks[key] = hit
        return hit

    def rating_report(self, store: Store, year: int) -> RatingReport | Exception:
        """The year's rating check with the quota tables (the Khen thưởng page; the error when no
        rules file is in force that year: the page says so)."""
        assert self.dataset is not None
        key = (year, plan_files.rules_signature(store))
        with _LOCK:
            hit, check = self._reports.get(key), self._checks.get(key)
        if hit is None:
            if isinstance(check, Exception):
                hit = check
            else:
                try:
                    rules = plan_files.rules_in_use(store, year)
                    hit = rating_report(self.dataset, year, rules, check=check)
                except Exception as error:  # no rules (or several) in force that year
                    hit = error
            with _LOCK:
                self._reports[key] = hit
        return hit

    def shortlist(self, store: Store, criteria: CriteriaSet, year: int, report: RatingReport) -> Shortlist:
        """The year's award shortlist by the plan's awards and the checked ratings."""
        assert self.dataset is not None
        key = (id(criteria), year, plan_files.rules_signature(store))
        with _LOCK:
            hit = self._shortlists.get(key)
        if hit is not None and hit[0] is criteria:
            return hit[1]
        chosen = shortlist(self.dataset, self.score(criteria, year), report.ratings)
        with _LOCK:
            self._shortlists[key] = (criteria, chosen)
        return chosen

    def charts(self, criteria: CriteriaSet, top: str) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """The rating distribution over the years and the violation path under the đảng bộ cấp trên
        cơ sở `top` (counts, no names)."""
        assert self.dataset is not None
        with _LOCK:
            over = self._over_years.get(top)
            path = self._paths.get((id(criteria), top))
        if over is None:
            over = ratings_over_years(self.dataset, top)
            with _LOCK:
                self._over_years[top] = over
        if path is None or path[0] is not criteria:
            fall = violation_criterion(criteria)
            found = violation_path(self.dataset, criteria, top, fall.id) if fall is not None else None
            path = (criteria, found)
            with _LOCK:
                self._paths[(id(criteria), top)] = path
        return over, path[1]

    def carry(self, earlier: Figures, changed: frozenset[int] | None) -> None:
        """Take from `earlier` what the change of `changed` years cannot touch (None: unknown, nothing)."""
        if changed is None or self.dataset is None:
            return
        first = min(changed, default=max(self.dataset.years, default=0) + 1)
        with _LOCK:
            self._scores.update({k: v for k, v in earlier._scores.items() if k[1] < first})
            self._reports.update({k: v for k, v in earlier._reports.items() if k[0] < first})
            self._checks.update({k: v for k, v in earlier._checks.items() if k[0] < first})
            self._shortlists.update({k: v for k, v in earlier._shortlists.items() if k[1] < first})
            if not changed:  # the charts span every year
                self._over_years.update(earlier._over_years)
                self._paths.update(earlier._paths)


_CURRENT: dict[tuple[str, int], Figures] = {}


def figures(store: Store) -> Figures:
    """The figures of the database's approved reports as they are now (one state kept at a time)."""
    base = approved.baseline(store)  # two indexed lookups when nothing changed
    url = str(store.engine.url)
    key = (url, base.stamp)
    with _LOCK:
        if key in _CURRENT:
            return _CURRENT[key]
        earlier = next((v for (u, _), v in _CURRENT.items() if u == url), None)
    by_year: dict[int, set[str]] = {}
    for unit, year in base.reports:
        by_year.setdefault(int(year), set()).add(str(unit))
    value = Figures(base.stamp, base.dataset, base.report, {y: frozenset(u) for y, u in by_year.items()})
    if earlier is not None:
        value.carry(earlier, base.changed_since(earlier.stamp))
    with _LOCK:
        _CURRENT.clear()
        _CURRENT[key] = value
    return value


def forget() -> None:
    """Forget every figure, and the approved dataset they come from (tests: a database refilled)."""
    with _LOCK:
        _CURRENT.clear()
    approved.forget()


__all__ = ["Figures", "figures", "forget"]

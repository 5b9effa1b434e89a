"""One year of a dataset as flat arrays the evaluator works on.

Every value is a float64 array with NaN for "no data": counts and scores as they are, flags as
0/1, ratings as their rank (KHTNV 0 … HTXSNV 3), coded columns as their category code. Unit
values are aligned to organisation positions (row i of `to_chuc`), member values to the members
of the year. Which unit or member belongs under which organisation is worked out once per pair
of levels, by walking the tree one level at a time (`tree.ancestor_where`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np
import pandas as pd

from scoring.domain import tree
from scoring.input.dataset import Dataset
from scoring.plans.expr import POPULATIONS
from scoring.plans.model import Task


def as_float(series: pd.Series) -> np.ndarray:
    """A typed column as float64 with NaN for missing (categoricals by their code)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.float64)
        codes[codes < 0] = np.nan
        return codes
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


class YearData:
    """The arrays of one year; `available` is False when the dataset has no row for that year."""

    def __init__(self, dataset: Dataset, year: int, tasks: Sequence[Task] = ()) -> None:
        self.dataset = dataset
        self.year = year
        #: the tasks of the plan scored (none: every row of the Nhiệm vụ table is read as it is)
        self.tasks = tuple(tasks)
        members = dataset.dang_vien
        self.member_rows = np.flatnonzero((members["nam"] == year).to_numpy(dtype=bool, na_value=False))
        first = int(self.member_rows[0]) if len(self.member_rows) else 0
        contiguous = len(self.member_rows) == 0 or int(self.member_rows[-1]) - first + 1 == len(self.member_rows)
        #: the year's members as a slice of `dang_vien` when they are one block (the usual layout):
        #: columns are then read without a gather
        self._member_slice = slice(first, first + len(self.member_rows)) if contiguous else None
        unit_rows = np.flatnonzero((dataset.don_vi_nam["nam"] == year).to_numpy(dtype=bool, na_value=False))
        self._unit_rows = unit_rows
        self.available = len(self.member_rows) > 0 or len(unit_rows) > 0
        self._unit_cache: dict[str, np.ndarray] = {}
        self._member_cache: dict[str, np.ndarray] = {}
        self._owner_cache: dict[tuple[tuple[str, ...], str], np.ndarray] = {}

    # --- organisations -------------------------------------------------------------------------

    @cached_property
    def n_org(self) -> int:
        return len(self.dataset.to_chuc)

    @cached_property
    def parent(self) -> np.ndarray:
        return self.dataset.parent

    @cached_property
    def _cap_codes(self) -> np.ndarray:
        return np.asarray(self.dataset.to_chuc["cap"].cat.codes.to_numpy(), dtype=np.int8)

    def is_cap(self, caps: tuple[str, ...]) -> np.ndarray:
        """Per organisation, whether its level is one of `caps` (on the level codes)."""
        categories = self.dataset.to_chuc["cap"].cat.categories
        wanted = categories.get_indexer(pd.Index(list(caps)))
        return np.isin(self._cap_codes, wanted[wanted >= 0])

    @property
    def org_ids(self) -> np.ndarray:
        return self.dataset.org_ids

    @cached_property
    def active(self) -> np.ndarray:
        """Organisations that exist this year: they have a unit-year row or members below them."""
        alive = np.zeros(self.n_org, dtype=bool)
        rows = self.dataset.don_vi_nam.iloc[self._unit_rows]
        alive[rows["ma_to_chuc"].cat.codes.to_numpy()] = True
        with_members = np.zeros(self.n_org, dtype=bool)
        with_members[self.member_chi_bo] = True
        current = np.flatnonzero(with_members)
        while len(current):  # mark every ancestor of a chi bộ with members, one tree level a step
            alive[current] = True
            current = self.parent[current]
            current = np.unique(current[current >= 0])
        return alive

    def orgs_of(self, caps: tuple[str, ...]) -> np.ndarray:
        return np.flatnonzero(self.is_cap(caps))

    def unit_column(self, name: str) -> np.ndarray:
        """`don_vi_nam` (or `to_chuc`) column of this year, one value per organisation position."""
        if name not in self._unit_cache:
            if name in ("cap", "loai_hinh"):
                values = as_float(self.dataset.to_chuc[name])
            else:
                rows = self.dataset.don_vi_nam.iloc[self._unit_rows]
                values = np.full(self.n_org, np.nan)
                values[rows["ma_to_chuc"].cat.codes.to_numpy()] = as_float(rows[name])
            self._unit_cache[name] = values
        return self._unit_cache[name]

    # --- members -------------------------------------------------------------------------------

    @cached_property
    def member_chi_bo(self) -> np.ndarray:
        """Organisation position of each member's chi bộ."""
        codes = self.dataset.dang_vien["ma_chi_bo"].cat.codes.to_numpy()
        return np.asarray(codes[self.member_slice_or_rows], dtype=np.int64)

    @cached_property
    def member_codes(self) -> np.ndarray:
        """Each member's code (`Dataset.member_ids` position): the same member has the same code every year."""
        return self.dataset.member_codes[self.member_rows]

    def member_ids(self, positions: np.ndarray) -> np.ndarray:
        """Ids of some of this year's members (built only for the rows asked for)."""
        return self.dataset.member_ids[self.member_codes[positions]].to_numpy(dtype=object)

    @property
    def member_slice_or_rows(self) -> slice | np.ndarray:
        """Index of the year's rows in `dang_vien` columns: a slice when they are one block."""
        return self._member_slice if self._member_slice is not None else self.member_rows

    @cached_property
    def member_positions(self) -> np.ndarray:
        """0, 1, … for the members of the year (the member row set)."""
        return np.arange(len(self.member_rows))

    def member_column(self, name: str) -> np.ndarray:
        if name not in self._member_cache:
            self._member_cache[name] = as_float(self.dataset.dang_vien[name].iloc[self.member_slice_or_rows])
        return self._member_cache[name]

    @cached_property
    def member_unrated(self) -> np.ndarray:
        """Members without a rating this year (exempt, miễn, or blank)."""
        return np.isnan(self.member_column("xep_loai"))

    @cached_property
    def members_per_org(self) -> np.ndarray:
        """How many members each organisation position has directly (a chi bộ's own members)."""
        return np.bincount(self.member_chi_bo, minlength=self.n_org).astype(np.float64)

    # --- tasks (optional table nhiem_vu) ---------------------------------------------------------

    @cached_property
    def _task_frame(self) -> pd.DataFrame:
        tasks = self.dataset.nhiem_vu
        keep = (tasks["nam"] == self.year).to_numpy(dtype=bool, na_value=False)
        if not self.tasks:
            return tasks[keep]
        # a plan with a «tasks» section: only its rows (the table may hold several plans' tasks), and
        # a blank row for every unit given a task due this year that did not report it ("chưa báo"):
        # unknown, never counted as done — nor dropped as if the unit had not been given the task
        # rows of the plan's tasks due this year (ids compared without case: «KL21.03» is kl21.03); a task
        # due another year is not scored this year even if a unit reported it early
        due = {t.id.lower(): t.id for t in self.tasks if t.due_in(self.year)}
        ids_lower = tasks["ma_nhiem_vu"].astype(str).str.lower()
        keep &= ids_lower.isin(list(due)).to_numpy(dtype=bool, na_value=False)
        rows = tasks[keep].copy()
        rows["ma_nhiem_vu"] = ids_lower[keep].map(due).astype(rows["ma_nhiem_vu"].dtype)
        if not isinstance(rows["ma_to_chuc"].dtype, pd.CategoricalDtype):
            return rows
        codes = rows["ma_to_chuc"].cat.codes.to_numpy()
        ids = rows["ma_nhiem_vu"].astype(str).to_numpy(dtype=object)
        blanks = []
        for task in self.tasks:  # a plan has a few dozen tasks; each is one array pass over the units
            if not task.required or not task.due_in(self.year):
                continue
            given = self.orgs_of(task.levels)
            given = given[self.active[given]]
            missing = given[~np.isin(given, codes[ids == task.id])]
            if len(missing):
                blanks.append(pd.DataFrame({"org": missing, "ma_nhiem_vu": task.id, "han": task.deadline}))
        if not blanks:
            return rows
        added = pd.concat(blanks, ignore_index=True)
        filler = pd.DataFrame(
            {
                "ma_to_chuc": pd.Categorical.from_codes(added["org"].to_numpy(), dtype=rows["ma_to_chuc"].dtype),
                "ma_nhiem_vu": added["ma_nhiem_vu"].astype(rows["ma_nhiem_vu"].dtype),
                "nam": pd.Series(np.full(len(added), self.year)).astype(rows["nam"].dtype),
                "han": added["han"].astype(rows["han"].dtype),
            }
        )
        return pd.concat([rows, filler], ignore_index=True)

    @cached_property
    def task_org(self) -> np.ndarray:
        """Organisation position of the unit each task of the year was given to."""
        codes = self._task_frame["ma_to_chuc"]
        if not isinstance(codes.dtype, pd.CategoricalDtype):  # an empty table (no nhiem_vu in the data)
            return np.zeros(0, dtype=np.int64)
        return np.asarray(codes.cat.codes.to_numpy(), dtype=np.int64)

    @cached_property
    def task_positions(self) -> np.ndarray:
        return np.arange(len(self.task_org))

    @cached_property
    def task_ids(self) -> np.ndarray:
        """`ma_nhiem_vu` of each task of the year."""
        return self._task_frame["ma_nhiem_vu"].astype(str).to_numpy(dtype=object)

    def task_subset(self, subset: str | None) -> np.ndarray:
        """Positions of the year's tasks with id `subset` (all of them for None)."""
        if subset is None:
            return self.task_positions
        return np.flatnonzero(self.task_ids == subset)

    def task_column(self, name: str) -> np.ndarray:
        """A task row column (`scoring.plans.expr.TASK_COLUMNS`), 1/0/NaN or a number of days."""
        return self._task_columns[name]

    @cached_property
    def _task_columns(self) -> dict[str, np.ndarray]:
        """Done, done on time, overdue, days late, with evidence — on whole arrays.

        The deadline is the last day the plan allows (a month or quarter ends on its last day);
        «hằng năm» is 31/12 of the year; a «thường xuyên» task is on time when done within the year.
        A task done without a completion date is on time only if ongoing (else unknown); a task not
        done is late by the days from its deadline to 31/12 when the deadline fell inside the year."""
        tasks = self._task_frame
        n = len(tasks)
        if n == 0:
            return {name: np.zeros(0) for name in ("hoan_thanh", "dung_han", "qua_han", "so_ngay_tre", "co_minh_chung")}
        result = tasks["ket_qua"].astype(object).to_numpy()
        reported = pd.notna(result)
        done = reported & (result == "hoan_thanh")
        deadline = tasks["han"].astype(str).to_numpy(dtype=object)
        if self.tasks:  # the plan's deadline, not the one copied into the row (a unit cannot move it)
            planned = {t.id: t.deadline for t in self.tasks}
            deadline = (
                tasks["ma_nhiem_vu"].astype(str).map(planned).fillna(tasks["han"].astype(str)).to_numpy(dtype=object)
            )
        ongoing = deadline == "thuong_xuyen"
        year_end = np.datetime64(f"{self.year}-12-31", "D")
        dated = ~np.isin(deadline, ["thuong_xuyen", "hang_nam"])
        due = np.full(n, year_end)
        due[dated] = pd.to_datetime(pd.Series(deadline[dated]), format="%Y-%m-%d").to_numpy().astype("datetime64[D]")
        finished = tasks["ngay_hoan_thanh"].to_numpy().astype("datetime64[D]")
        has_day = ~np.isnat(finished)
        late_done = np.where(has_day, (finished - due).astype(np.int64), 0).clip(0)
        late_open = np.maximum((year_end - due).astype(np.int64), 0)
        days = np.where(done, np.where(has_day | ongoing, late_done, np.nan), late_open.astype(np.float64))
        days = np.where(reported, days, np.nan)
        on_time = np.where(done, np.where(ongoing | has_day, (days == 0) * 1.0, np.nan), 0.0)
        on_time = np.where(reported, on_time, np.nan)
        evidence = tasks["minh_chung"].astype(object).to_numpy()
        has_evidence = np.where(reported, pd.notna(evidence) & (evidence != ""), np.nan)
        late = np.where(np.isnan(days), np.nan, (days > 0) * 1.0)
        # not done at the year's end: overdue if its deadline fell within the year; an ongoing task
        # («thường xuyên») still in progress is not overdue, one never started is
        open_overdue = np.where(ongoing, result == "chua_thuc_hien", due <= year_end) * 1.0
        overdue = np.where(reported, np.where(done, late, open_overdue), np.nan)
        return {
            "hoan_thanh": np.where(reported, done * 1.0, np.nan),
            "dung_han": on_time,
            "qua_han": overdue,
            "so_ngay_tre": days,
            "co_minh_chung": has_evidence * 1.0,
        }

    @cached_property
    def tasks_per_org(self) -> np.ndarray:
        return np.bincount(self.task_org, minlength=self.n_org).astype(np.float64)

    # --- who is under whom ---------------------------------------------------------------------

    def nearest(self, caps: tuple[str, ...]) -> np.ndarray:
        """Per organisation position, the nearest of itself and its ancestors of level `caps` (or
        -1), with one more -1 at the end so that -1 positions look up -1."""
        key = (caps, "")
        if key not in self._owner_cache:
            self._owner_cache[key] = np.append(tree.ancestor_where(self.parent, self.is_cap(caps)), -1)
        return self._owner_cache[key]

    def owner(self, caps: tuple[str, ...], population: str) -> np.ndarray:
        """For each row of `population` this year (members, or organisations of its levels), the
        position of the organisation of level `caps` it sits under, or -1."""
        key = (caps, population)
        if key not in self._owner_cache:
            nearest = self.nearest(caps)
            if population == "dang_vien":
                start = self.member_chi_bo  # a chi bộ owns its own members
            elif population == "nhiem_vu":
                start = self.task_org  # a unit owns the tasks given to it
            else:
                start = self.parent[self.orgs_of(POPULATIONS[population])]  # strictly below
            self._owner_cache[key] = nearest[start]  # start -1 (no parent) reads the -1 at the end
        return self._owner_cache[key]

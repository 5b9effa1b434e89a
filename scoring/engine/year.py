"""One year of a dataset as flat arrays the evaluator works on.

Every value is a float64 array with NaN for "no data": counts and scores as they are, flags as
0/1, ratings as their rank (KHTNV 0 … HTXSNV 3), coded columns as their category code. Unit
values are aligned to organisation positions (row i of `to_chuc`), member values to the members
of the year. Which unit or member belongs under which organisation is worked out once per pair
of levels, by walking the tree one level at a time (`tree.ancestor_where`).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from scoring import tree
from scoring.criteria.expr import POPULATIONS
from scoring.dataset import Dataset


def as_float(series: pd.Series) -> np.ndarray:
    """A typed column as float64 with NaN for missing (categoricals by their code)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.float64)
        codes[codes < 0] = np.nan
        return codes
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


class YearData:
    """The arrays of one year; `available` is False when the dataset has no row for that year."""

    def __init__(self, dataset: Dataset, year: int) -> None:
        self.dataset = dataset
        self.year = year
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
            else:
                start = self.parent[self.orgs_of(POPULATIONS[population])]  # strictly below
            self._owner_cache[key] = nearest[start]  # start -1 (no parent) reads the -1 at the end
        return self._owner_cache[key]

"""What every scoring page shows, read from the database and cut to the reader's scope here, in the
library: the figures of every unit (`scoring.store.figures`: the approved reports of every year
scored once per state and plan, so ranks are taken among all peers) are cut before anything reaches
a page. The cut is Arrow set membership over whole columns; each table of a year is cut when a page
first reads it.

Who sees what (`reach`):

- `quan_tri` (and a visitor of the demo): everything.
- `xem`: unit-level figures of every unit; no member row, name or id anywhere.
- `cap_uy_co_so`: its TCCSĐ and everything below it (members included); `chi_bo`: its unit and its
  members. Both also see the unit-level figures of the organisations above them (the board of their
  đảng bộ cấp trên cơ sở is the plan's targets, which concern them); no other unit's name or score —
  the same units the «Duyệt» board lists for them. A rank is still taken among every peer: a row
  says its rank, the size of its group and the leader's score, and names the leader only when the
  reader may see it.

`scoped_data` gives a `ScopedData` (a cut dataset, cut results per year, the rating check and
shortlist cut, completeness per year); `check_target` refuses (and logs, through
`Store.require_scope`) a deep link to a unit or member outside the scope.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring.domain.codes import CHI_BO_LEVELS, TCCSD_LEVELS
from scoring.domain.tree import ancestors_of, parent_positions
from scoring.engine.awards import Shortlist
from scoring.engine.rating_report import RatingReport
from scoring.engine.score import ScoreResult, score
from scoring.input.dataset import Dataset
from scoring.input.report import ValidationReport
from scoring.plans.model import CriteriaSet
from scoring.store import plan_files
from scoring.store.accounts import Account
from scoring.store.errors import PermissionDenied
from scoring.store.figures import Figures, figures, forget
from scoring.store.service import Store

#: the roles that see everything
FULL_ROLES = ("quan_tri",)
HIDDEN_LEADER = "(ngoài phạm vi)"
GROUP_SIZE = "Số trong nhóm"
LEADER_SCORE = "Điểm điển hình"
#: the levels counted by the completeness sentence
LEVEL_WORDS = (("chi bộ", CHI_BO_LEVELS), ("TCCSĐ", TCCSD_LEVELS))


@dataclass(frozen=True)
class Reach:
    """The units whose unit-level figures a reader sees, and those whose members they see."""

    units: frozenset[str]
    members: frozenset[str]
    scope: frozenset[str]  # the account's own scope (what completeness counts)
    label: str


def _ancestors(tree: pd.DataFrame, units: set[str]) -> set[str]:
    ids = tree["ma_to_chuc"].astype(str)
    parent = parent_positions(ids, tree["ma_cap_tren"].astype("string"))
    above = ancestors_of(parent, ids.isin(units).to_numpy())
    return set(ids[above])


def reach(store: Store, actor: Account | None, demo: bool = False, tree: pd.DataFrame | None = None) -> Reach | None:
    """What `actor` may see (None: nothing — an anonymous visitor outside the demo). The role is the
    one stored now, never the one the session remembers. `tree`: the store's, when already read."""
    tree = store.tree() if tree is None else tree
    every = frozenset(tree["ma_to_chuc"].astype(str))
    if actor is None:
        return Reach(every, every, every, "bản trình diễn trên dữ liệu mẫu") if demo else None
    me = store.current_account(actor)
    if me.vai_tro in FULL_ROLES:
        return Reach(every, every, every, "toàn Đảng bộ")
    if me.vai_tro == "xem":
        return Reach(every, frozenset(), every, "toàn Đảng bộ, chỉ số liệu cấp đơn vị")
    scope = store.scope(me)
    return Reach(
        frozenset(scope | _ancestors(tree, scope)), frozenset(scope), frozenset(scope), f"phạm vi của {me.label}"
    )


_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget every figure built and every cut, and the approved dataset they come from (tests: a
    database emptied and refilled)."""
    with _LOCK:
        _SCOPED.clear()
    forget()


# --- the cut -----------------------------------------------------------------------------------


class _Ids:
    """A set of ids as an Arrow value set, built once per reader: membership of a whole column is one
    hashed pass in C (a Python set of a province's member ids costs seconds per `isin`)."""

    def __init__(self, ids: pd.Series | frozenset[str] | set[str]) -> None:
        values = pd.Series(list(ids), dtype=object) if isinstance(ids, (set, frozenset)) else ids
        self.values = pa.array(pd.unique(values.astype(str).to_numpy(dtype=object)), pa.string())

    def __len__(self) -> int:
        return len(self.values)

    def __or__(self, other: _Ids) -> _Ids:
        joined = _Ids(set())
        joined.values = pa.concat_arrays([self.values, other.values])
        return joined

    def mask(self, column: pd.Series) -> np.ndarray:
        """Which rows of `column` hold one of these ids (a category column: tested per category)."""
        if isinstance(column.dtype, pd.CategoricalDtype):
            categories = self.mask(pd.Series(column.cat.categories, dtype=object))
            codes = column.cat.codes.to_numpy()
            return np.where(codes >= 0, categories[np.clip(codes, 0, None)], False) if len(categories) else codes >= 0
        text = pa.array(column.astype("string"), type=pa.string(), from_pandas=True)
        found = pc.fill_null(pc.is_in(text, value_set=self.values), False)
        return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def _cut_dataset(dataset: Dataset, units: _Ids, members_of: _Ids) -> Dataset:
    orgs = dataset.to_chuc[units.mask(dataset.to_chuc["ma_to_chuc"])].reset_index(drop=True)
    ids = list(orgs["ma_to_chuc"].astype(str))
    orgs = orgs.assign(ma_cap_tren=orgs["ma_cap_tren"].cat.set_categories(ids))
    members = dataset.dang_vien[members_of.mask(dataset.dang_vien["ma_chi_bo"])]
    members = members.assign(ma_chi_bo=members["ma_chi_bo"].cat.set_categories(ids)).reset_index(drop=True)
    figures = dataset.don_vi_nam[units.mask(dataset.don_vi_nam["ma_to_chuc"])]
    figures = figures.assign(ma_to_chuc=figures["ma_to_chuc"].cat.set_categories(ids)).reset_index(drop=True)
    tasks = dataset.nhiem_vu
    if "ma_to_chuc" in tasks.columns:
        tasks = tasks[units.mask(tasks["ma_to_chuc"])].reset_index(drop=True)
    return Dataset(to_chuc=orgs, dang_vien=members, don_vi_nam=figures, source=dataset.source, nhiem_vu=tasks)


def _ranked(table: pd.DataFrame, id_column: str, visible: _Ids) -> pd.DataFrame:
    """The rows of `visible` ids, each with its group's size and leader's score; the leader named only
    when visible."""
    groups = table["nhom_thi_dua"].astype(str)
    sizes = groups.map(groups.value_counts())
    leader = table["tong_diem"] + table["khoang_cach_dien_hinh"].fillna(0)
    keep = visible.mask(table[id_column])
    out = table[keep].copy()
    out[GROUP_SIZE] = sizes[keep].to_numpy()
    out[LEADER_SCORE] = leader[keep].to_numpy()
    known = visible.mask(out["dien_hinh"])
    out["dien_hinh"] = out["dien_hinh"].astype(str).where(known, HIDDEN_LEADER)
    return out.reset_index(drop=True)


class ScopedResult:
    """A year's scoring cut to the reader: the tables of `ScoreResult` the views read, only rows the
    reader may see (organisations of `Reach.units`, members of `Reach.members`). Each table is cut
    when a page first reads it: the long per-criterion table with its explanations is built only for
    the pages that show it."""

    def __init__(self, result: ScoreResult, units: _Ids, member_ids: _Ids) -> None:
        self.year = result.year
        self.criteria = result.criteria
        self._result = result
        self._units = units
        self._members = member_ids
        self._visible = units | member_ids

    def _rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame[self._visible.mask(frame["ma"])].reset_index(drop=True)

    @cached_property
    def ket_qua_tieu_chi(self) -> pd.DataFrame:
        result = self._result
        return self._rows(result.ket_qua_tieu_chi if len(self._members) else result.ket_qua_to_chuc)

    @cached_property
    def ket_qua_to_chuc(self) -> pd.DataFrame:
        return self._rows(self._result.ket_qua_to_chuc)

    @cached_property
    def ket_qua_so(self) -> pd.DataFrame:
        return self._rows(self._result.ket_qua_so)

    @cached_property
    def xep_hang_to_chuc(self) -> pd.DataFrame:
        return _ranked(self._result.xep_hang_to_chuc, "ma_to_chuc", self._units)

    @cached_property
    def xep_hang_dang_vien(self) -> pd.DataFrame:
        return _ranked(self._result.xep_hang_dang_vien, "ma_dang_vien", self._members)

    @cached_property
    def tong_diem(self) -> pd.DataFrame:
        return self._rows(self._result.tong_diem)


def _cut_report(report: RatingReport, units: _Ids, members_of: _Ids) -> RatingReport:
    ratings = report.ratings
    members = ratings.members[members_of.mask(ratings.members["ma_chi_bo"])].reset_index(drop=True)
    rated = ratings.units[units.mask(ratings.units["ma_to_chuc"])].reset_index(drop=True)
    quota = report.member_quota
    if quota is not None:
        quota = quota[units.mask(quota["ma_to_chuc"])].reset_index(drop=True)
    cut = type(ratings)(ratings.year, ratings.rules, members, rated)
    groups = report.collective_quota
    if groups is not None and "ma_to_chuc" in groups:  # the groups under an organisation the reader sees
        groups = groups[units.mask(groups["ma_to_chuc"])].reset_index(drop=True)
    return RatingReport(report.year, report.rules, cut, quota, groups)


def _cut_shortlist(chosen: Shortlist, units: _Ids, member_ids: _Ids) -> Shortlist:
    table = chosen.table
    is_member = (table["doi_tuong"].astype(str) == "đảng viên").to_numpy()
    keep = (is_member & member_ids.mask(table["ma"])) | (~is_member & units.mask(table["ma"]))
    return Shortlist(chosen.year, table[keep].reset_index(drop=True), chosen.awards, chosen.note)


def _completeness(full: Figures, tree: pd.DataFrame, scope: _Ids) -> dict[int, str]:
    """Per year not every unit of the scope has an approved report: «Năm 2026: 214/300 chi bộ,
    70/80 TCCSĐ đã được duyệt», counted within the scope."""
    ids = tree["ma_to_chuc"]
    in_scope = scope.mask(ids)
    levels = [(word, in_scope & tree["cap"].astype(str).isin(kinds).to_numpy()) for word, kinds in LEVEL_WORDS]
    said: dict[int, str] = {}
    for year in sorted(full.approved):
        done = _Ids(full.approved[year]).mask(ids)
        parts, missing = [], False
        for word, level in levels:
            total = int(level.sum())
            if not total:
                continue
            count = int((level & done).sum())
            missing |= count < total
            parts.append(f"{count}/{total} {word}")
        if missing:
            said[year] = f"Năm {year}: {', '.join(parts)} đã được duyệt"
    return said


class _Results(Mapping[int, ScopedResult]):
    """Each year's cut scoring, the year scored (on every unit, once per state) when first read."""

    def __init__(self, full: Figures, criteria: CriteriaSet, units: _Ids, member_ids: _Ids) -> None:
        assert full.dataset is not None
        self._full, self._criteria, self._units, self._members = full, criteria, units, member_ids
        self._years = sorted(full.dataset.years)
        self._cut: dict[int, ScopedResult] = {}

    def __getitem__(self, year: int) -> ScopedResult:
        if year not in self._years:
            raise KeyError(year)
        with _LOCK:
            hit = self._cut.get(year)
        if hit is None:
            hit = ScopedResult(self._full.score(self._criteria, year), self._units, self._members)
            with _LOCK:
                self._cut[year] = hit
        return hit

    def __iter__(self) -> Iterator[int]:
        return iter(self._years)

    def __len__(self) -> int:
        return len(self._years)


class ScopedData:
    """What the scoring pages show of the database for one reader and plan, cut in the library. Each
    part is computed (on every unit, once per state: `scoring.store.figures`) and cut when a page
    first asks for it: the Xếp hạng page never pays for the shortlist, nor Khen thưởng for the charts."""

    def __init__(self, store: Store, full: Figures, seen: Reach, criteria: CriteriaSet, tree: pd.DataFrame) -> None:
        assert full.dataset is not None
        self.reach = seen
        self.criteria = criteria
        self.report: ValidationReport = full.report
        self._store, self._full = store, full
        self._units, self._members_of = _Ids(seen.units), _Ids(seen.members)
        #: the cut dataset (organisations, members and unit figures the reader may see)
        self.dataset = _cut_dataset(full.dataset, self._units, self._members_of)
        self._member_ids = _Ids(self.dataset.dang_vien["ma_dang_vien"])
        self.results: Mapping[int, ScopedResult] = _Results(full, criteria, self._units, self._member_ids)
        #: year -> sentence, only for years not every unit of the scope is approved
        self.completeness = _completeness(full, tree, _Ids(seen.scope))
        self._reports: dict[int, RatingReport | Exception] = {}
        self._shortlists: dict[int, Shortlist] = {}

    @property
    def years(self) -> list[int]:
        return list(self.results)

    def ratings_over_years(self, cap_tren: str) -> pd.DataFrame:
        """The rating distribution under a đảng bộ cấp trên cơ sở the reader sees (counts, no names)."""
        if cap_tren not in self.reach.units:
            raise KeyError(cap_tren)
        return self._full.charts(self.criteria, cap_tren)[0]

    def violation_path(self, cap_tren: str) -> pd.DataFrame | None:
        """The plan's violation trend under a đảng bộ cấp trên cơ sở the reader sees (None: no such
        criterion in the plan, or outside the reader's scope)."""
        if cap_tren not in self.reach.units:
            return None
        return self._full.charts(self.criteria, cap_tren)[1]

    def rating_report(self, year: int) -> RatingReport:
        """The year's ratings checked against the rules, computed on every unit, cut to the reader
        (the rules error when no rules file is in force that year)."""
        with _LOCK:
            found = self._reports.get(year)
        if found is None:
            if year not in self.results:
                raise KeyError(year)
            checked = self._full.rating_report(self._store, year)
            found = checked if isinstance(checked, Exception) else _cut_report(checked, self._units, self._members_of)
            with _LOCK:
                self._reports[year] = found
        if isinstance(found, Exception):
            raise found
        return found

    def shortlist(self, year: int) -> Shortlist:
        """The year's award shortlist cut to the reader (KeyError: the plan names no awards; the rules
        error when no rules file is in force that year)."""
        with _LOCK:
            found = self._shortlists.get(year)
        if found is None:
            if not self.criteria.awards:
                raise KeyError(year)
            checked = self._full.rating_report(self._store, year)
            if isinstance(checked, Exception):
                raise checked
            chosen = self._full.shortlist(self._store, self.criteria, year, checked)
            found = _cut_shortlist(chosen, self._units, self._member_ids)
            with _LOCK:
                self._shortlists[year] = found
        return found


_SCOPED: dict[tuple[Any, ...], ScopedData] = {}


def scoped_data(store: Store, actor: Account | None, criteria: CriteriaSet, demo: bool = False) -> ScopedData | None:
    """The approved figures of every year for `actor`, scored by `criteria` and cut (None: the reader
    may see nothing, or nothing is approved yet — `approved_problems` says why)."""
    tree = store.tree()
    seen = reach(store, actor, demo, tree)
    if seen is None:
        return None
    full = figures(store)
    if full.dataset is None or not full.dataset.years:
        return None
    key = (str(store.engine.url), full.stamp, id(criteria), seen, plan_files.rules_signature(store))
    with _LOCK:
        hit = _SCOPED.get(key)
    if hit is not None and hit.criteria is criteria:
        return hit
    value = ScopedData(store, full, seen, criteria, tree)
    with _LOCK:
        if len(_SCOPED) > 32:
            _SCOPED.clear()
        _SCOPED[key] = value
    return value


def approved_problems(store: Store) -> ValidationReport:
    """What keeps the approved reports from being scored (empty when nothing does)."""
    return figures(store).report


def what_if_results(
    store: Store, actor: Account | None, base: CriteriaSet, changed: CriteriaSet, year: int, demo: bool = False
) -> tuple[ScopedResult, ScopedResult] | None:
    """The year scored by `base` and by `changed` (a criterion changed on the page), on every unit and
    cut to the reader: what `scoring.outputs.views.what_if` compares."""
    seen = reach(store, actor, demo)
    full = figures(store)
    if seen is None or full.dataset is None or year not in full.dataset.years:
        return None
    members = full.dataset.dang_vien
    units = _Ids(seen.units)
    member_ids = _Ids(members.loc[_Ids(seen.members).mask(members["ma_chi_bo"]), "ma_dang_vien"])
    before = ScopedResult(full.score(base, year), units, member_ids)
    after = ScopedResult(score(full.dataset, changed, year), units, member_ids)
    return before, after


def check_target(store: Store, actor: Account | None, target: str, demo: bool = False) -> str | None:
    """None if the reader may open `target` (a unit or member id, as a deep link names it), else the
    Vietnamese sentence to show; the refusal is logged (`Store.require_scope`)."""
    seen = reach(store, actor, demo)
    if seen is None:
        return "Trang này cần đăng nhập."
    if target in seen.units:
        return None
    tree = set(store.tree()["ma_to_chuc"].astype(str))
    unit: str | None = target if target in tree else None
    full = figures(store)
    if unit is None and full.dataset is not None:
        members = full.dataset.dang_vien
        found = members.loc[members["ma_dang_vien"].astype(str) == target, "ma_chi_bo"]
        if len(found):
            unit = str(found.iloc[-1])
            if unit in seen.members:
                return None
    if unit is None or actor is None:
        return None  # unknown: the page says nothing has that id
    try:
        store.require_scope(actor, unit, "xem_phieu_diem")
    except PermissionDenied:
        return f"Mã «{target}» nằm ngoài phạm vi tài khoản của bạn: không xem được phiếu điểm này."
    return None


__all__ = [
    "GROUP_SIZE",
    "LEADER_SCORE",
    "Reach",
    "ScopedData",
    "ScopedResult",
    "approved_problems",
    "check_target",
    "clear_cache",
    "reach",
    "scoped_data",
    "what_if_results",
]

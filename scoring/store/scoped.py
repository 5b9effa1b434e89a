"""What every scoring page shows, read from the database and cut to the reader's scope here, in the
library: the approved reports of every year (all units, so ranks are taken among all peers), kept by
`scoring.store.baseline` (updated from the reports that changed, not rebuilt after each change), are
scored once per state of that dataset and plan, then cut before anything reaches a page.

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
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from scoring.domain.codes import CHI_BO_LEVELS, TCCSD_LEVELS
from scoring.engine.awards import Shortlist, shortlist
from scoring.engine.rating_report import RatingReport, rating_report
from scoring.engine.score import ScoreResult, score
from scoring.input.dataset import Dataset
from scoring.input.report import ValidationReport
from scoring.outputs.views import ratings_over_years, violation_criterion, violation_path
from scoring.plans.model import CriteriaSet
from scoring.store import baseline as approved
from scoring.store import plan_files
from scoring.store.service import Account, PermissionDenied, Store

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
    parent = dict(zip(tree["ma_to_chuc"].astype(str), tree["ma_cap_tren"], strict=True))
    found: set[str] = set()
    for unit in units:
        up = parent.get(unit)
        while isinstance(up, str) and up and up not in found:
            found.add(up)
            up = parent.get(up)
    return found


def reach(store: Store, actor: Account | None, demo: bool = False) -> Reach | None:
    """What `actor` may see (None: nothing — an anonymous visitor outside the demo). The role is the
    one stored now, never the one the session remembers."""
    tree = store.tree()
    every = frozenset(tree["ma_to_chuc"].astype(str))
    if actor is None:
        return Reach(every, every, every, "bản trình diễn (dữ liệu mẫu)") if demo else None
    me = store.current_account(actor)
    if me.vai_tro in FULL_ROLES:
        return Reach(every, every, every, "toàn Đảng bộ")
    if me.vai_tro == "xem":
        return Reach(every, frozenset(), every, "toàn Đảng bộ, chỉ số liệu cấp đơn vị")
    scope = store.scope(me)
    return Reach(
        frozenset(scope | _ancestors(tree, scope)), frozenset(scope), frozenset(scope), f"phạm vi của {me.label}"
    )


# --- the full figures: the approved dataset kept by `scoring.store.baseline` (updated from the
# reports that changed, not rebuilt), scored once per state and plan (never handed out) -----------


@dataclass
class _Full:
    stamp: int  # the baseline state these figures are of
    dataset: Dataset | None
    report: ValidationReport
    approved: frozenset[tuple[str, int]]  # (ma_to_chuc, nam) of every approved report
    results: dict[tuple[int, int], tuple[CriteriaSet, ScoreResult]] = field(default_factory=dict)


_LOCK = threading.Lock()
_FULL: dict[tuple[str, int], _Full] = {}


def _full(store: Store) -> _Full:
    base = approved.baseline(store)  # two indexed lookups when nothing changed
    key = (str(store.engine.url), base.stamp)
    with _LOCK:
        if key in _FULL:
            return _FULL[key]
    value = _Full(base.stamp, base.dataset, base.report, frozenset(base.reports))
    with _LOCK:
        _FULL.clear()  # one state at a time
        _FULL[key] = value
    return value


def clear_cache() -> None:
    """Forget every figure built, and the approved dataset they come from (tests: a database emptied
    and refilled)."""
    with _LOCK:
        _FULL.clear()
        _SCOPED.clear()
    approved.forget()


def _scored(full: _Full, criteria: CriteriaSet, year: int) -> ScoreResult:
    assert full.dataset is not None
    key = (id(criteria), year)
    with _LOCK:
        hit = full.results.get(key)
    if hit is not None and hit[0] is criteria:
        return hit[1]
    result = score(full.dataset, criteria, year)
    with _LOCK:
        full.results[key] = (criteria, result)
    return result


# --- the cut -----------------------------------------------------------------------------------


def _cut_dataset(dataset: Dataset, seen: Reach) -> Dataset:
    orgs = dataset.to_chuc[dataset.to_chuc["ma_to_chuc"].astype(str).isin(seen.units)].reset_index(drop=True)
    ids = list(orgs["ma_to_chuc"].astype(str))
    orgs = orgs.assign(ma_cap_tren=orgs["ma_cap_tren"].cat.set_categories(ids))
    members = dataset.dang_vien[dataset.dang_vien["ma_chi_bo"].astype(str).isin(seen.members)]
    members = members.assign(ma_chi_bo=members["ma_chi_bo"].cat.set_categories(ids)).reset_index(drop=True)
    units = dataset.don_vi_nam[dataset.don_vi_nam["ma_to_chuc"].astype(str).isin(seen.units)]
    units = units.assign(ma_to_chuc=units["ma_to_chuc"].cat.set_categories(ids)).reset_index(drop=True)
    tasks = dataset.nhiem_vu
    if "ma_to_chuc" in tasks.columns:
        tasks = tasks[tasks["ma_to_chuc"].astype(str).isin(seen.units)].reset_index(drop=True)
    return Dataset(to_chuc=orgs, dang_vien=members, don_vi_nam=units, source=dataset.source, nhiem_vu=tasks)


def _ranked(table: pd.DataFrame, id_column: str, visible: set[str] | frozenset[str]) -> pd.DataFrame:
    """The rows of `visible` ids, each with its group's size and leader's score; the leader named only
    when visible."""
    groups = table["nhom_thi_dua"].astype(str)
    sizes = groups.map(groups.value_counts())
    leader = table["tong_diem"] + table["khoang_cach_dien_hinh"].fillna(0)
    keep = table[id_column].astype(str).isin(visible).to_numpy()
    out = table[keep].copy()
    out[GROUP_SIZE] = sizes[keep].to_numpy()
    out[LEADER_SCORE] = leader[keep].to_numpy()
    known = out["dien_hinh"].astype(str).isin(visible)
    out["dien_hinh"] = out["dien_hinh"].astype(str).where(known, HIDDEN_LEADER)
    return out.reset_index(drop=True)


@dataclass
class ScopedResult:
    """A year's scoring cut to the reader: the tables of `ScoreResult` the views read, only rows
    the reader may see (organisations of `Reach.units`, members of `Reach.members`)."""

    year: int
    criteria: CriteriaSet
    ket_qua_tieu_chi: pd.DataFrame
    ket_qua_to_chuc: pd.DataFrame
    ket_qua_so: pd.DataFrame
    xep_hang_to_chuc: pd.DataFrame
    xep_hang_dang_vien: pd.DataFrame
    tong_diem: pd.DataFrame


def _cut_result(result: ScoreResult, seen: Reach, member_ids: set[str]) -> ScopedResult:
    visible = set(seen.units) | member_ids

    def rows(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["ma"].astype(str).isin(visible).to_numpy()].reset_index(drop=True)

    members = result.xep_hang_dang_vien
    members = members[members["ma_dang_vien"].astype(str).isin(member_ids).to_numpy()] if member_ids else members[:0]
    return ScopedResult(
        year=result.year,
        criteria=result.criteria,
        ket_qua_tieu_chi=rows(result.ket_qua_tieu_chi if member_ids else result.ket_qua_to_chuc),
        ket_qua_to_chuc=rows(result.ket_qua_to_chuc),
        ket_qua_so=rows(result.ket_qua_so),
        xep_hang_to_chuc=_ranked(result.xep_hang_to_chuc, "ma_to_chuc", seen.units),
        xep_hang_dang_vien=_ranked(result.xep_hang_dang_vien, "ma_dang_vien", member_ids)
        if member_ids
        else _ranked(members, "ma_dang_vien", set()),
        tong_diem=rows(result.tong_diem),
    )


def _cut_report(report: RatingReport, seen: Reach) -> RatingReport:
    ratings = report.ratings
    members = ratings.members[ratings.members["ma_chi_bo"].astype(str).isin(seen.members)].reset_index(drop=True)
    units = ratings.units[ratings.units["ma_to_chuc"].astype(str).isin(seen.units)].reset_index(drop=True)
    quota = report.member_quota
    if quota is not None:
        quota = quota[quota["ma_to_chuc"].astype(str).isin(seen.units)].reset_index(drop=True)
    cut = type(ratings)(ratings.year, ratings.rules, members, units)
    return RatingReport(report.year, report.rules, cut, quota, report.collective_quota)


def _cut_shortlist(chosen: Shortlist, seen: Reach, member_ids: set[str]) -> Shortlist:
    table = chosen.table
    is_member = table["doi_tuong"].astype(str) == "đảng viên"
    ids = table["ma"].astype(str)
    keep = (is_member & ids.isin(member_ids)) | (~is_member & ids.isin(seen.units))
    return Shortlist(chosen.year, table[keep.to_numpy()].reset_index(drop=True), chosen.awards, chosen.note)


def _completeness(full: _Full, tree: pd.DataFrame, seen: Reach, year: int) -> str | None:
    """«Năm 2026: 214/300 chi bộ, 70/80 TCCSĐ đã được duyệt» within the scope; None when complete."""
    levels = dict(zip(tree["ma_to_chuc"].astype(str), tree["cap"].astype(str), strict=True))
    done_units = {unit for unit, nam in full.approved if nam == year}
    parts, missing = [], False
    for word, kinds in LEVEL_WORDS:
        units = [u for u in seen.scope if levels.get(u) in kinds]
        if not units:
            continue
        done = sum(1 for u in units if u in done_units)
        missing |= done < len(units)
        parts.append(f"{done}/{len(units)} {word}")
    if not missing:
        return None
    return f"Năm {year}: {', '.join(parts)} đã được duyệt"


@dataclass
class ScopedData:
    """What the scoring pages show of the database for one reader and plan, already cut."""

    reach: Reach
    dataset: Dataset  # the cut dataset (organisations, members and unit figures the reader may see)
    criteria: CriteriaSet
    results: dict[int, ScopedResult]
    completeness: dict[int, str]  # year -> sentence, only for years not every unit is approved
    report: ValidationReport
    _over_years: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _paths: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _reports: dict[int, RatingReport | Exception] = field(default_factory=dict, repr=False)
    _shortlists: dict[int, Shortlist] = field(default_factory=dict, repr=False)

    @property
    def years(self) -> list[int]:
        return sorted(self.results)

    def ratings_over_years(self, cap_tren: str) -> pd.DataFrame:
        """The rating distribution under a đảng bộ cấp trên cơ sở the reader sees (counts, no names)."""
        return self._over_years[cap_tren]

    def violation_path(self, cap_tren: str) -> pd.DataFrame | None:
        return self._paths.get(cap_tren)

    def rating_report(self, year: int) -> RatingReport:
        """The year's ratings checked against the rules, computed on every unit, cut to the reader."""
        found = self._reports[year]
        if isinstance(found, Exception):
            raise found
        return found

    def shortlist(self, year: int) -> Shortlist:
        return self._shortlists[year]


_SCOPED: dict[tuple[Any, ...], ScopedData] = {}


def scoped_data(
    store: Store, actor: Account | None, criteria: CriteriaSet, demo: bool = False, awards: bool = True
) -> ScopedData | None:
    """The approved figures of every year for `actor`, scored by `criteria` and cut (None: the reader
    may see nothing, or nothing is approved yet — `approved_problems` says why)."""
    seen = reach(store, actor, demo)
    if seen is None:
        return None
    full = _full(store)
    if full.dataset is None or not full.dataset.years:
        return None
    key = (str(store.engine.url), full.stamp, id(criteria), seen, awards, plan_files.rules_signature(store))
    with _LOCK:
        hit = _SCOPED.get(key)
    if hit is not None and hit.criteria is criteria:
        return hit
    dataset = full.dataset
    cut = _cut_dataset(dataset, seen)
    member_ids = set(cut.dang_vien["ma_dang_vien"].astype(str))
    tree = store.tree()
    results: dict[int, ScopedResult] = {}
    complete: dict[int, str] = {}
    reports: dict[int, RatingReport | Exception] = {}
    lists: dict[int, Shortlist] = {}
    for year in dataset.years:
        result = _scored(full, criteria, year)
        results[year] = _cut_result(result, seen, member_ids)
        sentence = _completeness(full, tree, seen, year)
        if sentence:
            complete[year] = sentence
        if awards:
            try:
                report = rating_report(dataset, year, plan_files.rules_in_use(store, year))
            except Exception as error:  # no rules in force that year: the page says so
                reports[year] = error
                continue
            reports[year] = _cut_report(report, seen)
            if criteria.awards:
                lists[year] = _cut_shortlist(shortlist(dataset, result, report.ratings), seen, member_ids)
    tops = dataset.to_chuc[(dataset.to_chuc["cap"] == "cap_tren_co_so").to_numpy()]
    fall = violation_criterion(criteria)
    over, paths = {}, {}
    for top in tops["ma_to_chuc"].astype(str):
        if top in seen.units:
            over[top] = ratings_over_years(dataset, top)
            if fall is not None:
                paths[top] = violation_path(dataset, criteria, top, fall.id)
    value = ScopedData(seen, cut, criteria, results, complete, full.report, over, paths, reports, lists)
    with _LOCK:
        if len(_SCOPED) > 32:
            _SCOPED.clear()
        _SCOPED[key] = value
    return value


def approved_problems(store: Store) -> ValidationReport:
    """What keeps the approved reports from being scored (empty when nothing does)."""
    return _full(store).report


def what_if_results(
    store: Store, actor: Account | None, base: CriteriaSet, changed: CriteriaSet, year: int, demo: bool = False
) -> tuple[ScopedResult, ScopedResult] | None:
    """The year scored by `base` and by `changed` (a criterion changed on the page), on every unit and
    cut to the reader: what `scoring.outputs.views.what_if` compares."""
    seen = reach(store, actor, demo)
    full = _full(store)
    if seen is None or full.dataset is None or year not in full.dataset.years:
        return None
    members = full.dataset.dang_vien
    member_ids = set(members.loc[members["ma_chi_bo"].astype(str).isin(seen.members), "ma_dang_vien"].astype(str))
    before = _cut_result(_scored(full, base, year), seen, member_ids)
    after = _cut_result(score(full.dataset, changed, year), seen, member_ids)
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
    full = _full(store)
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

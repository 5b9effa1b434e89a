"""The approved reports of every unit and year, read and validated once per process and then kept up
to date by the reports that changed — not rebuilt on every change.

Each database (by URL) has one cached `Baseline`: the approved reports' figures, the organisation
tree, and the dataset they make. Every change of a report (save, send, return, approval, import)
adds a row to `bao_cao_phien_ban`, whose id only grows; the cache remembers the last id it reflects.
On the next call it reads the ids after that one, re-reads only those reports from `bao_cao` (their
current state), validates only the approved ones (alone, as a draft is validated) and splices them
into the cached frames (members, unit figures and Nhiệm vụ rows): the unit-year's rows are replaced,
or removed when the report is no longer approved. The splice is vectorised (one mask per changed
year and table, one concat); the loop is over the handful of changed reports only. A change that
leaves the approved reports as they were (a draft saved, sent, returned) keeps the same `Baseline`.

Anything unusual falls back to a full rebuild, so the result is always what a rebuild gives:
the tree was imported again; the history was rewritten (the row at the remembered id is gone or
differs: a restore, a TRUNCATE); after an update the number of approved reports is not the database's
(a report deleted without a version row); a changed report does not validate, or a member is now in two
approved reports of a year (the full rebuild then reports it exactly, rows numbered as ever); the
baseline already had errors. On PostgreSQL a transaction may commit after one that took a later id:
ids missing below the newest one read are remembered (`gaps`) and looked for again on each call for
`GAP_SECONDS`, so such a report is picked up as soon as it commits.

Thread safety: one lock per URL serialises updates (Streamlit runs pages in threads); a published
`Baseline` is never changed afterwards (an update makes new frames and a new dict), so a page still
holding the previous one reads a consistent snapshot. Memory: one baseline per URL, and at most
`MAX_DATABASES` URLs (least recently used dropped).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, select

from scoring.input.dataset import Dataset, dataset_from_frames
from scoring.input.report import ValidationReport
from scoring.store.models import BaoCao, BaoCaoPhienBan, NhatKy
from scoring.store.service import Store
from scoring.store.submission import _lineage, submission_frames, submission_tasks

SOURCE = "Báo cáo đã duyệt"
MAX_DATABASES = 2
GAP_SECONDS = 120.0  # how long an id missing below the newest is looked for (an uncommitted transaction)
GAP_WINDOW = 1000  # on a full rebuild, the recent ids looked at for ones not yet committed
HISTORY = 16  # the earlier states a baseline says the changed years since

_STAMPS = itertools.count(1)


@dataclass(frozen=True)
class Baseline:
    """Every approved report (all units, all years), the tree, and the dataset they make, validated.
    `stamp` is unique to this state in the process: it keys what is computed from it."""

    reports: dict[tuple[str, int], dict[str, Any]]
    tree: pd.DataFrame
    dataset: Dataset | None
    report: ValidationReport
    stamp: int = field(default_factory=lambda: next(_STAMPS))
    #: (stamp of an earlier state, the years whose approved reports changed since), newest first, for
    #: the last `HISTORY` updates; empty after a full rebuild. What is computed from a year and the
    #: years before it only (scores, rating checks, shortlists) stays valid for the years before them.
    history: tuple[tuple[int, frozenset[int]], ...] = ()

    def changed_since(self, stamp: int) -> frozenset[int] | None:
        """The years changed since the state `stamp` (None: unknown — not among the last updates)."""
        if stamp == self.stamp:
            return frozenset()
        return dict(self.history).get(stamp)


@dataclass
class _State:
    baseline: Baseline
    top: tuple[int, Any]  # (id, luc) of the newest version row reflected; (0, None) when none
    tree: tuple[int, Any]  # (id, luc) of the newest tree import reflected
    gaps: dict[int, float]  # version ids not yet seen below `top`, with when they were first missed


_LOCK = threading.Lock()  # guards the two dicts below (held briefly)
_URL_LOCKS: dict[str, threading.Lock] = {}
_STATES: OrderedDict[str, _State] = OrderedDict()
_COUNTS = {"full": 0, "incremental": 0}  # for tests and benchmarks: how each update was made


def validated(
    tree: pd.DataFrame, submissions: list[tuple[str, int, dict[str, Any]]], source: str = SOURCE
) -> tuple[Dataset | None, ValidationReport]:
    """The dataset `submissions` make on `tree` (their Nhiệm vụ rows included), checked exactly as
    files are."""
    units, members = submission_frames(submissions)
    tables = {"to_chuc": tree, "dang_vien": members, "don_vi_nam": units}
    tables["nhiem_vu"] = submission_tasks(submissions)  # the Nhiệm vụ rows, for plans scored by tasks
    present = {name: frame for name, frame in tables.items() if not frame.empty}  # a đảng bộ lists no members
    return dataset_from_frames(present, source=source, may_lack=("dang_vien", "don_vi_nam"))


def baseline(store: Store) -> Baseline:
    """The approved reports as they are in the database now, updated from the cached state by the
    reports changed since (a full read the first time and after anything unusual)."""
    url = str(store.engine.url)
    with _LOCK:
        lock = _URL_LOCKS.setdefault(url, threading.Lock())
    with lock:
        with _LOCK:
            state = _STATES.get(url)
        state = _sync(store, state)
        with _LOCK:
            _STATES[url] = state
            _STATES.move_to_end(url)
            while len(_STATES) > MAX_DATABASES:
                _STATES.popitem(last=False)  # its lock stays: a thread may hold it
        return state.baseline


def forget(store: Store | None = None) -> None:
    """Drop the cached state (of one database, or all): the next call reads everything again."""
    with _LOCK:
        if store is None:
            _STATES.clear()
        else:
            _STATES.pop(str(store.engine.url), None)


def _newest(db: Connection) -> tuple[tuple[int, Any], tuple[int, Any]]:
    top = db.execute(select(BaoCaoPhienBan.id, BaoCaoPhienBan.luc).order_by(BaoCaoPhienBan.id.desc()).limit(1)).first()
    tree = db.execute(
        select(NhatKy.id, NhatKy.luc).where(NhatKy.hanh_dong == "nap_to_chuc").order_by(NhatKy.id.desc()).limit(1)
    ).first()
    return (int(top.id), top.luc) if top else (0, None), (int(tree.id), tree.luc) if tree else (0, None)


def _sync(store: Store, state: _State | None) -> _State:
    with store.engine.connect() as db:
        top, tree = _newest(db)
        if state is not None and state.top == top and state.tree == tree and not state.gaps:
            return state  # nothing changed: the warm path, two indexed lookups
        if state is None or state.tree != tree or state.baseline.dataset is None or top[0] < state.top[0]:
            return _full(store, db, top, tree)
        if state.top[0]:
            anchor = db.execute(select(BaoCaoPhienBan.luc).where(BaoCaoPhienBan.id == state.top[0])).first()
            if anchor is None or anchor.luc != state.top[1]:  # the history was rewritten (restore, truncate)
                return _full(store, db, top, tree)
        wanted = BaoCaoPhienBan.id > state.top[0]
        if state.gaps:
            wanted = wanted | BaoCaoPhienBan.id.in_(list(state.gaps))
        versions = db.execute(select(BaoCaoPhienBan.id, BaoCaoPhienBan.bao_cao_id).where(wanted)).all()
        newest = max([top[0], *(int(v.id) for v in versions)])
        if newest != top[0]:  # committed between the two reads: the newest read is the anchor
            top = (newest, db.scalar(select(BaoCaoPhienBan.luc).where(BaoCaoPhienBan.id == newest)))
        gaps = _gaps(state.gaps, state.top[0], top[0], {int(v.id) for v in versions})
        changed = sorted({int(v.bao_cao_id) for v in versions})
        rows = (
            db.execute(
                select(BaoCao.ma_to_chuc, BaoCao.nam, BaoCao.trang_thai, BaoCao.du_lieu).where(BaoCao.id.in_(changed))
            ).all()
            if changed
            else []
        )
        approved = db.scalar(select(func.count()).select_from(BaoCao).where(BaoCao.trang_thai == "da_duyet"))
    base = _splice(state.baseline, [(r.ma_to_chuc, int(r.nam), r.trang_thai, dict(r.du_lieu)) for r in rows])
    if base is None or len(base.reports) != approved:
        # a changed report has problems (the full rebuild says which, as ever), or a report went away
        # without a version row (deleted) or came in between the reads: read everything again
        with store.engine.connect() as db:
            top, tree = _newest(db)
            return _full(store, db, top, tree)
    _COUNTS["incremental"] += 1
    return _State(base, top, tree, gaps)


def _gaps(old: dict[int, float], low: int, high: int, seen: set[int]) -> dict[int, float]:
    """Ids in (low, high] not seen, and earlier gaps still missing, unless looked for long enough."""
    now = time.monotonic()
    gaps = {i: t for i, t in old.items() if i not in seen and now - t < GAP_SECONDS}
    if high - low <= 100_000:  # a huge jump is a bulk import, committed at once
        for i in range(low + 1, high + 1):
            if i not in seen:
                gaps.setdefault(i, now)
    return gaps


def _full(store: Store, db: Connection, top: tuple[int, Any], tree_anchor: tuple[int, Any]) -> _State:
    recent = {
        int(i) for i in db.scalars(select(BaoCaoPhienBan.id).where(BaoCaoPhienBan.id > top[0] - GAP_WINDOW)).all()
    }
    rows = db.execute(
        select(BaoCao.ma_to_chuc, BaoCao.nam, BaoCao.du_lieu).where(BaoCao.trang_thai == "da_duyet")
    ).all()
    reports = {(r.ma_to_chuc, int(r.nam)): dict(r.du_lieu) for r in rows}
    tree = Store._tree_frame(db)
    dataset, report = validated(tree, [(u, y, d) for (u, y), d in reports.items()])
    _COUNTS["full"] += 1
    gaps = _gaps({}, max(0, top[0] - GAP_WINDOW), top[0], recent)
    return _State(Baseline(reports, tree, dataset, report), top, tree_anchor, gaps)


def _without(frame: pd.DataFrame, column: str, drop: dict[int, set[str]]) -> np.ndarray:
    """The mask of rows to keep: not of a (unit, year) in `drop` (one pass per year)."""
    keep = np.ones(len(frame), dtype=bool)
    if frame.empty:
        return keep
    years = frame["nam"].to_numpy()
    for year, units in drop.items():
        rows = np.flatnonzero(years == year)
        if len(rows):
            hit = frame[column].iloc[rows].astype(object).isin(units).to_numpy()
            keep[rows[hit]] = False
    return keep


def _splice(base: Baseline, changed: list[tuple[str, int, str, dict[str, Any]]]) -> Baseline | None:
    """`base` with the changed reports' rows replaced (approved) or removed (not approved); None when
    the approved ones do not validate, alone or against the rest (a member in two reports of a year)."""
    old = base.dataset
    assert old is not None
    reports = dict(base.reports)
    drop: dict[int, set[str]] = {}
    added: list[tuple[str, int, dict[str, Any]]] = []
    for unit, year, status, data in changed:
        if (unit, year) in reports:
            drop.setdefault(year, set()).add(unit)
            del reports[(unit, year)]
        if status == "da_duyet":
            drop.setdefault(year, set()).add(unit)
            reports[(unit, year)] = data
            added.append((unit, year, data))
    if not drop:
        return base  # no approved report changed (a draft saved, sent, returned): the same state
    fresh: Dataset | None = None
    if added:
        fresh, checked = validated(_lineages(base.tree, {u for u, _, _ in added}), added)
        if fresh is None or not checked.ok:
            return None
        fresh = Dataset(
            to_chuc=old.to_chuc,
            dang_vien=_typed_like(fresh.dang_vien, old.dang_vien),
            don_vi_nam=_typed_like(fresh.don_vi_nam, old.don_vi_nam),
            source=SOURCE,
            nhiem_vu=_typed_like(fresh.nhiem_vu, old.nhiem_vu),
        )
    keep_members = _without(old.dang_vien, "ma_chi_bo", drop)
    keep_units = _without(old.don_vi_nam, "ma_to_chuc", drop)
    keep_tasks = _without(old.nhiem_vu, "ma_to_chuc", drop)  # a unit-year's tasks are its report's
    if fresh is not None and _shared(old.dang_vien, keep_members, fresh.dang_vien):
        return None
    dataset = Dataset(
        to_chuc=old.to_chuc,
        dang_vien=_joined(old.dang_vien[keep_members], None if fresh is None else fresh.dang_vien),
        don_vi_nam=_joined(old.don_vi_nam[keep_units], None if fresh is None else fresh.don_vi_nam),
        source=SOURCE,
        nhiem_vu=_joined(old.nhiem_vu[keep_tasks], None if fresh is None else fresh.nhiem_vu),
    )
    years = frozenset(drop)
    history = ((base.stamp, years), *((stamp, since | years) for stamp, since in base.history))
    return Baseline(reports, base.tree, dataset, base.report, history=history[:HISTORY])


def _lineages(tree: pd.DataFrame, units: set[str]) -> pd.DataFrame:
    """The changed units and the organisations above them: all their reports refer to (checking a
    report against the whole tree costs as much as the tree, whatever the report's size)."""
    chains = [_lineage(tree, unit)["ma_to_chuc"] for unit in sorted(units)]
    return tree[tree["ma_to_chuc"].isin(pd.concat(chains))]


def _typed_like(fresh: pd.DataFrame, cached: pd.DataFrame) -> pd.DataFrame:
    """`fresh` with the cached frame's column types: codes checked against part of the tree are
    categories of that part; as categories of the whole tree they are the values a rebuild gives (an
    empty cached frame has them too: the first Nhiệm vụ rows)."""
    if fresh.empty or list(fresh.columns) != list(cached.columns):
        return fresh
    changed = {c: cached[c].dtype for c in fresh.columns if fresh[c].dtype != cached[c].dtype}
    return fresh.astype(changed) if changed else fresh


def _joined(kept: pd.DataFrame, fresh: pd.DataFrame | None) -> pd.DataFrame:
    """The kept rows then the fresh ones (an empty side left out, so the column types stay)."""
    if fresh is None or fresh.empty:
        return kept.reset_index(drop=True)
    if kept.empty:
        return fresh.reset_index(drop=True)
    return pd.concat([kept, fresh], ignore_index=True)


def _shared(members: pd.DataFrame, keep: np.ndarray, fresh: pd.DataFrame) -> bool:
    """Whether a member of the fresh rows is already in a kept row of the same year."""
    if fresh.empty or members.empty:
        return False
    years = members["nam"].to_numpy()
    for year, ids in fresh.groupby("nam", observed=True)["ma_dang_vien"]:
        rows = np.flatnonzero(keep & (years == year))
        if len(rows) and members["ma_dang_vien"].iloc[rows].isin(set(ids.dropna())).any():
            return True
    return False


def counts() -> dict[str, int]:
    """How many full rebuilds and incremental updates this process made (tests, benchmarks)."""
    return dict(_COUNTS)


__all__ = ["SOURCE", "Baseline", "baseline", "counts", "forget", "validated"]

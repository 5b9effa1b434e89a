"""The approved reports of every year, within what the reader may see, as the dataset the engine scores
(the shape of a report's figures: `scoring.store.submission`). Taken from the per-database baseline
(`scoring.store.baseline`: read and validated once, then updated by the reports that change), cut to
the reader's units; read and validated afresh only when the approved reports have errors (so a reader
is told only of the problems of the reports it may see)."""

from __future__ import annotations

from sqlalchemy import select

from scoring.input.dataset import Dataset, dataset_from_frames
from scoring.input.report import ValidationReport
from scoring.store.accounts import Account
from scoring.store.baseline import SOURCE, baseline
from scoring.store.models import BaoCao
from scoring.store.service import Store
from scoring.store.submission import submission_frames


def approved_dataset(store: Store, actor: Account) -> tuple[Dataset | None, ValidationReport]:
    """The dataset of every approved submission the actor may read, all years (so trends and streaks
    have their earlier years), on the stored organisation tree."""
    scope = store.scope(actor)
    base = baseline(store)
    data = base.dataset
    if data is not None:  # the coverage warnings of the whole set are not repeated to each reader
        everything = set(base.tree["ma_to_chuc"].astype(str)) <= scope
        members = (
            data.dang_vien if everything else data.dang_vien[data.dang_vien["ma_chi_bo"].astype(object).isin(scope)]
        )
        units = (
            data.don_vi_nam if everything else data.don_vi_nam[data.don_vi_nam["ma_to_chuc"].astype(object).isin(scope)]
        )
        dataset = Dataset(
            to_chuc=data.to_chuc.copy(deep=False),  # the cached frames stay as they are whatever the caller does
            dang_vien=members.reset_index(drop=True) if not everything else members.copy(deep=False),
            don_vi_nam=units.reset_index(drop=True) if not everything else units.copy(deep=False),
            source=SOURCE,
            nhiem_vu=data.nhiem_vu,
        )
        return dataset, ValidationReport()
    return _read(store, scope)


def _read(store: Store, scope: set[str]) -> tuple[Dataset | None, ValidationReport]:
    """The actor's approved reports read and validated afresh (only when the whole set has problems)."""
    with store.engine.connect() as db:
        rows = db.execute(select(BaoCao).where(BaoCao.trang_thai == "da_duyet")).all()
    chosen = [(r.ma_to_chuc, r.nam, dict(r.du_lieu)) for r in rows if r.ma_to_chuc in scope]
    units, members = submission_frames(chosen)
    return dataset_from_frames({"to_chuc": store.tree(), "dang_vien": members, "don_vi_nam": units}, source=SOURCE)

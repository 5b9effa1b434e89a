"""The approved reports of every year, within what the reader may see, as the dataset the engine scores
(the shape of a report's figures: `scoring.store.submission`)."""

from __future__ import annotations

from sqlalchemy import select

from scoring.input.dataset import Dataset, dataset_from_frames
from scoring.input.report import ValidationReport
from scoring.store.models import BaoCao
from scoring.store.service import Account, Store
from scoring.store.submission import submission_frames


def approved_dataset(store: Store, actor: Account) -> tuple[Dataset | None, ValidationReport]:
    """The dataset of every approved submission the actor may read, all years (so trends and streaks
    have their earlier years), on the stored organisation tree."""
    scope = store.scope(actor)
    with store.engine.connect() as db:
        rows = db.execute(select(BaoCao).where(BaoCao.trang_thai == "da_duyet")).all()
    chosen = [(r.ma_to_chuc, r.nam, dict(r.du_lieu)) for r in rows if r.ma_to_chuc in scope]
    units, members = submission_frames(chosen)
    return dataset_from_frames(
        {"to_chuc": store.tree(), "dang_vien": members, "don_vi_nam": units}, source="Báo cáo đã duyệt"
    )

"""Submissions as data: a submission's figures are checked exactly as an uploaded file is (the same
schema, the same Vietnamese messages), and the approved submissions of every year make the dataset
the engine scores.

A submission's `du_lieu` is {"don_vi": {unit-year column: value}, "dang_vien": [{member column: value}]}:
the unit's own row of Đơn vị năm and, for a chi bộ, its members' rows of Đảng viên (without
`ma_chi_bo` and `nam`, which the submission already says).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select

from scoring.dataset import Dataset, dataset_from_frames
from scoring.store.models import BaoCao, ToChuc
from scoring.store.service import Account, Store
from scoring.validation.report import ValidationReport

TREE_COLUMNS = ["ma_to_chuc", "ten_to_chuc", "cap", "ma_cap_tren", "loai_hinh"]


def tree_frame(store: Store) -> pd.DataFrame:
    with store.engine.connect() as db:
        rows = db.execute(select(*(getattr(ToChuc, c) for c in TREE_COLUMNS))).all()
    return pd.DataFrame(rows, columns=TREE_COLUMNS)


def _frames(submissions: list[tuple[str, int, dict[str, Any]]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    units = pd.DataFrame(
        [{**dict(data.get("don_vi") or {}), "ma_to_chuc": unit, "nam": year} for unit, year, data in submissions]
    )
    members = pd.DataFrame(
        [
            {**dict(member), "ma_chi_bo": unit, "nam": year}
            for unit, year, data in submissions
            for member in data.get("dang_vien") or []
        ]
    )
    return units, members


def check_submission(store: Store, unit: str, year: int, data: dict[str, Any]) -> ValidationReport:
    """The report an upload of these figures would get (errors block sending; warnings do not)."""
    units, members = _frames([(unit, year, data)])
    tables = {"to_chuc": tree_frame(store), "don_vi_nam": units}
    if not members.empty:  # a đảng bộ sends only its own figures
        tables["dang_vien"] = members
    _, report = dataset_from_frames(tables, source=f"Báo cáo {unit} năm {year}", may_lack=("dang_vien",))
    return report


def approved_dataset(store: Store, actor: Account) -> tuple[Dataset | None, ValidationReport]:
    """The dataset of every approved submission the actor may read, all years (so trends and streaks
    have their earlier years), on the stored organisation tree."""
    scope = store.scope(actor)
    with store.engine.connect() as db:
        rows = db.execute(select(BaoCao).where(BaoCao.trang_thai == "da_duyet")).all()
    chosen = [(r.ma_to_chuc, r.nam, dict(r.du_lieu)) for r in rows if r.ma_to_chuc in scope]
    units, members = _frames(chosen)
    return dataset_from_frames(
        {"to_chuc": tree_frame(store), "dang_vien": members, "don_vi_nam": units}, source="Báo cáo đã duyệt"
    )

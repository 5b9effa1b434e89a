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
from scoring.domain import XEP_LOAI
from scoring.schema import DANG_VIEN, DON_VI_NAM, TableSpec
from scoring.store.models import BaoCao, ToChuc
from scoring.store.service import Account, Store
from scoring.validation.report import Location, ValidationReport

TREE_COLUMNS = ["ma_to_chuc", "ten_to_chuc", "cap", "ma_cap_tren", "loai_hinh"]


def tree_frame(store: Store) -> pd.DataFrame:
    with store.engine.connect() as db:
        rows = db.execute(select(*(getattr(ToChuc, c) for c in TREE_COLUMNS)).order_by(ToChuc.ma_to_chuc)).all()
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


def _lineage(tree: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The unit and the organisations above it: all a single report's figures refer to."""
    parents = dict(zip(tree["ma_to_chuc"], tree["ma_cap_tren"], strict=True))
    chain, current = [], unit
    while current in parents and current not in chain:  # depth ≤ 4; a cycle stops it
        chain.append(current)
        current = parents[current]
    return tree[tree["ma_to_chuc"].isin(chain)]


def _titled(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """Every column of the table (blank where the report has none), under the titles users read."""
    full = frame.reindex(columns=[c.name for c in spec.columns])
    return full.rename(columns={c.name: c.title for c in spec.columns})


def _blank_ratings(report: ValidationReport, source: str, units: pd.DataFrame, members: pd.DataFrame) -> None:
    """A file may leave a rating blank (not rated); a report may not: a unit that is exempt says so."""
    exempt = XEP_LOAI.labels["MIEN"]
    for spec, frame, whose in ((DON_VI_NAM, units, "đơn vị"), (DANG_VIEN, members, "đảng viên")):
        if frame.empty:
            continue
        values = frame["xep_loai"] if "xep_loai" in frame else pd.Series([None] * len(frame))
        blank = values.isna().to_numpy() | (values.astype(str).str.strip() == "").to_numpy()
        if blank.any():
            where = Location(source, spec.title, 1, {c.name: c.title for c in spec.columns})
            names = frame["ho_ten"] if "ho_ten" in frame else pd.Series([""] * len(frame))
            report.error(
                where,
                f"Chưa chọn xếp loại của {whose} (được miễn đánh giá thì chọn «{exempt}»).",
                rows=blank.nonzero()[0],
                column="xep_loai",
                values=names.fillna("").astype(str).to_numpy()[blank] if whose == "đảng viên" else None,
            )


def check_submission(store: Store, unit: str, year: int, data: dict[str, Any]) -> ValidationReport:
    """The report an upload of these figures would get (errors block sending; warnings do not), about
    this unit only: rows numbered as on screen (from 1), columns by their titles, every rating chosen."""
    units, members = _frames([(unit, year, data)])
    source = f"Báo cáo {unit} năm {year}"
    tables = {"to_chuc": _lineage(tree_frame(store), unit), "don_vi_nam": _titled(units, DON_VI_NAM)}
    if not members.empty:  # a đảng bộ sends only its own figures
        tables["dang_vien"] = _titled(members, DANG_VIEN)
    _, report = dataset_from_frames(tables, source=source, may_lack=("dang_vien",), first_row=1)
    _blank_ratings(report, source, units, members)
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

"""A report's figures checked exactly as an uploaded file is (the same schema, the same Vietnamese
messages), against the stored organisation tree it is handed: what blocks sending a report.

A report's `du_lieu` is {"don_vi": {unit-year column: value}, "dang_vien": [{member column: value}]}:
the unit's own row of Đơn vị năm and, for a chi bộ, its members' rows of Đảng viên (without
`ma_chi_bo` and `nam`, which the report already says).
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

import pandas as pd

from scoring.domain.codes import XEP_LOAI
from scoring.input.dataset import dataset_from_frames
from scoring.input.report import Location, ValidationReport
from scoring.input.schema import DANG_VIEN, DON_VI_NAM, TableSpec


def submission_frames(submissions: list[tuple[str, int, dict[str, Any]]]) -> tuple[pd.DataFrame, pd.DataFrame]:
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


def member_id(value: Any) -> str | None:
    """A member's id as reports are compared by: NFC text, trimmed, as an upload reads it (an id
    typed as 12.0 is «12»)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip() or None


def member_labels(data: dict[str, Any]) -> dict[str, str]:
    """The report's own members: id -> «Họ tên (mã)» as the report writes them."""
    labels = {}
    for member in data.get("dang_vien") or []:
        key = member_id(member.get("ma_dang_vien"))
        if key is not None:
            name = str(member.get("ho_ten") or "").strip()
            labels[key] = f"{name} ({key})" if name else key
    return labels


def shared_members(data: dict[str, Any], others: list[tuple[str, dict[str, Any]]]) -> dict[str, list[str]]:
    """The members of a report (by id, in the report's order) whom other reports list too, each with
    the units of those reports: a member belongs to one chi bộ a year."""
    own = member_labels(data)
    found: dict[str, set[str]] = {}
    for unit, other in others:
        for member in other.get("dang_vien") or []:
            key = member_id(member.get("ma_dang_vien"))
            if key in own:
                found.setdefault(key, set()).add(unit)
    return {key: sorted(found[key]) for key in own if key in found}


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


def check_submission(tree: pd.DataFrame, unit: str, year: int, data: dict[str, Any]) -> ValidationReport:
    """The report an upload of these figures would get (errors block sending; warnings do not), about
    this unit only: rows numbered as on screen (from 1), columns by their titles, every rating chosen."""
    units, members = submission_frames([(unit, year, data)])
    source = f"Báo cáo {unit} năm {year}"
    tables = {"to_chuc": _lineage(tree, unit), "don_vi_nam": _titled(units, DON_VI_NAM)}
    if not members.empty:  # a đảng bộ sends only its own figures
        tables["dang_vien"] = _titled(members, DANG_VIEN)
    _, report = dataset_from_frames(tables, source=source, may_lack=("dang_vien",), first_row=1)
    _blank_ratings(report, source, units, members)
    return report


def submission_tasks(submissions: list[tuple[str, int, dict[str, Any]]]) -> pd.DataFrame:
    """The reports' Nhiệm vụ rows (`du_lieu["nhiem_vu"]`, kept for plans scored by tasks) as the
    Nhiệm vụ table; empty when no report has any."""
    return pd.DataFrame(
        [
            {**dict(task), "ma_to_chuc": unit, "nam": year}
            for unit, year, data in submissions
            for task in data.get("nhiem_vu") or []
        ]
    )

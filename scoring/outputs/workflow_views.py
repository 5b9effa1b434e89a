"""The workflow as people read it: a unit's own members beside the rating the rules allow, and what
changed between two versions of a report (each cell before and after, by its label)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from scoring.engine.rating import RatingCheck
from scoring.engine.score import ScoreResult
from scoring.input.schema import MEMBER_FIELDS, UNIT_FIELDS


def member_table(check: RatingCheck | None, result: ScoreResult, unit: str) -> pd.DataFrame:
    """The unit's own members: score, rank, rating as entered and what the rules allow."""
    ranked = result.xep_hang_dang_vien
    ranked = ranked[ranked["ma_chi_bo"].astype(str) == unit].drop_duplicates("ma_dang_vien")
    table = pd.DataFrame(
        {
            "Mã đảng viên": ranked["ma_dang_vien"].astype(str).to_numpy(),
            "Họ và tên": ranked["ho_ten"].astype(str).to_numpy(),
            "Tổng điểm": ranked["tong_diem"].to_numpy(),
            "Thứ hạng": ranked["thu_hang"].to_numpy(),
        }
    )
    if check is None or table.empty:
        return table
    rated = check.members[check.members["ma_chi_bo"].astype(str) == unit] if "ma_chi_bo" in check.members else None
    if rated is None:
        return table
    rated = pd.DataFrame(
        {
            "Mã đảng viên": rated["ma_dang_vien"].astype(str).to_numpy(),
            "Tự xếp loại": rated["xep_loai"].astype(str).to_numpy(),
            "Mức được phép": rated["muc_duoc_phep"].astype(str).to_numpy(),
            "Kết luận": rated["ket_luan"].astype(str).to_numpy(),
            "Căn cứ": rated["can_cu"].astype(str).to_numpy(),
        }
    )
    return table.merge(rated, on="Mã đảng viên", how="left")


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


_LABELS = {c.name: c.vocabulary.labels for c in (*UNIT_FIELDS, *MEMBER_FIELDS) if c.vocabulary is not None}


def _cell(name: str, value: Any) -> str:
    """A cell as people read it: a rating or a code by its label."""
    labels = _LABELS.get(name)
    return labels.get(value, str(value)) if labels and isinstance(value, str) else _shown(value)


def changes(before: dict[str, Any], after: dict[str, Any]) -> pd.DataFrame:
    """Every figure that differs between two versions of a report: the unit's own, and per member
    (by Mã đảng viên) — members added, removed, and each changed cell — as «trước» and «sau»."""
    rows: list[dict[str, str]] = []
    titles = {c.name: c.title for c in MEMBER_FIELDS}
    order = {name: i for i, name in enumerate(titles)}  # the table's own column order
    old_unit, new_unit = before.get("don_vi", {}), after.get("don_vi", {})
    for column in UNIT_FIELDS:
        a, b = old_unit.get(column.name), new_unit.get(column.name)
        if a != b:
            rows.append(
                {"Phần": "Đơn vị", "Đảng viên": "", "Cột": column.title, "Trước": _cell(column.name, a),
                 "Sau": _cell(column.name, b)}
            )  # fmt: skip
    old_members = {str(m.get("ma_dang_vien")): m for m in before.get("dang_vien", [])}
    new_members = {str(m.get("ma_dang_vien")): m for m in after.get("dang_vien", [])}
    for key in sorted(old_members.keys() | new_members.keys()):
        a_row, b_row = old_members.get(key), new_members.get(key)
        who = f"{(b_row or a_row or {}).get('ho_ten', '')} ({key})"
        if a_row is None or b_row is None:
            rows.append(
                {"Phần": "Đảng viên", "Đảng viên": who, "Cột": "cả dòng",
                 "Trước": "" if a_row is None else "có", "Sau": "" if b_row is None else "có"}
            )  # fmt: skip
            continue
        for name in sorted(a_row.keys() | b_row.keys(), key=lambda n: order.get(n, len(order))):
            if a_row.get(name) != b_row.get(name):
                rows.append(
                    {"Phần": "Đảng viên", "Đảng viên": who, "Cột": titles.get(name, name),
                     "Trước": _cell(name, a_row.get(name)), "Sau": _cell(name, b_row.get(name))}
                )  # fmt: skip
    return pd.DataFrame(rows, columns=["Phần", "Đảng viên", "Cột", "Trước", "Sau"])

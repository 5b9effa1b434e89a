"""Ranking within the emulation groups of the plan (phương thức thi đua):

- chi bộ trực thuộc within the same đảng bộ cơ sở (đảng bộ bộ phận likewise);
- chi bộ cơ sở with chi bộ cơ sở, đảng bộ cơ sở with đảng bộ cơ sở, within a cấp trên cơ sở;
- TCCSĐ of the same loại hình, within a cấp trên cơ sở;
- members of the same đối tượng, within a cấp trên cơ sở.

Ranks are dense on (total score, criteria met), both descending; rows with the same rank are
listed by id. Each row carries its gap to the group's leader (điển hình) and last year's rank.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scoring import tree
from scoring.dataset import Dataset
from scoring.domain import CAP, DOI_TUONG, LOAI_HINH, TCCSD_LEVELS

if TYPE_CHECKING:
    from scoring.engine.score import _LevelScore

ORG_COLUMNS = [
    "nam",
    "ma_to_chuc",
    "ten_to_chuc",
    "cap",
    "nhom_thi_dua",
    "tong_diem",
    "so_tieu_chi_dat",
    "so_tieu_chi",
    "thu_hang",
    "khoang_cach_dien_hinh",
    "ten_nhom_thi_dua",
    "dien_hinh",
    "tong_diem_nam_truoc",
    "thu_hang_nam_truoc",
    "thay_doi_thu_hang",
]
MEMBER_COLUMNS = [
    "nam",
    "ma_dang_vien",
    "ho_ten",
    "ma_chi_bo",
    "nhom_thi_dua",
    "tong_diem",
    "thu_hang",
    "so_tieu_chi_dat",
    "so_tieu_chi",
    "khoang_cach_dien_hinh",
    "ten_nhom_thi_dua",
    "dien_hinh",
    "tong_diem_nam_truoc",
    "thu_hang_nam_truoc",
    "thay_doi_thu_hang",
]


def _ancestors(dataset: Dataset) -> tuple[np.ndarray, np.ndarray]:
    cap = dataset.to_chuc["cap"].to_numpy(dtype=object)
    parent = dataset.parent
    return tree.ancestor_where(parent, np.isin(cap, TCCSD_LEVELS)), tree.ancestor_where(parent, cap == "cap_tren_co_so")


def _org_groups(dataset: Dataset, level: str, positions: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(row positions into `positions`, group key, group name) for each grouping of this level."""
    ids = dataset.to_chuc["ma_to_chuc"].to_numpy(dtype=object)
    names = dataset.to_chuc["ten_to_chuc"].to_numpy(dtype=object)
    tccsd, top = _ancestors(dataset)
    everyone = np.arange(len(positions))
    if level in ("chi_bo_truc_thuoc", "dang_bo_bo_phan"):
        owner = tccsd[positions]
        key = np.char.add(f"{level}@", ids[owner].astype(str))
        name = np.char.add(f"{CAP.labels[level]} thuộc ", names[owner].astype(str))
        return [(everyone, key, name)]
    if level == "cap_tren_co_so":
        return [(everyone, np.full(len(positions), level), np.full(len(positions), "Các đảng bộ cấp trên cơ sở"))]
    owner = top[positions]
    scope_id, scope_name = ids[owner].astype(str), names[owner].astype(str)
    groups = [(everyone, np.char.add(f"{level}@", scope_id), np.char.add(f"{CAP.labels[level]} — ", scope_name))]
    if level in TCCSD_LEVELS:
        kind = dataset.to_chuc["loai_hinh"].to_numpy(dtype=object)[positions]
        known = np.flatnonzero(pd.notna(kind))
        labels = pd.Series(kind[known]).map(LOAI_HINH.labels).to_numpy(dtype=str)
        key = np.char.add(np.char.add("loai_hinh:", kind[known].astype(str)), np.char.add("@", scope_id[known]))
        groups.append((known, key, np.char.add(np.char.add(labels, " — "), scope_name[known])))
    return groups


def _dense_rank(frame: pd.DataFrame, id_column: str) -> pd.DataFrame:
    """Sort by group, score and criteria met (descending), id; add rank, gap and leader."""
    frame = frame.sort_values(
        ["nhom_thi_dua", "tong_diem", "so_tieu_chi_dat", id_column],
        ascending=[True, False, False, True],
        kind="stable",
        ignore_index=True,
    )
    group = frame["nhom_thi_dua"].to_numpy()
    score = frame["tong_diem"].to_numpy()
    met = frame["so_tieu_chi_dat"].to_numpy()
    new_group = np.r_[True, group[1:] != group[:-1]]
    new_rank = new_group | np.r_[True, (score[1:] != score[:-1]) | (met[1:] != met[:-1])]
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(len(frame)), 0))
    rank_count = np.cumsum(new_rank)
    frame["thu_hang"] = rank_count - rank_count[group_start] + 1
    frame["khoang_cach_dien_hinh"] = score[group_start] - score
    frame["dien_hinh"] = frame[id_column].to_numpy()[group_start]
    return frame


def _with_previous(now: pd.DataFrame, before: pd.DataFrame | None, id_column: str) -> pd.DataFrame:
    if before is None or before.empty:
        now["tong_diem_nam_truoc"] = np.nan
        now["thu_hang_nam_truoc"] = pd.array([None] * len(now), dtype="Int64")
    else:
        last = before[[id_column, "nhom_thi_dua", "tong_diem", "thu_hang"]].rename(
            columns={"tong_diem": "tong_diem_nam_truoc", "thu_hang": "thu_hang_nam_truoc"}
        )
        now = now.merge(last, on=[id_column, "nhom_thi_dua"], how="left")
        now["thu_hang_nam_truoc"] = now["thu_hang_nam_truoc"].astype("Int64")
    now["thay_doi_thu_hang"] = now["thu_hang_nam_truoc"] - now["thu_hang"]  # > 0: moved up
    return now


def _org_table(dataset: Dataset, year: int, levels: list[_LevelScore]) -> pd.DataFrame:
    parts = []
    for lv in levels:
        for rows, key, name in _org_groups(dataset, lv.level, lv.rows.index):
            parts.append(
                pd.DataFrame(
                    {
                        "nam": year,
                        "pos": lv.rows.index[rows],
                        "ma_to_chuc": lv.ids[rows],
                        "cap": lv.level,
                        "nhom_thi_dua": key,
                        "ten_nhom_thi_dua": name,
                        "tong_diem": lv.total[rows],
                        "so_tieu_chi_dat": lv.met[rows],
                        "so_tieu_chi": lv.n_criteria,
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=[*ORG_COLUMNS, "pos"])
    frame = _dense_rank(pd.concat(parts, ignore_index=True), "ma_to_chuc")
    frame["ten_to_chuc"] = dataset.to_chuc["ten_to_chuc"].to_numpy(dtype=object)[frame["pos"].to_numpy()]
    return frame


def rank_organisations(
    dataset: Dataset, year: int, levels: list[_LevelScore], previous: list[_LevelScore] | None
) -> pd.DataFrame:
    now = _org_table(dataset, year, levels)
    before = _org_table(dataset, year - 1, previous) if previous else None
    return _with_previous(now, before, "ma_to_chuc")[ORG_COLUMNS]


def _member_table(dataset: Dataset, year: int, level: _LevelScore) -> pd.DataFrame:
    members = dataset.dang_vien
    rows = np.flatnonzero((members["nam"] == year).to_numpy(dtype=bool, na_value=False))
    chi_bo = members["ma_chi_bo"].cat.codes.to_numpy()[rows]
    _, top = _ancestors(dataset)
    scope = top[chi_bo]
    ids = dataset.to_chuc["ma_to_chuc"].to_numpy(dtype=object)
    names = dataset.to_chuc["ten_to_chuc"].to_numpy(dtype=object)
    group = members["doi_tuong"].to_numpy(dtype=object)[rows]
    labels = np.array(
        [
            DOI_TUONG.labels.get(g, "Chưa rõ đối tượng") if isinstance(g, str) else "Chưa rõ đối tượng"
            for g in [*DOI_TUONG.codes, None]
        ],
        dtype=object,
    )
    label_of = labels[pd.Categorical(group, categories=DOI_TUONG.codes).codes]
    frame = pd.DataFrame(
        {
            "nam": year,
            "ma_dang_vien": level.ids,
            "ho_ten": members["ho_ten"].to_numpy(dtype=object)[rows],
            "ma_chi_bo": ids[chi_bo],
            "nhom_thi_dua": np.char.add(
                np.char.add("dang_vien:", group.astype(str)), np.char.add("@", ids[scope].astype(str))
            ),
            "ten_nhom_thi_dua": label_of.astype(str) + " — " + names[scope].astype(str),
            "tong_diem": level.total,
            "so_tieu_chi_dat": level.met,
            "so_tieu_chi": level.n_criteria,
        }
    )
    return _dense_rank(frame, "ma_dang_vien")


def rank_members(dataset: Dataset, year: int, level: _LevelScore | None, previous: _LevelScore | None) -> pd.DataFrame:
    if level is None:
        return pd.DataFrame(columns=MEMBER_COLUMNS)
    now = _member_table(dataset, year, level)
    before = _member_table(dataset, year - 1, previous) if previous is not None else None
    return _with_previous(now, before, "ma_dang_vien")[MEMBER_COLUMNS]

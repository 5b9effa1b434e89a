"""Ranking within the emulation groups of the plan (phương thức thi đua):

- chi bộ trực thuộc within the same đảng bộ cơ sở (đảng bộ bộ phận likewise);
- chi bộ cơ sở with chi bộ cơ sở, đảng bộ cơ sở with đảng bộ cơ sở, within a cấp trên cơ sở;
- TCCSĐ of the same loại hình, within a cấp trên cơ sở;
- members of the same đối tượng, within a cấp trên cơ sở.

Ranks are dense on (total score, criteria met), both descending; rows with the same rank are
listed by id. Each row carries its gap to the group's leader (điển hình) and last year's rank.
Everything runs on integer codes (groups, ids), so millions of members rank in one sort.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoring.domain.codes import CAP, DOI_TUONG, LOAI_HINH, TCCSD_LEVELS
from scoring.engine.levels import LevelScore
from scoring.input.dataset import Dataset

ORG_COLUMNS = [
    "nam", "ma_to_chuc", "ten_to_chuc", "cap", "nhom_thi_dua", "tong_diem", "so_tieu_chi_dat", "so_tieu_chi",
    "thu_hang", "khoang_cach_dien_hinh", "ten_nhom_thi_dua", "dien_hinh", "tong_diem_nam_truoc",
    "thu_hang_nam_truoc", "thay_doi_thu_hang",
]  # fmt: skip
MEMBER_COLUMNS = [
    "nam", "ma_dang_vien", "ho_ten", "ma_chi_bo", "nhom_thi_dua", "tong_diem", "thu_hang", "so_tieu_chi_dat",
    "so_tieu_chi", "khoang_cach_dien_hinh", "ten_nhom_thi_dua", "dien_hinh", "tong_diem_nam_truoc",
    "thu_hang_nam_truoc", "thay_doi_thu_hang",
]  # fmt: skip


class _Ranked:
    """Rows sorted by (group, score desc, criteria met desc, id); dense rank, gap, leader row."""

    def __init__(
        self, group: np.ndarray, score: np.ndarray, met: np.ndarray, id_order: np.ndarray, unique_ids: bool = False
    ) -> None:
        packed = _packed_sort(group, score, met, id_order, unique_ids)
        if packed is not None:  # boundaries and scores read off the sorted keys: no gather per column
            self.order, keys, (score_width, met_width, id_width), top = packed
            group_key = keys >> (id_width + met_width)  # (group, score) without met and id
            rank_key = keys >> id_width
            new_group = np.empty(len(keys), dtype=bool)
            new_group[0] = True
            np.not_equal(group_key[1:] >> score_width, group_key[:-1] >> score_width, out=new_group[1:])
            new_rank = np.empty(len(keys), dtype=bool)
            new_rank[0] = True
            np.not_equal(rank_key[1:], rank_key[:-1], out=new_rank[1:])
            s = (top - (group_key & ((1 << score_width) - 1))) / 100
        else:
            self.order = np.lexsort((id_order, -met, -score, group))
            g, s, m = group[self.order], score[self.order], met[self.order]
            new_group = np.r_[True, g[1:] != g[:-1]]
            new_rank = new_group | np.r_[True, (s[1:] != s[:-1]) | (m[1:] != m[:-1])]
        start = np.flatnonzero(new_group)
        size = np.diff(np.append(start, len(new_group)))
        count = np.cumsum(new_rank | new_group)
        self.rank = count - np.repeat(count[start], size) + 1
        self.gap = np.round(np.repeat(s[start], size) - s, 9)
        self.leader = np.repeat(self.order[start], size)  # row (in the input order) of each sorted row's leader


def _packed_sort(
    group: np.ndarray, score: np.ndarray, met: np.ndarray, id_order: np.ndarray, unique_ids: bool
) -> tuple[np.ndarray, np.ndarray, tuple[int, int, int], int] | None:
    """Sort (group, score desc, met desc, id) as one packed 63-bit integer when the four fit — scores
    are rounded to 2 decimals, so they are whole hundredths — returning the order, the sorted keys,
    the bit widths of score, met and id, and the top score in hundredths; None when they do not fit. When no id
    repeats (members of a year), the keys themselves are sorted — several times quicker than an
    argsort — and each sorted key's id says which row it was."""
    if len(group) == 0:
        return None
    hundredths = np.rint(score * 100)
    if not (np.isfinite(hundredths).all() and bool((hundredths / 100 == score).all())):
        return None
    top = int(hundredths.max())
    parts = [
        np.asarray(group, dtype=np.int64),
        (top - hundredths).astype(np.int64),
        (met.max() - met).astype(np.int64),
        np.asarray(id_order, dtype=np.int64),
    ]
    if min(int(p.min()) for p in parts) < 0:
        return None
    widths = [max(int(p.max()).bit_length(), 1) for p in parts]
    if sum(widths) > 62:
        return None
    key = parts[0]
    for part, width in zip(parts[1:], widths[1:], strict=True):
        key = (key << width) | part
    if not unique_ids:
        order = np.argsort(key)  # keys are unique (the id is in them), so any sort is stable
        return order, key[order], (widths[1], widths[2], widths[3]), top
    keys = np.sort(key)
    row_of_id = np.zeros(int(parts[3].max()) + 1, dtype=np.int64)
    row_of_id[parts[3]] = np.arange(len(key))
    return row_of_id[keys & ((1 << widths[3]) - 1)], keys, (widths[1], widths[2], widths[3]), top


def _ancestors(dataset: Dataset) -> tuple[np.ndarray, np.ndarray]:
    return dataset.tccsd_of, dataset.cap_tren_of


def _categorical(codes: np.ndarray, labels: list[str]) -> Any:
    """Codes into a list of labels that may repeat (labels are made unique, codes follow)."""
    unique = pd.Index(labels).unique()
    remap = unique.get_indexer(pd.Index(labels))
    return pd.Categorical.from_codes(remap[codes], dtype=pd.CategoricalDtype(unique))


def _org_groups(
    dataset: Dataset, level: str, positions: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray, list[str], list[str]]]:
    """For each grouping of this level: (row positions into `positions`, group code per row, key and
    name of each group code)."""
    ids, names = dataset.org_ids, dataset.org_names
    tccsd, top = _ancestors(dataset)
    everyone = np.arange(len(positions))
    if level == "cap_tren_co_so":
        return [(everyone, np.zeros(len(positions), dtype=np.int64), [level], ["Các đảng bộ cấp trên cơ sở"])]
    owner = tccsd[positions] if level in ("chi_bo_truc_thuoc", "dang_bo_bo_phan") else top[positions]
    scopes, code = np.unique(owner, return_inverse=True)
    joiner = " — "  # «Chi bộ trực thuộc — Đảng bộ X» (with « thuộc » it read «trực thuộc thuộc»)
    keys = list(np.char.add(f"{level}@", ids[scopes].astype(str)))
    labels = list(np.char.add(CAP.labels[level] + joiner, names[scopes].astype(str)))
    groups = [(everyone, code, keys, labels)]
    if level in TCCSD_LEVELS:
        kinds = dataset.to_chuc["loai_hinh"].cat.codes.to_numpy()[positions]
        known = np.flatnonzero(kinds >= 0)
        pair = kinds[known].astype(np.int64) * len(ids) + owner[known]
        unique, pair_code = np.unique(pair, return_inverse=True)
        kind_of, scope_of = unique // len(ids), unique % len(ids)
        kind_code = np.asarray(LOAI_HINH.codes, dtype=str)[kind_of]
        kind_label = np.asarray([LOAI_HINH.labels[c] for c in LOAI_HINH.codes], dtype=str)[kind_of]
        kind_keys = np.char.add(np.char.add("loai_hinh:", kind_code), np.char.add("@", ids[scope_of].astype(str)))
        kind_labels = np.char.add(np.char.add(kind_label, " — "), names[scope_of].astype(str))
        groups.append((known, pair_code, list(kind_keys), list(kind_labels)))
    return groups


def org_table(dataset: Dataset, year: int, levels: list[LevelScore]) -> pd.DataFrame:
    """Every organisation once per group; groups may span levels (loại hình), so rank them together.
    Text columns are taken from `to_chuc` and from the short list of group keys by position (no
    string built per row)."""
    position, level, codes, total, met, n_criteria = [], [], [], [], [], []
    keys: list[str] = []
    labels: list[str] = []
    for number, lv in enumerate(levels):
        for rows, code, key, label in _org_groups(dataset, lv.level, lv.rows.index):
            position.append(lv.rows.index[rows])
            level.append(np.full(len(rows), number))
            codes.append(code + len(keys))
            keys.extend(key)
            labels.extend(label)
            total.append(lv.total[rows])
            met.append(lv.met[rows])
            n_criteria.append(np.full(len(rows), lv.n_criteria))
    if not position:
        return pd.DataFrame(columns=[*ORG_COLUMNS, "pos"])
    pos = np.concatenate(position)
    key_code, unique_keys = pd.factorize(pd.Index(keys))  # the same group key may come from two levels
    first_label = pd.Series(labels).groupby(key_code, sort=True).first()
    group = np.asarray(key_code, dtype=np.int64)[np.concatenate(codes)]
    score, criteria_met = np.concatenate(total), np.concatenate(met)
    ranked = _Ranked(group, score, criteria_met, dataset.org_id_order[pos])
    o = ranked.order

    def take(values: pd.Series | list[str], at: np.ndarray) -> pd.Series:
        return pd.Series(values, dtype="str").take(at).reset_index(drop=True)

    ids = dataset.to_chuc["ma_to_chuc"]
    return pd.DataFrame(
        {
            "nam": year,
            "pos": pos[o],
            "ma_to_chuc": take(ids, pos[o]),
            "ten_to_chuc": take(dataset.to_chuc["ten_to_chuc"], pos[o]),
            "cap": take([lv.level for lv in levels], np.concatenate(level)[o]),
            "nhom_thi_dua": take(list(unique_keys), group[o]),
            "tong_diem": score[o],
            "so_tieu_chi_dat": criteria_met[o],
            "so_tieu_chi": np.concatenate(n_criteria)[o],
            "thu_hang": ranked.rank,
            "khoang_cach_dien_hinh": ranked.gap,
            "ten_nhom_thi_dua": take(first_label, group[o]),
            "dien_hinh": take(ids, pos[ranked.leader]),
        }
    )


def rank_organisations(now: pd.DataFrame, before: pd.DataFrame | None) -> pd.DataFrame:
    """This year's ranking table (`_org_table`) with last year's score and rank in the same group."""
    if before is not None and len(before):
        last = before[["pos", "nhom_thi_dua", "tong_diem", "thu_hang"]].rename(
            columns={"tong_diem": "tong_diem_nam_truoc", "thu_hang": "thu_hang_nam_truoc"}
        )
        now = now.merge(last, on=["pos", "nhom_thi_dua"], how="left")  # a few hundred thousand rows at most
    else:
        now = now.assign(tong_diem_nam_truoc=np.nan, thu_hang_nam_truoc=np.nan)
    now["thu_hang_nam_truoc"] = now["thu_hang_nam_truoc"].astype("Int64")
    now["thay_doi_thu_hang"] = now["thu_hang_nam_truoc"] - now["thu_hang"]  # > 0: moved up
    return now[ORG_COLUMNS]


@dataclass
class MemberRanking:
    """The members of one year ranked: `rows` are their `dang_vien` rows, `code` their member
    codes, `group` their (đối tượng, cấp trên) group as one small integer."""

    year: int
    level: LevelScore
    rows: np.ndarray
    code: np.ndarray
    group: np.ndarray
    ranked: _Ranked


def member_ranking(dataset: Dataset, level: LevelScore | None) -> MemberRanking | None:
    if level is None:
        return None
    rows = level.year.member_rows
    member_code = level.year.member_codes
    _, top = _ancestors(dataset)
    top_code = np.full(len(dataset.to_chuc) + 1, -1, dtype=np.int64)  # cấp trên position -> 0, 1, 2, …
    tops = np.flatnonzero(dataset.to_chuc["cap"].to_numpy(dtype=object) == "cap_tren_co_so")
    top_code[tops] = np.arange(len(tops))
    kind = dataset.dang_vien["doi_tuong"].cat.codes.to_numpy()[level.year.member_slice_or_rows].astype(np.int64)
    group = (kind + 1) * (len(tops) + 1) + top_code[top[level.year.member_chi_bo]] + 1
    ranked = _Ranked(group, level.total, level.met, member_code, unique_ids=True)  # one row per member and year
    return MemberRanking(level.year.year, level, rows, member_code, group, ranked)


def rank_members(dataset: Dataset, now: MemberRanking | None, before: MemberRanking | None) -> pd.DataFrame:
    """The members' ranking table, with last year's score and rank when they were in the same group."""
    if now is None:
        return pd.DataFrame(columns=MEMBER_COLUMNS)
    members, level, ranked = dataset.dang_vien, now.level, now.ranked
    rows, member_code, group = now.rows, now.code, now.group
    o = ranked.order
    tops = np.flatnonzero(dataset.to_chuc["cap"].to_numpy(dtype=object) == "cap_tren_co_so")
    groups, group_code = np.unique(group[o], return_inverse=True)
    org_ids, org_names = dataset.org_ids, dataset.org_names
    n_top = len(tops) + 1
    kind_code = np.asarray(["None", *DOI_TUONG.codes], dtype=str)[groups // n_top]
    kind_label = np.asarray(["Chưa rõ đối tượng", *DOI_TUONG.labels.values()], dtype=str)[groups // n_top]
    scope = np.r_[-1, tops][groups % n_top]
    scope_id = np.where(scope >= 0, org_ids[np.clip(scope, 0, None)], "").astype(str)
    scope_name = np.where(scope >= 0, org_names[np.clip(scope, 0, None)], "").astype(str)
    keys = list(np.char.add(np.char.add("dang_vien:", kind_code), np.char.add("@", scope_id)))
    labels = list(np.char.add(np.char.add(kind_label, " — "), scope_name))
    ids = dataset.member_ids
    frame = pd.DataFrame(
        {
            "nam": now.year,
            "ma_dang_vien": pd.Categorical.from_codes(member_code[o], dtype=pd.CategoricalDtype(ids)),
            "ho_ten": members["ho_ten"].iloc[rows[o]].reset_index(drop=True),
            "ma_chi_bo": members["ma_chi_bo"].iloc[rows[o]].reset_index(drop=True),
            "nhom_thi_dua": _categorical(group_code, keys),
            "tong_diem": level.total[o],
            "thu_hang": ranked.rank,
            "so_tieu_chi_dat": level.met[o],
            "so_tieu_chi": level.n_criteria,
            "khoang_cach_dien_hinh": ranked.gap,
            "ten_nhom_thi_dua": _categorical(group_code, labels),
            "dien_hinh": pd.Categorical.from_codes(member_code[ranked.leader], dtype=pd.CategoricalDtype(ids)),
        }
    )
    last_score = np.full(len(ids), np.nan)
    last_rank = np.full(len(ids), -1, dtype=np.int64)
    last_group = np.full(len(ids), -1, dtype=np.int64)
    if before is not None:  # last year's score and rank of the same member in the same group
        b = before.ranked.order
        last_score[before.code[b]] = before.level.total[b]
        last_rank[before.code[b]] = before.ranked.rank
        last_group[before.code[b]] = before.group[b]
    same = last_group[member_code[o]] == group[o]
    frame["tong_diem_nam_truoc"] = np.where(same, last_score[member_code[o]], np.nan)
    frame["thu_hang_nam_truoc"] = pd.array(np.where(same, last_rank[member_code[o]], 0), dtype="Int64")
    frame.loc[~same, "thu_hang_nam_truoc"] = pd.NA
    frame["thay_doi_thu_hang"] = frame["thu_hang_nam_truoc"] - frame["thu_hang"]
    return frame[MEMBER_COLUMNS]

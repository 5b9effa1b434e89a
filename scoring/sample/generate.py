"""A realistic synthetic dataset: cấp trên cơ sở → TCCSĐ → (đảng bộ bộ phận) → chi bộ → members.

Everything is drawn with whole-array numpy steps (the only loops run over years or tree levels):
5.6 million members a year for five years take about half a minute on two cores. Distributions
follow DOMAIN.md: about 19% of members HTXSNV and 86% HTT+, violation rates under 1% falling about
6% a year, about half the chi bộ trực thuộc HTXSNV; members keep their chi bộ, latent quality and
name from year to year, with a few percent leaving and joining each year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring.domain.codes import CHI_BO_LEVELS, KY_LUAT_CODES, TCCSD_LEVELS
from scoring.plans.model import Task
from scoring.sample.names import agency_names, department_names, person_names

MEMBER_RATINGS = ("KHTNV", "HTNV", "HTTNV", "HTXSNV")


class GenerationError(ValueError):
    """The requested shape cannot be generated (message in Vietnamese)."""


@dataclass(frozen=True)
class Profile:
    """Shape of the generated party organisation (defaults: a provincial Đảng bộ Khối)."""

    members_per_tccsd: float = 54.0
    members_per_cap_tren: float = 6000.0
    share_dang_bo_co_so: float = 1 / 3
    chi_bo_per_dang_bo: float = 7.5
    bo_phan: bool = True
    turnover: float = 0.03


def generate(
    n_members: int,
    years: list[int],
    seed: int = 2021,
    n_tccsd: int | None = None,
    profile: Profile = Profile(),
    tasks: Sequence[Task] = (),
    qd366: bool = False,
) -> dict[str, pa.Table]:
    """Tables `to_chuc`, `dang_vien`, `don_vi_nam` (Arrow) with about `n_members` members each year,
    and `nhiem_vu` when plan tasks are given (`CriteriaSet.tasks`). With `qd366`, the optional columns of
    the QĐ 366-QĐ/TW rating conditions too (task counts, discipline, degradation…), filled for the years
    from 2025 and blank before (`_qd366_members`, `_qd366_units`); none when no year is from 2025."""
    if n_members < 100:
        raise GenerationError("Cần ít nhất 100 đảng viên.")
    rng = np.random.default_rng(seed)
    orgs = _organisations(rng, n_members, n_tccsd, profile)
    members = _members(rng, orgs, n_members, years, profile)
    # a second stream for the columns added later (QĐ 124/366): the first stream, and so every
    # figure generated before them, stays the same for a given seed
    units = _unit_years(rng, orgs, members, years, np.random.default_rng([seed, 366]))
    # a third stream for the figures of the other plans (Chương trình 26-CTr/ĐU, «Chi bộ 4 tốt»)
    plans = np.random.default_rng([seed, 26])
    units = _plan_figures(units, orgs, years, plans)
    handed_in = plans.random(members.table.num_rows) < np.where(members.table["vi_pham"].to_numpy(), 0.7, 0.985)
    members.table = members.table.append_column("bai_thu_hoach", pa.array(handed_in))
    if qd366 and any(y >= POINTS_FROM for y in years):  # a fifth stream: every column above stays the same either way
        conditions = np.random.default_rng([seed, 366, POINTS_FROM])
        members.table = _qd366_members(members, conditions)
        units = _qd366_units(units, orgs, conditions)
    to_chuc = pd.DataFrame(
        {
            "ma_to_chuc": orgs.ids,
            "ten_to_chuc": orgs.names,
            "cap": orgs.cap,
            "ma_cap_tren": pd.Series(orgs.ids[np.clip(orgs.parent, 0, None)]).where(orgs.parent >= 0),
            "loai_hinh": pd.Series(orgs.loai_hinh).where(np.isin(orgs.cap, TCCSD_LEVELS)),
        }
    )
    tables = {
        "to_chuc": pa.Table.from_pandas(to_chuc, preserve_index=False),
        "dang_vien": members.table,
        "don_vi_nam": pa.Table.from_pandas(units, preserve_index=False),
    }
    if tasks:  # a fourth stream: the tables above stay the same with or without tasks
        frame = _tasks(tasks, orgs, years, np.random.default_rng([seed, 21]))
        tables["nhiem_vu"] = pa.Table.from_pandas(frame, preserve_index=False)
    return tables


_EVERY_YEAR = {"hang_nam": "hằng năm", "thuong_xuyen": "thường xuyên"}


def _tasks(tasks: Sequence[Task], orgs: _Orgs, years: list[int], rng: np.random.Generator) -> pd.DataFrame:
    """One row per (unit given the task, task, year it falls due): about 93% done, most on time,
    a few late; a date for dated tasks, evidence for most done ones. A loop over the plan's tasks
    and years (a few dozen), whole arrays over the units."""
    blocks = []
    for year in years:
        year_end = np.datetime64(f"{year}-12-31", "D")
        for task in tasks:
            if not task.due_in(year):
                continue
            given = np.flatnonzero(np.isin(orgs.cap, task.levels))
            n = len(given)
            due = year_end if task.deadline in _EVERY_YEAR else np.datetime64(task.deadline, "D")
            done = rng.random(n) < 0.93
            late = rng.random(n) < 0.1
            offset = np.where(late, rng.integers(1, 60, n), -rng.integers(0, 40, n)).astype("timedelta64[D]")
            finished = np.minimum(due + offset, year_end)
            dated = task.deadline != "thuong_xuyen" or rng.random() < 0.3
            blocks.append(
                pd.DataFrame(
                    {
                        "ma_to_chuc": orgs.ids[given],
                        "ma_nhiem_vu": task.id,
                        "nam": year,
                        "han": _EVERY_YEAR.get(task.deadline, task.han),
                        "ket_qua": np.where(
                            done, "Hoàn thành", np.where(rng.random(n) < 0.6, "Đang thực hiện", "Chưa thực hiện")
                        ),
                        "ngay_hoan_thanh": pd.to_datetime(np.where(done & dated, finished, np.datetime64("NaT"))).date,
                        "ten_nhiem_vu": task.title,
                        "minh_chung": np.where(
                            done & (rng.random(n) < 0.9),
                            pd.Series(rng.integers(1, 300, n)).astype(str).to_numpy() + "-KH/ĐU",
                            None,
                        ),
                    }
                )
            )
    columns = ["ma_to_chuc", "ma_nhiem_vu", "nam", "han", "ket_qua", "ngay_hoan_thanh", "ten_nhiem_vu", "minh_chung"]
    return pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame(columns=columns)


@dataclass
class _Orgs:
    ids: np.ndarray
    names: np.ndarray
    cap: np.ndarray
    parent: np.ndarray
    loai_hinh: np.ndarray
    tccsd: np.ndarray  # position of each organisation's TCCSĐ (-1 for cấp trên)


LOAI_HINH = (
    "co_quan_dang_doan_the",
    "co_quan_hanh_chinh",
    "don_vi_su_nghiep",
    "doanh_nghiep_nha_nuoc",
    "doanh_nghiep_ngoai_nha_nuoc",
)
LOAI_HINH_P = (0.22, 0.22, 0.26, 0.15, 0.15)


def _organisations(rng: np.random.Generator, n_members: int, n_tccsd: int | None, profile: Profile) -> _Orgs:
    n_top = max(1, round(n_members / profile.members_per_cap_tren))
    n_cs = n_tccsd if n_tccsd is not None else max(2, round(n_members / profile.members_per_tccsd))
    top_of_cs = np.sort(np.arange(n_cs) % n_top)
    is_db = np.zeros(n_cs, dtype=bool)
    is_db[rng.permutation(n_cs)[: max(1, round(n_cs * profile.share_dang_bo_co_so))]] = True
    loai = rng.choice(len(LOAI_HINH), size=n_cs, p=LOAI_HINH_P)

    # chi bộ trực thuộc per đảng bộ cơ sở: at least 2, long right tail (some đảng bộ have 20+)
    db = np.flatnonzero(is_db)
    mean_extra = max(profile.chi_bo_per_dang_bo - 2, 0.5)
    n_cb = 2 + rng.negative_binomial(2, 2 / (2 + mean_extra), size=len(db))
    room = (n_members // 3 - (n_cs - len(db))) // max(len(db), 1)  # every chi bộ needs 3 members
    n_cb = np.minimum(n_cb, max(room, 2))
    cb_db = np.repeat(db, n_cb)  # TCCSĐ position of each chi bộ trực thuộc
    rank_in_db = np.arange(len(cb_db)) - np.repeat(np.cumsum(n_cb) - n_cb, n_cb)

    # đảng bộ bộ phận inside large đảng bộ: one per 5 chi bộ, for most đảng bộ with 10+ chi bộ
    with_bp = (n_cb >= 10) & (rng.random(len(db)) < 0.6) & profile.bo_phan
    n_bp = np.where(with_bp, n_cb // 5, 0)
    bp_db = np.repeat(db, n_bp)
    bp_start = np.cumsum(n_bp) - n_bp  # first đảng bộ bộ phận of each đảng bộ, among all of them
    cb_has_bp = np.repeat(with_bp, n_cb)
    cb_bp = np.where(cb_has_bp, np.repeat(bp_start, n_cb) + rank_in_db % np.maximum(np.repeat(n_bp, n_cb), 1), -1)

    # positions: [cấp trên | TCCSĐ | đảng bộ bộ phận | chi bộ trực thuộc]
    o_cs, o_bp = n_top, n_top + n_cs
    o_cb = o_bp + len(bp_db)
    total = o_cb + len(cb_db)
    cap = np.empty(total, dtype=object)
    cap[:n_top] = "cap_tren_co_so"
    cap[o_cs:o_bp] = np.where(is_db, "dang_bo_co_so", "chi_bo_co_so")
    cap[o_bp:o_cb] = "dang_bo_bo_phan"
    cap[o_cb:] = "chi_bo_truc_thuoc"
    parent = np.concatenate(
        [np.full(n_top, -1), top_of_cs, o_cs + bp_db, np.where(cb_bp >= 0, o_bp + cb_bp, o_cs + cb_db)]
    )
    tccsd = np.concatenate([np.full(n_top, -1), np.arange(n_cs) + o_cs, o_cs + bp_db, o_cs + cb_db])
    loai_cs = np.asarray(LOAI_HINH, dtype=object)[loai]
    loai_all = np.where(tccsd >= 0, loai_cs[np.clip(tccsd - o_cs, 0, None)], None)

    width = len(str(total))
    parts = (("K", n_top, 2), ("CS", n_cs, width), ("BP", len(bp_db), width), ("CB", len(cb_db), width))
    ids = np.concatenate([np.asarray(_codes(*part).to_pylist(), dtype=object) for part in parts])
    agency = agency_names(rng, loai, top_of_cs)
    names = np.empty(total, dtype=object)
    names[:n_top] = (
        ["Đảng bộ Khối Cơ quan - Doanh nghiệp tỉnh"]
        if n_top == 1
        else [f"Đảng bộ cấp trên cơ sở số {i + 1}" for i in range(n_top)]
    )
    names[o_cs:o_bp] = np.where(is_db, "Đảng bộ ", "Chi bộ ") + agency
    names[o_bp:o_cb] = (
        "Đảng bộ bộ phận "
        + np.char.add("số ", (np.arange(len(bp_db)) - np.repeat(bp_start, n_bp) + 1).astype(str)).astype(object)
        + " - "
        + agency[bp_db]
    )
    names[o_cb:] = "Chi bộ " + department_names(rng, len(cb_db), rank_in_db) + " - " + agency[cb_db]
    return _Orgs(ids, names, cap, parent.astype(np.int64), np.asarray(loai_all), tccsd.astype(np.int64))


def _codes(prefix: str, n: int, width: int) -> pa.Array:
    numbers = pa.array(np.arange(1, n + 1)).cast(pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(numbers, width, "0"), "")


@dataclass
class _MemberRows:
    table: pa.Table
    chi_bo: np.ndarray  # organisation position of each row's chi bộ
    rating: np.ndarray  # 0..3 (KHTNV..HTXSNV), -1 not rated
    year: np.ndarray


RATING_WORDS = pa.array([*MEMBER_RATINGS, "MIEN"])
POINTS_FROM = 2025  # QĐ 366: ratings read off a 100-point score
DOI_TUONG = pa.array(["can_bo", "cong_chuc", "vien_chuc", "nguoi_lao_dong"])


def _members(rng: np.random.Generator, orgs: _Orgs, n_members: int, years: list[int], profile: Profile) -> _MemberRows:
    chi_bo = np.flatnonzero(np.isin(orgs.cap, CHI_BO_LEVELS))
    n_cb = len(chi_bo)
    if n_members < 3 * n_cb:
        raise GenerationError(f"Cần ít nhất {3 * n_cb} đảng viên cho {n_cb} chi bộ (mỗi chi bộ ít nhất 3).")
    weight = rng.lognormal(0.0, 0.55, n_cb)
    initial = 3 + rng.multinomial(n_members - 3 * n_cb, weight / weight.sum())

    # the member pool: the first year's members, then joiners each later year; each leaves at some point
    n_years = len(years)
    joiners = rng.binomial(n_members, profile.turnover, size=max(n_years - 1, 0))
    pool = n_members + int(joiners.sum())
    entry = np.concatenate([np.zeros(n_members, dtype=np.int64), np.repeat(np.arange(1, n_years), joiners)])
    leaves = rng.random(pool) < profile.turnover * (n_years - 1)
    exit_year = np.where(leaves, entry + 1 + rng.integers(0, n_years, pool), n_years + 1)
    home = np.concatenate(
        [np.repeat(chi_bo, initial), rng.choice(chi_bo, size=pool - n_members, p=initial / initial.sum())]
    )
    quality = rng.normal(0.0, 1.0, pool)
    cb_effect = np.zeros(len(orgs.ids))
    cb_effect[chi_bo] = rng.normal(0.0, 0.45, n_cb)

    doi_tuong = _doi_tuong(rng, orgs.loai_hinh[home])
    names = pa.array(person_names(rng, pool))
    member_ids = _codes("DV", pool, max(6, len(str(pool))))
    org_ids = pa.array(orgs.ids.astype(str))
    by_rank = np.lexsort((-quality, home))  # within each chi bộ, best member first: one sort for all years
    blocks: list[pa.Table] = []
    homes, ratings, year_of = [], [], []
    base_violation = 0.008
    for y_index, year in enumerate(years):
        who = np.flatnonzero((entry <= y_index) & (exit_year > y_index))
        n = len(who)
        cb = home[who]
        score = 0.6 * quality[who] + cb_effect[cb] + 0.55 * rng.normal(size=n) + 0.05 * y_index
        rating = _rate(score, (0.012, 0.12, 0.68))  # shares of KHTNV, HTNV, HTTNV; the rest HTXSNV
        # a set number of violators each year (the rate falls about 6% a year), weaker members more
        # likely: the k largest of log-weight + Gumbel noise are a weighted sample without replacement
        k = round(base_violation * (0.94**y_index) * rng.uniform(0.98, 1.02) * n)
        keys = -quality[who] + rng.gumbel(size=n)
        vi_pham = np.zeros(n, dtype=bool)
        if 0 < k < n:
            vi_pham[np.argpartition(-keys, k)[:k]] = True
        self_remedied = rng.random(n) < 0.15
        before_veto = rating
        rating = np.where(vi_pham, np.where(self_remedied, 1, 0), rating)
        rating = np.where((rng.random(n) < 0.015) & ~vi_pham, -1, rating)  # miễn đánh giá
        # the 100-point score of QĐ 366 (from 2025) sits in the band of the rating, except that a member
        # disciplined without remedy keeps the score of the work done (the veto, not the score, rates them)
        scored_as = np.where(vi_pham & ~self_remedied, before_veto, rating)
        diem = _points(scored_as, score) if year >= POINTS_FROM else np.full(n, np.nan)
        quan_triet = rng.random(n) < np.clip(0.975 + 0.03 * cb_effect[cb], 0.8, 0.999)
        scores = {
            col: np.clip(np.round(7.4 + 0.9 * quality[who] + 0.6 * rng.normal(size=n), 1), 0, 10)
            for col in ("diem_ban_linh", "diem_nam_chac", "diem_trach_nhiem", "diem_sang_tao")
        }
        present = by_rank[(entry[by_rank] <= y_index) & (exit_year[by_rank] > y_index)]
        first = np.r_[True, home[present][1:] != home[present][:-1]]
        is_head = np.zeros(pool, dtype=bool)
        is_head[present[first]] = True  # the best member present in each chi bộ is its secretary
        head = is_head[who]
        blocks.append(
            pa.table(
                {
                    "ma_dang_vien": member_ids.take(who),
                    "ho_ten": names.take(who),
                    "ma_chi_bo": org_ids.take(cb),
                    "nam": np.full(n, year, dtype=np.int64),
                    "xep_loai": pa.DictionaryArray.from_arrays(
                        pa.array(np.where(rating < 0, 4, rating).astype(np.int8)), RATING_WORDS
                    ),
                    "vi_pham": vi_pham,
                    "quan_triet": quan_triet,
                    "doi_tuong": pa.DictionaryArray.from_arrays(pa.array(doi_tuong[who].astype(np.int8)), DOI_TUONG),
                    **scores,
                    "so_sang_kien": rng.poisson(0.25 * np.exp(0.5 * quality[who])),
                    "la_bi_thu": head,
                    "tu_khac_phuc": vi_pham & self_remedied,
                    "diem_danh_gia": pa.array(diem, from_pandas=True),
                }
            )
        )
        homes.append(cb)
        ratings.append(rating)
        year_of.append(np.full(n, year, dtype=np.int64))
    return _MemberRows(
        pa.concat_tables(blocks), np.concatenate(homes), np.concatenate(ratings), np.concatenate(year_of)
    )


def _doi_tuong(rng: np.random.Generator, loai_hinh: np.ndarray) -> np.ndarray:
    """Index into DOI_TUONG, by the unit's type: agencies employ công chức, hospitals viên chức."""
    u = rng.random(len(loai_hinh))
    co_quan = np.isin(loai_hinh, ["co_quan_dang_doan_the", "co_quan_hanh_chinh"])
    su_nghiep = loai_hinh == "don_vi_su_nghiep"
    cut = np.select(
        [co_quan, su_nghiep],
        [np.digitize(u, [0.25, 0.85, 0.9]), np.digitize(u, [0.1, 0.15, 0.9])],
        default=np.digitize(u, [0.12, 0.12, 0.12]),
    )
    return cut


def _rate(score: np.ndarray, shares: tuple[float, ...]) -> np.ndarray:
    """Ratings 0..3 (KHTNV..HTXSNV) by the score's rank: the lowest `shares[0]` KHTNV, and so on."""
    if len(score) == 0:
        return np.zeros(0, dtype=np.int64)
    cuts = np.quantile(score, np.cumsum(shares))
    return np.asarray(np.digitize(score, cuts), dtype=np.int64)


def _points(rating: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """A 100-point score inside the band of each rating (KHTNV 35–50, HTNV 50–70, HTTNV 70–90,
    HTXSNV 90–100), placed by `spread` (higher, higher in the band, standardised per rating); none for -1."""
    low = np.array([35.0, 50.0, 70.0, 90.0])
    width = np.array([14.5, 19.5, 19.5, 10.0])
    code = np.clip(rating, 0, 3)
    count = np.maximum(np.bincount(code, minlength=4), 1)
    mean = np.bincount(code, weights=spread, minlength=4) / count
    sd = np.sqrt(np.bincount(code, weights=(spread - mean[code]) ** 2, minlength=4) / count) + 1e-9
    place = 1 / (1 + np.exp(-1.7 * (spread - mean[code]) / sd[code]))  # spread across each band, whatever its scale
    points = np.round((low[code] + width[code] * place) * 2) / 2
    return np.where(rating < 0, np.nan, points)


def _unit_years(
    rng: np.random.Generator, orgs: _Orgs, members: _MemberRows, years: list[int], extra: np.random.Generator
) -> pd.DataFrame:
    n_org = len(orgs.ids)
    position, rating_code = members.chi_bo, members.rating
    blocks = []
    for year in years:
        in_year = members.year == year
        pos = position[in_year]
        size = np.bincount(pos, minlength=n_org).astype(float)
        good = np.bincount(pos, weights=(rating_code[in_year] >= 2), minlength=n_org)
        total_size, total_good = _roll_up(orgs.parent, size), _roll_up(orgs.parent, good)
        share = np.divide(total_good, total_size, out=np.zeros(n_org), where=total_size > 0)
        quality = share + rng.normal(0, 0.04, n_org)
        rating = np.full(n_org, 2, dtype=np.int64)
        lower = np.isin(orgs.cap, ["chi_bo_truc_thuoc", "dang_bo_bo_phan"])
        for level in TCCSD_LEVELS:  # each against its own kind: sizes differ
            same = orgs.cap == level
            rating[same] = _rate(quality[same], (0.012, 0.11, 0.70))
        rating[lower] = _rate(quality[lower], (0.01, 0.07, 0.40))
        top = orgs.cap == "cap_tren_co_so"
        rating[top] = np.where(rng.random(top.sum()) < 0.3, 3, 2)
        qc = np.where(top, 0, np.round(size * rng.uniform(0.5, 4.0, n_org))).astype(np.int64)
        # đảng bộ figures are their own totals: the sum of what sits under them, never added again later
        qc_total = _roll_up(orgs.parent, qc.astype(float)).astype(np.int64)
        reach = rng.beta(40, 3, n_org)
        plan = np.where(
            np.isin(orgs.cap, ["dang_bo_co_so", "cap_tren_co_so"]),
            2 + rng.poisson(4, n_org),
            1 + rng.poisson(1.5, n_org),
        )
        done = np.where(rng.random(n_org) < 0.9, plan, np.maximum(plan - 1 - rng.poisson(0.3, n_org), 0))
        blocks.append(
            pd.DataFrame(
                {
                    "ma_to_chuc": orgs.ids,
                    "nam": np.full(n_org, year, dtype=np.int64),
                    "xep_loai": np.asarray(MEMBER_RATINGS, dtype=object)[rating],
                    "so_quan_chung": _blank_top(qc_total, top),
                    "so_quan_chung_quan_triet": _blank_top(rng.binomial(qc_total, reach), top),
                    "kiem_tra_ke_hoach": _blank_top(plan, top),
                    "kiem_tra_thuc_hien": _blank_top(done, top),
                    "don_thu_ton_dong": _blank_top(rng.poisson(0.04, n_org), top),
                    "xep_loai_co_quan": _blank_top(_pick(rng, n_org, (0.01, 0.08, 0.66, 0.25)), top, "object"),
                    "xep_loai_doan_the": _blank_top(_pick(rng, n_org, (0.01, 0.10, 0.69, 0.20)), top, "object"),
                    "vi_pham_don_vi": _blank_top(rng.random(n_org) < 0.015, top, "boolean"),
                    "ky_luat_tap_the": _blank_top(extra.random(n_org) < 0.004, top, "boolean"),
                    "diem_danh_gia": pd.Series(
                        _points(rating, extra.normal(size=n_org)) if year >= POINTS_FROM else np.full(n_org, np.nan),
                        dtype="Float64",
                    ),
                }
            )
        )
    return pd.concat(blocks, ignore_index=True)


def _plan_figures(units: pd.DataFrame, orgs: _Orgs, years: list[int], rng: np.random.Generator) -> pd.DataFrame:
    """The unit-year figures the other plans read: quán triệt, quy chế dân chủ, quy định tiếp đảng
    viên, Hội nghị người lao động (TCCSĐ), «Chi bộ 4 tốt» (chi bộ, mostly those rated HTTNV+), members
    sent to cao cấp / trung cấp lý luận chính trị and đơn thư received, resolved on time, vượt cấp (TCCSĐ)."""
    cap = np.tile(orgs.cap, len(years))
    n = len(cap)
    top = cap == "cap_tren_co_so"
    tccsd = np.isin(cap, TCCSD_LEVELS)
    chi_bo = np.isin(cap, CHI_BO_LEVELS)
    good = units["xep_loai"].isin(["HTTNV", "HTXSNV"]).to_numpy()
    received = rng.poisson(0.3, n)
    on_time = rng.binomial(received, 0.95)
    above = rng.binomial(received, 0.04)

    def only(values: np.ndarray, where: np.ndarray, dtype: Any = "Int64") -> pd.Series:
        series: pd.Series = pd.Series(values).astype(dtype)
        return series.where(where)

    return units.assign(
        quan_triet_nghi_quyet=only(rng.random(n) < 0.985, ~top, "boolean"),
        co_quy_che_dan_chu=only(rng.random(n) < 0.97, tccsd, "boolean"),
        co_quy_dinh_tiep_dang_vien=only(rng.random(n) < 0.93, tccsd, "boolean"),
        hoi_nghi_nguoi_lao_dong=only(rng.random(n) < 0.95, tccsd, "boolean"),
        chi_bo_4_tot=only(good & (rng.random(n) < 0.8), chi_bo, "boolean"),
        so_cu_hoc_cao_cap_llct=only(rng.poisson(0.06, n), tccsd),
        so_cu_hoc_trung_cap_llct=only(rng.poisson(0.12, n), tccsd),
        don_thu_nhan=only(received, tccsd),
        don_thu_dung_han=only(on_time, tccsd),
        don_thu_vuot_cap=only(above, tccsd),
    )


#: `_task_counts` grades besides the ratings 1–3: KHTNV for another reason than the tasks (discipline, a
#: leadership condition), KHTNV for tasks not done, and a row without the figures (before 2025, not rated)
_OTHER_REASON, _TASKS_NOT_DONE, _NO_FIGURES = 0, -1, -2
KY_LUAT_WORDS = pa.array(KY_LUAT_CODES)


def _task_counts(rng: np.random.Generator, grade: np.ndarray, total: np.ndarray, fail_share: float) -> dict[str, Any]:
    """The task counts of QĐ 366 that fit each rating: HTXSNV all on time and at least 30% exceeding
    requirements, HTTNV all on time, HTNV all done and at most 20% behind schedule, KHTNV for the tasks more
    than `fail_share` not done (a member: half; a collective: 30%, under 70% done), KHTNV for another reason
    not so many. Whole arrays; the caller blanks the rows without figures."""
    limit = np.floor(fail_share * total).astype(np.int64)  # not done, at most, short of failing on the tasks
    missed = np.select(
        [grade == _TASKS_NOT_DONE, grade == _OTHER_REASON],
        [limit + 1 + rng.binomial(total - limit - 1, 0.3), np.minimum(rng.binomial(total, 0.08), limit)],
        0,
    )
    left = total - missed
    behind = np.minimum(rng.binomial(left, 0.1), np.floor(0.2 * total).astype(np.int64))
    late = np.select([grade == 1, grade <= _OTHER_REASON], [behind, rng.binomial(left, 0.3)], 0)
    on_time = left - late
    need = np.ceil(0.3 * total).astype(np.int64)  # HTXSNV: at least 30% exceeding requirements
    exceeded = np.select(
        [grade == 3, grade == 2, grade == 1],
        [need + rng.binomial(total - need, 0.25), np.minimum(rng.binomial(total, 0.08), need - 1),
         rng.binomial(on_time, 0.03)],
        0,
    )  # fmt: skip
    return {
        "so_nhiem_vu": total,
        "so_hoan_thanh_dung_han": on_time,
        "so_vuot_muc": exceeded,
        "so_cham_tien_do": late,
        "so_khong_hoan_thanh": missed,
    }


def _remedied(rng: np.random.Generator, grade: np.ndarray) -> np.ndarray:
    """Shortcomings of the last review remedied: always at HTTNV and above, mostly at HTNV, often below."""
    return np.select([grade >= 2, grade == 1], [True, rng.random(len(grade)) < 0.9], rng.random(len(grade)) < 0.6)


def _qd366_members(members: _MemberRows, rng: np.random.Generator) -> pa.Table:
    """The members' QĐ 366 columns, from 2025, fitting each rating: a member disciplined without remedy (KHTNV)
    has a form of discipline and a reason (a duty-related violation, «những điều đảng viên không được làm»,
    degradation); one who remedied it (HTNV) mostly has a form too; any other KHTNV left over half the tasks
    undone. Members not rated, and every year before 2025, are left blank."""
    table = members.table
    n = table.num_rows
    rating = np.where(members.year >= POINTS_FROM, members.rating, -1)
    violated = table["vi_pham"].to_numpy() & (rating >= 0)
    vetoed = violated & ~table["tu_khac_phuc"].to_numpy()  # KHTNV for the violation
    grade = np.select(
        [rating < 0, (rating == 0) & vetoed, rating == 0], [_NO_FIGURES, _OTHER_REASON, _TASKS_NOT_DONE], rating
    )
    blank = grade == _NO_FIGURES
    reason = rng.choice(3, size=n, p=(0.6, 0.25, 0.15))  # duty-related discipline, a «điều cấm», degradation
    form = np.where(vetoed | (violated & (rng.random(n) < 0.7)), rng.choice(4, size=n, p=(0.75, 0.2, 0.04, 0.01)), -1)
    counts = _task_counts(rng, grade, 4 + rng.poisson(6, n), fail_share=0.5)
    columns = {
        **{name: pa.array(values, type=pa.int64(), mask=blank) for name, values in counts.items()},
        "khac_phuc_han_che": pa.array(_remedied(rng, grade), mask=blank),
        "hinh_thuc_ky_luat": pa.DictionaryArray.from_arrays(
            pa.array(form.astype(np.int8), mask=form < 0), KY_LUAT_WORDS
        ),
        "ky_luat_lien_quan_nhiem_vu": pa.array(vetoed & (reason == 0), mask=blank),
        "suy_thoai": pa.array(vetoed & (reason == 2), mask=blank),
        "vi_pham_dieu_cam": pa.array(vetoed & (reason == 1), mask=blank),
    }
    for name, values in columns.items():
        table = table.append_column(name, values)
    return table


def _qd366_units(units: pd.DataFrame, orgs: _Orgs, rng: np.random.Generator) -> pd.DataFrame:
    """The collectives' QĐ 366 columns, from 2025 (cấp trên cơ sở rows blank, as their other figures): a KHTNV
    collective has one reason — under 70% of its tasks done, wrongdoing in cadre work or disunity, a leadership
    member disciplined or degraded, basic targets missed; «thành tích nổi bật» for some HTXSNV TCCSĐ."""
    n = len(units)
    cap = np.tile(orgs.cap, n // max(len(orgs.cap), 1))  # one block of every organisation per year
    figures = (units["nam"].to_numpy() >= POINTS_FROM) & (cap != "cap_tren_co_so")
    rating = pd.Index(MEMBER_RATINGS).get_indexer(pd.Index(units["xep_loai"]))
    failed = figures & (rating == 0)
    reason = rng.choice(5, size=n, p=(0.4, 0.2, 0.2, 0.1, 0.1))
    grade = np.select([~figures, failed & (reason == 0), failed], [_NO_FIGURES, _TASKS_NOT_DONE, _OTHER_REASON], rating)
    counts = _task_counts(rng, grade, 6 + rng.poisson(8, n), fail_share=0.3)
    flags = {
        "khac_phuc_han_che": _remedied(rng, grade),
        "sai_pham_can_bo_doan_ket": failed & (reason == 1),
        "thanh_vien_ky_luat": failed & (reason == 2),
        "thanh_vien_suy_thoai": failed & (reason == 3),
        "chi_tieu_co_ban_khong_dat": failed & (reason == 4),
        "thanh_tich_noi_bat": (rating == 3) & np.isin(cap, TCCSD_LEVELS) & (rng.random(n) < 0.15),
    }
    return units.assign(
        **{name: pd.Series(values, dtype="Int64").where(figures) for name, values in counts.items()},
        **{name: pd.Series(values, dtype="boolean").where(figures) for name, values in flags.items()},
    )


def _roll_up(parent: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Each organisation's own value plus everything below it (one bincount per tree level)."""
    total = values.copy()
    ancestor = parent.copy()
    while (ancestor >= 0).any():
        has = ancestor >= 0
        total += np.bincount(ancestor[has], weights=values[has], minlength=len(values))
        ancestor = np.where(has, parent[np.clip(ancestor, 0, None)], -1)
    return total


def _pick(rng: np.random.Generator, n: int, p: tuple[float, ...]) -> np.ndarray:
    return np.asarray(MEMBER_RATINGS, dtype=object)[rng.choice(4, size=n, p=p)]


def _blank_top(values: np.ndarray, top: np.ndarray, dtype: Any = "Int64") -> pd.Series:
    """Cấp trên cơ sở rows carry only their rating: their figures are left blank."""
    series: pd.Series = pd.Series(values).astype(dtype)
    return series.mask(top)


__all__ = ["GenerationError", "Profile", "generate"]

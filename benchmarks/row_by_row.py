"""The baseline a hand-written script gives: the same cấp trên cơ sở and chi bộ criteria as
`reference_sql.py`, computed in plain Python, one row at a time, from rows held as dictionaries.

Written the way such a script is written: one function per criterion, each walking the rows it
needs and climbing the organisation tree through a dictionary. The rows are either plain
dictionaries (the quickest a Python loop gets) or the rows of `DataFrame.iterrows()` (what a
pandas user's first script walks); the code is the same. The values are checked against the
engine's by the benchmark, so the baseline does the same work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Row = dict[str, Any]
RANK = {"KHTNV": 0, "HTNV": 1, "HTTNV": 2, "HTXSNV": 3}
GOOD = ("HTTNV", "HTXSNV")
TCCSD = ("dang_bo_co_so", "chi_bo_co_so")
CHI_BO = ("chi_bo_co_so", "chi_bo_truc_thuoc")


class Tree:
    def __init__(self, orgs: Iterable[Row]) -> None:
        self.orgs = {o["ma_to_chuc"]: o for o in orgs}

    def top_of(self, ma: str | None) -> str | None:
        """The đảng bộ cấp trên cơ sở above an organisation (None for itself or none)."""
        ma = self.orgs[ma]["ma_cap_tren"] if ma is not None else None
        while ma is not None:
            org = self.orgs[ma]
            if org["cap"] == "cap_tren_co_so":
                return str(ma)
            ma = org["ma_cap_tren"]
        return None

    def cap(self, ma: str) -> str:
        return str(self.orgs[ma]["cap"])


def _mean(rows: Iterable[Row], key: Callable[[Row], str | None], value: Callable[[Row], float | None]) -> dict:
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    for row in rows:
        k = key(row)
        v = value(row)
        if k is None or v is None:
            continue
        sums[k] = sums.get(k, 0.0) + v
        counts[k] = counts.get(k, 0) + 1
    return {k: sums[k] / counts[k] for k in sums}


def _total(rows: Iterable[Row], key: Callable[[Row], str | None], value: Callable[[Row], float | None]) -> dict:
    sums: dict[str, float] = {}
    for row in rows:
        k = key(row)
        v = value(row)
        if k is not None and v is not None:
            sums[k] = sums.get(k, 0.0) + v
    return sums


def _fraction(rows: Iterable[Row], key: Callable[[Row], str | None], top: str, bottom: str) -> dict:
    """sum(top) / sum(bottom) over the rows that have both."""
    num: dict[str, float] = {}
    den: dict[str, float] = {}
    for row in rows:
        k = key(row)
        if k is None or row[top] is None or row[bottom] is None:
            continue
        num[k] = num.get(k, 0.0) + row[top]
        den[k] = den.get(k, 0.0) + row[bottom]
    return {k: num[k] / den[k] if den[k] else None for k in num}


def _rated(test: Callable[[str], bool]) -> Callable[[Row], float | None]:
    def value(row: Row) -> float | None:
        rating = row["xep_loai"]
        if rating not in RANK:  # blank or MIEN: not counted
            return None
        return 1.0 if test(rating) else 0.0

    return value


def _flag(column: str) -> Callable[[Row], float | None]:
    return lambda row: None if row[column] is None else float(row[column])


def compute(orgs: list[Row], members: list[Row], units: list[Row], year: int) -> dict[tuple[str, str], float | None]:
    """(organisation id, criterion id) -> value, for every cấp trên cơ sở and chi bộ with a unit row."""
    tree = Tree(orgs)
    members = [m for m in members if m["nam"] == year]
    units = [u for u in units if u["nam"] == year]
    tccsd = [u for u in units if tree.cap(u["ma_to_chuc"]) in TCCSD]
    chi_bo_tt = [u for u in units if tree.cap(u["ma_to_chuc"]) == "chi_bo_truc_thuoc"]

    def unit_top(row: Row) -> str | None:
        return tree.top_of(row["ma_to_chuc"])

    def member_top(row: Row) -> str | None:
        return tree.top_of(row["ma_chi_bo"])

    def member_chi_bo(row: Row) -> str | None:
        return str(row["ma_chi_bo"])

    good, best = _rated(lambda r: r in GOOD), _rated(lambda r: r == "HTXSNV")
    weak = _rated(lambda r: r == "KHTNV")
    top_criteria: dict[str, dict] = {
        "chan1.tccsd_htt": _mean(tccsd, unit_top, good),
        "chan1.tccsd_htxs": _mean(tccsd, unit_top, best),
        "chan1.tccsd_khtnv": _total(tccsd, unit_top, lambda r: weak(r) or 0.0),
        "chan1.chi_bo_htt": _mean(chi_bo_tt, unit_top, good),
        "chan1.chi_bo_htxs": _mean(chi_bo_tt, unit_top, best),
        "chan2.dang_vien_htt": _mean(members, member_top, good),
        "chan2.dang_vien_htxs": _mean(members, member_top, best),
        "mui1.dang_vien_quan_triet": _mean(members, member_top, _flag("quan_triet")),
        "mui1.quan_chung_quan_triet": _fraction(tccsd, unit_top, "so_quan_chung_quan_triet", "so_quan_chung"),
        "mui1.khong_vi_pham": _total(tccsd, unit_top, lambda r: 1.0 if r["vi_pham_don_vi"] else 0.0),
        "mui2.kiem_tra": _fraction(tccsd, unit_top, "kiem_tra_thuc_hien", "kiem_tra_ke_hoach"),
        "mui2.giam_vi_pham": _mean(members, member_top, _flag("vi_pham")),
        "mui2.don_thu": _total(tccsd, unit_top, lambda r: r["don_thu_ton_dong"]),
    }
    values: dict[tuple[str, str], float | None] = {}
    for unit in units:
        ma, cap = unit["ma_to_chuc"], tree.cap(unit["ma_to_chuc"])
        if cap == "cap_tren_co_so":
            values[(ma, "chan1.cap_tren_htt")] = RANK.get(unit["xep_loai"])
            for criterion, found in top_criteria.items():
                values[(ma, criterion)] = found.get(ma)

    chi_bo_members = {
        "mui1.chi_bo_dv_htt_96": _mean(members, member_chi_bo, good),
        "mui1.chi_bo_dv_quan_triet": _mean(members, member_chi_bo, _flag("quan_triet")),
        "mui2.chi_bo_giam_vi_pham": _mean(members, member_chi_bo, _flag("vi_pham")),
    }

    def ratio(row: Row, top: str, bottom: str) -> float | None:
        if row[top] is None or not row[bottom]:
            return None
        return float(row[top]) / row[bottom]

    for unit in units:
        ma = unit["ma_to_chuc"]
        if tree.cap(ma) not in CHI_BO:
            continue
        values[(ma, "chan1.chi_bo_xep_loai")] = RANK.get(unit["xep_loai"])
        values[(ma, "mui1.chi_bo_quan_chung")] = ratio(unit, "so_quan_chung_quan_triet", "so_quan_chung")
        flag = unit["vi_pham_don_vi"]
        values[(ma, "mui1.chi_bo_khong_vi_pham")] = None if flag is None else float(flag)
        values[(ma, "mui1.chi_bo_co_quan_htt")] = RANK.get(unit["xep_loai_co_quan"])
        values[(ma, "mui1.chi_bo_doan_the_htt")] = RANK.get(unit["xep_loai_doan_the"])
        values[(ma, "mui2.chi_bo_kiem_tra")] = ratio(unit, "kiem_tra_thuc_hien", "kiem_tra_ke_hoach")
        values[(ma, "mui2.chi_bo_don_thu")] = unit["don_thu_ton_dong"]
        for criterion, found in chi_bo_members.items():
            values[(ma, criterion)] = found.get(ma)
    return values

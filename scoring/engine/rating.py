"""Apply a rules file (`scoring.criteria.rules`) to a year: for every member and organisation, the
range of ratings the rules allow, the rules that set it, and the rating as entered checked against it.

Each rule, where its condition holds, allows an interval of ratings (`rating: X` → [X, X],
`at_most: X` → [KHTNV, X], `at_least: X` → [X, HTXSNV]). The base verdict (the rating as entered, or
the band of the 100-point score) comes first; then, rank by rank from the lowest, the rules that
fire narrow it: a higher rank overrides a lower one (the earlier range is clamped into the new one).
An exception that fires switches off the rules it lifts. When rules of the same rank that fire
for the same entity allow no common rating, the entity is reported as a conflict and not judged.
A condition that cannot be evaluated (a column not collected) is reported, never taken as met.

Everything is per rule on whole arrays (a file has a handful of rules; no loop over members or units).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from scoring.criteria.expr import MEMBER, Node
from scoring.criteria.model import LEVEL_ORDER
from scoring.criteria.rules import Base, Rule, RuleSet
from scoring.dataset import Dataset
from scoring.domain import CAP, RATING_ORDER, XEP_LOAI
from scoring.engine.evaluate import Evaluator, active_unit_rows, member_rows
from scoring.engine.year import YearData

TOP = float(len(RATING_ORDER) - 1)
OK = "Đúng quy định"
ABOVE = "Cao hơn mức cho phép"
BELOW = "Thấp hơn mức theo điểm"
BELOW_RULE = "Thấp hơn mức tối thiểu"
CONFLICT = "Xung đột quy tắc"
UNRATED = "Không xếp loại"
FINDINGS = (ABOVE, BELOW, BELOW_RULE, CONFLICT)
_LABELS = np.array([*RATING_ORDER, ""], dtype=object)


@dataclass
class _Judged:
    """One population's arrays: allowed range, base rating, conflicts, rules fired and unknown."""

    lo: np.ndarray
    hi: np.ndarray
    by_score: np.ndarray
    conflict: np.ndarray
    conflict_rules: np.ndarray
    bound_hi: np.ndarray  # index of the rule that set the highest allowed rating (-1: none)
    bound_lo: np.ndarray
    fired: np.ndarray
    unknown: np.ndarray


@dataclass
class RatingCheck:
    """The ratings of a year under the rules in force: one row per member, one per organisation."""

    year: int
    rules: RuleSet
    members: pd.DataFrame
    units: pd.DataFrame

    @cached_property
    def findings(self) -> pd.DataFrame:
        """Organisations then members whose entered rating the rules do not allow (or cannot judge)."""
        units = self.units[self.units["ket_luan"].isin(FINDINGS)].rename(
            columns={"ma_to_chuc": "ma", "ten_to_chuc": "ten"}
        )
        members = self.members[self.members["ket_luan"].isin(FINDINGS)].rename(
            columns={"ma_dang_vien": "ma", "ho_ten": "ten", "ten_chi_bo": "don_vi"}
        )
        units = units.assign(doi_tuong="tổ chức", don_vi=units["ten_cap_tren"])
        members = members.assign(doi_tuong="đảng viên", cap="dang_vien")
        columns = [
            "doi_tuong", "ma", "ten", "cap", "don_vi", "xep_loai", "diem_danh_gia", "xep_loai_theo_diem",
            "muc_duoc_phep", "ket_luan", "can_cu", "quy_tac_ap_dung",
        ]  # fmt: skip
        return pd.concat([units[columns], members[columns]], ignore_index=True)

    def counts(self) -> pd.DataFrame:
        """How many of each conclusion, for organisations and members."""
        rows: list[dict[str, object]] = []
        for who, table in (("Tổ chức", self.units), ("Đảng viên", self.members)):
            counted = table["ket_luan"].value_counts()
            rows.extend({"doi_tuong": who, "ket_luan": k, "so_luong": int(v)} for k, v in counted.items())
        return pd.DataFrame(rows, columns=["doi_tuong", "ket_luan", "so_luong"])


def check_ratings(dataset: Dataset, rules: RuleSet, year: int) -> RatingCheck:
    """Judge every member and organisation of `year` under `rules` (which should be in force then)."""
    data = YearData(dataset, year)
    evaluator = Evaluator(data, None)
    return RatingCheck(year, rules, _members(dataset, data, evaluator, rules), _units(dataset, data, evaluator, rules))


# --- the populations ---------------------------------------------------------------------------


def _members(dataset: Dataset, data: YearData, evaluator: Evaluator, rules: RuleSet) -> pd.DataFrame:
    rows = member_rows(data)
    n = len(rows)
    chosen = rules.rules_for("dang_vien")
    base = rules.base_for("dang_vien")
    applies = np.ones(n, dtype=bool)

    def values(node: Node, rule: Rule) -> np.ndarray:
        return np.asarray(evaluator.value(node, rows), dtype=np.float64)

    entered = data.member_column("xep_loai")
    score = data.member_column(base.score) if base.method == "diem" and base.score else None
    judged = _judge(n, chosen, [(base, applies, score)], {r.id: applies for r in chosen}, values)
    members = dataset.dang_vien.iloc[data.member_slice_or_rows]
    chi_bo = data.member_chi_bo
    names = dataset.to_chuc["ten_to_chuc"].to_numpy(dtype=object)
    table = pd.DataFrame(
        {
            "ma_dang_vien": data.member_ids(rows.index),
            "ho_ten": members["ho_ten"].to_numpy(dtype=object),
            "ma_chi_bo": dataset.org_ids[chi_bo],
            "ten_chi_bo": names[chi_bo],
            "ma_tccsd": _ids_or_blank(dataset, dataset.tccsd_of[chi_bo]),
        }
    )
    score_column = score if score is not None else np.full(n, np.nan)
    return _finish(table, entered, score_column, judged, chosen, rules)


def _units(dataset: Dataset, data: YearData, evaluator: Evaluator, rules: RuleSet) -> pd.DataFrame:
    levels = tuple(lv for lv in LEVEL_ORDER if lv != "dang_vien")
    present = active_unit_rows(data, levels).index  # a unit-year row, or members below, this year
    entered_all = data.unit_column("xep_loai")
    n = len(present)
    cap = dataset.to_chuc["cap"].astype(str).to_numpy()[present]
    chosen = tuple(r for r in rules.rules if "dang_vien" not in r.levels)
    slot = np.full(data.n_org, -1, dtype=np.int64)
    slot[present] = np.arange(n)

    def values(node: Node, rule: Rule) -> np.ndarray:
        rows = active_unit_rows(data, rule.levels)
        out = np.full(n, np.nan)
        where = slot[rows.index]
        out[where[where >= 0]] = np.asarray(evaluator.value(node, rows), dtype=np.float64)[where >= 0]
        return out

    bases = []
    for base in {rules.base_for(lv) for lv in levels}:
        mask = np.isin(cap, base.levels)
        score = data.unit_column(base.score)[present] if base.method == "diem" and base.score else None
        bases.append((base, mask, score))
    applies = {r.id: np.isin(cap, r.levels) for r in chosen}
    judged = _judge(n, chosen, bases, applies, values)
    names = dataset.to_chuc["ten_to_chuc"].to_numpy(dtype=object)
    parent = data.parent[present]
    table = pd.DataFrame(
        {
            "ma_to_chuc": dataset.org_ids[present],
            "ten_to_chuc": names[present],
            "cap": cap,
            "ten_cap": np.asarray([CAP.labels.get(c, c) for c in cap], dtype=object),
            "ten_cap_tren": np.where(parent >= 0, names[np.clip(parent, 0, None)], ""),
        }
    )
    score_column = data.unit_column("diem_danh_gia")[present] if "diem_danh_gia" in dataset.don_vi_nam else None
    return _finish(table, entered_all[present], score_column if score_column is not None else np.full(n, np.nan),
                   judged, chosen, rules)  # fmt: skip


def _ids_or_blank(dataset: Dataset, positions: np.ndarray) -> np.ndarray:
    ids = np.asarray(dataset.org_ids, dtype=object)
    return np.where(positions >= 0, ids[np.clip(positions, 0, None)], "")


# --- the judgement -----------------------------------------------------------------------------


def _bands(score: np.ndarray, base: Base) -> np.ndarray:
    """Rating code of each score under the base's bands (NaN where there is no score)."""
    result = np.full(len(score), np.nan)
    for code, low in reversed(base.bands):  # lowest band first, each higher band overwrites
        result[score >= low] = code
    return result


def _judge(
    n: int,
    chosen: tuple[Rule, ...],
    bases: list[tuple[Base, np.ndarray, np.ndarray | None]],
    applies: dict[str, np.ndarray],
    evaluate: Callable[[Node, Rule], np.ndarray],
) -> _Judged:
    lo, hi = np.zeros(n), np.full(n, TOP)
    by_score = np.full(n, np.nan)
    for base, mask, score in bases:
        if base.method == "diem" and score is not None:
            band = _bands(score, base)
            known = mask & ~np.isnan(band)
            lo[known] = hi[known] = band[known]
            by_score[known] = band[known]
    fires: dict[str, np.ndarray] = {}
    unknown = np.full(n, "", dtype=object)
    bounds: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for rule in chosen:
        where = applies[rule.id]
        when = evaluate(rule.when, rule)
        bound = evaluate(rule.bound, rule) if rule.bound is not None else np.full(n, np.nan)
        holds = where & (when == 1)
        missing = where & (np.isnan(when) | (holds & (rule.bound is not None) & np.isnan(bound)))
        fires[rule.id] = holds & ~missing
        unknown = _append(unknown, missing, rule.id)
        low = bound if rule.effect in ("rating", "at_least") else np.zeros(n)
        high = bound if rule.effect in ("rating", "at_most") else np.full(n, TOP)
        bounds[rule.id] = (low, high)
    for rule in sorted(chosen, key=lambda r: -r.rank):  # an exception lifted by a higher one lifts nothing
        if rule.kind == "exception":
            for target in rule.lifts:
                if target in fires:
                    fires[target] = fires[target] & ~fires[rule.id]
    index = {rule.id: i for i, rule in enumerate(chosen)}
    bound_hi, bound_lo = np.full(n, -1), np.full(n, -1)
    conflict = np.zeros(n, dtype=bool)
    conflict_rules = np.full(n, "", dtype=object)
    for rank in sorted({r.rank for r in chosen}):
        at_rank = [r for r in chosen if r.rank == rank]
        r_lo, r_hi = np.zeros(n), np.full(n, TOP)
        who_lo, who_hi = np.full(n, -1), np.full(n, -1)
        any_fired = np.zeros(n, dtype=bool)
        for rule in at_rank:
            fired = fires[rule.id]
            low, high = bounds[rule.id]
            tighter_hi = fired & (high < r_hi)
            tighter_lo = fired & (low > r_lo)
            r_hi = np.where(tighter_hi, high, r_hi)
            r_lo = np.where(tighter_lo, low, r_lo)
            who_hi = np.where(tighter_hi, index[rule.id], who_hi)
            who_lo = np.where(tighter_lo, index[rule.id], who_lo)
            any_fired |= fired
        clash = any_fired & (r_lo > r_hi)
        if clash.any():
            for rule in at_rank:
                conflict_rules = _append(conflict_rules, clash & fires[rule.id], rule.id)
        conflict |= clash
        apply = any_fired & ~clash
        new_lo, new_hi = np.clip(lo, r_lo, r_hi), np.clip(hi, r_lo, r_hi)
        bound_hi = np.where(apply & (new_hi < hi), who_hi, bound_hi)
        bound_lo = np.where(apply & (new_lo > lo), who_lo, bound_lo)
        lo, hi = np.where(apply, new_lo, lo), np.where(apply, new_hi, hi)
    fired_text = np.full(n, "", dtype=object)
    for rule in chosen:
        fired_text = _append(fired_text, fires[rule.id], rule.id)
    return _Judged(lo, hi, by_score, conflict, conflict_rules, bound_hi, bound_lo, fired_text, unknown)


def _append(text: np.ndarray, where: np.ndarray, item: str) -> np.ndarray:
    """Add `item` to a "; "-separated list where `where` holds (whole arrays)."""
    return np.where(where, np.where(text == "", item, text + "; " + item), text)


def _rule_text(rule: Rule) -> str:
    return f"{rule.title} ({rule.source.document.split(' của ')[0]} — {rule.source.section})"


def _finish(
    table: pd.DataFrame, entered: np.ndarray, score: np.ndarray, judged: _Judged, chosen: tuple[Rule, ...],
    rules: RuleSet,
) -> pd.DataFrame:  # fmt: skip
    lo, hi = judged.lo, judged.hi
    rated = ~np.isnan(entered)
    e = np.nan_to_num(entered, nan=-1)
    above = rated & ~judged.conflict & (e > hi)
    below = rated & ~judged.conflict & (e < lo)
    by_score = ~np.isnan(judged.by_score)
    conclusion = np.select(
        [~rated, judged.conflict, above, below & (judged.bound_lo < 0) & by_score, below],
        [UNRATED, CONFLICT, ABOVE, BELOW, BELOW_RULE],
        OK,
    ).astype(object)
    texts = np.array([_rule_text(r) for r in chosen] + [""], dtype=object)
    band_text = ""
    base = next((b for b in rules.bases if b.method == "diem"), None)
    if base is not None and base.source is not None:
        band_text = f"Khung điểm ({base.source.document.split(' của ')[0]} — {base.source.section})"
    reason = np.where(
        above,
        texts[np.where(judged.bound_hi >= 0, judged.bound_hi, -1)],
        np.where(below, np.where(judged.bound_lo >= 0, texts[np.where(judged.bound_lo >= 0, judged.bound_lo, -1)],
                                 band_text), ""),
    )  # fmt: skip
    reason = np.where(judged.conflict, "Các quy tắc cùng bậc mâu thuẫn: " + judged.conflict_rules, reason)
    lo_label, hi_label = _LABELS[lo.astype(np.int64)], _LABELS[hi.astype(np.int64)]
    allowed = np.where(lo == hi, lo_label, np.where(lo == 0, "tối đa " + hi_label, lo_label + "–" + hi_label))
    allowed = np.where(judged.conflict, "", allowed)
    out = table.copy()
    out["xep_loai"] = _LABELS[np.where(rated, e, -1).astype(np.int64)]
    out["diem_danh_gia"] = score
    out["xep_loai_theo_diem"] = _LABELS[np.where(by_score, np.nan_to_num(judged.by_score), -1).astype(np.int64)]
    out["muc_cao_nhat"] = np.where(judged.conflict, "", hi_label)
    out["muc_duoc_phep"] = allowed
    out["ket_luan"] = conclusion
    out["can_cu"] = reason
    out["quy_tac_ap_dung"] = judged.fired
    out["chua_kiem_tra"] = judged.unknown
    return out


def rating_label(code: str) -> str:
    return XEP_LOAI.labels.get(code, code)


__all__ = ["FINDINGS", "MEMBER", "RatingCheck", "check_ratings"]

"""Apply a rules file (`scoring.plans.rating_rules`) to a year: for every member and organisation, the
range of ratings the rules allow, the rules that set it, and the rating as entered checked against it.

Each rule, where its condition holds, allows an interval of ratings (`rating: X` → [X, X],
`at_most: X` → [KHTNV, X], `at_least: X` → [X, HTXSNV]). The base verdict (the rating as entered, or
the band of the 100-point score) comes first; then, rank by rank from the lowest, the rules that
fire narrow it: a higher rank overrides a lower one (the earlier range is clamped into the new one).
An exception that fires switches off the rules it lifts. When rules of the same rank that fire
for the same entity allow no common rating, the entity is reported as a conflict and not judged.
A condition that cannot be evaluated (a column not collected) is reported, never taken as met.

Everything is per rule on whole arrays (a file has a handful of rules; no loop over members or units).
Which rules fired, or could not be checked, is kept as one bit per rule; the text columns are
categoricals built from the distinct values (a handful), so 5.6 million rows cost no string work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import cast

import numpy as np
import pandas as pd

from scoring.domain.codes import CAP, RATING_ORDER, XEP_LOAI
from scoring.engine.evaluate import Evaluator, active_unit_rows, member_rows
from scoring.engine.year import YearData
from scoring.input.dataset import Dataset
from scoring.plans.expr import MEMBER, Node
from scoring.plans.model import LEVEL_ORDER
from scoring.plans.rating_rules import Base, Rule, RuleSet

TOP = float(len(RATING_ORDER) - 1)
OK = "Đúng quy định"
ABOVE = "Cao hơn mức cho phép"
BELOW = "Thấp hơn mức theo điểm"
BELOW_RULE = "Thấp hơn mức tối thiểu"
CONFLICT = "Xung đột quy tắc"
UNRATED = "Miễn hoặc chưa xếp loại (không kiểm tra)"
REVIEW = "Cần cấp có thẩm quyền xem xét"
FINDINGS = (ABOVE, BELOW, BELOW_RULE, CONFLICT, REVIEW)
CONCLUSIONS = (OK, UNRATED, CONFLICT, ABOVE, BELOW, BELOW_RULE, REVIEW)
_LABELS = np.array([*RATING_ORDER, ""], dtype=object)
_BLANK = len(RATING_ORDER)  # code of "" in _LABELS
MAX_RULES = 62  # one bit of an int64 per rule


@dataclass
class _Judged:
    """One population's arrays: allowed range, base rating, conflicts, rules fired and unknown."""

    lo: np.ndarray
    hi: np.ndarray
    by_score: np.ndarray
    conflict: np.ndarray
    conflict_rules: np.ndarray  # bit i: rule i is one of the rules in conflict
    bound_hi: np.ndarray  # index of the rule that set the highest allowed rating (-1: none)
    bound_lo: np.ndarray
    fired: np.ndarray  # bit i: rule i fired
    unknown: np.ndarray  # bit i: rule i could not be checked (a column not collected)
    substituted: np.ndarray  # bit i: rule i was read by its `when_not_collected` condition
    review: np.ndarray  # index of the review rule that sends the case to the competent level (-1: none)


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
            counted = counted[counted > 0]  # the conclusions found, not every possible one
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
    table = pd.DataFrame(
        {
            "ma_dang_vien": categorical(data.member_codes[rows.index], dataset.member_ids),
            "ho_ten": members["ho_ten"].reset_index(drop=True).array,
            "ma_chi_bo": _org_ids(dataset, chi_bo),
            "ten_chi_bo": _org_names(dataset, chi_bo),
            "ma_tccsd": _org_ids(dataset, dataset.tccsd_of[chi_bo]),
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
        """The rule's formula for every unit of its levels, one level at a time: a đảng bộ cơ sở counts the
        chi bộ and members under its đảng bộ bộ phận too (evaluated together, those would belong only to the
        nearest of the rule's levels)."""
        out = np.full(n, np.nan)
        for level in rule.levels:  # a handful of levels, each evaluated over whole arrays
            rows = active_unit_rows(data, (level,))
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
    cap_codes, caps = pd.factorize(cap)
    table = pd.DataFrame(
        {
            "ma_to_chuc": _org_ids(dataset, present),
            "ten_to_chuc": _org_names(dataset, present),
            "cap": categorical(cap_codes, caps),
            "ten_cap": categorical(cap_codes, [CAP.labels.get(c, c) for c in caps]),  # one label per level
            "ten_cap_tren": _org_names(dataset, data.parent[present]),
        }
    )
    score_column = data.unit_column("diem_danh_gia")[present] if "diem_danh_gia" in dataset.don_vi_nam else None
    return _finish(table, entered_all[present], score_column if score_column is not None else np.full(n, np.nan),
                   judged, chosen, rules)  # fmt: skip


def _org_ids(dataset: Dataset, positions: np.ndarray) -> pd.Categorical:
    """Ids of organisations by position ("" where the position is -1), as a categorical."""
    return categorical(np.where(positions >= 0, positions, len(dataset.org_ids)), np.append(dataset.org_ids, ""))


def _org_names(dataset: Dataset, positions: np.ndarray) -> pd.Categorical:
    """Names of organisations by position ("" where -1); two organisations may share a name."""
    codes, unique = pd.factorize(dataset.to_chuc["ten_to_chuc"].fillna(""))
    names = np.asarray(unique, dtype=object)
    if "" in set(names):  # an organisation without a name: "" is already a category
        blank = int(np.flatnonzero(names == "")[0])
        return categorical(np.where(positions >= 0, codes[np.clip(positions, 0, None)], blank), names)
    return categorical(np.where(positions >= 0, codes[np.clip(positions, 0, None)], len(names)), np.append(names, ""))


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
    if len(chosen) > MAX_RULES:
        raise ValueError(f"Một tệp quy định có tối đa {MAX_RULES} quy tắc cho một cấp (có {len(chosen)}).")
    index = {rule.id: i for i, rule in enumerate(chosen)}
    fires: dict[str, np.ndarray] = {}
    unknown = np.zeros(n, dtype=np.int64)
    substituted = np.zeros(n, dtype=np.int64)
    missing_of: dict[str, np.ndarray] = {}
    bounds: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for rule in chosen:
        where = applies[rule.id]
        when = evaluate(rule.when, rule)
        if rule.fallback is not None:  # the condition read before the column it needs was collected
            instead = where & np.isnan(when)
            if instead.any():
                other = evaluate(rule.fallback, rule)
                instead &= ~np.isnan(other)
                when = np.where(instead, other, when)
                substituted |= instead.astype(np.int64) << index[rule.id]
        bound = evaluate(rule.bound, rule) if rule.bound is not None else np.full(n, np.nan)
        holds = where & (when == 1)
        missing = where & (np.isnan(when) | (holds & (rule.bound is not None) & np.isnan(bound)))
        fires[rule.id] = holds & ~missing
        missing_of[rule.id] = missing
        low = bound if rule.effect in ("rating", "at_least") else np.zeros(n)
        high = bound if rule.effect in ("rating", "at_most") else np.full(n, TOP)
        bounds[rule.id] = (low, high)
    for rule in chosen:  # an exception or review not checkable matters only where what it lifts applies
        missing = missing_of[rule.id]
        if rule.kind != "veto":
            lifted = [fires[target] for target in rule.lifts if target in fires]
            missing = missing & np.logical_or.reduce(lifted) if lifted else np.zeros(n, dtype=bool)
        unknown |= missing.astype(np.int64) << index[rule.id]
    review = np.full(n, -1)
    for rule in sorted(chosen, key=lambda r: -r.rank):  # an exception lifted by a higher one lifts nothing
        if rule.kind in ("exception", "review"):
            for target in rule.lifts:
                if target in fires:
                    if rule.kind == "review":  # the veto is not applied: the competent level decides
                        review = np.where(fires[target] & fires[rule.id] & (review < 0), index[rule.id], review)
                    fires[target] = fires[target] & ~fires[rule.id]
    bound_hi, bound_lo = np.full(n, -1), np.full(n, -1)
    conflict = np.zeros(n, dtype=bool)
    conflict_rules = np.zeros(n, dtype=np.int64)
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
                conflict_rules |= (clash & fires[rule.id]).astype(np.int64) << index[rule.id]
        conflict |= clash
        apply = any_fired & ~clash
        new_lo, new_hi = np.clip(lo, r_lo, r_hi), np.clip(hi, r_lo, r_hi)
        bound_hi = np.where(apply & (new_hi < hi), who_hi, bound_hi)
        bound_lo = np.where(apply & (new_lo > lo), who_lo, bound_lo)
        lo, hi = np.where(apply, new_lo, lo), np.where(apply, new_hi, hi)
    fired = np.zeros(n, dtype=np.int64)
    for rule in chosen:
        fired |= fires[rule.id].astype(np.int64) << index[rule.id]
    return _Judged(lo, hi, by_score, conflict, conflict_rules, bound_hi, bound_lo, fired, unknown, substituted, review)


def categorical(codes: np.ndarray, labels: Sequence[str] | np.ndarray | pd.Index) -> pd.Categorical:
    """Text column from codes into distinct labels (the labels must differ from one another); an
    Index of labels (the dataset's member ids) is used as it is, not copied."""
    categories = labels if isinstance(labels, pd.Index) else pd.Index(np.asarray(labels, dtype=object))
    column = pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), dtype=pd.CategoricalDtype(categories))
    return cast("pd.Categorical", column)


def _keyed(keys: np.ndarray, label: Callable[[int], str]) -> pd.Categorical:
    """Text for integer keys, `label` called once per distinct key (a handful), not per row."""
    distinct, codes = np.unique(keys, return_inverse=True)
    labels = [label(int(k)) for k in distinct]
    unique_labels, relabel = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    return categorical(relabel[codes], unique_labels)


def _rule_list(mask: int, ids: list[str]) -> str:
    """ "; "-separated ids of the rules whose bit is set in `mask`."""
    return "; ".join(rule_id for bit, rule_id in enumerate(ids) if mask >> bit & 1)


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
    sent = judged.review >= 0
    conclusion = np.select(
        [~rated, judged.conflict, above, sent, below & (judged.bound_lo < 0) & by_score, below],
        [CONCLUSIONS.index(c) for c in (UNRATED, CONFLICT, ABOVE, REVIEW, BELOW, BELOW_RULE)],
        CONCLUSIONS.index(OK),
    )
    ids = [r.id for r in chosen]
    texts = ["", *(_rule_text(r) for r in chosen)]
    base = next((b for b in rules.bases if b.method == "diem"), None)
    band = len(texts)  # key of the score bands' text
    if base is not None and base.source is not None:
        texts.append(f"Khung điểm ({base.source.document.split(' của ')[0]} — {base.source.section})")
    else:
        texts.append("")
    # key 0: no reason; 1..k: the rule that set the bound; band: the score bands; above that: a conflict's rules
    below_key = np.where(judged.bound_lo >= 0, judged.bound_lo + 1, band)
    key = np.where(above, judged.bound_hi + 1, np.where(below, below_key, 0))
    key = np.where(judged.conflict, len(texts) + judged.conflict_rules, key)
    # negative: the review rule (a rating above what the other rules allow is said as such first)
    key = np.where(rated & ~judged.conflict & ~above & sent, -1 - judged.review, key)
    conflict_text = "Các quy tắc cùng bậc mâu thuẫn: "

    def reason_text(k: int) -> str:
        if k < 0:
            return _review_text(chosen[-1 - k], chosen)
        return texts[k] if k < len(texts) else conflict_text + _rule_list(k - len(texts), ids)

    reason = _keyed(key, reason_text)
    lo_code, hi_code = lo.astype(np.int64), hi.astype(np.int64)
    size = len(RATING_ORDER)

    def allowed_text(k: int) -> str:
        if k == size * size:
            return ""
        low, high = _LABELS[k // size], _LABELS[k % size]
        return str(low if low == high else ("tối đa " + high if k // size == 0 else f"{low}–{high}"))

    out = table.copy()
    out["xep_loai"] = categorical(np.where(rated, e, _BLANK), _LABELS)
    out["diem_danh_gia"] = score
    out["xep_loai_theo_diem"] = categorical(np.where(by_score, np.nan_to_num(judged.by_score), _BLANK), _LABELS)
    out["muc_cao_nhat"] = categorical(np.where(judged.conflict, _BLANK, hi_code), _LABELS)
    out["muc_duoc_phep"] = _keyed(np.where(judged.conflict, size * size, lo_code * size + hi_code), allowed_text)
    out["ket_luan"] = categorical(conclusion, CONCLUSIONS)
    out["can_cu"] = reason
    out["quy_tac_ap_dung"] = _keyed(judged.fired, lambda m: _rule_list(m, ids))
    out["chua_kiem_tra"] = _keyed(judged.unknown, lambda m: _rule_list(m, ids))
    out["xet_theo_cot_cu"] = _keyed(judged.substituted, lambda m: _rule_list(m, ids))
    return out


def _review_text(rule: Rule, chosen: tuple[Rule, ...]) -> str:
    """Why a case goes to the competent level: the review rule, and the rules it holds back."""
    held = [r.title for r in chosen if r.id in rule.lifts]
    return f"{_rule_text(rule)}; không tự áp dụng: {'; '.join(held)}"


def rating_label(code: str) -> str:
    return XEP_LOAI.labels.get(code, code)


__all__ = ["FINDINGS", "MEMBER", "REVIEW", "RatingCheck", "check_ratings"]

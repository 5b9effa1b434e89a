"""Vietnamese explanations, one per (entity, criterion), assembled on whole arrays:

"24/25 đảng viên (96%) hoàn thành tốt nhiệm vụ trở lên; chỉ tiêu ≥ 96%: đạt"

The phrase ("hoàn thành tốt nhiệm vụ trở lên") comes from the criterion's `phrase`, or is read
off the metric tree; the figures come from the aggregation's numerator and denominator; the names
(with codes) of up to five members or units that pulled a failed criterion the wrong way are appended.
Strings are joined on object arrays (one C loop per step), never row by row in Python.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from scoring.domain.codes import CAP, DOI_TUONG, HINH_THUC_KY_LUAT, LOAI_HINH, RATING_ORDER, XEP_LOAI
from scoring.domain.numbers import format_number, format_percent, format_points
from scoring.engine.evaluate import Evaluator, Rows
from scoring.engine.verdict import NOT_APPLICABLE, NOT_MET, Verdict
from scoring.input.schema import DANG_VIEN, DON_VI_NAM, TO_CHUC
from scoring.plans.expr import (
    MEMBER,
    TASK,
    Aggregate,
    Arith,
    Column,
    Compare,
    Constant,
    InList,
    Logic,
    Node,
    Not,
    OwnUnit,
    Previous,
    Type,
    is_share,
    population_noun,
    split_population,
)
from scoring.plans.model import Criterion

MAX_OFFENDERS = 5
FLAG_PHRASES = {
    "quan_triet": "được quán triệt",
    "vi_pham": "vi phạm",
    "la_bi_thu": "là bí thư",
    "vi_pham_don_vi": "có vi phạm trong cơ quan, đơn vị",
    "hoan_thanh": "đã hoàn thành",
    "dung_han": "hoàn thành đúng hạn",
    "qua_han": "quá hạn",
    "co_minh_chung": "có minh chứng",
}
_TITLES = {
    **{c.name: c.title for spec in (TO_CHUC, DANG_VIEN, DON_VI_NAM) for c in spec.columns},
    "so_ngay_tre": "Số ngày trễ hạn",
}
_RATING_NOUN = {"xep_loai": "", "xep_loai_co_quan": "cơ quan, đơn vị ", "xep_loai_doan_the": "đoàn thể "}
_CODE_LABELS = {**CAP.labels, **LOAI_HINH.labels, **DOI_TUONG.labels, **HINH_THUC_KY_LUAT.labels}
_AGGREGATE_WORDS = {"mean": "bình quân", "min": "thấp nhất", "max": "cao nhất", "sum": "tổng"}


def phrase_of(node: Node) -> str:
    """A short Vietnamese description of a condition or quantity, e.g. "hoàn thành tốt nhiệm vụ trở lên"."""
    if isinstance(node, Compare) and isinstance(node.left, Column) and isinstance(node.right, Constant):
        column, constant = node.left, node.right
        if column.type is Type.RATING:
            label = XEP_LOAI.labels[RATING_ORDER[int(constant.value)]].lower()
            said = {
                ">=": f"{label} trở lên",
                ">": f"trên mức {label}",
                "<=": f"{label} trở xuống",
                "<": f"dưới mức {label}",
                "==": label,
                "!=": f"không {label}",
            }[node.op]
            return _RATING_NOUN.get(column.name, "") + said
        shown = _CODE_LABELS.get(constant.label, constant.label).lower() if column.type is Type.CODE else constant.label
        return f"{_TITLES.get(column.name, column.name).lower()} {_OPS[node.op]} {shown}"
    if isinstance(node, Compare):
        right = node.right
        bound = _constant_text(node.left, right.value) if isinstance(right, Constant) else phrase_of(right)
        return f"{phrase_of(node.left)} {_OPS[node.op]} {bound}"
    if isinstance(node, Column):
        if node.type is Type.BOOL:
            return FLAG_PHRASES.get(node.name, _TITLES.get(node.name, node.name).lower())
        return _TITLES.get(node.name, node.name).lower()
    if isinstance(node, Not):
        said = phrase_of(node.operand)
        return "chưa " + said.removeprefix("đã ") if said.startswith("đã ") else "không " + said  # «chưa hoàn thành»
    if isinstance(node, Logic):
        return (" và " if node.op == "and" else " hoặc ").join(phrase_of(p) for p in node.parts)
    if isinstance(node, InList):
        labels = ", ".join(_CODE_LABELS.get(label, label).lower() for label in _labels(node))
        return f"{phrase_of(node.item)} {'không ' if node.negate else ''}thuộc: {labels}"
    if isinstance(node, Aggregate):
        noun = population_noun(node.population)
        inner = phrase_of(node.inner) if node.inner is not None else ""
        if node.func == "share":
            return f"tỷ lệ {noun} {inner}"
        if node.func == "count":
            return f"số {noun} {inner}".strip()
        if node.func == "all":
            return f"mọi {noun} {inner}"
        if node.func == "any":
            return f"có {noun} {inner}"
        if node.func == "ratio" and node.second is not None:
            return f"tỷ lệ {inner} trên {phrase_of(node.second)}"
        return f"{_AGGREGATE_WORDS[node.func]} {inner} của {noun}"
    if isinstance(node, Arith):
        return f"{phrase_of(node.left)} {node.op} {phrase_of(node.right)}"
    if isinstance(node, Previous):
        return f"{phrase_of(node.inner)} năm trước"
    if isinstance(node, OwnUnit):
        return f"{phrase_of(node.inner)} của chi bộ"
    return ""


_OPS = {"==": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}


def _labels(node: InList) -> list[str]:
    column = node.item
    vocabulary = getattr(column, "vocabulary", None)
    if vocabulary is None:
        return [str(v) for v in node.values]
    codes = list(RATING_ORDER) if vocabulary is XEP_LOAI else vocabulary.codes
    return [codes[int(v)] for v in node.values]


def _constant_text(left: Node, value: float) -> str:
    """A constant the plan wrote, in full: «96,5%», «0,005», «1.200»."""
    return format_percent(value, CONSTANT_DECIMALS - 2) if is_share(left) else format_number(value, CONSTANT_DECIMALS)


#: decimals shown of a constant written in a plan (as many as anyone writes; trailing zeros are dropped)
CONSTANT_DECIMALS = 6


def format_value(criterion: Criterion, values: np.ndarray) -> np.ndarray:
    """The value as a person reads it: "82,5%", "3", "Hoàn thành tốt nhiệm vụ", "có"."""
    node = criterion.metric
    out = np.full(len(values), "không đủ dữ liệu", dtype=object)
    known = ~np.isnan(values)
    if node.type is Type.RATING:
        labels = np.array([XEP_LOAI.labels[c] for c in RATING_ORDER], dtype=object)
        out[known] = labels[values[known].astype(int)]
    elif node.type is Type.BOOL:
        out[known] = np.where(values[known] == 1, "có", "không")
    elif is_share(node):
        out[known] = format_percent(values[known])
    else:  # «12», «1.200», «0,78»: no useless decimals
        out[known] = format_number(values[known], 2)
    return out


def sentences(criterion: Criterion, rows: Rows, verdict: Verdict, evaluator: Evaluator) -> np.ndarray:
    """One explanation per row of `rows`."""
    node, target = criterion.metric, criterion.target
    text = _body(criterion, node, rows, verdict.value, evaluator)
    if verdict.previous is not None:
        last = evaluator.year.year - 1
        shown = format_value(criterion, verdict.previous)
        said = np.where(np.isnan(verdict.previous), f"không có số liệu năm {last}", f"năm {last}: ").astype(object)
        text = text + "; " + said + np.where(np.isnan(verdict.previous), "", shown).astype(object)
    if target.type is Type.BOOL:  # "chỉ tiêu «hoàn thành tốt nhiệm vụ trở lên»" reads better than "= đúng"
        wanted = criterion.phrase or phrase_of(node) or criterion.metric_text
        tail = f"chỉ tiêu «{wanted if target.low == 1 else 'không ' + wanted}»"
    else:
        tail = f"chỉ tiêu {target.describe()}"
    text = text + "; " + tail + _bound(criterion, verdict) + ": " + verdict.words
    if not criterion.applies_in(evaluator.year.year):  # a dated target: say from when it counts
        when = f"từ năm {criterion.from_year}" if criterion.from_year else ""
        until = f"đến năm {criterion.to_year}" if criterion.to_year else ""
        text = text + f" (chỉ tiêu chấm {' '.join(w for w in (when, until) if w)})"
    partial = (verdict.earned != 0) & (verdict.earned != criterion.points)
    if partial.any():  # partial points or a deduction: say how many points it gave
        text[partial] = text[partial] + "; được " + format_points(verdict.earned[partial]) + " điểm"
    pulled = offenders(criterion, rows, verdict, evaluator)
    if pulled is not None:
        has = pulled != ""
        text[has] = text[has] + "; kéo xuống: " + pulled[has]
    return text


def _bound(criterion: Criterion, verdict: Verdict) -> np.ndarray:
    """For trends, the value this year had to reach, e.g. " (≤ 0,78%)"."""
    target, previous = criterion.target, verdict.previous
    out = np.full(len(verdict.value), "", dtype=object)
    if target.kind != "trend" or previous is None:
        return out
    step = previous * target.low if target.relative else np.full(len(previous), target.low)
    bound = previous + target.sign * step
    known = ~np.isnan(bound)
    shown = format_value(criterion, bound)
    out[known] = f" ({'≤' if target.sign < 0 else '≥'} " + shown[known] + ")"
    return out


def _body(criterion: Criterion, node: Node, rows: Rows, values: np.ndarray, evaluator: Evaluator) -> np.ndarray:
    phrase = criterion.phrase
    shown = format_value(criterion, values)
    if isinstance(node, Aggregate) and node.func in ("share", "count", "ratio") and node.inner is not None:
        parts = evaluator.parts(node, rows)
        noun = population_noun(node.population)
        counts = _count(parts.numerator) + "/" + _count(parts.denominator)
        if node.func == "ratio":
            text = counts + f" {phrase or phrase_of(node)}" + " (" + shown + ")"
        else:
            text = counts + f" {noun}"
            if node.func == "share":
                text = text + " (" + shown + ")"
            said = phrase or phrase_of(node.inner)
            text = text + (f" {said}" if said else "")
        text[parts.denominator == 0] = f"không có {noun} nào có số liệu"
        return _with_missing(text, parts.missing, noun)
    if isinstance(node, Arith) and node.op == "/" and _countable(node.left) and _countable(node.right):
        top, bottom = evaluator.value(node.left, rows), evaluator.value(node.right, rows)
        text = _count(top) + "/" + _count(bottom) + (f" {phrase}" if phrase else "")
        text = text + " (" + shown + ")"
        text[np.isnan(values)] = "thiếu số liệu để tính tỷ lệ"
        return text
    if isinstance(node, Compare) and isinstance(node.left, Column) and rows.kind == MEMBER:
        label = _TITLES.get(node.left.name, node.left.name)
        return label + ": " + _format_column(node.left, evaluator.value(node.left, rows))
    label = phrase or phrase_of(node) or criterion.metric_text
    text = label[0].upper() + label[1:] + ": " + shown
    if isinstance(node, Aggregate) and node.inner is not None:
        parts = evaluator.parts(node, rows)
        text = _with_missing(text, parts.missing, population_noun(node.population))
    return text


def _with_missing(text: np.ndarray, missing: np.ndarray, noun: str) -> np.ndarray:
    """Say how many members or units had no figure, when any."""
    some = missing > 0
    if some.any():
        text[some] = text[some] + " (" + _count(missing[some]) + f" {noun} chưa có số liệu)"
    return text


def _count(values: np.ndarray) -> np.ndarray:
    """Counts as people read them («12.345»), as an object array: object arrays concatenate element-wise
    with + (one C loop, no pandas overhead)."""
    return format_number(values, 0)


def _countable(node: Node) -> bool:
    return isinstance(node, Aggregate) or (isinstance(node, Column) and node.type is Type.NUMBER)


def _format_column(column: Column, values: np.ndarray) -> np.ndarray:
    missing = "chưa xếp loại (miễn hoặc để trống)" if column.type is Type.RATING else "không có số liệu"
    out = np.full(len(values), missing, dtype=object)
    known = ~np.isnan(values)
    if column.type is Type.RATING:
        out[known] = np.array([XEP_LOAI.labels[c] for c in RATING_ORDER], dtype=object)[values[known].astype(int)]
    elif column.type is Type.BOOL:
        out[known] = np.where(values[known] == 1, "có", "không")
    else:
        out[known] = format_number(values[known], 2)
    return out


def offenders(criterion: Criterion, rows: Rows, verdict: Verdict, evaluator: Evaluator) -> np.ndarray | None:
    """Up to five names per failed row: the members or units that pulled the value the wrong way
    (below a lower bound: those not meeting the condition; above an upper bound: those meeting it)."""
    node, target = criterion.metric, criterion.target
    if not isinstance(node, Aggregate) or node.inner is None:
        return None
    population = node.population
    owner = evaluator.owners(rows, population)
    inner = evaluator.value(node.inner, evaluator.population(population))
    failed = np.r_[verdict.state == NOT_MET, False]  # index -1 (no owner) reads the False at the end
    if node.inner.type is Type.BOOL:
        too_high = np.r_[verdict.value > target.high, False] if target.kind == "range" else None
        if too_high is not None:
            bad = np.where(too_high[owner], inner == 1.0, inner == 0.0)
        else:
            bad = inner == (0.0 if target.higher_is_better else 1.0)
    elif target.kind == "trend":
        return None
    elif node.func == "ratio" and node.second is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = inner / evaluator.value(node.second, evaluator.population(population))
        bad = target.met(ratio) == 0
    else:
        bad = target.met(inner) == 0
    pick = bad & (owner >= 0) & failed[owner]
    base = split_population(population)[0]
    year = evaluator.year
    if base == MEMBER:
        positions = np.flatnonzero(pick)
        keys = year.member_ids(positions).astype(str)

        def label(chosen: np.ndarray) -> np.ndarray:  # members by their code only: a unit's explanation
            return keys[chosen].astype(object)  # is read by accounts that may not see members' names

    elif base == TASK:  # a task by its id and the unit it was given to: «kl21.3 (Chi bộ A)»; one task: the unit
        tasks = evaluator.population(population).index[pick]
        units = year.task_org[tasks]
        one_task = bool(split_population(population)[1])
        keys = (year.org_ids[units] if one_task else year.task_ids[tasks]).astype(str)

        def label(chosen: np.ndarray) -> np.ndarray:
            unit_names = year.dataset.org_names[units[chosen]].astype(object)
            if one_task:
                return _named(unit_names, keys[chosen])
            codes = year.org_ids[units[chosen]].astype(str).astype(object)
            known = pd.Series(unit_names, dtype=object).fillna("").astype(str).to_numpy(dtype=object) != ""
            return keys[chosen].astype(object) + " (" + np.where(known, unit_names, codes) + ")"

    else:
        orgs = evaluator.population(population).index[pick]
        keys = year.org_ids[orgs].astype(str)

        def label(chosen: np.ndarray) -> np.ndarray:  # «Chi bộ Phòng Tổ chức (CB001)»
            return _named(year.dataset.org_names[orgs[chosen]], keys[chosen])

    return _first_named(owner[pick], keys, label, len(rows), population_noun(population))


def _named(names: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """«Tên (Mã)», the code alone where the name is blank or the code itself."""
    name = pd.Series(names, dtype=object).fillna("").astype(str).to_numpy(dtype=object)
    code = np.asarray(ids, dtype=object).astype(str).astype(object)
    plain = (name == "") | (name == code)
    return np.where(plain, code, name + " (" + code + ")")


def _first_named(
    owner: np.ndarray, keys: np.ndarray, label: Callable[[np.ndarray], np.ndarray], n: int, noun: str
) -> np.ndarray:
    """Per owner, its first MAX_OFFENDERS in key (code) order, as `label` names them (asked only for
    those shown), joined with ", " (and "và k … khác" if more)."""
    out = np.full(n, "", dtype=object)
    if len(owner) == 0:
        return out
    order = np.lexsort((keys, owner))
    owner = owner[order]
    starts = np.r_[0, np.flatnonzero(np.diff(owner)) + 1]
    sizes = np.diff(np.r_[starts, len(owner)])
    rank = np.arange(len(owner)) - np.repeat(starts, sizes)
    shown = rank < MAX_OFFENDERS
    names = np.full(len(owner), "", dtype=object)
    names[shown] = label(order[shown])
    for r in range(MAX_OFFENDERS):  # at most five passes, each over whole arrays
        take = rank == r
        out[owner[take]] = out[owner[take]] + ("" if r == 0 else ", ") + names[take]
    more = sizes - MAX_OFFENDERS
    heads = owner[starts]
    extra = more > 0
    out[heads[extra]] = out[heads[extra]] + " và " + _count(more[extra]) + f" {noun} khác"
    return out


__all__ = ["NOT_APPLICABLE", "format_value", "phrase_of", "sentences"]

"""Vietnamese explanations, one per (entity, criterion), assembled on whole arrays:

"24/25 đảng viên (96,0%) hoàn thành tốt nhiệm vụ trở lên; chỉ tiêu ≥ 96%: đạt"

The phrase ("hoàn thành tốt nhiệm vụ trở lên") comes from the criterion's `phrase`, or is read
off the metric tree; the figures come from the aggregation's numerator and denominator; the ids
of up to five members or units that pulled a failed criterion down are appended.
"""

from __future__ import annotations

import numpy as np

from scoring.criteria.expr import (
    MEMBER,
    POPULATION_NOUNS,
    Aggregate,
    Arith,
    Column,
    Compare,
    Constant,
    Logic,
    Node,
    Not,
    Type,
)
from scoring.criteria.model import Criterion
from scoring.domain import RATING_ORDER, XEP_LOAI
from scoring.engine.evaluate import Evaluator, Rows
from scoring.schema import DANG_VIEN, DON_VI_NAM

MAX_OFFENDERS = 5
VERDICT = {1.0: "đạt", 0.0: "chưa đạt"}
FLAG_PHRASES = {
    "quan_triet": "được quán triệt",
    "vi_pham": "vi phạm",
    "la_bi_thu": "là bí thư",
    "vi_pham_don_vi": "có vi phạm trong cơ quan, đơn vị",
}
_TITLES = {c.name: c.title for spec in (DANG_VIEN, DON_VI_NAM) for c in spec.columns}
_RATING_NOUN = {"xep_loai": "", "xep_loai_co_quan": "cơ quan, đơn vị ", "xep_loai_doan_the": "đoàn thể "}


def phrase_of(node: Node) -> str:
    """A short Vietnamese description of a condition, e.g. "hoàn thành tốt nhiệm vụ trở lên"."""
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
        return f"{_TITLES.get(column.name, column.name).lower()} {node.op} {constant.label}"
    if isinstance(node, Column) and node.type is Type.BOOL:
        return FLAG_PHRASES.get(node.name, _TITLES.get(node.name, node.name).lower())
    if isinstance(node, Not):
        return "không " + phrase_of(node.operand)
    if isinstance(node, Logic):
        return (" và " if node.op == "and" else " hoặc ").join(phrase_of(p) for p in node.parts)
    if isinstance(node, Column):
        return _TITLES.get(node.name, node.name)
    return ""


def _vn_decimal(values: np.ndarray, decimals: int) -> np.ndarray:
    if len(values) == 0:  # numpy's string functions refuse empty arrays
        return np.array([], dtype=str)
    text = np.char.mod(f"%.{decimals}f", np.nan_to_num(values))
    return np.char.replace(text, ".", ",")


def format_int(values: np.ndarray) -> np.ndarray:
    if len(values) == 0:
        return np.array([], dtype=str)
    text = np.char.mod("%d", np.nan_to_num(values)).astype(object)
    big = np.abs(np.nan_to_num(values)) >= 1000
    if big.any():
        text[big] = [f"{int(v):,}".replace(",", ".") for v in values[big]]
    return text.astype(str)


def format_percent(values: np.ndarray) -> np.ndarray:
    if len(values) == 0:
        return np.array([], dtype=str)
    return np.char.add(_vn_decimal(values * 100, 1), "%")


def format_value(criterion: Criterion, values: np.ndarray) -> np.ndarray:
    """The value as a person reads it: "82,5%", "3", "Hoàn thành tốt nhiệm vụ", "có"."""
    node = criterion.metric
    out = np.full(len(values), "", dtype=object)
    known = ~np.isnan(values)
    if node.type is Type.RATING:
        labels = np.array([XEP_LOAI.labels[c] for c in RATING_ORDER], dtype=object)
        out[known] = labels[values[known].astype(int)]
    elif node.type is Type.BOOL:
        out[known] = np.where(values[known] == 1, "có", "không")
    elif is_share(node):
        out[known] = format_percent(values[known])
    elif np.all(np.mod(values[known], 1) == 0):
        out[known] = format_int(values[known])
    else:
        out[known] = _vn_decimal(values[known], 2)
    out[~known] = "không đủ dữ liệu"
    return out


def is_share(node: Node) -> bool:
    return (isinstance(node, Aggregate) and node.func == "share") or (isinstance(node, Arith) and node.op == "/")


def sentences(
    criterion: Criterion,
    rows: Rows,
    values: np.ndarray,
    met: np.ndarray,
    previous: np.ndarray | None,
    evaluator: Evaluator,
) -> np.ndarray:
    """One explanation per row of `rows`."""
    node = criterion.metric
    body = _body(criterion, node, rows, values, evaluator)
    target = criterion.target
    if target.type is Type.BOOL:  # "chỉ tiêu «hoàn thành tốt nhiệm vụ trở lên»" reads better than "= đúng"
        wanted = criterion.phrase or phrase_of(node) or criterion.metric_text
        wanted = wanted if target.low == 1 else f"không {wanted}"
        tail = np.full(len(values), f"chỉ tiêu «{wanted}»: ", dtype=object)
    else:
        tail = np.full(len(values), f"chỉ tiêu {target.describe()}: ", dtype=object)
    verdict = np.where(np.isnan(met), "không đủ dữ liệu", np.where(met == 1, "đạt", "chưa đạt")).astype(object)
    text = body
    if previous is not None:
        text = text + f"; năm {evaluator.year.year - 1}: " + format_value(criterion, previous)
    text = text + "; " + tail + verdict
    pulled = offenders(criterion, rows, met, evaluator)
    if pulled is not None:
        has = pulled != ""
        text[has] = text[has] + "; kéo xuống: " + pulled[has]
    return text


def _body(criterion: Criterion, node: Node, rows: Rows, values: np.ndarray, evaluator: Evaluator) -> np.ndarray:
    phrase = criterion.phrase
    shown = format_value(criterion, values)
    if isinstance(node, Aggregate) and node.func in ("share", "count"):
        parts = evaluator.parts(node, rows)
        noun = POPULATION_NOUNS[node.population]
        said = phrase or (phrase_of(node.inner) if node.inner is not None else "")
        text = _obj(format_int(parts.numerator)) + "/" + _obj(format_int(parts.denominator)) + f" {noun}"
        if node.func == "share":
            text = text + " (" + shown + ")"
        text = text + (f" {said}" if said else "")
        text[parts.denominator == 0] = f"không có {noun} nào có số liệu"
        return text
    if isinstance(node, Arith) and node.op == "/" and _countable(node.left) and _countable(node.right):
        top = evaluator.value(node.left, rows)
        bottom = evaluator.value(node.right, rows)
        text = _obj(format_int(top)) + "/" + _obj(format_int(bottom)) + (f" {phrase}" if phrase else "")
        text = text + " (" + shown + ")"
        text[np.isnan(values)] = "thiếu số liệu để tính tỷ lệ"
        return text
    label = phrase or phrase_of(node) or criterion.metric_text
    if isinstance(node, Compare) and isinstance(node.left, Column) and rows.kind == MEMBER:
        inner = evaluator.value(node.left, rows)
        label = _TITLES.get(node.left.name, node.left.name)
        shown = _format_column(node.left, inner)
    return label[0].upper() + label[1:] + ": " + shown


def _obj(values: np.ndarray) -> np.ndarray:
    """Object arrays concatenate element-wise with + (one C loop, no pandas overhead)."""
    return values.astype(object)


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
        out[known] = _vn_decimal(values[known], 1)
    return out


def offenders(criterion: Criterion, rows: Rows, met: np.ndarray, evaluator: Evaluator) -> np.ndarray | None:
    """Up to five ids per failed row: the members or units that pulled the value the wrong way."""
    node, target = criterion.metric, criterion.target
    if isinstance(node, Aggregate) and node.inner is not None:
        population, inner = node.population, evaluator.value(node.inner, evaluator.population(node.population))
        if node.inner.type is Type.BOOL:
            bad = inner == (0.0 if target.higher_is_better else 1.0)
        elif target.kind != "trend":
            bad = target.met(inner) == 0
        else:
            return None
    elif (
        isinstance(node, Arith)
        and node.op == "/"
        and isinstance(node.left, Aggregate)
        and isinstance(node.right, Aggregate)
        and node.left.population == node.right.population
        and node.left.inner is not None
        and node.right.inner is not None
        and target.kind != "trend"
    ):
        population = node.left.population
        sub = evaluator.population(population)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = evaluator.value(node.left.inner, sub) / evaluator.value(node.right.inner, sub)
        bad = target.met(ratio) == 0
    else:
        return None
    owner = evaluator.owners(rows, population)
    failed = np.zeros(len(rows) + 1, dtype=bool)
    failed[:-1] = met == 0
    pick = bad & (owner >= 0) & failed[owner]
    if population == "dang_vien":
        ids = evaluator.year.member_ids[np.flatnonzero(pick)]
    else:
        ids = evaluator.year.org_ids[evaluator.population(population).index[pick]]
    return _first_ids(owner[pick], ids.astype(str), len(rows))


def _first_ids(owner: np.ndarray, ids: np.ndarray, n: int) -> np.ndarray:
    """Per owner, its first MAX_OFFENDERS ids in id order, joined with ", " (and "… +k" if more)."""
    out = np.full(n, "", dtype=object)
    if len(owner) == 0:
        return out
    order = np.lexsort((ids, owner))
    owner, ids = owner[order], ids[order]
    starts = np.r_[0, np.flatnonzero(np.diff(owner)) + 1]
    sizes = np.diff(np.r_[starts, len(owner)])
    rank = np.arange(len(owner)) - np.repeat(starts, sizes)
    for r in range(MAX_OFFENDERS):  # at most five passes, each over whole arrays
        take = rank == r
        out[owner[take]] = out[owner[take]] + ("" if r == 0 else ", ") + ids[take].astype(object)
    more = sizes - MAX_OFFENDERS
    heads = owner[starts]
    extra = more > 0
    out[heads[extra]] = out[heads[extra]] + " và " + more[extra].astype(str).astype(object) + " khác"
    return out

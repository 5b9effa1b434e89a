"""Targets as written in the plans — ``> 80%``, ``≥ 96%``, ``15%..20%``, ``= 0``, ``≥ HTTNV``,
``đúng``, ``giảm 2%/năm`` — parsed once, then judged on whole arrays (1 met, 0 not met, NaN no data).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from scoring.domain.codes import RATING_ORDER, XEP_LOAI
from scoring.domain.numbers import format_number, parse_number, parse_percent
from scoring.domain.text import fold
from scoring.plans.expr import MAX_CONSTANT, Type

_OPS = {">": ">", ">=": ">=", "≥": ">=", "<": "<", "<=": "<=", "≤": "<=", "=": "==", "==": "==", "!=": "!=", "≠": "!="}
_NUMBER = r"[0-9]+(?:[.,][0-9]+)?"
_COMPARE_RE = re.compile(r"^(>=|<=|==|!=|>|<|=|≥|≤|≠)\s*(.+)$")
_RANGE_RE = re.compile(rf"^({_NUMBER})\s*(%?)\s*(?:\.\.|–|—|-)\s*({_NUMBER})\s*(%?)$")
_TREND_RE = re.compile(rf"^(giảm|tăng)\s+({_NUMBER})\s*(%|điểm\s*%|điểm phần trăm)\s*/\s*năm$")
TRUE_WORDS = {"dung", "true", "co", "dat"}
FALSE_WORDS = {"sai", "false", "khong"}


class TargetError(ValueError):
    """A target that cannot be read (Vietnamese message)."""


@dataclass(frozen=True)
class Target:
    text: str
    kind: str  # "compare" | "range" | "trend"
    type: Type
    op: str = ""
    low: float = np.nan
    high: float = np.nan
    #: for trends: fall (-1) or rise (+1), by a relative share or by percentage points
    sign: int = 0
    relative: bool = True

    @property
    def higher_is_better(self) -> bool:
        """Whether raising the value helps: decides which members or units "pulled it down"."""
        if self.kind == "range":
            return True
        if self.kind == "trend":
            return self.sign > 0
        return self.op in (">", ">=") or (self.op == "==" and self.low > 0)

    @property
    def needs_previous(self) -> bool:
        return self.kind == "trend"

    def met(self, value: np.ndarray, previous: np.ndarray | None = None) -> np.ndarray:
        """1.0 met, 0.0 not met, NaN when the value (or last year's, for trends) is missing."""
        ok, missing = self.check(value, previous)
        result = ok.astype(np.float64)
        if missing is not None:
            result[missing] = np.nan
        return result

    def check(self, value: np.ndarray, previous: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """(whether each value meets the target, where it cannot be judged — None when nowhere)."""
        value = np.asarray(value, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            if self.kind == "range":
                ok = (value >= self.low - 1e-12) & (value <= self.high + 1e-12)
                missing = np.isnan(value)
            elif self.kind == "trend":
                assert previous is not None
                prev = np.asarray(previous, dtype=np.float64)
                bound = self.trend_bound(prev)
                ok = value <= bound + 1e-12 if self.sign < 0 else value >= bound - 1e-12
                missing = np.isnan(value) | np.isnan(prev)
            else:
                ok = _compare(value, self.op, self.low)
                missing = np.isnan(value)
        return ok, (missing if missing.any() else None)

    def trend_bound(self, previous: np.ndarray, years: np.ndarray | int = 1) -> np.ndarray:
        """For a trend: the most (falling) or least (rising) the value may be `years` years after
        `previous` (this year's bound, from last year's value, when `years` is 1)."""
        if self.relative:
            return previous * (1 + self.sign * self.low) ** years
        return previous + self.sign * self.low * years

    def describe(self) -> str:
        """The target as the plan says it, e.g. "≥ 96%", "15%–20%", "giảm 2%/năm"."""
        return self.text


def _compare(value: np.ndarray, op: str, bound: float) -> np.ndarray:
    eps = 1e-12
    if op == ">":
        return value > bound + eps
    if op == ">=":
        return value >= bound - eps
    if op == "<":
        return value < bound - eps
    if op == "<=":
        return value <= bound + eps
    if op == "==":
        return np.abs(value - bound) <= eps
    return np.abs(value - bound) > eps


def _number(text: str, percent: bool) -> float:
    """A number of a target, read as every number people type (`numbers.parse_number`: «96,5», «1.200»)."""
    value = parse_number(text)  # None only when too large for a float (a string of 400 digits)
    if value is None or value > MAX_CONSTANT:
        shown = text if len(text) <= 40 else text[:39] + "…"
        limit = format_number(MAX_CONSTANT, 0)
        raise TargetError(f"số «{shown}» trong chỉ tiêu quá lớn: không vượt quá {limit}")
    return value / 100 if percent else value


#: The plans' own wording, rewritten to the symbols: "trên 80%" is "> 80%", "từ 96% trở lên" "≥ 96%".
_WORDING = (
    (re.compile(r"^(?:từ\s+)?(.+?)\s+trở\s+lên$"), r">= \1"),
    (re.compile(r"^(?:từ\s+)?(.+?)\s+trở\s+xuống$"), r"<= \1"),
    (re.compile(r"^(?:trên|hơn|lớn hơn)\s+(.+)$"), r"> \1"),
    (re.compile(r"^(?:dưới|nhỏ hơn|ít hơn)\s+(.+)$"), r"< \1"),
    (re.compile(r"^(?:không quá|tối đa|nhiều nhất)\s+(.+)$"), r"<= \1"),
    (re.compile(r"^(?:ít nhất|tối thiểu)\s+(.+)$"), r">= \1"),
    (re.compile(r"^(?:bằng)\s+(.+)$"), r"= \1"),
    (re.compile(r"^(?:từ)\s+(.+?)\s+(?:đến)\s+(.+)$"), r"\1..\2"),
)


def _plain(raw: str) -> str:
    lowered = raw.lower()
    for pattern, replacement in _WORDING:
        if pattern.match(lowered):
            return pattern.sub(replacement, lowered)
    return raw


def parse_target(text: str, metric_type: Type) -> Target:
    """Read a target for a metric of `metric_type`; raise TargetError with a Vietnamese message."""
    written = " ".join(str(text).split())
    raw = _plain(written)
    if not raw:
        raise TargetError("chỉ tiêu để trống")
    lowered = raw.lower()
    trend = _TREND_RE.match(lowered)
    if trend:
        _expect(metric_type, Type.NUMBER, raw)
        amount = _number(trend.group(2), percent=True)
        return Target(
            raw,
            "trend",
            Type.NUMBER,
            low=amount,
            sign=-1 if trend.group(1) == "giảm" else 1,
            relative=trend.group(3) == "%",
        )
    if fold(raw) in TRUE_WORDS | FALSE_WORDS:
        _expect(metric_type, Type.BOOL, raw)
        return Target(written, "compare", Type.BOOL, op="==", low=1.0 if fold(raw) in TRUE_WORDS else 0.0)
    in_range = _RANGE_RE.match(raw)
    if in_range:
        _expect(metric_type, Type.NUMBER, raw)
        percent = bool(in_range.group(2) or in_range.group(4))
        low, high = _number(in_range.group(1), percent), _number(in_range.group(3), percent)
        if low > high:
            raise TargetError(f"khoảng «{raw}» có cận dưới lớn hơn cận trên")
        return Target(written, "range", Type.NUMBER, low=low, high=high)
    compare = _COMPARE_RE.match(raw)
    if not compare:
        raise TargetError(
            f"không hiểu chỉ tiêu «{raw}»; viết ví dụ «> 80%», «≥ 96%», «15%..20%», «= 0», «≥ HTTNV», "
            "«đúng», «giảm 2%/năm» hoặc «giảm 0,1 điểm %/năm»"
        )
    op, operand = _OPS[compare.group(1)], compare.group(2).strip()
    rating = XEP_LOAI.lookup().get(fold(operand), "")
    if rating:
        _expect(metric_type, Type.RATING, raw)
        return Target(written, "compare", Type.RATING, op=op, low=float(RATING_ORDER.index(rating)))
    if fold(operand) in TRUE_WORDS | FALSE_WORDS:
        _expect(metric_type, Type.BOOL, raw)
        if op not in ("==", "!="):
            raise TargetError(f"«{raw}»: đúng/sai chỉ so sánh bằng hoặc khác")
        value = 1.0 if fold(operand) in TRUE_WORDS else 0.0
        return Target(written, "compare", Type.BOOL, op="==", low=value if op == "==" else 1.0 - value)
    number = re.fullmatch(rf"({_NUMBER})\s*(%?)", operand)
    if not number:
        raise TargetError(f"«{raw}»: sau dấu so sánh cần một số, một tỷ lệ % hoặc một mức xếp loại (HTTNV…)")
    _expect(metric_type, Type.NUMBER, raw)
    return Target(written, "compare", Type.NUMBER, op=op, low=_number(number.group(1), bool(number.group(2))))


def _expect(metric_type: Type, target_type: Type, raw: str) -> None:
    if metric_type is not target_type:
        raise TargetError(f"chỉ tiêu «{raw}» dành cho giá trị {target_type.value}, nhưng chỉ số là {metric_type.value}")


def parse_share(text: str) -> float | None:
    """ "20%" or "12,5 %" -> 0.2 / 0.125; None when it is not a percentage in (0%, 100%]."""
    match = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*%\s*", text)
    if match is None:
        return None
    value = parse_percent(match.group(1))
    return value if value is not None and 0 < value <= 1 else None

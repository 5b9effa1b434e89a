"""The metric language: a small, safe expression language over members and units.

A metric such as ``share(dang_vien, xep_loai >= HTTNV)`` is parsed with Python's own parser
(``ast.parse(mode="eval")``) and then *translated* node by node into the classes of `nodes`; any
Python node kind not handled here is refused. Nothing is ever passed to ``eval``/``exec``: the engine walks
these classes itself. Types are checked at load time, so a criteria file that compares a rating
with a number, or names an unknown column or function, fails with a message naming the problem.

A metric is bounded before it is translated (`MAX_METRIC_CHARS`, `MAX_METRIC_NODES`, `MAX_METRIC_DEPTH`,
`MAX_CONSTANT`), and its text is printed again only for a message: checking is linear in its length.
What a metric may name is in `metric_names`; both modules' names are importable from here, the
language's one public face.
"""

from __future__ import annotations

import ast
import math
import warnings

from scoring.domain.codes import RATING_ORDER, XEP_LOAI, Vocabulary
from scoring.domain.numbers import format_number
from scoring.plans.metric_names import (
    AGGREGATIONS,
    CODE_CONSTANTS,
    FUNCTIONS,
    LEAVES,
    MEMBER,
    POPULATION_NOUNS,
    POPULATIONS,
    ROW_COLUMNS,
    TASK,
    TASK_COLUMNS,
    UNIT,
    ColumnInfo,
    population_noun,
    split_population,
)
from scoring.plans.nodes import (
    Aggregate,
    Arith,
    Column,
    Compare,
    Constant,
    InList,
    Logic,
    Negate,
    Node,
    Not,
    OwnUnit,
    Previous,
    Type,
    columns_read,
    is_share,
    walk,
)

__all__ = [
    "AGGREGATIONS",
    "CODE_CONSTANTS",
    "FUNCTIONS",
    "LEAVES",
    "MAX_CONSTANT",
    "MAX_METRIC_CHARS",
    "MAX_METRIC_DEPTH",
    "MAX_METRIC_NODES",
    "MEMBER",
    "POPULATIONS",
    "POPULATION_NOUNS",
    "ROW_COLUMNS",
    "TASK",
    "TASK_COLUMNS",
    "UNIT",
    "Aggregate",
    "Arith",
    "Column",
    "ColumnInfo",
    "Compare",
    "Constant",
    "ExprError",
    "InList",
    "Logic",
    "Negate",
    "Node",
    "Not",
    "OwnUnit",
    "Previous",
    "Type",
    "columns_read",
    "is_share",
    "parse",
    "population_noun",
    "split_population",
    "walk",
]


class ExprError(ValueError):
    """A metric that cannot be used; the message is Vietnamese and says why."""


# Bounds on one metric. A plan's metric is a line or two: the largest shipped (plans, rules, test cases) has
# 500 characters, 84 nodes and 12 levels. The bounds stand well above that, and keep a mistaken or hostile
# file from exhausting the stack (Python's parser and this translator descend by recursion) or the time
# of the checks.

#: Characters of a metric, checked before it is parsed.
MAX_METRIC_CHARS = 10_000
#: Nodes of the parsed metric (names, numbers, operations).
MAX_METRIC_NODES = 2_000
#: Operations inside one another, counted along the longest path from the whole metric to a name or a
#: number: `x` is 1 deep, `not not x` 3, `a + b + c` 3 (read as `(a + b) + c`), `share(tccsd, x >= 1)` 3.
MAX_METRIC_DEPTH = 50
#: The largest number a metric may write: counts and scores of a party organisation stay far below it,
#: and every number up to it is exact as a float.
MAX_CONSTANT = 10**12
#: Characters of a sub-expression quoted in a message.
MAX_QUOTE = 120

_COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def parse(text: str, context: str) -> Node:
    """Parse and type-check `text` for rows of `context` (MEMBER or UNIT)."""
    source = text.strip().replace("≥", ">=").replace("≤", "<=").replace("≠", "!=")
    if len(source) > MAX_METRIC_CHARS:
        size, limit = _count(len(source)), _count(MAX_METRIC_CHARS)
        raise ExprError(f"công thức quá dài ({size} ký tự; tối đa {limit}): tách thành nhiều tiêu chí")
    try:
        with warnings.catch_warnings():
            # what Python only warns about (`1and x`, "\d") is a mistake in a metric, said as one; and no
            # warning reaches the console of the app
            warnings.simplefilter("error", SyntaxWarning)
            warnings.simplefilter("error", DeprecationWarning)
            tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        if "too many nested" in str(exc.msg):
            raise ExprError(_too_deep()) from None
        if "integer string conversion" in str(exc.msg):  # Python refuses integers of over 4,300 digits
            raise ExprError(f"số quá lớn: một số trong công thức không vượt quá {_count(MAX_CONSTANT)}") from None
        raise ExprError(f"công thức viết sai cú pháp ở ký tự {exc.offset}: «{_shorten(text.strip())}»") from None
    except ValueError:  # a character the parser cannot take (a lone surrogate)
        raise ExprError(f"công thức có ký tự không đọc được: «{_shorten(text.strip())}»") from None
    except (RecursionError, MemoryError):  # Python's parser gives up on deep nesting before our own count
        raise ExprError(_too_deep()) from None
    _check_size(tree.body)
    return _Translator(context).node(tree.body)


def _check_size(tree: ast.AST) -> None:
    """Count the nodes and the depth of a parsed metric without recursion (it is not yet bounded)."""
    nodes = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if depth > MAX_METRIC_DEPTH:
            raise ExprError(_too_deep())
        if nodes > MAX_METRIC_NODES:
            limit = _count(MAX_METRIC_NODES)
            raise ExprError(f"công thức quá lớn (hơn {limit} tên, số và phép toán): tách thành nhiều tiêu chí")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node) if not isinstance(child, _SKIPPED))


#: Nodes of Python's tree that are not parts of the formula (the "load" marker of every name, operators).
_SKIPPED = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)


def _too_deep() -> str:
    return (
        f"công thức lồng quá sâu (hơn {MAX_METRIC_DEPTH} tầng phép toán, ngoặc hay hàm nằm trong nhau): "
        "viết gọn lại hoặc tách thành nhiều tiêu chí"
    )


def _count(number: int) -> str:
    return format_number(number, 0)


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1] + "…"


def _quote(n: ast.AST) -> str:
    """A sub-expression as written, for a message: printed only when a message needs it (printing it for
    every operand of a long `a and b and …` would make checking quadratic)."""
    return _shorten(ast.unparse(n))


class _Translator:
    def __init__(self, context: str) -> None:
        self.context = context

    def node(self, n: ast.AST) -> Node:
        method = getattr(self, f"_{type(n).__name__}", None)
        if method is None:
            raise ExprError(f"không dùng được «{_quote(n)}» trong công thức ({type(n).__name__})")
        result: Node = method(n)
        return result

    def _Name(self, n: ast.Name) -> Node:
        columns = ROW_COLUMNS[self.context]
        if n.id in columns:
            info = columns[n.id]
            return Column(info.type, n.id, info.vocabulary)
        if n.id in CODE_CONSTANTS:
            return self._code(n.id)
        if n.id in POPULATIONS or n.id in FUNCTIONS:
            raise ExprError(f"«{n.id}» là tên tập hợp hoặc hàm, không dùng như một cột")
        where = {MEMBER: "đảng viên", TASK: "nhiệm vụ"}.get(self.context, "tổ chức (bảng Đơn vị năm và Tổ chức)")
        raise ExprError(f"không có cột «{n.id}» ở dòng {where}; các cột có: {', '.join(sorted(columns))}")

    def _code(self, code: str) -> Constant:
        vocabulary = CODE_CONSTANTS[code]
        if vocabulary is XEP_LOAI:
            return Constant(Type.RATING, float(RATING_ORDER.index(code)), code)
        return Constant(Type.CODE, float(vocabulary.codes.index(code)), code)

    def _Constant(self, n: ast.Constant) -> Node:
        if isinstance(n.value, bool):
            return Constant(Type.BOOL, float(n.value), str(n.value))
        if isinstance(n.value, int | float):
            # compared before any conversion: float() of a 400-digit integer would overflow
            if not (isinstance(n.value, int) or math.isfinite(n.value)) or abs(n.value) > MAX_CONSTANT:
                shown = _quote(n) if isinstance(n.value, int) or math.isfinite(n.value) else "vô cực"
                limit = _count(MAX_CONSTANT)
                raise ExprError(f"số quá lớn ({shown}): một số trong công thức không vượt quá {limit}")
            return Constant(Type.NUMBER, float(n.value), str(n.value))
        raise ExprError(
            f"hằng số «{_shorten(repr(n.value))}» không dùng được; viết số, True/False hoặc tên mã (HTTNV…)"
        )

    def _Compare(self, n: ast.Compare) -> Node:
        if len(n.ops) != 1:
            raise ExprError(f"mỗi phép so sánh chỉ hai vế: «{_quote(n)}»")
        op, right_ast = n.ops[0], n.comparators[0]
        left = self.node(n.left)
        if isinstance(op, ast.In | ast.NotIn):
            return self._in(left, right_ast, negate=isinstance(op, ast.NotIn), whole=n)
        right = self.node(right_ast)
        _same_kind(left, right, n)
        if left.type in (Type.CODE, Type.BOOL) and type(op) not in (ast.Eq, ast.NotEq):
            raise ExprError(f"«{_quote(n)}»: {left.type.value} chỉ so sánh bằng (==) hoặc khác (!=)")
        return Compare(Type.BOOL, _COMPARE[type(op)], left, right)

    def _in(self, left: Node, right: ast.AST, negate: bool, whole: ast.AST) -> Node:
        if not isinstance(right, ast.List | ast.Tuple):
            raise ExprError(f"«{_quote(whole)}»: sau «in» cần một danh sách trong ngoặc vuông, ví dụ [HTTNV, HTXSNV]")
        values = tuple(self.node(v) for v in right.elts)
        for v in values:
            if not isinstance(v, Constant):
                raise ExprError(f"«{_quote(whole)}»: danh sách chỉ gồm hằng số hoặc tên mã")
            _same_kind(left, v, whole)
        return InList(Type.BOOL, left, tuple(v.value for v in values if isinstance(v, Constant)), negate)

    def _BoolOp(self, n: ast.BoolOp) -> Node:
        parts = tuple(self._bool(v, n) for v in n.values)
        return Logic(Type.BOOL, "and" if isinstance(n.op, ast.And) else "or", parts)

    def _bool(self, n: ast.AST, whole: ast.AST) -> Node:
        node = self.node(n)
        if node.type is not Type.BOOL:
            raise ExprError(f"«{_quote(whole)}»: «{_quote(n)}» phải là điều kiện đúng/sai, đang là {node.type.value}")
        return node

    def _UnaryOp(self, n: ast.UnaryOp) -> Node:
        if isinstance(n.op, ast.Not):
            return Not(Type.BOOL, self._bool(n.operand, n))
        if isinstance(n.op, ast.USub):
            return Negate(Type.NUMBER, self._number(n.operand, n))
        raise ExprError(f"phép toán một ngôi không dùng được: «{_quote(n)}»")

    def _number(self, n: ast.AST, whole: ast.AST) -> Node:
        node = self.node(n)
        if node.type is not Type.NUMBER:
            raise ExprError(f"«{_quote(whole)}»: «{_quote(n)}» phải là số, đang là {node.type.value}")
        return node

    def _BinOp(self, n: ast.BinOp) -> Node:
        if type(n.op) not in _ARITH:
            raise ExprError(f"chỉ dùng được + - * /: «{_quote(n)}»")
        return Arith(Type.NUMBER, _ARITH[type(n.op)], self._number(n.left, n), self._number(n.right, n))

    def _Call(self, n: ast.Call) -> Node:
        if not isinstance(n.func, ast.Name) or n.func.id not in FUNCTIONS:
            raise ExprError(f"không có hàm «{_quote(n.func)}»; các hàm có: {', '.join(FUNCTIONS)}")
        if n.keywords:
            raise ExprError(f"«{_quote(n)}»: không dùng tham số có tên")
        if n.func.id == "previous":
            if len(n.args) != 1:
                raise ExprError(f"«{_quote(n)}»: previous(...) nhận đúng một biểu thức")
            inner = self.node(n.args[0])
            return Previous(inner.type, inner)
        if n.func.id == "don_vi":
            if self.context != MEMBER or len(n.args) != 1:
                raise ExprError(f"«{_quote(n)}»: don_vi(...) chỉ dùng ở cấp đảng viên, với một biểu thức của chi bộ")
            inner = _Translator(UNIT).node(n.args[0])
            return OwnUnit(inner.type, inner)
        return self._aggregate(n.func.id, n.args, n)

    def _aggregate(self, func: str, args: list[ast.expr], whole: ast.AST) -> Node:
        if self.context in LEAVES:
            where = "cấp đảng viên" if self.context == MEMBER else "dòng nhiệm vụ"
            raise ExprError(f"«{_quote(whole)}»: ở {where} không có tập hợp con để tính {func}(...)")
        needs_inner, inner_type, result = AGGREGATIONS[func]
        if args and isinstance(args[0], ast.Subscript):  # nhiem_vu["kl21.3"]: one task of the plan
            population = self._task_subset(args[0], whole)
        elif not args or not isinstance(args[0], ast.Name) or args[0].id not in POPULATIONS:
            raise ExprError(f"«{_quote(whole)}»: tham số đầu của {func} là một tập hợp: {', '.join(POPULATIONS)}")
        else:
            population = args[0].id
        wanted = 3 if func == "ratio" else 2
        if len(args) > wanted or (needs_inner and len(args) != wanted):
            if func == "ratio":
                shape = "ratio(tập_hợp, tử_số, mẫu_số)"
            elif needs_inner:
                shape = f"{func}(tập_hợp, biểu_thức)"
            else:
                shape = f"{func}(tập_hợp) hoặc {func}(tập_hợp, điều_kiện)"
            raise ExprError(f"«{_quote(whole)}»: viết {shape}")
        base = split_population(population)[0]
        row_context = base if base in LEAVES else UNIT
        inner: Node | None = None
        second: Node | None = None
        for position, arg in enumerate(args[1:], start=1):
            node = _Translator(row_context).node(arg)
            if node.type is not inner_type:
                assert inner_type is not None
                raise ExprError(
                    f"«{_quote(whole)}»: biểu thức trong {func} phải là {inner_type.value}, đang là {node.type.value}"
                )
            if position == 1:
                inner = node
            else:
                second = node
        return Aggregate(result, func, population, inner, second)

    def _task_subset(self, n: ast.Subscript, whole: ast.AST) -> str:
        if not (isinstance(n.value, ast.Name) and n.value.id == TASK):
            raise ExprError(f'«{_quote(whole)}»: chỉ tập hợp nhiem_vu mới chọn được phần tử, ví dụ nhiem_vu["kl21.3"]')
        key = n.slice
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.strip()):
            raise ExprError(
                f'«{_quote(whole)}»: trong ngoặc vuông là mã nhiệm vụ trong ngoặc kép, ví dụ nhiem_vu["kl21.3"]'
            )
        if any(c in key.value for c in "[]"):
            raise ExprError(f"«{_quote(whole)}»: mã nhiệm vụ không chứa dấu ngoặc vuông")
        return f"{TASK}[{key.value.strip()}]"


def _same_kind(left: Node, right: Node, whole: ast.AST) -> None:
    if left.type is not right.type:
        raise ExprError(f"«{_quote(whole)}»: không so sánh {left.type.value} với {right.type.value}")
    vocab_l = getattr(left, "vocabulary", None) or _vocabulary_of_constant(left)
    vocab_r = getattr(right, "vocabulary", None) or _vocabulary_of_constant(right)
    if left.type is Type.CODE and vocab_l is not None and vocab_r is not None and vocab_l is not vocab_r:
        raise ExprError(f"«{_quote(whole)}»: hai vế thuộc hai danh mục khác nhau ({vocab_l.name}, {vocab_r.name})")


def _vocabulary_of_constant(node: Node) -> Vocabulary | None:
    if isinstance(node, Constant) and node.label in CODE_CONSTANTS:
        return CODE_CONSTANTS[node.label]
    return None

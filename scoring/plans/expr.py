"""The metric language: a small, safe expression language over members and units.

A metric such as ``share(dang_vien, xep_loai >= HTTNV)`` is parsed with Python's own parser
(``ast.parse(mode="eval")``) and then *translated* node by node into the classes below; any node
kind not listed here is refused. Nothing is ever passed to ``eval``/``exec``: the engine walks
these classes itself. Types are checked at load time, so a criteria file that compares a rating
with a number, or names an unknown column or function, fails with a message naming the problem.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

from scoring.domain.codes import (
    CAP,
    CHI_BO_LEVELS,
    DOI_TUONG,
    LOAI_HINH,
    RATING_ORDER,
    TCCSD_LEVELS,
    XEP_LOAI,
    Vocabulary,
)
from scoring.input.schema import DANG_VIEN, DON_VI_NAM, Kind


class Type(Enum):
    NUMBER = "số"
    BOOL = "đúng/sai"
    RATING = "xếp loại"
    CODE = "mã danh mục"


class ExprError(ValueError):
    """A metric that cannot be used; the message is Vietnamese and says why."""


# --- the row contexts ----------------------------------------------------------------------------

MEMBER = "dang_vien"
UNIT = "don_vi"
TASK = "nhiem_vu"
#: populations whose rows are not organisations: each row hangs from one organisation (a member
#: from its chi bộ, a task from the unit it was given to) and is rolled up the tree from there
LEAVES = (MEMBER, TASK)

#: Populations an aggregation can range over, with the organisation levels they contain.
POPULATIONS: dict[str, tuple[str, ...]] = {
    "dang_vien": (),
    "chi_bo": CHI_BO_LEVELS,
    "chi_bo_truc_thuoc": ("chi_bo_truc_thuoc",),
    "chi_bo_co_so": ("chi_bo_co_so",),
    "tccsd": TCCSD_LEVELS,
    "dang_bo_co_so": ("dang_bo_co_so",),
    "dang_bo_bo_phan": ("dang_bo_bo_phan",),
    "nhiem_vu": (),
}
POPULATION_NOUNS = {
    "dang_vien": "đảng viên",
    "chi_bo": "chi bộ",
    "chi_bo_truc_thuoc": "chi bộ trực thuộc",
    "chi_bo_co_so": "chi bộ cơ sở",
    "tccsd": "TCCSĐ",
    "dang_bo_co_so": "đảng bộ cơ sở",
    "dang_bo_bo_phan": "đảng bộ bộ phận",
    "nhiem_vu": "nhiệm vụ",
}


def split_population(population: str) -> tuple[str, str | None]:
    """ "nhiem_vu[kl21.3]" -> ("nhiem_vu", "kl21.3"); other populations have no subset."""
    if population.endswith("]") and "[" in population:
        base, subset = population[:-1].split("[", 1)
        return base, subset
    return population, None


def population_noun(population: str) -> str:
    base, subset = split_population(population)
    return POPULATION_NOUNS[base] + (f" «{subset}»" if subset else "")


@dataclass(frozen=True)
class ColumnInfo:
    type: Type
    vocabulary: Vocabulary | None = None


def _columns_of(specs: tuple) -> dict[str, ColumnInfo]:  # type: ignore[type-arg]
    found: dict[str, ColumnInfo] = {}
    for spec in specs:
        if spec.kind in (Kind.COUNT, Kind.SCORE, Kind.POINTS, Kind.YEAR):
            found[spec.name] = ColumnInfo(Type.NUMBER)
        elif spec.kind is Kind.FLAG:
            found[spec.name] = ColumnInfo(Type.BOOL)
        elif spec.kind is Kind.CODE and spec.vocabulary is XEP_LOAI:
            found[spec.name] = ColumnInfo(Type.RATING, XEP_LOAI)
        elif spec.kind is Kind.CODE:
            found[spec.name] = ColumnInfo(Type.CODE, spec.vocabulary)
    return found


#: Columns of a task row, worked out from the nhiem_vu table (`YearData.task_column`).
TASK_COLUMNS = {
    "hoan_thanh": "đã hoàn thành (kết quả «Hoàn thành»)",
    "dung_han": "hoàn thành đúng hạn (ngày hoàn thành không muộn hơn hạn; «thường xuyên»: hoàn thành trong năm)",
    "qua_han": "quá hạn (hoàn thành muộn, hoặc chưa hoàn thành khi hạn đã qua; «thường xuyên»: chưa thực hiện)",
    "so_ngay_tre": "số ngày trễ so với hạn (chưa hoàn thành: tính đến 31/12 của năm)",
    "co_minh_chung": "có minh chứng (số văn bản, tài liệu)",
}

ROW_COLUMNS: dict[str, dict[str, ColumnInfo]] = {
    TASK: {name: ColumnInfo(Type.NUMBER if name == "so_ngay_tre" else Type.BOOL) for name in TASK_COLUMNS},
    MEMBER: _columns_of(DANG_VIEN.columns),
    UNIT: {
        **_columns_of(DON_VI_NAM.columns),
        "cap": ColumnInfo(Type.CODE, CAP),
        "loai_hinh": ColumnInfo(Type.CODE, LOAI_HINH),
    },
}

#: Bare names that are constants: the ratings, and the codes of the coded columns.
CODE_CONSTANTS: dict[str, Vocabulary] = {
    **{code: XEP_LOAI for code in RATING_ORDER},
    **{code: voc for voc in (CAP, LOAI_HINH, DOI_TUONG) for code in voc.codes},
}

#: Aggregations: name -> (needs a row expression, type of that expression, result type).
#: `ratio(pop, a, b)` is Σa / Σb over the rows where both a and b are known (paired per unit).
AGGREGATIONS: dict[str, tuple[bool, Type | None, Type]] = {
    "share": (True, Type.BOOL, Type.NUMBER),
    "ratio": (True, Type.NUMBER, Type.NUMBER),
    "count": (False, Type.BOOL, Type.NUMBER),
    "sum": (True, Type.NUMBER, Type.NUMBER),
    "mean": (True, Type.NUMBER, Type.NUMBER),
    "min": (True, Type.NUMBER, Type.NUMBER),
    "max": (True, Type.NUMBER, Type.NUMBER),
    "any": (True, Type.BOOL, Type.BOOL),
    "all": (True, Type.BOOL, Type.BOOL),
}
FUNCTIONS = (*AGGREGATIONS, "previous", "don_vi")


# --- the nodes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    type: Type


@dataclass(frozen=True)
class Column(Node):
    name: str
    vocabulary: Vocabulary | None = field(default=None, compare=False)  # follows from the name


@dataclass(frozen=True)
class Constant(Node):
    value: float
    label: str = ""


@dataclass(frozen=True)
class Compare(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class InList(Node):
    item: Node
    values: tuple[float, ...]
    negate: bool


@dataclass(frozen=True)
class Logic(Node):
    op: str  # "and" | "or"
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True)
class Arith(Node):
    op: str  # + - * /
    left: Node
    right: Node


@dataclass(frozen=True)
class Negate(Node):
    operand: Node


@dataclass(frozen=True)
class Aggregate(Node):
    func: str
    population: str
    inner: Node | None
    #: the denominator expression of `ratio`
    second: Node | None = None


@dataclass(frozen=True)
class Previous(Node):
    inner: Node


@dataclass(frozen=True)
class OwnUnit(Node):
    """`don_vi(expr)` at member rows: `expr` evaluated for the member's own chi bộ."""

    inner: Node


def walk(node: Node) -> Iterator[Node]:
    """The node and every node inside it, at any depth (inside aggregations and `don_vi` too)."""
    yield node
    for value in vars(node).values():
        if isinstance(value, Node):
            yield from walk(value)
        elif isinstance(value, tuple):
            for part in value:
                if isinstance(part, Node):
                    yield from walk(part)


def columns_read(node: Node) -> set[str]:
    """The names of the columns a metric reads anywhere (its rows', the aggregated rows', its chi bộ's)."""
    return {n.name for n in walk(node) if isinstance(n, Column)}


def is_share(node: Node) -> bool:
    """Whether a metric's values are fractions, shown and targeted in %: a share or a ratio, or one
    count divided by another (`sum(tccsd, a) / sum(tccsd, b)`, or a unit's own figures `a / b`)."""
    if isinstance(node, Aggregate):
        return node.func in ("share", "ratio")
    return isinstance(node, Arith) and node.op == "/" and _is_count(node.left) and _is_count(node.right)


def _is_count(node: Node) -> bool:
    if isinstance(node, Aggregate):
        return node.func in ("sum", "count")
    return isinstance(node, Column) and node.type is Type.NUMBER


_COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def parse(text: str, context: str) -> Node:
    """Parse and type-check `text` for rows of `context` (MEMBER or UNIT)."""
    source = text.strip().replace("≥", ">=").replace("≤", "<=").replace("≠", "!=")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"công thức viết sai cú pháp ở ký tự {exc.offset}: «{text.strip()}»") from None
    return _Translator(context).node(tree.body)


class _Translator:
    def __init__(self, context: str) -> None:
        self.context = context

    def node(self, n: ast.AST) -> Node:
        method = getattr(self, f"_{type(n).__name__}", None)
        if method is None:
            raise ExprError(f"không dùng được «{ast.unparse(n)}» trong công thức ({type(n).__name__})")
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
            return Constant(Type.NUMBER, float(n.value), str(n.value))
        raise ExprError(f"hằng số «{n.value!r}» không dùng được; viết số, True/False hoặc tên mã (HTTNV…)")

    def _Compare(self, n: ast.Compare) -> Node:
        if len(n.ops) != 1:
            raise ExprError(f"mỗi phép so sánh chỉ hai vế: «{ast.unparse(n)}»")
        op, right_ast = n.ops[0], n.comparators[0]
        left = self.node(n.left)
        if isinstance(op, ast.In | ast.NotIn):
            return self._in(left, right_ast, negate=isinstance(op, ast.NotIn), text=ast.unparse(n))
        right = self.node(right_ast)
        _same_kind(left, right, ast.unparse(n))
        if left.type in (Type.CODE, Type.BOOL) and type(op) not in (ast.Eq, ast.NotEq):
            raise ExprError(f"«{ast.unparse(n)}»: {left.type.value} chỉ so sánh bằng (==) hoặc khác (!=)")
        return Compare(Type.BOOL, _COMPARE[type(op)], left, right)

    def _in(self, left: Node, right: ast.AST, negate: bool, text: str) -> Node:
        if not isinstance(right, ast.List | ast.Tuple):
            raise ExprError(f"«{text}»: sau «in» cần một danh sách trong ngoặc vuông, ví dụ [HTTNV, HTXSNV]")
        values = tuple(self.node(v) for v in right.elts)
        for v in values:
            if not isinstance(v, Constant):
                raise ExprError(f"«{text}»: danh sách chỉ gồm hằng số hoặc tên mã")
            _same_kind(left, v, text)
        return InList(Type.BOOL, left, tuple(v.value for v in values if isinstance(v, Constant)), negate)

    def _BoolOp(self, n: ast.BoolOp) -> Node:
        parts = tuple(self._bool(v, ast.unparse(n)) for v in n.values)
        return Logic(Type.BOOL, "and" if isinstance(n.op, ast.And) else "or", parts)

    def _bool(self, n: ast.AST, text: str) -> Node:
        node = self.node(n)
        if node.type is not Type.BOOL:
            raise ExprError(f"«{text}»: «{ast.unparse(n)}» phải là điều kiện đúng/sai, đang là {node.type.value}")
        return node

    def _UnaryOp(self, n: ast.UnaryOp) -> Node:
        if isinstance(n.op, ast.Not):
            return Not(Type.BOOL, self._bool(n.operand, ast.unparse(n)))
        if isinstance(n.op, ast.USub):
            return Negate(Type.NUMBER, self._number(n.operand, ast.unparse(n)))
        raise ExprError(f"phép toán một ngôi không dùng được: «{ast.unparse(n)}»")

    def _number(self, n: ast.AST, text: str) -> Node:
        node = self.node(n)
        if node.type is not Type.NUMBER:
            raise ExprError(f"«{text}»: «{ast.unparse(n)}» phải là số, đang là {node.type.value}")
        return node

    def _BinOp(self, n: ast.BinOp) -> Node:
        if type(n.op) not in _ARITH:
            raise ExprError(f"chỉ dùng được + - * /: «{ast.unparse(n)}»")
        text = ast.unparse(n)
        return Arith(Type.NUMBER, _ARITH[type(n.op)], self._number(n.left, text), self._number(n.right, text))

    def _Call(self, n: ast.Call) -> Node:
        text = ast.unparse(n)
        if not isinstance(n.func, ast.Name) or n.func.id not in FUNCTIONS:
            name = ast.unparse(n.func)
            raise ExprError(f"không có hàm «{name}»; các hàm có: {', '.join(FUNCTIONS)}")
        if n.keywords:
            raise ExprError(f"«{text}»: không dùng tham số có tên")
        if n.func.id == "previous":
            if len(n.args) != 1:
                raise ExprError(f"«{text}»: previous(...) nhận đúng một biểu thức")
            inner = self.node(n.args[0])
            return Previous(inner.type, inner)
        if n.func.id == "don_vi":
            if self.context != MEMBER or len(n.args) != 1:
                raise ExprError(f"«{text}»: don_vi(...) chỉ dùng ở cấp đảng viên, với một biểu thức của chi bộ")
            inner = _Translator(UNIT).node(n.args[0])
            return OwnUnit(inner.type, inner)
        return self._aggregate(n.func.id, n.args, text)

    def _aggregate(self, func: str, args: list[ast.expr], text: str) -> Node:
        if self.context in LEAVES:
            where = "cấp đảng viên" if self.context == MEMBER else "dòng nhiệm vụ"
            raise ExprError(f"«{text}»: ở {where} không có tập hợp con để tính {func}(...)")
        needs_inner, inner_type, result = AGGREGATIONS[func]
        if args and isinstance(args[0], ast.Subscript):  # nhiem_vu["kl21.3"]: one task of the plan
            population = self._task_subset(args[0], text)
        elif not args or not isinstance(args[0], ast.Name) or args[0].id not in POPULATIONS:
            raise ExprError(f"«{text}»: tham số đầu của {func} là một tập hợp: {', '.join(POPULATIONS)}")
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
            raise ExprError(f"«{text}»: viết {shape}")
        base = split_population(population)[0]
        row_context = base if base in LEAVES else UNIT
        inner: Node | None = None
        second: Node | None = None
        for position, arg in enumerate(args[1:], start=1):
            node = _Translator(row_context).node(arg)
            if node.type is not inner_type:
                assert inner_type is not None
                raise ExprError(
                    f"«{text}»: biểu thức trong {func} phải là {inner_type.value}, đang là {node.type.value}"
                )
            if position == 1:
                inner = node
            else:
                second = node
        return Aggregate(result, func, population, inner, second)

    def _task_subset(self, n: ast.Subscript, text: str) -> str:
        if not (isinstance(n.value, ast.Name) and n.value.id == TASK):
            raise ExprError(f'«{text}»: chỉ tập hợp nhiem_vu mới chọn được phần tử, ví dụ nhiem_vu["kl21.3"]')
        key = n.slice
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.strip()):
            raise ExprError(f'«{text}»: trong ngoặc vuông là mã nhiệm vụ trong ngoặc kép, ví dụ nhiem_vu["kl21.3"]')
        if any(c in key.value for c in "[]"):
            raise ExprError(f"«{text}»: mã nhiệm vụ không chứa dấu ngoặc vuông")
        return f"{TASK}[{key.value.strip()}]"


def _same_kind(left: Node, right: Node, text: str) -> None:
    if left.type is not right.type:
        raise ExprError(f"«{text}»: không so sánh {left.type.value} với {right.type.value}")
    vocab_l = getattr(left, "vocabulary", None) or _vocabulary_of_constant(left)
    vocab_r = getattr(right, "vocabulary", None) or _vocabulary_of_constant(right)
    if left.type is Type.CODE and vocab_l is not None and vocab_r is not None and vocab_l is not vocab_r:
        raise ExprError(f"«{text}»: hai vế thuộc hai danh mục khác nhau ({vocab_l.name}, {vocab_r.name})")


def _vocabulary_of_constant(node: Node) -> Vocabulary | None:
    if isinstance(node, Constant) and node.label in CODE_CONSTANTS:
        return CODE_CONSTANTS[node.label]
    return None

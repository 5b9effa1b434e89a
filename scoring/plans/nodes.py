"""The tree a metric is parsed into: typed nodes that the engine walks itself (nothing is ever eval'd),
and the questions asked of a whole tree (the columns it reads, whether it is a share)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

from scoring.domain.codes import Vocabulary


class Type(Enum):
    NUMBER = "số"
    BOOL = "đúng/sai"
    RATING = "xếp loại"
    CODE = "mã danh mục"


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

"""What every YAML file of a plan or a rules file shares: reading it safely with the line of every key,
and problems reported as file, line, key path and a Vietnamese message.

Plans (`loader`), rating rules (`rating_rules`) and YAML cases (`scoring.cases`) all read through here, so
a limit or a better message added once holds for all of them. A file is bounded before any value is built
from it: its size, how deep it nests, how many values it holds and how much its aliases (`*tên`) add when
written out — each refused with the line, in Vietnamese."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, get_args

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core.core_schema import ErrorType

from scoring.domain.numbers import format_number
from scoring.plans.model import LEVEL_ORDER, LEVELS

KeyPath = tuple[str | int, ...]

# Limits on a YAML file. Plans, rules and cases are written by hand in an office: the largest shipped file
# is under 30 KB, 2,300 values and 6 levels deep, with about 50 aliases. The limits stand far above that and
# far below what would exhaust the memory, the time or the stack of the computer reading the file.

#: A larger file is refused before it is read (reading it whole would already cost the memory).
MAX_FILE_BYTES = 1024 * 1024
#: Lists and tables inside one another (criteria › tiêu chí › source is 3 levels); the reader descends
#: by recursion, so unbounded nesting would exhaust its stack.
MAX_DEPTH = 20
#: Values (texts, numbers, lists, tables) written in the file; each costs memory and checking time
#: (reading 20,000 takes about half a second).
MAX_NODES = 20_000
#: Values and characters that aliases add when written out. An alias repeats a named value (`&kh51` …
#: `*kh51`), and a few lines of aliases of aliases («billion laughs») would stand for billions of values.
MAX_ALIAS_NODES = 5_000
MAX_ALIAS_CHARS = 200_000


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class CriteriaError(Exception):
    """The criteria file cannot be used; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("Tệp tiêu chí có lỗi:\n" + "\n".join(f"  {p}" for p in problems))


def read_yaml(path: str | Path, what: str) -> tuple[Any, YamlReader | None, list[Problem]]:
    """The file's data as Python values (None with the problems when it cannot be read); `what` names the
    kind of file in messages («tệp tiêu chí», «tệp quy định xếp loại»)."""
    file = str(path)
    text, problems = read_text(path, what)
    if text is None:
        return None, None, problems
    try:
        node = yaml.compose(text, Loader=_BoundedLoader)
    except _Refused as exc:
        return None, None, [Problem(file, exc.line, "", exc.message)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        message = f"YAML sai cú pháp: {getattr(exc, 'problem', exc)}"
        source_line = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
        if any(f": {c}" in source_line for c in (">", "<", "%", "|", "≥", "≤")):
            message += ' — giá trị bắt đầu bằng >, <, %, | phải đặt trong ngoặc kép, ví dụ target: "> 80%"'
        return None, None, [Problem(file, line, "", message)]
    if node is None:
        return None, None, [Problem(file, 1, "", f"{what} rỗng")]
    reader = YamlReader(file)
    data = reader.value(node, ())
    if not isinstance(data, dict):
        return None, None, [Problem(file, reader.line(()), "", f"{what} phải là một bảng khóa: giá trị")]
    return data, reader, []


def read_text(path: str | Path, what: str) -> tuple[str | None, list[Problem]]:
    """The file's text, or None with the problem: missing, unreadable, not UTF-8, or over `MAX_FILE_BYTES`
    (never more than that is read, whatever the file claims its size to be)."""
    file = str(path)
    try:
        with Path(path).open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None, [Problem(file, 0, "", f"không tìm thấy {what}")]
    except OSError as exc:
        return None, [Problem(file, 0, "", f"không đọc được tệp: {exc}")]
    if len(raw) > MAX_FILE_BYTES:
        limit = format_number(MAX_FILE_BYTES // 1024, 0)
        message = f"tệp quá lớn (hơn {limit} KB): {what} viết tay chỉ vài chục KB; hãy tách tệp hoặc bỏ phần thừa"
        return None, [Problem(file, 0, "", message)]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [Problem(file, 0, "", f"không đọc được tệp (cần văn bản UTF-8): {exc}")]


class _Refused(yaml.YAMLError):
    """A file over one of the limits: the Vietnamese message, and the line of the value that passed it."""

    def __init__(self, message: str, event: yaml.Event) -> None:
        super().__init__(message)
        self.message = message
        self.line = event.start_mark.line + 1 if event.start_mark is not None else 0


def _count(number: int) -> str:
    return format_number(number, 0)


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, counting while it composes: nesting, values, and what each alias adds when
    written out (an anchored value's size is known once it is read). It stops at the first limit passed,
    before the nodes of the rest of the file exist."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0
        self._alias_nodes = 0
        self._alias_chars = 0
        self._chars = 0
        self._open: set[str] = set()  # anchors whose value is being read: an alias to one would loop
        self._sizes: dict[str, tuple[int, int, int]] = {}  # anchor -> values, characters, depth written out
        self._deepest: list[int] = []  # per value being read: the deepest level reached inside it

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            self._alias(event)
            return super().compose_node(parent, index)
        collection = isinstance(event, yaml.CollectionStartEvent)
        anchor = event.anchor if isinstance(event, yaml.NodeEvent) else None
        if anchor is not None:
            self._open.add(anchor)
        written = (self._nodes + self._alias_nodes, self._chars + self._alias_chars)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _Refused(f"tệp có quá nhiều giá trị (hơn {_count(MAX_NODES)})", event)
        if isinstance(event, yaml.ScalarEvent):
            self._chars += len(event.value)
        self._depth += collection
        if self._depth > MAX_DEPTH:
            message = f"YAML lồng quá sâu: hơn {MAX_DEPTH} tầng danh sách, bảng nằm trong nhau"
            raise _Refused(message, event)
        self._deepest.append(self._depth)
        node = super().compose_node(parent, index)
        deepest = self._deepest.pop()
        self._depth -= collection
        self._reached(deepest)
        if anchor is not None:
            self._open.discard(anchor)
            nodes, chars = self._nodes + self._alias_nodes, self._chars + self._alias_chars
            self._sizes[anchor] = (nodes - written[0], chars - written[1], deepest - self._depth)
        return node

    def _alias(self, event: yaml.AliasEvent) -> None:
        name = str(event.anchor)
        if name in self._open:
            message = f"bí danh «*{name}» nằm trong chính giá trị mang tên «&{name}»: giá trị đó sẽ lặp vô tận"
            raise _Refused(message, event)
        if name not in self._sizes:
            message = f"bí danh «*{name}» chưa được đặt: cần «&{name}» ở một giá trị phía trên"
            raise _Refused(message, event)
        nodes, chars, depth = self._sizes[name]
        self._alias_nodes += nodes
        self._alias_chars += chars
        if self._alias_nodes > MAX_ALIAS_NODES or self._alias_chars > MAX_ALIAS_CHARS:
            message = (
                f"bí danh «*{name}»: các bí danh (*tên) viết ra đầy đủ thành hơn {_count(MAX_ALIAS_NODES)} giá trị "
                f"hoặc {_count(MAX_ALIAS_CHARS)} ký tự; bí danh chỉ để chép lại một giá trị ngắn (tên văn bản, "
                "nguồn) vài lần, không lồng bí danh vào nhau"
            )
            raise _Refused(message, event)
        if self._depth + depth > MAX_DEPTH:
            message = f"bí danh «*{name}»: viết ra đầy đủ thì YAML lồng quá sâu (hơn {MAX_DEPTH} tầng)"
            raise _Refused(message, event)
        self._reached(self._depth + depth)

    def _reached(self, depth: int) -> None:
        if self._deepest:
            self._deepest[-1] = max(self._deepest[-1], depth)


Compiled = TypeVar("Compiled")


def check_file(
    path: str | Path, what: str, compile_data: Callable[[dict[str, Any], YamlReader], Compiled | None]
) -> tuple[Compiled | None, list[Problem]]:
    """Read a file and compile its data; the result is None when there is any problem, all of them listed."""
    data, reader, problems = read_yaml(path, what)
    if reader is None:
        return None, problems
    result = compile_data(data, reader)
    return (result if not reader.problems else None), reader.problems


class YamlReader:
    """Turns YAML nodes into Python values, remembering the line of every key path."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[KeyPath, int] = {}
        self.problems: list[Problem] = []
        self._scalars = yaml.SafeLoader("")

    def line(self, path: KeyPath) -> int:
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 0)

    def problem(self, path: KeyPath, message: str, data: dict[str, Any] | None = None) -> None:
        self.problems.append(Problem(self.file, self.line(path), _key(path, data), message))

    def value(self, node: yaml.Node, path: KeyPath) -> Any:
        """The node as Python values; the loader has bounded its depth and size, aliases written out."""
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE:
                    self.lines[(*path, "?")] = key_node.start_mark.line + 1
                    said = "khóa gộp «<<»" if key_node.tag == _MERGE else "khóa là danh sách hay bảng"
                    self.problem((*path, "?"), f"{said} không dùng được: mỗi khóa là một tên, viết ra từng khóa")
                    continue
                key = str(self._scalar(key_node, path))
                child = (*path, key)
                if key in result:
                    self.lines[child] = key_node.start_mark.line + 1
                    self.problem(child, f"khóa «{key}» lặp lại (YAML sẽ lặng lẽ giữ giá trị sau)")
                    continue
                self.lines[child] = key_node.start_mark.line + 1
                result[key] = self.value(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _scalar(self, node: yaml.Node, path: KeyPath) -> Any:
        try:
            return self._scalars.construct_object(node)
        # PyYAML's constructors raise whatever their conversion meets on text they cannot convert, none of it
        # documented: KeyError for `!!bool maybe`, ValueError for `2022-02-30` or an integer of over 4,300
        # digits, IndexError for `!!int` alone, AttributeError for `!!timestamp x`, ConstructorError for
        # `!!python/name:…`. Each is a problem of the file, not a crash of the reader.
        except Exception:
            text = str(node.value)
            shown = text if len(text) <= _QUOTE else text[:_QUOTE] + "…"
            self.problem(path, f"không đọc được giá trị «{shown}» ({node.tag}); chữ thì đặt trong ngoặc kép")
            return text


_MERGE = "tag:yaml.org,2002:merge"
_QUOTE = 80  # characters of a value quoted in a message


def _key(path: KeyPath, data: dict[str, Any] | None) -> str:
    parts: list[str] = []
    for i, part in enumerate(path):
        if isinstance(part, int) and i > 0 and path[i - 1] == "criteria":
            ident = ""
            if data is not None:
                items = data.get("criteria")
                if isinstance(items, list) and part < len(items) and isinstance(items[part], dict):
                    ident = str(items[part].get("id", ""))
            parts.append(f"tiêu chí {part + 1}" + (f" ({ident})" if ident else ""))
        elif isinstance(part, int):
            parts.append(f"mục {part + 1}")
        elif part != "criteria" or i == len(path) - 1:
            parts.append(part)
    return " › ".join(parts)


def levels_of(
    value: str | list[str], path: KeyPath, reader: YamlReader, data: dict[str, Any], mixed: bool = False
) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    levels: list[str] = []
    for name in names:
        if name not in LEVELS:
            reader.problem((*path, "level"), f"cấp «{name}» không có; dùng một trong: {', '.join(LEVELS)}", data)
        else:
            levels.extend(lv for lv in LEVELS[name] if lv not in levels)
    if not mixed and len({lv == "dang_vien" for lv in levels}) > 1:
        reader.problem((*path, "level"), "không thể vừa áp dụng cho đảng viên vừa cho tổ chức", data)
    return tuple(lv for lv in LEVEL_ORDER if lv in levels)


_MESSAGES = {
    "missing": "thiếu khóa bắt buộc",
    "string_type": "phải là chữ (đặt trong dấu ngoặc kép nếu bắt đầu bằng >, %, ...)",
    "float_type": "phải là số",
    "float_parsing": "phải là số",
    "int_type": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "string_too_short": "không được để trống",
    "dict_type": "phải là một bảng khóa: giá trị",
    "model_type": "phải là một bảng khóa: giá trị",
    "model_attributes_type": "phải là một bảng khóa: giá trị",
    "list_type": "phải là một danh sách",
    "string_pattern_mismatch": "mã chỉ gồm chữ thường không dấu, số, «_» và «.», ví dụ chan1.tccsd_htt",
    "finite_number": "phải là một số hữu hạn (không phải inf, nan hay một số quá lớn)",
    "int_parsing_size": "số quá lớn",
    "bool_type": "phải là đúng/sai (true/false)",
    "bool_parsing": "phải là đúng/sai (true/false)",
}
_SIGNS = {"greater_than_equal": "≥", "greater_than": ">", "less_than_equal": "≤", "less_than": "<"}
_PYDANTIC_KINDS = frozenset(get_args(ErrorType))


def validate_model(
    model: type[BaseModel], value: dict[str, Any], path: KeyPath, reader: YamlReader, data: dict[str, Any]
) -> Any:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and part.startswith("function")))
            where = (*path, *loc)
            kind = error["type"]
            if kind == "extra_forbidden":
                allowed = _allowed_keys(model, loc[:-1])
                message = f"khóa «{loc[-1]}» không được phép; các khóa được phép: {', '.join(allowed)}"
            elif kind in _SIGNS:
                bound = next(iter(error.get("ctx", {}).values()), "")
                message = f"phải {_SIGNS[kind]} {format_number(bound, 6) if isinstance(bound, int | float) else bound}"
            elif kind.startswith("union") or (kind in ("list_type", "string_type") and loc and loc[0] == "level"):
                message = "cấp là một tên (dang_vien, chi_bo, …) hoặc danh sách các tên"
            elif kind == "literal_error":
                expected = str(error.get("ctx", {}).get("expected", "")).replace(" or ", ", ")
                message = f"phải là một trong: {expected}"
            elif kind == "float_type" and isinstance(error.get("input"), int):  # too large to be a float
                message = _MESSAGES["finite_number"]
            elif kind in _MESSAGES:
                message = _MESSAGES[kind]
            elif kind in _PYDANTIC_KINDS and kind != "value_error":  # pydantic's own English words
                message = f"giá trị không hợp lệ ({error['msg']})"
            else:  # a validator of the project: its message is already Vietnamese
                message = error["msg"]
            reader.problem(where, message, data)
        return None


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    current: Any = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        info = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        annotation = getattr(info, "annotation", None)
        current = _model_in(annotation)
    if current is None or not hasattr(current, "model_fields"):
        return []
    return [info.alias or name for name, info in current.model_fields.items()]


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class FolderKind:
    """A kind of YAML file kept in a folder of its own (rules, frameworks): how it declares itself and how a
    file of the folder that is something else is reported."""

    kind: str  # the `kind:` the file starts with
    what: str  # the file as messages name it
    folder: str  # «quy định xếp loại»: «thư mục … chỉ chứa …»
    files: str  # «tệp quy định»
    one: str  # «một quy định»: «… nếu đây là …»
    other: str  # «không phải tệp quy định»
    others: dict[str, str]  # a key another kind of file has → what that file seems to be

    def declared_by(self, path: str | Path) -> bool:
        """Whether a YAML file declares itself of this kind; False when it cannot be read."""
        data, _, _ = read_yaml(path, self.what)
        return isinstance(data, dict) and data.get("kind") == self.kind

    def check_in_folder(
        self, file: Path, compile_: Callable[[dict[str, Any], YamlReader], Compiled | None]
    ) -> tuple[Compiled | None, list[Problem]]:
        """A file of the folder: checked as this kind, or one problem saying what else it seems to be."""
        data, reader, problems = read_yaml(file, self.what)
        if reader is None:
            return None, problems
        if data.get("kind") != self.kind:
            seems = next((what for key, what in self.others.items() if key in data), self.other)
            message = (
                f"{seems}: thư mục {self.folder} chỉ chứa {self.files}, mở đầu bằng «kind: {self.kind}» "
                f"(chuyển tệp này ra chỗ khác, hoặc thêm dòng kind nếu đây là {self.one})"
            )
            return None, [Problem(str(file), reader.line(("kind",)) or 1, "kind" if "kind" in data else "", message)]
        compiled = compile_(data, reader)
        return (compiled if not reader.problems else None), reader.problems

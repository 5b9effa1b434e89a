"""What every YAML file of a plan or a rules file shares: reading it safely with the line of every key,
and problems reported as file, line, key path and a Vietnamese message.

Plans (`loader`) and rating rules (`rating_rules`) both read through here, so a limit or a better
message added once holds for both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from scoring.plans.model import LEVEL_ORDER, LEVELS

KeyPath = tuple[str | int, ...]


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
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, None, [Problem(file, 0, "", f"không tìm thấy {what}")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, None, [Problem(file, 0, "", f"không đọc được tệp (cần văn bản UTF-8): {exc}")]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
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
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(self._scalars.construct_object(key_node))
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
        return self._scalars.construct_object(node)


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
}


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
            elif kind in ("greater_than_equal", "greater_than", "less_than_equal"):
                sign = {"greater_than_equal": "≥", "greater_than": ">", "less_than_equal": "≤"}[kind]
                bound = next(iter(error.get("ctx", {}).values()), "")
                message = f"phải {sign} {bound:g}" if isinstance(bound, int | float) else f"phải {sign} {bound}"
            elif kind.startswith("union") or (kind in ("list_type", "string_type") and loc and loc[0] == "level"):
                message = "cấp là một tên (dang_vien, chi_bo, …) hoặc danh sách các tên"
            else:
                message = _MESSAGES.get(kind, error["msg"])
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

"""Load a criteria file: YAML (safe, with line numbers) → pydantic models → compiled criteria.

Every problem is collected — YAML syntax, duplicate keys, unknown keys, duplicate ids, unknown
levels, groups, columns or functions, malformed targets — and reported together with the file,
the line and the key, in Vietnamese. Nothing in the file is executed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from scoring.criteria.expr import MEMBER, UNIT, Aggregate, Arith, ExprError, Node, Type, parse, split_population
from scoring.criteria.model import (
    LEVEL_ORDER,
    LEVELS,
    Award,
    AwardsModel,
    CriteriaSet,
    Criterion,
    CriterionModel,
    HeaderModel,
    Task,
    TaskModel,
)
from scoring.criteria.targets import TargetError, parse_target

Path_ = tuple[str | int, ...]


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


def load_criteria(path: str | Path) -> CriteriaSet:
    criteria, problems = check_criteria(path)
    if criteria is None:
        raise CriteriaError(problems)
    return criteria


def check_criteria(path: str | Path) -> tuple[CriteriaSet | None, list[Problem]]:
    """Load and check; the set is None when there is any problem."""
    path = Path(path)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(file, 0, "", "không tìm thấy tệp tiêu chí")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(file, 0, "", f"không đọc được tệp (cần văn bản UTF-8): {exc}")]
    reader = _Reader(file)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        message = f"YAML sai cú pháp: {getattr(exc, 'problem', exc)}"
        source_line = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
        if any(f": {c}" in source_line for c in (">", "<", "%", "|", "≥", "≤")):
            message += ' — giá trị bắt đầu bằng >, <, %, | phải đặt trong ngoặc kép, ví dụ target: "> 80%"'
        return None, [Problem(file, line, "", message)]
    if node is None:
        return None, [Problem(file, 1, "", "tệp tiêu chí rỗng")]
    data = reader.value(node, ())
    if not isinstance(data, dict):
        return None, [Problem(file, reader.line(()), "", "tệp tiêu chí phải là một bảng khóa: giá trị")]
    result = _compile(data, reader)
    return (result if not reader.problems else None), reader.problems


class _Reader:
    """Turns YAML nodes into Python values, remembering the line of every key path."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[Path_, int] = {}
        self.problems: list[Problem] = []
        self._scalars = yaml.SafeLoader("")

    def line(self, path: Path_) -> int:
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 0)

    def problem(self, path: Path_, message: str, data: dict[str, Any] | None = None) -> None:
        self.problems.append(Problem(self.file, self.line(path), _key(path, data), message))

    def value(self, node: yaml.Node, path: Path_) -> Any:
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


def _key(path: Path_, data: dict[str, Any] | None) -> str:
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


def _compile(data: dict[str, Any], reader: _Reader) -> CriteriaSet | None:
    header_fields = {k: v for k, v in data.items() if k != "criteria"}
    header = _validate(HeaderModel, header_fields, (), reader, data)
    if (
        header is not None
        and header.in_force.to_year is not None
        and header.in_force.to_year < header.in_force.from_year
    ):
        reader.problem(("in_force",), "năm bắt đầu hiệu lực (from) sau năm hết hiệu lực (to)", data)
    items = data.get("criteria")
    if not isinstance(items, list) or not items:
        reader.problem(("criteria",), "cần khóa «criteria» là danh sách các tiêu chí (ít nhất một)", data)
        return None
    compiled: list[Criterion] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        path: Path_ = ("criteria", index)
        model = _validate(CriterionModel, item, path, reader, data) if isinstance(item, dict) else None
        if not isinstance(item, dict):
            reader.problem(path, "mỗi tiêu chí là một bảng khóa: giá trị", data)
        if model is None:
            continue
        if model.id in seen:
            reader.problem((*path, "id"), f"mã tiêu chí «{model.id}» đã dùng ở tiêu chí {seen[model.id] + 1}", data)
        seen.setdefault(model.id, index)
        criterion = _criterion(model, path, reader, data, header.groups if header else None)
        if criterion is not None:
            compiled.append(criterion)
    awards = _awards(header.awards, reader, data) if header is not None and header.awards is not None else ()
    tasks = _tasks(header.tasks, header.in_force.from_year, reader, data) if header is not None else ()
    if tasks:
        _check_task_ids(items, compiled, {t.id for t in tasks}, reader, data)
    if header is None or reader.problems:
        return None
    by_level = {lvl: tuple(c for c in compiled if lvl in c.levels) for lvl in LEVEL_ORDER}
    return CriteriaSet(
        path=reader.file,
        title=header.title,
        document=header.document,
        from_year=header.in_force.from_year,
        to_year=header.in_force.to_year,
        version=header.version,
        groups=dict(header.groups),
        criteria=tuple(compiled),
        points_note=header.points_note,
        by_level={k: v for k, v in by_level.items() if v},
        awards=awards,
        awards_note=header.awards.note if header.awards is not None else None,
        tasks=tasks,
    )


def _tasks(models: list[TaskModel], from_year: int, reader: _Reader, data: dict[str, Any]) -> tuple[Task, ...]:
    from scoring.io.coerce import parse_deadline

    found: list[Task] = []
    seen: set[str] = set()
    for index, item in enumerate(models):
        path: Path_ = ("tasks", index)
        if item.id in seen:
            reader.problem((*path, "id"), f"mã nhiệm vụ «{item.id}» đã dùng", data)
        seen.add(item.id)
        deadline = parse_deadline(item.han)
        if deadline is None:
            reader.problem(
                (*path, "han"),
                f"không hiểu thời hạn «{item.han}»; viết «tháng 01/2022», «quý I/2022», «15/03/2022», "
                "«năm 2022», «hằng năm» hoặc «thường xuyên»",
                data,
            )
            continue
        levels = _levels(item.level, path, reader, data)
        found.append(Task(item.id, item.title, item.han, deadline, levels, item.section, from_year, item.required))
    return tuple(found)


def _check_task_ids(
    items: list[Any], compiled: list[Criterion], known: set[str], reader: _Reader, data: dict[str, Any]
) -> None:
    """Every nhiem_vu["…"] in a metric names a task of the file's `tasks` (a typo would score nothing)."""
    positions = {item.get("id"): i for i, item in enumerate(items) if isinstance(item, dict)}
    for criterion in compiled:
        for population in _populations(criterion.metric):
            subset = split_population(population)[1]
            if subset is not None and subset not in known:
                path: Path_ = ("criteria", positions.get(criterion.id, 0), "metric")
                reader.problem(path, f"nhiệm vụ «{subset}» không có trong mục «tasks» của tệp", data)


def _populations(node: Node) -> list[str]:
    """The populations the aggregations of a metric range over, at any depth."""
    found: list[str] = []
    if isinstance(node, Aggregate):
        found.append(node.population)
    for value in vars(node).values():
        if isinstance(value, Node):
            found.extend(_populations(value))
        elif isinstance(value, tuple):
            found.extend(p for v in value if isinstance(v, Node) for p in _populations(v))
    return found


def _levels(
    value: str | list[str], path: tuple[str | int, ...], reader: _Reader, data: dict[str, Any], mixed: bool = False
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


def _awards(model: AwardsModel, reader: _Reader, data: dict[str, Any]) -> tuple[Award, ...]:
    from scoring.criteria.rules import parse_share

    found: list[Award] = []
    seen: set[str] = set()
    for part, items in (("yearly", model.yearly), ("consecutive", model.consecutive)):
        for index, item in enumerate(items):
            path: Path_ = ("awards", part, index)
            levels = _levels(item.level, path, reader, data)
            if item.id in seen:
                reader.problem((*path, "id"), f"mã danh hiệu «{item.id}» đã dùng", data)
            seen.add(item.id)
            count = item.quota if isinstance(item.quota, int) else None
            share = parse_share(item.quota) if isinstance(item.quota, str) else None
            if part == "yearly" and count is None and share is None:
                reader.problem(
                    (*path, "quota"), "chỉ tiêu mỗi nhóm: một số nguyên (ví dụ 3) hoặc tỷ lệ (ví dụ «10%»)", data
                )
            if part == "consecutive" and item.years is None:
                reader.problem((*path, "years"), "cần số năm liền, ví dụ years: 5", data)
            kind = "hang_nam" if part == "yearly" else "nam_lien"
            found.append(
                Award(item.id, item.title, levels, kind, count, share, item.minimum, item.years or 5, item.source)
            )
    return tuple(found)


def _criterion(
    model: CriterionModel, path: Path_, reader: _Reader, data: dict[str, Any], groups: dict[str, str] | None
) -> Criterion | None:
    ok = True
    names = [model.level] if isinstance(model.level, str) else model.level
    levels: list[str] = []
    for name in names:
        if name not in LEVELS:
            reader.problem((*path, "level"), f"cấp «{name}» không có; dùng một trong: {', '.join(LEVELS)}", data)
            ok = False
        else:
            levels.extend(lv for lv in LEVELS[name] if lv not in levels)
    contexts = {MEMBER if lv == "dang_vien" else UNIT for lv in levels}
    if len(contexts) > 1:
        reader.problem((*path, "level"), "một tiêu chí không thể vừa chấm đảng viên vừa chấm tổ chức", data)
        ok = False
    if groups is not None and model.group not in groups:
        reader.problem((*path, "group"), f"nhóm «{model.group}» không có trong «groups»: {', '.join(groups)}", data)
        ok = False
    if not ok or not levels:
        return None
    try:
        metric = parse(model.metric, contexts.pop())
    except ExprError as exc:
        reader.problem((*path, "metric"), str(exc), data)
        return None
    try:
        target = parse_target(model.target, metric.type)
        partial = tuple((parse_target(p.target, metric.type), p.points) for p in model.partial)
    except TargetError as exc:
        reader.problem((*path, "target"), str(exc), data)
        return None
    if any(points > model.points for _, points in partial):
        reader.problem((*path, "partial"), "điểm một phần không được lớn hơn điểm tối đa của tiêu chí", data)
    if model.deduction is not None and (
        model.partial
        or target.kind != "compare"
        or target.op not in ("==", "<=", "<")
        or metric.type is not Type.NUMBER
    ):
        reader.problem(
            (*path, "deduction"),
            "điểm trừ chỉ dùng cho chỉ số đếm với chỉ tiêu «= 0» hoặc «≤ …» (trừ theo phần vượt), "
            "và không dùng cùng điểm một phần",
            data,
        )
    for where, checked in (
        (("target",), target),
        *((("partial", i, "target"), t) for i, (t, _) in enumerate(partial)),
    ):
        if (
            is_share_metric(metric)
            and checked.type is Type.NUMBER
            and checked.kind != "trend"
            and max(checked.low, 0 if checked.high != checked.high else checked.high) > 1
        ):
            reader.problem(
                (*path, *where),
                f"chỉ số là tỷ lệ (0–100%): viết chỉ tiêu có dấu %, ví dụ «≥ 80%», không phải «{checked.text}»",
                data,
            )
    return Criterion(
        id=model.id,
        title=model.title,
        levels=tuple(sorted(levels, key=LEVEL_ORDER.index)),
        group=model.group,
        metric_text=model.metric,
        metric=metric,
        target=target,
        points=model.points,
        partial=partial,
        deduction=model.deduction,
        phrase=model.phrase,
        source=model.source,
        line=reader.line(path),
        from_year=model.in_force.from_year if model.in_force else None,
        to_year=model.in_force.to_year if model.in_force else None,
    )


def is_share_metric(metric: Node) -> bool:
    """A share or a ratio of counts: values are fractions, targets are written in %."""
    if isinstance(metric, Aggregate):
        return metric.func in ("share", "ratio")
    return (
        isinstance(metric, Arith)
        and metric.op == "/"
        and all(isinstance(side, Aggregate) and side.func in ("sum", "count") for side in (metric.left, metric.right))
    )


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


def _validate(model: type[BaseModel], value: dict[str, Any], path: Path_, reader: _Reader, data: dict[str, Any]) -> Any:
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

"""Load a criteria file: YAML (safe, with line numbers) → pydantic models → compiled criteria.

Every problem is collected — YAML syntax, duplicate keys, unknown keys, duplicate ids, unknown
levels, groups, columns or functions, malformed targets — and reported together with the file,
the line and the key, in Vietnamese. Nothing in the file is executed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scoring.plans.expr import MEMBER, UNIT, Aggregate, ExprError, Type, is_share, parse, split_population, walk
from scoring.plans.model import (
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
from scoring.plans.targets import TargetError, parse_share, parse_target
from scoring.plans.yaml_source import (
    CriteriaError,
    KeyPath,
    Problem,
    YamlReader,
    check_file,
    levels_of,
    validate_model,
)


def load_criteria(path: str | Path) -> CriteriaSet:
    criteria, problems = check_criteria(path)
    if criteria is None:
        raise CriteriaError(problems)
    return criteria


def check_criteria(path: str | Path) -> tuple[CriteriaSet | None, list[Problem]]:
    """Load and check; the set is None when there is any problem."""
    return check_file(path, "tệp tiêu chí", _compile)


def _compile(data: dict[str, Any], reader: YamlReader) -> CriteriaSet | None:
    header_fields = {k: v for k, v in data.items() if k != "criteria"}
    header = validate_model(HeaderModel, header_fields, (), reader, data)
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
        path: KeyPath = ("criteria", index)
        model = validate_model(CriterionModel, item, path, reader, data) if isinstance(item, dict) else None
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


def _tasks(models: list[TaskModel], from_year: int, reader: YamlReader, data: dict[str, Any]) -> tuple[Task, ...]:
    from scoring.input.coerce import parse_deadline

    found: list[Task] = []
    seen: set[str] = set()
    for index, item in enumerate(models):
        path: KeyPath = ("tasks", index)
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
        levels = levels_of(item.level, path, reader, data)
        found.append(Task(item.id, item.title, item.han, deadline, levels, item.section, from_year, item.required))
    return tuple(found)


def _check_task_ids(
    items: list[Any], compiled: list[Criterion], known: set[str], reader: YamlReader, data: dict[str, Any]
) -> None:
    """Every nhiem_vu["…"] in a metric names a task of the file's `tasks` (a typo would score nothing)."""
    positions = {
        item["id"]: i for i, item in enumerate(items) if isinstance(item, dict) and isinstance(item.get("id"), str)
    }
    for criterion in compiled:
        for node in walk(criterion.metric):
            subset = split_population(node.population)[1] if isinstance(node, Aggregate) else None
            if subset is not None and subset not in known:
                path: KeyPath = ("criteria", positions.get(criterion.id, 0), "metric")
                reader.problem(path, f"nhiệm vụ «{subset}» không có trong mục «tasks» của tệp", data)


def _awards(model: AwardsModel, reader: YamlReader, data: dict[str, Any]) -> tuple[Award, ...]:
    found: list[Award] = []
    seen: set[str] = set()
    for part, items in (("yearly", model.yearly), ("consecutive", model.consecutive)):
        for index, item in enumerate(items):
            path: KeyPath = ("awards", part, index)
            levels = levels_of(item.level, path, reader, data)
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
    model: CriterionModel, path: KeyPath, reader: YamlReader, data: dict[str, Any], groups: dict[str, str] | None
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
            is_share(metric)
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

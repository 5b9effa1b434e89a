"""Scoring frameworks (khung điểm) as files: the 100 points QĐ 366 gives every collective and member, as
«nhóm tiêu chí chung» (30 points) plus «kết quả thực hiện nhiệm vụ» (70 points), each group split into
lines with their points, what they score and their source.

QĐ 366 fixes the two groups; the points of each line are the higher committee's choice (HD 43 mục 7.12,
CV 10072), so a file marks them with `chosen_by`. A file scores one or more kinds of person or collective
(`doi_tuong`, from `KINDS`) over its years in force; `frameworks_for_year` picks, for each kind, the file of
a folder in force in a year. Files are read and reported like the rating rules files (file, line, key).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from scoring.domain.codes import CHI_BO_LEVELS
from scoring.domain.numbers import format_points, years_text
from scoring.plans.model import MAX_POINTS, Id, InForceModel, SourceModel, Strict, Text
from scoring.plans.yaml_source import CriteriaError, FolderKind, Problem, YamlReader, check_file, validate_model

KIND = "khung_diem"
WHAT = "tệp khung điểm"
#: the frameworks folder: what a file of it that is not a framework seems to be, by a key it has
FOLDER = FolderKind(
    KIND,
    WHAT,
    "khung điểm",
    "tệp khung điểm",
    "một khung điểm",
    "không phải khung điểm",
    {"criteria": "đây là tệp tiêu chí", "rules": "đây là tệp quy định xếp loại", "tinh_huong": "đây là tệp tình huống"},
)

#: The two groups of every QĐ 366 framework and their points (30 + 70 = 100): fixed by the Quy định, not
#: by the committee that writes the file.
FRAME: dict[str, tuple[float, str]] = {
    "chung": (30.0, "nhóm tiêu chí chung"),
    "nhiem_vu": (70.0, "nhóm kết quả thực hiện nhiệm vụ"),
}


@dataclass(frozen=True)
class Kind:
    """Whom a framework scores: one of QĐ 366's five appendices (the collective one split by level)."""

    code: str
    label: str
    levels: tuple[str, ...]  # the levels scored: cap codes, or dang_vien
    who: str


_MEMBER = ("dang_vien",)
KINDS: dict[str, Kind] = {
    row[0]: Kind(*row)
    for row in (
        ("tap_the_chi_bo", "Tập thể: chi bộ", CHI_BO_LEVELS, "chi bộ cơ sở và chi bộ trực thuộc"),
        ("tap_the_dang_bo", "Tập thể: đảng bộ", ("dang_bo_co_so", "dang_bo_bo_phan", "cap_tren_co_so"),
         "đảng bộ cơ sở, đảng bộ bộ phận, đảng bộ cấp trên cơ sở"),
        ("can_bo_trung_uong", "Cán bộ lãnh đạo, quản lý thuộc diện Trung ương quản lý", _MEMBER,
         "đảng viên là cán bộ diện Ban Chấp hành Trung ương, Bộ Chính trị, Ban Bí thư quản lý"),
        ("lanh_dao_quan_ly", "Cán bộ lãnh đạo, quản lý các cấp", _MEMBER,
         "đảng viên giữ chức vụ lãnh đạo, quản lý (bảng Đảng viên chỉ ghi người đứng đầu, ở cột «Là bí thư»)"),
        ("dang_vien", "Cá nhân không giữ chức vụ lãnh đạo, quản lý", _MEMBER,
         "đảng viên làm việc trong hệ thống chính trị, không giữ chức vụ lãnh đạo, quản lý"),
        ("ngoai_he_thong", "Đảng viên không làm việc trong hệ thống chính trị", _MEMBER,
         "đảng viên làm việc ngoài hệ thống chính trị (ví dụ ở doanh nghiệp ngoài nhà nước)"),
    )
}  # fmt: skip


def _points(value: Any) -> Any:
    """Points are a number written as one: not a text («10 điểm», «2,5») and not true/false."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("diem", "phải là một số điểm, ví dụ 10 hoặc 2.5 (dấu chấm thập phân, không chữ)")
    return value


def _codes(value: Any) -> Any:
    """`doi_tuong`: one code, or a list of them (not empty)."""
    codes = [value] if isinstance(value, str) else value
    if not isinstance(codes, list) or not codes:
        raise PydanticCustomError(
            "doi_tuong", "là một mã đối tượng hoặc danh sách mã, ví dụ dang_vien hoặc [tap_the_chi_bo, tap_the_dang_bo]"
        )
    return codes


Codes = Annotated[list[Text], BeforeValidator(_codes)]
Max = Annotated[float, BeforeValidator(_points), Field(gt=0, le=MAX_POINTS, allow_inf_nan=False)]
Version = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int | float) else v), Field(min_length=1)]


class LineModel(Strict):
    id: Id
    title: Text
    max: Max
    text: Text  # what the line scores, in the committee's words
    chosen_by: Text | None = None  # who chose the points, when not the Quy định («Ban Thường vụ … quyết định»)
    note: str | None = None
    source: SourceModel


class GroupModel(Strict):
    id: Id
    title: Text
    max: Max
    chosen_by: Text | None = None
    note: str | None = None
    source: SourceModel
    lines: Any = None  # checked line by line (LineModel)


class FrameworkHeaderModel(Strict):
    kind: Literal["khung_diem"]
    title: Text
    document: Text
    in_force: InForceModel
    version: Version
    note: str | None = None
    doi_tuong: Codes


@dataclass(frozen=True)
class Line:
    id: str
    title: str
    max: float
    text: str
    source: SourceModel
    chosen_by: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Group:
    id: str
    title: str
    max: float
    source: SourceModel
    lines: tuple[Line, ...]
    chosen_by: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Framework:
    """One framework file, checked: its two groups hold 30 and 70 points and their lines add up."""

    path: str
    title: str
    document: str
    from_year: int
    to_year: int | None
    version: str
    note: str | None
    doi_tuong: tuple[str, ...]  # codes of KINDS
    groups: tuple[Group, ...]

    def in_force(self, year: int) -> bool:
        return self.from_year <= year and (self.to_year is None or year <= self.to_year)

    @property
    def years(self) -> str:
        return years_text(self.from_year, self.to_year)

    @property
    def label(self) -> str:
        return f"{self.title} (phiên bản {self.version}, áp dụng {self.years})"

    @property
    def total(self) -> float:
        return sum(g.max for g in self.groups)

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(line for group in self.groups for line in group.lines)

    def group(self, group_id: str) -> Group:
        return next(g for g in self.groups if g.id == group_id)

    def summary(self) -> list[str]:
        """What `thidua tieu-chi kiem-tra` prints: whom it scores, each group and line with its points."""
        kinds = "; ".join(f"{KINDS[c].label} — {KINDS[c].who}" for c in self.doi_tuong)
        out = [f"Văn bản: {self.document}.", f"Đối tượng: {kinds}."]
        chosen: list[str] = []
        for group in self.groups:
            mark = " *" if group.chosen_by else ""
            out.append(f"  {group.title} ({group.id}): {format_points(group.max)} điểm, {len(group.lines)} dòng{mark}")
            for line in group.lines:
                mark = " *" if line.chosen_by else ""
                out.append(f"    {line.id} — {line.title}: {format_points(line.max)} điểm{mark}")
            items: list[Group | Line] = [group, *group.lines]
            for item in items:
                if item.chosen_by and item.chosen_by not in chosen:
                    chosen.append(item.chosen_by)
        out.append(f"  Tổng: {format_points(self.total)} điểm, {len(self.lines)} dòng.")
        out += [f"  * điểm do cấp ủy chọn: {who}" for who in chosen]
        return out


class FrameworkError(CriteriaError):
    """No usable frameworks for a year, or a framework file with problems."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.args = ("Khung điểm có lỗi:\n" + "\n".join(f"  {p}" for p in problems),)


def load_framework(path: str | Path) -> Framework:
    framework, problems = check_framework(path)
    if framework is None:
        raise FrameworkError(problems)
    return framework


def check_framework(path: str | Path) -> tuple[Framework | None, list[Problem]]:
    return check_file(path, WHAT, _compile)


def is_framework_file(path: str | Path) -> bool:
    """Whether a YAML file declares itself a framework (`kind: khung_diem`); False when it cannot be read."""
    return FOLDER.declared_by(path)


def frameworks_for_year(year: int, folder: str | Path) -> dict[str, Framework]:
    """For each kind (`doi_tuong`) a file of `folder` scores in `year`, that framework; kinds no file covers are
    absent (before QĐ 366, all). Every .yaml of the folder must be a framework: one that cannot be read or is
    something else is reported, and so are two files scoring one kind in one year (naming both)."""
    folder = Path(folder)
    if not folder.exists():
        raise FrameworkError([Problem(str(folder), 0, "", "không tìm thấy thư mục khung điểm")])
    files = [folder] if folder.is_file() else sorted(folder.glob("*.yaml"))
    problems: list[Problem] = []
    chosen: dict[str, list[Framework]] = {}
    for file in files:
        framework, found = check_framework(file) if file == folder else _check_in_folder(file)
        problems.extend(found)
        if framework is not None and framework.in_force(year):
            for code in framework.doi_tuong:
                chosen.setdefault(code, []).append(framework)
    for code, several in chosen.items():
        if len(several) > 1:
            names = ", ".join(f"{Path(f.path).name} ({f.years})" for f in several)
            message = f"năm {year}, đối tượng «{KINDS[code].label}» ({code}) có nhiều khung điểm: {names}"
            problems.append(Problem(str(folder), 0, "", message))
    if problems:
        raise FrameworkError(problems)
    return {code: several[0] for code, several in chosen.items()}


def _check_in_folder(file: Path) -> tuple[Framework | None, list[Problem]]:
    """A file of a frameworks folder: a framework checked, or one problem saying what else it is."""
    return FOLDER.check_in_folder(file, _compile)


def _compile(data: dict[str, Any], reader: YamlReader) -> Framework | None:
    header = validate_model(FrameworkHeaderModel, {k: v for k, v in data.items() if k != "groups"}, (), reader, data)
    kinds: tuple[str, ...] = ()
    if header is not None:
        if header.in_force.to_year is not None and header.in_force.to_year < header.in_force.from_year:
            reader.problem(("in_force",), "năm bắt đầu hiệu lực (from) sau năm hết hiệu lực (to)", data)
        kinds = _kinds(header.doi_tuong, reader, data)
    groups = _groups(data, reader)
    if header is None or reader.problems:
        reader.problems[:] = [_named(p, data) for p in reader.problems]
        return None
    return Framework(
        path=reader.file,
        title=header.title,
        document=header.document,
        from_year=header.in_force.from_year,
        to_year=header.in_force.to_year,
        version=header.version,
        note=header.note,
        doi_tuong=kinds,
        groups=groups,
    )


def _kinds(codes: list[str], reader: YamlReader, data: dict[str, Any]) -> tuple[str, ...]:
    for code in codes:
        if code not in KINDS:
            message = f"đối tượng «{code}» không có; dùng một trong: {', '.join(KINDS)}"
            reader.problem(("doi_tuong",), message, data)
    if len(set(codes)) < len(codes):
        reader.problem(("doi_tuong",), "một đối tượng được ghi hai lần", data)
    return tuple(dict.fromkeys(codes))


def _groups(data: dict[str, Any], reader: YamlReader) -> tuple[Group, ...]:
    items = data.get("groups")
    frame = ", ".join(f"{gid} ({title}, {format_points(points)} điểm)" for gid, (points, title) in FRAME.items())
    if not isinstance(items, list) or not items:
        reader.problem(("groups",), f"cần khóa «groups»: danh sách hai nhóm {frame}", data)
        return ()
    groups: list[Group] = []
    seen_groups: dict[str, int] = {}
    seen_lines: dict[str, str] = {}  # line id -> where it was first used
    for index, item in enumerate(items):
        path: tuple[str | int, ...] = ("groups", index)
        if not isinstance(item, dict):
            reader.problem(path, "mỗi nhóm là một bảng khóa: giá trị (id, title, max, source, lines)", data)
            continue
        model = validate_model(GroupModel, item, path, reader, data)
        lines = _lines(item.get("lines"), path, seen_lines, reader, data)
        if model is None:
            if isinstance(item.get("id"), str):  # a group with a problem is not also a missing group
                seen_groups.setdefault(item["id"], index)
            continue
        if model.id in seen_groups:
            reader.problem((*path, "id"), f"nhóm «{model.id}» đã có ở nhóm {seen_groups[model.id] + 1}", data)
            continue
        seen_groups[model.id] = index
        if model.id not in FRAME:
            reader.problem((*path, "id"), f"nhóm «{model.id}» không có trong khung QĐ 366; hai nhóm là: {frame}", data)
            continue
        points, title = FRAME[model.id]
        if abs(model.max - points) > 1e-9:
            said = f"{title} là {format_points(points)} điểm theo QĐ 366 (30 + 70 = 100)"
            reader.problem((*path, "max"), f"{said}, đang ghi {format_points(model.max)}", data)
        if lines is not None:  # against the frame's points: a wrong group max is reported once, above
            total = sum(line.max for line in lines)
            if abs(total - points) > 1e-6:
                sums = f"cộng lại {format_points(total)} điểm, khác {format_points(points)} điểm của nhóm"
                reader.problem((*path, "lines"), f"các dòng của nhóm «{model.id}» {sums}: sửa điểm các dòng", data)
        groups.append(
            Group(model.id, model.title, model.max, model.source, lines or (), model.chosen_by, reader.line(path))
        )
    for gid, (points, title) in FRAME.items():
        if gid not in seen_groups:
            reader.problem(("groups",), f"thiếu nhóm «{gid}» ({title}, {format_points(points)} điểm)", data)
    return tuple(sorted(groups, key=lambda g: list(FRAME).index(g.id)))


def _lines(
    items: Any, path: tuple[str | int, ...], seen: dict[str, str], reader: YamlReader, data: dict[str, Any]
) -> tuple[Line, ...] | None:
    """The lines of a group; None when one of them has a problem (their total would mean nothing)."""
    if not isinstance(items, list) or not items:
        reader.problem((*path, "lines"), "cần khóa «lines»: danh sách các dòng (id, title, max, text, source)", data)
        return None
    lines: list[Line] = []
    ok = True
    for index, item in enumerate(items):
        where: tuple[str | int, ...] = (*path, "lines", index)
        if not isinstance(item, dict):
            reader.problem(where, "mỗi dòng là một bảng khóa: giá trị (id, title, max, text, source)", data)
            ok = False
            continue
        model = validate_model(LineModel, item, where, reader, data)
        if model is None:
            ok = False
            continue
        here = f"nhóm {int(path[1]) + 1}, dòng {index + 1}"
        if model.id in seen:
            reader.problem((*where, "id"), f"mã dòng «{model.id}» đã dùng ở {seen[model.id]}", data)
            ok = False
        seen.setdefault(model.id, here)
        lines.append(
            Line(model.id, model.title, model.max, model.text, model.source, model.chosen_by, reader.line(where))
        )
    return tuple(lines) if ok else None


_PLACE = re.compile(r"^groups › mục (\d+)(?: › lines › mục (\d+))?")


def _named(problem: Problem, data: dict[str, Any]) -> Problem:
    """A problem's key with the group and line named by their ids: «nhóm 1 (chung) › dòng 2 (chung.x) › max»
    rather than «groups › mục 1 › lines › mục 2 › max»."""
    found = _PLACE.match(problem.key)
    if found is None:
        return problem
    group = _item(data.get("groups"), int(found.group(1)))
    name = f"nhóm {found.group(1)}{_id_of(group)}"
    if found.group(2) is not None:
        line = _item(group.get("lines") if isinstance(group, dict) else None, int(found.group(2)))
        name += f" › dòng {found.group(2)}{_id_of(line)}"
    return Problem(problem.file, problem.line, name + problem.key[found.end() :], problem.message)


def _item(items: Any, number: int) -> Any:
    """The `number`-th (from 1) item of a list read from the file, or None."""
    return items[number - 1] if isinstance(items, list) and 0 < number <= len(items) else None


def _id_of(item: Any) -> str:
    ident = item.get("id") if isinstance(item, dict) else None
    return f" ({ident})" if isinstance(ident, str) and ident else ""

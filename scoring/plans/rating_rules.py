"""Rating rules (quy định xếp loại chất lượng) as files: which rating each member and organisation may
receive in a year, written as a base verdict plus ranked vetoes and exceptions, each citing its source.

A rules file is date-versioned (`in_force`); `rules_for_year` picks the file in force for a year from
a folder, so 2020 is checked under QĐ 132, 2024 under QĐ 124 and 2026 under QĐ 366 with no option to
set. Conditions and bounds are written in the metric language of the criteria files (parsed, never
executed). The evaluation is in `scoring.engine.rating`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from scoring.domain.codes import RATING_ORDER
from scoring.domain.numbers import format_percent, years_text
from scoring.plans.expr import MEMBER, ROW_COLUMNS, UNIT, ExprError, Node, Type, parse
from scoring.plans.model import Id, InForceModel, Points, SourceModel, Strict, Text
from scoring.plans.targets import parse_share
from scoring.plans.yaml_source import (
    CriteriaError,
    FolderKind,
    Problem,
    YamlReader,
    check_file,
    levels_of,
    validate_model,
)

KIND = "quy_dinh_xep_loai"
WHAT = "tệp quy định xếp loại"
#: the rules folder: what a file of it that is not a rules file seems to be, by a key it has
FOLDER = FolderKind(
    KIND,
    WHAT,
    "quy định xếp loại",
    "tệp quy định",
    "một quy định",
    "không phải tệp quy định",
    {"criteria": "đây là tệp tiêu chí", "tinh_huong": "đây là tệp tình huống"},
)
EFFECTS = ("rating", "at_most", "at_least")
EFFECT_WORDS = {"rating": "xếp loại", "at_most": "cao nhất", "at_least": "thấp nhất"}
READINGS = ("htt", "htt_htxs")
ROUNDINGS = {"xuong": "làm tròn xuống", "len": "làm tròn lên"}

Version = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int | float) else v), Field(min_length=1)]


class BaseRuleModel(Strict):
    level: str | list[str]
    method: Literal["nhap", "diem"]
    score: str | None = None
    bands: dict[str, Points] | None = None
    source: SourceModel | None = None


class QuotaPartModel(Strict):
    #: members: per TCCSĐ, or per đối tượng within each TCCSĐ; collectives: TCCSĐ of one loại hình
    #: within a cấp trên (nhom_thi_dua: the same), or every TCCSĐ of a cấp trên together
    per: Literal["tccsd", "doi_tuong", "nhom_thi_dua", "loai_hinh", "cap_tren"]
    source: SourceModel


class QuotaModel(Strict):
    share: Text
    #: the higher share of a unit marked as having outstanding results (column thanh_tich_noi_bat)
    share_outstanding: Text | None = None
    reading: Literal["htt", "htt_htxs"]
    rounding: Literal["xuong", "len"]
    dang_vien: QuotaPartModel | None = None
    tap_the: QuotaPartModel | None = None


class RuleModel(Strict):
    id: Id
    title: Text
    level: str | list[str]
    kind: Literal["veto", "exception", "review"]
    rank: int = Field(ge=1, le=99)
    when: Text
    when_not_collected: Text | None = None
    rating: str | None = None
    at_most: str | None = None
    at_least: str | None = None
    lifts: list[str] = Field(default_factory=list)
    source: SourceModel
    note: str | None = None


class RulesHeaderModel(Strict):
    kind: Literal["quy_dinh_xep_loai"]
    title: Text
    document: Text
    in_force: InForceModel
    version: Version
    note: str | None = None
    base: list[BaseRuleModel]
    quota: QuotaModel | None = None


@dataclass(frozen=True)
class Base:
    """How the rating is first reached at some levels: as entered (voted), or read off a score."""

    levels: tuple[str, ...]
    method: str
    score: str | None  # the score column (method "diem")
    bands: tuple[tuple[int, float], ...]  # (rating code, lowest score), best rating first
    source: SourceModel | None


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    levels: tuple[str, ...]
    kind: str  # veto | exception | review
    rank: int
    when: Node
    when_text: str
    #: the condition read where `when` cannot be (a column it needs not collected), e.g. the «Vi phạm»
    #: column where the form of discipline was not collected: the year is judged as before
    fallback: Node | None
    fallback_text: str
    effect: str | None  # rating | at_most | at_least | None (an exception that only lifts)
    bound: Node | None
    bound_text: str
    lifts: tuple[str, ...]
    source: SourceModel
    line: int = 0


@dataclass(frozen=True)
class Quota:
    share: float
    reading: str
    rounding: str
    members: SourceModel | None
    collectives: SourceModel | None
    members_per: str = "tccsd"
    collectives_per: str = "loai_hinh"
    outstanding: float | None = None

    @property
    def share_text(self) -> str:
        return format_percent(self.share)


@dataclass(frozen=True)
class RuleSet:
    path: str
    title: str
    document: str
    from_year: int
    to_year: int | None
    version: str
    note: str | None
    bases: tuple[Base, ...]
    quota: Quota | None
    rules: tuple[Rule, ...]

    def in_force(self, year: int) -> bool:
        return self.from_year <= year and (self.to_year is None or year <= self.to_year)

    def base_for(self, level: str) -> Base:
        found = next((b for b in self.bases if level in b.levels), None)
        return found or Base((level,), "nhap", None, (), None)

    def rules_for(self, level: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if level in r.levels)

    @property
    def years(self) -> str:
        """«từ năm 2025 trở đi», «từ năm 2019 đến năm 2024»."""
        return years_text(self.from_year, self.to_year)

    @property
    def label(self) -> str:
        return f"{self.title} (phiên bản {self.version}, áp dụng {self.years})"


class RulesError(CriteriaError):
    """No usable rules for a year, or a rules file with problems."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.args = ("Quy định xếp loại có lỗi:\n" + "\n".join(f"  {p}" for p in problems),)


def load_rules(path: str | Path) -> RuleSet:
    rules, problems = check_rules(path)
    if rules is None:
        raise RulesError(problems)
    return rules


def is_rules_file(path: str | Path) -> bool:
    """Whether a YAML file declares itself a rating rules file (`kind: quy_dinh_xep_loai`); read within the
    same bounds as any plan file, and False when it cannot be read."""
    return FOLDER.declared_by(path)


def check_rules(path: str | Path) -> tuple[RuleSet | None, list[Problem]]:
    return check_file(path, WHAT, _compile)


def rules_for_year(year: int, folder: str | Path) -> RuleSet:
    """The rules file of `folder` in force in `year`; an error naming the files when none or several are.
    Every .yaml of the folder must be a rules file: one that cannot be read, or is something else, is
    reported (skipping it would score a year under the wrong rules, or under none, without a word)."""
    folder = Path(folder)
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if folder.is_file():
        files = [folder]
    problems: list[Problem] = []
    chosen: list[RuleSet] = []
    for file in files:
        rules, found = check_rules(file) if file == folder else _check_in_folder(file)
        problems.extend(found)
        if rules is not None and rules.in_force(year):
            chosen.append(rules)
    if problems:
        raise RulesError(problems)
    if not chosen:
        known = ", ".join(f"{p.name}" for p in files) or "không có tệp nào"
        raise RulesError(
            [Problem(str(folder), 0, "", f"không có quy định xếp loại nào áp dụng cho năm {year} ({known})")]
        )
    if len(chosen) > 1:
        names = ", ".join(f"{Path(r.path).name} ({r.years})" for r in chosen)
        raise RulesError([Problem(str(folder), 0, "", f"năm {year} thuộc hiệu lực của nhiều quy định: {names}")])
    return chosen[0]


def _check_in_folder(file: Path) -> tuple[RuleSet | None, list[Problem]]:
    """A file of a rules folder: a rules file checked, or one problem saying what else it is."""
    return FOLDER.check_in_folder(file, _compile)


def _compile(data: dict[str, Any], reader: YamlReader) -> RuleSet | None:
    header = validate_model(RulesHeaderModel, {k: v for k, v in data.items() if k != "rules"}, (), reader, data)
    if (
        header is not None
        and header.in_force.to_year is not None
        and header.in_force.to_year < header.in_force.from_year
    ):
        reader.problem(("in_force",), "năm bắt đầu hiệu lực (from) sau năm hết hiệu lực (to)", data)
    bases = _bases(header, reader, data) if header is not None else ()
    quota = _quota(header.quota, reader, data) if header is not None and header.quota is not None else None
    items = data.get("rules")
    if not isinstance(items, list):
        reader.problem(("rules",), "cần khóa «rules» là danh sách các quy tắc", data)
        return None
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        path: tuple[str | int, ...] = ("rules", index)
        if not isinstance(item, dict):
            reader.problem(path, "mỗi quy tắc là một bảng khóa: giá trị", data)
            continue
        model = validate_model(RuleModel, item, path, reader, data)
        if model is None:
            continue
        if model.id in seen:
            reader.problem((*path, "id"), f"mã quy tắc «{model.id}» đã dùng ở quy tắc {seen[model.id] + 1}", data)
        seen.setdefault(model.id, index)
        rule = _rule(model, path, reader, data)
        if rule is not None:
            rules.append(rule)
    by_id = {r.id: r for r in rules}
    for index, rule in enumerate(rules):
        for target in rule.lifts:
            lifted = by_id.get(target)
            path = ("rules", index, "lifts")
            if lifted is None:
                reader.problem(path, f"không có quy tắc «{target}» để miễn trừ", data)
            elif lifted.rank >= rule.rank:
                reader.problem(path, f"ngoại lệ phải có bậc (rank) cao hơn quy tắc «{target}» mà nó miễn trừ", data)
            elif lifted.kind != "veto":
                reader.problem(path, f"«{target}» không phải quy tắc loại trừ (veto): chỉ miễn trừ được veto", data)
            elif not set(lifted.levels) & set(rule.levels):
                reader.problem(path, f"ngoại lệ và quy tắc «{target}» không cùng cấp áp dụng", data)
    if header is None or reader.problems:
        return None
    return RuleSet(
        path=reader.file,
        title=header.title,
        document=header.document,
        from_year=header.in_force.from_year,
        to_year=header.in_force.to_year,
        version=header.version,
        note=header.note,
        bases=bases,
        quota=quota,
        rules=tuple(sorted(rules, key=lambda r: r.rank)),
    )


def _bases(header: RulesHeaderModel, reader: YamlReader, data: dict[str, Any]) -> tuple[Base, ...]:
    bases: list[Base] = []
    covered: set[str] = set()
    for index, model in enumerate(header.base):
        path: tuple[str | int, ...] = ("base", index)
        levels = levels_of(model.level, path, reader, data, mixed=True)
        if covered & set(levels):
            reader.problem((*path, "level"), "mỗi cấp chỉ có một cách xếp loại gốc", data)
        covered |= set(levels)
        bands: list[tuple[int, float]] = []
        if model.method == "diem":
            contexts = {MEMBER if lv == "dang_vien" else UNIT for lv in levels}
            columns = [ROW_COLUMNS[context].get(model.score or "") for context in contexts]
            if any(column is None or column.type is not Type.NUMBER for column in columns):
                reader.problem(
                    (*path, "score"), "xếp loại theo điểm cần «score»: tên một cột điểm, ví dụ diem_danh_gia", data
                )
            if not model.bands or set(model.bands) != set(RATING_ORDER):
                reader.problem((*path, "bands"), f"cần điểm thấp nhất của đủ bốn mức: {', '.join(RATING_ORDER)}", data)
            else:
                bands = sorted(((RATING_ORDER.index(k), v) for k, v in model.bands.items()), reverse=True)
                lows = [low for _, low in bands]
                if lows != sorted(lows, reverse=True) or len(set(lows)) != len(lows):
                    reader.problem((*path, "bands"), "mức cao hơn phải có điểm thấp nhất cao hơn", data)
        elif model.score is not None or model.bands is not None:
            reader.problem(path, "«score» và «bands» chỉ dùng với method: diem", data)
        bases.append(Base(levels, model.method, model.score, tuple(bands), model.source))
    return tuple(bases)


def _quota(model: QuotaModel, reader: YamlReader, data: dict[str, Any]) -> Quota | None:
    share = parse_share(model.share)
    if share is None:
        reader.problem(
            ("quota", "share"), f"không hiểu tỷ lệ «{model.share}»: viết ví dụ «20%» (trên 0%, đến 100%)", data
        )
        return None
    outstanding = None
    if model.share_outstanding is not None:
        outstanding = parse_share(model.share_outstanding)
        if outstanding is None or outstanding < share:
            reader.problem(
                ("quota", "share_outstanding"),
                f"không hiểu tỷ lệ «{model.share_outstanding}»: viết ví dụ «25%», không thấp hơn «share»",
                data,
            )
            return None
    members_per = model.dang_vien.per if model.dang_vien else "tccsd"
    collectives_per = model.tap_the.per if model.tap_the else "loai_hinh"
    if members_per not in ("tccsd", "doi_tuong"):
        reader.problem(("quota", "dang_vien", "per"), "tỷ lệ đảng viên tính theo: tccsd hoặc doi_tuong", data)
    if collectives_per not in ("nhom_thi_dua", "loai_hinh", "cap_tren"):
        reader.problem(
            ("quota", "tap_the", "per"), "tỷ lệ tập thể tính theo: loai_hinh (nhom_thi_dua) hoặc cap_tren", data
        )
    return Quota(
        share,
        model.reading,
        model.rounding,
        model.dang_vien.source if model.dang_vien else None,
        model.tap_the.source if model.tap_the else None,
        members_per,
        "loai_hinh" if collectives_per == "nhom_thi_dua" else collectives_per,
        outstanding,
    )


def _rule(model: RuleModel, path: tuple[str | int, ...], reader: YamlReader, data: dict[str, Any]) -> Rule | None:
    levels = levels_of(model.level, path, reader, data)
    if not levels:
        return None
    context = MEMBER if levels[0] == "dang_vien" else UNIT
    ok = True
    try:
        when = parse(model.when, context)
        if when.type is not Type.BOOL:
            reader.problem((*path, "when"), f"điều kiện phải là đúng/sai, đang là {when.type.value}", data)
            ok = False
    except ExprError as exc:
        reader.problem((*path, "when"), str(exc), data)
        ok = False
    given = [(name, getattr(model, name)) for name in EFFECTS if getattr(model, name) is not None]
    if len(given) > 1:
        reader.problem(path, "mỗi quy tắc chỉ một trong: rating, at_most, at_least", data)
        ok = False
    if model.kind == "veto" and not given:
        reader.problem(path, "quy tắc loại trừ (veto) cần một trong: rating, at_most, at_least", data)
        ok = False
    if model.kind == "veto" and model.lifts:
        reader.problem((*path, "lifts"), "chỉ ngoại lệ (kind: exception) mới miễn trừ quy tắc khác", data)
        ok = False
    if model.kind == "exception" and not model.lifts:
        reader.problem((*path, "lifts"), "ngoại lệ cần «lifts»: mã các quy tắc mà nó miễn trừ", data)
        ok = False
    if model.kind == "review" and (not model.lifts or given):
        reader.problem(
            path,
            "quy tắc chuyển xem xét (kind: review) cần «lifts» (các quy tắc cấp có thẩm quyền xem xét thay) và "
            "không có rating, at_most, at_least",
            data,
        )
        ok = False
    fallback = None
    if model.when_not_collected is not None:
        try:
            fallback = parse(model.when_not_collected, context)
            if fallback.type is not Type.BOOL:
                reader.problem(
                    (*path, "when_not_collected"), f"điều kiện phải là đúng/sai, đang là {fallback.type.value}", data
                )
                ok = False
        except ExprError as exc:
            reader.problem((*path, "when_not_collected"), str(exc), data)
            ok = False
    effect, bound, bound_text = None, None, ""
    if given:
        effect, bound_text = given[0]
        try:
            bound = parse(str(bound_text), context)
            if bound.type is not Type.RATING:
                reader.problem((*path, effect), f"phải là một mức xếp loại, đang là {bound.type.value}", data)
                ok = False
        except ExprError as exc:
            reader.problem((*path, effect), str(exc), data)
            ok = False
    if not ok:
        return None
    return Rule(
        id=model.id,
        title=model.title,
        levels=levels,
        kind=model.kind,
        rank=model.rank,
        when=when,
        when_text=model.when,
        fallback=fallback,
        fallback_text=model.when_not_collected or "",
        effect=effect,
        bound=bound,
        bound_text=str(bound_text),
        lifts=tuple(model.lifts),
        source=model.source,
        line=reader.line(path),
    )

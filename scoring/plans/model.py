"""What a criteria file says, as strict pydantic models (unknown keys are errors), and the
compiled form the engine runs: metric trees, targets, and the concrete levels each criterion scores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from scoring.domain.codes import CAP, CHI_BO_LEVELS, TCCSD_LEVELS
from scoring.domain.numbers import format_percent
from scoring.plans.expr import Node
from scoring.plans.targets import Target

#: Level names a criterion may use, and the concrete levels (cap, or dang_vien) they stand for.
LEVELS: dict[str, tuple[str, ...]] = {
    "dang_vien": ("dang_vien",),
    "chi_bo": CHI_BO_LEVELS,
    "tccsd": TCCSD_LEVELS,
    **{code: (code,) for code in CAP.codes},
}
LEVEL_ORDER = (*CAP.codes, "dang_vien")

Id = Annotated[str, Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$", min_length=1)]
Text = Annotated[str, Field(min_length=1)]

#: The most points a criterion, a partial level or a deduction may carry. A plan gives 100 points per
#: level; the bound (and refusing inf and nan, which YAML writes `.inf`, or pydantic reads from «1e400»)
#: keeps a slip of the pen from turning every total into a blank.
MAX_POINTS = 1_000
Points = Annotated[float, Field(ge=0, le=MAX_POINTS, allow_inf_nan=False)]
PositivePoints = Annotated[float, Field(gt=0, le=MAX_POINTS, allow_inf_nan=False)]
#: The most candidates an award may name per emulation group (a group is a few dozen units or members).
MAX_QUOTA = 10_000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SourceModel(Strict):
    document: Text
    section: Text
    quote: Text


class InForceModel(Strict):
    from_year: int = Field(alias="from", ge=1930, le=2100)
    to_year: int | None = Field(default=None, alias="to", ge=1930, le=2100)


class PartialModel(Strict):
    target: Text
    points: Points


class DeductionModel(Strict):
    per: PositivePoints
    max: PositivePoints


class CriterionModel(Strict):
    id: Id
    title: Text
    level: str | list[str]
    group: Text
    metric: Text
    target: Text
    points: Points
    partial: list[PartialModel] = []
    deduction: DeductionModel | None = None
    phrase: str | None = None
    source: SourceModel
    note: str | None = None
    in_force: InForceModel | None = None  # a dated target ("đến năm 2026 …"): scored only in these years


class AwardModel(Strict):
    id: Id
    title: Text
    level: str | list[str]
    quota: Annotated[int, Field(ge=0, le=MAX_QUOTA)] | Text | None = None  # per group: a number, or "10%" of its size
    minimum: int = Field(default=0, ge=0, le=MAX_QUOTA)  # at least this many per group when the quota is a share
    years: int | None = Field(default=None, ge=2, le=20)  # "N năm liền": rated HTXSNV N consecutive years
    source: SourceModel | None = None


class AwardsModel(Strict):
    note: str | None = None
    yearly: list[AwardModel] = Field(default_factory=list)
    consecutive: list[AwardModel] = Field(default_factory=list)


class TaskModel(Strict):
    """A task of a plan («nhiệm vụ trọng tâm»): its deadline as the plan writes it and who is given it."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.\-]+$", min_length=1)]
    title: Text
    han: Text  # "tháng 01/2022", "quý I/2022", "hằng năm", "thường xuyên"…
    level: str | list[str]  # the levels given the task (cap_tren_co_so, tccsd…)
    section: str | None = None
    #: every unit of `level` must report it (a missing row is unknown); false for an option a unit may
    #: take or not (a form of propaganda): a missing row then means not done
    required: bool = True


class HeaderModel(Strict):
    title: Text
    document: Text
    in_force: InForceModel
    version: Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int | float) else v), Field(min_length=1)]
    points_note: str | None = None
    groups: dict[str, Text]
    awards: AwardsModel | None = None
    tasks: list[TaskModel] = Field(default_factory=list)


@dataclass(frozen=True)
class Task:
    """A plan's task: `deadline` is the parsed form ("2022-01-31", "hang_nam", "thuong_xuyen")."""

    id: str
    title: str
    han: str
    deadline: str
    levels: tuple[str, ...]
    section: str | None = None
    from_year: int | None = None  # the plan's first year: no task falls due before it
    required: bool = True

    def due_in(self, year: int) -> bool:
        """Whether a unit has this task in `year`: a dated task in its year, a yearly or ongoing one
        every year of the plan."""
        if self.from_year is not None and year < self.from_year:
            return False
        return self.deadline in ("hang_nam", "thuong_xuyen") or self.deadline.startswith(f"{year}-")


@dataclass(frozen=True)
class Award:
    """A commendation the plan proposes: yearly (best HTXSNV of each group, within quota) or a streak."""

    id: str
    title: str
    levels: tuple[str, ...]
    kind: str  # hang_nam | nam_lien
    quota_count: int | None = None
    quota_share: float | None = None
    minimum: int = 0
    years: int = 5
    source: SourceModel | None = None

    def quota_for(self, group_size: int) -> int:
        """Candidates allowed in a group of `group_size` (a share is rounded down, then raised to the minimum)."""
        if self.quota_count is not None:
            return self.quota_count
        share = self.quota_share or 0.0
        return max(int(share * group_size + 1e-9), self.minimum)

    @property
    def quota_text(self) -> str:
        if self.quota_count is not None:
            return f"{self.quota_count} mỗi nhóm thi đua"
        minimum = f", ít nhất {self.minimum}" if self.minimum else ""
        return f"{format_percent(self.quota_share or 0)} số đơn vị của mỗi nhóm thi đua, làm tròn xuống{minimum}"


@dataclass(frozen=True)
class Criterion:
    """A criterion ready to score: its metric tree per context and its parsed targets."""

    id: str
    title: str
    levels: tuple[str, ...]
    group: str
    metric_text: str
    metric: Node
    target: Target
    points: float
    partial: tuple[tuple[Target, float], ...]
    deduction: DeductionModel | None
    phrase: str | None
    source: SourceModel
    line: int = 0
    from_year: int | None = None  # a dated target: not applicable outside [from_year, to_year]
    to_year: int | None = None

    def applies_in(self, year: int) -> bool:
        return (self.from_year is None or year >= self.from_year) and (self.to_year is None or year <= self.to_year)


@dataclass(frozen=True)
class CriteriaSet:
    """One plan's criteria file, loaded and compiled."""

    path: str
    title: str
    document: str
    from_year: int
    to_year: int | None
    version: str
    groups: dict[str, str]
    criteria: tuple[Criterion, ...]
    points_note: str | None = None
    by_level: dict[str, tuple[Criterion, ...]] = field(default_factory=dict)
    awards: tuple[Award, ...] = ()
    awards_note: str | None = None
    tasks: tuple[Task, ...] = ()

    def for_level(self, level: str) -> tuple[Criterion, ...]:
        return self.by_level.get(level, ())

    def in_force(self, year: int) -> bool:
        return self.from_year <= year and (self.to_year is None or year <= self.to_year)

    @property
    def label(self) -> str:
        """What the page or report says it used: title and version."""
        return f"{self.title} (phiên bản {self.version})"

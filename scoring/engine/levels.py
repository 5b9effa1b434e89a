"""The scored level: per entity of one level of a year, its total, criteria met and points: what the
score table and the rankings are both built from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.engine.evaluate import Rows
from scoring.engine.year import YearData
from scoring.plans.expr import MEMBER


@dataclass
class LevelScore:
    """Per entity of a level: `total` is the score scaled to the level's maximum (criteria that do
    not apply are left out, so exempt members and first years are not penalised); `earned` and
    `applicable_max` are the raw points behind it."""

    level: str
    rows: Rows
    year: YearData
    total: np.ndarray
    met: np.ndarray
    n_criteria: int
    max_points: float
    earned: np.ndarray
    applicable_max: np.ndarray

    @property
    def ids(self) -> np.ndarray:
        return self.year.member_ids(self.rows.index) if self.rows.kind == MEMBER else self.year.org_ids[self.rows.index]

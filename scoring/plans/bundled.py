"""The plans, rating rules, scoring frameworks, their YAML cases and the sample dataset that ship with the
package: found here, and only here, whether the package runs from a clone or from a plain `pip install`.

The repository keeps them in the top-level `criteria/` folder; the package reaches it through the link
`scoring/plans/shipped`, which a wheel turns into copies of the files."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

DEFAULT_PLAN_NAME = "hai_chan_ba_mui.yaml"


def plans_folder() -> Path:
    """The folder of the bundled plan files (criteria/ in the repository)."""
    return Path(str(files("scoring.plans").joinpath("shipped"))).resolve()


def rules_folder() -> Path:
    """The folder of the bundled rating rules files, one per period in force (criteria/quy_dinh)."""
    return plans_folder() / "quy_dinh"


def frameworks_folder() -> Path:
    """The folder of the bundled scoring frameworks (khung điểm QĐ 366, 30 + 70 điểm), one file per kind of
    person or collective and period (criteria/khung_diem)."""
    return plans_folder() / "khung_diem"


def cases_folder() -> Path:
    """The folder of the YAML cases of the bundled plans and rules files (criteria/cases)."""
    return plans_folder() / "cases"


def default_plan() -> Path:
    """The «Hai chân – Ba mũi» plan (Kế hoạch 51-KH/ĐUK), used when no plan is named."""
    return plans_folder() / DEFAULT_PLAN_NAME


def plan_files() -> list[Path]:
    """Every bundled plan file, by name."""
    return sorted(plans_folder().glob("*.yaml"))


def sample_folder() -> Path:
    """The bundled sample dataset (data/mau in the repository, reached through the link `scoring/sample/mau`):
    one Đảng bộ Khối over 2021–2025, the data of the demo."""
    return Path(str(files("scoring.sample").joinpath("mau"))).resolve()

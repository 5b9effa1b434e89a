"""thi đua: a scoring engine for the "Hai chân – Ba mũi" party-building emulation movement."""

from scoring.engine import ScoreResult, ScoringError, score
from scoring.input.dataset import Dataset, DatasetError, load_dataset, validate_dataset
from scoring.input.report import ValidationReport
from scoring.plans import CriteriaError, CriteriaSet, check_criteria, load_criteria

__all__ = [
    "CriteriaError",
    "CriteriaSet",
    "Dataset",
    "DatasetError",
    "ScoreResult",
    "ScoringError",
    "ValidationReport",
    "check_criteria",
    "load_criteria",
    "load_dataset",
    "score",
    "validate_dataset",
]
__version__ = "0.1.0"

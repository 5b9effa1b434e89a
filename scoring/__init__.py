"""thi đua: a scoring engine for the "Hai chân – Ba mũi" party-building emulation movement."""

from scoring.dataset import Dataset, DatasetError, load_dataset, validate_dataset
from scoring.validation.report import ValidationReport

__all__ = ["Dataset", "DatasetError", "ValidationReport", "load_dataset", "validate_dataset"]
__version__ = "0.1.0"

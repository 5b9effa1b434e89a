"""YAML cases of plans and rating rules: what a case file says (file) and running it through the engine
(run). Above the engine, since a case is a small dataset scored and checked."""

from scoring.cases.file import Case, CaseFileError, check_case_file, load_case_files
from scoring.cases.run import CaseResult, run_case, run_cases

__all__ = ["Case", "CaseFileError", "CaseResult", "check_case_file", "load_case_files", "run_case", "run_cases"]

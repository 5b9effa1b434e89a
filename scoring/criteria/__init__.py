"""Criteria files: the format (model), the metric language (expr), targets, and the loader."""

from scoring.criteria.loader import CriteriaError, Problem, check_criteria, load_criteria
from scoring.criteria.model import CriteriaSet, Criterion

__all__ = ["CriteriaError", "CriteriaSet", "Criterion", "Problem", "check_criteria", "load_criteria"]

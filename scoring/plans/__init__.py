"""Plans and rating rules as files: the format (model), the metric language (expr: parsing; nodes: the
parsed tree; metric_names: what a metric may name), targets, reading YAML
with lines (yaml_source), the plan loader (loader), rating rules (rating_rules), the files that ship with
the package (bundled) and where their YAML cases live."""

from scoring.plans.loader import check_criteria, load_criteria
from scoring.plans.model import CriteriaSet, Criterion
from scoring.plans.yaml_source import CriteriaError, Problem

__all__ = ["CriteriaError", "CriteriaSet", "Criterion", "Problem", "check_criteria", "load_criteria"]

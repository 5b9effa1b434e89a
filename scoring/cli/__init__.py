"""The `thidua` command line: thin wrappers that check arguments, call the library and print results.

One module per area registers its commands on the one application (`scoring.cli.app`): data, plans,
scores, store."""

from __future__ import annotations

from scoring.cli import data, plans, scores, store
from scoring.cli.app import app
from scoring.cli.data import bundled_tasks, parse_years

__all__ = ["app", "bundled_tasks", "data", "main", "parse_years", "plans", "scores", "store"]


def main() -> None:
    app()

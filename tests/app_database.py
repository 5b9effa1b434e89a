"""The app's database as the tests that open the app need it: filled from the sample (its tree, the years
approved as reports, a few accounts), built once and copied for each module or test that writes to it.

`sample_db_file` (tests/conftest.py) is the usual one, built once per session; a module that needs other
accounts or reports builds its own with `build_database`."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from scoring import Dataset
from scoring.store import Store, connect
from scoring.store.accounts import SYSTEM
from scoring.store.workflow import submissions_from_dataset

PASSWORD = "mat-khau-dai"
#: the accounts of `sample_db_file`: an administrator and the chi bộ CB001's secretary
SAMPLE_ACCOUNTS = (("quantri", "quan_tri", None), ("chibo", "chi_bo", "CB001"))

#: (name, role, unit) or (name, role, unit, full name)
AccountRow = tuple[str, str, str | None] | tuple[str, str, str | None, str]


def fill_database(
    url: str,
    sample: Dataset,
    accounts: Iterable[AccountRow],
    *,
    reports: bool = True,
    held: tuple[str, int] | None = None,
) -> None:
    """The database at `url` (created or migrated) with the sample's tree, every report of the sample
    approved (none when `reports` is false; all but the (unit, year) `held`), and `accounts`, each with
    the password PASSWORD."""
    store = Store(connect(url))
    try:
        store.import_tree(SYSTEM, sample.to_chuc.astype(object))
        if reports:
            store.import_approved(SYSTEM, [r for r in submissions_from_dataset(sample) if (r[0], r[1]) != held])
        for name, role, *rest in accounts:
            store.create_account(SYSTEM, name, PASSWORD, role, *rest)
    finally:
        store.engine.dispose()


def build_database(folder: Path, sample: Dataset, accounts: Iterable[AccountRow], **how: Any) -> Path:
    """A new SQLite file `folder`/thidua.db, filled as `fill_database` says (`how`: its `reports`, `held`)."""
    path = folder / "thidua.db"
    fill_database(f"sqlite:///{path}", sample, accounts, **how)
    return path


def app_uses(path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The URL of the SQLite file `path`, set as the app's database (THIDUA_DB_URL) for this test."""
    url = f"sqlite:///{path}"
    monkeypatch.setenv("THIDUA_DB_URL", url)
    return url


def copy_database(template: Path, folder: Path) -> Path:
    """A copy of the SQLite file `template` as `folder`/thidua.db, for one module or test to change."""
    copy = folder / "thidua.db"
    shutil.copyfile(template, copy)
    return copy

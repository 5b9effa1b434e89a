from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "mau"
TEMPLATE = ROOT / "data" / "mau_nhap_lieu.xlsx"
VALID = ROOT / "tests" / "data" / "hop_le"
BROKEN = ROOT / "tests" / "broken"


@pytest.fixture(scope="session")
def sample():  # type: ignore[no-untyped-def]
    from scoring import load_dataset

    return load_dataset(SAMPLE)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes():  # type: ignore[no-untyped-def]
    """Argon2 with its lowest cost in tests: the default (64 MiB, 3 passes) is slow on purpose, and
    the tests create hundreds of accounts. What is checked (a hash, never the password; verify) is
    the same; `test_store` checks the shipped hasher's own parameters once."""
    from argon2 import PasswordHasher

    from scoring.store import accounts

    shipped = accounts._HASHER
    accounts._HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    accounts._HASHER = shipped

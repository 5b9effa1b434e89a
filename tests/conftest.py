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

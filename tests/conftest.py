from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from scoring import Dataset

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


# --- the app's database and a browser, for the tests that open the app ---------------------------------------


@pytest.fixture(scope="session")
def sample_db_file(tmp_path_factory: pytest.TempPathFactory, sample: Dataset) -> Path:
    """A SQLite file built once a session: the sample's tree, every year approved, and the accounts
    `tests.app_database.SAMPLE_ACCOUNTS` — quantri (quan_tri) and chibo (chi_bo of CB001) — with the password
    `tests.app_database.PASSWORD`. A template: never open it, copy it (`tests.app_database.copy_database`,
    or `shutil.copyfile`) for each module or test that uses it."""
    from tests.app_database import SAMPLE_ACCOUNTS, build_database

    return build_database(tmp_path_factory.mktemp("csdl_mau"), sample, SAMPLE_ACCOUNTS)


@pytest.fixture
def db_url(database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A copy of the module's `database` (a SQLite file) for this test, set as the app's THIDUA_DB_URL."""
    from tests.app_database import app_uses, copy_database

    return app_uses(copy_database(database, tmp_path), monkeypatch)


#: the chromium the browser tests share, and its Playwright: launched by the first test that asks for it,
#: closed after the last of a run of tests that use it (see `pytest_runtest_teardown`)
_SHARED_CHROMIUM: dict[str, Any] = {}


@pytest.fixture
def chromium_browser() -> Browser:
    """Debian's chromium driven by Playwright, one for every run of consecutive tests that use it — the
    browser modules (tests/test_browser*.py) run one after the other, so one chromium serves them all. A test
    opens its own context (`chromium_browser.new_context(...)`: its own cookies) and closes it. Without
    chromium the test fails; a module that may skip marks itself with `tests.browser_support.CHROMIUM`.

    Not kept for the whole session: while Playwright's sync API is open its event loop counts as running in
    the main thread, and a later test's `asyncio.run` would fail."""
    if "browser" not in _SHARED_CHROMIUM:
        from playwright.sync_api import sync_playwright

        from tests.browser_support import launch_chromium

        playwright = sync_playwright().start()
        try:
            _SHARED_CHROMIUM["browser"] = launch_chromium(playwright)
        except BaseException:
            playwright.stop()
            raise
        _SHARED_CHROMIUM["playwright"] = playwright
    browser: Browser = _SHARED_CHROMIUM["browser"]
    return browser


def _close_chromium() -> None:
    if "browser" in _SHARED_CHROMIUM:
        _SHARED_CHROMIUM.pop("browser").close()
        _SHARED_CHROMIUM.pop("playwright").stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After a test's own teardown (its browser contexts closed): the shared chromium closed unless the next
    test uses it too."""
    try:
        return (yield)
    finally:
        if nextitem is None or "chromium_browser" not in getattr(nextitem, "fixturenames", ()):
            _close_chromium()


def pytest_sessionfinish() -> None:
    _close_chromium()

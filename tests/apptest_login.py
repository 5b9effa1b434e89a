"""Logging in inside AppTest. AppTest sends no cookies, so a test opens a real session in the database
(`open_session`, the same call as the login page's) and hands its token to the script through
st.session_state[TEST_SESSION], which the app reads instead of the cookie only when THIDUA_TEST_PHIEN=1
is in the environment (`giao_dien.access._cookies`; a browser can set neither)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from giao_dien.access import TEST_SESSION, TEST_SESSION_SETTING
from scoring.store import Store, connect
from scoring.store.demo import app_database_url
from scoring.store.models import PhienDangNhap
from scoring.store.sessions import open_session, token_hash


@pytest.fixture(autouse=True)
def _test_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TEST_SESSION_SETTING, "1")


def _store() -> Store:
    return Store(connect(app_database_url(), migrate=False))


def open_test_session(name: str, password: str) -> str:
    """A session of `name` in the app's database (StoreError for a wrong password, as on the login page)."""
    store = _store()
    try:
        return open_session(store, name, password, "AppTest")
    finally:
        store.engine.dispose()


def log_in(at: AppTest, name: str, password: str) -> AppTest:
    """`at` logged in as `name` (as after the login page), then run."""
    at.session_state[TEST_SESSION] = open_test_session(name, password)
    at.run()
    assert not at.exception, at.exception[0].value
    return at


def idle(at: AppTest, minutes: float = 31) -> None:
    """The session of `at` last used `minutes` ago (past THIDUA_PHIEN_PHUT: it has expired)."""
    store = _store()
    try:
        with store.engine.begin() as db:
            db.execute(
                update(PhienDangNhap)
                .where(PhienDangNhap.ma_bam == token_hash(at.session_state[TEST_SESSION]))
                .values(hoat_dong_luc=datetime.now(UTC) - timedelta(minutes=minutes))
            )
    finally:
        store.engine.dispose()

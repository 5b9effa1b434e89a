"""Login that behaves like a website: sessions in the database (opened through the login with its lockout,
found again by another process, ended by logout, by the idle timeout, by a locked account or a new
password; only the token's hash stored), the login and logout pages and the middleware in front of the
pages (called as plain ASGI: redirect, CSRF, cookies, `next`), and once for real: `streamlit run` of an
`st.App` with the login, driven by Chromium, whose script sees the session in `st.context.cookies`.

Runs on SQLite; on PostgreSQL too when THIDUA_TEST_PG_URL names a server (in a schema of its own, so it
does not disturb the other store tests sharing that database)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, delete, make_url, select, text, update
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from scoring.store import Store, StoreError, connect
from scoring.store.accounts import SYSTEM
from scoring.store.db import MIGRATIONS, alembic_config
from scoring.store.models import Base, NhatKy, PhienDangNhap, TaiKhoan
from scoring.store.sessions import close_session, idle_minutes, open_session, session_account, token_hash
from scoring.web import SESSION_COOKIE, account_from_cookies, login_link, login_url, login_web, safe_next
from scoring.web.guard import LoginRequired
from scoring.web.site import Site, once
from tests.app_server import streamlit_server
from tests.conftest import ROOT

PASSWORD = "mat-khau-dai"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("THIDUA_TEST_PG_URL") else [])
PG_SCHEMA = "kiem_thu_phien_dang_nhap"
_PG_READY: set[str] = set()


def _postgres_url() -> str:
    """THIDUA_TEST_PG_URL with this module's schema first on the search path, emptied for each test."""
    base = make_url(os.environ["THIDUA_TEST_PG_URL"])
    url = base.update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"}).render_as_string(hide_password=False)
    engine = create_engine(base)
    with engine.begin() as db:
        if url not in _PG_READY:
            db.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            db.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
        else:
            tables = ", ".join(f'{PG_SCHEMA}."{t.name}"' for t in reversed(Base.metadata.sorted_tables))
            db.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    _PG_READY.add(url)
    return url


def _accounts(store: Store) -> None:
    store.create_account(SYSTEM, "quantri", PASSWORD, "quan_tri", name="Nguyễn Văn An")
    store.create_account(SYSTEM, "xem1", PASSWORD, "xem")


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("phien") / "thidua.db"
    engine = connect(f"sqlite:///{path}")
    _accounts(Store(engine))
    engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """The URL of a database with two accounts: quantri (quan_tri) and xem1 (xem)."""
    if request.param == "sqlite":
        copy = tmp_path / "thidua.db"
        shutil.copyfile(sqlite_template, copy)
        return f"sqlite:///{copy}"
    url = _postgres_url()
    engine = connect(url)
    _accounts(Store(engine))
    engine.dispose()
    return url


@pytest.fixture
def store(database: str) -> Iterator[Store]:
    result = Store(connect(database))
    yield result
    result.engine.dispose()


def _session_row(store: Store, token: str) -> Any:
    with store.engine.connect() as db:
        return db.execute(select(PhienDangNhap).where(PhienDangNhap.ma_bam == token_hash(token))).one()


def _actions(store: Store) -> list[tuple[str, str, bool, str]]:
    with store.engine.connect() as db:
        rows = db.execute(
            select(NhatKy.hanh_dong, NhatKy.tai_khoan, NhatKy.duoc_phep, NhatKy.ghi_chu).order_by(NhatKy.id)
        )
        wanted = ("mo_phien", "dang_xuat", "het_phien", "dong_phien")
        return [(r.hanh_dong, r.tai_khoan, r.duoc_phep, r.ghi_chu) for r in rows if r.hanh_dong in wanted]


# --- the library ---------------------------------------------------------------------------------------------


def test_a_session_opens_with_the_password_is_found_again_and_ends_on_logout(store: Store) -> None:
    token = open_session(store, " QuanTri ", PASSWORD, "Mozilla/5.0 " + "x" * 500)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    user = session_account(store, token)
    assert user is not None and (user.ten_dang_nhap, user.vai_tro, user.ho_ten) == (
        "quantri",
        "quan_tri",
        "Nguyễn Văn An",
    )
    assert account_from_cookies(store, {SESSION_COOKIE: token, "khac": "1"}) == user
    row = _session_row(store, token)
    assert row.ket_thuc_luc is None and len(row.trinh_duyet) == 200 and row.trinh_duyet.startswith("Mozilla/5.0 x")

    assert close_session(store, token) is True
    assert session_account(store, token) is None
    assert close_session(store, token) is False  # once only
    row = _session_row(store, token)
    assert row.ket_thuc_luc is not None and row.ly_do_ket_thuc == "dang_xuat"
    assert _actions(store) == [("mo_phien", "quantri", True, ""), ("dang_xuat", "quantri", True, "đăng xuất")]


def test_a_wrong_password_or_name_opens_nothing_and_says_the_same(store: Store) -> None:
    for name, password in (("quantri", "sai-mat-khau"), ("khong_co_ai", PASSWORD)):
        with pytest.raises(StoreError, match=r"^Sai tên đăng nhập hoặc mật khẩu\.$"):
            open_session(store, name, password)
    assert store.count(PhienDangNhap) == 0
    for _ in range(4):  # five failures in all: the name waits (the store's lockout, not a new one)
        with pytest.raises(StoreError):
            open_session(store, "quantri", "sai-mat-khau")
    with pytest.raises(StoreError, match="thử lại sau"):
        open_session(store, "quantri", PASSWORD)
    assert store.count(PhienDangNhap) == 0


def test_the_raw_token_is_never_stored(store: Store) -> None:
    token = open_session(store, "quantri", PASSWORD, "trình duyệt")
    session_account(store, token)
    close_session(store, token)
    with store.engine.connect() as db:
        dumped = repr([db.execute(select(t)).all() for t in Base.metadata.sorted_tables])
    assert token not in dumped
    assert token_hash(token) in dumped and len(token_hash(token)) == 64


def test_the_idle_timeout_ends_the_session_in_the_database(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    token = open_session(store, "quantri", PASSWORD)
    opened = _aware(_session_row(store, token).hoat_dong_luc)
    assert session_account(store, token, now=opened + timedelta(minutes=29), idle=30) is not None
    # 29 minutes on, the last activity was written: 30 minutes from then the session still lives
    assert session_account(store, token, now=opened + timedelta(minutes=58), idle=30) is not None
    assert session_account(store, token, now=opened + timedelta(minutes=89), idle=30) is None
    row = _session_row(store, token)
    assert row.ly_do_ket_thuc == "het_thoi_gian" and row.ket_thuc_luc is not None
    assert session_account(store, token) is None  # ended for good, not only too old
    assert _actions(store)[-1] == ("het_phien", "quantri", True, "hết thời gian")

    monkeypatch.setenv("THIDUA_PHIEN_PHUT", "0,5")  # the setting, read on each call
    token = open_session(store, "quantri", PASSWORD)
    opened = _aware(_session_row(store, token).hoat_dong_luc)
    assert session_account(store, token, now=opened + timedelta(seconds=20)) is not None
    assert session_account(store, token, now=opened + timedelta(seconds=51)) is None


def test_the_last_activity_is_written_at_most_once_a_minute(store: Store) -> None:
    token = open_session(store, "quantri", PASSWORD)
    opened = _aware(_session_row(store, token).hoat_dong_luc)
    for seconds in (1, 20, 59):
        assert session_account(store, token, now=opened + timedelta(seconds=seconds), idle=30) is not None
        assert _aware(_session_row(store, token).hoat_dong_luc) == opened
    assert session_account(store, token, now=opened + timedelta(seconds=61), idle=30) is not None
    assert _aware(_session_row(store, token).hoat_dong_luc) == opened + timedelta(seconds=61)


def test_a_locked_account_or_a_new_password_ends_its_sessions(store: Store) -> None:
    locked, reset, changed = (open_session(store, name, PASSWORD) for name in ("quantri", "xem1", "xem1"))
    with store.engine.begin() as db:  # the role as stored now, not as at login
        db.execute(update(TaiKhoan).where(TaiKhoan.ten_dang_nhap == "quantri").values(vai_tro="xem"))
    assert getattr(session_account(store, locked), "vai_tro", None) == "xem"
    with store.engine.begin() as db:
        db.execute(update(TaiKhoan).where(TaiKhoan.ten_dang_nhap == "quantri").values(bi_khoa=True))
    assert session_account(store, locked) is None
    assert _session_row(store, locked).ly_do_ket_thuc == "tai_khoan_bi_khoa"
    assert ("dong_phien", "quantri", False, "tài khoản bị khóa") in _actions(store)
    with store.engine.begin() as db:
        db.execute(update(TaiKhoan).where(TaiKhoan.ten_dang_nhap == "quantri").values(bi_khoa=False))
    assert session_account(store, locked) is None  # an ended session stays ended

    store.reset_password(SYSTEM, "xem1", "mat-khau-moi-1")
    assert session_account(store, reset) is None and session_account(store, changed) is None
    assert _session_row(store, reset).ly_do_ket_thuc == "doi_mat_khau"


def test_removing_an_account_removes_its_sessions(store: Store) -> None:
    token = open_session(store, "xem1", PASSWORD)
    with store.engine.begin() as db:
        db.execute(delete(TaiKhoan).where(TaiKhoan.ten_dang_nhap == "xem1"))
    assert store.count(PhienDangNhap) == 0 and session_account(store, token) is None


def test_two_processes_on_one_database_share_the_sessions(database: str, store: Store) -> None:
    other = Store(connect(database))  # another app process: its own engine and pool
    try:
        token = open_session(store, "quantri", PASSWORD)
        assert getattr(session_account(other, token), "ten_dang_nhap", None) == "quantri"
        assert close_session(other, token) is True
        assert session_account(store, token) is None
    finally:
        other.engine.dispose()


@pytest.mark.parametrize("token", [None, "", "ngắn", "x" * 43, "é" * 43, "a" * 10_000, "../../etc"])
def test_a_token_that_is_not_one_finds_nothing(store: Store, token: str | None) -> None:
    assert session_account(store, token) is None
    assert close_session(store, token) is False


def test_the_idle_setting() -> None:
    assert idle_minutes({}) == 30
    assert idle_minutes({"THIDUA_PHIEN_PHUT": " 7,5 "}) == 7.5
    for wrong in ("abc", "0", "-3", "inf", "nan"):
        with pytest.raises(StoreError, match=r"THIDUA_PHIEN_PHUT=«.*» không hiểu được: cần số phút lớn hơn 0"):
            idle_minutes({"THIDUA_PHIEN_PHUT": wrong})
    with pytest.raises(StoreError, match="Lý do kết thúc phiên «bat_ky» không có"):
        close_session(Store.__new__(Store), "x", "bat_ky")


def test_the_migrations_have_a_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config(create_engine("sqlite://")))
    assert len(script.get_heads()) == 1, script.get_heads()
    assert (MIGRATIONS / "versions").is_dir()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- the login pages and the middleware, called as ASGI ------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    text: str

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)

    def cookies(self) -> list[str]:
        return [v for k, v in self.headers if k == "set-cookie"]


@dataclass
class Browser:
    """Just enough of a browser: a cookie jar (name, path) that follows Set-Cookie, and ASGI requests."""

    app: Any
    cookies: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (value, path)

    def request(self, method: str, target: str, form: dict[str, str] | None = None, /, **headers: str) -> Answer:
        path, _, query = target.partition("?")
        sent = [(n, v) for n, (v, p) in self.cookies.items() if path == p or path.startswith(p.rstrip("/") + "/")]
        wire = {"host": "testserver", **{k.replace("_", "-"): v for k, v in headers.items()}}
        if sent:
            wire["cookie"] = "; ".join(f"{n}={v}" for n, v in sent)
        body = urlencode(form or {}).encode()
        if form is not None:
            wire["content-type"] = "application/x-www-form-urlencoded"
        answer = asyncio.run(_call(self.app, method, path, query, wire, body))
        for line in answer.cookies():
            name, _, rest = line.partition("=")
            value = rest.split(";")[0]
            cookie_path = re.search(r"Path=([^;]+)", line)
            if "Max-Age=0" in line:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = (value, cookie_path.group(1) if cookie_path else "/")
        return answer

    def get(self, target: str, **headers: str) -> Answer:
        return self.request("GET", target, **headers)


async def _call(app: Any, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Answer:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": unquote(path), "raw_path": path.encode(), "query_string": query.encode(),
        "root_path": "", "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }  # fmt: skip
    incoming = [{"type": "http.request", "body": body, "more_body": False}]
    outgoing: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        outgoing.append(message)

    await app(scope, receive, send)
    start = outgoing[0]
    headers_out = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]]
    text_out = b"".join(m.get("body", b"") for m in outgoing[1:]).decode("utf-8")
    return Answer(start["status"], headers_out, text_out)


async def _page(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"trang {request.url.path}")


def _site_app(store: Callable[[], Store], demo: bool = False, intro: Any = None) -> Starlette:
    """The login's routes and middleware around a few stand-in pages and Streamlit-like endpoints."""
    web = login_web(store, demo=demo, intro=intro, base="")
    pages = [Route(p, _page) for p in ("/", "/some/page", "/_stcore/health", "/static/js/main.js", "/favicon.png")]
    return Starlette(routes=[*web.routes, *pages], middleware=web.middleware)


def _csrf(answer: Answer) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', answer.text)
    assert found, answer.text
    return found.group(1)


def _login(browser: Browser, password: str = PASSWORD, next_path: str = "/some/page?a=1", **headers: str) -> Answer:
    form_page = browser.get(login_url(next_path))
    form = {"ten_dang_nhap": "quantri", "mat_khau": password, "next": next_path, "csrf": _csrf(form_page)}
    return browser.request("POST", "/dang-nhap", form, **headers)


def test_a_page_without_a_session_goes_to_the_login_and_back(store: Store) -> None:
    browser = Browser(_site_app(lambda: store))
    answer = browser.get("/some/page?a=1&b=%C3%B4")  # «b=ô» as a browser sends it
    assert answer.status == 303
    assert answer.header("location") == "/dang-nhap?next=/some/page%3Fa%3D1%26b%3D%25C3%25B4"
    for public in ("/_stcore/health", "/static/js/main.js", "/favicon.png"):
        assert browser.get(public).status == 200, public

    form_page = browser.get(answer.header("location") or "")
    assert form_page.status == 200 and '<html lang="vi">' in form_page.text and 'charset="utf-8"' in form_page.text
    for label in (">Tên đăng nhập</label>", ">Mật khẩu</label>", ">Đăng nhập</button>"):
        assert label in form_page.text
    assert 'name="next" value="/some/page?a=1&amp;b=%C3%B4"' in form_page.text
    assert "<script" not in form_page.text and "script-src" not in (form_page.header("content-security-policy") or "x")
    csrf_cookie = next(c for c in form_page.cookies() if c.startswith("thidua_csrf="))
    assert "HttpOnly" in csrf_cookie and "SameSite=Strict" in csrf_cookie and "Path=/dang-nhap" in csrf_cookie

    wrong = _login(browser, password="sai-mat-khau")
    assert wrong.status == 200 and "Sai tên đăng nhập hoặc mật khẩu." in wrong.text
    assert SESSION_COOKIE not in browser.cookies and "Traceback" not in wrong.text

    right = _login(browser)
    assert right.status == 303 and right.header("location") == "/some/page?a=1"
    session_cookie = next(c for c in right.cookies() if c.startswith(f"{SESSION_COOKIE}="))
    assert re.fullmatch(rf"{SESSION_COOKIE}=[A-Za-z0-9_-]{{43}}; HttpOnly; Path=/; SameSite=Lax", session_cookie)
    assert browser.get("/some/page?a=1").text == "trang /some/page"
    again = browser.get("/dang-nhap?next=/")  # already logged in: straight on
    assert again.status == 303 and again.header("location") == "/"


@pytest.mark.parametrize(
    "target", ["//evil.com", "https://evil.com/x", "/\\evil.com", "/%0d%0aSet-Cookie:x", "/dang-xuat"]
)
def test_next_only_goes_to_a_page_of_this_site(store: Store, target: str) -> None:
    answer = _login(Browser(_site_app(lambda: store)), next_path=unquote(target))
    assert answer.status == 303 and answer.header("location") == "/"
    assert safe_next("/xep_hang?nam=2024") == "/xep_hang?nam=2024"


def test_a_login_post_without_the_form_token_is_refused(store: Store) -> None:
    browser = Browser(_site_app(lambda: store))
    form = {"ten_dang_nhap": "quantri", "mat_khau": PASSWORD, "next": "/"}
    missing = browser.request("POST", "/dang-nhap", form)  # no cookie, no field
    assert missing.status == 403 and "Biểu mẫu đăng nhập đã hết hạn" in missing.text
    browser.get("/dang-nhap")
    for bad in ("", "a" * 43, "ô" * 43):  # the cookie is there: the field is missing, another value, not ASCII
        refused = browser.request("POST", "/dang-nhap", {**form, "csrf": bad})
        assert refused.status == 403 and SESSION_COOKIE not in browser.cookies
    foreign = _login(browser, origin="https://evil.example")  # the right pair, posted from another site
    assert foreign.status == 403 and SESSION_COOKIE not in browser.cookies
    assert browser.request("POST", "/dang-nhap", None).status == 400  # not a form
    assert store.count(PhienDangNhap) == 0
    assert _login(browser, origin="http://testserver").status == 303


def test_logout_ends_the_session_and_clears_the_cookie(store: Store) -> None:
    browser = Browser(_site_app(lambda: store))
    _login(browser)
    token = browser.cookies[SESSION_COOKIE][0]
    cross = browser.get("/dang-xuat", sec_fetch_site="cross-site")  # a link on another site only asks
    assert cross.status == 200 and 'action="/dang-xuat"' in cross.text and session_account(store, token) is not None
    answer = browser.get("/dang-xuat")
    assert answer.status == 303 and answer.header("location") == "/dang-nhap?thong_bao=da_dang_xuat"
    assert any(c.startswith(f"{SESSION_COOKIE}=;") and "Max-Age=0" in c for c in answer.cookies())
    assert SESSION_COOKIE not in browser.cookies and session_account(store, token) is None
    assert "Đã đăng xuất." in browser.get("/dang-nhap?thong_bao=da_dang_xuat").text
    assert browser.get("/some/page").status == 303

    browser.cookies[SESSION_COOKIE] = (token, "/")  # the old cookie kept by hand: dead, and cleared again
    expired = browser.get("/some/page")
    assert expired.header("location") == "/dang-nhap?next=/some/page&thong_bao=het_phien"
    assert SESSION_COOKIE not in browser.cookies


def test_logging_in_again_replaces_the_session(store: Store) -> None:
    browser = Browser(_site_app(lambda: store))
    _login(browser)
    first = browser.cookies[SESSION_COOKIE][0]
    assert browser.get("/dang-nhap").status == 303  # logged in: sent on; the form of an older tab may still be sent
    browser.cookies["thidua_csrf"] = ("c" * 43, "/dang-nhap")
    form = {"ten_dang_nhap": "xem1", "mat_khau": PASSWORD, "next": "/", "csrf": "c" * 43}
    assert browser.request("POST", "/dang-nhap", form).status == 303
    second = browser.cookies[SESSION_COOKIE][0]
    assert second != first and session_account(store, first) is None
    assert getattr(session_account(store, second), "ten_dang_nhap", None) == "xem1"
    assert login_link(login_url("/a?b=1&c=<x>")) == (
        '<a href="/dang-nhap?next=/a%3Fb%3D1%26c%3D%3Cx%3E" target="_self">Đăng nhập</a>'
    )


def test_cookies_are_secure_behind_https(store: Store) -> None:
    browser = Browser(_site_app(lambda: store))
    answer = _login(browser, x_forwarded_proto="https")
    assert all(c.endswith("; Secure") for c in answer.cookies()), answer.cookies()


def test_the_demo_lets_visitors_see_pages_and_the_intro_is_escaped(store: Store) -> None:
    intro = ["Tài khoản thử: <b>quantri</b>", ("quantri / mat-khau-dai", "xem1 & <script>alert(1)</script>")]
    browser = Browser(_site_app(lambda: store, demo=True, intro=lambda: intro))
    assert browser.get("/some/page").status == 200
    page = browser.get('/dang-nhap?next=/"><script>alert(1)</script>').text
    assert "<script>" not in page and "&lt;b&gt;quantri&lt;/b&gt;" in page
    assert "<li>xem1 &amp; &lt;script&gt;alert(1)&lt;/script&gt;</li>" in page
    assert 'value="/&quot;&gt;&lt;script&gt;' in page


def test_a_database_that_fails_gives_a_notice_with_a_code_not_a_traceback(tmp_path: Path) -> None:
    def broken() -> Store:
        return Store(connect(f"sqlite:///{tmp_path / 'khong_co' / 'thidua.db'}"))

    browser = Browser(_site_app(once(broken)))
    browser.cookies[SESSION_COOKIE] = ("a" * 43, "/")
    browser.cookies["thidua_csrf"] = ("b" * 43, "/dang-nhap")
    form = {"ten_dang_nhap": "quantri", "mat_khau": PASSWORD, "next": "/", "csrf": "b" * 43}
    for answer in (browser.get("/some/page"), browser.get("/dang-nhap"), browser.request("POST", "/dang-nhap", form)):
        assert answer.status == 503 and re.search(r"Mã lỗi: [0-9a-f]{8}", answer.text), answer.text
        assert "Traceback" not in answer.text and "sqlite" not in answer.text.lower()


def test_the_middleware_leaves_websockets_and_posts_alone() -> None:
    reached: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(scope["type"] + " " + scope.get("method", ""))

    def no_store() -> Store:
        raise AssertionError("the database is not needed")

    guard = LoginRequired(inner, Site(store=no_store))
    for scope in (
        {"type": "websocket", "path": "/_stcore/stream", "headers": []},
        {"type": "websocket", "path": "/some/page", "headers": []},
        {"type": "http", "method": "POST", "path": "/_stcore/upload_file/x/y", "headers": [], "query_string": b""},
        {"type": "http", "method": "GET", "path": "/media/abc.png", "headers": [], "query_string": b""},
        {"type": "lifespan"},
    ):
        asyncio.run(guard(scope, None, None))  # type: ignore[arg-type]
    assert reached == ["websocket ", "websocket ", "http POST", "http GET", "lifespan "]


# --- for real: streamlit run, st.App with the login, Chromium -----------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

LAUNCHER = """
import streamlit as st

from scoring.store import Store, connect
from scoring.web import login_web

web = login_web(lambda: Store(connect()), intro=lambda: ["Máy chủ kiểm thử"])
app = st.App("trang.py", routes=web.routes, middleware=web.middleware)
"""
PAGE = """
import streamlit as st

from scoring.store import Store, connect
from scoring.web import account_from_cookies


@st.cache_resource
def store() -> Store:
    return Store(connect())


user = account_from_cookies(store(), st.context.cookies)
st.markdown("Tài khoản: " + (user.ten_dang_nhap if user else "chưa đăng nhập"))
st.markdown("Năm: " + st.query_params.get("nam", "không có"))
"""


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_streamlit_st_app_keeps_the_login_across_reloads_and_tabs(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    database = f"sqlite:///{tmp_path / 'thidua.db'}"
    setup = Store(connect(database))
    _accounts(setup)
    setup.engine.dispose()
    (tmp_path / "khoi_dong.py").write_text(LAUNCHER, encoding="utf-8")
    (tmp_path / "trang.py").write_text(PAGE, encoding="utf-8")
    env = {"THIDUA_DB_URL": database, "PYTHONPATH": str(ROOT)}
    log, options = tmp_path / "streamlit.log", ["--server.fileWatcherType", "none"]
    with (
        streamlit_server("khoi_dong.py", log, cwd=tmp_path, env=env, options=options, start_timeout=25) as url,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"],
        )  # fmt: skip
        context = browser.new_context(locale="vi-VN")
        page = context.new_page()
        page.goto(f"{url}/?nam=2024", wait_until="domcontentloaded")  # a deep link, before logging in
        assert page.url == f"{url}/dang-nhap?next=/%3Fnam%3D2024"
        expect(page.get_by_text("Máy chủ kiểm thử")).to_be_visible()
        page.get_by_label("Tên đăng nhập").fill("quantri")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.get_by_text("Tài khoản: quantri")).to_be_visible(timeout=20_000)
        assert page.url == f"{url}/?nam=2024"
        assert SESSION_COOKIE not in page.evaluate("document.cookie")  # HttpOnly: no script reads it

        page.reload()
        expect(page.get_by_text("Tài khoản: quantri")).to_be_visible(timeout=20_000)
        tab = context.new_page()  # a new tab, straight to an address
        tab.goto(f"{url}/?nam=2023", wait_until="domcontentloaded")
        expect(tab.get_by_text("Tài khoản: quantri")).to_be_visible(timeout=20_000)
        expect(tab.get_by_text("Năm: 2023")).to_be_visible()

        tab.goto(f"{url}/dang-xuat", wait_until="domcontentloaded")
        expect(tab.get_by_text("Đã đăng xuất.")).to_be_visible()
        page.reload(wait_until="domcontentloaded")
        assert "/dang-nhap?next=/" in page.url
        browser.close()

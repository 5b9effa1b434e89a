"""Who is reading: the database the app runs on (demo or real), the account behind the session
cookie, the login form, and the guard every page calls — each refusal decided and logged in the
library (`Store.require_page`), the page only shows it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

import streamlit as st

from scoring.outputs.safe_text import escape_markdown
from scoring.store import Account, PermissionDenied, Store, connect
from scoring.store.demo import app_database_url, is_demo
from scoring.web import LOGOUT_PATH, SESSION_COOKIE, account_from_cookies, had_session, login_link, login_url
from scoring.web.site import base_path

#: minutes without any request after which a session ends (THIDUA_PHIEN_PHUT; the database ends it)
SESSION_MINUTES = float(os.environ.get("THIDUA_PHIEN_PHUT", "30").replace(",", ".") or 30)
APPROVED = "csdl:"
#: tests only: AppTest sends no cookies, so with THIDUA_TEST_PHIEN=1 in the environment of the process
#: running the script, a session token the test put in st.session_state[TEST_SESSION] stands for the
#: cookie (a token from `scoring.store.sessions.open_session`, checked against the database like any
#: cookie). No widget has this key and a browser cannot set the environment: a browser never uses it.
TEST_SESSION_SETTING, TEST_SESSION = "THIDUA_TEST_PHIEN", "_phien_thu"
#: the title of the page being drawn, as the navigation names it («Tự đánh giá»; set by ung_dung.py): the
#: audit log names a refused page the way its reader knows it, not by its address
PAGE_TITLE = "_trang_dang_mo"


def demo() -> bool:
    """Whether the app runs as the demo on the bundled sample (no THIDUA_DB_URL): visitors may view
    the scoring pages without a login."""
    return is_demo()


@st.cache_resource(show_spinner="Đang mở cơ sở dữ liệu…")
def _store(url: str) -> Store:
    return Store(connect(url))


def store() -> Store:
    """The app's database: THIDUA_DB_URL, else (the demo) thidua_mau.db, made from the sample on first use."""
    return _store(app_database_url())


def _cookies() -> Mapping[str, str]:
    """The browser's cookies (those of the request that opened the page), or the test's session."""
    if os.environ.get(TEST_SESSION_SETTING) == "1" and TEST_SESSION in st.session_state:
        return {SESSION_COOKIE: str(st.session_state[TEST_SESSION])}
    token = st.context.cookies.get(SESSION_COOKIE)
    return {SESSION_COOKIE: token} if isinstance(token, str) else {}  # (AppTest's context has no real cookies)


def _here() -> str:
    """The path of the page shown (for the login to come back to it)."""
    url = st.context.url or "/"
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def account() -> Account | None:
    """The account of the browser's login session (the `thidua_phien` cookie, `scoring.web`), as the
    database has it now; None without a live session. A session that ended (THIDUA_PHIEN_PHUT idle
    minutes, logout elsewhere, a locked account) forgets what was read with it; the drafts being
    edited stay, tagged with their owner: only the same account logging in again gets them."""
    cookies = _cookies()
    user = account_from_cookies(store(), cookies) if had_session(cookies) else None
    previous: Account | None = st.session_state.get("tai_khoan")
    if user is None:
        if previous is not None:
            logout(keep_drafts=True)
        st.session_state["het_phien"] = had_session(cookies)
        return None
    st.session_state["het_phien"] = False
    owner = st.session_state.get("nhap:chu", user.ten_dang_nhap)
    if (previous is None or previous.ten_dang_nhap != user.ten_dang_nhap) and owner != user.ten_dang_nhap:
        for key in [k for k in st.session_state if str(k).startswith("nhap:")]:  # another person's drafts
            del st.session_state[key]
    st.session_state["tai_khoan"] = user
    return user


def logout(keep_drafts: bool = False) -> None:
    """Forget the account and everything read with it (approved figures, drafts being edited). After
    a timeout the drafts stay, tagged with their owner: only the same account logging in gets them.
    (The session itself ends at /dang-xuat, the link of `account_box`.)"""
    user = st.session_state.get("tai_khoan")
    dropped = ("tai_khoan", "hoat_dong_luc") if keep_drafts else ("tai_khoan", "hoat_dong_luc", "nhap:")
    for key in [k for k in st.session_state if str(k).startswith(dropped)]:
        del st.session_state[key]
    if keep_drafts and user is not None:
        st.session_state["nhap:chu"] = user.ten_dang_nhap
    current = st.session_state.get("loaded")
    if current is not None and current.key.startswith(APPROVED):
        del st.session_state["loaded"]


def login_form() -> None:
    """Where to log in: a link to the login page (/dang-nhap), coming back to this page; after a
    session ended, a note saying so first."""
    expired = bool(st.session_state.get("het_phien"))
    if not demo() and not store().has_accounts():
        st.info(
            "Cơ sở dữ liệu chưa có tài khoản nào. Tạo tài khoản quản trị đầu tiên (Ban Tuyên giáo) trên máy chủ, "
            "cùng THIDUA_DB_URL với ứng dụng: `thidua tai-khoan tao <tên> --vai-tro quan_tri` (mật khẩu lấy từ "
            "THIDUA_MAT_KHAU hoặc nhập khi được hỏi); sau đó quản trị tạo tài khoản cho cấp ủy và chi bộ ở trang "
            "Quản trị."
        )
    if expired:
        st.warning(
            f"Phiên đăng nhập đã hết hạn (sau {SESSION_MINUTES:g} phút không thao tác, hoặc đã đăng xuất ở nơi khác): "
            "hãy đăng nhập lại."
        )
    st.markdown(login_link(login_url(_here(), expired=expired, base_path=_base()), "Đăng nhập"), unsafe_allow_html=True)


def _base() -> str:
    from streamlit import config

    return base_path(str(config.get_option("server.baseUrlPath") or ""))


def require_login() -> None:
    """Outside the demo no page shows anything without a live session (the server's middleware sends
    page loads to the login first; this is the check of every run, since the websocket outlives the
    page load)."""
    if demo() or account() is not None:
        return
    note_refusal(None, _page_name(), _no_login_reason())
    st.title("Đăng nhập")
    st.info("Ứng dụng chỉ dùng được sau khi đăng nhập.")
    login_form()
    st.stop()


def require_account(*roles: str, page: str | None = None) -> Account:
    """The logged-in account, if the library lets it open the page (`Store.require_page`: with `roles`, only
    those roles); else the page says why in Vietnamese — with a link to the login when there is no session —
    and stops, the refusal in the audit log under `page` (default: the page's address)."""
    user = account()
    name = page or _page_name()
    if user is None:
        note_refusal(None, name, _no_login_reason())
        st.info("Trang này cần đăng nhập.")
        login_form()
        st.stop()
    assert user is not None
    try:
        return store().require_page(user, name, roles)  # the role as stored now; a refusal is logged there
    except PermissionDenied as refusal:
        st.warning(escape_markdown(refusal))
        st.stop()


def note_refusal(user: Account | None, page: str, why: str) -> None:
    """Log in the audit log (`Store.record_denied_page`) that `page`, or the part of it named, was refused to
    `user` (None: a visitor without a live session), once per browser session and page: the reruns of a
    page the visitor stays on are not new attempts, and a visitor without a login cannot fill the log by
    rerunning."""
    who = user.ten_dang_nhap if user is not None else ""
    logged: set[tuple[str, str]] = st.session_state.setdefault("_tu_choi_da_ghi", set())
    if (who, page) not in logged:
        store().record_denied_page(user, page, why)
        logged.add((who, page))


def _no_login_reason() -> str:
    return "phiên đăng nhập đã hết hạn" if st.session_state.get("het_phien") else "chưa đăng nhập"


def _page_name() -> str:
    """The page shown, for the audit log of a refusal: its title in the navigation («Quản trị»), else (a
    script run on its own) its address."""
    title = st.session_state.get(PAGE_TITLE)
    return str(title) if title else urlsplit(st.context.url or "").path.rsplit("/", 1)[-1] or "trang chủ"


def demo_banner() -> None:
    """On every page of the demo: the data are the bundled sample, not a real database."""
    if demo():
        st.info(
            "**Dữ liệu mẫu** — bản chạy thử trên số liệu giả định của một Đảng bộ Khối (tệp thidua_mau.db), không "
            "phải cơ sở dữ liệu thật. Tài khoản mẫu ở trang Đăng nhập.",
            icon=":material/science:",
        )


def account_box() -> None:
    """The sidebar's account line: who is logged in and a link to log out (/dang-xuat), or a link to
    log in (with a note when the session has expired)."""
    user = account()
    with st.sidebar:
        st.divider()
        if user is None:
            if st.session_state.get("het_phien"):
                st.caption("Phiên đăng nhập đã hết hạn.")
            st.markdown(
                login_link(login_url(_here(), expired=bool(st.session_state.get("het_phien")), base_path=_base())),
                unsafe_allow_html=True,
            )
            return
        st.caption(f"Đăng nhập: {escape_markdown(user.label)}")
        st.markdown(login_link(logout_href(), "Đăng xuất"), unsafe_allow_html=True)


def logout_href() -> str:
    """The logout address (/dang-xuat): it ends the session in the database and clears the cookie."""
    return f"{_base()}{LOGOUT_PATH}"

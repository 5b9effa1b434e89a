"""The two cookies of the login, and what a page's script reads from them.

- `thidua_phien`: the session token (`scoring.store.sessions`). HttpOnly (no script on the page can
  read it), SameSite=Lax (sent when following a link to the app, not with another site's form or
  fetch), Path=/ (every page and the app's websocket), no Max-Age (the browser forgets it when it
  closes; the server ends it sooner after THIDUA_PHIEN_PHUT idle minutes).
- `thidua_csrf`: the login form's double-submit token: the same random value in this cookie and in a
  hidden field, compared on POST. HttpOnly, SameSite=Strict, Path=/dang-nhap only.

Both get `Secure` when the request came over https — directly, or through a reverse proxy that says
so in `X-Forwarded-Proto: https` (a client forging that header only makes its own browser drop the
cookie) — or always with `secure=True`.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from starlette.requests import HTTPConnection

from scoring.store.accounts import Account
from scoring.store.service import Store
from scoring.store.sessions import session_account

SESSION_COOKIE = "thidua_phien"
CSRF_COOKIE = "thidua_csrf"
LOGIN_PATH = "/dang-nhap"
LOGOUT_PATH = "/dang-xuat"
#: the login page's notices, chosen by a fixed code in its address (never text from the address)
NOTICES = {"da_dang_xuat": "Đã đăng xuất.", "het_phien": "Phiên đăng nhập đã hết hạn: hãy đăng nhập lại."}
_NEXT_CHARS = 2000


def is_https(connection: HTTPConnection) -> bool:
    """Whether the browser reached us over https (itself, or as the reverse proxy in front says)."""
    forwarded = connection.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return connection.url.scheme in ("https", "wss") or forwarded == "https"


def cookie_header(
    name: str, value: str, *, secure: bool, same_site: str = "Lax", path: str = "/", clear: bool = False
) -> str:
    """A Set-Cookie value, always HttpOnly; `clear` makes the browser forget the cookie."""
    parts = [f"{name}={'' if clear else value}", "HttpOnly", f"Path={path}", f"SameSite={same_site}"]
    if clear:
        parts += ["Max-Age=0", "Expires=Thu, 01 Jan 1970 00:00:00 GMT"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def safe_next(value: str | None, base_path: str = "") -> str:
    """Where to go after logging in: a path of this site only («/xep_hang?nam=2024»); anything else —
    another site («//evil.com», «https://…», «/\\evil.com»), control characters, the login or logout
    address itself — gives the home page."""
    home = f"{base_path}/"
    if not value or len(value) > _NEXT_CHARS or not value.startswith("/") or value.startswith(("//", "/\\")):
        return home
    if any(ord(c) < 0x20 or ord(c) == 0x7F or c == "\\" for c in value):
        return home
    path = value.split("?", 1)[0].split("#", 1)[0]
    if path in (f"{base_path}{LOGIN_PATH}", f"{base_path}{LOGOUT_PATH}"):
        return home
    return value


def login_url(next_path: str = "/", *, expired: bool = False, base_path: str = "") -> str:
    """The login page's address, coming back to `next_path` (a local path) afterwards."""
    query = {"next": safe_next(next_path, base_path)}
    if expired:
        query["thong_bao"] = "het_phien"
    return f"{base_path}{LOGIN_PATH}?{urlencode(query, safe='/')}"


def account_from_cookies(store: Store, cookies: Mapping[str, str]) -> Account | None:
    """The account of the session whose token is in `thidua_phien` (in a Streamlit script:
    `st.context.cookies`), as the database has it now; None without a live session."""
    return session_account(store, cookies.get(SESSION_COOKIE))


def had_session(cookies: Mapping[str, str]) -> bool:
    """Whether the browser holds a session cookie at all (with no live session: it expired)."""
    return bool(cookies.get(SESSION_COOKIE))

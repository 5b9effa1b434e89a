"""The middleware that sends a visitor without a live session to the login page before any page of the
app loads: `GET /xep_hang?nam=2024` becomes `303 /dang-nhap?next=/xep_hang%3Fnam%3D2024`, and the login
sends the browser back to `/xep_hang?nam=2024`. A dead session's cookie is cleared on the way.

Only a page load is stopped — an HTTP GET or HEAD of a path that is not Streamlit's own: the websocket
(`/_stcore/stream`), health and upload endpoints (`/_stcore/…`), the frontend's files (`/static/…`,
`/favicon.png`, `/manifest.json`), components (`/component/…`), media (`/media/…`, addresses made from
the file's hash, handed out only over the websocket), the app's static folder (`/app/static/…`), Streamlit's
own OIDC routes, and the login and logout pages pass untouched. This is the first gate only: the page's
script checks the session itself on every run (`account_from_cookies`), since the websocket outlives
the page load."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from scoring.web.cookies import LOGIN_PATH, LOGOUT_PATH, SESSION_COOKIE, cookie_header, login_url
from scoring.web.site import Site

#: Streamlit 1.67's reserved prefixes (starlette_routes.py, starlette_app.py) and its app static folder
STREAMLIT_PREFIXES = ("/_stcore/", "/static/", "/component/", "/media/", "/app/static/", "/auth/")
#: single files of the frontend, Streamlit's OIDC callback, and the login and logout pages
STREAMLIT_FILES = frozenset(
    {"/favicon.png", "/favicon.ico", "/manifest.json", "/robots.txt", "/oauth2callback", LOGIN_PATH, LOGOUT_PATH}
)


def streamlit_public(path: str) -> bool:
    """Whether `path` (below the base path) is Streamlit's own or the login's, never a page."""
    return path in STREAMLIT_FILES or path.startswith(STREAMLIT_PREFIXES)


class LoginRequired:
    """ASGI middleware (not BaseHTTPMiddleware: websockets and streamed answers pass as they are)."""

    def __init__(self, app: ASGIApp, site: Site, is_public: Callable[[str], bool] = streamlit_public) -> None:
        self.app, self.site, self.is_public = app, site, is_public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.site.anonymous or scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        path, base = scope["path"], self.site.base_path
        if base and not (path == base or path.startswith(f"{base}/")):
            await self.app(scope, receive, send)  # not below the app: Streamlit answers it (404)
            return
        if self.is_public(path[len(base) :] or "/"):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        token = connection.cookies.get(SESSION_COOKIE)
        response: Response
        try:
            account = await run_in_threadpool(self.site.account, token) if token else None
        except Exception:
            response = self.site.failure("kiểm tra phiên đăng nhập")
            await response(scope, receive, send)
            return
        if account is not None:
            await self.app(scope, receive, send)
            return
        query = scope["query_string"].decode("latin-1")
        target = (scope.get("raw_path") or quote(path).encode()).decode("latin-1") + (f"?{query}" if query else "")
        response = RedirectResponse(login_url(target, expired=bool(token), base_path=base), status_code=303)
        response.headers["Cache-Control"] = "no-store"
        if token:  # a dead session's cookie: forgotten, so the next visit is a plain login
            secure = self.site.cookie_secure(connection)
            response.headers.append("set-cookie", cookie_header(SESSION_COOKIE, "", secure=secure, clear=True))
        await response(scope, receive, send)


def require_login(site: Site, is_public: Callable[[str], bool] = streamlit_public) -> Middleware:
    """The middleware for `st.App(middleware=[…])`; with `site.anonymous` (the demo) it lets everyone by."""
    return Middleware(LoginRequired, site=site, is_public=is_public)

"""`GET|POST /dang-nhap` and `GET|POST /dang-xuat`: the login form as a plain web page, so that the
session cookie is set by an HTTP response (HttpOnly: no script on the page ever holds the token).

The POST is checked before any password: the form must be url-encoded and small (16 KiB), its hidden
`csrf` field must equal the `thidua_csrf` cookie (double submit; a page of another site can neither
read the cookie nor set the field), and a browser's `Origin` header, when sent, must be this site.
The double submit needs no server secret, so a form shown by one app process is accepted by another."""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qs, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from scoring.store.errors import StoreError
from scoring.web.cookies import (
    CSRF_COOKIE,
    LOGIN_PATH,
    LOGOUT_PATH,
    NOTICES,
    SESSION_COOKIE,
    cookie_header,
    safe_next,
)
from scoring.web.form import HEADERS, Intro, login_page, message_page
from scoring.web.site import Site

MAX_FORM_BYTES = 16 * 1024
MAX_PASSWORD_CHARS = 1024
_CSRF = re.compile(r"^[A-Za-z0-9_-]{43}$")
CSRF_REFUSED = "Biểu mẫu đăng nhập đã hết hạn hoặc không được gửi từ trang này: hãy đăng nhập lại."
EMPTY = "Nhập tên đăng nhập và mật khẩu."
WRONG = "Sai tên đăng nhập hoặc mật khẩu."


async def _read_form(request: Request) -> dict[str, str] | None:
    """The fields of a url-encoded form of at most MAX_FORM_BYTES (first value of each), else None."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return None
    return {name: values[0] for name, values in fields.items()}


def _same_origin(request: Request) -> bool:
    """A browser's Origin header, when there is one, names this site (as the browser or the proxy saw it)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True  # an old browser; the double submit still holds
    hosts = {request.headers.get("host", "").lower()}
    hosts |= {h.strip().lower() for h in request.headers.get("x-forwarded-host", "").split(",")[:1] if h.strip()}
    return origin != "null" and urlsplit(origin).netloc.lower() in hosts


class LoginRoutes:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.login = f"{site.base_path}{LOGIN_PATH}"
        self.logout = f"{site.base_path}{LOGOUT_PATH}"

    def routes(self) -> list[BaseRoute]:
        return [
            Route(self.login, self.show, methods=["GET"]),
            Route(self.login, self.submit, methods=["POST"]),
            Route(self.logout, self.end, methods=["GET", "POST"]),
        ]

    async def _intro(self) -> Intro:
        return await run_in_threadpool(self.site.intro) if self.site.intro else ()

    def _form(
        self,
        request: Request,
        next_path: str,
        intro: Intro,
        *,
        status: int = 200,
        error: str | None = None,
        notice: str | None = None,
        username: str = "",
        fresh_csrf: bool = False,
    ) -> Response:
        """The form, with the CSRF cookie (kept if the browser has a good one, else a new one)."""
        csrf = request.cookies.get(CSRF_COOKIE, "")
        if fresh_csrf or not _CSRF.match(csrf):
            csrf = secrets.token_urlsafe(32)
        page = login_page(
            title=self.site.title, action=self.login, next_path=next_path, csrf=csrf, username=username,
            error=error, notice=notice, intro=intro,
        )  # fmt: skip
        response = HTMLResponse(page, status_code=status, headers=HEADERS)
        cookie = cookie_header(
            CSRF_COOKIE, csrf, secure=self.site.cookie_secure(request), same_site="Strict", path=self.login
        )
        response.headers.append("set-cookie", cookie)
        return response

    async def show(self, request: Request) -> Response:
        next_path = safe_next(request.query_params.get("next"), self.site.base_path)
        try:
            token = request.cookies.get(SESSION_COOKIE)
            if token and await run_in_threadpool(self.site.account, token) is not None:
                return RedirectResponse(next_path, status_code=303, headers={"Cache-Control": "no-store"})
            intro = await self._intro()
        except Exception:
            return self.site.failure("mở trang đăng nhập")
        notice = NOTICES.get(request.query_params.get("thong_bao", ""))
        return self._form(request, next_path, intro, notice=notice)

    async def submit(self, request: Request) -> Response:
        try:
            form = await _read_form(request)
            intro = await self._intro()
        except Exception:
            return self.site.failure("đăng nhập")
        if form is None:
            return self._form(
                request, f"{self.site.base_path}/", intro, status=400, error=CSRF_REFUSED, fresh_csrf=True
            )
        next_path = safe_next(form.get("next"), self.site.base_path)
        username, password = form.get("ten_dang_nhap", "").strip(), form.get("mat_khau", "")
        shown = username[:64]
        cookie, field = request.cookies.get(CSRF_COOKIE, ""), form.get("csrf", "")
        paired = bool(_CSRF.match(cookie) and _CSRF.match(field)) and secrets.compare_digest(cookie, field)
        if not (paired and _same_origin(request)):  # (compare_digest takes ASCII only: matched first)
            return self._form(
                request, next_path, intro, status=403, error=CSRF_REFUSED, username=shown, fresh_csrf=True
            )
        if not username or not password:
            return self._form(request, next_path, intro, error=EMPTY, username=shown)
        if len(username) > 64 or len(password) > MAX_PASSWORD_CHARS:  # no account has such a name or password
            return self._form(request, next_path, intro, error=WRONG, username=shown)
        agent = request.headers.get("user-agent", "")
        try:
            previous = request.cookies.get(SESSION_COOKIE)
            token = await run_in_threadpool(self.site.open, username, password, agent, previous)
        except StoreError as error:
            return self._form(request, next_path, intro, error=str(error), username=shown)
        except Exception:
            return self.site.failure("đăng nhập")
        response = RedirectResponse(next_path, status_code=303, headers={"Cache-Control": "no-store"})
        secure = self.site.cookie_secure(request)
        response.headers.append("set-cookie", cookie_header(SESSION_COOKIE, token, secure=secure))
        response.headers.append(
            "set-cookie", cookie_header(CSRF_COOKIE, "", secure=secure, same_site="Strict", path=self.login, clear=True)
        )
        return response

    async def end(self, request: Request) -> Response:
        """Log out: the session ends in the database, the browser forgets the cookie. A GET coming from
        another site (a link or an image there) only asks: a click on this page's button logs out."""
        if request.method == "GET" and request.headers.get("sec-fetch-site") == "cross-site":
            page = message_page(
                title=self.site.title, heading="Đăng xuất", text="Bạn muốn đăng xuất khỏi ứng dụng?",
                form_action=self.logout, button="Đăng xuất",
            )  # fmt: skip
            return HTMLResponse(page, headers=HEADERS)
        response: Response
        try:
            await run_in_threadpool(self.site.close, request.cookies.get(SESSION_COOKIE))
        except Exception:  # the browser forgets the cookie all the same; the session times out
            response = self.site.failure("đăng xuất")
        else:
            response = RedirectResponse(f"{self.login}?thong_bao=da_dang_xuat", status_code=303)
            response.headers["Cache-Control"] = "no-store"
        secure = self.site.cookie_secure(request)
        response.headers.append("set-cookie", cookie_header(SESSION_COOKIE, "", secure=secure, clear=True))
        return response

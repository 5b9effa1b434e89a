"""What the login routes and the guard share: where the database is, the title, the text above the form,
the base path, whether cookies are Secure, whether anonymous visitors may see the pages (the demo); and
the page shown when the database cannot be reached (an error code, never a traceback)."""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse

from scoring.store.accounts import Account
from scoring.store.service import Store
from scoring.store.sessions import close_session, open_session, session_account
from scoring.web.cookies import is_https
from scoring.web.form import HEADERS, Intro, message_page

LOG = logging.getLogger("thidua.web")
TITLE = "Thi đua «Hai chân – Ba mũi»"


def once(factory: Callable[[], Store]) -> Callable[[], Store]:
    """`factory` called on first use only, then its Store kept (one engine, one pool per process); a
    factory that fails is tried again on the next request."""
    made: list[Store] = []
    lock = threading.Lock()

    def store() -> Store:
        if not made:
            with lock:
                if not made:
                    made.append(factory())
        return made[0]

    return store


def base_path(value: str | None) -> str:
    """Streamlit's server.baseUrlPath as a path prefix: «» or «/thidua»."""
    cleaned = (value or "").strip().strip("/")
    return f"/{cleaned}" if cleaned else ""


@dataclass(frozen=True)
class Site:
    store: Callable[[], Store]
    title: str = TITLE
    #: text above the login form (the demo lists its accounts there); escaped when shown
    intro: Callable[[], Intro] | None = None
    base_path: str = ""
    #: Secure cookies: always (True), never (False), or when the request came over https (None)
    secure: bool | None = None
    #: pages open without a login (the demo on the bundled sample); the workflow pages still ask
    anonymous: bool = False

    # the database calls, run in a worker thread (`run_in_threadpool`): the first one opens the database

    def account(self, token: str | None) -> Account | None:
        return session_account(self.store(), token)

    def open(self, username: str, password: str, user_agent: str, previous: str | None) -> str:
        """A new session (a new token: never one the browser brought); the one it replaces is ended."""
        token = open_session(self.store(), username, password, user_agent)
        close_session(self.store(), previous)
        return token

    def close(self, token: str | None) -> bool:
        return close_session(self.store(), token)

    def cookie_secure(self, connection: HTTPConnection) -> bool:
        return is_https(connection) if self.secure is None else self.secure

    def failure(self, what: str) -> HTMLResponse:
        """The answer when something failed on the server (the database is down): a notice with an
        error code; the traceback goes to the server's log under the same code. Call inside `except`."""
        code = secrets.token_hex(4)
        LOG.exception("%s lỗi — mã lỗi %s", what, code)
        text = (
            f"Máy chủ chưa xử lý được yêu cầu ({what}). Mã lỗi: {code}. Hãy thử lại sau ít phút, hoặc báo mã lỗi "
            "này cho quản trị."
        )
        page = message_page(title=self.title, heading="Chưa thực hiện được", text=text)
        return HTMLResponse(page, status_code=503, headers=HEADERS)

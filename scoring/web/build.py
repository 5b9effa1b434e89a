"""The login put together for `st.App`: its routes and its middleware (`login_web`), or the whole
`st.App` (`build_app`).

`streamlit run app.py` serves an `st.App` only when it finds one by reading the file, not by running
it: the file must say `app = st.App(...)` itself (a call of another function is not recognised). So
app.py writes

    web = login_web(store_factory, demo=...)
    app = st.App("app.py", routes=web.routes, middleware=web.middleware)

and `build_app` is for launchers that start the server themselves (`build_app(...).run()`, uvicorn)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from scoring.store.service import Store
from scoring.web.form import Intro
from scoring.web.guard import require_login
from scoring.web.routes import LoginRoutes
from scoring.web.site import TITLE, Site, base_path, once

if TYPE_CHECKING:
    import streamlit as st


@dataclass(frozen=True)
class LoginWeb:
    routes: list[BaseRoute]
    middleware: list[Middleware]
    site: Site


def _streamlit_base_path() -> str:
    """server.baseUrlPath of the running Streamlit (its config is loaded before app.py is imported)."""
    from streamlit import config

    return base_path(str(config.get_option("server.baseUrlPath") or ""))


def login_web(
    store_factory: Callable[[], Store],
    *,
    demo: bool = False,
    intro: Callable[[], Intro] | None = None,
    title: str = TITLE,
    base: str | None = None,
    secure: bool | None = None,
) -> LoginWeb:
    """The login's routes and middleware. `store_factory` is called once, on the first request that
    needs the database (e.g. `lambda: Store(connect())`); `demo` lets visitors without a login see the
    pages; `intro` gives the text above the form; `base` defaults to Streamlit's server.baseUrlPath;
    `secure`: Secure cookies always, never, or (None) when the request came over https."""
    site = Site(
        store=once(store_factory), title=title, intro=intro,
        base_path=_streamlit_base_path() if base is None else base_path(base), secure=secure, anonymous=demo,
    )  # fmt: skip
    return LoginWeb(routes=LoginRoutes(site).routes(), middleware=[require_login(site)], site=site)


def build_app(
    script_path: str | Path,
    store_factory: Callable[[], Store],
    demo: bool = False,
    *,
    intro: Callable[[], Intro] | None = None,
    **app_options: Any,
) -> st.App:
    """An `st.App` of `script_path` with the login in front (`app_options` go to st.App)."""
    import streamlit as st

    web = login_web(store_factory, demo=demo, intro=intro)
    return st.App(script_path, routes=web.routes, middleware=web.middleware, **app_options)

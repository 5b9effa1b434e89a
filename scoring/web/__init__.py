"""Login that behaves like a website, in front of the Streamlit app (`st.App`): a plain HTML login page
(`/dang-nhap`), a logout address (`/dang-xuat`), a server-side session in the database whose token lives
in an HttpOnly cookie (`thidua_phien`), and a middleware sending page loads without a session to the login
page. A reload, a new tab, a deep link keep the login; two app processes on one database share it.

In app.py (`streamlit run app.py` finds the st.App only when the file itself says `app = st.App(...)`):

    web = login_web(lambda: Store(connect()), demo=DEMO)
    app = st.App("app.py", routes=web.routes, middleware=web.middleware)

and in a page's script: `account_from_cookies(store, st.context.cookies)`."""

from scoring.web.build import LoginWeb, build_app, login_web
from scoring.web.cookies import (
    CSRF_COOKIE,
    LOGIN_PATH,
    LOGOUT_PATH,
    SESSION_COOKIE,
    account_from_cookies,
    had_session,
    login_url,
    safe_next,
)
from scoring.web.form import Intro, login_link
from scoring.web.guard import LoginRequired, require_login, streamlit_public
from scoring.web.routes import LoginRoutes
from scoring.web.site import Site

__all__ = [
    "CSRF_COOKIE",
    "LOGIN_PATH",
    "LOGOUT_PATH",
    "SESSION_COOKIE",
    "Intro",
    "LoginRequired",
    "LoginRoutes",
    "LoginWeb",
    "Site",
    "account_from_cookies",
    "build_app",
    "had_session",
    "login_link",
    "login_url",
    "login_web",
    "require_login",
    "safe_next",
    "streamlit_public",
]

"""The web server: `streamlit run app.py`. An `st.App` (Streamlit's ASGI app) that runs the script
`ung_dung.py` (the navigation over the pages of giao_dien/); the login's routes (/dang-nhap, /dang-xuat)
and the middleware that sends page loads without a session to the login come from `scoring.web`.
The folder of pages is not named `pages/`, so Streamlit never lists raw files, and a deep link works as
the first request.

Two modes (`scoring.store.demo`): with THIDUA_DB_URL the real database, nothing shown before a login;
without it the demo, on its own SQLite file filled from the bundled sample, open to visitors (the
login page lists the demo accounts).

`streamlit run` finds the app only by reading this file: the line `app = st.App(...)` must stay literal."""

from __future__ import annotations

import streamlit as st

from scoring.store import Store, connect
from scoring.store.demo import app_database_url, demo_intro, is_demo, real_intro
from scoring.web import login_web

DEMO = is_demo()
web = login_web(lambda: Store(connect(app_database_url())), demo=DEMO, intro=demo_intro if DEMO else real_intro)
app = st.App("ung_dung.py", routes=web.routes, middleware=web.middleware)

"""The web server: `streamlit run app.py`. An `st.App` (Streamlit's ASGI app) that runs the script
`ung_dung.py` (the navigation over the pages of giao_dien/); routes and middleware of the server side
come from `scoring.web`. The folder of pages is not named `pages/`, so Streamlit never lists raw files,
and a deep link works as the first request."""

from __future__ import annotations

import streamlit as st

app = st.App("ung_dung.py")

"""The Streamlit script: the navigation over the pages of giao_dien/ (served by app.py, `streamlit run app.py`).

This file sets up the navigation. The scoring pages draw the shared
sidebar (plan, year, đảng bộ cấp trên cơ sở) through `giao_dien.common.sidebar`; the workflow pages
(Tự đánh giá, Duyệt, Quản trị, Tài khoản) need an account and store their data in the database
(`THIDUA_DB_URL`; without it the demo's `thidua_mau.db`, filled from the sample). Outside the demo no
page shows anything without a live login session (the cookie of /dang-nhap, checked on every run).
A page that fails shows a Vietnamese
notice with an error code, never a traceback (`giao_dien.errors`)."""

from __future__ import annotations

import streamlit as st

from giao_dien.access import PAGE_TITLE, demo_banner, require_login
from giao_dien.errors import run_page

st.set_page_config(page_title="Thi đua Hai chân – Ba mũi", layout="wide")

page = st.navigation(
    {
        "Chấm điểm": [
            st.Page("giao_dien/tong_quan.py", title="Tổng quan", icon=":material/dashboard:", default=True),
            st.Page("giao_dien/xep_hang.py", title="Xếp hạng", icon=":material/leaderboard:", url_path="xep_hang"),
            st.Page("giao_dien/don_vi.py", title="Đơn vị", icon=":material/badge:", url_path="don_vi"),
            st.Page("giao_dien/du_lieu.py", title="Dữ liệu", icon=":material/upload_file:", url_path="du_lieu"),
            st.Page("giao_dien/tieu_chi.py", title="Tiêu chí", icon=":material/rule:", url_path="tieu_chi"),
            st.Page(
                "giao_dien/khen_thuong.py", title="Khen thưởng", icon=":material/military_tech:", url_path="khen_thuong"
            ),
        ],
        "Tự đánh giá và duyệt": [
            st.Page(
                "giao_dien/tu_danh_gia.py", title="Tự đánh giá", icon=":material/edit_note:", url_path="tu_danh_gia"
            ),
            st.Page("giao_dien/duyet.py", title="Duyệt", icon=":material/fact_check:", url_path="duyet"),
            st.Page(
                "giao_dien/quan_tri.py", title="Quản trị", icon=":material/admin_panel_settings:", url_path="quan_tri"
            ),
            st.Page("giao_dien/dang_nhap.py", title="Tài khoản", icon=":material/login:", url_path="dang_nhap"),
        ],
    }
)


class _Guarded:
    """The page, behind the session check of every run (outside the demo: nothing without a login) and,
    in the demo, under the «Dữ liệu mẫu» banner."""

    title = page.title

    @staticmethod
    def run() -> None:
        st.session_state[PAGE_TITLE] = page.title  # a refusal is logged by the page's title
        require_login()
        demo_banner()
        page.run()


run_page(_Guarded())  # an error in a page: a notice with an error code here, the traceback in the server log

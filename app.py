"""Streamlit app: `streamlit run app.py` opens on the bundled sample data (data/mau).

The pages live in pages/; this file sets up the navigation. The scoring pages draw the shared
sidebar (plan, year, đảng bộ cấp trên cơ sở) through `pages.common.sidebar`; the workflow pages
(Tự đánh giá, Duyệt, Quản trị, Tài khoản) need an account and store their data in the database
(`THIDUA_DB_URL`, else `thidua.db` in the working folder). A page that fails shows a Vietnamese
notice with an error code, never a traceback (`pages.errors`)."""

from __future__ import annotations

import streamlit as st

from pages.errors import run_page

st.set_page_config(page_title="Thi đua Hai chân – Ba mũi", layout="wide")

page = st.navigation(
    {
        "Chấm điểm": [
            st.Page("pages/tong_quan.py", title="Tổng quan", icon=":material/dashboard:", default=True),
            st.Page("pages/xep_hang.py", title="Xếp hạng", icon=":material/leaderboard:", url_path="xep_hang"),
            st.Page("pages/don_vi.py", title="Đơn vị", icon=":material/badge:", url_path="don_vi"),
            st.Page("pages/du_lieu.py", title="Dữ liệu", icon=":material/upload_file:", url_path="du_lieu"),
            st.Page("pages/tieu_chi.py", title="Tiêu chí", icon=":material/rule:", url_path="tieu_chi"),
            st.Page(
                "pages/khen_thuong.py", title="Khen thưởng", icon=":material/military_tech:", url_path="khen_thuong"
            ),
        ],
        "Tự đánh giá và duyệt": [
            st.Page("pages/tu_danh_gia.py", title="Tự đánh giá", icon=":material/edit_note:", url_path="tu_danh_gia"),
            st.Page("pages/duyet.py", title="Duyệt", icon=":material/fact_check:", url_path="duyet"),
            st.Page("pages/quan_tri.py", title="Quản trị", icon=":material/admin_panel_settings:", url_path="quan_tri"),
            st.Page("pages/dang_nhap.py", title="Tài khoản", icon=":material/login:", url_path="dang_nhap"),
        ],
    }
)
run_page(page)  # an error in a page: a notice with an error code here, the traceback in the server log

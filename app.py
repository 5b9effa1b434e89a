"""Streamlit app: `streamlit run app.py` opens on the bundled sample data (data/mau).

The pages live in pages/; this file sets up the navigation. Each page draws the shared sidebar
(year, đảng bộ cấp trên cơ sở) through `pages.common.sidebar`."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Thi đua Hai chân – Ba mũi", layout="wide")

page = st.navigation(
    [
        st.Page("pages/tong_quan.py", title="Tổng quan", icon=":material/dashboard:", default=True),
        st.Page("pages/xep_hang.py", title="Xếp hạng", icon=":material/leaderboard:", url_path="xep_hang"),
        st.Page("pages/don_vi.py", title="Đơn vị", icon=":material/badge:", url_path="don_vi"),
        st.Page("pages/du_lieu.py", title="Dữ liệu", icon=":material/upload_file:", url_path="du_lieu"),
        st.Page("pages/tieu_chi.py", title="Tiêu chí", icon=":material/rule:", url_path="tieu_chi"),
        st.Page("pages/khen_thuong.py", title="Khen thưởng", icon=":material/military_tech:", url_path="khen_thuong"),
    ]
)
page.run()

"""Tổng quan: the cấp trên cơ sở's targets as a board, rating distributions and the violation path."""

from __future__ import annotations

import altair as alt
import streamlit as st

from pages.common import caption, criterion_table, loaded, result, sidebar
from scoring.outputs.views import RATING_COLOURS, RATING_ORDER, board, ratings_over_years, violation_path

state = loaded()
year, cap_tren = sidebar()
st.title("Tổng quan")
caption()
now = result(year)
previous = result(year - 1) if year - 1 in state.dataset.years else None
if cap_tren is None:
    st.warning("Dữ liệu không có đảng bộ cấp trên cơ sở nào.")
    st.stop()

st.subheader(f"Chỉ tiêu «Hai chân – Ba mũi» năm {year}")
table = board(now, previous, cap_tren)
met = int((table["Kết quả"] == "Đạt").sum())
st.metric("Số chỉ tiêu đạt", f"{met}/{len(table)}")
criterion_table(table)

st.subheader("Xếp loại qua các năm")
ratings = ratings_over_years(state.dataset, cap_tren)
chart = (
    alt.Chart(ratings)
    .mark_bar()
    .encode(
        x=alt.X("Năm:O"),
        y=alt.Y("Tỷ lệ:Q", axis=alt.Axis(format="%"), stack="normalize"),
        color=alt.Color("Xếp loại:N", scale=alt.Scale(domain=RATING_ORDER, range=RATING_COLOURS), sort=RATING_ORDER),
        column=alt.Column("Đối tượng:N", title=None),
        tooltip=["Đối tượng", "Năm", "Xếp loại", "Số lượng", alt.Tooltip("Tỷ lệ:Q", format=".1%")],
    )
    .properties(width=220)
)
st.altair_chart(chart)

st.subheader("Tỷ lệ đảng viên vi phạm so với lộ trình kéo giảm 2%/năm")
path = violation_path(state.dataset, cap_tren)
long = path.melt("Năm", var_name="Đường", value_name="Tỷ lệ")
line = (
    alt.Chart(long)
    .mark_line(point=True)
    .encode(
        x=alt.X("Năm:O"),
        y=alt.Y("Tỷ lệ:Q", axis=alt.Axis(format=".2%")),
        color=alt.Color("Đường:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=400)),
        strokeDash=alt.StrokeDash("Đường:N", legend=None),
        tooltip=["Năm", "Đường", alt.Tooltip("Tỷ lệ:Q", format=".3%")],
    )
)
st.altair_chart(line, width="stretch")

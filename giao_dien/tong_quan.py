"""Tổng quan: the cấp trên cơ sở's targets as a board, rating distributions and the violation path."""

from __future__ import annotations

import altair as alt
import streamlit as st

from giao_dien.common import caption, criterion_table, loaded, result, sidebar, years
from scoring.outputs.display import COUNT_FORMAT, SHARE_FORMAT, VEGA_LOCALE, plan_name
from scoring.outputs.safe_text import escape_markdown
from scoring.outputs.views import (
    RATING_COLOURS,
    RATING_LEGEND,
    board,
    criteria_met,
    violation_criterion,
)

state = loaded()
year, cap_tren = sidebar()
st.title("Tổng quan")
caption()
now = result(year)
previous = result(year - 1) if year - 1 in years(state) else None
if cap_tren is None:
    st.warning("Dữ liệu không có đảng bộ cấp trên cơ sở nào.")
    st.stop()

st.subheader(f"Chỉ tiêu năm {year}: {escape_markdown(plan_name(state.criteria))}")
table = board(now, previous, cap_tren)
met = criteria_met(table)
st.metric("Số chỉ tiêu đạt", f"{met}/{len(table)}")
criterion_table(table)

st.subheader("Xếp loại qua các năm")
assert state.scoped is not None
ratings = state.scoped.ratings_over_years(cap_tren)  # counts on every unit under it, no names
# a faceted chart cannot stretch to its column: each facet narrow enough that all of them fit the page on a
# 1.366-pixel laptop screen beside the sidebar (about 900 pixels), the axis included
facet_width = max(120, min(220, 780 // max(1, ratings["Đối tượng"].nunique()) - 30))
chart = (
    alt.Chart(ratings)
    .mark_bar()
    .encode(
        x=alt.X("Năm:O", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("Tỷ lệ:Q", axis=alt.Axis(format="%"), stack="normalize"),
        color=alt.Color(
            "Xếp loại:N",
            scale=alt.Scale(domain=RATING_LEGEND, range=RATING_COLOURS),
            sort=RATING_LEGEND,
            legend=alt.Legend(orient="bottom", columns=3, labelLimit=260),  # below: the facets keep the width
        ),
        column=alt.Column("Đối tượng:N", title=None),
        tooltip=[
            "Đối tượng",
            "Năm",
            "Xếp loại",
            alt.Tooltip("Số lượng:Q", format=COUNT_FORMAT),
            alt.Tooltip("Tỷ lệ:Q", format=".1~%"),
        ],
    )
    .properties(width=facet_width)
    .configure(locale=VEGA_LOCALE)
)
st.altair_chart(chart)

fall = violation_criterion(state.criteria)
if fall is None:
    st.subheader("Tỷ lệ đảng viên vi phạm")
    st.info(
        "Kế hoạch đang dùng không có chỉ tiêu kéo giảm tỷ lệ đảng viên vi phạm theo năm "
        "(chỉ tiêu «giảm …/năm» cho chỉ số share(dang_vien, vi_pham)), nên không vẽ lộ trình."
    )
else:
    st.subheader(f"Tỷ lệ đảng viên vi phạm so với lộ trình kéo {escape_markdown(fall.target.describe())}")
    path = state.scoped.violation_path(cap_tren)
    assert path is not None
    long = path.melt("Năm", var_name="Đường", value_name="Tỷ lệ")
    lines = list(path.columns[1:])  # the rate, then the plan's path (dashed, as a target is drawn)
    legend = alt.Legend(orient="bottom", labelLimit=400, symbolType="stroke", symbolStrokeWidth=2)
    line = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("Năm:O", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("Tỷ lệ:Q", axis=alt.Axis(format=SHARE_FORMAT)),
            color=alt.Color("Đường:N", title=None, scale=alt.Scale(domain=lines), legend=legend),
            strokeDash=alt.StrokeDash(
                "Đường:N", title=None, scale=alt.Scale(domain=lines, range=[[1, 0], [6, 4]]), legend=legend
            ),
            tooltip=["Năm", "Đường", alt.Tooltip("Tỷ lệ:Q", format=".3~%")],
        )
        .configure(locale=VEGA_LOCALE)
    )
    st.altair_chart(line, width="stretch")

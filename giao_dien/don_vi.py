"""Đơn vị: one unit's or member's scorecard (deep link: ?ma=<id>) — every criterion with value,
target, verdict, points and explanation; its history; its gap to each group's điển hình; what lies
under it, each with a link to its own scorecard."""

from __future__ import annotations

from urllib.parse import quote

import altair as alt
import pandas as pd
import streamlit as st

from giao_dien.common import caption, criterion_table, loaded, refused, result, results, sidebar
from scoring.outputs.safe_text import escape_markdown
from scoring.outputs.views import (
    below,
    criteria_met,
    entity_kind,
    gaps,
    history,
    name_of,
    pickable,
    scorecard,
    search,
)

state = loaded()
year, _ = sidebar()
now = result(year)
st.title("Phiếu điểm đơn vị, đảng viên")
caption()

choices = pickable(now, state.dataset)
wanted = st.query_params.get("ma", "")
why = refused(wanted) if wanted else None
if why:  # a unit or member outside the account's scope: said, and logged by the library
    st.warning(escape_markdown(why))
    st.stop()
typed = st.text_input("Tìm tổ chức hoặc đảng viên theo tên hoặc mã (không cần dấu)", key="tim_don_vi")
if typed.strip():
    names = pd.DataFrame({"ma": list(choices), "ten": list(choices.values())})
    kept = set(search(names, typed, ["ma", "ten"])["ma"])
    choices = {k: v for k, v in choices.items() if k in kept or k == wanted}
    st.caption(f"{len(kept)} kết quả; chọn trong danh sách dưới đây.")
ma = st.selectbox(
    "Tổ chức hoặc đảng viên",
    ["", *choices],
    index=1 + list(choices).index(wanted) if wanted in choices else 0,
    format_func=lambda k: choices.get(k, "—"),
)
if not ma:
    if wanted:
        st.warning(f"Năm {year} không có tổ chức hay đảng viên nào mã «{escape_markdown(wanted)}».")
    st.info("Chọn một tổ chức hoặc đảng viên, hoặc mở từ trang Xếp hạng (cột «Phiếu điểm»).")
    st.stop()
st.query_params["ma"] = ma
kind = entity_kind(now, ma)
if kind is None:
    st.warning(f"Năm {year} không có tổ chức hay đảng viên nào mã «{escape_markdown(ma)}».")
    st.stop()

card = scorecard(now, ma)
st.subheader(f"{escape_markdown(name_of(state.dataset, ma))} ({escape_markdown(ma)}) — năm {year}")
rank_rows = gaps(now, ma)
first = rank_rows.iloc[0]
a, b, c = st.columns(3)
a.metric("Tổng điểm", f"{first['Tổng điểm']:.2f}".replace(".", ","))
b.metric("Số tiêu chí đạt", f"{criteria_met(card)}/{len(card)}")
c.metric("Thứ hạng", f"{int(first['Thứ hạng'])}", help=escape_markdown(first["Nhóm thi đua"]))
totals = now.tong_diem[now.tong_diem["ma"].astype(str) == ma].iloc[0]
earned, applicable, scale = (
    f"{totals[c]:g}".replace(".", ",") for c in ("diem_dat_duoc", "diem_toi_da_ap_dung", "diem_toi_da")
)
st.caption(
    f"Đạt {earned} trên {applicable} điểm của các tiêu chí áp dụng, quy về thang {scale} điểm "
    "(tiêu chí «không áp dụng» không tính vào điểm tối đa)."
)
criterion_table(card)

st.subheader("Khoảng cách tới điển hình")
st.dataframe(rank_rows, hide_index=True, width="stretch")

st.subheader("Qua các năm")
past = history(results(state), ma)
if len(past):
    chart = (
        alt.Chart(past)
        .mark_line(point=True)
        .encode(
            x=alt.X("Năm:O"),
            y=alt.Y("Tổng điểm:Q", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("Nhóm thi đua:N"),
            tooltip=["Năm", "Nhóm thi đua", "Tổng điểm", "Thứ hạng", "Số tiêu chí đạt"],
        )
    )
    st.altair_chart(chart, width="stretch")
st.dataframe(past, hide_index=True, width="stretch")

if kind == "to_chuc":
    st.subheader("Tổ chức trực thuộc hoặc đảng viên")
    under = below(now, state.dataset, ma)
    under.insert(0, "Phiếu điểm", "don_vi?ma=" + under["Mã"].astype(str).map(lambda m: quote(m, safe="")))
    st.dataframe(
        under,
        hide_index=True,
        width="stretch",
        column_config={"Phiếu điểm": st.column_config.LinkColumn("Phiếu điểm", display_text="Xem")},
    )

"""Đơn vị: one unit's or member's scorecard (deep link: ?ma=<id>) — every criterion with value,
target, verdict, points and explanation; its history; its gap to each group's điển hình; what lies
under it, each with a link to its own scorecard."""

from __future__ import annotations

import altair as alt
import numpy as np
import streamlit as st

from giao_dien.common import caption, criterion_table, loaded, refused, result, results, sidebar
from scoring.domain.numbers import format_points
from scoring.outputs.display import (
    POINTS_FORMAT,
    TIE_NOTE,
    VEGA_LOCALE,
    count_text,
    named,
    scorecard_links,
    screen,
)
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

#: the most units and members the picker lists at once (its own box filters as one types; a province's
#: millions are found through the search box above it)
LISTED = 20_000

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
    found = search(choices.reset_index(), typed, ["ma", "ten"])["ma"]
    st.caption(f"{count_text(len(found))} kết quả; chọn trong danh sách dưới đây.")
    choices = choices[choices.index.isin(found) | (choices.index == wanted)]
if len(choices) > LISTED:  # a list a person can scroll: the first ones, the linked one, and a word on searching
    st.caption(
        f"Danh sách dưới đây có {count_text(LISTED)} mục đầu trong {count_text(len(choices))}; gõ tên hoặc mã vào ô "
        "tìm kiếm để thấy các mục khác."
    )
    choices = choices[(np.arange(len(choices)) < LISTED) | (choices.index == wanted)]
listed = choices.to_dict()
ma = st.selectbox(
    "Tổ chức hoặc đảng viên",
    ["", *listed],
    index=1 + list(listed).index(wanted) if wanted in listed else 0,
    format_func=lambda k: listed.get(k, "—"),
    placeholder="Chọn tổ chức hoặc đảng viên",
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
a.metric("Tổng điểm", format_points(float(first["Tổng điểm"])))
b.metric("Số tiêu chí đạt", f"{criteria_met(card)}/{len(card)}")
c.metric(
    "Thứ hạng",
    f"{int(first['Thứ hạng'])}",
    help=f"{escape_markdown(first['Nhóm thi đua'])}. {TIE_NOTE}",
)
totals = now.tong_diem[now.tong_diem["ma"].astype(str) == ma].iloc[0]
earned, applicable, scale = (
    format_points(float(totals[c])) for c in ("diem_dat_duoc", "diem_toi_da_ap_dung", "diem_toi_da")
)
st.caption(
    f"Đạt {earned} trên {applicable} điểm của các tiêu chí áp dụng, quy về thang {scale} điểm "
    "(tiêu chí «không áp dụng» không tính vào điểm tối đa)."
)
criterion_table(card)

st.subheader("Khoảng cách tới điển hình")
leaders = rank_rows["Điển hình của nhóm"]  # an id: named when the reader may see the leader
peers = now.xep_hang_to_chuc if kind == "to_chuc" else now.xep_hang_dang_vien  # rows the reader may see
id_column, name_column = ("ma_to_chuc", "ten_to_chuc") if kind == "to_chuc" else ("ma_dang_vien", "ho_ten")
gap_rows = rank_rows.assign(**{"Điển hình của nhóm": named(leaders, peers[id_column], peers[name_column])})
shown = screen(gap_rows, signed=["Thay đổi thứ hạng (+ là tăng)"])
st.dataframe(shown.frame, hide_index=True, width="stretch", column_config=shown.column_config)
st.caption(TIE_NOTE)

st.subheader("Qua các năm")
past = history(results(state), ma)
if len(past):
    chart = (
        alt.Chart(past)
        .mark_line(point=True)
        .encode(
            x=alt.X("Năm:O", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("Tổng điểm:Q", scale=alt.Scale(domain=[0, 100]), axis=alt.Axis(format=POINTS_FORMAT)),
            color=alt.Color("Nhóm thi đua:N", legend=alt.Legend(orient="bottom", labelLimit=600, columns=1)),
            tooltip=[
                "Năm",
                "Nhóm thi đua",
                alt.Tooltip("Tổng điểm:Q", format=POINTS_FORMAT),
                "Thứ hạng",
                "Số tiêu chí đạt",
            ],
        )
        .configure(locale=VEGA_LOCALE)
    )
    st.altair_chart(chart, width="stretch")
shown = screen(past)
st.dataframe(shown.frame, hide_index=True, width="stretch", column_config=shown.column_config)

if kind == "to_chuc":
    st.subheader("Tổ chức trực thuộc hoặc đảng viên")
    under = below(now, state.dataset, ma)
    under.insert(0, "Phiếu điểm", scorecard_links(under["Mã"]))
    shown = screen(under)
    st.dataframe(
        shown.frame,
        hide_index=True,
        width="stretch",
        column_config=shown.with_config(
            **{"Phiếu điểm": st.column_config.LinkColumn("Phiếu điểm", display_text="Xem")}
        ),
    )

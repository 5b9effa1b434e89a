"""Xếp hạng: rankings by emulation group, filters, search (diacritics ignored), top/bottom chart,
XLSX download; each row links to its scorecard."""

from __future__ import annotations

from functools import partial

import altair as alt
import streamlit as st

from giao_dien.common import caption, result, sidebar
from scoring.outputs import display
from scoring.outputs.display import (
    POINTS_FORMAT,
    TIE_NOTE,
    VEGA_LOCALE,
    chart_labels,
    count_text,
    named,
    scorecard_links,
    screen,
)
from scoring.outputs.excel import XLSX_MIME
from scoring.outputs.safe_text import escape_markdown
from scoring.outputs.views import GROUPINGS, LEVEL_LABELS, group_choices, member_ranking, org_ranking, workbook

PAGE_ROWS = display.PAGE_ROWS  # rows sent to the browser at once

year, _ = sidebar()
now = result(year)
st.title(f"Xếp hạng năm {year}")
caption()

kind = st.radio("Xếp hạng", ["Tổ chức đảng", "Đảng viên"], horizontal=True)
left, middle, right = st.columns([1, 2, 2])
if kind == "Tổ chức đảng":
    grouping = left.radio("Nhóm theo", list(GROUPINGS), format_func=lambda g: GROUPINGS[g])
    ranked = now.xep_hang_to_chuc
    cap = None
    if grouping == "cap":
        levels = [c for c in LEVEL_LABELS if c in set(ranked["cap"])]
        default = levels.index("chi_bo_truc_thuoc") if "chi_bo_truc_thuoc" in levels else 0
        cap = middle.selectbox(
            "Cấp", levels, index=default, format_func=lambda c: LEVEL_LABELS[c], placeholder="Chọn cấp"
        )
        ranked = ranked[ranked["cap"] == cap]
    by_kind = ranked["nhom_thi_dua"].astype(str).str.startswith("loai_hinh:")
    groups = group_choices(ranked[by_kind if grouping == "loai_hinh" else ~by_kind])
    group = middle.selectbox(
        "Nhóm thi đua",
        ["", *groups],
        format_func=lambda k: groups.get(k, "Tất cả các nhóm"),
        key=f"nhom_{grouping}",
        placeholder="Chọn nhóm thi đua",
    )
    text = right.text_input("Tìm theo tên hoặc mã (không cần dấu)", key="tim_to_chuc")
    table = org_ranking(now, cap, group or None, text, grouping)
    name_column, id_column = "Tên tổ chức", "Mã tổ chức"
    known = now.xep_hang_to_chuc[["ma_to_chuc", "ten_to_chuc"]]
else:
    groups = group_choices(now.xep_hang_dang_vien)
    group = middle.selectbox(
        "Nhóm thi đua (đối tượng)",
        ["", *groups],
        format_func=lambda k: groups.get(k, "Tất cả các nhóm"),
        placeholder="Chọn nhóm thi đua",
    )
    text = right.text_input("Tìm theo họ tên hoặc mã (không cần dấu)", key="tim_dang_vien")
    table = member_ranking(now, group or None, text)
    name_column, id_column = "Họ và tên", "Mã đảng viên"
    known = now.xep_hang_dang_vien[["ma_dang_vien", "ho_ten"]]

pages = max(1, -(-len(table) // PAGE_ROWS))
if pages > 1:  # a province lists hundreds of thousands of members: the browser gets one page at a time
    page = st.number_input(f"Trang (mỗi trang {count_text(PAGE_ROWS)} dòng, có {count_text(pages)} trang)",
                           min_value=1, max_value=pages, value=1, step=1)  # fmt: skip
    first = (int(page) - 1) * PAGE_ROWS
    st.write(f"{count_text(len(table))} dòng; đang xem dòng {count_text(first + 1)}–"
             f"{count_text(min(first + PAGE_ROWS, len(table)))}")  # fmt: skip
else:
    first = 0
    st.write(f"{count_text(len(table))} dòng")
rows = table.iloc[first : first + PAGE_ROWS].copy()
rows.insert(0, "Phiếu điểm", scorecard_links(rows[id_column]))
leaders = rows["Điển hình của nhóm"]  # an id: named when the reader may see the leader
shown = screen(
    rows.assign(**{"Điển hình của nhóm": named(leaders, known.iloc[:, 0], known.iloc[:, 1])}),
    signed=["Thay đổi thứ hạng (+ là tăng)"],
    widths={"Nhóm thi đua": "medium", "Điển hình của nhóm": "medium"},
)
st.dataframe(
    shown.frame,
    hide_index=True,
    width="stretch",
    column_config=shown.with_config(
        **{
            "Phiếu điểm": st.column_config.LinkColumn("Phiếu điểm", display_text="Xem"),
            "Thứ hạng": st.column_config.TextColumn(help=TIE_NOTE, alignment="right"),
        }
    ),
)
st.caption(TIE_NOTE)
st.download_button(
    "Tải bảng xếp hạng (XLSX, mọi trang)",
    data=partial(workbook, {f"Xếp hạng {year}": table}),  # built when clicked, not on every rerun
    file_name=f"xep_hang_{year}.xlsx",
    mime=XLSX_MIME,
    on_click="ignore",
)

ordered = table.drop_duplicates(id_column).sort_values("Tổng điểm", ascending=False, kind="stable")
if len(ordered) > 1:  # one row needs no chart: the table says it
    count = st.slider("Số đơn vị đầu và cuối trên biểu đồ", 3, 20, 10) if len(ordered) > 6 else len(ordered)
    split = len(ordered) > 2 * count  # the first and the last `count`; else every row, one colour
    ends = ordered.iloc[list(range(count)) + list(range(-count, 0))] if split else ordered
    labels, common = chart_labels(ends[id_column], ends[name_column], drop_common=kind == "Tổ chức đảng")
    place = ["Đầu bảng"] * count + ["Cuối bảng"] * count if split else ["Cả bảng"] * len(ends)
    ends = ends.assign(**{"Nhãn": labels, "Vị trí": place})
    colour = (
        alt.Color("Vị trí:N", title=None, scale=alt.Scale(domain=["Đầu bảng", "Cuối bảng"]))
        if split
        else alt.value("#1f77b4")
    )
    chart = (
        alt.Chart(ends)
        .mark_bar()
        .encode(
            x=alt.X("Tổng điểm:Q", axis=alt.Axis(format=POINTS_FORMAT)),
            y=alt.Y("Nhãn:N", sort="-x", title=None, axis=alt.Axis(labelLimit=340)),
            color=colour,
            tooltip=[
                id_column,
                name_column,
                alt.Tooltip("Tổng điểm:Q", format=POINTS_FORMAT),
                alt.Tooltip("Thứ hạng:Q", title="Thứ hạng (trong nhóm)"),
                "Nhóm thi đua",
            ],
        )
        .configure(locale=VEGA_LOCALE)
    )
    st.altair_chart(chart, width="stretch")
    shortened = f" (bỏ phần đầu chung «{escape_markdown(common)}»)" if common else ""
    st.caption(f"Nhãn của mỗi thanh: mã · tên{shortened}. Di chuột lên thanh để xem tên đầy đủ, nhóm và thứ hạng.")

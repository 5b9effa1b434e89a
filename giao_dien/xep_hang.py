"""Xếp hạng: rankings by emulation group, filters, search (diacritics ignored), top/bottom chart,
XLSX download; each row links to its scorecard."""

from __future__ import annotations

from urllib.parse import quote

import altair as alt
import streamlit as st

from giao_dien.common import caption, result, sidebar
from scoring.outputs.excel import XLSX_MIME
from scoring.outputs.views import GROUPINGS, LEVEL_LABELS, group_choices, member_ranking, org_ranking, workbook

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
        cap = middle.selectbox("Cấp", levels, index=default, format_func=lambda c: LEVEL_LABELS[c])
        ranked = ranked[ranked["cap"] == cap]
    by_kind = ranked["nhom_thi_dua"].astype(str).str.startswith("loai_hinh:")
    groups = group_choices(ranked[by_kind if grouping == "loai_hinh" else ~by_kind])
    group = middle.selectbox(
        "Nhóm thi đua", ["", *groups], format_func=lambda k: groups.get(k, "Tất cả các nhóm"), key=f"nhom_{grouping}"
    )
    text = right.text_input("Tìm theo tên hoặc mã (không cần dấu)", key="tim_to_chuc")
    table = org_ranking(now, cap, group or None, text, grouping)
    name_column, id_column = "Tên tổ chức", "Mã tổ chức"
else:
    groups = group_choices(now.xep_hang_dang_vien)
    group = middle.selectbox(
        "Nhóm thi đua (đối tượng)", ["", *groups], format_func=lambda k: groups.get(k, "Tất cả các nhóm")
    )
    text = right.text_input("Tìm theo họ tên hoặc mã (không cần dấu)", key="tim_dang_vien")
    table = member_ranking(now, group or None, text)
    name_column, id_column = "Họ và tên", "Mã đảng viên"

table.insert(0, "Phiếu điểm", "don_vi?ma=" + table[id_column].astype(str).map(lambda m: quote(m, safe="")))
st.write(f"{len(table):,}".replace(",", ".") + " dòng")
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "Phiếu điểm": st.column_config.LinkColumn("Phiếu điểm", display_text="Xem"),
        "Tổng điểm": st.column_config.NumberColumn(format="%.2f"),
        "Nhóm thi đua": st.column_config.TextColumn(width="medium"),
    },
)
st.download_button(
    "Tải bảng xếp hạng (XLSX)",
    data=workbook({f"Xếp hạng {year}": table.drop(columns=["Phiếu điểm"])}),
    file_name=f"xep_hang_{year}.xlsx",
    mime=XLSX_MIME,
)

if len(table):
    count = st.slider("Số đơn vị đầu và cuối trên biểu đồ", 3, 20, 10)
    ordered = table.drop_duplicates(id_column).sort_values("Tổng điểm", ascending=False)
    ends = ordered.head(count) if len(ordered) <= count else ordered.iloc[list(range(count)) + list(range(-count, 0))]
    ends = ends.drop_duplicates(id_column).assign(
        Vị_trí=lambda f: ["Đầu bảng"] * min(count, len(f)) + ["Cuối bảng"] * (len(f) - min(count, len(f)))
    )
    chart = (
        alt.Chart(ends)
        .mark_bar()
        .encode(
            x=alt.X("Tổng điểm:Q"),
            y=alt.Y(f"{name_column}:N", sort="-x", title=None),
            color=alt.Color("Vị_trí:N", title=None),
            tooltip=[id_column, name_column, "Tổng điểm", "Thứ hạng"],
        )
    )
    st.altair_chart(chart, width="stretch")

"""Tiêu chí: the loaded criteria file as a readable table, and a what-if: change one criterion's
target or points here (never in the file) and see which verdicts, totals and ranks change."""

from __future__ import annotations

import streamlit as st

from giao_dien.common import caption, loaded, sidebar, what_if_pair
from scoring.outputs.results import criteria_table
from scoring.outputs.safe_text import escape_markdown
from scoring.outputs.views import what_if, with_change
from scoring.plans.targets import TargetError

state = loaded()
year, _ = sidebar()
st.title("Tiêu chí")
caption()
st.dataframe(
    criteria_table(state.criteria),
    hide_index=True,
    width="stretch",
    column_config={"Nguồn": st.column_config.TextColumn(width="large")},
)

st.subheader(f"Thử thay đổi một tiêu chí (năm {year})")
st.caption(
    "Chỉ tiêu và điểm đổi ở đây chỉ dùng để so sánh; tệp tiêu chí không bị sửa. Tổng điểm của một cấp quy về thang "
    "bằng tổng điểm các tiêu chí của cấp đó: đổi điểm một tiêu chí thì thang cũng đổi theo."
)
titles = {c.id: f"{c.id} — {c.title}" for c in state.criteria.criteria}
chosen = st.selectbox("Tiêu chí", list(titles), format_func=lambda k: titles[k])
criterion = next(c for c in state.criteria.criteria if c.id == chosen)
left, right = st.columns(2)
target = left.text_input("Chỉ tiêu mới", value=criterion.target.describe(), key=f"chi_tieu_{chosen}")
points = right.number_input("Điểm mới", min_value=0.0, value=float(criterion.points), step=0.5, key=f"diem_{chosen}")
if target.strip() != criterion.target.describe() or points != criterion.points:
    try:
        changed = with_change(
            state.criteria,
            chosen,
            target.strip() if target.strip() != criterion.target.describe() else None,
            points if points != criterion.points else None,
        )
    except TargetError as error:
        st.error(f"Chỉ tiêu «{escape_markdown(target)}» không đọc được: {escape_markdown(error)}")
        st.stop()
    before, after = what_if_pair(state, changed, year)  # every unit scored, cut to the reader
    differences = what_if(before, after, chosen)
    count = f"{len(differences):,}".replace(",", ".")
    st.write(f"{count} đơn vị, đảng viên thay đổi kết quả, tổng điểm hoặc thứ hạng.")
    st.dataframe(differences, hide_index=True, width="stretch")
else:
    st.info("Đổi chỉ tiêu hoặc điểm để xem những đơn vị, đảng viên thay đổi.")

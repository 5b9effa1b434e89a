"""Tiêu chí: the loaded criteria file as a readable table, and a what-if: change one criterion's
target or points here (never in the file) and see which verdicts, totals and ranks change."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from giao_dien.common import caption, loaded, sidebar, what_if_pair
from scoring.domain.numbers import format_points, parse_number
from scoring.outputs.display import FOUR_LINE_ROW, count_text, rating_words, screen
from scoring.outputs.rating_views import LEVEL_NAMES
from scoring.outputs.results import criteria_table
from scoring.outputs.safe_text import escape_markdown
from scoring.outputs.views import MAX_POINTS, what_if, with_change
from scoring.plans.targets import TargetError

#: the criteria table: what a reader looks for first, the plan's own ids and formulas last
CRITERIA_ORDER = ["Tiêu chí", "Chỉ tiêu", "Điểm", "Cấp", "Nhóm", "Nguồn", "Mã tiêu chí", "Chỉ số"]
#: pixels: what a reader looks for in sight on a 1.500-pixel screen, each text wrapped onto up to four lines
#: (a group's title, 90 characters; a source with its quote, 240)
CRITERIA_WIDTHS: dict[str, str | int] = {
    "Tiêu chí": 220, "Chỉ tiêu": 100, "Điểm": 50, "Cấp": 110, "Nhóm": 160, "Nguồn": 400,
}  # fmt: skip
#: the criteria in sight before the table scrolls
LISTED_ROWS = 10

state = loaded()
year, _ = sidebar()
st.title("Tiêu chí")
caption()
listed = screen(criteria_table(state.criteria), ratings=["Chỉ tiêu"], widths=CRITERIA_WIDTHS)
st.dataframe(
    listed.frame,
    hide_index=True,
    width="stretch",
    row_height=FOUR_LINE_ROW,  # a long title, group or source wraps onto up to four lines, never cut
    height=min(len(listed.frame), LISTED_ROWS) * FOUR_LINE_ROW + 38,
    column_order=[c for c in CRITERIA_ORDER if c in listed.frame.columns],
    column_config=listed.column_config,
)

st.subheader(f"Thử thay đổi một tiêu chí (năm {year})")
st.caption(
    "Chỉ tiêu và điểm đổi ở đây chỉ dùng để so sánh; tệp tiêu chí không bị sửa. Tổng điểm của một cấp quy về thang "
    "bằng tổng điểm các tiêu chí của cấp đó: đổi điểm một tiêu chí thì thang cũng đổi theo."
)
groups = state.criteria.groups  # «Chân 1 · Đảng bộ cấp trên cơ sở — <title>»: words, never the criterion's id
titles = {
    c.id: f"{groups.get(c.group, c.group).split(':')[0]} · {', '.join(LEVEL_NAMES.get(lv, lv) for lv in c.levels)}"
    f" — {c.title}"
    for c in state.criteria.criteria
}
chosen = st.selectbox("Tiêu chí", list(titles), format_func=lambda k: titles[k], placeholder="Chọn tiêu chí")
criterion = next(c for c in state.criteria.criteria if c.id == chosen)
left, right = st.columns(2)
written = rating_words(pd.Series([criterion.target.describe()])).iloc[0]  # «≥ Hoàn thành tốt nhiệm vụ»
target = left.text_input("Chỉ tiêu mới", value=written, key=f"chi_tieu_{chosen}")
left.caption(
    "Ví dụ «≥ 90%», «> 80%», «15%..20%», «= 0», «≥ HTTNV» (hoàn thành tốt nhiệm vụ trở lên), «giảm 2%/năm»; "
    "một tỷ lệ từ 0% đến 100%."
)
typed_points = right.text_input("Điểm mới", value=format_points(criterion.points), key=f"diem_{chosen}")
right.caption(f"Một số từ 0 đến {format_points(MAX_POINTS)}, dấu phẩy thập phân: «8,5».")
points = parse_number(typed_points)
if points is None or not 0 <= points <= MAX_POINTS:
    st.error(
        f"Điểm «{escape_markdown(typed_points)}» không dùng được: cần một số từ 0 đến {format_points(MAX_POINTS)} "
        "(ví dụ «8,5»)."
    )
    st.stop()
assert points is not None
if target.strip() != written or points != criterion.points:
    try:
        changed = with_change(
            state.criteria,
            chosen,
            target.strip() if target.strip() != written else None,
            points if points != criterion.points else None,
        )
    except TargetError as error:
        st.error(f"Chỉ tiêu «{escape_markdown(target)}» không dùng được: {escape_markdown(error)}.")
        st.stop()
    before, after = what_if_pair(state, changed, year)  # every unit scored, cut to the reader
    differences = what_if(before, after, chosen)
    st.write(f"{count_text(len(differences))} đơn vị, đảng viên thay đổi kết quả, tổng điểm hoặc thứ hạng.")
    shown = screen(differences, hidden=["Mã"], widths={"Đơn vị, đảng viên": "large"})
    st.dataframe(shown.frame, hide_index=True, width="stretch", column_config=shown.column_config)
else:
    st.info("Đổi chỉ tiêu hoặc điểm để xem những đơn vị, đảng viên thay đổi.")

"""A report as scored, shown the same way on Tự đánh giá (the draft) and Duyệt (the report sent):
problems first, then score, rank, the two ratings a reviewer compares, and the details."""

from __future__ import annotations

import streamlit as st

from giao_dien.common import criterion_table
from scoring.domain.numbers import format_points
from scoring.engine.rating import rating_label
from scoring.outputs.display import count_text, screen
from scoring.outputs.safe_text import escape_markdown
from scoring.outputs.views import criteria_met
from scoring.outputs.workflow_views import ranks_view, rating_verdict
from scoring.store.workflow import Assessment


def show_assessment(result: Assessment, year: int, draft: bool) -> None:
    """A report's figures as scored (Tự đánh giá shows the draft, Duyệt the report sent): problems
    first, then score, criteria met, rank in its group, the rating it gave itself against the highest
    the rules allow, and its criteria, groups and members."""
    if not result.report.ok:
        lead = "Số liệu còn lỗi, chưa gửi được (lưu nháp vẫn được)" if draft else "Số liệu của báo cáo có lỗi"
        st.error(f"{lead}:\n\n{escape_markdown(result.report.summary())}")
        st.dataframe(result.report.display_table(), hide_index=True, width="stretch")
    elif len(result.report.warnings):
        with st.expander(f"{count_text(len(result.report.warnings))} lưu ý về số liệu"):
            st.dataframe(result.report.display_table(), hide_index=True, width="stretch")
    if result.conflicts is not None and not result.conflicts.ok:
        st.error(
            "Số liệu mâu thuẫn với báo cáo đã duyệt của đơn vị khác:\n\n" + escape_markdown(result.conflicts.to_text())
        )
    if not result.scored:
        return
    cells = st.columns(3)
    cells[0].metric("Tổng điểm", "—" if result.total is None else format_points(result.total))
    met = criteria_met(result.scorecard)
    cells[1].metric("Số tiêu chí đạt", f"{met}/{len(result.scorecard)}")
    if len(result.ranks):
        first = result.ranks.iloc[0]
        alone = result.compared_with == 0
        cells[2].metric(
            "Thứ hạng trong nhóm",
            "—" if alone else f"{count_text(int(first['Thứ hạng']))}/{count_text(int(first['Số đơn vị trong nhóm']))}",
            help=f"Chưa có đơn vị nào khác được duyệt năm {year}." if alone else escape_markdown(first["Nhóm thi đua"]),
        )
    rating = result.rating
    if rating:  # the two ratings a reviewer compares, side by side and in full (a metric would cut them)
        own, top = rating["tu_danh_gia"], rating["muc_cao_nhat"]
        own_box, top_box = st.columns(2, border=True)
        own_box.caption("Tự xếp loại")
        own_box.markdown(f"**{escape_markdown(rating_label(own)) if own else 'Chưa chọn'}**")
        top_box.caption("Mức đề xuất (cao nhất được phép)", help=escape_markdown(rating["quy_dinh"]) or None)
        top_box.markdown(f"**{escape_markdown(rating_label(top)) if top else '—'}**")
    st.caption(
        f"Thứ hạng tính cùng {count_text(result.compared_with)} đơn vị khác đã được duyệt năm {year} "
        "(chưa duyệt thì chưa tính)" + ("; chỉ là tạm tính cho đến khi cấp trên duyệt." if draft else ".")
    )
    if rating:
        shown = escape_markdown(rating_verdict(rating))
        (st.success if rating["ket_luan"] == "Đúng quy định" else st.warning)(shown)
    criteria_tab, groups_tab, members_tab = st.tabs(["Tiêu chí", "Nhóm thi đua", "Đảng viên"])
    with criteria_tab:
        criterion_table(result.scorecard)
    with groups_tab:
        shown = screen(ranks_view(result.ranks), widths={"Nhóm thi đua": "large", "Điển hình của nhóm": "large"})
        st.dataframe(shown.frame, hide_index=True, width="stretch", column_config=shown.column_config)
    with members_tab:  # ranks «3», points «86,5», ratings and their grounds in words
        shown = screen(result.members, ratings=["Căn cứ"], widths={"Họ và tên": "medium", "Căn cứ": "large"})
        st.dataframe(shown.frame, hide_index=True, width="stretch", column_config=shown.column_config)

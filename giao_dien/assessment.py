"""A report as scored, shown the same way on Tự đánh giá (the draft) and Duyệt (the report sent):
problems first, then score, rank, the two ratings a reviewer compares, and the details."""

from __future__ import annotations

import streamlit as st

from giao_dien.common import criterion_table
from scoring.domain.numbers import format_points
from scoring.engine.rating import FINDINGS, rating_label
from scoring.outputs.display import TWO_LINE_ROW, Screen, count_text, screen
from scoring.outputs.safe_text import escape_markdown
from scoring.outputs.views import criteria_met
from scoring.outputs.workflow_views import ranks_view, rating_verdict
from scoring.store.workflow import Assessment

#: pixels: every column in sight on a 1.366-pixel laptop screen beside the sidebar (about 900), long texts on
#: two lines
GROUP_WIDTHS: dict[str, str | int] = {
    "Nhóm thi đua": 210, "Thứ hạng": 70, "Số đơn vị trong nhóm": 90, "Tổng điểm": 80, "Điển hình của nhóm": 195,
    "Cách điển hình (điểm)": 115, "Thay đổi thứ hạng (+ là tăng)": 110,
}  # fmt: skip
#: short headers for those narrow columns, (label, the whole title shown on hovering the header)
GROUP_HEADERS = {
    "Số đơn vị trong nhóm": ("Số đơn vị", "Số đơn vị trong nhóm"),
    "Cách điển hình (điểm)": ("Cách điển hình", "Số điểm cách điển hình của nhóm"),
    "Thay đổi thứ hạng (+ là tăng)": ("Thay đổi hạng", "Thay đổi thứ hạng so với năm trước (+ là tăng)"),
}
MEMBER_WIDTHS: dict[str, str | int] = {
    "Mã đảng viên": 90, "Họ và tên": 130, "Tổng điểm": 75, "Thứ hạng": 70, "Tự xếp loại": 115, "Mức được phép": 115,
    "Kết luận": 100, "Căn cứ": 185,
}  # fmt: skip


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
    members = result.members
    if "Kết luận" in members.columns:  # the verdict above is the unit's own: say when its members' are not
        flagged = members["Kết luận"].astype(str).isin(FINDINGS)
        if flagged.any():
            st.warning(
                f"{count_text(int(flagged.sum()))} đảng viên có xếp loại cần xem lại (cao hơn, thấp hơn mức quy định "
                "cho phép hoặc cần cấp có thẩm quyền xem xét): xem thẻ «Đảng viên», cột «Kết luận»."
            )
    criteria_tab, groups_tab, members_tab = st.tabs(["Tiêu chí", "Nhóm thi đua", "Đảng viên"])
    with criteria_tab:
        criterion_table(result.scorecard)
    with groups_tab:  # every column in sight, a long name on two lines
        groups = screen(ranks_view(result.ranks), widths=GROUP_WIDTHS)
        headers = {c: {**(groups.column_config.get(c) or {}), "label": label, "help": title}
                   for c, (label, title) in GROUP_HEADERS.items() if c in groups.frame.columns}  # fmt: skip
        _two_line_table(Screen(groups.frame, groups.with_config(**headers)), "Đơn vị chưa thuộc nhóm thi đua nào.")
    with members_tab:  # ranks «3», points «86,5», ratings and their grounds in words
        _two_line_table(
            screen(result.members, ratings=["Căn cứ"], widths=MEMBER_WIDTHS),
            "Báo cáo này không có đảng viên: đảng viên sinh hoạt ở các chi bộ, có trong báo cáo của chi bộ.",
        )


def _two_line_table(shown: Screen, empty: str, rows: int = 15) -> None:
    """A table whose long texts wrap onto two lines, `rows` of them in sight before it scrolls; without rows,
    the sentence `empty` (an empty table would draw Streamlit's English «empty»)."""
    if shown.frame.empty:
        st.caption(empty)
        return
    st.dataframe(
        shown.frame,
        hide_index=True,
        width="stretch",
        column_config=shown.column_config,
        row_height=TWO_LINE_ROW,
        height=min(len(shown.frame), rows) * TWO_LINE_ROW + 38,
    )

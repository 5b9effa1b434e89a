"""Duyệt: the upper level follows who has not submitted, opens a sent report, compares the rating the
unit gave itself with the one the rules and its score allow, and approves it or returns it with a
reason. A `xem` account sees the same board and unit-level summary, read-only and without member data.
Access is decided by the library (`scoring.store`); the page only draws what it is given."""

from __future__ import annotations

from datetime import date

import streamlit as st

from giao_dien.access import require_account, store
from giao_dien.assessment import show_assessment
from giao_dien.common import plan_sidebar
from scoring.domain.codes import RATING_ORDER
from scoring.domain.numbers import format_moment
from scoring.engine.rating import rating_label
from scoring.outputs.display import TWO_LINE_ROW, count_text, screen
from scoring.outputs.safe_text import escape_markdown
from scoring.outputs.views import LEVEL_LABELS
from scoring.outputs.workflow_views import history_view, person
from scoring.store import StoreError
from scoring.store.service import NOT_SUBMITTED, STATES
from scoring.store.workflow import assess, changes, opening_year, overview

criteria = plan_sidebar()
user = require_account()
db = store()
st.title("Duyệt báo cáo tự đánh giá")
notice = st.session_state.pop("duyet_thong_bao", None)
if notice:
    st.success(escape_markdown(notice))

this_year = date.today().year
# kept outside the widget (other pages do not reset it); at first the latest year with a report waiting
# for this account, else with a report of a unit it follows — not an empty new year
opening = st.session_state.get("duyet_nam_chon") or opening_year(db, user) or this_year
years = sorted({*range(this_year, this_year - 6, -1), opening}, reverse=True)
year = int(st.selectbox("Năm", years, index=years.index(opening), key="duyet_nam", placeholder="Chọn năm"))
st.session_state["duyet_nam_chon"] = year
with st.spinner("Đang tổng hợp…"):
    board = overview(db, user, year, criteria)
board["Cấp"] = board.pop("cap").map(LEVEL_LABELS)

counts = board["Trạng thái"].value_counts()
cells = st.columns(5)
for cell, state in zip(cells, [NOT_SUBMITTED, *STATES.values()], strict=True):
    cell.metric(state, count_text(int(counts.get(state, 0))))  # «1.234»

reviewable = set(db.reviewable(user))
st.subheader("Các đơn vị" + (" (chỉ xem)" if not reviewable else ""))
shown = st.radio(
    "Hiển thị", ["Tất cả", NOT_SUBMITTED, "Đã gửi", "Trả lại", "Đã duyệt", "Nháp"], horizontal=True, key="duyet_loc"
)
table = board if shown == "Tất cả" else board[board["Trạng thái"] == shown]
order = ["Mã", "Tên tổ chức", "Cấp", "Trạng thái", "Tổng điểm", "Thứ hạng", "Tự xếp loại", "Mức cao nhất được phép"]
rating_width = 4 * max(len(rating_label(c)) for c in RATING_ORDER) + 12  # the longest rating, on two lines
# points «86,5», ranks «3», ratings in words, blank before approval; every column in sight on a 1.366-pixel
# laptop screen beside the sidebar (about 900 pixels), long names and ratings on two lines
listed = screen(table[order], ratings=["Tự xếp loại", "Mức cao nhất được phép"])
if listed.frame.empty:  # (an empty table would draw Streamlit's English «empty»)
    st.caption(
        "Chưa có đơn vị nào trong phạm vi theo dõi."
        if shown == "Tất cả"
        else f"Năm {year} không có đơn vị nào ở trạng thái «{shown}»."
    )
else:
    st.dataframe(
        listed.frame,
        hide_index=True,
        width="stretch",
        row_height=TWO_LINE_ROW,
        height=min(len(listed.frame), 10) * TWO_LINE_ROW + 38,  # ten units in sight, the others a scroll away
        column_config=listed.with_config(
            **{
                "Mã": st.column_config.TextColumn(width=70, pinned=True),  # the unit stays in sight when it scrolls
                "Tên tổ chức": st.column_config.TextColumn(width=210, pinned=True),
                "Cấp": st.column_config.TextColumn(width=105),
                "Trạng thái": st.column_config.TextColumn(width=85),
                "Tổng điểm": st.column_config.TextColumn(width=80, alignment="right"),
                "Thứ hạng": st.column_config.TextColumn(width=75, alignment="right"),
                "Tự xếp loại": st.column_config.TextColumn(width=rating_width),
                "Mức cao nhất được phép": st.column_config.TextColumn(
                    "Mức được phép", width=rating_width, help="Mức cao nhất được phép theo quy định và số liệu đã duyệt"
                ),
            }
        ),
    )
st.caption(
    "Điểm, thứ hạng và xếp loại chỉ hiện với báo cáo đã duyệt; «Mức được phép» là mức cao nhất theo quy định đánh giá, "
    f"xếp loại đang có hiệu lực năm {year} và số liệu đã duyệt. Trang này không có số liệu từng đảng viên."
)

if not reviewable:
    if user.vai_tro in ("chi_bo",):
        st.info("Báo cáo của chi bộ do cấp ủy cấp trên duyệt; theo dõi trạng thái ở bảng trên và trang Tự đánh giá.")
    st.stop()

waiting = board[(board["Trạng thái"] == STATES["da_gui"]) & board["Mã"].isin(reviewable)]
# the report open on the last run, if someone else decided it meanwhile (or it was sent again): say so,
# and give back the reason typed for it — the decision was not recorded (widgets are keyed by report
# and version, so a click never lands on another report or on a version the reviewer has not seen)
last = st.session_state.pop("duyet_mo", None)
done_by_me = st.session_state.pop("duyet_vua_xu_ly", None)
if last is not None and last[0] == year and done_by_me != last[1:]:
    now = db.get(user, last[1], year)
    if now is None or (now.trang_thai, now.phien_ban) != ("da_gui", last[2]):
        typed = str(st.session_state.get(f"duyet_ly_do:{last[1]}:{last[2]}") or "").strip()
        state = now.trang_thai_label if now else "không còn"
        st.warning(
            f"Báo cáo {escape_markdown(last[1])} vừa được người khác xử lý hoặc gửi lại (hiện: «{state}»"
            + (f", phiên bản {now.phien_ban}" if now else "")
            + "); quyết định của bạn chưa được ghi."
            + (f" Lý do bạn đã nhập: «{escape_markdown(typed)}»." if typed else "")
        )

st.subheader(f"Báo cáo chờ duyệt ({count_text(len(waiting))})")
if waiting.empty:
    st.info(f"Năm {year} không có báo cáo nào đang chờ bạn duyệt.")
    st.stop()
names = dict(zip(waiting["Mã"], waiting["Tên tổ chức"], strict=True))
listed = list(names)
unit = st.selectbox(
    "Báo cáo",
    listed,
    index=listed.index(user.ma_to_chuc) if user.ma_to_chuc in listed else 0,  # the account's own unit first
    format_func=lambda u: f"{names[u]} ({u})",
    key="duyet_don_vi",
    placeholder="Chọn báo cáo",
)
sent = db.get(user, unit, year)
if sent is None or sent.trang_thai != "da_gui":
    st.warning("Báo cáo này vừa được người khác xử lý: tải lại trang.")
    st.stop()
st.session_state["duyet_mo"] = (year, unit, sent.phien_ban)
mine = f"{unit}:{sent.phien_ban}"

with st.spinner("Đang chấm số liệu của báo cáo…"):
    result = assess(db, user, unit, year, sent.du_lieu, criteria)
sender = escape_markdown(person(sent.cap_nhat_boi))
st.caption(f"Phiên bản {sent.phien_ban}, gửi bởi {sender} lúc {format_moment(sent.cap_nhat_luc)}.")
show_assessment(result, year, draft=False)
sent_before = [v for v in db.versions(user, unit, year) if v.trang_thai == "da_gui" and v.phien_ban < sent.phien_ban]
if sent_before:  # sent again after a return: what the unit changed since the reviewer last saw it
    earlier = sent_before[-1]
    changed = changes(earlier.du_lieu, sent.du_lieu)
    title = f"Thay đổi so với lần gửi trước (phiên bản {earlier.phien_ban}): {count_text(len(changed))} ô"
    with st.expander(title, expanded=True):
        if changed.empty:  # sent again as it was (an empty table would draw Streamlit's English «empty»)
            st.caption("Báo cáo được gửi lại không đổi ô nào.")
        else:
            st.dataframe(changed, hide_index=True, width="stretch")

st.subheader("Quyết định")
approve_col, return_col = st.columns(2)
with approve_col:
    if st.button("Duyệt báo cáo", type="primary", key=f"duyet_dong_y:{mine}"):
        try:
            done = db.approve(user, unit, year, sent.phien_ban)
        except StoreError as error:
            st.error(escape_markdown(error))
        else:
            st.session_state["duyet_thong_bao"] = f"Đã duyệt báo cáo của {names[unit]} (phiên bản {done.phien_ban})."
            st.session_state["duyet_vua_xu_ly"] = (unit, sent.phien_ban)
            st.rerun()
with return_col, st.form(f"tra_lai:{mine}"):
    reason = st.text_area("Lý do trả lại (đơn vị sẽ thấy)", key=f"duyet_ly_do:{mine}")
    if st.form_submit_button("Trả lại để đơn vị sửa"):
        try:
            done = db.return_(user, unit, year, sent.phien_ban, reason)
        except StoreError as error:
            st.error(escape_markdown(error))
        else:
            st.session_state["duyet_thong_bao"] = f"Đã trả lại báo cáo của {names[unit]}: {reason.strip()}"
            st.session_state["duyet_vua_xu_ly"] = (unit, sent.phien_ban)
            st.rerun()

with st.expander("Lịch sử các phiên bản"):
    st.dataframe(history_view(db.history(user, unit, year)), hide_index=True, width="stretch")

"""Duyệt: the upper level follows who has not submitted, opens a sent report, compares the rating the
unit gave itself with the one the rules and its score allow, and approves it or returns it with a
reason. A `xem` account sees the same board and unit-level summary, read-only and without member data.
Access is decided by the library (`scoring.store`); the page only draws what it is given."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from giao_dien.common import plan_sidebar, require_account, show_assessment, store
from scoring.engine.rating import rating_label
from scoring.outputs.safe_text import escape_markdown
from scoring.outputs.views import LEVEL_LABELS
from scoring.store import StoreError
from scoring.store.service import NOT_SUBMITTED, STATES
from scoring.store.workflow import assess, changes, overview

criteria = plan_sidebar()
user = require_account()
db = store()
st.title("Duyệt báo cáo tự đánh giá")
notice = st.session_state.pop("duyet_thong_bao", None)
if notice:
    st.success(escape_markdown(notice))

this_year = date.today().year
years = list(range(this_year, this_year - 6, -1))
kept = st.session_state.get("duyet_nam_chon")  # kept outside the widget: other pages do not reset it
year = int(st.selectbox("Năm", years, index=years.index(kept) if kept in years else 0, key="duyet_nam"))
st.session_state["duyet_nam_chon"] = year
with st.spinner("Đang tổng hợp…"):
    board = overview(db, user, year, criteria)
board["Cấp"] = board.pop("cap").map(LEVEL_LABELS)
for column in ("Tự xếp loại", "Mức cao nhất được phép"):
    board[column] = board[column].map(lambda c: rating_label(c) if isinstance(c, str) and c else "")
for column in ("Tổng điểm", "Thứ hạng"):
    board[column] = board[column].map(lambda v: "" if pd.isna(v) else f"{v:g}".replace(".", ","))

counts = board["Trạng thái"].value_counts()
cells = st.columns(5)
for cell, state in zip(cells, [NOT_SUBMITTED, *STATES.values()], strict=True):
    cell.metric(state, int(counts.get(state, 0)))

reviewable = set(db.reviewable(user))
st.subheader("Các đơn vị" + (" (chỉ xem)" if not reviewable else ""))
shown = st.radio(
    "Hiển thị", ["Tất cả", NOT_SUBMITTED, "Đã gửi", "Trả lại", "Đã duyệt", "Nháp"], horizontal=True, key="duyet_loc"
)
table = board if shown == "Tất cả" else board[board["Trạng thái"] == shown]
order = ["Mã", "Tên tổ chức", "Cấp", "Trạng thái", "Tổng điểm", "Thứ hạng", "Tự xếp loại", "Mức cao nhất được phép"]
st.dataframe(table[order], hide_index=True, width="stretch")
st.caption(
    "Điểm, thứ hạng và xếp loại chỉ hiện với báo cáo đã duyệt; «Mức cao nhất được phép» theo quy định đánh giá, "
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

st.subheader(f"Báo cáo chờ duyệt ({len(waiting)})")
if waiting.empty:
    st.info(f"Năm {year} không có báo cáo nào đang chờ bạn duyệt.")
    st.stop()
names = dict(zip(waiting["Mã"], waiting["Tên tổ chức"], strict=True))
unit = st.selectbox("Báo cáo", list(names), format_func=lambda u: f"{names[u]} ({u})", key="duyet_don_vi")
sent = db.get(user, unit, year)
if sent is None or sent.trang_thai != "da_gui":
    st.warning("Báo cáo này vừa được người khác xử lý: tải lại trang.")
    st.stop()
st.session_state["duyet_mo"] = (year, unit, sent.phien_ban)
mine = f"{unit}:{sent.phien_ban}"

with st.spinner("Đang chấm số liệu của báo cáo…"):
    result = assess(db, user, unit, year, sent.du_lieu, criteria)
st.caption(
    f"Phiên bản {sent.phien_ban}, gửi bởi {escape_markdown(sent.cap_nhat_boi)} lúc {sent.cap_nhat_luc:%H:%M %d/%m/%Y}."
)
show_assessment(result, year, draft=False)
sent_before = [v for v in db.versions(user, unit, year) if v.trang_thai == "da_gui" and v.phien_ban < sent.phien_ban]
if sent_before:  # sent again after a return: what the unit changed since the reviewer last saw it
    earlier = sent_before[-1]
    changed = changes(earlier.du_lieu, sent.du_lieu)
    with st.expander(f"Thay đổi so với lần gửi trước (phiên bản {earlier.phien_ban}): {len(changed)} ô", expanded=True):
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
    st.dataframe(db.history(user, unit, year), hide_index=True, width="stretch")

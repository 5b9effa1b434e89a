"""Quản trị (quan_tri only; the library refuses anyone else): load the organisation tree and earlier
years' figures from the data in use, create accounts and reset passwords, read the audit log, and
download a backup of the database."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from giao_dien.common import plan_sidebar, require_account, store
from scoring.outputs.excel import csv_bytes
from scoring.outputs.safe_text import escape_markdown
from scoring.store import ROLES, StoreError
from scoring.store.backup import backup
from scoring.store.service import ACTIONS, MIN_PASSWORD, STATES
from scoring.store.sessions import ACTIONS as SESSION_ACTIONS

WORDS = {
    "trang_thai": "trạng thái", "phien_ban": "phiên bản", "ly_do": "lý do", "vai_tro": "vai trò",
    "ma_to_chuc": "đơn vị", "so_to_chuc": "số tổ chức", "so_bao_cao": "số báo cáo", "ghi_de": "ghi đè",
    "bo_qua": "giữ nguyên", "nam": "năm",
}  # fmt: skip


def _readable(value: object) -> str:
    """An audit value (a small JSON object) as words: «trạng thái: Đã gửi; phiên bản: 2»."""
    if value is None:
        return ""
    if not isinstance(value, dict):
        return str(value)
    shown = []
    for key, item in value.items():
        text = STATES.get(item, ROLES.get(item, item)) if isinstance(item, str) else item
        if isinstance(item, list):
            text = ", ".join(map(str, item))
        shown.append(f"{WORDS.get(key, key)}: {'—' if text is None else text}")
    return "; ".join(shown)


plan_sidebar()
user = require_account("quan_tri")
db = store()
st.title("Quản trị")
notice = st.session_state.pop("qt_thong_bao", None)
if notice:
    st.success(escape_markdown(notice))
tree, people, log, safe = st.tabs(["Cây tổ chức và số liệu", "Tài khoản", "Nhật ký", "Sao lưu"])

with tree:
    names = db.names()
    st.markdown(
        f"Cơ sở dữ liệu đang có **{len(names)}** tổ chức. Cây tổ chức và số liệu các năm được nạp ở trang "
        "**Dữ liệu**: tệp được kiểm tra, xem trước những gì thay đổi rồi mới nạp, mỗi lần nạp hoàn tác được."
    )
    st.page_link("giao_dien/du_lieu.py", label="Mở trang Dữ liệu", icon=":material/upload_file:")

with people:
    accounts = db.accounts(user)
    accounts["vai_tro"] = accounts["vai_tro"].map(ROLES)
    accounts = accounts.fillna("")
    st.dataframe(
        accounts.rename(
            columns={"ten_dang_nhap": "Tên đăng nhập", "vai_tro": "Vai trò", "ma_to_chuc": "Đơn vị", "ho_ten": "Họ tên"}
        ),
        hide_index=True,
        width="stretch",
    )
    with st.form("qt_tao_tai_khoan", clear_on_submit=True):
        st.markdown("**Tạo tài khoản**")
        a, b = st.columns(2)
        username = a.text_input("Tên đăng nhập")
        name = b.text_input("Họ và tên")
        role = a.selectbox("Vai trò", list(ROLES), index=list(ROLES).index("chi_bo"), format_func=lambda r: ROLES[r])
        units = ["", *names]
        unit = b.selectbox(
            "Đơn vị (cấp ủy cơ sở, chi bộ)", units, format_func=lambda u: f"{names[u][0]} ({u})" if u else "—"
        )
        password = a.text_input(f"Mật khẩu ban đầu (ít nhất {MIN_PASSWORD} ký tự)", type="password")
        if st.form_submit_button("Tạo tài khoản", type="primary"):
            try:
                made = db.create_account(user, username.strip(), password, role, unit or None, name)
            except StoreError as error:
                st.error(escape_markdown(error))
            else:
                st.session_state["qt_thong_bao"] = f"Đã tạo tài khoản {made.label}."
                st.rerun()
    with st.form("qt_dat_lai", clear_on_submit=True):
        st.markdown("**Đặt lại mật khẩu**")
        who = st.selectbox("Tài khoản", list(db.accounts(user)["ten_dang_nhap"]))
        new = st.text_input("Mật khẩu mới", type="password")
        if st.form_submit_button("Đặt lại"):
            try:
                db.reset_password(user, str(who), new)
            except StoreError as error:
                st.error(escape_markdown(error))
            else:
                st.session_state["qt_thong_bao"] = f"Đã đặt lại mật khẩu của {who}."
                st.rerun()

with log:
    audit = db.audit(user)
    audit["duoc_phep"] = audit["duoc_phep"].map({True: "Có", False: "Bị từ chối"})
    labels = {**ACTIONS, **SESSION_ACTIONS}
    audit["hanh_dong"] = audit["hanh_dong"].map(lambda a: labels.get(a, a))
    for column in ("truoc", "sau"):
        audit[column] = audit[column].map(_readable)
    audit = audit.rename(
        columns={
            "luc": "Lúc", "tai_khoan": "Tài khoản", "hanh_dong": "Hành động", "doi_tuong": "Đối tượng",
            "truoc": "Trước", "sau": "Sau", "duoc_phep": "Được phép", "ghi_chu": "Ghi chú",
        }
    )  # fmt: skip
    only_denied = st.checkbox("Chỉ các lần bị từ chối", key="qt_tu_choi")
    st.dataframe(audit[audit["Được phép"] == "Bị từ chối"] if only_denied else audit, hide_index=True, width="stretch")
    # a login name typed as «=HYPERLINK(…)» (logged when refused) stays text in the spreadsheet
    st.download_button("Tải nhật ký (CSV)", csv_bytes(audit), "nhat_ky.csv", mime="text/csv")

with safe:
    st.markdown(
        "Bản sao lưu là một tệp zip (mỗi bảng một tệp JSON). Khôi phục bằng lệnh `thidua khoi-phuc tep.zip` "
        "trên máy chủ."
    )
    if st.button("Tạo bản sao lưu", key="qt_sao_luu"):
        with tempfile.TemporaryDirectory(prefix="thidua_sl_") as folder:  # removed once the bytes are read
            target = Path(folder) / f"thidua_sao_luu_{pd.Timestamp.now():%Y%m%d_%H%M}.zip"
            backup(db.engine, target)
            st.download_button("Tải bản sao lưu", target.read_bytes(), target.name, mime="application/zip")

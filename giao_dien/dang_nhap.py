"""Đăng nhập: log in and out; on the very first run (no account yet) create the first quan_tri."""

from __future__ import annotations

import streamlit as st

from giao_dien.common import account, account_box, login_form, logout, store
from scoring.outputs.safe_text import escape_markdown
from scoring.store import StoreError
from scoring.store.service import MIN_PASSWORD, ROLES

st.title("Tài khoản")
user = account()
if user is not None:
    st.success(f"Đang đăng nhập: {escape_markdown(user.label)}.")
    st.markdown(
        "- **Tự đánh giá**: nhập số liệu của đơn vị, xem điểm và thứ hạng ngay, lưu nháp, gửi duyệt.\n"
        "- **Duyệt**: xem đơn vị nào chưa nộp, so sánh xếp loại tự đánh giá với mức theo quy định, "
        "duyệt hoặc trả lại.\n"
        "- Trang **Dữ liệu**: dùng số liệu đã duyệt cho các trang xếp hạng."
    )
    with st.form("doi_mat_khau"):
        st.markdown("**Đổi mật khẩu**")
        old = st.text_input("Mật khẩu hiện tại", type="password")
        new = st.text_input(f"Mật khẩu mới (ít nhất {MIN_PASSWORD} ký tự)", type="password")
        again = st.text_input("Nhập lại mật khẩu mới", type="password")
        if st.form_submit_button("Đổi mật khẩu"):
            if new != again:
                st.error("Hai lần nhập mật khẩu mới không giống nhau.")
            else:
                try:
                    store().change_password(user, old, new)
                    st.success("Đã đổi mật khẩu.")
                except StoreError as error:
                    st.error(escape_markdown(error))
    if st.button("Đăng xuất", type="primary"):
        logout()
        st.rerun()
    account_box()
    st.stop()

if not store().has_accounts():
    st.info(
        "Cơ sở dữ liệu chưa có tài khoản nào. Tạo tài khoản quản trị đầu tiên (Ban Tuyên giáo); sau đó quản trị "
        "tạo tài khoản cho cấp ủy và chi bộ ở trang Quản trị (hoặc lệnh `thidua tai-khoan tao`)."
    )
    with st.form("quan_tri_dau_tien"):
        username = st.text_input("Tên đăng nhập")
        name = st.text_input("Họ và tên")
        password = st.text_input(f"Mật khẩu (ít nhất {MIN_PASSWORD} ký tự)", type="password")
        again = st.text_input("Nhập lại mật khẩu", type="password")
        if st.form_submit_button(f"Tạo tài khoản {ROLES['quan_tri']}", type="primary"):
            if password != again:
                st.error("Hai lần nhập mật khẩu không giống nhau.")
            else:
                try:
                    store().create_first_admin(username, password, name)
                except StoreError as error:
                    st.error(escape_markdown(error))
                else:
                    st.session_state["vua_tao_quan_tri"] = True
                    st.rerun()
    st.stop()
if st.session_state.pop("vua_tao_quan_tri", False):
    st.success("Đã tạo tài khoản quản trị: hãy đăng nhập.")
login_form()

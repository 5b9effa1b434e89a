"""Tài khoản: who is logged in, and changing one's password. Logging in and out happens on the
server's own pages (/dang-nhap, /dang-xuat, `scoring.web`): the session lives in the database and its
token in an HttpOnly cookie, so a reload, a new tab or a deep link keeps the login. The first
administrator of an empty database is made on the server: `thidua tai-khoan tao <tên> --vai-tro quan_tri`."""

from __future__ import annotations

import streamlit as st

from giao_dien.access import account, account_box, login_form, logout_href, store
from scoring.outputs.safe_text import escape_markdown
from scoring.store import StoreError
from scoring.store.accounts import MIN_PASSWORD
from scoring.web import login_link

st.title("Tài khoản")
if st.session_state.pop("vua_doi_mat_khau", False):
    st.success("Đã đổi mật khẩu. Phiên đăng nhập cũ đã kết thúc: hãy đăng nhập lại bằng mật khẩu mới.")
user = account()
if user is None:
    st.info("Chưa đăng nhập.")
    login_form()
    account_box()
    st.stop()

assert user is not None
st.success(f"Đang đăng nhập: {escape_markdown(user.label)}.")
st.markdown(
    "- **Tự đánh giá**: nhập số liệu của đơn vị, xem điểm và thứ hạng ngay, lưu nháp, gửi duyệt.\n"
    "- **Duyệt**: xem đơn vị nào chưa nộp, so sánh xếp loại tự đánh giá với mức theo quy định, "
    "duyệt hoặc trả lại.\n"
    "- Các trang chấm điểm dùng số liệu đã duyệt trong cơ sở dữ liệu, trong phạm vi của tài khoản."
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
            except StoreError as error:
                st.error(escape_markdown(error))
            else:  # the password's sessions end with it (this one too)
                st.session_state["vua_doi_mat_khau"] = True
                st.rerun()
st.markdown(login_link(logout_href(), "Đăng xuất"), unsafe_allow_html=True)
account_box()

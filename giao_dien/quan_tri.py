"""Quản trị (quan_tri only; the library refuses anyone else): load the organisation tree and earlier
years' figures from the data in use, create accounts and reset passwords, read the audit log, and
download a backup of the database."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from giao_dien.access import require_account, store
from giao_dien.common import plan_sidebar
from scoring.domain.numbers import format_moments
from scoring.outputs.audit_views import REFUSED, audit_table
from scoring.outputs.display import WRAPPED_ROW, count_text
from scoring.outputs.excel import csv_bytes
from scoring.outputs.safe_text import escape_markdown
from scoring.store import ROLES, StoreError
from scoring.store.accounts import MIN_PASSWORD, PAGE_ACTIONS
from scoring.store.backup import backup
from scoring.store.service import ACTIONS, STATES
from scoring.store.sessions import ACTIONS as SESSION_ACTIONS


def _unit(code: object, names: dict[str, tuple[str, str]]) -> str:
    """«CB001 — Chi bộ Phòng Tổ chức»; blank for an account attached to no unit."""
    if not isinstance(code, str) or not code:
        return ""
    return f"{code} — {names[code][0]}" if code in names else code


def _accounts_table(accounts: pd.DataFrame, names: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """The accounts as the page lists them: Vietnamese headers, the unit by code and name, the date it was
    made on the office's clock, no empty cell shown as «None»."""
    return pd.DataFrame(
        {
            "Tên đăng nhập": accounts["ten_dang_nhap"].astype(str),
            "Họ tên": accounts["ho_ten"].fillna("").astype(str),
            "Vai trò": accounts["vai_tro"].map(lambda r: ROLES.get(r, r)),
            "Trạng thái": accounts["bi_khoa"].map(lambda locked: "Đã khóa" if locked else "Đang dùng"),
            "Tạo lúc": format_moments(accounts["tao_luc"]),
            "Đơn vị": accounts["ma_to_chuc"].map(lambda c: _unit(c, names)),  # last: a long name is cut, not a date
        }
    )


plan_sidebar()
user = require_account("quan_tri", page="Quản trị")
db = store()
st.title("Quản trị")
notice = st.session_state.pop("qt_thong_bao", None)
if notice:
    st.success(escape_markdown(notice))
tree, people, log, safe = st.tabs(["Cây tổ chức và số liệu", "Tài khoản", "Nhật ký", "Sao lưu"])

with tree:
    names = db.names()
    st.markdown(
        f"Cơ sở dữ liệu đang có **{count_text(len(names))}** tổ chức. Cây tổ chức và số liệu các năm được nạp ở trang "
        "**Dữ liệu**: tệp được kiểm tra, xem trước những gì thay đổi rồi mới nạp, mỗi lần nạp hoàn tác được."
    )
    st.page_link("giao_dien/du_lieu.py", label="Mở trang Dữ liệu", icon=":material/upload_file:")

with people:
    accounts = db.accounts(user)
    st.dataframe(_accounts_table(accounts, names), hide_index=True, width="stretch")
    # no Enter to send (a half-filled form is not sent by accident), and so no «Press Enter to submit form»
    with st.form("qt_tao_tai_khoan", clear_on_submit=True, enter_to_submit=False):
        st.markdown("**Tạo tài khoản**")
        a, b = st.columns(2)
        username = a.text_input("Tên đăng nhập")
        name = b.text_input("Họ và tên")
        role = a.selectbox(
            "Vai trò",
            list(ROLES),
            index=list(ROLES).index("chi_bo"),
            format_func=lambda r: ROLES[r],
            placeholder="Chọn vai trò",
        )
        units = ["", *names]
        unit = b.selectbox(
            "Đơn vị (cấp ủy cơ sở, chi bộ)",
            units,
            format_func=lambda u: _unit(u, names) or "—",
            placeholder="Chọn đơn vị",
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
    with st.form("qt_dat_lai", clear_on_submit=True, enter_to_submit=False):
        st.markdown("**Đặt lại mật khẩu**")
        full_names = dict(zip(accounts["ten_dang_nhap"], accounts["ho_ten"].fillna(""), strict=True))
        who = st.selectbox(  # no account chosen until one is: never one's own password by default
            "Tài khoản",
            list(full_names),
            index=None,
            placeholder="Chọn tài khoản",
            format_func=lambda n: f"{n} — {full_names[n]}" if full_names.get(n) else n,
        )
        new = st.text_input("Mật khẩu mới", type="password")
        if st.form_submit_button("Đặt lại"):
            if who is None:
                st.error("Chọn tài khoản cần đặt lại mật khẩu.")
            else:
                try:
                    db.reset_password(user, str(who), new)
                except StoreError as error:
                    st.error(escape_markdown(error))
                else:
                    st.session_state["qt_thong_bao"] = f"Đã đặt lại mật khẩu của {who}."
                    st.rerun()

with log:
    audit = audit_table(db.audit(user), {**ACTIONS, **SESSION_ACTIONS, **PAGE_ACTIONS}, {**STATES, **ROLES})
    only_denied = st.checkbox("Chỉ các lần bị từ chối", key="qt_tu_choi")
    widths = {  # every column in sight, long details on up to three lines
        "Lúc": 125, "Tài khoản": 100, "Hành động": 130, "Đối tượng": 120, "Được phép": 80, "Ghi chú": 120,
        "Trước": 150, "Sau": 215,
    }  # fmt: skip
    shown = audit[audit["Được phép"] == REFUSED] if only_denied else audit
    if shown.empty:  # (an empty table would draw Streamlit's English «empty»)
        st.caption("Không có dòng nào.")
    else:
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            row_height=WRAPPED_ROW,
            height=min(len(shown), 10) * WRAPPED_ROW + 38,  # ten lines in sight, the others a scroll away
            column_config={column: st.column_config.TextColumn(width=w) for column, w in widths.items()},
        )
    # a login name typed as «=HYPERLINK(…)» (logged when refused) stays text in the spreadsheet
    st.download_button("Tải nhật ký (CSV)", csv_bytes(audit), "nhat_ky.csv", mime="text/csv", on_click="ignore")

with safe:
    st.markdown(
        "Bản sao lưu là một tệp zip (mỗi bảng một tệp JSON). Khôi phục bằng lệnh `thidua khoi-phuc tep.zip` "
        "trên máy chủ."
    )
    if st.button("Tạo bản sao lưu", key="qt_sao_luu"):
        with tempfile.TemporaryDirectory(prefix="thidua_sl_") as folder:  # removed once the bytes are read
            target = Path(folder) / f"thidua_sao_luu_{pd.Timestamp.now():%Y%m%d_%H%M}.zip"
            backup(db.engine, target)
            st.download_button(
                "Tải bản sao lưu", target.read_bytes(), target.name, mime="application/zip", on_click="ignore"
            )

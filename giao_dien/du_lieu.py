"""Dữ liệu: upload a dataset (one XLSX workbook, or the three CSV files) and a criteria file; the
validation report comes first, and nothing already loaded changes until the user switches to it.
Uploads are for accounts that may import (`scoring.store.uploads`, which checks again and reads each
file from a temporary folder it removes); everyone else keeps the sample."""

from __future__ import annotations

import hashlib

import streamlit as st

from giao_dien.common import (
    APPROVED,
    TEMPLATE,
    UPLOADED,
    Loaded,
    account,
    caption,
    criteria_key,
    loaded,
    sidebar,
    store,
    use_approved,
)
from scoring import CriteriaError
from scoring.outputs.excel import XLSX_MIME
from scoring.outputs.safe_text import escape_markdown
from scoring.store import PermissionDenied
from scoring.store.uploads import Upload, may_import, read_criteria_upload, read_dataset_upload

LIMIT_MB = 50

sidebar()
st.title("Dữ liệu")
caption()
switched = st.session_state.pop("vua_doi_du_lieu", None)
if switched:
    st.success(switched)
state = loaded()

user = account()
with st.container(border=True):
    st.markdown("**Số liệu đã duyệt** (từ trang Tự đánh giá và Duyệt)")
    if user is None:
        st.caption("Đăng nhập (trang Tài khoản) để dùng số liệu các đơn vị đã được duyệt cho mọi trang xếp hạng.")
    elif user.vai_tro == "xem":
        st.caption("Tài khoản chỉ xem: xem bảng tổng hợp ở trang Duyệt (không có số liệu từng đảng viên).")
    elif state.key.startswith(APPROVED):
        st.caption("Mọi trang đang dùng số liệu đã duyệt; bảng tự cập nhật khi có báo cáo mới được duyệt.")
        if st.button("Quay lại dữ liệu mẫu", key="bo_csdl"):
            del st.session_state["loaded"]
            st.rerun()
    elif st.button("Dùng số liệu đã duyệt", type="primary", key="dung_csdl") and use_approved(
        user, state.criteria, state.criteria_label
    ):
        st.session_state["vua_doi_du_lieu"] = "Đã chuyển sang số liệu đã duyệt; mọi trang giờ hiển thị chúng."
        st.session_state.pop("nam_da_chon", None)
        st.session_state.pop("cap_tren_da_chon", None)
        st.rerun()

st.download_button("Tải mẫu nhập liệu (XLSX)", data=TEMPLATE.read_bytes(), file_name=TEMPLATE.name, mime=XLSX_MIME)
if not may_import(user):
    st.info(
        "Tải bộ dữ liệu hoặc tệp tiêu chí lên: đăng nhập bằng tài khoản quản trị (trang Tài khoản). Các trang "
        "xếp hạng vẫn dùng được trên dữ liệu mẫu."
    )
    st.stop()
st.markdown(
    "Tải lên **một tệp Excel** có ba trang (tổ chức, đảng viên, số liệu đơn vị theo năm) hoặc **ba tệp CSV** "
    f"`to_chuc.csv`, `dang_vien.csv`, `don_vi_nam.csv`; mỗi tệp tối đa {LIMIT_MB} MB. Kế hoạch chấm theo nhiệm vụ "
    "cần thêm trang «Nhiệm vụ» hoặc tệp `nhiem_vu.csv` (không bắt buộc). Công thức và macro trong "
    "tệp Excel không bao giờ được chạy: chỉ đọc giá trị đã lưu."
)
files = st.file_uploader("Bộ dữ liệu", type=["xlsx", "csv"], accept_multiple_files=True)
criteria_file = st.file_uploader("Tệp tiêu chí (YAML, không bắt buộc)", type=["yaml", "yml"])

if files or criteria_file:
    too_big = [f.name for f in [*files, *([criteria_file] if criteria_file else [])] if f.size > LIMIT_MB * 2**20]
    if too_big:
        names = escape_markdown(", ".join(too_big))
        st.error(f"Tệp quá lớn (tối đa {LIMIT_MB} MB): {names}. Dữ liệu đang dùng không thay đổi.")
        st.stop()
    dataset, criteria = state.dataset, state.criteria
    data_label, criteria_label = state.data_label, state.criteria_label
    try:  # the library decides whether this account may upload (and logs a refusal)
        if files:
            xlsx = [f for f in files if f.name.lower().endswith(".xlsx")]
            if len(xlsx) > 1 or (xlsx and len(files) > 1):
                st.error(
                    "Chọn một tệp Excel, hoặc các tệp CSV — không trộn hai loại. Dữ liệu đang dùng không thay đổi."
                )
                st.stop()
            with st.spinner("Đang đọc và kiểm tra…"):
                checked, report = read_dataset_upload(store(), user, [Upload(f.name, f.getvalue()) for f in files])
            st.subheader("Kết quả kiểm tra dữ liệu")
            (st.success if report.ok else st.error)(escape_markdown(report.summary()))
            problems = report.display_table()
            if len(problems):
                st.dataframe(problems, hide_index=True, width="stretch")
            if checked is None:
                st.info("Dữ liệu có lỗi nên chưa được chấm; dữ liệu đang dùng không thay đổi.")
                st.stop()
            dataset, data_label = checked, ", ".join(f.name for f in files)
        if criteria_file:
            try:
                criteria = read_criteria_upload(store(), user, Upload(criteria_file.name, criteria_file.getvalue()))
            except CriteriaError as error:
                st.error(escape_markdown(error))
                st.info("Tệp tiêu chí có lỗi; tiêu chí đang dùng không thay đổi.")
                st.stop()
            criteria_label = f"{criteria_file.name} — {criteria.label}"
            st.success(f"Tệp tiêu chí hợp lệ: {escape_markdown(criteria.label)}, {len(criteria.criteria)} tiêu chí.")
    except PermissionDenied as error:
        st.error(escape_markdown(error))
        st.stop()
    if st.button("Dùng dữ liệu và tiêu chí này", type="primary"):
        digest = hashlib.sha256()  # caches follow the content, not the upload
        for f in [*files, *([criteria_file] if criteria_file else [])]:
            digest.update(f.name.encode() + b"\0" + f.getvalue())
        st.session_state["loaded"] = Loaded(  # the key names the data and the criteria: caches follow both
            dataset,
            criteria,
            data_label,
            criteria_label,
            f"{UPLOADED}{digest.hexdigest()[:16]}|{criteria_key(criteria)}",
        )
        st.session_state["vua_doi_du_lieu"] = (
            "Đã chuyển sang dữ liệu và tiêu chí vừa tải lên; mọi trang giờ hiển thị chúng."
        )
        st.session_state.pop("nam_da_chon", None)
        st.session_state.pop("cap_tren_da_chon", None)
        st.rerun()
elif state.key.startswith(UPLOADED) and st.button("Quay lại dữ liệu mẫu"):
    del st.session_state["loaded"]
    st.rerun()

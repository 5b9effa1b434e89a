"""Khen thưởng: the year's ratings checked against the rules in force (chosen by year), the 20% quota
under both readings, and the award shortlist with every reason — downloadable as XLSX and Word."""

from __future__ import annotations

import streamlit as st

from pages.common import caption, loaded, result, sidebar
from scoring.awards import TIE_RULE, shortlist
from scoring.compliance import check_compliance
from scoring.criteria.rules import RulesError
from scoring.io.documents import Letterhead, shortlist_docx, shortlist_xlsx
from scoring.io.excel import XLSX_MIME
from scoring.views import workbook

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

state = loaded()
year, _ = sidebar()
st.title(f"Khen thưởng và kiểm tra xếp loại năm {year}")
caption()
try:
    with st.spinner("Đang kiểm tra xếp loại theo quy định…"):
        report = check_compliance(state.dataset, year)
except RulesError as exc:
    st.error("Không dùng được quy định xếp loại: " + "; ".join(p.message for p in exc.problems))
    st.stop()
st.caption(f"Quy định áp dụng (chọn theo năm): {report.rules.label}. {report.quota_note}")

checked, awards = st.tabs(["Kiểm tra xếp loại", "Đề nghị khen thưởng"])
with checked:
    counts = report.ratings.counts()
    st.dataframe(counts.rename(columns={"doi_tuong": "Đối tượng", "ket_luan": "Kết luận", "so_luong": "Số lượng"}),
                 hide_index=True)  # fmt: skip
    findings = report.ratings.findings
    st.subheader(f"Xếp loại không đúng quy định ({len(findings)})")
    st.dataframe(findings, hide_index=True, width="stretch")
    for title, table in (("Tỷ lệ xuất sắc của đảng viên (theo TCCSĐ)", report.member_quota),
                         ("Tỷ lệ xuất sắc của tập thể (theo nhóm)", report.collective_quota)):  # fmt: skip
        if table is not None and not table.empty:
            st.subheader(title)
            st.dataframe(table, hide_index=True, width="stretch")
    st.download_button(
        "Tải kết quả kiểm tra (Excel)",
        workbook({"Sai quy định": findings, "Tổ chức": report.ratings.units, "Đảng viên": report.ratings.members}),
        file_name=f"kiem_tra_xep_loai_{year}.xlsx",
        mime=XLSX_MIME,
    )
with awards:
    if not state.criteria.awards:
        st.info("Tệp tiêu chí đang dùng không có mục «awards» (danh hiệu và chỉ tiêu khen thưởng).")
        st.stop()
    with st.spinner("Đang lập danh sách…"):
        chosen = shortlist(state.dataset, result(year, state), report.ratings)
    st.caption(f"{state.criteria.awards_note or ''} {TIE_RULE}")
    for award in chosen.awards:
        rows = chosen.table[chosen.table["khen_thuong"] == award.id]
        picked = rows[rows["de_nghi"]]
        with st.expander(f"{award.title}: {len(picked)} đề nghị, {len(rows) - len(picked)} không đề nghị"):
            st.dataframe(rows.drop(columns=["khen_thuong", "danh_hieu"]), hide_index=True, width="stretch")
    left, right = st.columns(2)
    name = f"danh_sach_khen_thuong_{year}"
    left.download_button("Tải danh sách (Excel)", shortlist_xlsx(chosen), file_name=f"{name}.xlsx", mime=XLSX_MIME)
    right.download_button("Tải danh sách (Word)", shortlist_docx(chosen, Letterhead()),
                          file_name=f"{name}.docx", mime=DOCX_MIME)  # fmt: skip

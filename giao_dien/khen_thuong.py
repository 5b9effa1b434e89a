"""Khen thưởng: the year's ratings checked against the rules in force (chosen by year), the 20% quota
under both readings, the award shortlist with every reason, and the year-end sơ kết — each
downloadable as XLSX and as a Word document with the letterhead the user fills in."""

from __future__ import annotations

from datetime import date
from functools import partial

import streamlit as st

from giao_dien.common import Loaded, caption, criterion_table, loaded, result, sidebar, years
from scoring.engine.awards import TIE_RULE, Shortlist
from scoring.engine.rating_report import RatingReport
from scoring.outputs.display import count_text, screen
from scoring.outputs.documents import (
    Letterhead,
    shortlist_docx,
    shortlist_xlsx,
    so_ket_docx,
    so_ket_xlsx,
    summary_table,
)
from scoring.outputs.excel import XLSX_MIME
from scoring.outputs.rating_views import (
    findings_view,
    over_quota,
    quota_view,
    rating_workbook_sheets,
    shortlist_view,
)
from scoring.outputs.safe_text import escape_markdown
from scoring.outputs.views import board, criteria_met, workbook
from scoring.plans.rating_rules import RulesError

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LEGEND = (
    "HTXSNV: hoàn thành xuất sắc nhiệm vụ · HTTNV: hoàn thành tốt nhiệm vụ · HTNV: hoàn thành nhiệm vụ · "
    "KHTNV: không hoàn thành nhiệm vụ"
)


def _report(key: str, year: int, _state: Loaded) -> RatingReport:
    """Computed on every unit (quotas, ranks among all peers), cut to the reader, in the library."""
    assert _state.scoped is not None
    return _state.scoped.rating_report(year)


def _shortlist(key: str, year: int, _state: Loaded, _report: RatingReport) -> Shortlist:
    assert _state.scoped is not None
    return _state.scoped.shortlist(year)


@st.cache_data(show_spinner=False, max_entries=16)
def _check_file(key: str, year: int, _report: RatingReport) -> bytes:
    return workbook(rating_workbook_sheets(_report))


@st.cache_data(show_spinner=False, max_entries=16)
def _shortlist_xlsx(key: str, year: int, _chosen: Shortlist) -> bytes:
    return shortlist_xlsx(_chosen)


state = loaded()
year, cap_tren = sidebar()
st.title(f"Khen thưởng và kiểm tra xếp loại năm {year}")
caption()
try:
    report = _report(state.key, year, state)
except RulesError as exc:
    st.error("Không dùng được quy định xếp loại: " + escape_markdown("; ".join(p.message for p in exc.problems)))
    st.stop()
st.caption(f"Quy định áp dụng (chọn theo năm): {escape_markdown(report.rules.label)}. {LEGEND}.")

with st.expander("Thông tin in trên văn bản Word (tên cơ quan, số, ngày ký, người ký)"):
    left, right = st.columns(2)
    head = Letterhead(
        cap_tren=left.text_input("Tên đảng bộ cấp trên", Letterhead.cap_tren),
        co_quan=left.text_input("Cơ quan ban hành", Letterhead.co_quan),
        so=left.text_input("Số văn bản", Letterhead.so),
        dia_danh=right.text_input("Địa danh", Letterhead.dia_danh),
        ngay=right.date_input("Ngày ký", date.today(), format="DD/MM/YYYY"),
        nguoi_ky=right.text_input("Họ tên người ký", ""),
        chuc_vu=right.text_input("Chức vụ người ký", Letterhead.chuc_vu),
    )

checked, awards, summary = st.tabs(["Kiểm tra xếp loại", "Đề nghị khen thưởng", "Sơ kết năm"])
with checked:
    findings = report.ratings.findings
    members_over, member_groups = over_quota(report.member_quota)
    collectives_over, collective_groups = over_quota(report.collective_quota)
    columns = st.columns(3)
    columns[0].metric("Xếp loại không đúng quy định", count_text(len(findings)))
    columns[1].metric(
        "TCCSĐ vượt tỷ lệ xuất sắc (đảng viên)",
        f"{count_text(members_over)}/{count_text(member_groups)}" if member_groups else "—",
    )
    columns[2].metric(
        "Nhóm vượt tỷ lệ xuất sắc (tập thể)",
        f"{count_text(collectives_over)}/{count_text(collective_groups)}" if collective_groups else "—",
    )
    counts = report.ratings.counts()
    counted = screen(counts.rename(columns={"doi_tuong": "Đối tượng", "ket_luan": "Kết luận", "so_luong": "Số lượng"}))
    st.dataframe(counted.frame, hide_index=True, column_config=counted.column_config)
    st.subheader(f"Xếp loại không đúng quy định ({count_text(len(findings))})")
    if findings.empty:
        st.success("Mọi xếp loại đã nhập đều nằm trong mức quy định cho phép.")
    else:
        wrong = screen(findings_view(findings))
        st.dataframe(wrong.frame, hide_index=True, width="stretch", column_config=wrong.column_config)
    st.subheader("Tỷ lệ hoàn thành xuất sắc nhiệm vụ (không quá 20%)")
    st.caption(report.quota_note)
    for title, table in (("Đảng viên, theo từng TCCSĐ", report.member_quota),
                         ("Tập thể, theo từng nhóm thi đua", report.collective_quota)):  # fmt: skip
        if table is not None and not table.empty:
            st.markdown(f"**{title}**")
            quota = screen(quota_view(table))
            st.dataframe(quota.frame, hide_index=True, width="stretch", column_config=quota.column_config)
    st.download_button(
        "Tải kết quả kiểm tra (Excel)",
        _check_file(state.key, year, report),
        file_name=f"kiem_tra_xep_loai_{year}.xlsx",
        mime=XLSX_MIME,
        on_click="ignore",
    )
with awards:
    if not state.criteria.awards:
        st.info("Tệp tiêu chí đang dùng không có mục «awards» (danh hiệu và chỉ tiêu khen thưởng).")
    else:
        chosen = _shortlist(state.key, year, state, report)
        st.caption(f"{escape_markdown(state.criteria.awards_note)} {TIE_RULE}")
        first_year = min(years(state))
        for award in chosen.awards:
            rows = chosen.table[chosen.table["khen_thuong"] == award.id]
            picked, missed = rows[rows["de_nghi"]], rows[~rows["de_nghi"]]
            said = f"{count_text(len(picked))} đề nghị, {count_text(len(missed))} không đề nghị"
            with st.expander(f"{escape_markdown(award.title)}: {said}"):
                if award.kind == "nam_lien" and year - award.years + 1 < first_year:
                    st.info(f"Dữ liệu có từ năm {first_year}: chưa ai có đủ {award.years} năm để xét đến năm {year}.")
                for heading, rows in ((f"Đề nghị ({count_text(len(picked))})", picked),
                                      (f"Không đề nghị ({count_text(len(missed))}), kèm lý do", missed)):  # fmt: skip
                    st.markdown(f"**{heading}**")
                    listed = screen(shortlist_view(rows))
                    st.dataframe(listed.frame, hide_index=True, width="stretch", column_config=listed.column_config)
        left, right = st.columns(2)
        name = f"danh_sach_khen_thuong_{year}"
        left.download_button("Tải danh sách (Excel)", _shortlist_xlsx(state.key, year, chosen),
                             file_name=f"{name}.xlsx", mime=XLSX_MIME, on_click="ignore")  # fmt: skip
        right.download_button("Tải danh sách (Word)", partial(shortlist_docx, chosen, head), file_name=f"{name}.docx",
                              mime=DOCX_MIME, on_click="ignore")  # fmt: skip
with summary:
    if cap_tren is None:
        st.warning("Dữ liệu không có đảng bộ cấp trên cơ sở nào: chưa lập được sơ kết.")
    else:
        previous = result(year - 1, state) if year - 1 in years(state) else None
        targets = board(result(year, state), previous, cap_tren)
        orgs = state.dataset.to_chuc
        unit_name = str(orgs.loc[orgs["ma_to_chuc"].astype(str) == cap_tren, "ten_to_chuc"].iloc[0])
        table = summary_table(targets)
        met = criteria_met(targets)
        st.subheader(f"Sơ kết năm {year} — {escape_markdown(unit_name)}")
        st.caption("Đảng bộ cấp trên cơ sở chọn ở thanh bên.")
        st.metric("Số chỉ tiêu của kế hoạch đạt", f"{met}/{len(table)}")
        criterion_table(table)
        st.markdown("**Kiểm tra xếp loại theo quy định**")
        st.markdown("\n".join(f"- {escape_markdown(line.strip())}" for line in report.summary()[2:]))
        left, right = st.columns(2)
        left.download_button("Tải sơ kết (Excel)", partial(so_ket_xlsx, year, targets, report),
                             file_name=f"so_ket_{year}.xlsx", mime=XLSX_MIME, on_click="ignore")  # fmt: skip
        right.download_button("Tải sơ kết (Word)", partial(so_ket_docx, year, unit_name, targets, report, head),
                              file_name=f"so_ket_{year}.docx", mime=DOCX_MIME, on_click="ignore")  # fmt: skip

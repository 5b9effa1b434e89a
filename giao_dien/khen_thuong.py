"""Khen thưởng: the year's ratings checked against the rules in force (chosen by year), the 20% quota
under both readings, the award shortlist with every reason, and the year-end sơ kết — each
downloadable as XLSX and as a Word document with the letterhead the user fills in."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from giao_dien.common import Loaded, caption, criterion_table, loaded, result, sidebar, years
from scoring.engine.awards import TIE_RULE, Shortlist
from scoring.engine.rating_report import RatingReport
from scoring.outputs.display import FOUR_LINE_ROW, TWO_LINE_ROW, WRAPPED_ROW, Screen, count_text, screen
from scoring.outputs.documents import (
    SHORTLIST_HEADERS,
    Letterhead,
    shortlist_docx,
    shortlist_xlsx,
    so_ket_docx,
    so_ket_xlsx,
    summary_table,
)
from scoring.outputs.excel import XLSX_MIME
from scoring.outputs.rating_views import (
    FINDING_HEADERS,
    QUOTA_HEADERS,
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
    "KHTNV: không hoàn thành nhiệm vụ · TCCSĐ: tổ chức cơ sở đảng"
)
#: the two readings of the quota («không quá 20%») by name on screen, said in words in a caption above the
#: tables, instead of formulas in the headers
READINGS = {"htt": "cách 1", "htt_htxs": "cách 2"}
QUOTA_SCREEN = {
    QUOTA_HEADERS["ty_le_htt"]: "Tỷ lệ, cách 1",
    QUOTA_HEADERS["duoc_phep_htt"]: "Được phép, cách 1",
    QUOTA_HEADERS["dat_htt"]: "Trong tỷ lệ, cách 1",
    QUOTA_HEADERS["ty_le_htt_htxs"]: "Tỷ lệ, cách 2",
    QUOTA_HEADERS["duoc_phep_htt_htxs"]: "Được phép, cách 2",
    QUOTA_HEADERS["dat_htt_htxs"]: "Trong tỷ lệ, cách 2",
    QUOTA_HEADERS["dat"]: "Trong tỷ lệ",
}
#: pixels; a name, a group's full name («TCCSĐ loại hình … — Đảng bộ Khối …», 90 characters) and a reason
#: wrap onto the rows' lines, never cut; the name stays in sight when a wide table scrolls sideways
QUOTA_WIDTHS: dict[str, int] = {
    QUOTA_HEADERS["ma_to_chuc"]: 70, QUOTA_HEADERS["ten_to_chuc"]: 220, QUOTA_HEADERS["nhom"]: 290,
    QUOTA_HEADERS["so_to_chuc"]: 85, QUOTA_HEADERS["so_htxs"]: 90, QUOTA_HEADERS["so_htt"]: 85, "Trong tỷ lệ": 90,
    "Tỷ lệ, cách 1": 100, "Được phép, cách 1": 125, "Trong tỷ lệ, cách 1": 135,
    "Tỷ lệ, cách 2": 100, "Được phép, cách 2": 125, "Trong tỷ lệ, cách 2": 135,
}  # fmt: skip
FINDING_WIDTHS: dict[str, int] = {
    FINDING_HEADERS["doi_tuong"]: 85, FINDING_HEADERS["ma"]: 85, FINDING_HEADERS["ten"]: 190,
    FINDING_HEADERS["cap"]: 110, FINDING_HEADERS["don_vi"]: 190, FINDING_HEADERS["xep_loai"]: 120,
    FINDING_HEADERS["diem_danh_gia"]: 100, FINDING_HEADERS["xep_loai_theo_diem"]: 120,
    FINDING_HEADERS["muc_duoc_phep"]: 130, FINDING_HEADERS["ket_luan"]: 110, FINDING_HEADERS["can_cu"]: 400,
}  # fmt: skip
SHORTLIST_WIDTHS: dict[str, int] = {
    SHORTLIST_HEADERS["ten"]: 200, SHORTLIST_HEADERS["ly_do"]: 400, SHORTLIST_HEADERS["don_vi"]: 190,
    SHORTLIST_HEADERS["nhom"]: 230, SHORTLIST_HEADERS["xep_loai"]: 120, SHORTLIST_HEADERS["tong_diem"]: 80,
    SHORTLIST_HEADERS["so_tieu_chi_dat"]: 95, SHORTLIST_HEADERS["thu_tu_trong_nhom"]: 75,
    SHORTLIST_HEADERS["chi_tieu"]: 80, SHORTLIST_HEADERS["thanh_tich"]: 300, SHORTLIST_HEADERS["ma"]: 90,
}  # fmt: skip
#: short headers for narrow columns (the whole title shows on hovering the header)
SHORT_HEADERS = {
    FINDING_HEADERS["muc_duoc_phep"]: "Mức cho phép",
    SHORTLIST_HEADERS["so_tieu_chi_dat"]: "Tiêu chí đạt",
    SHORTLIST_HEADERS["thu_tu_trong_nhom"]: "Thứ tự",
    SHORTLIST_HEADERS["chi_tieu"]: "Chỉ tiêu",
}


def _report(key: str, year: int, _state: Loaded) -> RatingReport:
    """Computed on every unit (quotas, ranks among all peers), cut to the reader, in the library."""
    assert _state.scoped is not None
    return _state.scoped.rating_report(year)


def _shortlist(key: str, year: int, _state: Loaded, _report: RatingReport) -> Shortlist:
    assert _state.scoped is not None
    return _state.scoped.shortlist(year)


def _table(shown: Screen, widths: Mapping[str, int], pinned: str, row: int, rows: int = 8) -> None:
    """A wide table of long texts: each column `widths` wide, rows `row` pixels tall so that a long name or
    reason wraps instead of being cut, `rows` of them in sight; the column `pinned` stays in sight when it
    scrolls sideways inside its own frame (never the page). No rows: a sentence (an empty table would draw
    Streamlit's English «empty»)."""
    if shown.frame.empty:
        st.caption("Không có dòng nào.")
        return
    config = dict(shown.column_config)
    for column in shown.frame.columns:
        if column in config and config[column] is None:  # hidden
            continue
        settings = dict(config.get(column) or {})
        if column in widths:
            settings["width"] = widths[column]
        if column in SHORT_HEADERS:
            settings.update(label=SHORT_HEADERS[column], help=column)
        if column == pinned:
            settings["pinned"] = True
        config[column] = settings
    st.dataframe(
        shown.frame,
        hide_index=True,
        width="stretch",
        column_config=config,
        row_height=row,
        height=min(len(shown.frame), rows) * row + 38,
    )


def _quota_screen(table: pd.DataFrame) -> pd.DataFrame:
    """A quota table (`quota_view`) with the readings by name (`QUOTA_SCREEN`) and the verdict of the reading
    applied right after the counts."""
    view = quota_view(table).rename(columns=QUOTA_SCREEN)
    columns = list(view.columns)
    if "Trong tỷ lệ" in columns and QUOTA_HEADERS["so_htt"] in columns:
        columns.remove("Trong tỷ lệ")
        columns.insert(columns.index(QUOTA_HEADERS["so_htt"]) + 1, "Trong tỷ lệ")
    return view[columns]


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
    columns[0].metric(
        "Xếp loại cần xem lại",
        count_text(len(findings)),
        help="Cao hơn hoặc thấp hơn mức quy định cho phép, hoặc cần cấp có thẩm quyền xem xét.",
    )
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
    st.subheader(f"Xếp loại cần xem lại ({count_text(len(findings))})")
    if findings.empty:
        st.success("Mọi xếp loại đã nhập đều nằm trong mức quy định cho phép.")
    else:
        st.caption(
            "Sai quy định (cao hơn, thấp hơn mức cho phép) hoặc «Cần cấp có thẩm quyền xem xét»: quy định để cấp có "
            "thẩm quyền quyết định trường hợp đó, hệ thống không tự kết luận."
        )
        _table(screen(findings_view(findings)), FINDING_WIDTHS, FINDING_HEADERS["ten"], FOUR_LINE_ROW)
    if notes := report.data_notes():  # the conditions the year's data could not show
        with st.expander(f"Điều kiện chưa kiểm tra đủ vì thiếu số liệu ({count_text(len(notes))} quy tắc)"):
            st.markdown("\n".join(f"- {escape_markdown(line.strip())}" for line in notes))
    st.subheader("Tỷ lệ hoàn thành xuất sắc nhiệm vụ (không quá 20%)")
    st.caption(report.quota_note)
    if report.rules.quota is not None:
        st.caption(
            "Cách 1: số HTXSNV so với số HTTNV; cách 2: số HTXSNV so với tổng số HTTNV và HTXSNV. «Được phép»: số "
            "HTXSNV nhiều nhất theo cách đó; «Trong tỷ lệ»: theo cách hiểu đang áp dụng "
            f"({READINGS.get(report.rules.quota.reading, report.rules.quota.reading)})."
        )
    for title, table, named_by, row_height in (
        ("Đảng viên, theo từng TCCSĐ", report.member_quota, QUOTA_HEADERS["ten_to_chuc"], TWO_LINE_ROW),
        ("Tập thể, theo từng nhóm thi đua", report.collective_quota, QUOTA_HEADERS["nhom"], WRAPPED_ROW),
    ):
        if table is not None and not table.empty:
            st.markdown(f"**{title}**")
            _table(screen(_quota_screen(table)), QUOTA_WIDTHS, named_by, row_height, rows=10)
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
                    _table(screen(shortlist_view(rows)), SHORTLIST_WIDTHS, SHORTLIST_HEADERS["ten"], FOUR_LINE_ROW)
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

"""The rating report and the shortlist as a reader sees them (app and XLSX): Vietnamese headers,
levels by name, shares as «58,4%» on screen (fractions with a % format in the workbook), yes/no as
«Có»/«Không», and the columns that say nothing this year (no 100-point score before QĐ 366, no rank for
«5 năm liền») left out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.domain.codes import CAP
from scoring.domain.numbers import format_percent
from scoring.engine.rating_report import RatingReport
from scoring.outputs.display import rating_words
from scoring.outputs.documents import SHORTLIST_HEADERS
from scoring.outputs.excel import NUMBER_FORMATS, PERCENT_FORMAT

LEVEL_NAMES = {**CAP.labels, "dang_vien": "Đảng viên"}

FINDING_HEADERS = {
    "doi_tuong": "Đối tượng",
    "ma": "Mã",
    "ten": "Họ và tên / tên tổ chức",
    "cap": "Cấp",
    "don_vi": "Thuộc",
    "xep_loai": "Xếp loại đã nhập",
    "diem_danh_gia": "Điểm đánh giá",
    "xep_loai_theo_diem": "Xếp loại theo điểm",
    "muc_duoc_phep": "Mức quy định cho phép",
    "ket_luan": "Kết luận",
    "can_cu": "Căn cứ",
    "quy_tac_ap_dung": "Quy tắc áp dụng (mã)",
}
QUOTA_HEADERS = {
    "ma_to_chuc": "Mã",
    "ten_to_chuc": "Tổ chức cơ sở đảng",
    "nhom": "Nhóm thi đua",
    "so_to_chuc": "Số tổ chức",
    "so_htxs": "Số HTXSNV",
    "so_htt": "Số HTTNV",
    "ty_le_toi_da": "Tỷ lệ tối đa",
    "ty_le_htt": "HTXSNV / HTTNV",
    "duoc_phep_htt": "Được phép (× HTTNV)",
    "dat_htt": "Trong tỷ lệ (× HTTNV)",
    "ty_le_htt_htxs": "HTXSNV / (HTTNV + HTXSNV)",
    "duoc_phep_htt_htxs": "Được phép (× (HTTNV + HTXSNV))",
    "dat_htt_htxs": "Trong tỷ lệ (× (HTTNV + HTXSNV))",
    "dat": "Trong tỷ lệ (cách hiểu áp dụng)",
}
#: the shortlist's columns on screen: name and reason first (headers as in the XLSX export)
SHORTLIST_VIEW_ORDER = [
    "ten", "ly_do", "don_vi", "nhom", "xep_loai", "tong_diem", "so_tieu_chi_dat", "thu_tu_trong_nhom", "chi_tieu",
    "thanh_tich", "ma",
]  # fmt: skip


def percent_text(values: pd.Series) -> pd.Series:
    """0.5844 → «58,4%», 0.5 → «50%»; no base (NaN) → «—»."""
    return format_percent(values.astype("Float64"), missing="—")


def _yes_no(values: pd.Series) -> pd.Series:
    return values.map({True: "Có", False: "Không"}).astype(object)


def _without_empty(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Drop those of `columns` with no value at all (NaN or "")."""
    empty = [c for c in columns if c in frame and frame[c].astype(object).replace("", np.nan).isna().all()]
    return frame.drop(columns=empty)


#: the columns holding a rating code (HTXSNV …), read as labels on screen
RATING_COLUMNS = ("xep_loai", "xep_loai_theo_diem", "muc_duoc_phep")


def findings_view(findings: pd.DataFrame, codes: bool = False) -> pd.DataFrame:
    """The ratings the rules do not allow, for a reader (ratings by their labels); `codes` keeps the
    rule ids and the rating codes (the export)."""
    table = findings.copy()
    table["cap"] = table["cap"].astype(str).map(LEVEL_NAMES).fillna(table["cap"].astype(str))
    if not codes:
        table = table.drop(columns=["quy_tac_ap_dung"])
        for column in RATING_COLUMNS:
            if column in table:
                table[column] = rating_words(table[column])
    table = _without_empty(table, ["diem_danh_gia", "xep_loai_theo_diem"])
    return table.rename(columns=FINDING_HEADERS)


def quota_view(table: pd.DataFrame, numbers: bool = False) -> pd.DataFrame:
    """A quota table (`member_quota`, `collective_quota`) for a reader; the reading and the rounding,
    the same on every row, are said once above the table (`RatingReport.quota_note`). On screen the
    shares are text («58,4%»); with `numbers` (a workbook) they stay fractions, marked for a % format."""
    view = table.drop(columns=[c for c in ("cach_doc_htt", "cach_doc_htt_htxs", "lam_tron", "cach_doc_ap_dung")
                               if c in table])  # fmt: skip
    for column in ("ty_le_htt", "ty_le_htt_htxs", "ty_le_toi_da"):
        if column in view:
            view[column] = view[column].astype(float) if numbers else percent_text(view[column])
    for column in ("dat_htt", "dat_htt_htxs", "dat"):
        if column in view:
            view[column] = _yes_no(view[column])
    view = view.rename(columns=QUOTA_HEADERS)
    if numbers:
        shares = [c for c in ("ty_le_htt", "ty_le_htt_htxs", "ty_le_toi_da") if c in table]
        view.attrs[NUMBER_FORMATS] = {QUOTA_HEADERS[c]: PERCENT_FORMAT for c in shares}
    return view


def over_quota(table: pd.DataFrame | None) -> tuple[int, int]:
    """(groups over the quota under the reading applied — or either reading when none is —, groups)."""
    if table is None or table.empty:
        return 0, 0
    kept = table["dat"] if "dat" in table else table["dat_htt"] & table["dat_htt_htxs"]
    return int((~kept.astype(bool)).sum()), len(table)


def shortlist_view(rows: pd.DataFrame) -> pd.DataFrame:
    """One award's rows for a reader: name and reason first, the rating by its label, rank columns
    only where they apply."""
    view = rows[[c for c in SHORTLIST_VIEW_ORDER if c in rows]].copy()
    view["tong_diem"] = view["tong_diem"].astype("Float64")
    view["xep_loai"] = rating_words(view["xep_loai"])
    view = _without_empty(view, ["nhom", "so_tieu_chi_dat", "thu_tu_trong_nhom", "chi_tieu", "thanh_tich"])
    return view.rename(columns=SHORTLIST_HEADERS)


ROW_HEADERS = {
    "ma_to_chuc": "Mã tổ chức",
    "ten_to_chuc": "Tên tổ chức",
    "ten_cap": "Cấp",
    "ten_cap_tren": "Thuộc",
    "ma_dang_vien": "Mã đảng viên",
    "ho_ten": "Họ và tên",
    "ma_chi_bo": "Mã chi bộ",
    "ten_chi_bo": "Chi bộ",
    "ma_tccsd": "Mã TCCSĐ",
    "muc_cao_nhat": "Mức cao nhất cho phép",
    "chua_kiem_tra": "Quy tắc chưa kiểm tra được (thiếu cột)",
    "xet_theo_cot_cu": "Quy tắc xét theo cột thay thế (thiếu cột mới)",
    **{k: v for k, v in FINDING_HEADERS.items() if k not in ("ma", "ten", "cap", "don_vi", "doi_tuong")},
}


def rows_view(table: pd.DataFrame) -> pd.DataFrame:
    """Every unit or member judged (`RatingCheck.units` / `.members`) with a reader's headers."""
    view = table.drop(columns=[c for c in ("cap",) if c in table])
    return _without_empty(view, ["diem_danh_gia", "xep_loai_theo_diem", "xet_theo_cot_cu"]).rename(columns=ROW_HEADERS)


def rating_workbook_sheets(report: RatingReport) -> dict[str, pd.DataFrame]:
    """The sheets of the check's workbook (app and `thidua kiem-tra-xep-loai --xuat`): findings, both
    quota tables, every unit and member judged, and the summary."""
    sheets = {"Cần xem lại": findings_view(report.ratings.findings, codes=True)}
    if report.member_quota is not None and not report.member_quota.empty:
        sheets["Tỷ lệ xuất sắc đảng viên"] = quota_view(report.member_quota, numbers=True)
    if report.collective_quota is not None and not report.collective_quota.empty:
        sheets["Tỷ lệ xuất sắc tập thể"] = quota_view(report.collective_quota, numbers=True)
    sheets["Tổ chức"] = rows_view(report.ratings.units)
    sheets["Đảng viên"] = rows_view(report.ratings.members)
    sheets["Ghi chú"] = pd.DataFrame({"Nội dung": report.summary()})
    return sheets

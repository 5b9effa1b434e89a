"""Write a score result: CSV for machines, one formatted XLSX for people (atomically). In both, a text
that looks like a formula stays a text (`excel`: «'» before it in CSV, a text cell in XLSX)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scoring.domain.codes import CAP
from scoring.domain.numbers import format_number
from scoring.engine.score import ScoreResult
from scoring.outputs.excel import FIGURES, GENERAL_FORMAT, SIGNED_FORMAT, excel_writer, write_csv, write_sheet
from scoring.outputs.writers import EXCEL_MAX_ROWS, atomic_folder
from scoring.plans.model import CriteriaSet

#: CSV file -> (result attribute, columns in order)
CSV_FILES = {
    "ket_qua_tieu_chi.csv": "ket_qua_tieu_chi",
    "xep_hang_to_chuc.csv": "xep_hang_to_chuc",
    "xep_hang_dang_vien.csv": "xep_hang_dang_vien",
}
WORKBOOK = "ket_qua.xlsx"

HEADERS = {
    "nam": "Năm",
    "cap": "Cấp",
    "ma": "Mã",
    "ma_tieu_chi": "Mã tiêu chí",
    "gia_tri": "Giá trị (số)",
    "gia_tri_hien_thi": "Giá trị",
    "chi_tieu": "Chỉ tiêu",
    "dat": "Đạt",
    "diem": "Điểm",
    "diem_toi_da": "Điểm tối đa",
    "giai_thich": "Giải thích",
    "nhom": "Nhóm",
    "ma_to_chuc": "Mã tổ chức",
    "ten_to_chuc": "Tên tổ chức",
    "nhom_thi_dua": "Mã nhóm thi đua",
    "ten_nhom_thi_dua": "Nhóm thi đua",
    "tong_diem": "Tổng điểm",
    "so_tieu_chi_dat": "Số tiêu chí đạt",
    "so_tieu_chi": "Số tiêu chí",
    "thu_hang": "Thứ hạng",
    "khoang_cach_dien_hinh": "Cách điển hình (điểm)",
    "dien_hinh": "Điển hình của nhóm",
    "tong_diem_nam_truoc": "Tổng điểm năm trước",
    "thu_hang_nam_truoc": "Thứ hạng năm trước",
    "thay_doi_thu_hang": "Thay đổi thứ hạng (+ là tăng)",
    "ma_dang_vien": "Mã đảng viên",
    "ho_ten": "Họ và tên",
    "ma_chi_bo": "Mã chi bộ",
    "trang_thai": "Kết quả",
}
#: the columns both ranking sheets show after their own identifying columns
_RANK_FIGURES = [
    "tong_diem", "so_tieu_chi_dat", "so_tieu_chi", "khoang_cach_dien_hinh", "dien_hinh", "tong_diem_nam_truoc",
    "thu_hang_nam_truoc", "thay_doi_thu_hang",
]  # fmt: skip
SHEETS = {
    "ket_qua_tieu_chi": (
        "Kết quả tiêu chí",
        [
            "nam",
            "cap",
            "ma",
            "ma_tieu_chi",
            "nhom",
            "gia_tri_hien_thi",
            "gia_tri",
            "chi_tieu",
            "trang_thai",
            "diem",
            "diem_toi_da",
            "giai_thich",
        ],
    ),
    "xep_hang_to_chuc": (
        "Xếp hạng tổ chức",
        ["nam", "ten_nhom_thi_dua", "thu_hang", "ma_to_chuc", "ten_to_chuc", "cap", *_RANK_FIGURES],
    ),
    "xep_hang_dang_vien": (
        "Xếp hạng đảng viên",
        ["nam", "ten_nhom_thi_dua", "thu_hang", "ma_dang_vien", "ho_ten", "ma_chi_bo", *_RANK_FIGURES],
    ),
}


def write_result(result: ScoreResult, out: Path, member_rows_in_workbook: bool = False) -> list[Path]:
    """The three CSV files and ket_qua.xlsx in a new folder `out`; nothing is left on failure.

    The workbook holds every organisation's criteria and both rankings; the members' criterion
    rows (tens of thousands) are in ket_qua_tieu_chi.csv unless `member_rows_in_workbook`."""
    with atomic_folder(out) as staging:
        for name, attribute in CSV_FILES.items():
            write_csv(getattr(result, attribute), staging / name, encoding="utf-8")
        write_workbook(result, staging / WORKBOOK, member_rows_in_workbook)
    return [out / name for name in (*CSV_FILES, WORKBOOK)]


def criteria_table(criteria: CriteriaSet) -> pd.DataFrame:
    """The criteria file as a table people read (also the app's Tiêu chí page)."""
    return pd.DataFrame(
        {
            "Mã tiêu chí": [c.id for c in criteria.criteria],
            "Nhóm": [criteria.groups.get(c.group, c.group) for c in criteria.criteria],
            "Cấp": [", ".join(CAP.labels.get(level, "Đảng viên") for level in c.levels) for c in criteria.criteria],
            "Tiêu chí": [c.title for c in criteria.criteria],
            "Chỉ số": [c.metric_text for c in criteria.criteria],
            "Chỉ tiêu": [c.target.describe() for c in criteria.criteria],
            "Điểm": [c.points for c in criteria.criteria],
            "Nguồn": [f"{c.source.document}, {c.source.section}: «{c.source.quote}»" for c in criteria.criteria],
        }
    )


#: column widths of the workbook (others: 14)
_WIDTHS = {"giai_thich": 70, "ten_to_chuc": 34, "ten_nhom_thi_dua": 34}
#: number formats beyond what `excel.write_sheet` infers: «Giá trị» is the figure as shown (82,5% a share
#: with a % format, a count a number, a rating its label), «Giá trị (số)» the raw value beside it
_FORMATS = {
    HEADERS["gia_tri_hien_thi"]: FIGURES,
    HEADERS["gia_tri"]: GENERAL_FORMAT,
    HEADERS["thay_doi_thu_hang"]: SIGNED_FORMAT,
}


def write_workbook(result: ScoreResult, path: Path, member_rows: bool = False) -> None:
    with excel_writer(path) as writer:
        notes: list[str] = []
        for attribute, (title, columns) in SHEETS.items():
            source = getattr(result, attribute)
            if attribute == "ket_qua_tieu_chi" and not member_rows:
                source = result.ket_qua_to_chuc
                notes.append(
                    "Trang «Kết quả tiêu chí» gồm các tổ chức; kết quả từng tiêu chí của đảng viên ở tệp "
                    "ket_qua_tieu_chi.csv (điểm và thứ hạng của đảng viên ở trang «Xếp hạng đảng viên»)."
                )
            frame = _people_view(source, columns, result.criteria)
            if len(frame) > EXCEL_MAX_ROWS:
                notes.append(
                    f"Trang «{title}» chỉ chứa {format_number(EXCEL_MAX_ROWS)} dòng đầu; bảng đầy đủ ở tệp CSV."
                )
                frame = frame.head(EXCEL_MAX_ROWS)
            widths = {HEADERS[c]: _WIDTHS.get(c, 14) for c in columns}
            write_sheet(writer, title, frame, formats=_FORMATS, widths=widths)
        table = criteria_table(result.criteria)
        write_sheet(
            writer, "Tiêu chí", table, widths=dict(zip(table.columns, (24, 30, 24, 50, 40, 14, 8, 80), strict=True))
        )
        info = pd.DataFrame(
            {
                "Thông tin": [
                    f"Năm chấm: {result.year}",
                    f"Tiêu chí: {result.criteria.label}",
                    f"Văn bản: {result.criteria.document}",
                    "Thứ hạng: xếp hạng liền (dense) theo tổng điểm rồi số tiêu chí đạt; "
                    "cùng hạng thì liệt kê theo mã.",
                    *notes,
                ]
            }
        )
        write_sheet(writer, "Ghi chú", info, widths={"Thông tin": 120})


def _people_view(frame: pd.DataFrame, columns: list[str], criteria: CriteriaSet) -> pd.DataFrame:
    """Labels instead of codes where people read them: levels, plan groups, verdicts."""
    view = frame[columns].copy()
    if "cap" in view:
        view["cap"] = view["cap"].map({**CAP.labels, "dang_vien": "Đảng viên"}).fillna(view["cap"])
    if "nhom" in view:
        view["nhom"] = view["nhom"].map(criteria.groups).fillna(view["nhom"])
    if "trang_thai" in view:
        view["trang_thai"] = view["trang_thai"].str.capitalize()
    return view.rename(columns=HEADERS)

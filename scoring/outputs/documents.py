"""Documents a committee signs: the award shortlist and the year-end sơ kết, as formatted XLSX
(XlsxWriter) and as Word files (python-docx) laid out as a Vietnamese party document — the
organisation and "ĐẢNG CỘNG SẢN VIỆT NAM" header, số, địa danh and date, the title, a numbered table,
and the "T/M BAN THƯỜNG VỤ" signature block."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from scoring.domain.numbers import format_date
from scoring.engine.awards import TIE_RULE, Shortlist
from scoring.engine.rating_report import RatingReport
from scoring.outputs.excel import FIGURES, NUMBER_FORMATS
from scoring.outputs.views import criteria_met, workbook

FONT = "Times New Roman"


@dataclass(frozen=True)
class Letterhead:
    """What the header and signature of a document say; the defaults suit the sample Đảng bộ Khối."""

    cap_tren: str = "ĐẢNG ỦY KHỐI CƠ QUAN - DOANH NGHIỆP TỈNH"
    co_quan: str = "BAN THƯỜNG VỤ"
    so: str = "…-DS/ĐUK"
    dia_danh: str = "Bến Tre"
    ngay: date = field(default_factory=date.today)
    nguoi_ky: str = ""
    chuc_vu: str = "BÍ THƯ"

    @property
    def date_line(self) -> str:
        return f"{self.dia_danh}, {format_date(self.ngay)}"


def _run(paragraph: object, text: str, bold: bool = False, italic: bool = False, size: float = 13) -> None:
    run = paragraph.add_run(text)  # type: ignore[attr-defined]
    run.bold, run.italic = bold, italic
    run.font.size = Pt(size)
    run.font.name = FONT


def _document(head: Letterhead, landscape: bool = True) -> object:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(13)
    language = style.element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "vi-VN")  # spelling and hyphenation in Vietnamese, not en-US
    language.append(lang)
    document.core_properties.author = head.co_quan
    document.core_properties.language = "vi-VN"
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4 (python-docx starts on US Letter)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)
    header = document.add_table(rows=2, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = header.cell(0, 0).paragraphs[0], header.cell(0, 1).paragraphs[0]
    left.alignment = right.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(left, head.cap_tren + "\n", size=13)
    _run(left, head.co_quan + "\n*", bold=True)
    _run(right, "ĐẢNG CỘNG SẢN VIỆT NAM\n", bold=True)
    _run(right, "_______________")
    number, place = header.cell(1, 0).paragraphs[0], header.cell(1, 1).paragraphs[0]
    number.alignment = place.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(number, f"Số {head.so}")
    _run(place, head.date_line, italic=True)
    return document


def _title(document: object, title: str, subtitle: str) -> None:
    for text, bold, size in ((title, True, 14), (subtitle, False, 13)):
        paragraph = document.add_paragraph()  # type: ignore[attr-defined]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(paragraph, text, bold=bold, size=size)


def _row_flag(row: object, tag: str) -> None:
    """Set a row property (`w:tblHeader`: repeat on every page; `w:cantSplit`: keep on one page)."""
    properties = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    flag = OxmlElement(tag)
    flag.set(qn("w:val"), "true")
    properties.append(flag)


def _table(document: object, headers: list[str], rows: list[list[str]], widths: list[float]) -> None:
    """A bordered table with fixed column widths (Word and LibreOffice both honour them), the header
    row repeated on every page, rows kept whole, and the first column (STT) centred."""
    table = document.add_table(rows=1, cols=len(headers))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    _row_flag(table.rows[0], "w:tblHeader")
    for cell, text, width in zip(table.rows[0].cells, headers, widths, strict=True):
        cell.width = Cm(width)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(cell.paragraphs[0], text, bold=True, size=12)
    for values in rows:
        row = table.add_row()
        _row_flag(row, "w:cantSplit")
        for position, (cell, text, width) in enumerate(zip(row.cells, values, widths, strict=True)):
            cell.width = Cm(width)
            if position == 0:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(cell.paragraphs[0], text, size=12)


def _signature(document: object, head: Letterhead) -> None:
    block = document.add_table(rows=1, cols=2)  # type: ignore[attr-defined]
    left, right = block.cell(0, 0).paragraphs[0], block.cell(0, 1).paragraphs[0]
    _run(left, "Nơi nhận:\n", bold=True, italic=True, size=12)
    _run(left, "- Ban Thường vụ Đảng ủy Khối,\n- Các tổ chức cơ sở đảng,\n- Lưu Văn phòng.", size=11)
    right.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(right, "T/M BAN THƯỜNG VỤ\n", bold=True)
    _run(right, head.chuc_vu + "\n\n\n\n", bold=True)
    _run(right, head.nguoi_ky, bold=True)


def _saved(document: object) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)  # type: ignore[attr-defined]
    return buffer.getvalue()


def shortlist_docx(shortlist: Shortlist, head: Letterhead) -> bytes:
    """«DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG» of the year: one numbered table per award, proposed rows only."""
    document = _document(head)
    _title(
        document,
        f"DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM {shortlist.year}",
        "Thi đua xây dựng chi bộ trong sạch, vững mạnh và đội ngũ cán bộ, đảng viên gương mẫu «Hai chân – Ba mũi»",
    )
    proposed = shortlist.proposed
    for number, award in enumerate(shortlist.awards, start=1):
        rows = proposed[proposed["khen_thuong"] == award.id]
        paragraph = document.add_paragraph()  # type: ignore[attr-defined]
        _run(paragraph, f"{_roman(number)}. {award.title.upper()} ({len(rows)})", bold=True)
        if rows.empty:
            _run(document.add_paragraph(), "Không có đề nghị.", italic=True)  # type: ignore[attr-defined]
            continue
        who = "Họ và tên" if award.levels == ("dang_vien",) else "Tên tổ chức"
        body = [
            [str(i), str(r.ten), str(r.don_vi), str(r.thanh_tich)]
            for i, r in enumerate(rows.itertuples(index=False), start=1)  # rows of a signed list, not the engine
        ]
        _table(document, ["STT", who, "Đơn vị", "Thành tích"], body, [1.2, 6.5, 7.5, 10.5])  # 25,7 cm
    note = document.add_paragraph()  # type: ignore[attr-defined]
    _run(note, f"Danh sách gồm {len(proposed)} đề nghị. {TIE_RULE}", italic=True, size=11)
    _signature(document, head)
    return _saved(document)


def _roman(number: int) -> str:
    return ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"][number - 1] if number <= 10 else str(number)


SHORTLIST_HEADERS = {
    "danh_hieu": "Danh hiệu",
    "loai": "Loại",
    "doi_tuong": "Đối tượng",
    "ma": "Mã",
    "ten": "Họ và tên / tên tổ chức",
    "don_vi": "Đơn vị",
    "nhom": "Nhóm thi đua",
    "xep_loai": "Xếp loại",
    "tong_diem": "Tổng điểm",
    "so_tieu_chi_dat": "Số tiêu chí đạt",
    "thu_tu_trong_nhom": "Thứ tự trong nhóm",
    "chi_tieu": "Chỉ tiêu của nhóm",
    "ly_do": "Lý do",
    "thanh_tich": "Thành tích",
}


def shortlist_xlsx(shortlist: Shortlist) -> bytes:
    """Sheets: the proposals (numbered), the near-misses with the reason, and how the list was drawn."""
    proposed = shortlist.proposed.drop(columns=["khen_thuong", "de_nghi"]).rename(columns=SHORTLIST_HEADERS)
    proposed.insert(0, "STT", range(1, len(proposed) + 1))
    missed = shortlist.near_misses.drop(columns=["khen_thuong", "de_nghi", "thanh_tich"]).rename(
        columns=SHORTLIST_HEADERS
    )
    rules = pd.DataFrame(
        {
            "Danh hiệu": [a.title for a in shortlist.awards],
            "Cách xét": [
                f"hoàn thành xuất sắc nhiệm vụ {a.years} năm liền đến năm {shortlist.year}"
                if a.kind == "nam_lien"
                else f"hoàn thành xuất sắc nhiệm vụ, quy định xếp loại cho phép; chỉ tiêu {a.quota_text}"
                for a in shortlist.awards
            ],
            "Thứ tự khi bằng điểm": [TIE_RULE] * len(shortlist.awards),
            "Ghi chú": [shortlist.note or ""] * len(shortlist.awards),
        }
    )
    return workbook({"Đề nghị khen thưởng": proposed, "Không đề nghị (lý do)": missed, "Cách xét": rules})


# --- sơ kết --------------------------------------------------------------------------------------


def summary_table(board: pd.DataFrame) -> pd.DataFrame:
    """The board (`views.board`) as the sơ kết's table: criterion, target, result, đạt / chưa đạt, change."""
    columns = ["Nhóm", "Tiêu chí", "Chỉ tiêu", "Giá trị", "Kết quả", "Thay đổi so với năm trước"]
    return board[columns].rename(columns={"Giá trị": "Kết quả thực hiện", "Kết quả": "Đánh giá"})


def so_ket_docx(year: int, unit_name: str, board: pd.DataFrame, report: RatingReport | None, head: Letterhead) -> bytes:
    document = _document(head)
    _title(document, f"BÁO CÁO SƠ KẾT NĂM {year}", f"Phong trào thi đua «Hai chân – Ba mũi» — {unit_name}")
    table = summary_table(board)
    met = criteria_met(board)
    intro = document.add_paragraph()  # type: ignore[attr-defined]
    _run(intro, f"Đạt {met}/{len(table)} chỉ tiêu của kế hoạch năm {year}.", bold=True)
    rows = [[str(i), *[str(v) for v in r]] for i, r in enumerate(table.itertuples(index=False), start=1)]
    _table(document, ["STT", *table.columns], rows, [1.2, 4.5, 8.0, 3.0, 3.0, 2.5, 3.5])  # 25,7 cm: A4 landscape
    if report is not None:
        paragraph = document.add_paragraph()  # type: ignore[attr-defined]
        _run(paragraph, "Kiểm tra xếp loại theo quy định: ", bold=True)
        _run(paragraph, "; ".join(line.strip() for line in report.summary()[2:]))
    _signature(document, head)
    return _saved(document)


def so_ket_xlsx(year: int, board: pd.DataFrame, report: RatingReport | None) -> bytes:
    table = summary_table(board)
    table.attrs[NUMBER_FORMATS] = {"Kết quả thực hiện": FIGURES}  # 82,5% as a share with a % format
    sheets = {f"Sơ kết {year}": table}
    if report is not None:
        sheets["Kiểm tra xếp loại"] = pd.DataFrame({"Nội dung": report.summary()})
    return workbook(sheets)

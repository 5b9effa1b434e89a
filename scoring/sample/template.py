"""The empty Excel template offices fill in: three sheets with Vietnamese headers, drop-down lists
for every coded column, number checks, and an instructions sheet; every sheet prints on A4 landscape."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from scoring.domain.codes import BOOLEAN_FALSE, BOOLEAN_TRUE
from scoring.input.schema import ALL_TABLES, ColumnSpec, Kind, TableSpec
from scoring.outputs.excel import COUNT_FORMAT, HEADER, SAFE_TEXT, print_setup

TEMPLATE_ROWS = 200_000  # rows that carry the drop-downs and number checks
LIST_SHEET = "Danh mục"
#: the title of each list on the lists sheet (a list is named by its vocabulary; «co_khong»: the yes/no columns)
LIST_TITLES = {
    "cap": "Cấp tổ chức",
    "loai_hinh": "Loại hình",
    "doi_tuong": "Đối tượng",
    "hinh_thuc_ky_luat": "Hình thức kỷ luật",
    "xep_loai": "Xếp loại",
    "ket_qua_nhiem_vu": "Kết quả nhiệm vụ",
    "co_khong": "Có/Không",
}

INSTRUCTIONS = (
    ("Mẫu nhập liệu thi đua «Hai chân – Ba mũi»", "title"),
    (
        "Mỗi trang tính một bảng; ba trang đầu bắt buộc, trang Nhiệm vụ chỉ cần cho các kế hoạch chấm theo nhiệm vụ. "
        "Giữ nguyên dòng tiêu đề; mỗi dòng bên dưới là một bản ghi.",
        "",
    ),
    (
        "• Tổ chức: mỗi tổ chức đảng một dòng (đảng bộ cấp trên cơ sở, đảng bộ cơ sở, chi bộ cơ sở, "
        "đảng bộ bộ phận, chi bộ trực thuộc) với mã cấp trên trực tiếp.",
        "",
    ),
    ("• Đảng viên: mỗi đảng viên mỗi năm một dòng; «Mã chi bộ» là mã ở trang Tổ chức.", ""),
    ("• Đơn vị năm: mỗi tổ chức mỗi năm một dòng: xếp loại và số liệu quần chúng, kiểm tra, đơn thư.", ""),
    (
        "• Nhiệm vụ (không bắt buộc): mỗi đơn vị × nhiệm vụ × năm một dòng: mã nhiệm vụ như trong tệp tiêu chí "
        "(ví dụ kl21.03), thời hạn, kết quả, ngày hoàn thành, minh chứng.",
        "",
    ),
    ("Quy ước", "heading"),
    ("• Cột có mũi tên: chọn trong danh sách; cũng chấp nhận chữ viết tắt (HTTNV), có hay không dấu.", ""),
    (
        "• Cột có/không: gõ x (hoặc có, 1) khi có; để trống (hoặc không, 0) khi không. Ô để trống luôn là "
        "«Không», kể cả khi cả cột để trống (khi đó mọi dòng là «Không»).",
        "",
    ),
    (
        "• Chưa thu thập số liệu của một cột có/không không bắt buộc (ví dụ «Tập thể bị kỷ luật trong năm»): "
        "xóa hẳn cột đó khỏi trang tính; các tiêu chí dùng cột này khi đó là «không đủ dữ liệu».",
        "",
    ),
    ("• Xếp loại để trống hoặc «Miễn đánh giá»: không tính vào mẫu số các tỷ lệ xếp loại.", ""),
    (
        "• Số liệu quần chúng, kiểm tra, đơn thư của đảng bộ cơ sở là số của riêng đảng bộ (tổng của cả đảng bộ), "
        "không cộng thêm số của các chi bộ.",
        "",
    ),
    ("• Chi bộ trực thuộc để trống loại hình thì lấy loại hình của tổ chức cơ sở đảng.", ""),
    ("Kiểm tra trước khi gửi: thidua validate <tệp này>  — lỗi được báo theo trang tính, dòng và cột.", ""),
    ("Các cột", "heading"),
)


def write_template(path: Path) -> None:
    """Write the template to `path` (atomically: a temp file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
    os.close(handle)
    try:
        _write(Path(temp))
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path), SAFE_TEXT)
    fmt = {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "heading": book.add_format({"bold": True, "font_size": 12}),
        "header": book.add_format(HEADER),
        "optional": book.add_format(
            {"bold": True, "bg_color": "#F4B183", "text_wrap": True, "valign": "vcenter", "border": 1}
        ),
        "": book.add_format({"text_wrap": True}),
        "text": book.add_format({"num_format": "@"}),
        "count": book.add_format({"num_format": COUNT_FORMAT}),
    }
    guide = book.add_worksheet("Hướng dẫn")
    lists = _list_sheet(book)
    for spec in ALL_TABLES:
        _table_sheet(book, spec, fmt, lists)
    _guide_sheet(guide, fmt)
    book.get_worksheet_by_name(LIST_SHEET).hide()
    guide.activate()
    book.close()


def _list_sheet(book: xlsxwriter.Workbook) -> dict[str, str]:
    """The drop-down values, one column each, on a hidden sheet; returns name -> range formula."""
    sheet = book.add_worksheet(LIST_SHEET)
    ranges: dict[str, str] = {}
    vocabularies = {c.vocabulary.name: c.vocabulary for t in ALL_TABLES for c in t.columns if c.vocabulary}
    entries: dict[str, list[str]] = {name: list(v.labels.values()) for name, v in vocabularies.items()}
    entries["co_khong"] = [BOOLEAN_TRUE[0], BOOLEAN_FALSE[0]]
    for col, (name, values) in enumerate(entries.items()):
        title = LIST_TITLES.get(name, name)
        sheet.write(0, col, title)
        sheet.write_column(1, col, values)
        sheet.set_column(col, col, max(len(v) for v in (title, *values)) + 2)
        letter = xl_col_to_name(col)
        ranges[name] = f"='{LIST_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
    print_setup(sheet, 0)
    return ranges


def _table_sheet(
    book: xlsxwriter.Workbook, spec: TableSpec, fmt: dict[str, xlsxwriter.format.Format], lists: dict[str, str]
) -> None:
    sheet = book.add_worksheet(spec.title)
    sheet.set_row(0, 45)
    sheet.freeze_panes(1, 0)
    for col, column in enumerate(spec.columns):
        sheet.write(0, col, column.title, fmt["header" if column.required else "optional"])
        # a deadline is text («tháng 01/2022»): Excel would turn «01/2022» into the date 01/01/2022
        text = fmt["text"] if column.kind in (Kind.DEADLINE, Kind.ID) else None
        shown = fmt["count"] if column.kind is Kind.COUNT else text  # 1200 shows as 1.200 on a Vietnamese machine
        sheet.set_column(col, col, max(14, min(len(column.title) + 2, 32)), shown)
        sheet.write_comment(0, col, _comment(column), {"x_scale": 2, "y_scale": 1.5})
        validation = _validation(column, lists)
        if validation:
            sheet.data_validation(1, col, TEMPLATE_ROWS, col, validation)
    sheet.autofilter(0, 0, 0, len(spec.columns) - 1)
    print_setup(sheet, 0)


def _comment(column: ColumnSpec) -> str:
    parts = [
        f"Mã cột: {column.name}",
        f"{'Bắt buộc' if column.required else 'Không bắt buộc'}.",
        f"Cần: {column.expected()}.",
    ]
    if column.note:
        parts.append(column.note[0].upper() + column.note[1:] + ".")
    return "\n".join(parts)


def _validation(column: ColumnSpec, lists: dict[str, str]) -> dict[str, object] | None:
    message = {
        "error_title": column.title[:32],
        "error_message": f"Cần {column.expected()}"[:255],
        "error_type": "warning",
    }
    if column.vocabulary is not None:
        return {"validate": "list", "source": lists[column.vocabulary.name], **message}
    if column.kind is Kind.FLAG:
        return {"validate": "list", "source": lists["co_khong"], **message}
    if column.kind is Kind.YEAR:
        return {"validate": "integer", "criteria": "between", "minimum": 1930, "maximum": 2100, **message}
    if column.kind is Kind.COUNT:
        return {"validate": "integer", "criteria": ">=", "value": 0, **message}
    if column.kind is Kind.SCORE:
        return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 10, **message}
    if column.kind is Kind.POINTS:
        return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100, **message}
    if column.kind is Kind.DATE:
        return {"validate": "date", "criteria": "between", "minimum": date(1930, 1, 1), "maximum": date(2100, 12, 31),
                **message}  # fmt: skip
    return None


def _guide_sheet(sheet: xlsxwriter.worksheet.Worksheet, fmt: dict[str, xlsxwriter.format.Format]) -> None:
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 30)
    sheet.set_column(2, 2, 16)
    sheet.set_column(3, 3, 70)
    row = 0
    for text, style in INSTRUCTIONS:
        sheet.write(row, 0, text, fmt[style])
        row += 1 if style != "title" else 2
    header = ("Trang tính", "Cột (tiêu đề)", "Bắt buộc", "Giá trị cần nhập")
    sheet.write_row(row, 0, header, fmt["header"])
    print_setup(sheet, row, first_row=row)  # the table of columns runs over pages: its header on each
    row += 1
    for spec in ALL_TABLES:
        for column in spec.columns:
            note = column.expected() + (f" — {column.note}" if column.note else "")
            sheet.write_row(row, 0, (spec.title, column.title, "có" if column.required else "", note), fmt[""])
            row += 1

"""The Excel template: three sheets with recognised headers, drop-downs, and it loads once filled."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd

from scoring import load_dataset
from scoring.input.schema import TABLES
from scoring.sample.template import write_template
from tests.conftest import TEMPLATE, VALID


def test_committed_template_has_the_sheets_and_headers() -> None:
    book = openpyxl.load_workbook(TEMPLATE)
    assert book.sheetnames[0] == "Hướng dẫn"
    assert book["Danh mục"].sheet_state == "hidden"
    for spec in TABLES:
        sheet = book[spec.title]
        assert [c.value for c in sheet[1]] == [c.title for c in spec.columns]
        assert sheet.freeze_panes == "A2"


def test_coded_columns_have_drop_downs() -> None:
    book = openpyxl.load_workbook(TEMPLATE)
    sheet = book["Đảng viên"]
    lists = {str(dv.sqref).split(":")[0]: dv for dv in sheet.data_validations.dataValidation}
    headers = {c.value: c.column_letter for c in sheet[1]}
    rating = lists[f"{headers['Xếp loại']}2"]
    assert rating.type == "list"
    assert "Danh mục" in rating.formula1
    year = lists[f"{headers['Năm']}2"]
    assert (year.type, year.formula1, year.formula2) == ("whole", "1930", "2100")
    choices = [c.value for c in book["Danh mục"]["A"][1:] if c.value]
    assert "Chi bộ trực thuộc" in choices


def test_filled_template_loads(tmp_path: Path) -> None:
    """Paste hop_le into a fresh template (labels, not codes, as the drop-downs give) and load it."""
    path = tmp_path / "mau.xlsx"
    write_template(path)
    book = openpyxl.load_workbook(path)
    for spec in TABLES:
        frame = pd.read_csv(VALID / f"{spec.name}.csv", dtype=str, keep_default_na=False)
        sheet = book[spec.title]
        order = [c.name for c in spec.columns]
        for row in frame.itertuples(index=False):
            values = dict(zip(frame.columns, row, strict=True))
            sheet.append([values.get(name) or None for name in order])
    book.save(path)
    filled = load_dataset(path)
    expected = load_dataset(VALID)
    pd.testing.assert_frame_equal(filled.to_chuc, expected.to_chuc)
    pd.testing.assert_frame_equal(filled.dang_vien, expected.dang_vien)


def test_deadline_and_id_columns_are_text_so_excel_keeps_what_is_typed() -> None:
    """«01/2022» typed in Thời hạn must stay text (Excel would make it the date 01/01/2022); ids keep leading zeros."""
    book = openpyxl.load_workbook(TEMPLATE)
    sheet = book["Nhiệm vụ"]
    headers = [c.value for c in sheet[1]]
    for title in ("Thời hạn", "Mã tổ chức", "Mã nhiệm vụ"):
        index = headers.index(title) + 1  # openpyxl groups adjacent columns of the same format: A:B
        formats = [d.number_format for d in sheet.column_dimensions.values() if d.min <= index <= d.max]
        assert formats == ["@"], title

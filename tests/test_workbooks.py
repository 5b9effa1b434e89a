"""Every workbook the tool writes, opened as a spreadsheet opens it: numbers are numbers with a number
format (a share a fraction shown with «0.0%», never the text «58,4%»), a user's text stays text, and every
sheet prints on A4 landscape, one page wide, with its title rows and header on every page."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from scoring import Dataset, load_criteria, load_dataset, score
from scoring.engine.awards import shortlist
from scoring.engine.rating_report import rating_report
from scoring.outputs.documents import shortlist_xlsx, so_ket_xlsx
from scoring.outputs.excel import (
    COUNT_FORMAT,
    DECIMAL_FORMAT,
    NUMBER_FORMATS,
    PERCENT_FORMAT,
    PLAIN_FORMAT,
    excel_writer,
    write_sheet,
)
from scoring.outputs.rating_views import rating_workbook_sheets
from scoring.outputs.results import write_result
from scoring.outputs.views import board, cap_tren_choices, workbook
from scoring.outputs.writers import write_tables
from scoring.sample.template import write_template
from tests.conftest import ROOT, VALID

CRITERIA = load_criteria(ROOT / "criteria" / "hai_chan_ba_mui.yaml")


def printable(sheet: Any, title_rows: int = 0) -> None:
    """A4 landscape, one page wide, the title rows and header (row `title_rows` + 1) on every page."""
    setup = sheet.page_setup
    assert int(setup.paperSize) == 9, sheet.title
    assert setup.orientation == "landscape", sheet.title
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and setup.fitToHeight == 0  # pages down: as many as needed
    assert setup.fitToWidth in (None, 1)  # one page across (1 is the default, left out of the file)
    assert sheet.print_title_rows == f"$1:${title_rows + 1}", sheet.title


def cells(sheet: Any, title: str, header_row: int = 1) -> Iterator[Any]:
    """The cells below the header of the column titled `title`."""
    header = [c.value for c in sheet[header_row]]
    column = header.index(title) + 1
    for row in sheet.iter_rows(min_row=header_row + 1, min_col=column, max_col=column):
        yield row[0]


def book_of(data: bytes | Path) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data)


def test_numbers_are_numbers_with_formats_and_text_stays_text() -> None:
    frame = pd.DataFrame(
        {
            "Năm": [2025, 2025],
            "Mã": ["=1+1", "001"],  # a user's text: never a formula, never a number
            "Số đảng viên": [1200, 35],
            "Tổng điểm": [86.5, 100.0],
            "Tỷ lệ": [0.584, 1.0],
            "Thứ hạng năm trước": pd.array([1, None], dtype="Int64"),
        }
    )
    frame.attrs[NUMBER_FORMATS] = {"Tỷ lệ": PERCENT_FORMAT}
    sheet = book_of(workbook({"Bảng": frame}))["Bảng"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0] == (2025, "=1+1", 1200, 86.5, 0.584, 1)
    assert sheet["B2"].data_type == "s" and sheet["B3"].value == "001"
    assert [sheet[f"{c}2"].number_format for c in "ACDEF"] == [
        PLAIN_FORMAT,  # 2025, not 2.025
        COUNT_FORMAT,
        DECIMAL_FORMAT,
        PERCENT_FORMAT,
        COUNT_FORMAT,
    ]
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    printable(sheet)


def test_title_rows_are_repeated_with_the_header() -> None:
    buffer = io.BytesIO()
    with excel_writer(buffer) as writer:
        frame = pd.DataFrame({"Tên": ["A"], "Điểm": [1.5]})
        write_sheet(writer, "Danh sách", frame, title_rows=["DANH SÁCH NĂM 2025", "Kèm theo báo cáo"])
    sheet = book_of(buffer.getvalue())["Danh sách"]
    assert sheet["A1"].value == "DANH SÁCH NĂM 2025" and [c.value for c in sheet[3]] == ["Tên", "Điểm"]
    assert sheet["B4"].value == 1.5 and sheet.freeze_panes == "A4"
    printable(sheet, title_rows=2)


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return load_dataset(ROOT / "data" / "mau")


def test_the_rating_check_writes_shares_as_percentages(sample: Dataset) -> None:
    """Once «58,4%» as a text cell."""
    book = book_of(workbook(rating_workbook_sheets(rating_report(sample, 2022))))
    quota = book["Tỷ lệ xuất sắc đảng viên"]
    shares = [c for c in cells(quota, "HTXSNV / HTTNV") if c.value is not None]
    assert shares and all(isinstance(c.value, int | float) and c.number_format == PERCENT_FORMAT for c in shares)
    for sheet in book:
        printable(sheet)


def test_the_score_workbook(sample: Dataset, tmp_path: Path) -> None:
    result = score(sample, CRITERIA, 2025)
    write_result(result, tmp_path / "kq")
    book = book_of(tmp_path / "kq" / "ket_qua.xlsx")
    values = list(cells(book["Kết quả tiêu chí"], "Giá trị"))
    shares = [c for c in values if c.number_format == PERCENT_FORMAT]
    assert shares and all(isinstance(c.value, int | float) and 0 <= c.value <= 2 for c in shares)
    assert not any(isinstance(c.value, str) and c.value.endswith("%") for c in values)
    assert any(c.value == "Hoàn thành xuất sắc nhiệm vụ" for c in values)  # a label stays a label
    ranks = book["Xếp hạng tổ chức"]
    assert {c.number_format for c in cells(ranks, "Năm")} == {PLAIN_FORMAT}
    assert {c.number_format for c in cells(ranks, "Tổng điểm")} <= {COUNT_FORMAT, DECIMAL_FORMAT}
    for sheet in book:
        printable(sheet)


def test_the_committee_workbooks(sample: Dataset) -> None:
    now, before = score(sample, CRITERIA, 2025), score(sample, CRITERIA, 2024)
    table = board(now, before, next(iter(cap_tren_choices(sample))))
    book = book_of(so_ket_xlsx(2025, table, rating_report(sample, 2025)))
    results = list(cells(book["Sơ kết 2025"], "Kết quả thực hiện"))
    assert any(c.number_format == PERCENT_FORMAT and isinstance(c.value, float) for c in results)
    for sheet in book:
        printable(sheet)
    listed = shortlist(sample, score(sample, CRITERIA, 2024), rating_report(sample, 2024).ratings)
    book = book_of(shortlist_xlsx(listed))
    assert {c.number_format for c in cells(book["Đề nghị khen thưởng"], "STT")} == {PLAIN_FORMAT}
    for sheet in book:
        printable(sheet)


def test_the_dataset_workbook_keeps_every_figure(tmp_path: Path) -> None:
    """Written and read back: a score of 8,125 stays 8.125 (a text «8.125» would read as eight thousand)."""
    data = load_dataset(VALID)
    members = data.dang_vien.copy()
    members["diem_ban_linh"] = pd.array([8.125] + [None] * (len(members) - 1), dtype="Float64")
    write_tables({"to_chuc": data.to_chuc, "dang_vien": members, "don_vi_nam": data.don_vi_nam}, tmp_path / "x", "xlsx")
    path = tmp_path / "x" / "du_lieu.xlsx"
    again = load_dataset(path)
    assert again.dang_vien["diem_ban_linh"].iloc[0] == 8.125
    book = book_of(path)
    assert {c.number_format for c in cells(book["Đơn vị năm"], "Số quần chúng") if c.value is not None} == {
        COUNT_FORMAT
    }
    for sheet in book:
        printable(sheet)


def test_the_template_prints(tmp_path: Path) -> None:
    write_template(tmp_path / "mau.xlsx")
    book = book_of(tmp_path / "mau.xlsx")
    for sheet in book:
        setup = sheet.page_setup
        assert int(setup.paperSize) == 9 and setup.orientation == "landscape", sheet.title
    guide = book["Hướng dẫn"]
    header = next(r for r in guide.iter_rows() if r[0].value == "Trang tính")[0].row
    assert guide.print_title_rows == f"${header}:${header}"  # the table of columns, not the instructions
    assert book["Đơn vị năm"].print_title_rows == "$1:$1"

"""The Excel template: three sheets with recognised headers, drop-downs, and it loads once filled."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd

from scoring import load_dataset
from scoring.domain.codes import boolean_lookup
from scoring.domain.text import fold
from scoring.input.schema import ALL_TABLES, DANG_VIEN, TABLES, Kind
from scoring.sample.template import LIST_SHEET, LIST_TITLES, write_template
from tests.conftest import TEMPLATE, VALID

_BOOLEANS = boolean_lookup()


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
    # the template has every column: its yes/no columns that hop_le's CSV lacks are there, left blank, so
    # «Không» on every row (as the guide says), where the CSV without them has them «not collected»; a blank
    # Hình thức kỷ luật likewise reads «Không bị kỷ luật»
    absent = [c.name for c in DANG_VIEN.columns if c.kind is Kind.FLAG and c.name not in _csv_columns("dang_vien")]
    assert absent == [
        "tu_khac_phuc", "bai_thu_hoach", "khac_phuc_han_che", "ky_luat_lien_quan_nhiem_vu", "suy_thoai",
        "vi_pham_dieu_cam",
    ]  # fmt: skip
    assert expected.dang_vien[absent].isna().all().all()
    assert not filled.dang_vien[absent].any().any() and filled.dang_vien[absent].notna().all().all()
    assert expected.dang_vien["hinh_thuc_ky_luat"].isna().all()
    assert (filled.dang_vien["hinh_thuc_ky_luat"] == "khong_ky_luat").all()
    absent.append("hinh_thuc_ky_luat")
    pd.testing.assert_frame_equal(filled.dang_vien.drop(columns=absent), expected.dang_vien.drop(columns=absent))
    said = filled.report.warnings.set_index("ma_cot")["van_de"]
    assert said["tu_khac_phuc"].startswith("Cột «Tự phát hiện, khắc phục vi phạm» để trống toàn bộ: hiểu là «Không»")


def _csv_columns(table: str) -> list[str]:
    return list(pd.read_csv(VALID / f"{table}.csv", nrows=0).columns)


def test_the_lists_sheet_names_its_lists_in_vietnamese_and_the_drop_downs_point_at_them() -> None:
    """The hidden «Danh mục» sheet: each list under a Vietnamese title (never cap, loai_hinh, co_khong), and
    every drop-down of every sheet reads the list of its own column, values only (not the title)."""
    book = openpyxl.load_workbook(TEMPLATE)
    lists = book[LIST_SHEET]
    titles = {c.column_letter: c.value for c in lists[1] if c.value}
    assert list(titles.values()) == [
        "Cấp tổ chức", "Loại hình", "Xếp loại", "Đối tượng", "Hình thức kỷ luật", "Kết quả nhiệm vụ", "Có/Không"
    ]  # fmt: skip
    for spec in ALL_TABLES:
        sheet = book[spec.title]
        for validation in sheet.data_validations.dataValidation:
            if validation.type != "list":
                continue
            letters = re.match(r"[A-Z]+", str(validation.sqref))  # past Z: AA2:AA200001
            assert letters is not None, validation.sqref
            column = spec.columns[openpyxl.utils.column_index_from_string(letters.group(0)) - 1]
            found = re.fullmatch(r"'Danh mục'!\$([A-Z]+)\$2:\$\1\$(\d+)", validation.formula1)
            assert found is not None, validation.formula1
            letter, last = found.group(1), int(found.group(2))
            values = [lists[f"{letter}{row}"].value for row in range(2, last + 1)]
            if column.vocabulary is not None:
                assert titles[letter] == LIST_TITLES[column.vocabulary.name]
                assert values == list(column.vocabulary.labels.values()), column.name
            else:
                assert column.kind is Kind.FLAG and titles[letter] == "Có/Không"
                assert [_BOOLEANS[fold(v)] for v in values] == [True, False]
            assert lists[f"{letter}{last + 1}"].value is None  # the range ends with the list


def test_the_guide_says_what_a_blank_yes_no_cell_means() -> None:
    guide = " ".join(str(c.value) for row in openpyxl.load_workbook(TEMPLATE)["Hướng dẫn"].iter_rows() for c in row)
    assert "Ô để trống luôn là «Không», kể cả khi cả cột để trống" in guide
    assert "xóa hẳn cột đó khỏi trang tính; các tiêu chí dùng cột này khi đó là «không đủ dữ liệu»" in guide


def test_the_shipped_template_is_the_one_the_code_writes(tmp_path: Path) -> None:
    """data/mau_nhap_lieu.xlsx is regenerated (`thidua mau-nhap-lieu`) whenever the template's code changes."""
    fresh = tmp_path / "mau.xlsx"
    write_template(fresh)
    shipped, written = openpyxl.load_workbook(TEMPLATE), openpyxl.load_workbook(fresh)
    assert shipped.sheetnames == written.sheetnames
    for name in written.sheetnames:
        a, b = shipped[name], written[name]
        assert [[c.value for c in r] for r in a.iter_rows()] == [[c.value for c in r] for r in b.iter_rows()], name
        rules = [(str(v.sqref), v.type, v.formula1, v.formula2) for v in a.data_validations.dataValidation]
        assert rules == [(str(v.sqref), v.type, v.formula1, v.formula2) for v in b.data_validations.dataValidation]


def test_deadline_and_id_columns_are_text_so_excel_keeps_what_is_typed() -> None:
    """«01/2022» typed in Thời hạn must stay text (Excel would make it the date 01/01/2022); ids keep leading zeros."""
    book = openpyxl.load_workbook(TEMPLATE)
    sheet = book["Nhiệm vụ"]
    headers = [c.value for c in sheet[1]]
    for title in ("Thời hạn", "Mã tổ chức", "Mã nhiệm vụ"):
        index = headers.index(title) + 1  # openpyxl groups adjacent columns of the same format: A:B
        formats = [d.number_format for d in sheet.column_dimensions.values() if d.min <= index <= d.max]
        assert formats == ["@"], title

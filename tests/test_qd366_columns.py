"""The optional columns of the QĐ 366-QĐ/TW rating conditions (issue 19): task counts, discipline, degradation
and the collective's conditions. Read by title, alias or code; checked against each other row by row; a blank
Hình thức kỷ luật of a column the file has is «Không bị kỷ luật» (a missing column is not collected); the
formula «disciplined at khiển trách or above» is true, false or unknown accordingly; and the generator writes
them, consistent with each rating, when asked."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from scoring import validate_dataset
from scoring.cli import app
from scoring.domain.codes import HINH_THUC_KY_LUAT, KY_LUAT_CODES
from scoring.engine.evaluate import Evaluator, member_rows, unit_rows
from scoring.engine.year import YearData
from scoring.input.dataset import Dataset, dataset_from_frames
from scoring.input.schema import DANG_VIEN, DON_VI_NAM, MEMBER_FIELDS, UNIT_FIELDS, Kind, TableSpec
from scoring.outputs.writers import write_tables
from scoring.plans.expr import MEMBER, UNIT, ExprError, parse
from scoring.sample.generate import generate
from scoring.sample.template import LIST_SHEET
from tests.conftest import TEMPLATE, VALID

TASKS = {
    "so_nhiem_vu": "Số nhiệm vụ được giao",
    "so_hoan_thanh_dung_han": "Số nhiệm vụ hoàn thành đúng hạn, bảo đảm chất lượng",
    "so_vuot_muc": "Số nhiệm vụ hoàn thành vượt yêu cầu",
    "so_cham_tien_do": "Số nhiệm vụ chậm tiến độ",
    "so_khong_hoan_thanh": "Số nhiệm vụ không hoàn thành",
    "khac_phuc_han_che": "Đã khắc phục hạn chế, khuyết điểm kỳ trước",
}
MEMBER_COLUMNS = {
    **TASKS,
    "hinh_thuc_ky_luat": "Hình thức kỷ luật",
    "ky_luat_lien_quan_nhiem_vu": "Kỷ luật do vi phạm liên quan đến thực hiện nhiệm vụ",
    "suy_thoai": 'Bị kết luận suy thoái, "tự diễn biến", "tự chuyển hóa"',
    "vi_pham_dieu_cam": "Vi phạm những điều đảng viên không được làm hoặc trách nhiệm nêu gương",
}
UNIT_COLUMNS = {
    **TASKS,
    "sai_pham_can_bo_doan_ket": "Có sai phạm trong công tác cán bộ hoặc mất đoàn kết nội bộ",
    "thanh_vien_ky_luat": "Có thành viên tập thể lãnh đạo bị kỷ luật từ khiển trách trở lên",
    "thanh_vien_suy_thoai": "Có thành viên bị kết luận suy thoái",
    "chi_tieu_co_ban_khong_dat": "Không đạt chỉ tiêu cơ bản của năm",
    "thanh_tich_noi_bat": "Đơn vị có thành tích nổi bật (tỷ lệ HTXSNV tối đa 25%)",
}
NEW = [(DANG_VIEN, n, t) for n, t in MEMBER_COLUMNS.items()] + [(DON_VI_NAM, n, t) for n, t in UNIT_COLUMNS.items()]
NEW_IDS = [f"{spec.name}.{name}" for spec, name, _ in NEW]


def _hop_le() -> dict[str, pd.DataFrame]:
    return {n: pd.read_csv(VALID / f"{n}.csv", dtype=str) for n in ("to_chuc", "dang_vien", "don_vi_nam")}


def _load(tables: dict[str, pd.DataFrame]) -> tuple[Dataset | None, pd.DataFrame, pd.DataFrame]:
    data, report = dataset_from_frames(tables, source="bảng")
    return data, report.errors, report.warnings


# --- declared: optional, titled, noted, in the template and the self-assessment form ---------------------------


@pytest.mark.parametrize(("spec", "name", "title"), NEW, ids=NEW_IDS)
def test_each_column_is_optional_with_its_title_a_note_and_a_place_in_the_template(
    spec: TableSpec, name: str, title: str
) -> None:
    column = spec.column(name)
    assert column.title == title and not column.required and column.note and len(column.aliases) >= 3
    assert column in (MEMBER_FIELDS if spec is DANG_VIEN else UNIT_FIELDS)  # the unit's report form asks for it
    book = openpyxl.load_workbook(TEMPLATE)
    assert title in [c.value for c in book[spec.title][1]]
    guide = [(r[0].value, r[1].value) for r in book["Hướng dẫn"].iter_rows()]
    assert (spec.title, title) in guide


def test_the_lists_sheet_offers_the_forms_of_discipline_mildest_first() -> None:
    lists = openpyxl.load_workbook(TEMPLATE)[LIST_SHEET]
    [column] = [c for c in lists[1] if c.value == "Hình thức kỷ luật"]
    values = [lists.cell(row, column.column).value for row in range(2, 7)]
    assert values == ["Không bị kỷ luật", "Khiển trách", "Cảnh cáo", "Cách chức", "Khai trừ"]
    assert lists.cell(7, column.column).value is None
    assert KY_LUAT_CODES == ("khien_trach", "canh_cao", "cach_chuc", "khai_tru")


# --- read from XLSX by title or alias ------------------------------------------------------------------------

MEMBER_CELLS: dict[str, list[Any]] = {
    "so_nhiem_vu": [10, 4, None, None, None, None, None, None, None],
    "so_hoan_thanh_dung_han": [7, 4, None, None, None, None, None, None, None],
    "so_vuot_muc": [3, 0, None, None, None, None, None, None, None],
    "so_cham_tien_do": [2, 0, None, None, None, None, None, None, None],
    "so_khong_hoan_thanh": [1, 0, None, None, None, None, None, None, None],
    "khac_phuc_han_che": ["x", "không", None, None, None, None, None, None, None],
    "hinh_thuc_ky_luat": ["Cảnh cáo", None, None, None, None, None, None, None, None],
    "ky_luat_lien_quan_nhiem_vu": ["có", None, None, None, None, None, None, None, None],
    "suy_thoai": [None, "x", None, None, None, None, None, None, None],
    "vi_pham_dieu_cam": [1, 0, None, None, None, None, None, None, None],
}
UNIT_CELLS: dict[str, list[Any]] = {
    "so_nhiem_vu": [None, 20, 12, None, None, None],
    "so_hoan_thanh_dung_han": [None, 20, 9, None, None, None],
    "so_vuot_muc": [None, 7, 0, None, None, None],
    "so_cham_tien_do": [None, 0, 2, None, None, None],
    "so_khong_hoan_thanh": [None, 0, 1, None, None, None],
    "khac_phuc_han_che": [None, "x", None, None, None, None],
    "sai_pham_can_bo_doan_ket": [None, None, "x", None, None, None],
    "thanh_vien_ky_luat": [None, None, "x", None, None, None],
    "thanh_vien_suy_thoai": [None, None, None, "x", None, None],
    "chi_tieu_co_ban_khong_dat": [None, None, "x", None, None, None],
    "thanh_tich_noi_bat": [None, "x", None, None, None, None],
}
_YES = {"x": True, "có": True, 1: True, "không": False, 0: False, None: False}


def _expected(spec: TableSpec, cells: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The cells as read: counts as numbers (blank: none), yes/no as True/False (blank: «Không»), a blank form
    of discipline as «Không bị kỷ luật»."""
    read: dict[str, list[Any]] = {}
    for name, values in cells.items():
        kind = spec.column(name).kind
        if kind is Kind.COUNT:
            read[name] = [None if v is None else int(v) for v in values]
        elif kind is Kind.FLAG:
            read[name] = [_YES[v] for v in values]
        else:
            read[name] = ["canh_cao" if v == "Cảnh cáo" else "khong_ky_luat" for v in values]
    return read


def _spelling(spec: TableSpec, name: str, which: int) -> str:
    """The column's title (0), or its `which`-th alias (the last when it has fewer), in upper case for 3."""
    column = spec.column(name)
    spellings = (column.title, *column.aliases)
    chosen = spellings[min(which, len(spellings) - 1)]
    return chosen.upper() if which == 3 else chosen


def _workbook(path: Path, which: int) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    tables = _hop_le()
    tables["dang_vien"].loc[0, "vi_pham"] = "x"  # the member disciplined («Cảnh cáo») has violated
    for spec, cells in ((None, {}), (DANG_VIEN, MEMBER_CELLS), (DON_VI_NAM, UNIT_CELLS)):
        name = "to_chuc" if spec is None else spec.name
        frame = tables[name]
        sheet = book.create_sheet({"to_chuc": "Tổ chức", "dang_vien": "Đảng viên", "don_vi_nam": "Đơn vị năm"}[name])
        headers = [*frame.columns, *(_spelling(spec, c, which) for c in cells if spec is not None)]
        sheet.append(headers)
        for i, row in enumerate(frame.itertuples(index=False)):
            extra = [cells[c][i] for c in cells]
            sheet.append([None if pd.isna(v) else v for v in row] + extra)
    book.save(path)


@pytest.mark.parametrize("which", [0, 1, 2, 3, 4], ids=["tiêu đề", "bí danh 1", "bí danh 2", "BÍ DANH 3", "bí danh 4"])
def test_an_xlsx_headed_by_titles_or_aliases_reads_every_new_column(tmp_path: Path, which: int) -> None:
    path = tmp_path / "du_lieu.xlsx"
    _workbook(path, which)
    data, report = validate_dataset(path)
    assert data is not None, report.to_text()
    for spec, cells, frame in ((DANG_VIEN, MEMBER_CELLS, data.dang_vien), (DON_VI_NAM, UNIT_CELLS, data.don_vi_nam)):
        for name, values in _expected(spec, cells).items():
            got = [None if pd.isna(v) else (bool(v) if isinstance(v, np.bool_ | bool) else v) for v in frame[name]]
            assert got == values, (spec.name, name)
    shown = report.warnings  # no column is unknown: every spelling was recognised
    assert not shown["van_de"].str.contains("Cột lạ|không nhận ra|bỏ qua", regex=True).any(), shown.to_string()


# --- the spellings of Hình thức kỷ luật ----------------------------------------------------------------------

SPELLINGS = [
    ("Khiển trách", "khien_trach"),
    ("khien trach", "khien_trach"),
    ("KHIỂN TRÁCH", "khien_trach"),
    ("khien_trach", "khien_trach"),
    ("Kỷ luật khiển trách", "khien_trach"),
    ("Cảnh cáo", "canh_cao"),
    ("canh cao", "canh_cao"),
    ("Cách chức", "cach_chuc"),
    ("Cách tất cả chức vụ trong Đảng", "cach_chuc"),
    ("cach tat ca chuc vu trong dang", "cach_chuc"),
    ("Khai trừ", "khai_tru"),
    ("Khai trừ ra khỏi Đảng", "khai_tru"),
    ("KHAI TRU RA KHOI DANG", "khai_tru"),
    (unicodedata.normalize("NFD", "Khai trừ khỏi Đảng"), "khai_tru"),
    ("  Cảnh cáo  ", "canh_cao"),
    ("Không bị kỷ luật", "khong_ky_luat"),
    ("Không", "khong_ky_luat"),
    (None, "khong_ky_luat"),
    ("", "khong_ky_luat"),
]


@pytest.mark.parametrize(("written", "code"), SPELLINGS, ids=[repr(s) for s, _ in SPELLINGS])
def test_a_form_of_discipline_is_read_however_it_is_spelt(written: str | None, code: str) -> None:
    tables = _hop_le()
    members = tables["dang_vien"]
    members["vi_pham"] = "x"
    members["hinh_thuc_ky_luat"] = [written, *[None] * (len(members) - 1)]
    data, errors, _ = _load(tables)
    assert data is not None, errors.to_string()
    assert data.dang_vien["hinh_thuc_ky_luat"].iloc[0] == code
    assert list(data.dang_vien["hinh_thuc_ky_luat"].cat.categories) == list(HINH_THUC_KY_LUAT.labels)


def test_an_unknown_form_of_discipline_is_an_error_naming_the_row_and_the_allowed_forms() -> None:
    tables = _hop_le()
    tables["dang_vien"]["vi_pham"] = "x"
    tables["dang_vien"]["Hình thức kỷ luật"] = [None, None, "Phê bình", *[None] * (len(tables["dang_vien"]) - 3)]
    _, errors, _ = _load(tables)
    [error] = errors.to_dict("records")
    assert (error["dong"], error["cot"], error["gia_tri"]) == (4, "Hình thức kỷ luật", "Phê bình")
    assert "Khiển trách" in error["van_de"] and "Khai trừ" in error["van_de"]


# --- the checks of a row's figures against each other ----------------------------------------------------------

#: (case, table, cells of the row checked (the third, shown as row 4), the column named, words of the message)
ROW_ERRORS = [
    ("đúng hạn > được giao", "dang_vien", {"so_nhiem_vu": 5, "so_hoan_thanh_dung_han": 6},
     "so_hoan_thanh_dung_han", "lớn hơn «Số nhiệm vụ được giao»"),
    ("vượt yêu cầu > được giao", "dang_vien", {"so_nhiem_vu": 5, "so_hoan_thanh_dung_han": 5, "so_vuot_muc": 6},
     "so_vuot_muc", "«Số nhiệm vụ hoàn thành vượt yêu cầu» lớn hơn «Số nhiệm vụ được giao»"),
    ("chậm > được giao", "dang_vien", {"so_nhiem_vu": 5, "so_cham_tien_do": 7},
     "so_cham_tien_do", "«Số nhiệm vụ chậm tiến độ» lớn hơn"),
    ("không hoàn thành > được giao", "don_vi_nam", {"so_nhiem_vu": 5, "so_khong_hoan_thanh": 9},
     "so_khong_hoan_thanh", "«Số nhiệm vụ không hoàn thành» lớn hơn"),
    ("ba phần cộng lại > được giao", "dang_vien",
     {"so_nhiem_vu": 5, "so_hoan_thanh_dung_han": 3, "so_cham_tien_do": 2, "so_khong_hoan_thanh": 1},
     "so_nhiem_vu", "cộng lại lớn hơn «Số nhiệm vụ được giao»"),
    ("ba phần cộng lại > được giao (tập thể)", "don_vi_nam",
     {"so_nhiem_vu": 10, "so_hoan_thanh_dung_han": 8, "so_khong_hoan_thanh": 3},
     "so_nhiem_vu", "cộng lại lớn hơn «Số nhiệm vụ được giao»"),
    ("vượt yêu cầu > đã hoàn thành", "dang_vien",
     {"so_nhiem_vu": 10, "so_hoan_thanh_dung_han": 2, "so_cham_tien_do": 1, "so_vuot_muc": 4},
     "so_vuot_muc", "lớn hơn số nhiệm vụ đã hoàn thành"),
    ("vượt yêu cầu > đã hoàn thành (tập thể)", "don_vi_nam",
     {"so_nhiem_vu": 10, "so_hoan_thanh_dung_han": 3, "so_vuot_muc": 4},
     "so_vuot_muc", "lớn hơn số nhiệm vụ đã hoàn thành"),
    ("số phần mà thiếu số được giao", "dang_vien", {"so_cham_tien_do": 1},
     "so_nhiem_vu", "nhưng «Số nhiệm vụ được giao» để trống"),
    ("số phần mà thiếu số được giao (tập thể)", "don_vi_nam", {"so_hoan_thanh_dung_han": 3, "so_vuot_muc": 1},
     "so_nhiem_vu", "nhưng «Số nhiệm vụ được giao» để trống"),
    ("kỷ luật mà không vi phạm", "dang_vien", {"hinh_thuc_ky_luat": "Khiển trách", "vi_pham": None},
     "hinh_thuc_ky_luat", "Có hình thức kỷ luật nhưng cột «Vi phạm» là Không"),
    ("kỷ luật mà vi phạm ghi không", "dang_vien", {"hinh_thuc_ky_luat": "Khai trừ", "vi_pham": "không"},
     "hinh_thuc_ky_luat", "Có hình thức kỷ luật nhưng cột «Vi phạm» là Không"),
    ("kỷ luật vì nhiệm vụ mà thiếu hình thức", "dang_vien",
     {"ky_luat_lien_quan_nhiem_vu": "x", "vi_pham": "x", "hinh_thuc_ky_luat": None},
     "hinh_thuc_ky_luat", "«Hình thức kỷ luật» để trống"),
]  # fmt: skip


def _with_row(table: str, cells: dict[str, Any], row: int = 2) -> dict[str, pd.DataFrame]:
    tables = _hop_le()
    frame = tables[table]
    for name, value in cells.items():
        if name not in frame:
            frame[name] = None
        frame[name] = frame[name].astype(object)
        frame.loc[row, name] = value
    if table == "dang_vien" and "hinh_thuc_ky_luat" not in frame:
        frame["hinh_thuc_ky_luat"] = None  # the column present, blank: «Không bị kỷ luật»
    return tables


@pytest.mark.parametrize(("case", "table", "cells", "column", "words"), ROW_ERRORS, ids=[c[0] for c in ROW_ERRORS])
def test_a_row_whose_figures_disagree_is_an_error_at_its_row_and_column(
    case: str, table: str, cells: dict[str, Any], column: str, words: str
) -> None:
    data, errors, _ = _load(_with_row(table, cells))
    assert data is None
    [error] = errors.to_dict("records")
    spec = DANG_VIEN if table == "dang_vien" else DON_VI_NAM
    assert (error["trang_tinh"], error["dong"], error["ma_cot"]) == (spec.title, 4, column), case
    assert error["cot"] == spec.column(column).title  # a file headed by codes is told the template's titles
    assert words in error["van_de"], error["van_de"]


@pytest.mark.parametrize(
    "cells",
    [
        {"so_nhiem_vu": 10, "so_hoan_thanh_dung_han": 7, "so_cham_tien_do": 2, "so_khong_hoan_thanh": 1,
         "so_vuot_muc": 9},
        {"so_nhiem_vu": 10},
        {"so_nhiem_vu": 10, "so_vuot_muc": 3},  # nothing said of what was done: nothing to compare with
        {"so_nhiem_vu": 0, "so_hoan_thanh_dung_han": 0},
        {"hinh_thuc_ky_luat": "Cảnh cáo", "vi_pham": "x", "ky_luat_lien_quan_nhiem_vu": "x"},
        {"hinh_thuc_ky_luat": "Không bị kỷ luật", "vi_pham": "x"},  # violated, not (yet) disciplined
    ],
    ids=["đủ và khớp", "chỉ số được giao", "vượt yêu cầu không rõ đã hoàn thành", "không", "kỷ luật đủ", "vi phạm"],
)  # fmt: skip
def test_figures_that_agree_are_no_error(cells: dict[str, Any]) -> None:
    data, errors, _ = _load(_with_row("dang_vien", cells))
    assert data is not None, errors.to_string()


def test_every_disagreement_is_reported_at_once_and_an_unreadable_count_only_once() -> None:
    tables = _with_row("dang_vien", {"so_nhiem_vu": 2, "so_khong_hoan_thanh": 3}, row=0)
    members = tables["dang_vien"]
    members.loc[4, "so_nhiem_vu"] = "mười"  # unreadable: said once, not again as «để trống»
    members.loc[4, "so_cham_tien_do"] = 1
    members.loc[5, ["hinh_thuc_ky_luat", "vi_pham"]] = ["Cảnh cáo", None]
    tables["don_vi_nam"].loc[1, ["so_nhiem_vu", "so_vuot_muc"]] = [3, 4]
    _, errors, _ = _load(tables)
    found = sorted(zip(errors["trang_tinh"], errors["dong"], errors["ma_cot"], strict=True))
    assert found == sorted(
        [
            ("Đảng viên", 2, "so_khong_hoan_thanh"),
            ("Đảng viên", 6, "so_nhiem_vu"),
            ("Đảng viên", 7, "hinh_thuc_ky_luat"),
            ("Đơn vị năm", 3, "so_vuot_muc"),
        ]
    )
    unreadable = errors[errors["dong"] == 6].iloc[0]
    assert unreadable["gia_tri"] == "mười" and "Giá trị không hợp lệ" in unreadable["van_de"]


# --- the blank rule --------------------------------------------------------------------------------------------

FORMATS = ["csv", "xlsx", "parquet", "bo_nho"]
#: (situation, the cells of Hình thức kỷ luật or "thiếu" for no column, the codes read, the warning's words)
BLANKS = [
    ("một ô ghi, còn lại trống", ["Cảnh cáo", None, None], ["canh_cao", "khong_ky_luat", "khong_ky_luat"], None),
    ("cả cột để trống", [None, None, None], ["khong_ky_luat"] * 3,
     "để trống toàn bộ: hiểu là «Không bị kỷ luật» cho mọi dòng"),
    ("không có cột", "thiếu", [None, None, None], None),
]  # fmt: skip


def _three_members(cells: list[str | None] | str) -> dict[str, pd.DataFrame]:
    tables = _hop_le()
    members = tables["dang_vien"].head(3).copy()
    members["vi_pham"] = "x"
    if cells != "thiếu":
        members["hinh_thuc_ky_luat"] = pd.Series(cells, dtype=object).to_numpy()
    tables["dang_vien"] = members
    return tables


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("situation", "cells", "read", "warned"), BLANKS, ids=[b[0] for b in BLANKS])
def test_a_blank_form_of_discipline_is_no_discipline_and_a_missing_column_is_not_collected(
    tmp_path: Path, fmt: str, situation: str, cells: list[str | None] | str, read: list[str | None], warned: str | None
) -> None:
    tables = _three_members(cells)
    if fmt == "bo_nho":
        data, report = dataset_from_frames(tables, source="bảng")
    else:
        written = {n: pa.Table.from_pandas(f, preserve_index=False) for n, f in tables.items()}
        write_tables(written, tmp_path / "du_lieu", fmt)  # type: ignore[arg-type]
        data, report = validate_dataset(
            tmp_path / "du_lieu" / "du_lieu.xlsx" if fmt == "xlsx" else tmp_path / "du_lieu"
        )
    assert data is not None, report.to_text()
    assert [None if pd.isna(v) else v for v in data.dang_vien["hinh_thuc_ky_luat"]] == read, situation
    said = report.warnings[report.warnings["ma_cot"] == "hinh_thuc_ky_luat"]["van_de"].tolist()
    if warned is None:
        assert said == []
    else:
        [text] = said
        assert warned in text and "Nếu chưa thu thập số liệu này thì xóa cột khỏi tệp" in text


# --- the formula «disciplined at khiển trách or above» --------------------------------------------------------

AT_LEAST_KHIEN_TRACH = "hinh_thuc_ky_luat in [khien_trach, canh_cao, cach_chuc, khai_tru]"
#: (formula, situation, what each of the three members gets: 1 true, 0 false, None unknown)
FORMULAS = [
    (AT_LEAST_KHIEN_TRACH, ["Khiển trách", None, "Khai trừ ra khỏi Đảng"], [1, 0, 1]),
    (AT_LEAST_KHIEN_TRACH, ["Không bị kỷ luật", "Cách chức", None], [0, 1, 0]),
    (AT_LEAST_KHIEN_TRACH, [None, None, None], [0, 0, 0]),
    (AT_LEAST_KHIEN_TRACH, "thiếu", [None, None, None]),
    ("hinh_thuc_ky_luat in [cach_chuc, khai_tru]", ["Khiển trách", "Cảnh cáo", "Cách chức"], [0, 0, 1]),
    ("hinh_thuc_ky_luat not in [khien_trach, canh_cao, cach_chuc, khai_tru]", ["Cảnh cáo", None, None], [0, 1, 1]),
    ("hinh_thuc_ky_luat not in [khien_trach, canh_cao, cach_chuc, khai_tru]", "thiếu", [None, None, None]),
    ("hinh_thuc_ky_luat == khong_ky_luat", ["Cảnh cáo", None, "Không"], [0, 1, 1]),
    (f"{AT_LEAST_KHIEN_TRACH} and ky_luat_lien_quan_nhiem_vu", ["Cảnh cáo", "Cảnh cáo", None], [1, 0, 0]),
]


@pytest.mark.parametrize(("formula", "cells", "expected"), FORMULAS, ids=[f"{f} | {c}" for f, c, _ in FORMULAS])
def test_the_discipline_formula_is_true_false_or_unknown(
    formula: str, cells: list[str | None] | str, expected: list[int | None]
) -> None:
    tables = _three_members(cells)
    if "ky_luat_lien_quan_nhiem_vu" in formula:
        tables["dang_vien"]["ky_luat_lien_quan_nhiem_vu"] = ["x", None, None]
    data, errors, _ = _load(tables)
    assert data is not None, errors.to_string()
    year = YearData(data, 2024)
    values = Evaluator(year, None).value(parse(formula, MEMBER), member_rows(year))
    assert [None if np.isnan(v) else int(v) for v in values] == expected


@pytest.mark.parametrize(
    ("formula", "words"),
    [
        ("hinh_thuc_ky_luat >= canh_cao", "chỉ so sánh bằng"),
        ("hinh_thuc_ky_luat in [HTTNV]", "không so sánh"),
        ("hinh_thuc_ky_luat in [can_bo]", "hai danh mục khác nhau"),
        ("hinh_thuc_ky_luat in [phe_binh]", "không có cột «phe_binh»"),
    ],
)
def test_a_discipline_formula_that_mixes_vocabularies_is_refused(formula: str, words: str) -> None:
    with pytest.raises(ExprError, match=words):
        parse(formula, MEMBER)


def test_a_unit_formula_reads_the_collective_task_counts() -> None:
    tables = _hop_le()
    units = tables["don_vi_nam"]
    units["so_nhiem_vu"] = [None, 10, 10, 10, None, None]
    units["so_khong_hoan_thanh"] = [None, 4, 3, None, None, None]
    data, errors, _ = _load(tables)
    assert data is not None, errors.to_string()
    year = YearData(data, 2024)
    rows = unit_rows(year, tuple(data.to_chuc["cap"].cat.categories))
    values = Evaluator(year, None).value(parse("so_khong_hoan_thanh > 0.3 * so_nhiem_vu", UNIT), rows)
    by_id = dict(zip(data.to_chuc["ma_to_chuc"].to_numpy()[rows.index], values, strict=True))
    assert by_id["DB1"] == 1 and by_id["BP1"] == 0 and np.isnan(by_id["CB1"]) and np.isnan(by_id["K"])


# --- the generator ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated() -> Dataset:
    tables = generate(4000, [2024, 2025], seed=7, qd366=True)
    data, report = dataset_from_frames({n: t.to_pandas() for n, t in tables.items()})
    assert data is not None and report.ok, report.to_text()
    return data


def test_the_generator_leaves_the_columns_out_unless_asked_and_changes_nothing_else() -> None:
    plain = generate(1000, [2024, 2025], seed=3)
    asked = generate(1000, [2024, 2025], seed=3, qd366=True)
    for name, spec, added in (("dang_vien", DANG_VIEN, MEMBER_COLUMNS), ("don_vi_nam", DON_VI_NAM, UNIT_COLUMNS)):
        assert not set(added) & set(plain[name].column_names)
        assert set(added) <= set(asked[name].column_names)
        assert asked[name].select(plain[name].column_names).equals(plain[name]), name
        assert [c for c in asked[name].column_names if c in added] == [c.name for c in spec.columns if c.name in added]
    assert not set(MEMBER_COLUMNS) & set(generate(1000, [2023, 2024], seed=3, qd366=True)["dang_vien"].column_names)


def test_the_generated_member_figures_fit_each_rating(generated: Dataset) -> None:
    members = generated.dang_vien
    before, now = members[members["nam"] == 2024], members[(members["nam"] == 2025) & members["xep_loai"].notna()]
    assert before["so_nhiem_vu"].isna().all() and not before["suy_thoai"].any()
    assert now["so_nhiem_vu"].notna().all() and (now["so_nhiem_vu"] >= 1).all()
    total, on_time, late = now["so_nhiem_vu"], now["so_hoan_thanh_dung_han"], now["so_cham_tien_do"]
    missed, exceeded = now["so_khong_hoan_thanh"], now["so_vuot_muc"]
    assert (on_time + late + missed == total).all() and (exceeded <= on_time + late).all()
    rating = now["xep_loai"].astype(str)
    top = rating == "HTXSNV"
    assert (on_time[top] == total[top]).all() and (exceeded[top] >= 0.3 * total[top]).all()
    assert (on_time[rating == "HTTNV"] == total[rating == "HTTNV"]).all()
    htnv = rating == "HTNV"
    assert (missed[htnv] == 0).all() and (late[htnv] <= 0.2 * total[htnv]).all()
    failed = now[rating == "KHTNV"]
    disciplined = failed["hinh_thuc_ky_luat"].isin(KY_LUAT_CODES)
    reason = (
        (failed["so_khong_hoan_thanh"] > failed["so_nhiem_vu"] / 2)
        | (failed["ky_luat_lien_quan_nhiem_vu"] & disciplined)
        | failed["suy_thoai"]
        | failed["vi_pham_dieu_cam"]
    )
    assert len(failed) > 0 and reason.all()
    assert (failed["ky_luat_lien_quan_nhiem_vu"] & disciplined).any()
    assert (failed["so_khong_hoan_thanh"] > failed["so_nhiem_vu"] / 2).any()
    assert members.loc[members["hinh_thuc_ky_luat"].isin(KY_LUAT_CODES), "vi_pham"].all()
    assert (
        not now.loc[now["xep_loai"] >= "HTNV", ["ky_luat_lien_quan_nhiem_vu", "suy_thoai", "vi_pham_dieu_cam"]]
        .any()
        .any()
    )
    assert now.loc[top, "khac_phuc_han_che"].all()


def test_the_generated_unit_figures_fit_each_rating(generated: Dataset) -> None:
    units = generated.don_vi_nam
    cap = generated.to_chuc["cap"].to_numpy()[units["ma_to_chuc"].cat.codes.to_numpy()]
    now = units[(units["nam"] == 2025).to_numpy() & (cap != "cap_tren_co_so")]
    assert units.loc[(units["nam"] == 2024).to_numpy() | (cap == "cap_tren_co_so"), "so_nhiem_vu"].isna().all()
    total, on_time = now["so_nhiem_vu"], now["so_hoan_thanh_dung_han"]
    rating = now["xep_loai"].astype(str)
    top = rating == "HTXSNV"
    assert (on_time[top] == total[top]).all() and (now.loc[top, "so_vuot_muc"] >= 0.3 * total[top]).all()
    leadership = ["sai_pham_can_bo_doan_ket", "thanh_vien_ky_luat", "thanh_vien_suy_thoai", "chi_tieu_co_ban_khong_dat"]
    failed = now[rating == "KHTNV"]
    under_70 = failed["so_khong_hoan_thanh"] > 0.3 * failed["so_nhiem_vu"]
    assert len(failed) > 0 and (under_70 | failed[leadership].any(axis=1)).all()
    assert not now.loc[rating != "KHTNV", leadership].any().any()
    assert now["thanh_tich_noi_bat"].any() and (rating[now["thanh_tich_noi_bat"].to_numpy()] == "HTXSNV").all()


def test_the_command_writes_the_columns_when_asked(tmp_path: Path) -> None:
    out = tmp_path / "out"
    runner = CliRunner()
    args = ["sinh-du-lieu", str(out), "--so-dang-vien", "300", "--nam", "2025", "--khong-nhiem-vu", "--qd366"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert set(MEMBER_COLUMNS) <= set(pd.read_csv(out / "dang_vien.csv", nrows=0).columns)
    assert set(UNIT_COLUMNS) <= set(pd.read_csv(out / "don_vi_nam.csv", nrows=0).columns)
    data, report = validate_dataset(out)
    assert data is not None and report.ok, report.to_text()

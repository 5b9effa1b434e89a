"""What the readers say is Vietnamese a person can act on: a column named as the file heads it (or as the template
titles it when the file uses codes), Arrow's, openpyxl's and the system's English failures in words, never raw."""

from __future__ import annotations

import datetime
import errno
import re
from pathlib import Path

import pyarrow as pa
import pytest

from scoring.input.coerce import arrow_kind
from scoring.input.csv_text import arrow_message, os_error_words, read_csv_table
from scoring.input.report import Location, ValidationReport
from scoring.input.schema import DON_VI_NAM, TO_CHUC
from scoring.input.xlsx import _cell_text as xlsx_cell_text

ENGLISH = re.compile(
    r"\b(?:could|error|expected|columns?|rows?|file|invalid|failed|unable|header|block|list|item)\b", re.I
)

#: (the header the file has, the column it means, what «Cột» shows)
HEADERS = [
    ("Số quần chúng", "so_quan_chung", "Số quần chúng"),  # a Vietnamese header: as written
    ("so_quan_chung", "so_quan_chung", "Số quần chúng"),  # a code: the template's title
    ("SO_QUAN_CHUNG", "so_quan_chung", "Số quần chúng"),
    ("so quan chung", "so_quan_chung", "so quan chung"),  # without diacritics, still the user's words
    ("Tổng số quần chúng", "so_quan_chung", "Tổng số quần chúng"),  # an alias: as written
    ("Số quần chúng\nđược quán triệt", "so_quan_chung_quan_triet", "Số quần chúng được quán triệt"),  # Alt+Enter
]


@pytest.mark.parametrize(("header", "code", "shown"), HEADERS)
def test_a_column_is_shown_as_the_file_heads_it_or_by_its_title(
    tmp_path: Path, header: str, code: str, shown: str
) -> None:
    titles = ["ma_to_chuc", "nam", "xep_loai", header]
    lines = [",".join(f'"{t}"' for t in titles), "K,2024,HTTNV,-5"]
    file = tmp_path / "don_vi_nam.csv"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = ValidationReport()
    raw = read_csv_table(file, DON_VI_NAM, report)
    assert raw is not None and report.ok, report.to_text()
    assert raw.where.header(code) == shown
    assert raw.where.header("xep_loai") == "Xếp loại" and raw.where.header("nam") == "Năm"
    assert raw.where.header("don_thu_ton_dong") == "Số đơn thư tồn đọng"  # absent from the file: its title
    report.error(raw.where, "Số lượng không được âm.", rows=[0], column=code, values=["-5"])
    row = report.table.iloc[0]
    assert (row["dong"], row["cot"], row["ma_cot"]) == (2, shown, code)
    shown_table = report.display_table()
    assert list(shown_table.columns) == ["Mức độ", "Tệp", "Trang tính", "Dòng", "Cột", "Giá trị", "Vấn đề"]
    assert shown in report.to_text() and (code == shown or f"  {code} " not in report.to_text())


def test_a_location_without_headers_names_columns_by_their_titles() -> None:
    report = ValidationReport()
    report.error(Location("bảng"), "Ô bắt buộc đang để trống.", rows=[0], column="ma_dang_vien")
    report.warning(Location("bảng"), "Cột lạ.", column="khong_co_trong_mau")
    assert report.table["cot"].tolist() == ["Mã đảng viên", "khong_co_trong_mau"]


#: (what Arrow or Python raised, words the message must hold)
FAILURES = [
    (
        pa.ArrowInvalid(
            "Could not skip initial 1 rows from CSV file, either file is too short or header is larger than block size"
        ),
        "ngoặc kép",
    ),
    (pa.ArrowInvalid("straddling object straddles two block boundaries (try to increase block size?)"), "ngoặc kép"),
    (
        pa.ArrowInvalid("CSV parse error: Expected 5 columns, got 6: K,A,B,C,D,E"),
        "một dòng có 6 ô trong khi dòng tiêu đề có 5 cột",
    ),
    (pa.ArrowInvalid("Empty CSV file"), "tệp rỗng"),
    (pa.ArrowInvalid("CSV conversion error to string: invalid UTF8 data"), "bảng mã utf-8-sig"),
    (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), "bảng mã utf-8-sig"),
    (MemoryError(), "không đủ bộ nhớ"),
    (pa.ArrowMemoryError("malloc of size 1073741824 failed"), "không đủ bộ nhớ"),
    (pa.ArrowInvalid("something Arrow has never said before"), "tệp hỏng hoặc không đúng dạng CSV"),
]


@pytest.mark.parametrize(
    ("failure", "words"), FAILURES, ids=[type(f).__name__ + str(i) for i, (f, _) in enumerate(FAILURES)]
)
def test_arrow_failures_are_said_in_vietnamese(failure: BaseException, words: str) -> None:
    said = arrow_message(failure, "utf-8-sig")
    assert words in said and not ENGLISH.search(said), said


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.EACCES, "không có quyền đọc tệp"),
        (errno.ENOENT, "tệp không còn ở đó"),
        (errno.EIO, "lỗi đọc đĩa"),
        (errno.ENOSPC, "lỗi hệ thống khi đọc tệp"),
    ],
)
def test_system_failures_are_said_in_vietnamese(code: int, words: str) -> None:
    said = os_error_words(OSError(code, "Permission denied"))
    assert said.startswith(words) and not ENGLISH.search(said)


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        (pa.list_(pa.int64()), "danh sách nhiều giá trị trong một ô"),
        (pa.struct([("a", pa.int64())]), "bản ghi lồng nhau"),
        (pa.map_(pa.string(), pa.int64()), "bản ghi lồng nhau"),
        (pa.timestamp("ms"), "ngày giờ"),
        (pa.binary(), "dữ liệu nhị phân"),
        (pa.decimal128(10, 2), "số thập phân cố định"),
        (pa.null(), "toàn ô trống"),
        (pa.float16(), "kiểu không hỗ trợ"),
    ],
)
def test_a_parquet_column_type_is_named_in_words(kind: pa.DataType, words: str) -> None:
    assert arrow_kind(kind) == words


#: CSV files that used to pass Arrow's English on, or misread their header (bytes, the error's words)
CSV_FILES = [
    (b"ma_to_chuc,ten_to_chuc,cap,ma_cap_tren,loai_hinh", "Bảng «Tổ chức» không có dòng dữ liệu nào"),
    (b'"ma_to_chuc,ten_to_chuc,cap,ma_cap_tren,loai_hinh\nK,Khoi,cap_tren_co_so,,\n', 'ngoặc kép (") mở mà không đóng'),
]


@pytest.mark.parametrize(("raw", "words"), CSV_FILES)
def test_a_csv_header_problem_is_said_in_vietnamese(tmp_path: Path, raw: bytes, words: str) -> None:
    file = tmp_path / "to_chuc.csv"
    file.write_bytes(raw)
    report = ValidationReport()
    assert read_csv_table(file, TO_CHUC, report) is None
    said = " ".join(report.table["van_de"])
    assert words in said and not ENGLISH.search(said), said


def test_a_header_title_typed_on_two_lines_is_read_and_the_rows_keep_their_numbers(tmp_path: Path) -> None:
    """Excel writes a title typed with Alt+Enter in quotes across two lines; the rows below are still rows 2, 3."""
    file = tmp_path / "to_chuc.csv"
    file.write_bytes(
        b'"M\xc3\xa3 t\xe1\xbb\x95\r\nch\xe1\xbb\xa9c",T\xc3\xaan,cap,ma_cap_tren,loai_hinh\r\n'
        b"K,Kh\xe1\xbb\x91i,cap_tren_co_so,,\r\nA,B,chi_bo_co_so,K,co_quan_hanh_chinh\r\n"
    )
    report = ValidationReport()
    raw = read_csv_table(file, TO_CHUC, report)
    assert raw is not None and report.ok, report.to_text()
    assert raw.data.column("ma_to_chuc").to_pylist() == ["K", "A"]
    assert raw.where.header("ma_to_chuc") == "Mã tổ chức" and list(
        raw.where.shown_rows(pa.array([0, 1]).to_numpy())
    ) == [2, 3]


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (datetime.timedelta(days=1, hours=2, minutes=30), "26:30:00 (ô định dạng Giờ)"),  # not «1 day, 2:30:00»
        (-datetime.timedelta(hours=1), "-01:00:00 (ô định dạng Giờ)"),
        (datetime.time(8, 30), "08:30:00 (ô định dạng Giờ)"),
        (datetime.date(2024, 3, 15), "15/03/2024 (ô định dạng Ngày)"),
    ],
)
def test_an_excel_time_or_duration_cell_reads_without_english(cell: object, text: str) -> None:
    assert xlsx_cell_text(cell) == text

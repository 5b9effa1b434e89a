"""Loading what offices really send: aliases, Unicode forms, label spellings, formats, row numbers."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from scoring import Dataset, DatasetError, load_dataset, validate_dataset
from scoring.domain.codes import CAP, XEP_LOAI
from scoring.domain.text import fold
from scoring.input.schema import TABLES
from scoring.outputs.writers import write_tables
from scoring.sample.generate import generate
from tests.conftest import SAMPLE, VALID


def assert_same(a: Dataset, b: Dataset) -> None:
    for name in ("to_chuc", "dang_vien", "don_vi_nam"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_dtype=True)


def test_sample_is_one_khoi_of_the_promised_size(sample: Dataset) -> None:
    levels = sample.to_chuc["cap"].value_counts()
    assert levels["cap_tren_co_so"] == 1
    assert 100 <= levels["dang_bo_co_so"] + levels["chi_bo_co_so"] <= 140
    assert 250 <= levels["chi_bo_truc_thuoc"] <= 350
    assert levels["dang_bo_bo_phan"] >= 1
    assert sample.years == [2021, 2022, 2023, 2024, 2025]
    per_year = sample.dang_vien.groupby("nam").size()
    assert per_year.between(6000, 7000).all()
    assert sample.report.ok


def test_references_are_codes_into_to_chuc(sample: Dataset) -> None:
    codes = sample.dang_vien["ma_chi_bo"].cat.codes.to_numpy()
    assert (codes >= 0).all()
    assert (
        sample.to_chuc["ma_to_chuc"].to_numpy()[codes] == sample.dang_vien["ma_chi_bo"].astype(str).to_numpy()
    ).all()
    caps = sample.to_chuc["cap"].to_numpy()[codes]
    assert set(caps) <= {"chi_bo_co_so", "chi_bo_truc_thuoc"}
    parent = sample.parent
    assert (parent[sample.to_chuc["cap"].to_numpy() == "cap_tren_co_so"] == -1).all()
    assert sample.dang_vien["xep_loai"].cat.ordered
    assert list(sample.dang_vien["xep_loai"].cat.categories) == ["KHTNV", "HTNV", "HTTNV", "HTXSNV"]


def test_chi_bo_truc_thuoc_inherits_loai_hinh_through_any_depth() -> None:
    data = load_dataset(VALID)
    by_id = data.to_chuc.set_index("ma_to_chuc")["loai_hinh"]
    assert by_id["CB1"] == "co_quan_hanh_chinh"  # under đảng bộ bộ phận BP1, under DB1
    assert by_id["CB2"] == "co_quan_hanh_chinh"
    assert pd.isna(by_id["K"])


def test_blank_flag_means_no_even_when_the_whole_column_is_blank() -> None:
    """The template's own words: a blank yes/no cell is «Không». Only a column the file lacks is not collected."""
    data = load_dataset(VALID)
    members = data.dang_vien.set_index("ma_dang_vien")
    assert members.loc["DV05", "vi_pham"]
    assert not members.loc["DV01", "vi_pham"]
    assert not members.loc["DV06", "quan_triet"]
    flags = data.don_vi_nam["vi_pham_don_vi"]  # in the file, never filled in: «Không» on every row, and said so
    assert flags.notna().all() and not flags.any()
    said = data.report.warnings.set_index("ma_cot")["van_de"]
    assert said["vi_pham_don_vi"] == (
        "Cột «Có vi phạm trong cơ quan, đơn vị» để trống toàn bộ: hiểu là «Không» cho mọi dòng. Nếu chưa thu thập "
        "số liệu này thì xóa cột khỏi tệp: các tiêu chí dùng cột sẽ là «không đủ dữ liệu»."
    )
    assert data.dang_vien["tu_khac_phuc"].isna().all()  # not in the file: not collected


def test_mien_and_blank_ratings_are_not_rated() -> None:
    data = load_dataset(VALID)
    assert data.dang_vien.set_index("ma_dang_vien")["xep_loai"].isna()["DV09"]


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("HTXSNV", "HTXSNV"),
        ("Hoàn thành xuất sắc nhiệm vụ", "HTXSNV"),
        ("hoan thanh xuat sac nhiem vu", "HTXSNV"),
        ("HOÀN THÀNH XUẤT SẮC NHIỆM VỤ", "HTXSNV"),
        (unicodedata.normalize("NFD", "Hoàn thành tốt nhiệm vụ"), "HTTNV"),
        ("HTT NV", "HTTNV"),
        ("htt", "HTTNV"),
        ("Hoàn thành nhiệm vụ", "HTNV"),
        ("Không hoàn thành nhiệm vụ", "KHTNV"),
        ("khong hoan thanh nhiem vu", "KHTNV"),
        ("Miễn đánh giá", None),
        ("MIEN", None),
    ],
)
def test_rating_spellings(spelling: str, code: str | None) -> None:
    assert XEP_LOAI.lookup()[fold(spelling)] == code


def _office_copy(target: Path) -> None:
    """hop_le as an office would send it: Vietnamese NFD headers, ';' separators, BOM, labels,
    x/có/TRUE flags, years as 2024.0, stray spaces."""
    target.mkdir()
    for spec in TABLES:
        frame = pd.read_csv(VALID / f"{spec.name}.csv", dtype=str, keep_default_na=False)
        frame.columns = ["  " + spec.column(c).title.upper() + " " for c in frame.columns]
        for c in frame.columns:
            title = c.strip()
            if title == "CẤP":
                frame[c] = frame[c].map(CAP.labels)
            elif title == "NĂM":
                frame[c] = frame[c] + ".0"
            elif title in {"VI PHẠM", "QUÁN TRIỆT", "LÀ BÍ THƯ"}:
                frame[c] = frame[c].replace({"x": "Có"}).where(frame[c] != "", "không")
            elif title == "XẾP LOẠI":
                frame[c] = frame[c].map(lambda r: XEP_LOAI.labels.get(r, r).lower() if r else "")
            elif title.startswith("MÃ"):
                frame[c] = " " + frame[c] + " "
        text = frame.to_csv(index=False, sep=";")
        (target / f"{spec.name}.csv").write_bytes(b"\xef\xbb\xbf" + unicodedata.normalize("NFD", text).encode())


def test_office_style_files_read_the_same_as_canonical(tmp_path: Path) -> None:
    _office_copy(tmp_path / "van_phong")
    messy, report = validate_dataset(tmp_path / "van_phong")
    assert messy is not None, report.to_text()
    clean = load_dataset(VALID)
    pd.testing.assert_frame_equal(messy.to_chuc, clean.to_chuc)
    pd.testing.assert_frame_equal(messy.don_vi_nam, clean.don_vi_nam)
    # office files wrote "không" where the canonical one left blanks: same meaning
    pd.testing.assert_frame_equal(messy.dang_vien, clean.dang_vien)


@pytest.fixture(scope="module")
def small_tables() -> dict[str, object]:
    return generate(400, [2024, 2025], seed=7)  # type: ignore[return-value]


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_formats_read_to_the_same_dataset(tmp_path: Path, small_tables: dict, fmt: str) -> None:  # type: ignore[type-arg]
    write_tables(small_tables, tmp_path / "csv", "csv")
    write_tables(small_tables, tmp_path / fmt, fmt)
    assert_same(load_dataset(tmp_path / "csv"), load_dataset(tmp_path / fmt))


def test_workbook_rows_are_numbered_as_excel_shows_them(tmp_path: Path) -> None:
    """A title above the header and blank rows in the data do not shift the row numbers."""
    write_tables(generate(400, [2025], seed=3), tmp_path / "book", "xlsx")
    path = tmp_path / "book" / "du_lieu.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book["Đảng viên"]
    sheet.insert_rows(1, amount=2)
    sheet["A1"] = "DANH SÁCH ĐẢNG VIÊN NĂM 2025"
    sheet.insert_rows(6)  # a blank row inside the data: Excel rows below it move down by one
    sheet.cell(row=8, column=5, value="Giỏi")  # xep_loai of the data row shown on Excel row 8
    book.save(path)
    _, report = validate_dataset(path)
    errors = report.errors
    assert len(errors) == 1, report.to_text()
    row = errors.iloc[0]
    assert (row["trang_tinh"], row["dong"], row["cot"], row["gia_tri"]) == ("Đảng viên", 8, "Xếp loại", "Giỏi")


def test_xlsx_formulas_are_read_as_values_not_evaluated(tmp_path: Path) -> None:
    write_tables(generate(200, [2025], seed=3), tmp_path / "book", "xlsx")
    path = tmp_path / "book" / "du_lieu.xlsx"
    book = openpyxl.load_workbook(path)
    book["Đơn vị năm"]["D3"] = "=1+1"  # openpyxl stores no cached value: the cell reads as blank
    book.save(path)
    data = load_dataset(path)
    assert pd.isna(data.don_vi_nam["so_quan_chung"].iloc[1])


def test_load_dataset_raises_with_the_whole_report(tmp_path: Path) -> None:
    shutil.copytree(VALID, tmp_path / "d")
    text = (tmp_path / "d" / "dang_vien.csv").read_text(encoding="utf-8")
    (tmp_path / "d" / "dang_vien.csv").write_text(text.replace(",2024,HTTNV", ",2024,Tốt", 2), encoding="utf-8")
    with pytest.raises(DatasetError) as info:
        load_dataset(tmp_path / "d")
    assert len(info.value.report.errors) == 2
    assert "Tốt" in str(info.value)


def test_missing_path_is_an_error_not_a_crash(tmp_path: Path) -> None:
    dataset, report = validate_dataset(tmp_path / "khong_co")
    assert dataset is None
    assert "Không tìm thấy" in report.errors["van_de"].iloc[0]


def test_warning_for_chi_bo_without_members(tmp_path: Path) -> None:
    shutil.copytree(VALID, tmp_path / "d")
    with (tmp_path / "d" / "to_chuc.csv").open("a", encoding="utf-8") as f:
        f.write("CB3,Chi bộ Phòng Mới,chi_bo_truc_thuoc,DB1,\n")
    data, report = validate_dataset(tmp_path / "d")
    assert data is not None
    warnings = report.warnings
    assert ((warnings["dong"] == 8) & warnings["van_de"].str.contains("không có đảng viên nào trong năm 2024")).any()
    assert np.isin(["CB3"], warnings["gia_tri"]).all()


def test_sample_is_what_the_generator_makes(tmp_path: Path) -> None:
    """data/mau is `thidua sinh-du-lieu data/mau` with the default seed, byte for byte."""
    write_tables(generate(6500, [2021, 2022, 2023, 2024, 2025], seed=2021), tmp_path / "mau", "csv")
    for spec in TABLES:
        assert (tmp_path / "mau" / f"{spec.name}.csv").read_bytes() == (SAMPLE / f"{spec.name}.csv").read_bytes()


def test_two_row_headers_with_merged_group_titles(tmp_path: Path) -> None:
    """«Quần chúng» merged over «Tổng số | Được quán triệt» is read as two columns."""
    write_tables(
        {s.name: pd.read_csv(VALID / f"{s.name}.csv", dtype=str, keep_default_na=False) for s in TABLES},
        tmp_path / "book",
        "xlsx",
    )
    path = tmp_path / "book" / "du_lieu.xlsx"
    book = openpyxl.load_workbook(path)
    del book["Đơn vị năm"]
    sheet = book.create_sheet("Đơn vị năm")
    sheet.append(["STT", "Mã tổ chức", "Năm", "Xếp loại", "Quần chúng", None, "Kiểm tra, giám sát", None])
    sheet.append([None, None, None, None, "Tổng số", "Được quán triệt", "Kế hoạch", "Thực hiện"])
    sheet.merge_cells("E1:F1")
    sheet.merge_cells("G1:H1")
    units = pd.read_csv(VALID / "don_vi_nam.csv", dtype=str, keep_default_na=False)
    for i, row in enumerate(units.itertuples(index=False), start=1):
        sheet.append(
            [
                i,
                row.ma_to_chuc,
                row.nam,
                row.xep_loai,
                row.so_quan_chung,
                row.so_quan_chung_quan_triet,
                row.kiem_tra_ke_hoach,
                row.kiem_tra_thuc_hien,
            ]
        )
    sheet.cell(row=5, column=6, value=999)  # more quán triệt than quần chúng, on Excel row 5
    book.save(path)
    _, report = validate_dataset(path)
    errors = report.errors
    assert len(errors) == 1, report.to_text()
    assert (errors.loc[0, "dong"], errors.loc[0, "cot"]) == (5, "Quần chúng Được quán triệt")
    assert not report.warnings["van_de"].str.contains("STT").any()


def test_parquet_column_of_an_unusable_type_is_reported(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    write_tables(generate(200, [2025], seed=2), tmp_path / "p", "parquet")
    table = pq.read_table(tmp_path / "p" / "don_vi_nam.parquet")
    lists = pa.array([[1, 2]] * table.num_rows, type=pa.list_(pa.int64()))
    table = table.set_column(table.column_names.index("so_quan_chung"), "so_quan_chung", lists)
    pq.write_table(table, tmp_path / "p" / "don_vi_nam.parquet")
    _, report = validate_dataset(tmp_path / "p")
    assert report.errors["van_de"].str.contains("Kiểu dữ liệu của cột").any(), report.to_text()


def test_warnings_for_gaps_that_do_not_stop_scoring(tmp_path: Path) -> None:
    shutil.copytree(VALID, tmp_path / "d")
    with (tmp_path / "d" / "to_chuc.csv").open("a", encoding="utf-8") as f:
        f.write("DB2,Đảng bộ Không Chi Bộ,dang_bo_co_so,K,don_vi_su_nghiep\n")
    with (tmp_path / "d" / "don_vi_nam.csv").open("a", encoding="utf-8") as f:
        f.write("CB1,2025,HTTNV,15,15,1,1,0,HTTNV,HTTNV,\n")
    _, report = validate_dataset(tmp_path / "d")
    said = report.warnings["van_de"]
    assert said.str.contains("Đảng bộ không có chi bộ trực thuộc nào").any()
    assert said.str.contains("Năm 2025 có số liệu Đơn vị năm nhưng không có đảng viên").any()
    assert said.str.contains("Tổ chức không có số liệu Đơn vị năm 2024").any()  # DB2 has no 2024 row


def test_excel_dropped_leading_zeros_get_a_hint(tmp_path: Path) -> None:
    shutil.copytree(VALID, tmp_path / "d")
    for name in ("to_chuc", "dang_vien", "don_vi_nam"):
        path = tmp_path / "d" / f"{name}.csv"
        path.write_text(path.read_text(encoding="utf-8").replace("CB1", "001"), encoding="utf-8")
    members = tmp_path / "d" / "dang_vien.csv"
    members.write_text(
        members.read_text(encoding="utf-8").replace("DV02,Trần Thị Bình,001", "DV02,Trần Thị Bình,1"), encoding="utf-8"
    )
    _, report = validate_dataset(tmp_path / "d")
    assert report.errors["van_de"].str.contains("bỏ số 0 ở đầu mã").any(), report.to_text()

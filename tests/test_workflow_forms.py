"""The self-assessment form's cells as people type and read them (`scoring.outputs.workflow_views`):
numbers typed the Vietnamese way are read as files are («86,5» is 86.5, «1.200» is 1200) and shown back
so; a cell that is not a number is named with its field (and member row); ratings, flags and codes are
words; the workbook a unit fills offline carries labels and is read back as the same figures; the
version table speaks Vietnamese; a workflow page opens on the latest year with something to see."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from scoring.domain.numbers import format_moment
from scoring.input.schema import DANG_VIEN, DON_VI_NAM, MEMBER_FIELDS, UNIT_FIELDS, Kind
from scoring.outputs.views import workbook
from scoring.outputs.workflow_views import (
    form_sheets,
    history_view,
    member_grid,
    number_cell,
    ranks_view,
    rating_verdict,
    rating_words,
    read_members,
    read_number,
    read_unit,
)
from scoring.store import Account, Store, connect
from scoring.store.accounts import SYSTEM
from scoring.store.workflow import clean, opening_year, previous_report, read_upload


@pytest.mark.parametrize(
    ("typed", "column", "value"),
    [
        ("86,5", "diem_danh_gia", 86.5),  # the decimal comma
        ("1.200", "so_quan_chung", 1200),  # the thousands dot: a count, kept as an integer
        ("12", "so_quan_chung", 12),
        ("  99 ", "diem_danh_gia", 99.0),
        ("8.5", "diem_danh_gia", 8.5),  # as English tools write it
        ("1,5", "so_quan_chung", 1.5),  # not a whole number: kept, the report's check names it
        ("", "so_quan_chung", None),
    ],
)
def test_a_number_typed_the_vietnamese_way_is_read_as_files_are(typed: str, column: str, value: object) -> None:
    read, readable = read_number(DON_VI_NAM.column(column), typed)
    assert readable and read == value and type(read) is type(value)


def test_a_unit_field_that_is_not_a_number_is_named_and_kept_as_typed() -> None:
    values, problems = read_unit({"diem_danh_gia": "86,5", "so_quan_chung": "mười hai", "xep_loai": "HTTNV"})
    assert values["diem_danh_gia"] == 86.5 and values["xep_loai"] == "HTTNV"
    assert values["so_quan_chung"] == "mười hai"  # kept as typed: shown again, never saved
    [problem] = problems
    assert problem.message() == (
        "Ô «Số quần chúng»: không đọc được «mười hai» thành số; cần số nguyên không âm, ví dụ 12 hoặc 1.200 "
        "(dấu chấm phân cách hàng nghìn)."
    )


def test_the_members_grid_shows_numbers_the_vietnamese_way_and_reads_them_back() -> None:
    rows = [
        {"ma_dang_vien": "DV1", "ho_ten": "Nguyễn Văn An", "xep_loai": "HTXSNV", "vi_pham": False,
         "diem_ban_linh": 8.25, "diem_danh_gia": 86.5, "so_sang_kien": 1200},
        {"ma_dang_vien": "DV2", "ho_ten": "Lê Thị Bình"},
    ]  # fmt: skip
    grid = member_grid(rows)
    first = grid.iloc[0]
    assert (first["diem_ban_linh"], first["diem_danh_gia"], first["so_sang_kien"]) == ("8,25", "86,5", "1.200")
    assert grid.iloc[1]["diem_danh_gia"] == "" and grid.iloc[1]["xep_loai"] is None  # blank, never «None»
    assert not grid.iloc[1]["vi_pham"]  # a box left empty is «không»
    grid.loc[1, "diem_danh_gia"] = "91,5"
    grid.loc[1, "diem_trach_nhiem"] = "8..5"
    members, problems = read_members(grid)
    assert members[0]["diem_danh_gia"] == 86.5 and members[0]["so_sang_kien"] == 1200
    assert members[1]["diem_danh_gia"] == 91.5
    [problem] = problems
    assert problem.message().startswith("Dòng 2 (Lê Thị Bình), cột «Điểm trách nhiệm»: không đọc được «8..5»")
    assert members[1]["diem_trach_nhiem"] == "8..5"
    assert member_grid(members).iloc[1]["diem_trach_nhiem"] == "8..5"  # shown again as typed
    data = clean({"xep_loai": "HTTNV"}, members)
    assert data["dang_vien"][0]["diem_ban_linh"] == 8.25 and data["dang_vien"][1]["diem_danh_gia"] == 91.5


def test_stored_numbers_are_shown_back_formatted() -> None:
    assert [number_cell(v) for v in (1200, 86.5, 8.125, 0, None, True)] == ["1.200", "86,5", "8,125", "0", "", ""]


def test_ratings_are_words_never_codes() -> None:
    assert rating_words("HTXSNV") == "Hoàn thành xuất sắc nhiệm vụ"
    assert rating_words("tối đa HTXSNV") == "tối đa Hoàn thành xuất sắc nhiệm vụ"
    assert rating_words("HTNV–HTXSNV") == "từ Hoàn thành nhiệm vụ đến Hoàn thành xuất sắc nhiệm vụ"
    assert rating_words("") == ""
    verdict = rating_verdict(
        {"ket_luan": "Cao hơn mức cho phép", "muc_duoc_phep": "tối đa HTTNV", "can_cu": "Có đảng viên bị kỷ luật",
         "quy_dinh": "Quy định 366-QĐ/TW"}
    )  # fmt: skip
    assert verdict == (
        "Cao hơn mức cho phép — mức được phép: tối đa Hoàn thành tốt nhiệm vụ. Căn cứ: Có đảng viên bị kỷ luật. "
        "Quy định áp dụng: Quy định 366-QĐ/TW."
    )
    assert not any(code in verdict for code in ("HTTNV", "HTXSNV"))
    unchecked = rating_verdict(
        {"ket_luan": "Đúng quy định", "muc_duoc_phep": "HTTNV", "chua_kiem_tra": "Tập thể có thành viên bị kỷ luật"}
    )
    assert unchecked.endswith("Chưa kiểm tra được vì thiếu số liệu: Tập thể có thành viên bị kỷ luật.")


def test_the_version_table_speaks_vietnamese() -> None:
    history = pd.DataFrame(
        [(1, "Đã gửi", "chibo", datetime(2026, 1, 17, 7, 5, tzinfo=UTC), None),
         (2, "Trả lại", "capuy", datetime(2026, 1, 18, 2, 0), "Bổ sung số quần chúng.")],
        columns=["phien_ban", "trang_thai", "boi", "luc", "ly_do_tra_lai"],
    )  # fmt: skip
    shown = history_view(history)
    assert list(shown.columns) == ["Phiên bản", "Trạng thái", "Người thực hiện", "Lúc", "Lý do trả lại"]
    assert shown.values.tolist() == [
        ["1", "Đã gửi", "chibo", "17/01/2026 14:05", ""],  # Việt Nam time; no «None»
        ["2", "Trả lại", "capuy", "18/01/2026 09:00", "Bổ sung số quần chúng."],  # a time without zone is UTC
    ]
    assert format_moment(None) == ""


def test_the_workbook_to_fill_offline_has_labels_and_is_read_back_the_same(tmp_path: Path) -> None:
    data: dict[str, Any] = {
        "don_vi": {"xep_loai": "HTTNV", "so_quan_chung": 1200, "diem_danh_gia": 86.5, "vi_pham_don_vi": False,
                   "xep_loai_co_quan": "HTXSNV"},
        "dang_vien": [
            {"ma_dang_vien": "A-1", "ho_ten": "Nguyễn Văn An", "xep_loai": "HTXSNV", "vi_pham": False,
             "quan_triet": True, "doi_tuong": "vien_chuc", "diem_ban_linh": 8.5, "so_sang_kien": 2},
        ],
    }  # fmt: skip
    sheets = form_sheets("A", 2025, data, with_members=True)
    unit_row = sheets[DON_VI_NAM.title].iloc[0]
    member = sheets[DANG_VIEN.title].iloc[0]
    assert unit_row["Xếp loại"] == "Hoàn thành tốt nhiệm vụ" and unit_row["Có vi phạm trong cơ quan, đơn vị"] == "Không"
    assert (member["Đối tượng"], member["Vi phạm"], member["Quán triệt"]) == ("Viên chức", "Không", "Có")
    written = "".join(str(v) for frame in sheets.values() for v in frame.to_numpy().ravel())
    assert not any(code in written for code in ("vien_chuc", "TRUE", "FALSE", "True", "False", "HTXSNV"))
    path = tmp_path / "tu_danh_gia.xlsx"
    path.write_bytes(workbook(sheets))
    read, report = read_upload(path, "tu_danh_gia.xlsx", "A", "chi_bo_co_so", 2025)
    assert report.ok, report.to_text()
    # every label read back as its code, every number as it was; a yes/no column the workbook has but
    # the figures left blank is «Không», as on screen (the template's rule: a blank cell is «không»)
    unit_flags = {c.name: False for c in UNIT_FIELDS if c.kind is Kind.FLAG}
    member_flags = {c.name: False for c in MEMBER_FIELDS if c.kind is Kind.FLAG}
    assert read == {
        "don_vi": {**unit_flags, **data["don_vi"]},
        "dang_vien": [{**member_flags, "hinh_thuc_ky_luat": "khong_ky_luat", **m} for m in data["dang_vien"]],
    }  # the form of discipline left blank: none, by the same rule
    blank = {*unit_flags, *member_flags, "hinh_thuc_ky_luat"} - {"vi_pham_don_vi", "vi_pham", "quan_triet"}
    assert set(report.warnings["ma_cot"]) == blank


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        (None, False),  # never chosen: «Không», as a blank cell of an uploaded file
        ("", False),
        (float("nan"), False),
        (pd.NA, False),
        (False, False),
        (True, True),
    ],
)
def test_a_yes_no_field_left_blank_on_screen_is_no(typed: object, read: object) -> None:
    values, problems = read_unit({"xep_loai": "HTTNV", "ky_luat_tap_the": typed})
    assert values["ky_luat_tap_the"] is read and not problems
    assert all(values[c.name] is False for c in UNIT_FIELDS if c.kind is Kind.FLAG and c.name != "ky_luat_tap_the")


def test_a_box_left_empty_in_the_members_grid_is_no_but_an_empty_new_row_stays_empty() -> None:
    grid = pd.DataFrame(
        [{"ma_dang_vien": "DV1", "ho_ten": "Nguyễn Văn An", "xep_loai": "HTTNV", "vi_pham": None, "quan_triet": True},
         {"ma_dang_vien": None, "ho_ten": None, "xep_loai": None, "vi_pham": None, "quan_triet": None}],
        columns=[c.name for c in MEMBER_FIELDS],
    )  # fmt: skip
    members, problems = read_members(grid)
    assert not problems
    flags = [c.name for c in MEMBER_FIELDS if c.kind is Kind.FLAG]
    assert [members[0][f] for f in flags] == [False, True] + [False] * (len(flags) - 2)  # vi_pham, quan_triet, …
    [kept] = clean({"xep_loai": "HTTNV"}, members)["dang_vien"]  # a row added and left empty is dropped,
    assert kept["ma_dang_vien"] == "DV1" and kept["vi_pham"] is False  # never a member with only «Không» in it


TREE = pd.DataFrame(
    [("K", "Đảng bộ Khối", "cap_tren_co_so", None, None),
     ("D", "Đảng bộ Sở Tài chính", "dang_bo_co_so", "K", "co_quan_hanh_chinh"),
     ("D1", "Chi bộ Phòng Ngân sách", "chi_bo_truc_thuoc", "D", None),
     ("D2", "Chi bộ Văn phòng", "chi_bo_truc_thuoc", "D", None)],
    columns=["ma_to_chuc", "ten_to_chuc", "cap", "ma_cap_tren", "loai_hinh"],
)  # fmt: skip
MEMBER = {"ma_dang_vien": "X", "ho_ten": "Nguyễn Văn An", "xep_loai": "HTTNV", "vi_pham": False, "quan_triet": True,
          "doi_tuong": "cong_chuc"}  # fmt: skip


def _report(unit: str) -> dict[str, object]:
    return {"don_vi": {"xep_loai": "HTTNV", "so_quan_chung": 10}, "dang_vien": [{**MEMBER, "ma_dang_vien": unit}]}


def test_a_page_opens_on_the_latest_year_with_something_to_see(tmp_path: Path) -> None:
    store = Store(connect(f"sqlite:///{tmp_path / 'thidua.db'}"))
    store.import_tree(SYSTEM, TREE)
    admin, cap_uy = Account("quantri", "quan_tri"), Account("capuy", "cap_uy_co_so", "D")
    chi_bo = Account("chibo", "chi_bo", "D1")
    for name, role, unit in (("quantri", "quan_tri", None), ("capuy", "cap_uy_co_so", "D"), ("chibo", "chi_bo", "D1")):
        store.create_account(SYSTEM, name, "mat-khau-dai", role, unit)
    assert opening_year(store, chi_bo, "D1") is None  # nothing yet: the page falls back on this year
    store.import_approved(SYSTEM, [("D1", 2023, _report("D1")), ("D2", 2024, _report("D2"))])
    assert opening_year(store, chi_bo, "D1") == 2023  # its own latest report
    assert opening_year(store, admin, "D") == 2024  # none of its own: the latest approved year
    draft = store.save_draft(chi_bo, "D1", 2025, _report("D1"), None)
    assert opening_year(store, chi_bo, "D1") == 2025
    assert opening_year(store, cap_uy) == 2025  # a unit it follows has a report of 2025
    store.submit(chi_bo, "D1", 2025, draft.phien_ban)
    store.save_draft(admin, "D2", 2026, _report("D2"), None)
    assert opening_year(store, cap_uy) == 2025  # the year a report waits for its review comes first
    previous = previous_report(store, chi_bo, "D1", 2026)
    assert previous is not None and previous.nam == 2025  # last year's report, whole, to start from
    store.engine.dispose()


def test_points_in_the_group_table_are_written_the_vietnamese_way() -> None:
    ranks = pd.DataFrame({"Tổng điểm": [86.5, 90.0], "Cách điển hình (điểm)": [1.25, None], "Thứ hạng": [1, 2]})
    shown = ranks_view(ranks)
    assert shown["Tổng điểm"].tolist() == ["86,5", "90"] and shown["Cách điển hình (điểm)"].tolist() == ["1,25", ""]
    assert shown["Thứ hạng"].tolist() == [1, 2]


def test_a_yes_no_field_saved_blank_and_saved_as_no_are_the_same_version() -> None:
    """A report saved before the form wrote «Không» out (the field absent) against the same figures saved
    now (False): no change to review; a real change still shows."""
    from scoring.outputs.workflow_views import changes

    member = {"ma_dang_vien": "DV1", "ho_ten": "Nguyễn Văn An", "xep_loai": "HTTNV", "vi_pham": False}
    before = {"don_vi": {"xep_loai": "HTTNV"}, "dang_vien": [member]}
    after = {
        "don_vi": {"xep_loai": "HTTNV", "ky_luat_tap_the": False, "vi_pham_don_vi": True},
        "dang_vien": [{**member, "la_bi_thu": False, "tu_khac_phuc": False}],
    }
    assert changes(before, after).values.tolist() == [
        ["Đơn vị", "", "Có vi phạm trong cơ quan, đơn vị", "", "Có"],
    ]

"""The app as a Vietnamese office expects it: a page refused to an account (or to a visitor without a login)
is refused in Vietnamese and written in the audit log; an uploaded file with problems is named as the user
named it, never by the server's temporary folder; the accounts list reads «Mã — Tên đơn vị» and dates as
«17/01/2026 14:05»; Streamlit's own menu and theme chooser are configured away, and every upload box has
the app's Vietnamese help beside it."""

from __future__ import annotations

import re
import tempfile
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from scoring import Dataset
from scoring.store import PermissionDenied, Store, connect
from scoring.store.accounts import NO_LOGIN, PAGE_ACTION, SYSTEM, Account
from scoring.store.uploads import UPLOADED, Upload, read_criteria_upload, read_dataset_upload, read_unit_upload
from tests.app_database import PASSWORD, build_database
from tests.apptest_login import _test_sessions, log_in  # noqa: F401 (a fixture)
from tests.conftest import ROOT

UNIT = "CB001"
ACCOUNTS = (("quantri", "quan_tri", None), ("chibo", "chi_bo", UNIT), ("xem", "xem", None))
DATE = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$")


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory, sample: Dataset) -> Path:
    """The sample's tree and three accounts (no reports: the pages tested here need none); each test works on
    a copy (`db_url`, tests/conftest.py)."""
    accounts = [(name, role, unit, f"Người dùng {name}") for name, role, unit in ACCOUNTS]
    return build_database(tmp_path_factory.mktemp("csdl"), sample, accounts, reports=False)


def _page(page: str, name: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "ung_dung.py"), default_timeout=180)
    at.switch_page(f"giao_dien/{page}.py")
    if name is None:
        at.run()
    else:
        log_in(at, name, PASSWORD)
    assert not at.exception, at.exception[0].value
    return at


def _refusals(url: str) -> pd.DataFrame:
    store = Store(connect(url, migrate=False))
    try:
        log = store.audit(SYSTEM)
    finally:
        store.engine.dispose()
    return log[(log["hanh_dong"] == PAGE_ACTION) & ~log["duoc_phep"].astype(bool)]


# --- a refused page is logged ---------------------------------------------------------------------------


def test_a_chi_bo_opening_the_admin_page_is_refused_in_vietnamese_and_logged(db_url: str) -> None:
    at = _page("quan_tri", "chibo")
    assert any("không dùng được trang này" in w.value for w in at.warning)
    assert not at.title.len or at.title[0].value != "Quản trị"  # nothing of the page
    assert not at.dataframe.len
    refused = _refusals(db_url)
    assert list(refused["tai_khoan"]) == ["chibo"]
    assert list(refused["doi_tuong"]) == ["Quản trị"]
    assert "Quản trị (Ban Tuyên giáo)" in refused["ghi_chu"].iloc[0]


def test_the_library_reads_the_role_from_the_database_not_from_the_caller(db_url: str) -> None:
    store = Store(connect(db_url, migrate=False))
    forged = Account("chibo", "quan_tri")  # a chi bộ account claiming the administrator's role
    with pytest.raises(PermissionDenied, match="không dùng được trang này"):
        store.require_page(forged, "Quản trị", ("quan_tri",))
    with pytest.raises(PermissionDenied, match="cần đăng nhập"):
        store.require_page(None, "Quản trị", ("quan_tri",))
    assert store.require_page(Account("quantri", "xem"), "Quản trị", ("quan_tri",)).vai_tro == "quan_tri"
    store.engine.dispose()
    refused = _refusals(db_url)
    assert list(refused["tai_khoan"]) == [NO_LOGIN, "chibo"]  # newest first


def test_a_visitor_without_a_login_is_refused_and_logged_once_per_session(db_url: str) -> None:
    at = _page("quan_tri")
    assert any("/dang-nhap?next=" in m.value for m in at.markdown)
    at.run()  # a rerun of the same page is not a new attempt
    refused = _refusals(db_url)
    assert list(refused["tai_khoan"]) == [NO_LOGIN]
    assert refused["ghi_chu"].iloc[0] == "chưa đăng nhập"


def test_the_data_page_refuses_the_import_to_a_chi_bo_and_logs_it(db_url: str) -> None:
    at = _page("du_lieu", "chibo")
    assert any("Chỉ tài khoản quản trị" in i.value for i in at.info)
    assert not at.file_uploader.len  # no upload box for an account that may not import
    at.run()
    refused = _refusals(db_url)
    assert list(refused["tai_khoan"]) == ["chibo"]
    assert refused["doi_tuong"].iloc[0].startswith("Dữ liệu")


# --- the accounts list ----------------------------------------------------------------------------------


def test_the_accounts_list_names_units_and_dates_in_vietnamese(db_url: str, sample: Dataset) -> None:
    at = _page("quan_tri", "quantri")
    assert _refusals(db_url).empty
    table = at.dataframe[0].value
    assert list(table.columns) == ["Tên đăng nhập", "Họ tên", "Vai trò", "Trạng thái", "Tạo lúc", "Đơn vị"]
    name = sample.to_chuc.set_index("ma_to_chuc").loc[UNIT, "ten_to_chuc"]
    rows = table.set_index("Tên đăng nhập")
    assert rows.loc["chibo", "Đơn vị"] == f"{UNIT} — {name}"
    assert rows.loc["quantri", "Đơn vị"] == ""  # no unit: blank, not «None»
    assert rows.loc["chibo", "Vai trò"] == "Chi bộ"
    assert set(rows["Trạng thái"]) == {"Đang dùng"}
    assert all(DATE.match(str(d)) for d in rows["Tạo lúc"])
    assert not table.astype(str).isin(["None", "nan", "NaT", "<NA>"]).any().any()
    audit = at.dataframe[1].value  # the audit log: dates the same way
    assert len(audit) and all(DATE.match(str(d)) for d in audit["Lúc"])


# --- uploads are named as the user named them -----------------------------------------------------------


@pytest.fixture
def store(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The test's database; every temporary folder of the test goes under tmp_path/tam (to look for it)."""
    temp = tmp_path / "tam"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return Store(connect(db_url, migrate=False))


def _shown(report_or_error: object) -> str:
    table = getattr(report_or_error, "table", None)
    return str(report_or_error) if table is None else table.to_csv()


BROKEN_WORKBOOK = (ROOT / "tests" / "broken" / "excel_hong" / "du_lieu.xlsx").read_bytes()
LONG_NAME = "Báo cáo tổng kết công tác thi đua khen thưởng năm 2025 của Đảng bộ Khối các cơ quan " * 2 + ".xlsx"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Số liệu thi đua 2025.xlsx", "Số liệu thi đua 2025.xlsx"),
        (LONG_NAME, LONG_NAME),  # over 255 bytes: not a file name the server's disk takes
        ("so\x00lieu.xlsx", "so[U+0000]lieu.xlsx"),  # a control character, written as the report writes them
        ("", UPLOADED),  # no name at all
    ],
)
def test_a_broken_upload_is_named_as_uploaded(store: Store, tmp_path: Path, name: str, shown: str) -> None:
    admin, chi_bo = Account("quantri", "quan_tri"), Account("chibo", "chi_bo", UNIT)
    _, report = read_dataset_upload(store, admin, [Upload(name, BROKEN_WORKBOOK)])
    _, unit_report = read_unit_upload(store, chi_bo, UNIT, "chi_bo_truc_thuoc", 2025, Upload(name, BROKEN_WORKBOOK))
    for found in (report, unit_report):
        assert not found.ok
        assert set(found.table["tep"]) == {shown}
        assert str(tmp_path) not in _shown(found)
    assert list((tmp_path / "tam").iterdir()) == []  # the temporary folders are gone


def test_missing_tables_and_a_broken_criteria_file_never_show_the_temporary_folder(
    store: Store, tmp_path: Path
) -> None:
    admin = Account("quantri", "quan_tri")
    csv = ROOT / "tests" / "broken" / "tep_hong" / "to_chuc.csv"
    _, report = read_dataset_upload(store, admin, [Upload(csv.name, csv.read_bytes())])
    files = set(report.table["tep"])
    assert files <= {"to_chuc.csv", UPLOADED} and UPLOADED in files
    together = report.table[report.table["tep"] == UPLOADED]
    assert together["van_de"].str.contains("trong các tệp tải lên").all()
    assert str(tmp_path) not in _shown(report)
    plan = ROOT / "tests" / "broken_criteria" / "khoa_la.yaml"
    with pytest.raises(Exception) as raised:
        read_criteria_upload(store, admin, Upload("Kế hoạch của tôi.yaml", plan.read_bytes()))
    assert "Kế hoạch của tôi.yaml:" in str(raised.value) and str(tmp_path) not in str(raised.value)


def test_a_csv_file_named_as_no_table_is_said_to_be_left_aside(store: Store) -> None:
    valid = sorted((ROOT / "tests" / "data" / "hop_le").glob("*.csv"))
    renamed = Upload("Tổ chức – bản sửa.csv", valid[0].read_bytes())
    _, report = read_dataset_upload(store, Account("quantri", "quan_tri"), [renamed])
    said = report.warnings
    assert list(said["tep"]) == ["Tổ chức – bản sửa.csv"]
    assert "không mang tên bảng nào" in said["van_de"].iloc[0] and "to_chuc.csv" in said["van_de"].iloc[0]


def test_two_files_of_one_name_with_different_content_are_an_error(store: Store) -> None:
    valid = sorted((ROOT / "tests" / "data" / "hop_le").glob("*.csv"))
    files = [Upload(p.name, p.read_bytes()) for p in valid]
    dataset, report = read_dataset_upload(store, Account("quantri", "quan_tri"), [*files, files[0]])
    assert dataset is not None  # the same file chosen twice: read once
    other = Upload(files[0].name, b"ma_to_chuc\nX\n")
    dataset, report = read_dataset_upload(store, Account("quantri", "quan_tri"), [*files, other])
    assert dataset is None
    assert f"Có hai tệp cùng tên «{files[0].name}»" in report.errors["van_de"].iloc[0]


# --- Streamlit's own English: configured away, the upload boxes helped in Vietnamese ----------------------


def test_the_menu_is_hidden_and_the_theme_fixed() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["toolbarMode"] == "minimal"  # no ⋮ menu (System/Light/Dark, Print, Record screen)
    assert config["theme"]["base"] == "light"  # one theme: no Light/Dark chooser


def test_every_upload_box_has_vietnamese_help(db_url: str) -> None:
    at = _page("du_lieu", "quantri")
    assert at.file_uploader.len == 2
    help_lines = [c.value for c in at.caption if c.value.startswith("Kéo thả tệp vào ô dưới")]
    assert len(help_lines) == 2
    assert all("tối đa 50 MB mỗi tệp" in h for h in help_lines)
    assert "nhận .xlsx, .csv" in help_lines[0] and "nhận .yaml, .yml" in help_lines[1]

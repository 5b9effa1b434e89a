"""The self-assessment form in a real browser (Debian's chromium driven by Playwright, `streamlit run
app.py` on a real SQLite database filled from the sample, every year approved): a chi bộ secretary
opens «Tự đánh giá» on its own unit and its latest report's year, opens the next year, sees how to
start (no wall of errors), types figures the Vietnamese way — «86,5» and «1.200» — and saves; the
database holds 86.5 and 1200, and the form shows them back as «86,5» and «1.200». Screenshots of the
form before and after go to THIDUA_ANH (default: the test's own folder)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError

from scoring.domain.codes import DOI_TUONG
from scoring.input.schema import DANG_VIEN, DON_VI_NAM
from scoring.store import Store, connect
from scoring.store.accounts import SYSTEM
from tests.app_database import copy_database
from tests.app_server import serve_app
from tests.browser_support import CHROMIUM, log_in_browser, no_exception

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
CHI_BO, UNIT = "chibo", "CB001"  # an account of `sample_db_file`, and its unit
WAIT = 30_000  # ms: a rerun on a busy machine
LAST, NEW = 2025, 2026  # the sample's last year (approved), and the year the secretary fills


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory, sample_db_file: Path) -> str:
    """The URL of this module's copy of the session's sample database: its tree, every year approved, and
    the chi bộ's account (as tests/test_browser.py)."""
    return f"sqlite:///{copy_database(sample_db_file, tmp_path_factory.mktemp('bieu_mau'))}"


@pytest.fixture(scope="module")
def server(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_app(database, tmp_path_factory.mktemp("may_chu_bieu_mau") / "streamlit.log") as url:
        yield url


@pytest.fixture
def page(chromium_browser: Browser) -> Iterator[Page]:
    """A tall window (the whole form in one screenshot: the app scrolls inside its own frame), in the
    browser's English locale — the one that made a number box read «86,5» as 865."""
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 4200}, locale="en-US")
    yield context.new_page()
    context.close()


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("THIDUA_ANH") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _settled(page: Page) -> None:
    """Wait until the app has finished its run (no «running» indicator)."""
    page.wait_for_timeout(500)
    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=60_000)


def _open_tab(page: Page, name: str) -> None:
    """Click a tab once the app has settled. While a rerun replaces the tab bar both bars are in the
    page for a moment: wait until one is left, and try again if a late rerun brings a second back."""
    for _ in range(5):
        _settled(page)
        tab = page.get_by_role("tab", name=name)
        expect(tab).to_have_count(1, timeout=30_000)
        try:
            tab.click(timeout=10_000)
            return
        except PlaywrightError as failure:
            if "strict mode violation" not in str(failure):
                raise
    raise AssertionError(f"the tab «{name}» stayed doubled")


def _saved(url: str) -> dict[str, object]:
    store = Store(connect(url, migrate=False))
    try:
        report = store.get(SYSTEM, UNIT, NEW)
    finally:
        store.engine.dispose()
    assert report is not None, "nothing saved"
    return dict(report.du_lieu["don_vi"])


def test_numbers_typed_the_vietnamese_way_are_saved_as_typed(
    server: str, database: str, page: Page, tmp_path: Path
) -> None:
    page.goto(f"{server}/tu_danh_gia", wait_until="domcontentloaded")
    log_in_browser(page, CHI_BO)
    expect(page.get_by_role("heading", name="Tự đánh giá")).to_be_visible(timeout=60_000)

    # it opens on the unit's own latest report (approved, read only), not on an empty new year
    year_box = page.get_by_role("combobox", name="Năm đánh giá", exact=True)
    expect(year_box).to_have_value(str(LAST), timeout=60_000)
    expect(page.get_by_text("Báo cáo đã được duyệt", exact=False)).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("combobox", name="Đơn vị", exact=True)).to_have_value(
        re.compile(rf"\({UNIT}\)$"), timeout=WAIT
    )
    no_exception(page)

    year_box.click()
    page.get_by_role("option", name=str(NEW), exact=True).click()
    expect(page.get_by_text(f"Báo cáo năm {NEW} chưa có số liệu", exact=False)).to_be_visible(timeout=60_000)
    _settled(page)
    assert page.locator("[data-testid='stAlertContentError']").count() == 0  # a calm start, no list of errors
    expect(page.get_by_role("button", name=f"Bắt đầu từ số liệu năm {LAST}")).to_be_visible(timeout=WAIT)
    no_exception(page)
    page.screenshot(path=_shots(tmp_path) / "tu_danh_gia_truoc.png")

    points = page.get_by_label("Điểm đánh giá (thang 100)", exact=True)
    people = page.get_by_label("Số quần chúng", exact=True)
    points.fill("86,5")
    points.press("Enter")
    _settled(page)
    people.fill("1.200")
    people.press("Enter")
    _settled(page)
    expect(points).to_have_value("86,5", timeout=WAIT)
    expect(people).to_have_value("1.200", timeout=WAIT)
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.get_by_text("Đã lưu nháp (phiên bản 1)", exact=False)).to_be_visible(timeout=60_000)
    _settled(page)
    no_exception(page)

    saved = _saved(database)
    assert saved["diem_danh_gia"] == 86.5
    assert saved["so_quan_chung"] == 1200
    # shown back the Vietnamese way, and the check's errors now that the user has saved
    expect(page.get_by_label("Điểm đánh giá (thang 100)", exact=True)).to_have_value("86,5", timeout=WAIT)
    expect(page.get_by_label("Số quần chúng", exact=True)).to_have_value("1.200", timeout=WAIT)
    expect(page.get_by_text("Số liệu còn lỗi, chưa gửi được", exact=False)).to_be_visible(timeout=WAIT)
    page.screenshot(path=_shots(tmp_path) / "tu_danh_gia_sau.png")

    # the figures as a workbook to fill offline: labels and «Có»/«Không», never codes or TRUE/FALSE
    _open_tab(page, "Tải tệp Excel lên")
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Tải số liệu đang nhập (XLSX)").click()
    sheets = pd.read_excel(download.value.path(), sheet_name=None)
    unit_row = sheets[DON_VI_NAM.title].iloc[0]
    assert unit_row["Điểm đánh giá (thang 100)"] == 86.5 and unit_row["Số quần chúng"] == 1200
    members = sheets[DANG_VIEN.title]
    assert set(members["Đối tượng"]) <= set(DOI_TUONG.labels.values())
    assert set(members["Vi phạm"]) == {"Không"}  # boxes left empty
    _open_tab(page, "Nhập trên màn hình")
    _settled(page)

    # a figure that is not a number is named, and never saved as a blank
    people = page.get_by_label("Số quần chúng", exact=True)
    people.fill("mười hai")
    people.press("Enter")
    _settled(page)
    expect(page.get_by_text("«Số quần chúng»: không đọc được «mười hai» thành số", exact=False)).to_be_visible(
        timeout=WAIT
    )
    page.get_by_role("button", name="Lưu nháp").click()
    _settled(page)
    expect(page.get_by_text("Chưa lưu: sửa các ô chưa đọc được", exact=False)).to_be_visible(timeout=WAIT)
    assert _saved(database)["so_quan_chung"] == 1200
    no_exception(page)
    page.screenshot(path=_shots(tmp_path) / "tu_danh_gia_loi.png")

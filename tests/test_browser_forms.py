"""The self-assessment form in a real browser (Debian's chromium driven by Playwright, `streamlit run
app.py` on a real SQLite database filled from the sample, every year approved): a chi bộ secretary
opens «Tự đánh giá» on its own unit and its latest report's year, opens the next year, sees how to
start (no wall of errors), types figures the Vietnamese way — «86,5» and «1.200» — and saves; the
database holds 86.5 and 1200, and the form shows them back as «86,5» and «1.200». Screenshots of the
form before and after go to THIDUA_ANH (default: the test's own folder)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from scoring import Dataset
from scoring.domain.codes import DOI_TUONG
from scoring.input.schema import DANG_VIEN, DON_VI_NAM
from scoring.store import Store, connect
from scoring.store.accounts import SYSTEM
from scoring.store.workflow import submissions_from_dataset
from tests.app_server import streamlit_server
from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
CHI_BO, UNIT, PASSWORD = "chibo", "CB001", "mat-khau-dai"
WAIT = 30_000  # ms: a rerun on a busy machine
LAST, NEW = 2025, 2026  # the sample's last year (approved), and the year the secretary fills


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory, sample: Dataset) -> str:
    """The sample's tree, every year approved, and the chi bộ's account (as tests/test_browser.py)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('bieu_mau') / 'thidua.db'}"
    store = Store(connect(url))
    store.import_tree(SYSTEM, sample.to_chuc.astype(object))
    store.import_approved(SYSTEM, submissions_from_dataset(sample))
    store.create_account(SYSTEM, CHI_BO, PASSWORD, "chi_bo", UNIT)
    store.engine.dispose()
    return url


@pytest.fixture(scope="module")
def server(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("may_chu_bieu_mau") / "streamlit.log"
    with streamlit_server(ROOT / "app.py", log, cwd=ROOT, env={"THIDUA_DB_URL": database}) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A tall window (the whole form in one screenshot: the app scrolls inside its own frame), in the
    browser's English locale — the one that made a number box read «86,5» as 865."""
    context = browser.new_context(viewport={"width": 1400, "height": 4200}, locale="en-US")
    yield context.new_page()
    context.close()


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("THIDUA_ANH") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _no_exception(page: Page) -> None:
    page.wait_for_timeout(300)  # let a rerun that raises finish drawing
    boxes = page.locator("[data-testid='stException']")
    assert boxes.count() == 0, boxes.first.inner_text()


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
    expect(page).to_have_url(re.compile(r"/dang-nhap"), timeout=30_000)
    page.get_by_label("Tên đăng nhập").fill(CHI_BO)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda u: "/dang-nhap" not in u, timeout=30_000)
    expect(page.get_by_role("heading", name="Tự đánh giá")).to_be_visible(timeout=60_000)

    # it opens on the unit's own latest report (approved, read only), not on an empty new year
    year_box = page.get_by_role("combobox", name="Năm đánh giá", exact=True)
    expect(year_box).to_have_value(str(LAST), timeout=60_000)
    expect(page.get_by_text("Báo cáo đã được duyệt", exact=False)).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("combobox", name="Đơn vị", exact=True)).to_have_value(
        re.compile(rf"\({UNIT}\)$"), timeout=WAIT
    )
    _no_exception(page)

    year_box.click()
    page.get_by_role("option", name=str(NEW), exact=True).click()
    expect(page.get_by_text(f"Báo cáo năm {NEW} chưa có số liệu", exact=False)).to_be_visible(timeout=60_000)
    _settled(page)
    assert page.locator("[data-testid='stAlertContentError']").count() == 0  # a calm start, no list of errors
    expect(page.get_by_role("button", name=f"Bắt đầu từ số liệu năm {LAST}")).to_be_visible(timeout=WAIT)
    _no_exception(page)
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
    _no_exception(page)

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
    _no_exception(page)
    page.screenshot(path=_shots(tmp_path) / "tu_danh_gia_loi.png")

"""End to end in a real browser: `streamlit run app.py` on a free port, Debian's chromium driven by
Playwright, on a real (not demo) database filled from the sample. Nothing shows before the login (the
first request, a deep link, lands on /dang-nhap); after it the pages show the database's data, and a
reload, a new tab and a deep link keep it; a chi bộ opening another unit's link is refused. Then: the
Xếp hạng search and a scorecard checked against the library (a screenshot of each step is saved); an
administrator uploads data; a server whose database cannot be opened answers with an error code, never
a traceback; two app processes on one PostgreSQL share a login."""

from __future__ import annotations

import os
import re
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from benchmarks.pg_schema import fresh_schema
from scoring import Dataset, load_criteria, score
from scoring.domain.numbers import format_points
from scoring.domain.text import strip_diacritics
from scoring.outputs.views import org_ranking, search
from tests.app_database import PASSWORD, SAMPLE_ACCOUNTS, copy_database, fill_database
from tests.app_server import serve_app, streamlit_servers
from tests.browser_support import log_in_browser, no_exception
from tests.conftest import ROOT

ADMIN, CHI_BO = "quantri", "chibo"  # the accounts of `sample_db_file` (tests.app_database.SAMPLE_ACCOUNTS)
OWN_UNIT, OTHER_UNIT = "CB001", "CB002"  # chibo's unit, and one that is not


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sample_db_file: Path) -> Iterator[str]:
    """The app on a real database of its own (THIDUA_DB_URL): a copy of the session's sample database (its
    tree, every year approved, an administrator and a chi bộ)."""
    folder = tmp_path_factory.mktemp("may_chu")
    with serve_app(f"sqlite:///{copy_database(sample_db_file, folder)}", folder / "streamlit.log") as address:
        yield address


@pytest.fixture(scope="module")
def broken_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app with a database it cannot open (its folder does not exist), and the server's log."""
    folder = tmp_path_factory.mktemp("may_chu_hong")
    log = folder / "streamlit.log"
    with serve_app(f"sqlite:///{folder / 'khong_co' / 'thidua.db'}", log) as address:
        yield address, log


@pytest.fixture
def context(chromium_browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (its own cookie jar) for each test, in the session's chromium."""
    made = chromium_browser.new_context(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    yield made
    made.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def test_a_deep_link_first_asks_for_the_login_then_shows_the_data_and_keeps_it(
    server: str, context: BrowserContext, page: Page, sample: Dataset
) -> None:
    """The first request to the fresh server is a deep link; before the login nothing of the data."""
    page.goto(f"{server}/xep_hang?nam=2024", wait_until="domcontentloaded")
    expect(page).to_have_url(re.compile(r"/dang-nhap\?next=.*xep_hang"))
    shown = page.locator("body").inner_text()
    names = [str(n) for n in sample.to_chuc["ten_to_chuc"]]
    assert "Đăng nhập" in shown and not any(n in shown for n in names)
    log_in_browser(page, ADMIN)
    expect(page).to_have_url(re.compile(r"/xep_hang\?nam=2024$"))
    expect(page.get_by_role("heading", name=re.compile(r"^Xếp hạng năm \d{4}$"))).to_be_visible(timeout=60_000)
    nav = page.locator("[data-testid='stSidebarNav']")
    for label in ("Tổng quan", "Xếp hạng", "Đơn vị", "Tự đánh giá", "Tài khoản"):  # the navigation in Vietnamese
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(page.get_by_text(f"Đăng nhập: {ADMIN}", exact=False).first).to_be_visible()
    no_exception(page)
    page.reload(wait_until="domcontentloaded")  # a reload keeps the login
    expect(page.get_by_role("heading", name=re.compile(r"^Xếp hạng năm \d{4}$"))).to_be_visible(timeout=60_000)
    other = context.new_page()  # a new tab, and a deep link in it
    other.goto(f"{server}/don_vi?ma={OWN_UNIT}", wait_until="domcontentloaded")
    expect(other).to_have_url(re.compile(rf"/don_vi\?ma={OWN_UNIT}"))
    expect(other.get_by_text(f"({OWN_UNIT}) — năm", exact=False).first).to_be_visible(timeout=60_000)
    other.close()
    page.get_by_role("link", name="Đăng xuất").click()  # logging out ends it: back to the login
    expect(page).to_have_url(re.compile(r"/dang-nhap\?thong_bao=da_dang_xuat"), timeout=30_000)
    page.goto(f"{server}/xep_hang", wait_until="domcontentloaded")
    expect(page).to_have_url(re.compile(r"/dang-nhap\?next="))


def test_a_chi_bo_opening_another_units_link_is_refused(server: str, page: Page) -> None:
    page.goto(f"{server}/don_vi?ma={OTHER_UNIT}", wait_until="domcontentloaded")
    log_in_browser(page, CHI_BO)
    expect(page).to_have_url(re.compile(rf"/don_vi\?ma={OTHER_UNIT}"))
    warning = page.locator("[data-testid='stAlertContentWarning']").first
    expect(warning).to_be_visible(timeout=60_000)
    assert OTHER_UNIT in warning.inner_text() or "phạm vi" in warning.inner_text()
    assert page.locator("[data-testid='stMetricValue']").count() == 0  # none of the other unit's figures
    no_exception(page)


def test_rankings_search_and_scorecard_in_a_browser(server: str, page: Page, sample: Dataset, tmp_path: Path) -> None:
    criteria = load_criteria(ROOT / "criteria" / "hai_chan_ba_mui.yaml")
    result = score(sample, criteria, 2025)

    page.goto(server, wait_until="domcontentloaded")
    log_in_browser(page, ADMIN)
    expect(page.get_by_role("heading", name="Tổng quan")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Số chỉ tiêu đạt")).to_be_visible(timeout=60_000)
    no_exception(page)
    page.screenshot(path=tmp_path / "1_tong_quan.png", full_page=True)

    page.get_by_role("link", name="Xếp hạng").click()
    expect(page.get_by_role("heading", name="Xếp hạng năm 2025")).to_be_visible(timeout=30_000)
    no_exception(page)
    # the level box: choose chi bộ trực thuộc, then search a name typed without diacritics
    table = org_ranking(result, "chi_bo_truc_thuoc")
    page.get_by_role("combobox", name="Cấp", exact=True).click()
    page.get_by_role("option", name="Chi bộ trực thuộc").click()
    expect(page.get_by_role("combobox", name="Cấp", exact=True)).to_have_value("Chi bộ trực thuộc")
    expect(page.get_by_text(f"{len(table)} dòng", exact=True)).to_be_visible(timeout=30_000)
    name = str(table["Tên tổ chức"].iloc[0])
    typed = strip_diacritics(name).lower()  # "Chi bộ Phòng Tổ chức" typed as "chi bo phong to chuc"
    found = search(table, typed, ["Mã tổ chức", "Tên tổ chức"])
    assert 1 <= len(found) < len(table)
    box = page.get_by_label("Tìm theo tên hoặc mã (không cần dấu)")
    box.fill(typed)
    box.press("Enter")
    expect(page.get_by_text(f"{len(found)} dòng", exact=True)).to_be_visible(timeout=30_000)
    no_exception(page)
    page.screenshot(path=tmp_path / "2_xep_hang.png", full_page=True)

    ma = str(found["Mã tổ chức"].iloc[0])  # the row's «Phiếu điểm» link is don_vi?ma=<id>
    page.goto(f"{server}/don_vi?ma={ma}", wait_until="domcontentloaded")
    expect(page.get_by_text(f"({ma}) — năm 2025")).to_be_visible(timeout=60_000)
    no_exception(page)
    row = result.xep_hang_to_chuc[result.xep_hang_to_chuc["ma_to_chuc"] == ma].iloc[0]
    metrics = page.locator("[data-testid='stMetricValue']")
    expect(metrics.nth(0)).to_have_text(format_points(float(row["tong_diem"])))  # «86,5», «90»
    met = int((result.ket_qua_so.query("ma == @ma")["trang_thai"].astype(str) == "đạt").sum())
    total = int((result.ket_qua_so["ma"].astype(str) == ma).sum())
    expect(metrics.nth(1)).to_have_text(f"{met}/{total}")
    expect(metrics.nth(2)).to_have_text(str(int(row["thu_hang"])))
    page.screenshot(path=tmp_path / "3_don_vi.png", full_page=True)
    assert (tmp_path / "3_don_vi.png").stat().st_size > 10_000

    page.get_by_role("link", name="Tiêu chí").click()  # the last page: the criteria and the what-if
    expect(page.get_by_role("heading", name="Thử thay đổi một tiêu chí (năm 2025)")).to_be_visible(timeout=30_000)
    points = page.get_by_label("Điểm mới")
    points.fill("1")
    points.press("Enter")
    expect(page.get_by_text("thay đổi kết quả, tổng điểm hoặc thứ hạng", exact=False)).to_be_visible(timeout=30_000)
    no_exception(page)
    page.screenshot(path=tmp_path / "4_tieu_chi.png", full_page=True)


def _log_in_and_open_data_page(server: str, page: Page) -> None:
    """A new session: log in as the administrator, then open Dữ liệu from the menu (the same session)."""
    page.context.clear_cookies()
    page.goto(f"{server}/dang_nhap", wait_until="domcontentloaded")
    log_in_browser(page, ADMIN)
    expect(page.get_by_text("Đang đăng nhập:", exact=False)).to_be_visible(timeout=60_000)
    page.get_by_role("link", name="Dữ liệu").click()
    expect(page.get_by_role("heading", name="Dữ liệu", exact=True)).to_be_visible(timeout=60_000)


def test_upload_is_checked_before_it_is_imported(server: str, page: Page, tmp_path: Path) -> None:
    page.goto(f"{server}/du_lieu", wait_until="domcontentloaded")  # not logged in: the login page only
    expect(page).to_have_url(re.compile(r"/dang-nhap\?next=/du_lieu"))
    expect(page.locator("[data-testid='stFileUploaderDropzoneInput']")).to_have_count(0)
    _log_in_and_open_data_page(server, page)
    uploader = page.locator("[data-testid='stFileUploaderDropzoneInput'][accept*='.csv']")
    broken = ROOT / "tests" / "broken" / "chi_bo_khong_ton_tai"
    uploader.set_input_files([str(p) for p in sorted(broken.glob("*.csv"))])
    expect(page.get_by_text("Dữ liệu có lỗi, chưa thể chấm điểm")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("cơ sở dữ liệu không thay đổi", exact=False)).to_be_visible()
    no_exception(page)
    page.screenshot(path=tmp_path / "5_du_lieu_loi.png", full_page=True)
    _log_in_and_open_data_page(server, page)
    valid = ROOT / "tests" / "data" / "hop_le"
    page.locator("[data-testid='stFileUploaderDropzoneInput'][accept*='.csv']").set_input_files(
        [str(p) for p in sorted(valid.glob("*.csv"))]
    )
    expect(page.get_by_text("Dữ liệu hợp lệ", exact=False).first).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Nạp vào cơ sở dữ liệu", exact=False).first).to_be_visible()  # preview, then commit
    no_exception(page)
    page.screenshot(path=tmp_path / "6_du_lieu_hop_le.png", full_page=True)
    page.get_by_role("button", name="Xem trước những gì thay đổi").click()  # the preview draws, no error code
    confirm = page.get_by_role("button", name="Xác nhận nạp vào cơ sở dữ liệu")
    nothing = page.get_by_text("không có gì để nạp", exact=False)
    blocked = page.get_by_text("Không nạp được", exact=False)  # this file drops units the database still uses
    expect(confirm.or_(nothing).or_(blocked).first).to_be_visible(timeout=60_000)
    assert "Mã lỗi" not in page.locator("body").inner_text()
    no_exception(page)
    page.screenshot(path=tmp_path / "7_du_lieu_xem_truoc.png", full_page=True)


def test_a_failing_page_shows_an_error_code_not_a_traceback(
    broken_server: tuple[str, Path], page: Page, tmp_path: Path
) -> None:
    server, log = broken_server
    page.goto(f"{server}/dang_nhap", wait_until="domcontentloaded")  # the login page needs no database
    expect(page).to_have_url(re.compile(r"/dang-nhap"), timeout=30_000)
    page.get_by_label("Tên đăng nhập").fill(ADMIN)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()  # logging in opens the database: it cannot
    expect(page.get_by_text("Máy chủ chưa xử lý được yêu cầu", exact=False)).to_be_visible(timeout=60_000)
    shown = page.locator("body").inner_text()
    code = re.search(r"Mã lỗi: ([0-9a-f]{8})", shown)
    assert code, shown
    assert "Traceback" not in shown and "/work" not in shown and str(ROOT) not in shown and "sqlite" not in shown
    page.screenshot(path=tmp_path / "7_loi.png", full_page=True)
    deadline = time.monotonic() + 10  # the server's log has the code and the traceback
    while code.group(1) not in log.read_text(errors="replace") and time.monotonic() < deadline:
        time.sleep(0.2)
    logged = log.read_text(errors="replace")
    assert code.group(1) in logged and "Traceback" in logged


def test_a_hostile_query_parameter_is_shown_as_text(server: str, page: Page) -> None:
    hostile = "[x](http://evil) ![i](http://evil/i.png) :red[x] :material/home: <b>x</b> www.evil.vn a@evil.vn :smile:"
    page.goto(f"{server}/don_vi?ma={urllib.parse.quote(hostile)}", wait_until="domcontentloaded")
    log_in_browser(page, ADMIN)  # the login brings the browser back to the same address
    warning = page.locator("[data-testid='stAlertContentWarning']")
    expect(warning).to_be_visible(timeout=60_000)
    assert hostile in warning.inner_text().replace("\u2060", "")  # every character as typed (the joiner is invisible)
    for markup in ("a", "img", "b", "[data-testid='stIconMaterial']", "span[style]"):
        assert warning.locator(markup).count() == 0, markup
    no_exception(page)


@pytest.fixture(scope="module")
def postgres_url(sample: Dataset) -> str:
    """A schema of its own in THIDUA_TEST_PG_URL's database (other tests reset the public schema), filled as
    the session's sample database is."""
    base = os.environ.get("THIDUA_TEST_PG_URL")
    if not base:
        pytest.skip("THIDUA_TEST_PG_URL is not set: no PostgreSQL to share between two app processes")
    url = fresh_schema(base, "trinh_duyet")
    fill_database(url, sample, SAMPLE_ACCOUNTS)
    return url


def test_two_app_processes_on_one_postgresql_share_a_login(
    postgres_url: str, page: Page, context: BrowserContext, tmp_path: Path
) -> None:
    logs, env = [tmp_path / "mot.log", tmp_path / "hai.log"], {"THIDUA_DB_URL": postgres_url}
    with streamlit_servers(ROOT / "app.py", logs, cwd=ROOT, env=env) as (first, second):  # started together
        page.goto(f"{first}/xep_hang", wait_until="domcontentloaded")
        log_in_browser(page, ADMIN)
        expect(page.get_by_role("heading", name=re.compile(r"^Xếp hạng năm \d{4}$"))).to_be_visible(timeout=60_000)
        # the same cookie jar on the other process (cookies belong to the host, not the port)
        other = context.new_page()
        other.goto(f"{second}/don_vi?ma={OWN_UNIT}", wait_until="domcontentloaded")
        expect(other).to_have_url(re.compile(rf"/don_vi\?ma={OWN_UNIT}"))
        expect(other.get_by_text(f"({OWN_UNIT}) — năm", exact=False).first).to_be_visible(timeout=60_000)
        expect(other.get_by_text(f"Đăng nhập: {ADMIN}", exact=False).first).to_be_visible()
        no_exception(other)

"""End to end in a real browser: `streamlit run app.py` on a free port, Debian's chromium driven by
Playwright. Opens the app, switches to Xếp hạng, searches a unit, opens its scorecard (the link its
row holds) and checks the figures against the library; a screenshot of each step is saved. An
administrator uploads data; a page that fails (a database that cannot be opened) shows an error code,
never a traceback."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from scoring import Dataset, load_criteria, score
from scoring.domain.text import strip_diacritics
from scoring.outputs.views import org_ranking, search
from scoring.store import Store, connect
from scoring.store.service import SYSTEM
from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ADMIN, PASSWORD = "quantri", "mat-khau-dai"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _serve(database_url: str, log: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free port with the database `database_url`; its output goes to `log`."""
    port = _free_port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", "THIDUA_DB_URL": database_url}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "ung_dung.py"), "--server.port", str(port),
             "--server.headless", "true", "--server.address", "127.0.0.1"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"streamlit did not start:\n{log.read_text(errors='replace')}")
                    time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a database of its own with one administrator account."""
    folder = tmp_path_factory.mktemp("may_chu")
    url = f"sqlite:///{folder / 'thidua.db'}"
    store = Store(connect(url))
    store.create_account(SYSTEM, ADMIN, PASSWORD, "quan_tri")
    store.engine.dispose()
    with _serve(url, folder / "streamlit.log") as address:
        yield address


@pytest.fixture(scope="module")
def broken_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app with a database it cannot open (its folder does not exist), and the server's log."""
    folder = tmp_path_factory.mktemp("may_chu_hong")
    log = folder / "streamlit.log"
    with _serve(f"sqlite:///{folder / 'khong_co' / 'thidua.db'}", log) as address:
        yield address, log


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Page]:
    assert CHROMIUM, "The browser test needs Debian's chromium (apt-get install chromium); .ci/run installs it."
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
        yield context.new_page()
        browser.close()


def _no_exception(page: Page) -> None:
    boxes = page.locator("[data-testid='stException']")
    page.wait_for_timeout(300)  # let a rerun that raises finish drawing
    assert boxes.count() == 0, boxes.first.inner_text()


def test_rankings_search_and_scorecard_in_a_browser(server: str, page: Page, sample: Dataset, tmp_path: Path) -> None:
    criteria = load_criteria(ROOT / "criteria" / "hai_chan_ba_mui.yaml")
    result = score(sample, criteria, 2025)

    page.goto(server, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Tổng quan")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Số chỉ tiêu đạt")).to_be_visible(timeout=60_000)
    _no_exception(page)
    page.screenshot(path=tmp_path / "1_tong_quan.png", full_page=True)

    page.get_by_role("link", name="Xếp hạng").click()
    expect(page.get_by_role("heading", name="Xếp hạng năm 2025")).to_be_visible(timeout=30_000)
    _no_exception(page)
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
    _no_exception(page)
    page.screenshot(path=tmp_path / "2_xep_hang.png", full_page=True)

    ma = str(found["Mã tổ chức"].iloc[0])  # the row's «Phiếu điểm» link is don_vi?ma=<id>
    page.goto(f"{server}/don_vi?ma={ma}", wait_until="domcontentloaded")
    expect(page.get_by_text(f"({ma}) — năm 2025")).to_be_visible(timeout=60_000)
    _no_exception(page)
    row = result.xep_hang_to_chuc[result.xep_hang_to_chuc["ma_to_chuc"] == ma].iloc[0]
    metrics = page.locator("[data-testid='stMetricValue']")
    expect(metrics.nth(0)).to_have_text(f"{row['tong_diem']:.2f}".replace(".", ","))
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
    _no_exception(page)
    page.screenshot(path=tmp_path / "4_tieu_chi.png", full_page=True)


def _log_in_and_open_data_page(server: str, page: Page) -> None:
    """A new session: log in as the administrator, then open Dữ liệu from the menu (the same session)."""
    page.goto(f"{server}/dang_nhap", wait_until="domcontentloaded")
    page.get_by_label("Tên đăng nhập").fill(ADMIN)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_text("Đang đăng nhập:", exact=False)).to_be_visible(timeout=60_000)
    page.get_by_role("link", name="Dữ liệu").click()
    expect(page.get_by_role("heading", name="Dữ liệu", exact=True)).to_be_visible(timeout=60_000)


def test_upload_is_checked_before_it_replaces_the_sample(server: str, page: Page, tmp_path: Path) -> None:
    page.goto(f"{server}/du_lieu", wait_until="domcontentloaded")  # not logged in: the sample only
    expect(page.get_by_text("đăng nhập bằng tài khoản quản trị", exact=False)).to_be_visible(timeout=60_000)
    expect(page.locator("[data-testid='stFileUploaderDropzoneInput']")).to_have_count(0)
    _log_in_and_open_data_page(server, page)
    uploader = page.locator("[data-testid='stFileUploaderDropzoneInput'][accept*='.csv']")
    broken = ROOT / "tests" / "broken" / "chi_bo_khong_ton_tai"
    uploader.set_input_files([str(p) for p in sorted(broken.glob("*.csv"))])
    expect(page.get_by_text("Dữ liệu có lỗi, chưa thể chấm điểm")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("dữ liệu đang dùng không thay đổi")).to_be_visible()
    expect(page.get_by_text("data/mau (dữ liệu mẫu một Đảng bộ Khối)", exact=False)).to_be_visible()
    _no_exception(page)
    page.screenshot(path=tmp_path / "5_du_lieu_loi.png", full_page=True)
    _log_in_and_open_data_page(server, page)  # a new session: the sample again
    valid = ROOT / "tests" / "data" / "hop_le"
    page.locator("[data-testid='stFileUploaderDropzoneInput'][accept*='.csv']").set_input_files(
        [str(p) for p in sorted(valid.glob("*.csv"))]
    )
    expect(page.get_by_text("Dữ liệu hợp lệ", exact=False).first).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Dùng dữ liệu và tiêu chí này").click()
    expect(page.get_by_text("Dữ liệu: dang_vien.csv, don_vi_nam.csv, to_chuc.csv", exact=False)).to_be_visible(
        timeout=60_000
    )
    page.get_by_role("link", name="Xếp hạng").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Xếp hạng năm \d{4}$"))).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Dữ liệu: dang_vien.csv, don_vi_nam.csv, to_chuc.csv", exact=False)).to_be_visible(
        timeout=60_000
    )
    _no_exception(page)
    page.screenshot(path=tmp_path / "6_du_lieu_moi.png", full_page=True)


def test_a_failing_page_shows_an_error_code_not_a_traceback(
    broken_server: tuple[str, Path], page: Page, tmp_path: Path
) -> None:
    server, log = broken_server
    page.goto(f"{server}/dang_nhap", wait_until="domcontentloaded")  # the page opens the database first
    expect(page.get_by_text("Đã có lỗi khi hiển thị trang này", exact=False)).to_be_visible(timeout=60_000)
    shown = page.locator("[data-testid='stMain']").inner_text()
    code = re.search(r"Mã lỗi: ([0-9a-f]{8})", shown)
    assert code, shown
    assert "Traceback" not in shown and "/work" not in shown and str(ROOT) not in shown and "sqlite" not in shown
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=tmp_path / "7_loi.png", full_page=True)
    deadline = time.monotonic() + 10  # the server's log has the code and the traceback
    while code.group(1) not in log.read_text(errors="replace") and time.monotonic() < deadline:
        time.sleep(0.2)
    logged = log.read_text(errors="replace")
    assert code.group(1) in logged and "Traceback" in logged


def test_a_hostile_query_parameter_is_shown_as_text(server: str, page: Page) -> None:
    hostile = "[x](http://evil) ![i](http://evil/i.png) :red[x] :material/home: <b>x</b> www.evil.vn a@evil.vn :smile:"
    page.goto(f"{server}/don_vi?ma={urllib.parse.quote(hostile)}", wait_until="domcontentloaded")
    warning = page.locator("[data-testid='stAlertContentWarning']")
    expect(warning).to_be_visible(timeout=60_000)
    assert hostile in warning.inner_text().replace("\u2060", "")  # every character as typed (the joiner is invisible)
    for markup in ("a", "img", "b", "[data-testid='stIconMaterial']", "span[style]"):
        assert warning.locator(markup).count() == 0, markup
    _no_exception(page)

"""The pages fit a common office laptop: at 1366×768, beside the sidebar, no page scrolls sideways — a wide
table may scroll inside its own frame, the page never — and no box shows Streamlit's English placeholder
(«Choose an option»). Every page, each of its tabs opened, as an administrator (quantri), a cấp ủy cơ sở
(capuy, CS004) and one of its chi bộ (chibo, CB001), whose 2025 report waits for the cấp ủy (so Duyệt shows
the report, with its tabs). One server, the session's chromium, one login per account."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from scoring import Dataset
from scoring.store import Store, connect
from scoring.store.workflow import submissions_from_dataset
from tests.app_database import PASSWORD, build_database
from tests.app_server import serve_app
from tests.browser_support import CHROMIUM, logged_in_page

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")

LAPTOP = {"width": 1366, "height": 768}
UNIT, TOP, YEAR = "CB001", "CS004", 2025  # a chi bộ trực thuộc of Đảng bộ cơ sở CS004
ACCOUNTS = (("quantri", "quan_tri", None), ("capuy", "cap_uy_co_so", TOP), ("chibo", "chi_bo", UNIT))
#: each page by its title in the navigation, and the address opened
PAGES = {
    "Tổng quan": "",
    "Xếp hạng": "xep_hang",
    "Đơn vị": f"don_vi?ma={UNIT}",
    "Tiêu chí": "tieu_chi",
    "Khen thưởng": "khen_thuong",
    "Tự đánh giá": "tu_danh_gia",
    "Duyệt": "duyet",
    "Dữ liệu": "du_lieu",
    "Quản trị": "quan_tri",
}
#: how far the page (the document, or Streamlit's scrolling main column) reaches past what is in sight, in pixels
OVERFLOW = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    const page = document.documentElement.scrollWidth - document.documentElement.clientWidth;
    return Math.max(page, main ? main.scrollWidth - main.clientWidth : 0);
}"""
#: the charts have drawn (a chart sized wider than the page shows only once drawn)
CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .every(chart => chart.querySelector('svg, canvas'))"""
#: two frames later: what was drawn last (a grid sized to its column, a tab opened) has been laid out
NEXT_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
ENGLISH = ("Choose an option", "Choose options")
#: a block wider than the main column, added to it to check that the measure sees it
WIDER = """block => {
    const wide = document.createElement('div');
    wide.style.cssText = 'width: 2000px; height: 1px';
    block.append(wide);
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sample: Dataset) -> Iterator[str]:
    """The app on the sample's database with the three accounts; the chi bộ's 2025 report sent, not yet
    approved."""
    folder = tmp_path_factory.mktemp("may_chu_man_hinh")
    path = build_database(folder, sample, ACCOUNTS, held=(UNIT, YEAR))
    store = Store(connect(f"sqlite:///{path}"))
    figures = next(r[2] for r in submissions_from_dataset(sample) if (r[0], r[1]) == (UNIT, YEAR))
    chi_bo = store.authenticate("chibo", PASSWORD)
    store.submit(chi_bo, UNIT, YEAR, store.save_draft(chi_bo, UNIT, YEAR, figures, None).phien_ban)
    store.engine.dispose()
    with serve_app(f"sqlite:///{path}", folder / "streamlit.log") as address:
        yield address


def _drawn(page: Page) -> None:
    """The page's script has run to its end and what it drew is on screen (grids, charts)."""
    main = page.locator("[data-testid='stMain']")
    expect(main.locator("h1, [data-testid='stAlert']").first).to_be_visible(timeout=90_000)
    expect(page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")).to_have_count(1, timeout=90_000)
    _settled(page)


def _settled(page: Page) -> None:
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    page.evaluate(NEXT_FRAMES)


def _problems(page: Page, where: str) -> list[str]:
    found = []
    if (over := int(page.evaluate(OVERFLOW))) > 0:
        found.append(f"{where}: the page is {over} px wider than the window (it scrolls sideways)")
    shown = page.locator("body").inner_text()
    found += [f"{where}: Streamlit's English placeholder «{text}»" for text in ENGLISH if text in shown]
    if "Mã lỗi:" in shown or page.locator("[data-testid='stException']").count():
        found.append(f"{where}: the page failed (an error notice instead of the page)")
    return found


@pytest.mark.parametrize("name", [a[0] for a in ACCOUNTS])
def test_no_page_scrolls_sideways_on_a_laptop_screen(server: str, chromium_browser: Browser, name: str) -> None:
    page = logged_in_page(chromium_browser, server, name, viewport=LAPTOP, locale="vi-VN")
    found: list[str] = []
    try:
        for title, path in PAGES.items():
            page.goto(f"{server}/{path}", wait_until="domcontentloaded")
            _drawn(page)
            found += _problems(page, f"{title} ({name})")
            tabs = page.locator("[data-testid='stMain']").get_by_role("tab")
            for i in range(1, tabs.count()):  # the first tab is open already
                tab = tabs.nth(i)
                label = tab.inner_text().strip()
                tab.click()
                _settled(page)
                found += _problems(page, f"{title}, tab «{label}» ({name})")
        # the measure itself: a block wider than the main column (on the last page) is seen
        page.locator("[data-testid='stMainBlockContainer']").evaluate(WIDER)
        assert any("px wider than the window" in p for p in _problems(page, "a 2.000-pixel block"))
    finally:
        page.context.close()
    assert not found, "\n".join(found)

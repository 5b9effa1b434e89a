"""What the tests that drive the app in a real browser share: Debian's chromium (launched once a session,
the `chromium_browser` fixture of tests/conftest.py), logging in on the login page, a page logged in as an
account, and the check that nothing on the page raised."""

from __future__ import annotations

import re
import shutil
from typing import Any

from playwright.sync_api import Browser, Page, Playwright, expect

from tests.app_database import PASSWORD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's chromium, headless, as a container runs it (no sandbox, /tmp for shared memory)."""
    assert CHROMIUM, "The browser test needs Debian's chromium (apt-get install chromium); .ci/run installs it."
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"],
    )


def log_in_browser(page: Page, name: str, password: str = PASSWORD, *, check_login_page: bool = True) -> None:
    """Fill the login page the browser is on (/dang-nhap; checked first unless `check_login_page` is false),
    send it and wait until the app has left it."""
    if check_login_page:
        expect(page).to_have_url(re.compile(r"/dang-nhap"), timeout=30_000)
    page.get_by_label("Tên đăng nhập").fill(name)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda u: "/dang-nhap" not in u, timeout=30_000)


def logged_in_page(browser: Browser, server: str, name: str, **context: Any) -> Page:
    """A page of a new browser context (`context`: Browser.new_context's options: its own cookies) logged in
    as `name` from the server's login page. The caller closes the context (`page.context.close()`)."""
    page = browser.new_context(**context).new_page()
    page.goto(f"{server}/dang-nhap", wait_until="domcontentloaded")
    log_in_browser(page, name, check_login_page=False)
    return page


def no_exception(page: Page) -> None:
    """No Streamlit exception box on the page, once a rerun that raises has had time to draw it."""
    page.wait_for_timeout(300)
    boxes = page.locator("[data-testid='stException']")
    assert boxes.count() == 0, boxes.first.inner_text()

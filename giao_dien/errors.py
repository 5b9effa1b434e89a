"""A page that fails shows a short Vietnamese notice with an error code; the traceback (with the
server's paths and the data involved) goes only to the server log, under the same code, so an
administrator can find it from what the user reports. Streamlit's own error display is off as well
(`client.showErrorDetails = "none"` in .streamlit/config.toml) for anything outside a page."""

from __future__ import annotations

import logging
import secrets
from typing import Protocol

import streamlit as st

LOG = logging.getLogger("thidua.app")
if not LOG.handlers and not logging.getLogger().handlers:  # `streamlit run` configures only its own logger
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    LOG.addHandler(_handler)


class Page(Protocol):
    @property
    def title(self) -> str: ...

    def run(self) -> None: ...


def error_notice(code: str) -> str:
    return (
        f"Đã có lỗi khi hiển thị trang này. Mã lỗi: {code}. Hãy báo mã lỗi này cho quản trị "
        "(chi tiết đã được ghi vào nhật ký của máy chủ)."
    )


def run_page(page: Page) -> None:
    """Run the page's script; an error in it becomes the notice and a log entry. `st.stop()`,
    `st.rerun()` and `st.switch_page()` raise Streamlit's control exceptions, which derive from
    BaseException, not Exception: they pass through untouched."""
    try:
        page.run()
    except Exception:
        code = secrets.token_hex(4)
        LOG.exception("Trang «%s» lỗi — mã lỗi %s", page.title, code)
        st.error(error_notice(code), icon=":material/error:")

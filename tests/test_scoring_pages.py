"""The five scoring pages (Tổng quan, Xếp hạng, Đơn vị, Tiêu chí, Khen thưởng) read as a Vietnamese office
expects, for an administrator and for a chi bộ: nothing on screen says «None», True or False, no engine code
(snake_case) outside the columns that are codes, no number with a decimal point («86.50», «0.80%»); every
chart carries the Vietnamese number locale; the overview is titled by the plan chosen. Checked on the element
tree (AppTest: every cell of every table, hidden columns left out) and on the page a browser draws
(Playwright: chart axes included)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import element_tree as et

from tests.app_database import PASSWORD, SAMPLE_ACCOUNTS, app_uses, copy_database
from tests.app_server import serve_app
from tests.apptest_login import _test_sessions, log_in  # noqa: F401 (a fixture)
from tests.browser_support import CHROMIUM, logged_in_page
from tests.conftest import ROOT
from tests.reading import a_code, element_texts, problems

ACCOUNTS = SAMPLE_ACCOUNTS  # quantri (quan_tri) and chibo (chi_bo of CB001)
PAGES = ("tong_quan", "xep_hang", "don_vi", "tieu_chi", "khen_thuong")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Tổng điểm 100.00", ["số «100.00»"]),
        ("0.80%", ["số «0.80»"]),
        ("None", ["«None»"]),
        ("Đạt: True", ["«True»"]),
        ("chan1.cap_tren_htt", ["mã «cap_tren_htt»"]),
        ("86,5 · 1.200 · 82,5% · 2025", []),
        ("Tiêu chí: criteria/hai_chan_ba_mui.yaml — Hai chân (phiên bản 2025.1)", []),
        ("chan1.cap_tren_htt — Đảng bộ Khối hoàn thành tốt nhiệm vụ", []),  # a code beside its name
        ("Kế hoạch 51-KH/ĐUK, II.2.1.a", []),  # a section number
    ],
)
def test_what_counts_as_a_stumble(text: str, found: list[str]) -> None:
    assert problems(text) == found


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory, sample_db_file: Path) -> Path:
    """The sample's tree, every year approved, an administrator and the chi bộ CB001 (ACCOUNTS): this module's
    copy of the session's `sample_db_file`."""
    return copy_database(sample_db_file, tmp_path_factory.mktemp("csdl"))


@pytest.fixture
def db_url(database: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The module's database itself, not a copy: the tests share it (and what their sessions leave in it)."""
    return app_uses(database, monkeypatch)


# --- the element tree ----------------------------------------------------------------------------------------


def _charts(at: AppTest) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, et.UnknownElement) and node.type == "vega_lite_chart":
            found.append(json.loads(node.proto.spec))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    return found


def _open(name: str, page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "ung_dung.py"), default_timeout=240)
    if page == "don_vi":
        at.query_params["ma"] = "CB001"
    log_in(at, name, PASSWORD)
    if page != "tong_quan":
        at.switch_page(f"giao_dien/{page}.py").run()
    assert not at.exception, at.exception[0].value
    if page == "tieu_chi":  # the what-if table too
        next(t for t in at.text_input if t.label == "Điểm mới").set_value("1").run()
        assert not at.exception, at.exception[0].value
        assert len(at.dataframe) == 2
    return at


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("name", [a[0] for a in ACCOUNTS])
def test_every_text_on_the_page_reads_the_vietnamese_way(db_url: str, name: str, page: str) -> None:
    at = _open(name, page)
    texts = [*element_texts(at.main), *element_texts(at.sidebar)]
    assert at.dataframe, "the page shows its tables"
    found = sorted({p for t in texts for p in problems(t)})
    assert not found, f"{page} ({name}): {found[:20]}"
    for spec in _charts(at):  # every chart writes «0,8%» and «1.234,5»
        assert spec["config"]["locale"]["number"]["decimal"] == ","
        assert spec["config"]["locale"]["number"]["thousands"] == "."


def test_the_overview_is_titled_by_the_plan_chosen(db_url: str) -> None:
    at = _open("quantri", "tong_quan")
    assert any(h.value == "Chỉ tiêu năm 2025: «Hai chân – Ba mũi»" for h in at.subheader)
    picker = next(box for box in at.sidebar.selectbox if box.label == "Kế hoạch thi đua")
    picker.select("kl21_dang_uy_khoi.yaml").run()
    year = next(box for box in at.sidebar.selectbox if box.label == "Năm")
    year.select(2022).run()
    assert not at.exception
    headings = [h.value for h in at.subheader]
    assert not any("Hai chân" in h for h in headings), headings
    assert any(h.startswith("Chỉ tiêu năm 2022: Thực hiện Kết luận số 21-KL/TW") for h in headings), headings


def test_a_plan_of_one_year_says_that_year(db_url: str) -> None:
    """The sidebar's warning for a year outside the plan: «năm 2022», never «từ năm 2022–2022»."""
    at = _open("quantri", "tong_quan")
    next(box for box in at.sidebar.selectbox if box.label == "Kế hoạch thi đua").select("tuyen_truyen_2022.yaml").run()
    next(box for box in at.sidebar.selectbox if box.label == "Năm").select(2025).run()
    warned = " ".join(w.value for w in at.sidebar.warning)
    assert "có hiệu lực năm 2022;" in warned and "2022–2022" not in warned


def test_ranks_say_they_are_dense_ties(db_url: str) -> None:
    at = _open("quantri", "xep_hang")
    assert any("cùng tổng điểm và cùng số tiêu chí đạt thì cùng thứ hạng" in c.value for c in at.caption)


def test_a_long_ranking_is_sent_one_page_at_a_time(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a page of rows reaches the browser; the page picker shows the others, the download all."""
    from scoring.outputs import display

    monkeypatch.setattr(display, "PAGE_ROWS", 7)
    at = _open("quantri", "xep_hang")
    next(r for r in at.radio if r.label == "Xếp hạng").set_value("Đảng viên").run()
    assert not at.exception
    first = at.dataframe[0].value
    assert len(first) == 7
    picker = next(n for n in at.number_input if n.label.startswith("Trang"))
    total = int(float(picker.max))
    assert total > 2
    picker.set_value(2).run()
    second = at.dataframe[0].value
    assert len(second) == 7 and set(second["Mã đảng viên"]).isdisjoint(first["Mã đảng viên"])
    assert any("đang xem dòng 8–14" in m.value for m in at.markdown)


# --- the page a browser draws ----------------------------------------------------------------------------------


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_the_pages_a_browser_draws_read_the_vietnamese_way(
    database: Path, chromium_browser: Browser, tmp_path: Path
) -> None:
    """Each page as drawn (axes and legends of the charts, the cells a table draws), as both accounts."""
    paths = {"tong_quan": "", "xep_hang": "xep_hang", "don_vi": "don_vi?ma=CB001", "tieu_chi": "tieu_chi",
             "khen_thuong": "khen_thuong"}  # fmt: skip
    with serve_app(f"sqlite:///{database}", tmp_path / "streamlit.log") as server:
        for name, _, _ in ACCOUNTS:
            page = logged_in_page(
                chromium_browser, server, name, viewport={"width": 1500, "height": 3000}, locale="vi-VN"
            )
            for key, path in paths.items():
                page.goto(f"{server}/{path}", wait_until="domcontentloaded")
                expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible(timeout=90_000)
                expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=90_000)
                if key == "tong_quan" or (key == "xep_hang" and name == "quantri"):  # a chi bộ ranks one row: no chart
                    expect(page.locator("[data-testid='stVegaLiteChart']").first).to_be_visible(timeout=30_000)
                    page.wait_for_timeout(1000)  # the chart draws its axes after it appears
                page.screenshot(path=tmp_path / f"{name}_{key}.png", full_page=True)
                drawn = page.locator("[data-testid='stMain']").inner_text()
                for icon in set(page.locator("[data-testid='stIconMaterial']").all_text_contents()):
                    drawn = drawn.replace(icon, " ")  # an icon's ligature name («keyboard_arrow_right») draws a glyph
                cells = page.locator("[data-testid^='glide-cell']").all_text_contents()
                found = sorted(set(problems(drawn)) | set(problems(" ".join(c for c in cells if not a_code(c)))))
                assert not found, f"{key} ({name}): {found[:20]}"
                assert "Traceback" not in drawn
            page.context.close()

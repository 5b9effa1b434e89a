"""The workflow pages (Tự đánh giá, Duyệt, Dữ liệu, Quản trị, Tài khoản) read as a Vietnamese office expects,
for each kind of account that opens them: the Ban Tuyên giáo's administrator (quantri), a chi bộ's secretary
(chibo), the cấp ủy cơ sở that reviews it (capuy) and a read-only member of the award committee (xem). Nothing
on screen says «None», True or False, no engine code outside the code columns, no number with a decimal point,
no English but the few words Streamlit draws itself (`tests.reading`). Checked on the element tree (AppTest:
every cell, caption, metric, label and option, every tab) and on the page a browser draws (Playwright: each page
as each kind of user, a screenshot of each).

The database is a real one (not the demo), filled from the sample: every year approved but the chi bộ's own
report of 2025, which went through the workflow — sent, returned with a reason, changed and sent again — so that
the reviewer sees what changed; two imports, the second undone; a refused login in the audit log."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from playwright.sync_api import Browser, expect
from streamlit.testing.v1 import AppTest

from scoring import Dataset
from scoring.outputs.audit_views import audit_value
from scoring.outputs.display import screen
from scoring.outputs.workflow_views import imports_view, person, plan_files_view
from scoring.store import ROLES, STATES, Store, StoreError, connect, imports, plan_files
from scoring.store.accounts import SYSTEM
from scoring.store.workflow import submissions_from_dataset
from tests.app_database import PASSWORD, app_uses, build_database
from tests.app_server import serve_app
from tests.apptest_login import _test_sessions, log_in  # noqa: F401 (a fixture)
from tests.browser_support import CHROMIUM, logged_in_page
from tests.conftest import ROOT
from tests.reading import drawn_text, element_texts, stumbles

YEAR, UNIT, TOP = 2025, "CB001", "CS004"  # a chi bộ trực thuộc of Đảng bộ cơ sở CS004
ACCOUNTS = {  # name: (role, unit, full name)
    "quantri": ("quan_tri", None, "Nguyễn Thị Hoa"),  # Ban Tuyên giáo
    "chibo": ("chi_bo", UNIT, "Trần Văn Bình"),  # the chi bộ's secretary
    "capuy": ("cap_uy_co_so", TOP, "Lê Minh Châu"),  # the cấp ủy that reviews the chi bộ
    "xem": ("xem", None, "Phạm Thu Dung"),  # the award committee: reads, never writes
}
PAGES = ("tu_danh_gia", "duyet", "du_lieu", "quan_tri", "dang_nhap")
#: the pages each account may not open: a refusal in Vietnamese instead
REFUSED = {("xem", "tu_danh_gia"), ("chibo", "quan_tri"), ("capuy", "quan_tri"), ("xem", "quan_tri")}
RETURNED = "Thiếu số quần chúng được quán triệt; kiểm tra lại xếp loại đảng viên."


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Upload · 50MB per file • XLSX, CSV · Press Enter to apply · Show password", []),  # Streamlit's own
        ("Tải mẫu nhập liệu (XLSX): mau_nhap_lieu.xlsx, to_chuc.csv", []),  # file names people use
        ('<a href="/dang-nhap?next=/tu_danh_gia" target="_self">Đăng nhập</a>', []),  # a link's address
        ("Choose an option", ["tiếng Anh «Choose»", "tiếng Anh «option»"]),
        ("Trạng thái: tra\\_lai", ["mã «tra_lai»"]),  # a code escaped for Markdown is still a code
        ("Có · Không · 86,5 · 17/01/2026 14:05", []),
        ("he_thong", ["mã «he_thong»"]),
    ],
)
def test_what_counts_as_a_stumble(text: str, found: list[str]) -> None:
    assert stumbles(text) == found


def _changed(figures: dict[str, Any]) -> dict[str, Any]:
    """The chi bộ's figures as sent again after the return: a count, a member's rating and a flag changed,
    the last member left out."""
    again = copy.deepcopy(figures)
    again["don_vi"]["so_quan_chung_quan_triet"] = (again["don_vi"].get("so_quan_chung_quan_triet") or 0) + 1
    first = again["dang_vien"][0]
    first["xep_loai"] = "HTXSNV" if first.get("xep_loai") != "HTXSNV" else "HTTNV"
    first["bai_thu_hoach"] = not bool(first.get("bai_thu_hoach"))
    again["dang_vien"] = again["dang_vien"][:-1]
    return again


def _one_year_changed(sample: Dataset, year: int, people: int) -> Dataset:
    """The sample with one unit's «Số quần chúng» of `year` changed and a flag of it turned: what an import of
    a corrected file brings."""
    units = sample.don_vi_nam.copy()
    row = units.index[(units["nam"] == year) & units["so_quan_chung"].notna()][0]
    units.loc[row, "so_quan_chung"] = people
    flag = units.loc[row, "vi_pham_don_vi"]
    units.loc[row, "vi_pham_don_vi"] = not (pd.notna(flag) and bool(flag))
    return Dataset(sample.to_chuc, sample.dang_vien, units, sample.source, sample.nhiem_vu)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory, sample: Dataset) -> Path:
    """The database the module's docstring tells of."""
    accounts = [(name, *details) for name, details in ACCOUNTS.items()]
    path = build_database(tmp_path_factory.mktemp("csdl_quy_trinh"), sample, accounts, held=(UNIT, YEAR))
    store = Store(connect(f"sqlite:///{path}", migrate=False))
    chi_bo, cap_uy, admin = (store.authenticate(n, PASSWORD) for n in ("chibo", "capuy", "quantri"))
    figures = next(r[2] for r in submissions_from_dataset(sample, [YEAR]) if r[0] == UNIT)
    sent = store.submit(chi_bo, UNIT, YEAR, store.save_draft(chi_bo, UNIT, YEAR, figures, None).phien_ban)
    returned = store.return_(cap_uy, UNIT, YEAR, sent.phien_ban, RETURNED)
    again = store.save_draft(chi_bo, UNIT, YEAR, _changed(figures), returned.phien_ban)
    store.submit(chi_bo, UNIT, YEAR, again.phien_ban)
    imports.commit(store, admin, _one_year_changed(sample, 2021, 1234), [2021], "so_lieu_2021.xlsx")
    undone = imports.commit(store, admin, _one_year_changed(sample, 2022, 2345), [2022], "so_lieu_2022.xlsx")
    imports.undo(store, admin, undone.id)
    with pytest.raises(StoreError):  # a refused login, for the audit log
        store.authenticate("chibo", "sai-mat-khau")
    store.engine.dispose()
    return path


@pytest.fixture
def db_url(database: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The module's database itself, not a copy: the tests share it, and what the pages store in it (the
    bundled plan files, stored on first use, that Dữ liệu lists)."""
    return app_uses(database, monkeypatch)


# --- the tables of the library, as the pages show them --------------------------------------------------------


def test_the_import_preview_imports_and_plan_files_read_the_vietnamese_way(db_url: str, sample: Dataset) -> None:
    store = Store(connect(db_url, migrate=False))
    try:
        admin = store.authenticate("quantri", PASSWORD)
        changed = _one_year_changed(sample, 2023, 3456)
        rated = changed.dang_vien.copy()
        row = rated.index[(rated["nam"] == 2023) & (rated["xep_loai"] == "HTTNV")][0]
        rated.loc[row, "xep_loai"] = "HTXSNV"
        changed = Dataset(changed.to_chuc, rated, changed.don_vi_nam, changed.source, changed.nhiem_vu)
        plan = imports.preview(store, admin, changed, [2023])
        past = imports.list_imports(store, admin)
        stored = plan_files.history(store)
    finally:
        store.engine.dispose()
    examples = plan.examples_table()
    after = set(examples["Sau"])
    assert {"3.456", "Hoàn thành xuất sắc nhiệm vụ"} <= after and after & {"Có", "Không"}, examples
    tables = [plan.years_table(), examples, imports_view(past), plan_files_view(stored, plan_files.KINDS)]
    for table in tables:
        shown = screen(table, plain=("Năm", "Lần", "Phiên bản")).frame
        text = " ".join([*map(str, shown.columns), *shown.astype(str).to_numpy().ravel()])
        assert not stumbles(text), (list(table.columns), stumbles(text))
    listed = imports_view(past)
    assert listed["Lúc"].str.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}").all()
    assert listed["Hoàn tác (người, lúc)"].str.fullmatch(r"(quantri \(\d{2}/\d{2}/\d{4} \d{2}:\d{2}\))?").all()
    assert person(SYSTEM.ten_dang_nhap) == SYSTEM.ho_ten  # the command line by its name, never «he_thong»


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (
            {"trang_thai": "da_gui", "phien_ban": 2, "ly_do": "Thiếu số liệu"},
            "trạng thái: Đã gửi; phiên bản: 2; lý do: Thiếu số liệu",
        ),
        (
            {"lan_nhap": 3, "nam": [2021, 2022], "to_chuc": {"them": 0, "doi_ten": 1}, "bao_cao_moi": 1200},
            "lần nạp: 3; năm: 2021, 2022; cây tổ chức: (thêm: 0; đổi tên: 1); báo cáo mới: 1.200",
        ),
        ({"vai_tro": "chi_bo", "ma_to_chuc": None, "khoa_moi_la": True}, "vai trò: Chi bộ; đơn vị: —; khoa moi la: Có"),
        (
            {
                "trinh_duyet": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/131.0.0.0 Safari/537.36"
            },
            "trình duyệt: Chrome trên Linux",
        ),
        (None, ""),
    ],
)
def test_an_audit_lines_objects_read_as_words(value: Any, shown: str) -> None:
    assert audit_value(value, {**STATES, **ROLES}) == shown
    assert not stumbles(shown)


# --- the element tree (AppTest) ------------------------------------------------------------------------------


def _open(name: str, page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "ung_dung.py"), default_timeout=240)
    at.switch_page(f"giao_dien/{page}.py")
    return log_in(at, name, PASSWORD)


def _stumbles(at: AppTest) -> list[str]:
    assert not at.exception, at.exception[0].value
    texts = [*element_texts(at.main), *element_texts(at.sidebar)]
    return sorted({s for t in texts for s in stumbles(t)})


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("name", list(ACCOUNTS))
def test_every_text_on_the_workflow_pages_reads_the_vietnamese_way(db_url: str, name: str, page: str) -> None:
    at = _open(name, page)
    found = _stumbles(at)
    assert not found, f"{page} ({name}): {found[:20]}"
    if (name, page) in REFUSED:
        assert any("không dùng được trang này" in w.value for w in at.warning), [w.value for w in at.warning]
        return
    assert at.title and not at.title[0].value.startswith("Đăng nhập")
    if page in ("tu_danh_gia", "duyet", "quan_tri") or (page == "du_lieu" and name in ("quantri", "xem")):
        assert at.dataframe, f"{page} ({name}) shows its tables"


def test_a_new_years_form_and_a_form_started_from_last_year_read_the_vietnamese_way(db_url: str) -> None:
    """The chi bộ's secretary on Tự đánh giá: the report sent (read-only), a new year's empty form, then that
    form filled from last year's report, with its member grid and the live result."""
    at = _open("chibo", "tu_danh_gia")
    assert at.selectbox(key="td_nam").value == YEAR and any("đang chờ cấp trên duyệt" in i.value for i in at.info)
    at.selectbox(key="td_nam").set_value(YEAR + 1).run()
    found = _stumbles(at)
    assert not found, found[:20]
    next(b for b in at.button if b.label == f"Bắt đầu từ số liệu năm {YEAR}").click()
    at.run()
    found = _stumbles(at)
    assert not found, found[:20]
    assert at.data_editor, "the member grid"
    assert any(m.label == "Tổng điểm" for m in at.metric), "the live result"


def test_the_reviewer_sees_what_changed_since_the_return_in_words(db_url: str) -> None:
    at = _open("capuy", "duyet")
    assert "Báo cáo chờ duyệt (1)" in [h.value for h in at.subheader]
    changed = next(
        d.value for d in at.dataframe if list(d.value.columns) == ["Phần", "Đảng viên", "Cột", "Trước", "Sau"]
    )
    cells = set(changed[["Trước", "Sau"]].to_numpy().ravel())
    assert cells & {"Có", "Không"} and cells & {"Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ"}
    history = next(d.value for d in at.dataframe if "Phiên bản" in d.value.columns)
    assert history["Trạng thái"].tolist() == ["Nháp", "Đã gửi", "Trả lại", "Nháp", "Đã gửi"]
    assert RETURNED in history["Lý do trả lại"].tolist()


# --- the page a browser draws ----------------------------------------------------------------------------------

#: the three kinds of user the browser walks through every page as
WALKERS = ("quantri", "chibo", "capuy")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_the_workflow_pages_a_browser_draws_read_the_vietnamese_way(
    database: Path, chromium_browser: Browser, tmp_path: Path
) -> None:
    """Every workflow page as each kind of user, every tab opened: the body's text (navigation and sidebar
    included) and the cells the tables draw; a screenshot of each page in `tmp_path`."""
    found: dict[str, list[str]] = {}
    with serve_app(f"sqlite:///{database}", tmp_path / "streamlit.log") as server:
        for name in WALKERS:
            page = logged_in_page(
                chromium_browser, server, name, viewport={"width": 1500, "height": 3000}, locale="vi-VN"
            )
            for key in PAGES:
                page.goto(f"{server}/{key}", wait_until="domcontentloaded")
                for shot, text in _each_tab(page, tmp_path / f"{name}_{key}"):
                    assert "Traceback" not in text and page.locator("[data-testid='stException']").count() == 0
                    assert "Đăng xuất" in text, f"{shot}: who is logged in, and the way out, on every page"
                    if problems := stumbles(text):
                        found[f"{shot} ({name})"] = problems[:20]
            page.context.close()
    assert not found, found


def _each_tab(page: Any, stem: Path) -> Iterator[tuple[str, str]]:
    """The page once drawn (its first heading, or a refusal, then no script running; a screenshot of it), and
    each of its other tabs clicked: the text drawn of each."""
    main = page.locator("[data-testid='stMain']")
    expect(main.locator("h1, [data-testid='stAlert']").first).to_be_visible(timeout=90_000)  # the script runs
    expect(page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")).to_have_count(1, timeout=90_000)
    page.wait_for_timeout(300)  # the grids draw their cells after the script ends
    page.screenshot(path=f"{stem}.png", full_page=True)
    yield stem.name, drawn_text(page)
    tabs = main.get_by_role("tab")
    for i in range(1, tabs.count()):
        tabs.nth(i).click()
        page.wait_for_timeout(200)
        yield f"{stem.name} ({tabs.nth(i).inner_text()})", drawn_text(page)

"""«Tự đánh giá» and «Duyệt» as a Vietnamese office expects them (AppTest): they open on the account's
own unit and the latest year with something to see; a new, untouched form shows how to start, not a
list of errors; numbers typed the Vietnamese way are saved as typed and shown back so, a cell that is
not a number is named and never saved as blank; last year's figures are one click away; the two
ratings a reviewer compares are shown in full, in words; the version table speaks Vietnamese."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from scoring import Dataset
from scoring.domain.numbers import format_number
from scoring.store import Store, connect
from scoring.store.accounts import SYSTEM
from scoring.store.workflow import submissions_from_dataset
from tests.app_database import PASSWORD, build_database
from tests.apptest_login import _test_sessions, log_in  # noqa: F401 (a fixture)
from tests.conftest import ROOT

YEAR, UNIT = 2025, "CB001"  # a chi bộ trực thuộc of Đảng bộ cơ sở CS004
ACCOUNTS = (("chibo", "chi_bo", UNIT), ("capuy", "cap_uy_co_so", "CS004"))
CODES = ("HTXSNV", "HTTNV", "KHTNV", "vien_chuc", "True", "False", "None")


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory, sample: Dataset) -> Path:
    """The sample's tree and two accounts; every year approved but the chi bộ's own report of YEAR (each test
    works on a copy: `db_url`, tests/conftest.py)."""
    return build_database(tmp_path_factory.mktemp("csdl_bieu_mau"), sample, ACCOUNTS, held=(UNIT, YEAR))


def _open(page: str, name: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "ung_dung.py"), default_timeout=180)
    at.switch_page(f"giao_dien/{page}.py").run()
    return log_in(at, name, PASSWORD)


def _box(at: AppTest, label: str) -> Any:
    return next(t for t in at.text_input if t.label == label)


def _button(at: AppTest, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


def _saved(url: str) -> dict[str, Any] | None:
    store = Store(connect(url, migrate=False))
    try:
        report = store.get(SYSTEM, UNIT, YEAR)
    finally:
        store.engine.dispose()
    return None if report is None else report.du_lieu


def _own(sample: Dataset, year: int) -> Any:
    rows = sample.don_vi_nam
    return rows[(rows["ma_to_chuc"] == UNIT) & (rows["nam"] == year)].iloc[0]


def test_the_pages_open_on_the_own_unit_and_the_latest_year_with_data(db_url: str) -> None:
    chi_bo = _open("tu_danh_gia", "chibo")
    assert chi_bo.selectbox(key="td_nam").value == YEAR - 1  # its latest report, not an empty new year
    cap_uy = _open("tu_danh_gia", "capuy")
    assert cap_uy.selectbox(key="td_don_vi").value == "CS004"  # its own unit first, not the first in the list
    assert cap_uy.selectbox(key="td_nam").value == YEAR
    review = _open("duyet", "capuy")  # nothing waits for it: the latest year its units have reports of
    assert review.selectbox(key="duyet_nam").value == YEAR


def test_a_new_form_starts_calm_then_reads_vietnamese_numbers_and_saves_them(db_url: str, sample: Dataset) -> None:
    at = _open("tu_danh_gia", "chibo")
    at.selectbox(key="td_nam").set_value(YEAR).run()
    assert not at.error  # untouched: no list of errors yet
    hint = " ".join(i.value for i in at.info)
    assert f"Báo cáo năm {YEAR} chưa có số liệu" in hint and f"bắt đầu từ số liệu năm {YEAR - 1}" in hint
    _box(at, "Điểm đánh giá (thang 100)").input("86,5").run()
    _box(at, "Số quần chúng").input("1.200").run()
    assert any("Số liệu còn lỗi" in e.value for e in at.error)  # typed: now the check speaks
    _button(at, "Lưu nháp").click()
    at.run()
    assert not at.exception, at.exception
    saved = _saved(db_url)
    assert saved is not None
    assert saved["don_vi"]["diem_danh_gia"] == 86.5 and saved["don_vi"]["so_quan_chung"] == 1200
    assert _box(at, "Điểm đánh giá (thang 100)").value == "86,5"
    assert _box(at, "Số quần chúng").value == "1.200"

    _box(at, "Số quần chúng").input("mười hai").run()  # not a number: named, and the save refused
    said = " ".join(e.value for e in at.error)
    assert "«Số quần chúng»: không đọc được «mười hai» thành số" in said
    _button(at, "Lưu nháp").click()
    at.run()
    assert "Chưa lưu: sửa các ô chưa đọc được thành số trước — «Số quần chúng»." in [e.value for e in at.error]
    assert _saved(db_url)["don_vi"]["so_quan_chung"] == 1200  # type: ignore[index]
    at.switch_page("giao_dien/duyet.py").run()  # another page and back: what was typed is still there
    at.switch_page("giao_dien/tu_danh_gia.py").run()
    assert _box(at, "Số quần chúng").value == "mười hai"

    history = next(d.value for d in at.dataframe if "Phiên bản" in d.value.columns)
    assert list(history.columns) == ["Phiên bản", "Trạng thái", "Người thực hiện", "Lúc", "Lý do trả lại"]
    assert history.iloc[0].tolist()[:3] == ["1", "Nháp", "chibo"] and history.iloc[0]["Lý do trả lại"] == ""
    assert len(history.iloc[0]["Lúc"]) == len("17/01/2026 14:05")


def test_last_years_figures_are_one_click_away(db_url: str, sample: Dataset) -> None:
    at = _open("tu_danh_gia", "chibo")
    at.selectbox(key="td_nam").set_value(YEAR).run()
    _button(at, f"Bắt đầu từ số liệu năm {YEAR - 1}").click()
    at.run()
    assert not at.exception, at.exception
    last = _own(sample, YEAR - 1)
    assert _box(at, "Số quần chúng").value == format_number(last["so_quan_chung"])
    assert any(f"báo cáo năm {YEAR - 1}" in c.value for c in at.caption)
    assert _saved(db_url) is None  # nothing saved until the user saves


def test_a_reviewer_sees_the_two_ratings_in_full_and_in_words(db_url: str, sample: Dataset) -> None:
    store = Store(connect(db_url, migrate=False))
    chi_bo = store.authenticate("chibo", PASSWORD)
    figures = next(s for s in submissions_from_dataset(sample, [YEAR]) if s[0] == UNIT)[2]
    saved = store.save_draft(chi_bo, UNIT, YEAR, figures, None)
    store.submit(chi_bo, UNIT, YEAR, saved.phien_ban)
    store.engine.dispose()
    at = _open("duyet", "capuy")
    assert at.selectbox(key="duyet_nam").value == YEAR  # the year a report waits for this reviewer
    assert "Báo cáo chờ duyệt (1)" in [h.value for h in at.subheader]
    captions = [c.value for c in at.caption]
    assert "Tự xếp loại" in captions and "Mức đề xuất (cao nhất được phép)" in captions
    bold = [m.value for m in at.markdown if m.value.startswith("**")]
    assert "**Hoàn thành xuất sắc nhiệm vụ**" in bold or "**Hoàn thành tốt nhiệm vụ**" in bold
    verdict = " ".join(x.value for kind in (at.success, at.warning) for x in kind if "mức được phép" in x.value)
    assert verdict and not any(code in verdict for code in CODES)
    history = next(d.value for d in at.dataframe if "Phiên bản" in d.value.columns)
    assert history["Trạng thái"].tolist() == ["Nháp", "Đã gửi"]
    assert not any(code in str(v) for v in history.to_numpy().ravel() for code in ("None", "NaT"))


def test_asking_for_the_check_shows_what_is_missing(db_url: str) -> None:
    at = _open("tu_danh_gia", "chibo")
    at.selectbox(key="td_nam").set_value(YEAR).run()
    assert not at.error
    _button(at, "Kiểm tra số liệu").click()
    at.run()
    assert any("Số liệu còn lỗi" in e.value for e in at.error)
    assert _saved(db_url) is None

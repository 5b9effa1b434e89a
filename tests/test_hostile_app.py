"""The app against a hostile user (AppTest): a failing page shows a Vietnamese notice with an error code,
never a traceback or a server path; text from users and files (unit and member names, a return reason,
the `?ma=` parameter) is shown as written, never as Markdown; only an account that may import sees the
upload boxes, and the library refuses the others; reruns of the Dữ liệu page leave no temporary folder."""

from __future__ import annotations

import dataclasses
import logging
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
from streamlit.testing.v1 import AppTest

from giao_dien.errors import run_page
from scoring import Dataset
from scoring.outputs.safe_text import WORD_JOINER, escape_markdown
from scoring.store import Account, PermissionDenied, Store, connect
from scoring.store.accounts import SYSTEM
from scoring.store.uploads import Upload, read_criteria_upload, read_dataset_upload, read_unit_upload
from scoring.store.workflow import submissions_from_dataset
from tests.apptest_login import _test_sessions, idle, log_in  # noqa: F401 (a fixture)
from tests.conftest import ROOT

YEAR = 2025
UNIT = "CB001"
PASSWORD = "mat-khau-dai"
LINK, IMAGE, COLOUR, HTML = "[x](http://evil)", "![i](http://evil/i.png)", ":red[x]", "<b>x</b>"
HOSTILE = f"{LINK} {IMAGE} {COLOUR} {HTML}"
ACCOUNTS = (("quantri", "quan_tri", None), ("chibo", "chi_bo", UNIT), ("xem", "xem", None))


# --- the escaping helper ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        (LINK, "\\[x\\](http" + WORD_JOINER + "://evil)"),
        (IMAGE, "!\\[i\\](http" + WORD_JOINER + "://evil/i.png)"),
        (COLOUR, "\\:red\\[x\\]"),
        (":material/home: và :smile", "\\:material\\/home: và \\:smile"),
        (":smile: 10:30", "\\:" + WORD_JOINER + "smile: 10:30"),
        (HTML, "\\<b\\>x\\</b\\>"),
        ("# a\n1. b\n- c\n> d\n===", "\\# a\n1\\. b\n\\- c\n\\> d\n\\==="),
        (
            "$x$ a|b ~~s~~ _i_ **b** `c` &amp; \\",
            "\\$x\\$ a\\|b \\~\\~s\\~\\~ \\_i\\_ \\*\\*b\\*\\* \\`c\\` \\&amp; \\\\",
        ),
        ("www.evil.vn a@evil.vn", "www" + WORD_JOINER + ".evil.vn a@" + WORD_JOINER + "evil.vn"),
        ("Chi bộ Phòng A - B (CB001), 10:30. Lý do: thiếu số liệu.", None),  # nothing Markdown reads
    ],
)
def test_markdown_is_escaped_only_where_markdown_reads_it(typed: str, shown: str | None) -> None:
    assert escape_markdown(typed) == (typed if shown is None else shown)


# --- errors ------------------------------------------------------------------------------------------------


def _texts(at: AppTest) -> str:
    """Every text the page drew (its elements' protos, so labels and help texts too)."""
    return "\n".join(str(node.proto) for node in _nodes(at._tree) if hasattr(node, "proto"))


def _nodes(node: Any) -> list[Any]:
    children = getattr(node, "children", {})
    return [node, *(n for child in children.values() for n in _nodes(child))]


def test_a_failing_page_shows_an_error_code_and_logs_the_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import scoring.outputs.views

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"hỏng ở {ROOT}/scoring/bi_mat.py")

    monkeypatch.setattr(scoring.outputs.views, "board", broken)  # Tổng quan, the first page, draws the board
    with caplog.at_level(logging.ERROR, logger="thidua.app"):
        at = AppTest.from_file(str(ROOT / "ung_dung.py"), default_timeout=180).run()
    assert not at.exception
    notice = next(e.value for e in at.error if "Mã lỗi" in e.value)
    code = re.search(r"Mã lỗi: ([0-9a-f]{8})", notice)
    assert code and "báo mã lỗi này cho quản trị" in notice
    drawn = _texts(at)
    assert "Traceback" not in drawn and str(ROOT) not in drawn and "bi_mat" not in drawn and "/work" not in drawn
    logged = [r for r in caplog.records if r.name == "thidua.app"]
    assert len(logged) == 1 and code.group(1) in logged[0].getMessage() and "Tổng quan" in logged[0].getMessage()
    assert logged[0].exc_info and "bi_mat.py" in str(logged[0].exc_info[1])  # the server keeps the details


class _Page:
    title = "thử"

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def run(self) -> None:
        raise self.error


@pytest.mark.parametrize("control", [StopException(), RerunException(RerunData())])
def test_stop_rerun_and_switch_page_are_not_taken_for_errors(control: BaseException) -> None:
    with pytest.raises(type(control)):  # st.switch_page raises RerunException too
        run_page(_Page(control))


# --- user text is text -------------------------------------------------------------------------------------


def _markdown(at: AppTest) -> str:
    """What Streamlit renders as Markdown: bodies (text, alerts, headings, metric values), labels, help texts
    (select box options, table cells and chart data are shown as plain text)."""
    fields = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        for field in ("body", "label", "help"):
            value = getattr(proto, field, None)
            if isinstance(value, str):
                fields.append(value)
    return "\n".join(fields)


def _no_markup(at: AppTest, raw: str) -> None:
    """Neither the raw text nor any of its Markdown pieces reaches Markdown unescaped."""
    drawn = _markdown(at)
    assert escape_markdown(raw) in drawn
    for piece in (raw, LINK, IMAGE, COLOUR, HTML, "](http://", "<b>"):
        assert piece not in drawn, piece


def test_the_query_parameter_is_shown_as_written() -> None:
    at = AppTest.from_file(str(ROOT / "ung_dung.py"), default_timeout=180)
    at.query_params["ma"] = HOSTILE
    at.switch_page("giao_dien/don_vi.py").run()
    assert not at.exception
    assert any(escape_markdown(HOSTILE) in w.value for w in at.warning)
    _no_markup(at, HOSTILE)


def test_unit_and_member_names_are_shown_as_written(
    sample: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from giao_dien import access
    from scoring.store.accounts import SYSTEM
    from scoring.store.workflow import submissions_from_dataset

    member = str(sample.dang_vien.loc[(sample.dang_vien["ma_chi_bo"] == UNIT) & (sample.dang_vien["nam"] == YEAR),
                                      "ma_dang_vien"].iloc[0])  # fmt: skip
    to_chuc, dang_vien = sample.to_chuc.copy(), sample.dang_vien.copy()
    to_chuc.loc[to_chuc["ma_to_chuc"] == UNIT, "ten_to_chuc"] = f"Chi bộ {HOSTILE}"
    dang_vien.loc[dang_vien["ma_dang_vien"] == member, "ho_ten"] = f"Đảng viên {HOSTILE}"
    hostile = dataclasses.replace(sample, to_chuc=to_chuc, dang_vien=dang_vien)
    url = f"sqlite:///{tmp_path / 'thidua.db'}"  # the pages read the database: one holding those names
    store = Store(connect(url))
    store.import_tree(SYSTEM, hostile.to_chuc.astype(object))
    store.import_approved(SYSTEM, submissions_from_dataset(hostile))
    store.engine.dispose()
    monkeypatch.setenv("THIDUA_DB_URL", url)
    monkeypatch.setattr(access, "is_demo", lambda: True)  # read as the demo's visitor: everything
    at = AppTest.from_file(str(ROOT / "ung_dung.py"), default_timeout=180)
    at.query_params["ma"] = UNIT
    at.switch_page("giao_dien/don_vi.py").run()
    assert not at.exception, at.exception
    assert at.subheader[0].value == f"Chi bộ {escape_markdown(HOSTILE)} ({UNIT}) — năm {YEAR}"
    next(box for box in at.selectbox if box.label == "Tổ chức hoặc đảng viên").select(member).run()
    assert not at.exception, at.exception
    assert at.subheader[0].value == f"Đảng viên {escape_markdown(HOSTILE)} ({member}) — năm {YEAR}"
    _no_markup(at, HOSTILE)


# --- accounts: a return reason, the upload boxes -----------------------------------------------------------


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample: Dataset) -> str:
    url = f"sqlite:///{tmp_path / 'thidua.db'}"
    store = Store(connect(url))
    store.import_tree(SYSTEM, sample.to_chuc)
    for name, role, unit in ACCOUNTS:
        store.create_account(SYSTEM, name, PASSWORD, role, unit)
    store.engine.dispose()
    monkeypatch.setenv("THIDUA_DB_URL", url)
    return url


def _logged_in(page: str, name: str) -> AppTest:
    """Log in on the Tài khoản page, then open `page` (the same session)."""
    at = AppTest.from_file(str(ROOT / "ung_dung.py"), default_timeout=180)
    at.switch_page("giao_dien/dang_nhap.py").run()
    log_in(at, name, PASSWORD)
    at.switch_page(f"giao_dien/{page}.py").run()
    assert not at.exception, at.exception
    return at


def test_a_return_reason_is_shown_as_written(db_url: str, sample: Dataset) -> None:
    store = Store(connect(db_url, migrate=False))
    chi_bo, admin = Account("chibo", "chi_bo", UNIT), Account("quantri", "quan_tri")
    data = next(d for unit, year, d in submissions_from_dataset(sample, [YEAR]) if unit == UNIT)
    saved = store.save_draft(chi_bo, UNIT, YEAR, data, None)
    sent = store.submit(chi_bo, UNIT, YEAR, saved.phien_ban)
    store.return_(admin, UNIT, YEAR, sent.phien_ban, f"Sửa lại: {HOSTILE}")
    store.engine.dispose()
    at = _logged_in("tu_danh_gia", "chibo")
    at.selectbox(key="td_nam").set_value(YEAR).run()
    assert not at.exception, at.exception
    assert any(w.value.endswith(f"Lý do: Sửa lại: {escape_markdown(HOSTILE)}") for w in at.warning), at.warning
    _no_markup(at, HOSTILE)


@pytest.mark.parametrize(("name", "boxes"), [(None, 0), ("chibo", 0), ("quantri", 2)])
def test_only_an_account_that_may_import_sees_the_upload_boxes(db_url: str, name: str | None, boxes: int) -> None:
    if name is None:
        at = AppTest.from_file(str(ROOT / "ung_dung.py"), default_timeout=180)
        at.switch_page("giao_dien/du_lieu.py").run()
    else:
        at = _logged_in("du_lieu", name)
    assert not at.exception, at.exception
    assert len(at.file_uploader) == boxes
    if name is None:  # a real database shows nothing without a login: a link to the login page only
        assert at.title[0].value == "Đăng nhập" and not at.get("download_button")
        assert any("/dang-nhap?next=" in m.value for m in at.markdown)
        return
    assert at.title[0].value == "Dữ liệu"
    assert [b.proto.label for b in at.get("download_button")] == ["Tải mẫu nhập liệu (XLSX)"]  # the template: for all


def test_the_library_refuses_uploads_from_other_accounts(db_url: str, sample: Dataset) -> None:
    store = Store(connect(db_url, migrate=False))
    csv = [Upload(p.name, p.read_bytes()) for p in sorted((ROOT / "tests" / "data" / "hop_le").glob("*.csv"))]
    plan = Upload("tieu_chi.yaml", (ROOT / "tests" / "data" / "tieu_chi_thu.yaml").read_bytes())
    forged = Account("chibo", "quan_tri")  # a chi bộ account claiming the administrator's role
    for actor in (None, Account("chibo", "chi_bo", UNIT), Account("xem", "xem"), forged):
        with pytest.raises(PermissionDenied, match="Không được phép"):
            read_dataset_upload(store, actor, csv)
        with pytest.raises(PermissionDenied, match="Không được phép"):
            read_criteria_upload(store, actor, plan)
    with pytest.raises(PermissionDenied, match="Không được phép"):  # another chi bộ's sheets
        read_unit_upload(store, Account("chibo", "chi_bo", UNIT), "CB002", "chi_bo_truc_thuoc", YEAR, csv[0])
    refused = store.audit(SYSTEM)
    assert ((refused["hanh_dong"] == "tai_len") & ~refused["duoc_phep"].astype(bool)).sum() >= 7
    dataset, report = read_dataset_upload(store, Account("quantri", "quan_tri"), csv)
    assert dataset is not None and report.ok
    store.engine.dispose()


# --- temporary files ---------------------------------------------------------------------------------------


def test_reruns_of_the_data_page_leave_no_temporary_folder(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "tam"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # every temporary folder of this test goes here
    at = _logged_in("du_lieu", "quantri")
    broken = ROOT / "tests" / "broken" / "chi_bo_khong_ton_tai"
    data_box, plan_box = at.file_uploader
    data_box.set_value([(p.name, p.read_bytes(), "text/csv") for p in sorted(broken.glob("*.csv"))])
    plan_box.set_value(("la.yaml", (ROOT / "tests" / "broken_criteria" / "khoa_la.yaml").read_bytes(), "text/yaml"))
    at.run()
    assert not at.exception, at.exception
    problems = at.dataframe[0].value
    assert set(problems["Tệp"].astype(str)) <= {"to_chuc.csv", "dang_vien.csv", "don_vi_nam.csv", "tệp tải lên"}
    for _ in range(2):
        at.run()
    assert not at.exception, at.exception
    assert list(temp.iterdir()) == []
    data_box, plan_box = at.file_uploader
    valid = ROOT / "tests" / "data" / "hop_le"
    data_box.set_value([(p.name, p.read_bytes(), "text/csv") for p in sorted(valid.glob("*.csv"))])
    at.run()
    assert not at.exception, at.exception
    said = "\n".join(e.value for e in at.error)
    assert "la.yaml" in said and str(temp) not in said  # the criteria file by its own name, not where it was put
    assert list(temp.iterdir()) == []
    shutil.rmtree(temp)

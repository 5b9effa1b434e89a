"""The workflow through the app's pages (AppTest): log in, fill and send a self-assessment by upload,
return it with a reason, fix and resend, approve — and the approved figures feed the rankings.
Then what each role sees and may do on each page (the library refuses the rest, tests/test_store.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from scoring import Dataset
from scoring.domain.numbers import format_number
from scoring.engine.rating import rating_label
from scoring.input.schema import DANG_VIEN, DON_VI_NAM
from scoring.outputs.views import workbook
from scoring.store import Store, connect
from scoring.store.accounts import SYSTEM
from scoring.store.errors import StoreError
from scoring.store.workflow import submissions_from_dataset
from tests.app_database import PASSWORD, build_database
from tests.apptest_login import _test_sessions, idle, log_in, open_test_session  # noqa: F401 (a fixture)
from tests.conftest import ROOT

YEAR = 2025
UNIT = "CB001"  # a chi bộ trực thuộc of Đảng bộ cơ sở CS004
ACCOUNTS = (
    ("quantri", "quan_tri", None),
    ("capuy", "cap_uy_co_so", "CS004"),
    ("chibo", "chi_bo", UNIT),
    ("chibo_khac", "chi_bo", "CB002"),
    ("xem", "xem", None),
)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory, sample: Dataset) -> Path:
    """The sample's tree and accounts; every year approved but the chi bộ's own report of YEAR (each test
    works on a copy: `db_url`, tests/conftest.py)."""
    return build_database(tmp_path_factory.mktemp("csdl"), sample, ACCOUNTS, held=(UNIT, YEAR))


def _unit_workbook(sample: Dataset, unit: str, year: int) -> bytes:
    """The chi bộ's rows of the sample as a filled template would hold them (titles as headers)."""
    units = sample.don_vi_nam[(sample.don_vi_nam["ma_to_chuc"] == unit) & (sample.don_vi_nam["nam"] == year)]
    members = sample.dang_vien[(sample.dang_vien["ma_chi_bo"] == unit) & (sample.dang_vien["nam"] == year)]
    return workbook(
        {
            DON_VI_NAM.title: units.rename(columns=lambda c: DON_VI_NAM.column(c).title),
            DANG_VIEN.title: members.rename(columns=lambda c: DANG_VIEN.column(c).title),
        }
    )


def _page(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "ung_dung.py"), default_timeout=180)
    at.switch_page(f"giao_dien/{page}.py").run()  # straight to the page (Tổng quan is not drawn first)
    assert not at.exception, at.exception[0].value
    return at


def _login(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    """As after the login page (/dang-nhap): a session in the database, its token in place of the cookie."""
    return log_in(at, name, password)


def _login_link(at: AppTest) -> bool:
    return any("/dang-nhap?next=" in m.value for m in at.markdown)


def _button(at: AppTest, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


def _texts(at: AppTest) -> str:
    parts = [e.value for kind in (at.success, at.info, at.warning, at.error) for e in kind]
    return "\n".join(str(p) for p in parts)


def _state(url: str, unit: str = UNIT, year: int = YEAR) -> tuple[str, int]:
    store = Store(connect(url, migrate=False))
    found = store.get(SYSTEM, unit, year)
    store.engine.dispose()
    assert found is not None
    return found.trang_thai, found.phien_ban


def test_submit_return_resubmit_approve_through_the_pages(db_url: str, sample: Dataset) -> None:
    # the chi bộ secretary logs in, uploads its sheets and sees its result before sending
    chi_bo = _login(_page("tu_danh_gia"), "chibo")
    assert chi_bo.title[0].value == "Tự đánh giá"
    chi_bo.selectbox(key="td_nam").set_value(YEAR).run()
    assert [o for o in chi_bo.selectbox(key="td_don_vi").options] == [f"{_name(sample, UNIT)} ({UNIT})"]
    chi_bo.file_uploader[0].set_value(("cb001.xlsx", _unit_workbook(sample, UNIT, YEAR), "application/xlsx")).run()
    assert not chi_bo.exception, chi_bo.exception[0].value
    assert "Đã đọc tệp cb001.xlsx: 18 đảng viên" in _texts(chi_bo)
    metrics = {m.label: m.value for m in chi_bo.metric}
    assert metrics["Số tiêu chí đạt"].split("/")[1] != "0"
    rank, size = metrics["Thứ hạng trong nhóm"].split("/")
    assert 1 <= int(rank) <= int(size) and int(size) > 1  # ranked among the approved chi bộ of its group
    _button(chi_bo, "Gửi duyệt").click()
    chi_bo.run()
    assert "Đã gửi báo cáo (phiên bản 2)" in _texts(chi_bo), _texts(chi_bo)
    assert _state(db_url) == ("da_gui", 2)

    # the cấp ủy cơ sở sees it waiting, compares the ratings and returns it with a reason
    review = _login(_page("duyet"), "capuy")
    review.selectbox(key="duyet_nam").set_value(YEAR).run()
    assert "Báo cáo chờ duyệt (1)" in [h.value for h in review.subheader]
    own = sample.don_vi_nam[(sample.don_vi_nam["ma_to_chuc"] == UNIT) & (sample.don_vi_nam["nam"] == YEAR)]
    shown = [m.value for m in review.markdown]  # the two ratings side by side, in full (not cut metrics)
    assert f"**{rating_label(str(own['xep_loai'].iloc[0]))}**" in shown
    assert {"Tự xếp loại", "Mức đề xuất (cao nhất được phép)"} <= {c.value for c in review.caption}
    next(b for b in review.button if b.label == "Trả lại để đơn vị sửa").click()
    review.run()
    assert "Trả lại cần ghi lý do" in _texts(review)  # no reason: refused by the library
    review.text_area[0].set_value("Bổ sung số quần chúng được quán triệt.")
    next(b for b in review.button if b.label == "Trả lại để đơn vị sửa").click()
    review.run()
    assert "Đã trả lại báo cáo" in _texts(review)
    assert _state(db_url) == ("tra_lai", 3)

    # the chi bộ sees the reason, fixes a figure on screen and sends again
    chi_bo.run()
    assert "Bổ sung số quần chúng được quán triệt." in _texts(chi_bo)
    box = next(n for n in chi_bo.text_input if n.label.startswith("Số quần chúng được quán triệt"))
    box.input(str(int(box.value or 0) + 1)).run()
    _button(chi_bo, "Gửi duyệt").click()
    chi_bo.run()
    assert _state(db_url) == ("da_gui", 5)  # saved as a new draft (4), then sent (5)

    # approved: the state, the history, and the figures the rankings read
    review.run()
    assert any(e.label.startswith("Thay đổi so với lần gửi trước (phiên bản 2): 1 ô") for e in review.expander)
    changed = next(d.value for d in review.dataframe if "Trước" in d.value.columns)
    before = int(own["so_quan_chung_quan_triet"].iloc[0])
    assert changed[["Cột", "Trước", "Sau"]].values.tolist() == [
        ["Số quần chúng được quán triệt", str(before), str(before + 1)]
    ]
    _button(review, "Duyệt báo cáo").click()
    review.run()
    assert "Đã duyệt báo cáo" in _texts(review)
    assert _state(db_url) == ("da_duyet", 6)
    store = Store(connect(db_url, migrate=False))
    history = store.history(SYSTEM, UNIT, YEAR)
    assert history["trang_thai"].tolist() == ["Nháp", "Đã gửi", "Trả lại", "Nháp", "Đã gửi", "Đã duyệt"]
    assert history["boi"].tolist() == ["chibo", "chibo", "capuy", "chibo", "chibo", "capuy"]
    approved = store.approved(SYSTEM, YEAR)[UNIT]
    store.engine.dispose()
    own = sample.don_vi_nam[(sample.don_vi_nam["ma_to_chuc"] == UNIT) & (sample.don_vi_nam["nam"] == YEAR)]
    fixed = own["so_quan_chung_quan_triet"].iloc[0]
    assert approved["don_vi"]["so_quan_chung_quan_triet"] == int(fixed) + 1


def _name(sample: Dataset, unit: str) -> str:
    return str(sample.to_chuc.loc[sample.to_chuc["ma_to_chuc"] == unit, "ten_to_chuc"].iloc[0])


def test_approved_figures_feed_the_rankings(db_url: str, sample: Dataset) -> None:
    at = _page("dang_nhap")
    _login(at, "capuy")
    at.switch_page("giao_dien/xep_hang.py").run()  # every scoring page reads the database, cut to the scope
    assert not at.exception, at.exception[0].value
    caption = " ".join(c.value for c in at.caption)
    assert "Báo cáo đã duyệt trong cơ sở dữ liệu" in caption
    ranked = at.dataframe[0].value
    assert isinstance(ranked, pd.DataFrame) and len(ranked)
    shown = set(ranked["Mã tổ chức"].astype(str))
    in_scope = set(sample.to_chuc.loc[sample.to_chuc["ma_cap_tren"] == "CS004", "ma_to_chuc"]) | {"CS004"}
    above = set(sample.to_chuc.loc[sample.to_chuc["ma_to_chuc"] == "CS004", "ma_cap_tren"].astype(str))
    assert shown and shown <= in_scope | above  # its units, and the unit-level figures of the level above


def _submit_by_library(url: str, sample: Dataset, sender: str = "chibo") -> None:
    """The chi bộ's report of YEAR, sent by `sender` (as the page would), for the review pages to show."""
    store = Store(connect(url, migrate=False))
    account = store.authenticate(sender, PASSWORD)
    figures = next(s for s in submissions_from_dataset(sample, [YEAR]) if s[0] == UNIT)[2]
    saved = store.save_draft(account, UNIT, YEAR, figures, None)
    store.submit(account, UNIT, YEAR, saved.phien_ban)
    store.engine.dispose()


def test_a_reviewer_who_sent_the_report_is_told_to_find_a_second_person(db_url: str, sample: Dataset) -> None:
    """Four eyes on the page: the cấp ủy sends its chi bộ's report itself, then cannot approve it."""
    _submit_by_library(db_url, sample, "capuy")
    review = _login(_page("duyet"), "capuy")
    review.selectbox(key="duyet_nam").set_value(YEAR).run()
    _button(review, "Duyệt báo cáo").click()
    review.run()
    assert not review.exception, review.exception[0].value
    assert "quy tắc hai người" in _texts(review) and "Đã duyệt báo cáo" not in _texts(review)
    assert _state(db_url) == ("da_gui", 2)


#: per account: the units it may fill on «Tự đánh giá» (None: the page refuses the role), whether
#: «Duyệt» offers it the approve / return buttons, how many units its board lists, and «Quản trị»
UNDER_CS004 = 1 + 9  # CS004 and its chi bộ (checked against the sample below)
MATRIX = {
    "quantri": ("all", True, "all", True),
    "capuy": ("cs004", True, "cs004", False),
    "chibo": ([UNIT], False, 1, False),
    "xem": (None, False, "all", False),
}


@pytest.mark.parametrize("name", list(MATRIX))
def test_what_each_role_sees_and_may_do_on_each_page(db_url: str, sample: Dataset, name: str) -> None:
    _submit_by_library(db_url, sample)
    fills, reviews, board_size, admin = MATRIX[name]
    tree = sample.to_chuc
    cs004 = {"CS004", *tree.loc[tree["ma_cap_tren"] == "CS004", "ma_to_chuc"]}
    expected_units = {"all": set(tree["ma_to_chuc"]), "cs004": cs004}

    at = _login(_page("tu_danh_gia"), name)
    if fills is None:
        assert any("không dùng được trang này" in w.value for w in at.warning)
        assert not at.selectbox.len or all(b.key != "td_don_vi" for b in at.selectbox)
    else:
        units = {o.rsplit("(", 1)[1].rstrip(")") for o in at.selectbox(key="td_don_vi").options}
        assert units == (expected_units[fills] if isinstance(fills, str) else set(fills))

    at.switch_page("giao_dien/duyet.py").run()
    assert not at.exception, at.exception[0].value
    at.selectbox(key="duyet_nam").set_value(YEAR).run()
    board = at.dataframe[0].value
    listed = set(board["Mã"])
    assert listed == (expected_units[board_size] if isinstance(board_size, str) else set(fills or []))
    assert set(board.columns) == {
        "Mã",
        "Tên tổ chức",
        "Cấp",
        "Trạng thái",
        "Tổng điểm",
        "Thứ hạng",
        "Tự xếp loại",
        "Mức cao nhất được phép",
    }  # fmt: skip  (unit-level only: no member data for any role)
    buttons = {b.label for b in at.button}
    assert ("Duyệt báo cáo" in buttons) is reviews
    assert ("Trả lại để đơn vị sửa" in buttons) is reviews
    if reviews:
        assert "Báo cáo chờ duyệt (1)" in [h.value for h in at.subheader]

    at.switch_page("giao_dien/quan_tri.py").run()
    assert not at.exception, at.exception[0].value
    assert (at.title.len > 0 and at.title[0].value == "Quản trị") is admin
    if not admin:
        assert any("không dùng được trang này" in w.value for w in at.warning)


def test_workflow_pages_need_a_login_and_an_idle_session_expires(db_url: str) -> None:
    for page in ("tu_danh_gia", "duyet", "quan_tri"):
        at = _page(page)
        assert _login_link(at), page  # a link to the login page, nothing of the page
        assert not at.selectbox.len or all(b.key not in ("td_don_vi", "duyet_don_vi") for b in at.selectbox)
    with pytest.raises(StoreError, match=r"Sai tên đăng nhập hoặc mật khẩu\."):
        open_test_session("chibo", "sai-mat-khau")
    at = _login(_page("tu_danh_gia"), "chibo")
    assert at.title[0].value == "Tự đánh giá" and any(b.key == "td_don_vi" for b in at.selectbox)
    idle(at)  # idle for 31 minutes
    at.run()
    assert "Phiên đăng nhập đã hết hạn" in _texts(at) and _login_link(at)
    assert all(b.key != "td_don_vi" for b in at.selectbox)


def test_first_run_creates_the_first_admin_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty real database: the page says how to make the first administrator (on the server, with
    the CLI); once made, it logs in."""
    from typer.testing import CliRunner

    from scoring.cli import app

    url = f"sqlite:///{tmp_path / 'moi.db'}"
    monkeypatch.setenv("THIDUA_DB_URL", url)
    at = _page("dang_nhap")
    assert "chưa có tài khoản nào" in _texts(at) and "thidua tai-khoan tao" in _texts(at) and _login_link(at)
    made = CliRunner().invoke(
        app,
        ["tai-khoan", "tao", "bantuyengiao", "--vai-tro", "quan_tri", "--ho-ten", "Ban Tuyên giáo", "--csdl", url],
        env={"THIDUA_MAT_KHAU": "mat-khau-dai"},
    )
    assert made.exit_code == 0 and "Đã tạo tài khoản" in made.output, made.output
    at = _page("dang_nhap")  # a new visitor: no first-run hint, only the login
    assert "chưa có tài khoản nào" not in _texts(at)
    _login(at, "bantuyengiao")
    assert "Đang đăng nhập: Ban Tuyên giáo — Quản trị, Ban Tuyên giáo." in _texts(at)


def test_a_stale_save_on_the_page_is_refused_and_the_edits_stay(db_url: str, sample: Dataset) -> None:
    first, second = (_login(_page("tu_danh_gia"), "chibo") for _ in range(2))
    for at in (first, second):
        at.selectbox(key="td_nam").set_value(YEAR).run()
    first.file_uploader[0].set_value(("cb001.xlsx", _unit_workbook(sample, UNIT, YEAR), "application/xlsx")).run()
    _button(first, "Lưu nháp").click()
    first.run()
    assert _state(db_url) == ("nhap", 1)
    second.run()  # opened before the first save: the page now says the report moved on
    assert "sau khi bạn mở báo cáo (khi đó chưa lưu lần nào)" in _texts(second)
    box = next(n for n in second.text_input if n.label.startswith("Số quần chúng *") or n.label == "Số quần chúng")
    box.input("999").run()
    _button(second, "Lưu nháp").click()
    second.run()
    said = _texts(second)
    assert "lần lưu của bạn sẽ bị từ chối" in said and "Đã lưu nháp" not in said  # one message, not two
    assert _state(db_url) == ("nhap", 1)  # the first save stands
    assert next(n for n in second.text_input if n.label == box.label).value == "999"  # the edit is still there
    _button(second, "Tải lại bản mới nhất (bỏ phần đang sửa)").click()
    second.run()
    own = sample.don_vi_nam[(sample.don_vi_nam["ma_to_chuc"] == UNIT) & (sample.don_vi_nam["nam"] == YEAR)]
    assert next(n for n in second.text_input if n.label == box.label).value == format_number(
        own["so_quan_chung"].iloc[0]
    )


def _quan_chung(at: AppTest) -> Any:
    return next(n for n in at.text_input if n.label == "Số quần chúng")


def test_unsaved_edits_survive_other_pages_years_and_a_timeout(db_url: str, sample: Dataset) -> None:
    at = _login(_page("tu_danh_gia"), "chibo")
    at.selectbox(key="td_nam").set_value(YEAR).run()
    _quan_chung(at).input("55").run()
    at.switch_page("giao_dien/duyet.py").run()  # another page: Streamlit drops the widgets' state
    at.switch_page("giao_dien/tu_danh_gia.py").run()
    assert _quan_chung(at).value == "55"
    at.selectbox(key="td_nam").set_value(YEAR - 1).run()  # another year, and back
    at.selectbox(key="td_nam").set_value(YEAR).run()
    assert _quan_chung(at).value == "55"
    idle(at)
    at.run()
    assert "Phiên đăng nhập đã hết hạn" in _texts(at)
    _login(at, "chibo")  # the same person: the edits are still there, nothing was saved meanwhile
    assert _quan_chung(at).value == "55"
    assert _state_or_none(db_url) is None
    idle(at)
    at.run()
    _login(at, "chibo_khac")  # another person at the same browser never gets them
    at.switch_page("giao_dien/tu_danh_gia.py").run()
    assert f"nhap:{UNIT}:{YEAR}:None" not in at.session_state
    assert at.selectbox(key="td_don_vi").value == "CB002"


def _state_or_none(url: str) -> tuple[str, int] | None:
    store = Store(connect(url, migrate=False))
    found = store.get(SYSTEM, UNIT, YEAR)
    store.engine.dispose()
    return None if found is None else (found.trang_thai, found.phien_ban)


def test_a_late_decision_is_not_applied_elsewhere_and_the_reason_is_given_back(db_url: str, sample: Dataset) -> None:
    _submit_by_library(db_url, sample)
    late, first = (_login(_page("duyet"), name) for name in ("quantri", "capuy"))
    for at in (late, first):
        at.selectbox(key="duyet_nam").set_value(YEAR).run()
    _button(first, "Duyệt báo cáo").click()
    first.run()
    assert _state(db_url) == ("da_duyet", 3)
    late.text_area[0].set_value("Thiếu biên bản họp chi bộ.")
    next(b for b in late.button if b.label == "Trả lại để đơn vị sửa").click()
    late.run()
    assert _state(db_url) == ("da_duyet", 3)  # the approval stands
    said = _texts(late)
    assert "vừa được người khác xử lý" in said and "«Đã duyệt»" in said
    assert "Lý do bạn đã nhập: «Thiếu biên bản họp chi bộ.»" in said

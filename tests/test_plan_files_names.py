"""Hostile names of an uploaded plan or rules file (`scoring.store.plan_files`): checking the text never
writes a file under the uploader's name (a name of «..», with a NUL byte or of 300 characters used to
crash it), `upload` refuses, in Vietnamese, a name that cannot name a stored file and stores nothing,
and accepts any ordinary one (Vietnamese, with spaces, a Windows device name). The Dữ liệu page shows
the refusal, never an error code. SQLite, and PostgreSQL when THIDUA_TEST_PG_URL names a server."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from scoring.plans.bundled import default_plan, rules_folder
from scoring.plans.rating_rules import RulesError
from scoring.store import Store, StoreError, plan_files
from tests import test_store
from tests.apptest_login import _test_sessions  # noqa: F401 (a fixture)
from tests.test_hostile_app import _logged_in, db_url  # noqa: F401 (a fixture)
from tests.test_store import who

store, sqlite_template = test_store.store, test_store.sqlite_template  # the same fixtures, both databases

PLAN = default_plan().read_text(encoding="utf-8") + "\n# bản sửa\n"
BROKEN = "criteria: [1, 2\n"
#: (name, the words of the refusal)
REFUSED = [
    ("..", "không dùng được"),
    (".", "không dùng được"),
    ("a\x00b.yaml", "ký tự điều khiển"),
    ("a\nb.yaml", "ký tự điều khiển"),
    ("\u202elmay.exe.yaml", "ký tự điều khiển"),  # a right-to-left override: a name that reads otherwise
    ("x" * 300 + ".yaml", "quá dài"),
    ("ế" * 84 + ".yaml", "quá dài"),  # 89 characters, 257 bytes
    ("../../etc/passwd.yaml", "dấu «/» hay «\\\\»"),
    ("thu_muc/tep.yaml", "dấu «/» hay «\\\\»"),
    ("C:\\fakepath\\tep.yaml", "dấu «/» hay «\\\\»"),
    ("", "Tên tệp trống"),
    ("   ", "Tên tệp trống"),
]
ACCEPTED = [
    "con.yaml",
    "nul.yml",
    "kế hoạch 2026.yaml",
    "Kế hoạch (bản 2).YAML",
    "x" * 195 + ".yaml",  # 200 characters: the longest the database keeps
    "ế" * 80 + ".yaml",  # 245 bytes
]


def _stored_rows(store: Store) -> int:
    return len(plan_files.history(store))


@pytest.mark.parametrize("name", [n for n, _ in REFUSED if n.strip()] + ACCEPTED)
def test_checking_a_text_names_the_users_file_whatever_its_name(name: str) -> None:
    assert plan_files.check_text("tieu_chi", name, PLAN) == []
    problems = plan_files.check_text("tieu_chi", name, BROKEN)
    assert problems and {p.file for p in problems} == {name}  # the file as the user called it, not a temporary one
    assert plan_files.check_text("quy_dinh", name, BROKEN)[0].file == name


@pytest.mark.parametrize(("name", "said"), REFUSED)
def test_a_name_no_file_may_be_stored_under_is_refused_and_nothing_stored(store: Store, name: str, said: str) -> None:
    before = _stored_rows(store)
    assert plan_files.name_problem(name) is not None
    with pytest.raises(StoreError, match=said) as refused:
        plan_files.upload(store, who("quantri", store), "tieu_chi", name, PLAN.encode())
    message = str(refused.value)
    assert "\x00" not in message and "\n" not in message and len(message) < 250  # quoted safely, cut short
    assert _stored_rows(store) == before
    assert plan_files.active_text(store, "tieu_chi", name) is None


@pytest.mark.parametrize("name", ACCEPTED)
def test_an_ordinary_name_is_stored_and_used(store: Store, name: str) -> None:
    assert plan_files.name_problem(name) is None
    saved = plan_files.upload(store, who("quantri", store), "tieu_chi", name, PLAN.encode())
    assert (saved.ten, saved.phien_ban, saved.dang_dung) == (name, 1, True)
    assert plan_files.active_text(store, "tieu_chi", name) == PLAN
    plans = {f.ten: criteria for f, criteria in plan_files.active_plans(store)}
    assert plans[name].criteria  # loaded from the database under its own name


def test_a_rules_file_with_a_vietnamese_name_is_read_under_that_name(store: Store) -> None:
    text = (rules_folder() / "qd366_2025.yaml").read_text(encoding="utf-8")
    text = text.replace("title: Đánh giá, xếp loại", "title: (Sửa) Đánh giá, xếp loại", 1)
    plan_files.upload(store, who("quantri", store), "quy_dinh", "quy định 2025.yaml", text.encode())
    with pytest.raises(RulesError) as several:  # in force from 2025, as the bundled QĐ 366: both named
        plan_files.rules_in_use(store, 2025)
    assert re.search(r"nhiều quy định: qd366_2025\.yaml \(.+\), quy định 2025\.yaml \(", str(several.value))


def test_only_an_admin_hears_why_a_name_is_refused(store: Store) -> None:
    from scoring.store import PermissionDenied

    with pytest.raises(PermissionDenied, match="chỉ quản trị"):  # the role first, whatever the name
        plan_files.upload(store, who("chibo_a", store), "tieu_chi", "..", PLAN.encode())


def _upload_plan(at: AppTest, name: str, content: bytes) -> AppTest:
    _, plan_box = at.file_uploader
    plan_box.set_value((name, content, "text/yaml"))
    at.run()
    assert not at.exception, at.exception
    return at


#: the names Streamlit's uploader lets through to the page (it refuses a NUL byte and a name without .yaml/.yml)
PAGE_NAMES = [
    ("../../etc/passwd.yaml", "không được chứa dấu"),
    ("x" * 300 + ".yaml", "quá dài"),
    ("a\nb.yaml", "ký tự điều khiển"),
]


@pytest.mark.parametrize(("name", "said"), PAGE_NAMES)
def test_the_data_page_says_why_a_name_is_refused(db_url: str, name: str, said: str) -> None:  # noqa: F811
    at = _upload_plan(_logged_in("du_lieu", "quantri"), name, PLAN.encode())
    errors = "\n".join(e.value for e in at.error)
    assert said in errors and "Chưa lưu gì" in errors and "Mã lỗi" not in errors
    assert not any(b.label == "Lưu phiên bản mới" for b in at.button)  # nothing to store

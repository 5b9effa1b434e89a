"""The plan and rules files in use come from the database (`scoring.store.plan_files`): a new version of a
plan uploaded is offered by the pages' plan picker and scores the figures; a rules file uploaded is the one
an assessment of the workflow checks ratings by. SQLite, and PostgreSQL when THIDUA_TEST_PG_URL names a
server (the fixtures of tests/test_store.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from scoring import Dataset, score
from scoring.outputs.views import board, cap_tren_choices
from scoring.plans.bundled import default_plan, rules_folder
from scoring.store import Store, connect, plan_files
from scoring.store.accounts import SYSTEM
from tests import test_store
from tests.conftest import ROOT
from tests.test_store import payload, who

store, sqlite_template = test_store.store, test_store.sqlite_template  # the same fixtures, both databases

OLD_TITLE = "Hoàn thành 100% số cuộc kiểm tra, giám sát theo kế hoạch"
NEW_TITLE = "Hoàn thành ít nhất một nửa số cuộc kiểm tra, giám sát theo kế hoạch (bản sửa)"


def _edited_plan() -> bytes:
    """The Hai chân – Ba mũi plan with a new title, one criterion retitled."""
    text = default_plan().read_text(encoding="utf-8")
    assert text.count(OLD_TITLE) >= 1
    text = text.replace(f'title: "{OLD_TITLE}"', f'title: "{NEW_TITLE}"', 1)
    text = text.replace("title: Thi đua xây dựng", "title: (Sửa) Thi đua xây dựng", 1)
    return text.encode()


def _edited_rules() -> bytes:
    path = rules_folder() / "qd366_2025.yaml"
    text = path.read_text(encoding="utf-8").replace("title: Đánh giá, xếp loại", "title: (Sửa) Đánh giá, xếp loại", 1)
    return text.encode()


def test_a_new_plan_version_is_offered_and_scores(store: Store, sample: Dataset) -> None:
    bundled = {name: criteria for name, criteria in ((s.ten, c) for s, c in plan_files.active_plans(store))}
    assert bundled[default_plan().name].title.startswith("Thi đua")
    plan_files.upload(store, who("quantri", store), "tieu_chi", default_plan().name, _edited_plan())
    plans = {stored.ten: (stored, criteria) for stored, criteria in plan_files.active_plans(store)}
    stored, criteria = plans[default_plan().name]
    assert stored.phien_ban == 2 and criteria.title.startswith("(Sửa)")
    assert Path(criteria.path).name == default_plan().name and criteria.path != bundled[default_plan().name].path
    assert score(sample, criteria, 2025).criteria is criteria
    assert any(c.title == NEW_TITLE for c in criteria.criteria)
    assert plan_files.plan_from_text(default_plan().name, _edited_plan().decode()) is criteria  # cached


def test_an_uploaded_rules_file_is_the_one_an_assessment_uses(store: Store) -> None:
    from scoring import load_criteria
    from scoring.store.workflow import assess, overview

    criteria = load_criteria(default_plan())
    admin = who("quantri", store)
    store.import_approved(admin, [(u, 2025, payload(u)) for u in ("K", "D", "D2", "A")])
    chi_bo = who("chibo_d1", store)
    before = assess(store, chi_bo, "D1", 2025, payload("D1"), criteria)
    assert before.rating["quy_dinh"].startswith("Đánh giá, xếp loại")  # the bundled file, seeded or not
    plan_files.upload(store, admin, "quy_dinh", "qd366_2025.yaml", _edited_rules())
    after = assess(store, chi_bo, "D1", 2025, payload("D1"), criteria)
    assert after.rating["quy_dinh"].startswith("(Sửa) Đánh giá, xếp loại")
    assert after.rating["tu_danh_gia"] == "HTTNV"
    assert plan_files.rules_in_use(store, 2025).title.startswith("(Sửa)")
    assert Path(plan_files.rules_in_use(store, 2025).path).name == "qd366_2025.yaml"
    assert not plan_files.rules_in_use(store, 2023).title.startswith("(Sửa)")  # the other years' files
    board_ = overview(store, who("xem", store), 2025, criteria)
    assert board_.set_index("Mã").loc["A", "Tự xếp loại"] == "HTTNV"


# --- the pages ----------------------------------------------------------------------------------------


@pytest.fixture
def demo_database(tmp_path: Path, sample: Dataset) -> Iterator[str]:
    """The sample in a database (every year approved), opened as the demo."""
    from giao_dien import access
    from scoring.store.workflow import submissions_from_dataset

    url = f"sqlite:///{tmp_path / 'thidua.db'}"
    engine = connect(url)
    db = Store(engine)
    db.import_tree(SYSTEM, sample.to_chuc.astype(object))
    db.import_approved(SYSTEM, submissions_from_dataset(sample))
    engine.dispose()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("THIDUA_DB_URL", url)
        patch.setattr(access, "is_demo", lambda: True)
        yield url


def test_the_picker_offers_the_uploaded_version_and_the_board_scores_by_it(demo_database: str, sample: Dataset) -> None:
    at = AppTest.from_file(str(ROOT / "ung_dung.py"), default_timeout=180).run()
    assert not at.exception, at.exception
    picker = next(box for box in at.sidebar.selectbox if box.label == "Kế hoạch thi đua")
    assert picker.value == default_plan().name  # the Hai chân – Ba mũi plan is the default
    assert picker.options[0].startswith("Thi đua") and picker.options[0].endswith("(bản 1)")
    engine = connect(demo_database)
    db = Store(engine)
    db.create_account(SYSTEM, "quantri", "mat-khau-dai", "quan_tri", None)
    plan_files.upload(db, who("quantri", db), "tieu_chi", default_plan().name, _edited_plan())
    criteria = dict((s.ten, c) for s, c in plan_files.active_plans(db))[default_plan().name]
    engine.dispose()
    at.run()
    assert not at.exception, at.exception
    picker = next(box for box in at.sidebar.selectbox if box.label == "Kế hoạch thi đua")
    assert picker.value == default_plan().name
    assert any(o.startswith("(Sửa) Thi đua") and o.endswith("(bản 2)") for o in picker.options)
    top = next(iter(cap_tren_choices(sample)))
    expected = board(score(sample, criteria, 2025), score(sample, criteria, 2024), top)
    shown = at.dataframe[0].value
    assert shown["Mã tiêu chí"].tolist() == expected["Mã tiêu chí"].tolist()
    assert shown["Kết quả"].tolist() == expected["Kết quả"].tolist()
    assert isinstance(shown, pd.DataFrame) and NEW_TITLE in shown.astype(str).to_numpy()

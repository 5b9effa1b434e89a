"""Every page of the app renders on the sample and shows what the library computes (AppTest)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from scoring import Dataset, load_criteria, score
from scoring.domain.numbers import format_points
from scoring.outputs.display import criterion_screen
from scoring.outputs.results import criteria_table
from scoring.outputs.views import board, cap_tren_choices, org_ranking, scorecard, what_if, with_change
from tests.conftest import ROOT

CRITERIA = load_criteria(ROOT / "criteria" / "hai_chan_ba_mui.yaml")


def _year_box(at: AppTest) -> Any:
    """The sidebar's «Năm» select box (the plan picker comes first)."""
    return next(box for box in at.sidebar.selectbox if box.label == "Năm")


Tasks = dict[tuple[str, str], list[dict[str, str]]]


def _tasks(raw: pd.DataFrame) -> Tasks:
    """The Nhiệm vụ rows of the sample's file by (unit, year), in the file's order, blank cells left out."""
    tasks: Tasks = {}
    for row in raw.to_dict("records"):
        key = (row.pop("ma_to_chuc"), row.pop("nam"))
        tasks.setdefault(key, []).append({k: v for k, v in row.items() if isinstance(v, str)})
    return tasks


def _with_tasks(tasks: Tasks, submission: tuple[str, int, dict[str, Any]]) -> tuple[str, int, dict[str, Any]]:
    """A report with the unit's Nhiệm vụ rows of the year as the sample's file writes them (the plans
    scored by tasks read them)."""
    unit, year, data = submission
    rows = tasks.get((unit, str(year)), [])
    return unit, year, {**data, "nhiem_vu": rows} if rows else data


@pytest.fixture(scope="module", autouse=True)
def demo_database(tmp_path_factory: pytest.TempPathFactory, sample: Dataset) -> Iterator[str]:
    """The pages read the database: one filled from the sample (tree, every year approved), opened
    as the demo (an anonymous visitor sees everything, as in the demo the app makes itself)."""
    from giao_dien import access
    from scoring.store import Store, connect
    from scoring.store.accounts import SYSTEM
    from scoring.store.workflow import submissions_from_dataset

    url = f"sqlite:///{tmp_path_factory.mktemp('csdl') / 'thidua.db'}"
    engine = connect(url)
    store = Store(engine)
    store.import_tree(SYSTEM, sample.to_chuc.astype(object))
    raw = pd.read_csv(ROOT / "data" / "mau" / "nhiem_vu.csv", dtype=str)
    tasks = _tasks(raw)
    store.import_approved(SYSTEM, [_with_tasks(tasks, s) for s in submissions_from_dataset(sample)])
    engine.dispose()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("THIDUA_DB_URL", url)
        patch.setattr(access, "is_demo", lambda: True)  # the database is the test's, the mode the demo's
        yield url


@pytest.fixture(scope="module")
def app(demo_database: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "ung_dung.py"), default_timeout=180).run()
    assert not at.exception
    return at


def _open(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"giao_dien/{page}.py").run()
    assert not at.exception, at.exception[0].value
    return at


def test_overview_board_is_the_library_board(sample: Dataset) -> None:
    at = AppTest.from_file(str(ROOT / "ung_dung.py"), default_timeout=180).run()  # Tổng quan is the default page
    assert not at.exception
    assert at.title[0].value == "Tổng quan"
    assert any(h.value.endswith("lộ trình kéo giảm 2%/năm") for h in at.subheader)  # the plan's target
    top = next(iter(cap_tren_choices(sample)))
    expected = board(score(sample, CRITERIA, 2025), score(sample, CRITERIA, 2024), top)
    shown = at.dataframe[0].value
    assert shown["Mã tiêu chí"].tolist() == expected["Mã tiêu chí"].tolist()
    assert shown["Kết quả"].tolist() == expected["Kết quả"].tolist()
    assert (
        shown["Thay đổi so với năm trước"].round(9).tolist() == expected["Thay đổi so với năm trước"].round(9).tolist()
    )
    _year_box(at).select(2023).run()
    assert not at.exception
    earlier = board(score(sample, CRITERIA, 2023), score(sample, CRITERIA, 2022), top)
    assert at.dataframe[0].value["Giá trị"].tolist() == earlier["Giá trị"].tolist()
    _year_box(at).select(2025).run()


def test_ranking_filters_and_search_ignore_diacritics(app: AppTest, sample: Dataset) -> None:
    at = _open(app, "xep_hang")
    result = score(sample, CRITERIA, 2025)
    at.main.selectbox[0].select("chi_bo_truc_thuoc").run()
    shown = at.dataframe[0].value
    assert shown["Mã tổ chức"].tolist() == org_ranking(result, "chi_bo_truc_thuoc")["Mã tổ chức"].tolist()
    name = str(shown["Tên tổ chức"].iloc[0])
    at.text_input[0].set_value(name.upper().replace("Ộ", "O").replace("ộ", "o")).run()
    found = at.dataframe[0].value
    assert 0 < len(found) < len(shown)
    assert name in set(found["Tên tổ chức"])
    assert all(link.startswith("don_vi?ma=") for link in found["Phiếu điểm"])
    at.text_input[0].set_value("").run()
    at.radio[0].set_value("Đảng viên").run()
    assert not at.exception
    assert "Họ và tên" in at.dataframe[0].value.columns
    at.radio[0].set_value("Tổ chức đảng").run()


def test_scorecard_by_deep_link_shows_every_criterion(sample: Dataset) -> None:
    result = score(sample, CRITERIA, 2025)
    ma = str(result.xep_hang_to_chuc[result.xep_hang_to_chuc["cap"] == "chi_bo_truc_thuoc"]["ma_to_chuc"].iloc[0])
    at = AppTest.from_file(str(ROOT / "ung_dung.py"), default_timeout=180)
    at.query_params["ma"] = ma
    at.run()
    at = _open(at, "don_vi")
    expected = scorecard(result, ma)
    card = at.dataframe[0].value
    assert card["Mã tiêu chí"].tolist() == expected["Mã tiêu chí"].tolist()  # kept in the frame, hidden on screen
    assert card["Giải thích"].tolist() == criterion_screen(expected).frame["Giải thích"].tolist()
    total = result.xep_hang_to_chuc.set_index("ma_to_chuc").loc[ma, "tong_diem"]
    total = total.iloc[0] if hasattr(total, "iloc") else total
    assert at.metric[0].value == format_points(float(total))
    assert len(at.dataframe) == 4  # scorecard, gaps, history, members below


def test_data_page_offers_the_template(app: AppTest) -> None:
    at = _open(app, "du_lieu")
    assert at.title[0].value == "Dữ liệu"
    assert any("mau_nhap_lieu" in str(b.proto.url) or "mẫu" in b.label.lower() for b in at.get("download_button"))


def test_criteria_page_and_what_if(app: AppTest, sample: Dataset) -> None:
    at = _open(app, "tieu_chi")
    assert at.dataframe[0].value["Mã tiêu chí"].tolist() == criteria_table(CRITERIA)["Mã tiêu chí"].tolist()
    chosen = "mui1.chi_bo_dv_htt_96"
    at.main.selectbox[0].select(chosen).run()
    at.text_input[0].set_value("≥ 90%").run()
    assert not at.exception
    changed = with_change(CRITERIA, chosen, "≥ 90%", None)
    expected = what_if(score(sample, CRITERIA, 2025), score(sample, changed, 2025), chosen)
    shown = at.dataframe[1].value
    assert len(expected) > 0
    assert shown["Mã"].tolist() == expected["Mã"].tolist()
    said = " ".join(m.value for m in at.markdown)
    assert f"{len(expected)} đơn vị, đảng viên thay đổi kết quả, tổng điểm hoặc thứ hạng." in said
    assert set(shown["Kết quả sau"]) <= {"Đạt", "Chưa đạt", "Không đủ dữ liệu", "Không áp dụng"}
    named = zip(shown["Mã"], shown["Đơn vị, đảng viên"], strict=True)
    assert all(both.startswith(f"{ma} — ") for ma, both in named)  # «Mã — Tên», not the bare id
    at.text_input[0].set_value("không phải chỉ tiêu").run()
    assert at.error and "không dùng được" in at.error[0].value and "không hiểu chỉ tiêu" in at.error[0].value
    at.text_input[0].set_value("≥ 120%").run()  # a share above 100%: refused, never scored
    assert at.error and "0% đến 100%" in at.error[0].value
    at.text_input[0].set_value("≥ 90%").run()
    at.text_input[1].set_value("mười").run()  # points are a number the Vietnamese way, from 0
    assert at.error and "Điểm «mười» không dùng được" in at.error[0].value
    at.text_input[1].set_value("8,5").run()
    assert not at.error and not at.exception


def test_awards_page_shows_the_library_shortlist(app: AppTest, sample: Dataset) -> None:
    from scoring.engine import score
    from scoring.engine.awards import shortlist
    from scoring.engine.rating_report import rating_report
    from scoring.outputs.rating_views import over_quota

    at = _open(app, "khen_thuong")
    year = int(_year_box(at).value)
    assert at.title[0].value == f"Khen thưởng và kiểm tra xếp loại năm {year}"
    report = rating_report(sample, year)
    findings = [d.value for d in at.dataframe if "Căn cứ" in d.value.columns]
    if report.ratings.findings.empty:
        assert not findings and "Mọi xếp loại đã nhập đều nằm trong mức quy định" in at.success[0].value
    else:
        assert len(findings[0]) == len(report.ratings.findings)
    over, groups = over_quota(report.member_quota)
    assert any(m.label.startswith("TCCSĐ vượt tỷ lệ") and m.value == f"{over}/{groups}" for m in at.metric)
    for frame in at.dataframe:  # a reader's headers, never the engine's column ids
        assert not [c for c in frame.value.columns if "_" in str(c)], list(frame.value.columns)
    listed = shortlist(sample, score(sample, CRITERIA, year), report.ratings)
    labels = [e.label for e in at.expander]
    for award in listed.awards:
        picked = int((listed.proposed["khen_thuong"] == award.id).sum())
        assert any(label.startswith(f"{award.title}: {picked} đề nghị") for label in labels)
    assert {b.label for b in at.get("download_button")} >= {
        "Tải kết quả kiểm tra (Excel)", "Tải danh sách (Excel)", "Tải danh sách (Word)", "Tải sơ kết (Excel)",
        "Tải sơ kết (Word)",
    }  # fmt: skip


def test_plan_picker_scores_the_sample_by_another_plan(sample: Dataset) -> None:
    """Choosing «Kết luận 21» in the sidebar: the board lists that plan's criteria with the library's
    values for the year; the award page says the plan has no awards section."""
    at = AppTest.from_file(str(ROOT / "ung_dung.py"), default_timeout=180).run()
    plan = ROOT / "criteria" / "kl21_dang_uy_khoi.yaml"
    picker = next(box for box in at.sidebar.selectbox if box.label == "Kế hoạch thi đua")
    picker.select(plan.name).run()
    _year_box(at).select(2022).run()
    assert not at.exception, at.exception
    criteria = load_criteria(plan)
    top = next(iter(cap_tren_choices(sample)))
    expected = board(score(sample, criteria, 2022), score(sample, criteria, 2021), top)
    shown = at.dataframe[0].value
    assert shown["Mã tiêu chí"].tolist() == expected["Mã tiêu chí"].tolist()
    assert shown["Kết quả"].tolist() == expected["Kết quả"].tolist()
    assert "nhiem_vu.nv01" in shown["Mã tiêu chí"].tolist()
    assert any("không có chỉ tiêu kéo giảm tỷ lệ đảng viên vi phạm" in i.value for i in at.info)
    at.switch_page("giao_dien/khen_thuong.py").run()
    assert not at.exception
    assert any("không có mục «awards»" in i.value for i in at.info)

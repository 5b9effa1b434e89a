"""The app opens on the bundled sample with no setup and shows the library's figures."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from scoring import Dataset, load_criteria, score
from scoring.overview import organisations_by_level, target_board
from tests.conftest import ROOT


def test_app_renders_the_sample(sample: Dataset) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert "Dữ liệu hợp lệ" in at.success[0].value
    shown = at.dataframe[1].value
    assert shown["Số tổ chức"].tolist() == organisations_by_level(sample)["Số tổ chức"].tolist()


def test_app_shows_the_library_target_board(sample: Dataset) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    shown = at.dataframe[0].value
    expected = target_board(score(sample, load_criteria(ROOT / "criteria" / "hai_chan_ba_mui.yaml"), 2025))
    assert shown["Mã tiêu chí"].tolist() == expected["Mã tiêu chí"].tolist()
    assert shown["Kết quả"].tolist() == expected["Kết quả"].tolist()
    at.selectbox[0].select(2023).run()
    assert not at.exception
    earlier = target_board(score(sample, load_criteria(ROOT / "criteria" / "hai_chan_ba_mui.yaml"), 2023))
    assert at.dataframe[0].value["Giá trị"].tolist() == earlier["Giá trị"].tolist()

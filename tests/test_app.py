"""The app opens on the bundled sample with no setup and shows the library's figures."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from scoring import Dataset
from scoring.overview import organisations_by_level
from tests.conftest import ROOT


def test_app_renders_the_sample(sample: Dataset) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert "Dữ liệu hợp lệ" in at.success[0].value
    shown = at.dataframe[0].value
    assert shown["Số tổ chức"].tolist() == organisations_by_level(sample)["Số tổ chức"].tolist()

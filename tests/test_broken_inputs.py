"""Every folder under tests/broken holds one kind of error; its expect.yaml says where it must be reported."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from scoring import validate_dataset
from scoring.cli import app
from tests.conftest import BROKEN

CASES = sorted(p for p in BROKEN.iterdir() if p.is_dir())


def _expected(case: Path) -> list[dict[str, object]]:
    return yaml.safe_load((case / "expect.yaml").read_text(encoding="utf-8"))["errors"]


def test_there_is_a_case_per_error_kind() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_error_is_reported_where_the_user_sees_it(case: Path) -> None:
    dataset, report = validate_dataset(case)
    assert dataset is None
    errors = report.errors
    for want in _expected(case):
        match = errors["van_de"].str.contains(str(want["van_de"]), regex=False)
        if "tep" in want:
            match &= errors["tep"].map(lambda f, w=want: Path(f).name == w["tep"])
        if "dong" in want:
            match &= errors["dong"] == want["dong"]
        if "cot" in want:  # as the file heads the column, or as the template titles it
            match &= errors["cot"] == want["cot"]
        if "ma_cot" in want:  # the column's code, for tools reading the report
            match &= errors["ma_cot"] == want["ma_cot"]
        if "gia_tri" in want:
            match &= errors["gia_tri"] == want["gia_tri"]
        assert match.any(), f"{case.name}: no error like {want}\n{report.to_text()}"


#: words of English error messages (Arrow's, openpyxl's, pandera's, the system's) that must never reach a user
ENGLISH = re.compile(r"\b(?:could|error|expected|column|columns|rows?|file|invalid|failed|unable|header|block)\b", re.I)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_messages_and_columns_are_vietnamese(case: Path) -> None:
    """No English and no column code in what a person reads: «Cột» names the column as the file or the
    template does (a file headed with codes gets the template's titles)."""
    _, report = validate_dataset(case)
    shown = report.display_table()
    assert not shown["Vấn đề"].str.contains(ENGLISH).any(), report.to_text()
    assert not shown["Cột"].str.fullmatch(r"[a-z0-9_]+").any(), report.to_text()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cli_exits_1_and_names_file_row_and_column(case: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(case)])
    assert result.exit_code == 1, result.output
    assert "Dữ liệu có lỗi" in result.output
    for want in _expected(case):
        assert str(want["van_de"]) in result.output
        if "tep" in want:
            assert str(want["tep"]) in result.output
        if "cot" in want:
            assert str(want["cot"]) in result.output
        if "dong" in want:
            lines = [ln for ln in result.output.splitlines() if str(want["van_de"]) in ln]
            assert any(f" {want['dong']} " in ln and str(want.get("cot", "")) in ln for ln in lines), lines

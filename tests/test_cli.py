"""`thidua validate`, `thidua sinh-du-lieu`, `thidua mau-nhap-lieu`: exit codes and outputs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from scoring import load_dataset
from scoring.cli import app, parse_years
from scoring.outputs import writers
from tests.conftest import SAMPLE, VALID

runner = CliRunner()


def test_validate_sample_exits_0() -> None:
    result = runner.invoke(app, ["validate", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "Dữ liệu hợp lệ" in result.output


def test_validate_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "khong_co")])
    assert result.exit_code == 2
    assert "không tìm thấy" in result.output


def test_validate_writes_the_full_report(tmp_path: Path) -> None:
    out = tmp_path / "bao_cao.csv"
    result = runner.invoke(app, ["validate", str(VALID.parent.parent / "broken" / "so_am"), "--xuat", str(out)])
    assert result.exit_code == 1
    report = pd.read_csv(out, encoding="utf-8-sig")
    assert list(report.columns) == ["Mức độ", "Tệp", "Trang tính", "Dòng", "Cột", "Giá trị", "Vấn đề", "Mã cột"]
    assert (report["Dòng"] == 6).any()
    # «Cột» as a person reads it (the file heads it with the code so_quan_chung); «Mã cột» for tools
    assert report.loc[report["Dòng"] == 6, ["Cột", "Mã cột"]].values.tolist() == [["Số quần chúng", "so_quan_chung"]]


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("2021-2025", [2021, 2022, 2023, 2024, 2025]),
        ("2024", [2024]),
        ("2023,2021", [2021, 2023]),
        ("2021 – 2022", [2021, 2022]),
    ],
)
def test_parse_years(text: str, years: list[int]) -> None:
    assert parse_years(text) == years


@pytest.mark.parametrize(
    "args", [["--nam", "2025-2021"], ["--nam", "năm ngoái"], ["--dinh-dang", "docx"], ["--so-dang-vien", "5"]]
)
def test_sinh_du_lieu_rejects_unusable_arguments(tmp_path: Path, args: list[str]) -> None:
    result = runner.invoke(app, ["sinh-du-lieu", str(tmp_path / "out"), *args])
    assert result.exit_code == 2, result.output
    assert "Lỗi tham số" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_sinh_du_lieu_writes_a_valid_dataset(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["sinh-du-lieu", str(out), "--so-dang-vien", "500", "--nam", "2024-2025", "--dinh-dang", fmt]
    )
    assert result.exit_code == 0, result.output
    data = load_dataset(out)
    assert data.years == [2024, 2025]
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0


def test_sinh_du_lieu_never_overwrites(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "cua_toi.txt").write_text("giữ nguyên", encoding="utf-8")
    result = runner.invoke(app, ["sinh-du-lieu", str(out)])
    assert result.exit_code == 2
    assert sorted(p.name for p in out.iterdir()) == ["cua_toi.txt"]


def test_failed_write_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writers, "EXCEL_MAX_ROWS", 100)
    result = runner.invoke(app, ["sinh-du-lieu", str(tmp_path / "out"), "--so-dang-vien", "500", "--dinh-dang", "xlsx"])
    assert result.exit_code == 2
    assert "csv hoặc parquet" in result.output
    assert list(tmp_path.iterdir()) == []

    def boom(*_: object, **__: object) -> None:
        raise OSError("đĩa đầy")

    monkeypatch.setattr(writers.pq, "write_table", boom)
    with pytest.raises(OSError, match="đĩa đầy"):
        writers.write_tables({"to_chuc": pd.DataFrame({"a": [1]})}, tmp_path / "out", "parquet")
    assert list(tmp_path.iterdir()) == []


def test_same_seed_same_data(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert (
            runner.invoke(app, ["sinh-du-lieu", str(tmp_path / name), "--so-dang-vien", "300", "--seed", "5"]).exit_code
            == 0
        )
    for table in ("to_chuc", "dang_vien", "don_vi_nam"):
        assert (tmp_path / "a" / f"{table}.csv").read_bytes() == (tmp_path / "b" / f"{table}.csv").read_bytes()


def test_mau_nhap_lieu_command(tmp_path: Path) -> None:
    result = runner.invoke(app, ["mau-nhap-lieu", str(tmp_path / "mau.xlsx")])
    assert result.exit_code == 0
    assert (tmp_path / "mau.xlsx").stat().st_size > 5000
    assert runner.invoke(app, ["mau-nhap-lieu", str(tmp_path / "mau.txt")]).exit_code == 2


def test_sinh_du_lieu_without_dang_bo_bo_phan(tmp_path: Path) -> None:
    args = [
        "sinh-du-lieu",
        str(tmp_path / "out"),
        "--so-dang-vien",
        "20000",
        "--nam",
        "2025",
        "--khong-dang-bo-bo-phan",
    ]
    assert runner.invoke(app, args).exit_code == 0
    levels = set(load_dataset(tmp_path / "out").to_chuc["cap"])
    assert "dang_bo_bo_phan" not in levels
    assert "chi_bo_truc_thuoc" in levels


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", str(SAMPLE / "to_chuc.csv")], "một thư mục chứa"),
        (["validate", "__XLS__"], "lưu lại dạng .xlsx"),
        (["validate", str(SAMPLE), "--xuat", "khong_co_thu_muc/bao_cao.csv"], "không tồn tại"),
        (["validate", str(SAMPLE), "--so-dong", "0"], ""),
        (["sinh-du-lieu", "__OUT__", "--nam", "1900-1901"], "1930–2100"),
    ],
)
def test_unusable_arguments_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    old = tmp_path / "cu.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    args = [str(old) if a == "__XLS__" else str(tmp_path / "out") if a == "__OUT__" else a for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_check_reads_a_rating_rules_file_as_one(tmp_path: Path) -> None:
    bundled = Path(__file__).resolve().parents[1] / "criteria" / "quy_dinh" / "qd366_2025.yaml"
    result = runner.invoke(app, ["tieu-chi", "kiem-tra", str(bundled)])
    assert result.exit_code == 0, result.output
    assert "Tệp quy định xếp loại hợp lệ" in result.output and "chuyển cấp có thẩm quyền xem xét: 1" in result.output
    broken = tmp_path / "sai.yaml"
    broken.write_text(bundled.read_text(encoding="utf-8").replace("rank: 2", "rank: 0", 1), encoding="utf-8")
    result = runner.invoke(app, ["tieu-chi", "kiem-tra", str(broken)])
    assert result.exit_code == 1 and "rank" in result.output

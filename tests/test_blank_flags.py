"""One rule for a yes/no (có/không) cell, whatever carries it, as the template's guide says: a blank cell of a
column the data has is «Không» — even when the whole column is blank (said in a warning); only a column the
data does not have is «not collected» (its criteria: «không đủ dữ liệu»). The same in CSV, XLSX, Parquet, an
in-memory table and the self-assessment form on screen."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from scoring import load_criteria, score, validate_dataset
from scoring.input.dataset import dataset_from_frames
from scoring.input.schema import UNIT_FIELDS, Kind
from scoring.outputs.workflow_views import read_unit
from scoring.outputs.writers import write_tables
from tests.conftest import ROOT, VALID

FORMATS = ["csv", "xlsx", "parquet", "bo_nho"]
#: (name, what the vi_pham_don_vi cells hold, the values read, the warning's words or None)
SITUATIONS = [
    ("cả cột để trống", [None, None, None], [False, False, False], "để trống toàn bộ: hiểu là «Không» cho mọi dòng"),
    ("chỉ đánh dấu dòng có", ["x", None, None], [True, False, False], None),
    ("ghi đủ có và không", ["có", "không", "0"], [True, False, False], None),
    ("không có cột", "thiếu", [None, None, None], None),
]


def _tables(flags: list[str | None] | str) -> dict[str, pd.DataFrame]:
    tables = {name: pd.read_csv(VALID / f"{name}.csv", dtype=str) for name in ("to_chuc", "dang_vien", "don_vi_nam")}
    units = tables["don_vi_nam"].head(3).copy()
    if flags == "thiếu":
        units = units.drop(columns="vi_pham_don_vi")
    else:
        units["vi_pham_don_vi"] = pd.Series(flags, dtype=object).to_numpy()
    tables["don_vi_nam"] = units
    return tables


def _read(tables: dict[str, pd.DataFrame], fmt: str, folder: Path) -> tuple[pd.Series, pd.DataFrame]:
    if fmt == "bo_nho":
        data, report = dataset_from_frames(tables, source="bảng")
    else:
        written = {n: pa.Table.from_pandas(f, preserve_index=False) for n, f in tables.items()}
        write_tables(written, folder, fmt)  # type: ignore[arg-type]
        data, report = validate_dataset(folder / "du_lieu.xlsx" if fmt == "xlsx" else folder)
    assert data is not None, report.to_text()
    return data.don_vi_nam["vi_pham_don_vi"], report.warnings


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("situation", "cells", "read", "warned"), SITUATIONS, ids=[s[0] for s in SITUATIONS])
def test_a_blank_yes_no_cell_means_the_same_in_every_format(
    tmp_path: Path, fmt: str, situation: str, cells: list[str | None] | str, read: list[bool | None], warned: str | None
) -> None:
    values, warnings = _read(_tables(cells), fmt, tmp_path / "du_lieu")
    assert [None if pd.isna(v) else bool(v) for v in values] == read, situation
    about = warnings[warnings["ma_cot"] == "vi_pham_don_vi"]["van_de"]
    if warned is None:
        assert about.empty, about.tolist()
    else:
        [said] = about
        assert warned in said and "Nếu chưa thu thập số liệu này thì xóa cột khỏi tệp" in said
        assert warnings.loc[about.index[0], "cot"] == "Có vi phạm trong cơ quan, đơn vị"  # never the code


def test_a_required_yes_no_column_blank_throughout_is_no_without_the_advice_to_remove_it() -> None:
    tables = _tables([None, None, None])
    tables["dang_vien"]["vi_pham"] = None
    data, report = dataset_from_frames(tables)
    assert data is not None and not data.dang_vien["vi_pham"].any() and data.dang_vien["vi_pham"].notna().all()
    [said] = report.warnings[report.warnings["ma_cot"] == "vi_pham"]["van_de"]
    assert said == "Cột «Vi phạm» để trống toàn bộ: hiểu là «Không» cho mọi dòng."  # a required column stays


def test_a_column_blank_throughout_one_year_is_said_for_that_year() -> None:
    tables = _tables(["x", None, None])
    later = tables["don_vi_nam"].assign(nam="2025", vi_pham_don_vi=None)
    tables["don_vi_nam"] = pd.concat([tables["don_vi_nam"], later], ignore_index=True)
    data, report = dataset_from_frames(tables)
    assert data is not None
    assert data.don_vi_nam.groupby("nam")["vi_pham_don_vi"].sum().to_dict() == {2024: 1, 2025: 0}
    [said] = report.warnings[report.warnings["ma_cot"] == "vi_pham_don_vi"]["van_de"]
    assert said == (
        "Cột «Có vi phạm trong cơ quan, đơn vị» để trống ở mọi dòng của năm 2025: hiểu là «Không» cho các dòng đó."
    )


def test_a_criterion_on_a_blank_column_is_judged_and_on_an_absent_column_has_too_little_data() -> None:
    """«Không để xảy ra vi phạm» over TCCSĐ: a column kept blank says «no violation» (met); a column the file
    lacks is not collected (neither met nor failed)."""
    criteria = load_criteria(ROOT / "criteria" / "hai_chan_ba_mui.yaml")
    met = {}
    for situation in ("trống", "thiếu"):  # hop_le's column is blank on every row
        tables = {n: pd.read_csv(VALID / f"{n}.csv", dtype=str) for n in ("to_chuc", "dang_vien", "don_vi_nam")}
        if situation == "thiếu":
            tables["don_vi_nam"] = tables["don_vi_nam"].drop(columns="vi_pham_don_vi")
        data, report = dataset_from_frames(tables)
        assert data is not None, report.to_text()
        table = score(data, criteria, 2024).ket_qua_tieu_chi
        row = table[(table["ma"] == "K") & (table["ma_tieu_chi"] == "mui1.khong_vi_pham")].iloc[0]
        met[situation] = row["dat"]
    assert bool(met["trống"]) is True
    assert pd.isna(met["thiếu"])


@pytest.mark.parametrize("chosen", [None, False, True])
def test_the_form_on_screen_reads_a_yes_no_field_as_a_file_does(chosen: bool | None) -> None:
    """The unit's form offers «Không» and «Có» only: never chosen is «Không», as a blank cell of an upload."""
    values, _ = read_unit({"xep_loai": "HTTNV", "vi_pham_don_vi": chosen})
    assert values["vi_pham_don_vi"] is bool(chosen)
    flags = [c.name for c in UNIT_FIELDS if c.kind is Kind.FLAG]
    assert all(isinstance(values[name], bool) for name in flags)

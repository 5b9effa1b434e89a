"""An independent oracle: the DuckDB SQL of the benchmark computes the cấp trên cơ sở and chi bộ
criteria of the sample; the engine must give the same value for every one of them."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scoring import Dataset, load_criteria, score
from scoring.outputs.writers import write_tables
from scoring.sample.generate import generate
from tests.conftest import ROOT

duckdb = pytest.importorskip("duckdb")  # installed with the test extras
sys.path.insert(0, str(ROOT / "benchmarks"))
import reference_sql  # noqa: E402


@pytest.mark.parametrize("year", [2024, 2025])
def test_engine_matches_duckdb(tmp_path: Path, sample: Dataset, year: int) -> None:
    tables = generate(6500, [2021, 2022, 2023, 2024, 2025], seed=2021)  # the sample, as Parquet
    write_tables(tables, tmp_path / "mau", "parquet")
    duck = reference_sql.run(tmp_path / "mau", year)
    result = score(sample, load_criteria(ROOT / "criteria" / "hai_chan_ba_mui.yaml"), year)
    engine = result.ket_qua_so[["ma", "ma_tieu_chi", "gia_tri"]].astype({"ma": str, "ma_tieu_chi": str})
    both = duck.merge(engine, on=["ma", "ma_tieu_chi"], suffixes=("_duckdb", "_engine"), how="left")
    assert len(both) == len(duck) > 3000
    a, b = both["gia_tri_duckdb"].to_numpy(float), both["gia_tri_engine"].to_numpy(float)
    same = np.isclose(a, b, rtol=1e-12, atol=1e-12) | (np.isnan(a) & np.isnan(b))
    assert same.all(), both[~same].head(10).to_string()
    assert set(pd.unique(duck["ma_tieu_chi"])) >= {
        "chan1.tccsd_htt",
        "mui1.quan_chung_quan_triet",
        "mui1.chi_bo_dv_htt_96",
        "mui2.chi_bo_giam_vi_pham",
    }

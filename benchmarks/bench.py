"""Benchmark: the engine against a DuckDB reference and a row-by-row Python script, by size.

    python benchmarks/bench.py                       # 0.1, 0.5, 1, 2 and 5.6 million members
    python benchmarks/bench.py --sizes 100000,500000 # a quicker run

For each size it generates two years of data with the project's generator (Parquet and CSV,
kept under benchmarks/out/ for later runs), then times, each in a fresh process so that peak
memory is that task's own: loading from Parquet and from CSV; the engine scoring the last year
with criteria/hai_chan_ba_mui.yaml (all levels, ranking; explanations built when asked, then
timed separately for the organisations); DuckDB computing the cấp trên cơ sở and chi bộ criteria;
and a row-by-row Python loop over a sample of members. It checks that DuckDB and the engine give
the same values, and prints wall time, peak RSS, rows per second and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
CRITERIA = ROOT / "criteria" / "hai_chan_ba_mui.yaml"
YEARS = [2024, 2025]
SAMPLE_ROWS = 200_000  # members the row-by-row script walks through


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def task_load(data: Path) -> dict[str, float]:
    import scoring

    started = time.perf_counter()
    dataset = scoring.load_dataset(data)
    return {"wall": time.perf_counter() - started, "rows": len(dataset.dang_vien)}


def task_engine(data: Path) -> dict[str, float]:
    import scoring

    dataset = scoring.load_dataset(data)
    criteria = scoring.load_criteria(CRITERIA)
    started = time.perf_counter()
    result = scoring.score(dataset, criteria, YEARS[-1])
    scored = time.perf_counter() - started
    rss_score = peak_rss_gib()  # peak so far: loading and scoring, before any table is built
    started = time.perf_counter()
    result.xep_hang_to_chuc, result.xep_hang_dang_vien  # noqa: B018 — with last year scored for rank changes
    tables = time.perf_counter() - started
    rss_tables = peak_rss_gib()
    started = time.perf_counter()
    organisations = result.ket_qua_to_chuc  # with explanations
    explained = time.perf_counter() - started
    members = int((dataset.dang_vien["nam"] == YEARS[-1]).sum())
    values = result.ket_qua_so
    check = values[values["cap"].isin(["cap_tren_co_so", "chi_bo_co_so", "chi_bo_truc_thuoc"])]
    check[["ma", "ma_tieu_chi", "gia_tri"]].astype({"ma": str, "ma_tieu_chi": str}).to_parquet(data / "engine.parquet")
    return {
        "wall": scored,
        "explain_orgs": explained,
        "rows": members,
        "result_rows": len(values),
        "org_rows": len(organisations),
        "rss_score_gib": rss_score,
        "ranking_tables": tables,
        "rss_tables_gib": rss_tables,
    }


def task_engine_same(data: Path) -> dict[str, float]:
    """The engine on exactly the criteria DuckDB computes (cấp trên cơ sở and chi bộ), with ranking."""
    import dataclasses

    import scoring

    dataset = scoring.load_dataset(data)
    full = scoring.load_criteria(CRITERIA)
    same = dataclasses.replace(
        full,
        by_level={
            level: chosen
            for level, chosen in full.by_level.items()
            if level in ("cap_tren_co_so", "chi_bo_co_so", "chi_bo_truc_thuoc")
        },
    )
    started = time.perf_counter()
    scoring.score(dataset, same, YEARS[-1])
    return {"wall": time.perf_counter() - started, "rows": int((dataset.dang_vien["nam"] == YEARS[-1]).sum())}


def task_duckdb(data: Path) -> dict[str, float]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import reference_sql

    started = time.perf_counter()
    values = reference_sql.run(data, YEARS[-1])
    wall = time.perf_counter() - started
    values.to_parquet(data / "duckdb.parquet")
    return {"wall": wall, "rows": len(values)}


def task_row_by_row(data: Path, pandas_rows: bool = False) -> dict[str, float]:
    """The hand-written script (`row_by_row.py`) on the members of the first cấp trên cơ sở (in id
    order) until SAMPLE_ROWS members of the year are covered; its values go to rowbyrow.parquet."""
    import pandas as pd
    import pyarrow.parquet as pq

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import row_by_row

    orgs = pq.read_table(data / "to_chuc.parquet").to_pylist()
    tree = row_by_row.Tree(orgs)
    top = {ma: (ma if o["cap"] == "cap_tren_co_so" else tree.top_of(ma)) for ma, o in tree.orgs.items()}
    members = pq.read_table(data / "dang_vien.parquet").to_pylist()
    per_top: dict[str, int] = {}
    for m in members:
        if m["nam"] == YEARS[-1]:
            per_top[top[m["ma_chi_bo"]]] = per_top.get(top[m["ma_chi_bo"]], 0) + 1
    chosen, covered = set(), 0
    for k in sorted(per_top):
        if covered >= SAMPLE_ROWS:
            break
        chosen.add(k)
        covered += per_top[k]
    members = [m for m in members if top[m["ma_chi_bo"]] in chosen]
    units = [u for u in pq.read_table(data / "don_vi_nam.parquet").to_pylist() if top[u["ma_to_chuc"]] in chosen]
    if pandas_rows:  # the same rows as a DataFrame (missing values as None), walked with iterrows()
        frames = [pd.DataFrame(rows, dtype=object) for rows in (members, units)]
        started = time.perf_counter()
        members, units = [[row for _, row in frame.iterrows()] for frame in frames]
    else:
        started = time.perf_counter()
    values = row_by_row.compute(orgs, members, units, YEARS[-1])
    wall = time.perf_counter() - started
    pd.DataFrame(
        {
            "ma": [str(k[0]) for k in values],
            "ma_tieu_chi": [k[1] for k in values],
            "gia_tri": [float("nan") if v is None else float(v) for v in values.values()],
        }
    ).to_parquet(data / ("rowbyrow_pandas.parquet" if pandas_rows else "rowbyrow.parquet"))
    return {"wall": wall, "rows": covered, "values": len(values)}


def task_row_by_row_pandas(data: Path) -> dict[str, float]:
    return task_row_by_row(data, pandas_rows=True)


TASKS = {
    "load": task_load,
    "engine": task_engine,
    "engine_same": task_engine_same,
    "duckdb": task_duckdb,
    "row_by_row": task_row_by_row,
    "row_by_row_pandas": task_row_by_row_pandas,
}


def run_task(task: str, data: Path) -> dict[str, float]:
    """Run one task in a fresh Python process; its JSON line carries wall time and peak RSS."""
    completed = subprocess.run(
        [sys.executable, __file__, "--_task", task, "--_data", str(data)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run_median(task: str, data: Path, repeat: int) -> dict[str, float]:
    """`repeat` fresh processes; the run with the median wall time (the machine's noise is ±10%)."""
    runs = sorted((run_task(task, data) for _ in range(repeat)), key=lambda r: r["wall"])
    chosen = dict(runs[len(runs) // 2])
    chosen["walls"] = [round(r["wall"], 2) for r in runs]
    return chosen


def ensure_data(size: int) -> tuple[Path, Path]:
    from scoring.outputs.writers import write_tables
    from scoring.sample.generate import generate

    parquet, csv = OUT / f"{size}_parquet", OUT / f"{size}_csv"
    if not parquet.exists() or not csv.exists():
        tables = generate(size, YEARS, seed=size % 9973)
        for folder, fmt in ((parquet, "parquet"), (csv, "csv")):
            if not folder.exists():
                write_tables(tables, folder, fmt)
    return parquet, csv


def compare(data: Path, other: str = "duckdb", how: str = "outer") -> str:
    """How many of the engine's values the other implementation gives too (on its rows only,
    `how="right"`, for the row-by-row sample)."""
    import numpy as np
    import pandas as pd

    engine = pd.read_parquet(data / "engine.parquet")
    duck = pd.read_parquet(data / f"{other}.parquet")
    both = engine.merge(duck, on=["ma", "ma_tieu_chi"], suffixes=("_engine", "_duckdb"), how=how, indicator=True)
    a, b = both["gia_tri_engine"].to_numpy(float), both["gia_tri_duckdb"].to_numpy(float)
    same = np.isclose(a, b, rtol=1e-9, atol=1e-12) | (np.isnan(a) & np.isnan(b))
    missing = (both["_merge"] != "both").sum()
    return f"{int(same.sum())}/{len(both)} giá trị trùng khớp" + (f", {missing} dòng chỉ có một bên" if missing else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,500000,1000000,2000000,5600000")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the engine and DuckDB (median kept)")
    parser.add_argument("--_task", help=argparse.SUPPRESS)
    parser.add_argument("--_data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._task:
        result = TASKS[args._task](Path(args._data))
        print(json.dumps({**result, "rss_gib": peak_rss_gib()}))
        return

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    print(f"Máy: {platform.machine()}, {os.cpu_count()} lõi, {memory:.0f} GiB, Python {platform.python_version()}")
    header = f"{'đảng viên/năm':>14} {'việc':<26} {'giây':>8} {'RSS GiB':>8} {'dòng/giây':>14}"
    print(header)
    engine_times: dict[int, float] = {}
    for size in [int(s) for s in args.sizes.split(",")]:
        parquet, csv = ensure_data(size)
        results = {
            "nạp Parquet": run_task("load", parquet),
            "nạp CSV": run_task("load", csv),
            "engine (chấm, xếp hạng)": run_median("engine", parquet, args.repeat),
            "engine, chỉ tiêu như DuckDB": run_median("engine_same", parquet, args.repeat),
            "DuckDB (cấp trên, chi bộ)": run_median("duckdb", parquet, args.repeat),
            "từng dòng Python (mẫu)": run_task("row_by_row", parquet),
            "từng dòng pandas (mẫu)": run_task("row_by_row_pandas", parquet),
        }
        for name, r in results.items():
            rate = r["rows"] / r["wall"] if r["wall"] else float("inf")
            walls = f"  (các lần: {', '.join(f'{w:.2f}' for w in r['walls'])})" if "walls" in r else ""
            print(f"{size:>14,} {name:<26} {r['wall']:>8.2f} {r['rss_gib']:>8.2f} {rate:>14,.0f}{walls}")
        engine, duck, slow = (
            results["engine (chấm, xếp hạng)"],
            results["DuckDB (cấp trên, chi bộ)"],
            results["từng dòng Python (mẫu)"],
        )
        engine_times[size] = engine["wall"]
        same = results["engine, chỉ tiêu như DuckDB"]
        per_row_slow = slow["wall"] / slow["rows"]
        print(
            f"{'':>14} RSS khi vừa chấm xong: {engine['rss_score_gib']:.2f} GiB; bảng xếp hạng (kèm chấm năm trước "
            f"để có thay đổi thứ hạng): {engine['ranking_tables']:.2f} s, RSS {engine['rss_tables_gib']:.2f} GiB; "
            f"giải thích của {engine['org_rows']:,} dòng tổ chức: {engine['explain_orgs']:.2f} s"
        )
        print(
            f"{'':>14} engine/DuckDB = {engine['wall'] / duck['wall']:.2f} "
            f"(cùng chỉ tiêu: {same['wall'] / duck['wall']:.2f}); {compare(parquet)}"
        )
        print(
            f"{'':>14} từng dòng/engine (thời gian mỗi đảng viên) = "
            f"{per_row_slow / (engine['wall'] / engine['rows']):,.1f} lần "
            f"(cùng chỉ tiêu: {per_row_slow / (same['wall'] / same['rows']):,.1f} lần); "
            f"mẫu {slow['rows']:,} đảng viên: {compare(parquet, 'rowbyrow', 'right')}"
        )
        rows_pandas = results["từng dòng pandas (mẫu)"]
        print(
            f"{'':>14} từng dòng pandas (iterrows)/engine = "
            f"{rows_pandas['wall'] / rows_pandas['rows'] / (engine['wall'] / engine['rows']):,.1f} lần "
            f"(cùng chỉ tiêu: {rows_pandas['wall'] / rows_pandas['rows'] / (same['wall'] / same['rows']):,.1f} lần); "
            f"{compare(parquet, 'rowbyrow_pandas', 'right')}"
        )
    sizes = sorted(engine_times)
    for small in dict.fromkeys([500_000, sizes[0]]):  # the target's range first
        large = sizes[-1]
        if small in engine_times and small < large:
            print(
                f"Tăng trưởng từ {small:,} đến {large:,}: {large / small:.1f}× số đảng viên → "
                f"{engine_times[large] / engine_times[small]:.1f}× thời gian engine"
            )


if __name__ == "__main__":
    main()

"""Benchmark: the self-assessment workflow on a database (SQLite file, or THIDUA_DB_URL), by size.

    python benchmarks/quy_trinh.py                      # 10 000 and 100 000 members a year, 2021–2025
    python benchmarks/quy_trinh.py --sizes 10000        # a quicker run

For each size it generates five years with the project's generator, then in a fresh process (so
that peak memory is that run's own) on a new SQLite file: loads the tree and every year as approved
reports but one chi bộ's last year, and times what the pages do — a chi bộ's draft scored among the
approved reports (the first time reads them from the database; later times reuse them until a
report changes), the Duyệt board (every unit, unit-level figures), the approved dataset for the
rankings, and 50 drafts saved one after another. It prints wall times, ratios and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
YEARS = [2021, 2022, 2023, 2024, 2025]
PLAN = ROOT / "criteria" / "hai_chan_ba_mui.yaml"


def _timed(call: object) -> tuple[object, float]:
    started = time.perf_counter()
    value = call()  # type: ignore[operator]
    return value, time.perf_counter() - started


def task(size: int) -> dict[str, float]:
    import scoring
    from scoring.outputs.writers import write_tables
    from scoring.sample.generate import generate
    from scoring.store import Store, connect
    from scoring.store.assemble import approved_dataset
    from scoring.store.service import SYSTEM
    from scoring.store.workflow import assess, overview, submissions_from_dataset

    work = Path(tempfile.mkdtemp(prefix="thidua_bench_"))
    write_tables(generate(size, YEARS, seed=size % 9973), work / "data", "parquet")
    dataset = scoring.load_dataset(work / "data")
    criteria = scoring.load_criteria(PLAN)
    store = Store(connect(os.environ.get("THIDUA_DB_URL") or f"sqlite:///{work / 'thidua.db'}"))
    store.import_tree(SYSTEM, dataset.to_chuc.astype(object))
    chi_bo = str(dataset.to_chuc.loc[dataset.to_chuc["cap"] == "chi_bo_truc_thuoc", "ma_to_chuc"].iloc[0])
    reports = submissions_from_dataset(dataset)
    own = next(r for r in reports if (r[0], r[1]) == (chi_bo, YEARS[-1]))
    others = [r for r in reports if (r[0], r[1]) != (chi_bo, YEARS[-1])]
    _, imported = _timed(lambda: store.import_approved(SYSTEM, others))
    secretary = store.create_account(SYSTEM, "bithu", "mat-khau-dai", "chi_bo", chi_bo)
    year = YEARS[-1]
    _, first = _timed(lambda: assess(store, secretary, chi_bo, year, own[2], criteria))
    _, again = _timed(lambda: assess(store, secretary, chi_bo, year, own[2], criteria))
    _, board_first = _timed(lambda: overview(store, SYSTEM, year, criteria))
    _, board_again = _timed(lambda: overview(store, SYSTEM, year, criteria))
    _, assembled = _timed(lambda: approved_dataset(store, SYSTEM))
    started = time.perf_counter()
    version = None
    for _ in range(50):
        version = store.save_draft(secretary, chi_bo, year, own[2], version).phien_ban
    saves = (time.perf_counter() - started) / 50
    return {
        "members": int((dataset.dang_vien["nam"] == year).sum()),
        "reports": len(others),
        "chi_bo_members": len(own[2]["dang_vien"]),
        "import": imported,
        "assess_first": first,
        "assess_again": again,
        "board_first": board_first,
        "board_again": board_again,
        "assembled": assembled,
        "save": saves,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--_size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._size:
        result = task(args._size)
        print(json.dumps({**result, "rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}))
        return
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    backend = "PostgreSQL (THIDUA_DB_URL)" if os.environ.get("THIDUA_DB_URL") else "SQLite"
    machine = f"{platform.machine()}, {os.cpu_count()} lõi, {memory:.0f} GiB, Python {platform.python_version()}"
    print(f"Máy: {machine}; {backend}")
    print(
        f"{'đảng viên/năm':>14} {'báo cáo':>8} {'nạp (s)':>8} {'tính thử lần đầu':>17} {'lần sau':>8} "
        f"{'bảng Duyệt':>11} {'lần sau':>8} {'ghép dữ liệu':>13} {'lưu nháp':>9} {'RSS GiB':>8}"
    )
    for size in [int(s) for s in args.sizes.split(",")]:
        completed = subprocess.run(
            [sys.executable, __file__, "--_size", str(size)], check=True, capture_output=True, text=True, cwd=ROOT
        )
        r = json.loads(completed.stdout.strip().splitlines()[-1])
        print(
            f"{r['members']:>14,} {r['reports']:>8,} {r['import']:>8.2f} {r['assess_first']:>17.2f} "
            f"{r['assess_again']:>8.2f} {r['board_first']:>11.2f} {r['board_again']:>8.2f} {r['assembled']:>13.2f} "
            f"{r['save'] * 1000:>7.1f}ms {r['rss_gib']:>8.2f}"
        )
        print(
            f"{'':>14} tính thử lần sau / lần đầu: {r['assess_again'] / r['assess_first']:.2f}; "
            f"bảng Duyệt lần sau / lần đầu: {r['board_again'] / r['board_first']:.3f}; "
            f"chi bộ tự đánh giá có {r['chi_bo_members']} đảng viên"
        )


if __name__ == "__main__":
    main()

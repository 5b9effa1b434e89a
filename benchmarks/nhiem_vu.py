"""Benchmark: plans scored from the task table (criteria/kl21_dang_uy_khoi.yaml), by size.

    python benchmarks/nhiem_vu.py                        # 0.1, 1 and 5.6 million members
    python benchmarks/nhiem_vu.py --sizes 100000         # a quicker run

For each size it generates 2022 with the project's generator and the tasks of the bundled plans
(one row per unit given a task: about eleven per TCCSĐ), keeps it as Parquet under
benchmarks/out/, then, in a fresh process so that peak memory is that run's own, loads it and
scores 2022 by Kết luận 21 (22 tasks, each a criterion of the Đảng ủy Khối, and the progress of
every TCCSĐ). It prints the task rows, wall times, rows per second and peak RSS.
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
PLAN = ROOT / "criteria" / "kl21_dang_uy_khoi.yaml"
YEAR = 2022


def task(data: Path) -> dict[str, float]:
    import scoring

    started = time.perf_counter()
    dataset = scoring.load_dataset(data)
    loaded = time.perf_counter() - started
    criteria = scoring.load_criteria(PLAN)
    started = time.perf_counter()
    result = scoring.score(dataset, criteria, YEAR)
    scored = time.perf_counter() - started
    started = time.perf_counter()
    explained = len(result.ket_qua_to_chuc)
    explain = time.perf_counter() - started
    return {
        "tasks": len(dataset.nhiem_vu),
        "members": int((dataset.dang_vien["nam"] == YEAR).sum()),
        "load": loaded,
        "score": scored,
        "explain": explain,
        "rows": explained,
    }


def ensure_data(size: int) -> Path:
    from scoring.cli import bundled_tasks
    from scoring.outputs.writers import write_tables
    from scoring.sample.generate import generate

    folder = OUT / f"{size}_nhiem_vu_parquet"
    if not folder.exists():
        write_tables(generate(size, [YEAR], seed=size % 9973, tasks=bundled_tasks()), folder, "parquet")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000,5600000")
    parser.add_argument("--_data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._data:
        result = task(Path(args._data))
        print(json.dumps({**result, "rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}))
        return
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    print(f"Máy: {platform.machine()}, {os.cpu_count()} lõi, {memory:.0f} GiB, Python {platform.python_version()}")
    print(
        f"{'đảng viên':>12} {'dòng nhiệm vụ':>14} {'nạp (s)':>8} {'chấm (s)':>9} {'giải thích (s)':>15} "
        f"{'nhiệm vụ/giây chấm':>19} {'RSS GiB':>8}"
    )
    for size in [int(s) for s in args.sizes.split(",")]:
        data = ensure_data(size)
        completed = subprocess.run(
            [sys.executable, __file__, "--_data", str(data)], check=True, capture_output=True, text=True, cwd=ROOT
        )
        r = json.loads(completed.stdout.strip().splitlines()[-1])
        print(
            f"{r['members']:>12,} {r['tasks']:>14,} {r['load']:>8.2f} {r['score']:>9.2f} {r['explain']:>15.2f} "
            f"{r['tasks'] / r['score']:>19,.0f} {r['rss_gib']:>8.2f}"
        )


if __name__ == "__main__":
    main()

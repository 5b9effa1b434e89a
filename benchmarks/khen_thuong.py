"""Benchmark: the rating report and the award shortlist (`thidua kiem-tra-xep-loai`,
`thidua khen-thuong`), by size.

    python benchmarks/khen_thuong.py                        # 0.1, 1 and 5.6 million members
    python benchmarks/khen_thuong.py --sizes 100000,500000  # a quicker run

For each size it generates five years (2021–2025, so that the five-year streak is computed over a
full window and the years fall under all three rules files) with the project's generator, including
the optional columns the rules read (tu_khac_phuc, diem_danh_gia, ky_luat_tap_the), and keeps them
as Parquet under benchmarks/out/. Then, in a fresh process per year checked so that peak memory is
that run's own, it loads the data, scores the year, and times separately: the rating check (every
member and unit against the rules of the year, `check_ratings`), the 20% quotas for members and
collectives (`member_quota`, `collective_quota`), and the shortlist (`shortlist`: yearly awards and
five-year streaks, every candidate and near-miss with its reason; the first call also builds the
ranking tables). It prints wall time, peak RSS and rows per second, and the ratio to the scoring
time of the same year.
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
YEARS = [2021, 2022, 2023, 2024, 2025]
CHECKED = [2022, 2024, 2025]  # one year under each rules file: QĐ 132, QĐ 124, QĐ 366


def task(data: Path, year: int) -> dict[str, float]:
    import scoring
    from scoring.engine.awards import shortlist
    from scoring.engine.rating import check_ratings
    from scoring.engine.rating_report import collective_quota, member_quota
    from scoring.plans.bundled import rules_folder
    from scoring.plans.rating_rules import rules_for_year

    dataset = scoring.load_dataset(data)
    criteria = scoring.load_criteria(CRITERIA)
    started = time.perf_counter()
    result = scoring.score(dataset, criteria, year)
    scored = time.perf_counter() - started
    rules = rules_for_year(year, rules_folder())
    started = time.perf_counter()
    check = check_ratings(dataset, rules, year)
    checked = time.perf_counter() - started
    started = time.perf_counter()
    member_quota(dataset, year)
    collective_quota(dataset, year)
    quotas = time.perf_counter() - started
    started = time.perf_counter()
    chosen = shortlist(dataset, result, check)
    listed = time.perf_counter() - started
    return {
        "rows": int((dataset.dang_vien["nam"] == year).sum()),
        "units": len(check.units),
        "score": scored,
        "check": checked,
        "quota": quotas,
        "shortlist": listed,
        "proposed": len(chosen.proposed),
        "findings": len(check.findings),
        "rules": rules.label,
    }


def run_task(data: Path, year: int) -> dict[str, float]:
    completed = subprocess.run(
        [sys.executable, __file__, "--_data", str(data), "--_year", str(year)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def ensure_data(size: int) -> Path:
    from scoring.outputs.writers import write_tables
    from scoring.sample.generate import generate

    folder = OUT / f"{size}_5nam_parquet"
    if not folder.exists():
        write_tables(generate(size, YEARS, seed=size % 9973), folder, "parquet")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000,5600000")
    parser.add_argument("--_data", help=argparse.SUPPRESS)
    parser.add_argument("--_year", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._data:
        result = task(Path(args._data), args._year)
        print(json.dumps({**result, "rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}))
        return

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    print(f"Máy: {platform.machine()}, {os.cpu_count()} lõi, {memory:.0f} GiB, Python {platform.python_version()}")
    print(
        f"{'đảng viên/năm':>14} {'năm':>5} {'chấm (s)':>9} {'kiểm tra (s)':>13} {'chỉ tiêu 20% (s)':>17} "
        f"{'danh sách (s)':>14} {'RSS GiB':>8} {'kiểm tra/chấm':>14} {'đv/giây kiểm tra':>17}"
    )
    for size in [int(s) for s in args.sizes.split(",")]:
        data = ensure_data(size)
        for year in CHECKED:
            r = run_task(data, year)
            print(
                f"{r['rows']:>14,} {year:>5} {r['score']:>9.2f} {r['check']:>13.2f} {r['quota']:>17.2f} "
                f"{r['shortlist']:>14.2f} {r['rss_gib']:>8.2f} {r['check'] / r['score']:>14.2f} "
                f"{r['rows'] / r['check']:>17,.0f}"
            )
            print(
                f"{'':>14} {'':>5} {r['rules']}; {r['units']:,} tổ chức; {r['findings']:,} xếp loại sai quy định; "
                f"{r['proposed']:,} đề nghị khen thưởng"
            )


if __name__ == "__main__":
    main()

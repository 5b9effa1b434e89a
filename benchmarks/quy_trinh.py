"""Benchmark: the self-assessment workflow on a database (SQLite file, or PostgreSQL), by size.

    python benchmarks/quy_trinh.py                      # 100 000 and 500 000 members a year, 2021–2025, SQLite
    python benchmarks/quy_trinh.py --sizes 10000        # a quicker run
    python benchmarks/quy_trinh.py --csdl postgresql    # on PostgreSQL (THIDUA_DB_URL, else THIDUA_TEST_PG_URL),
                                                        # in a schema of its own (thidua_bench), emptied first
    python benchmarks/quy_trinh.py --years 2024,2025    # fewer years (loading 500 000 × 5 takes long)

For each size it generates the years with the project's generator, then in a fresh process (so that
peak memory is that run's own) on a new database: loads the tree and every year as approved reports
but the last year of three chi bộ, and times what the pages do, warm (the approved reports already
read) and after another unit's change: a chi bộ's draft scored among the approved reports
(«tính thử») after another chi bộ saves a draft, and after another chi bộ's report is approved; the
Duyệt board (every unit, unit-level figures) and the approved dataset for the rankings, each after
an approved report is replaced; and what the Xếp hạng page reads (`scoring.store.scoped`: the year's unit and member
rankings scored on every unit, cut to the reader): the first call, a cached hit, another reader's
cut, warm (every unit's figures kept, the reader's cut made again) and after an approved report of
the year is replaced; the Khen thưởng page (rating check and shortlist) warm and after that change.
It prints wall times, the after-change / warm ratios, how the cached
baseline was updated (full rebuilds, incremental updates) and peak RSS.
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
YEARS = [2021, 2022, 2023, 2024, 2025]
PLAN = ROOT / "criteria" / "hai_chan_ba_mui.yaml"
PG_SCHEMA = "thidua_bench"


def _timed(call: object) -> tuple[object, float]:
    started = time.perf_counter()
    value = call()  # type: ignore[operator]
    return value, time.perf_counter() - started


def _postgres_url() -> str:
    from pg_schema import fresh_schema  # benchmarks/pg_schema.py: this script's folder is on sys.path

    return fresh_schema(os.environ.get("THIDUA_DB_URL") or os.environ["THIDUA_TEST_PG_URL"], PG_SCHEMA)


def task(size: int, backend: str, years: list[int]) -> dict[str, Any]:
    import scoring
    from scoring.outputs.writers import write_tables
    from scoring.sample.generate import generate
    from scoring.store import Store, connect, scoped
    from scoring.store.accounts import SYSTEM
    from scoring.store.assemble import approved_dataset
    from scoring.store.baseline import counts
    from scoring.store.submission import check_submission
    from scoring.store.workflow import assess, overview, submissions_from_dataset

    work = Path(tempfile.mkdtemp(prefix="thidua_bench_"))
    write_tables(generate(size, years, seed=size % 9973), work / "data", "parquet")
    dataset = scoring.load_dataset(work / "data")
    criteria = scoring.load_criteria(PLAN)
    url = _postgres_url() if backend == "postgresql" else f"sqlite:///{work / 'thidua.db'}"
    store = Store(connect(url))
    store.import_tree(SYSTEM, dataset.to_chuc.astype(object))
    year = years[-1]
    chi_bo = [str(c) for c in dataset.to_chuc.loc[dataset.to_chuc["cap"] == "chi_bo_truc_thuoc", "ma_to_chuc"]]
    reports = submissions_from_dataset(dataset)
    figures = {(u, y): d for u, y, d in reports}
    tree = store.tree()
    sendable = (c for c in chi_bo if check_submission(tree, c, year, figures[(c, year)]).ok)  # the generator
    mine, other, third = next(sendable), next(sendable), next(sendable)  # leaves some members unrated
    held = {(u, year): d for u, y, d in reports if (u, y) in {(mine, year), (other, year), (third, year)}}
    loaded = [r for r in reports if (r[0], r[1]) not in held]
    _, imported = _timed(lambda: store.import_approved(SYSTEM, loaded))
    secretary = store.create_account(SYSTEM, "bithu", "mat-khau-dai", "chi_bo", mine)
    neighbour = store.create_account(SYSTEM, "bithu2", "mat-khau-dai", "chi_bo", other)
    own = held[(mine, year)]

    def draft() -> object:
        return assess(store, secretary, mine, year, own, criteria)

    _, first = _timed(draft)
    steps = [counts()]
    _, warm = _timed(draft)
    saved = store.save_draft(neighbour, other, year, held[(other, year)], None)  # another unit saves a draft
    _, after_draft = _timed(draft)
    steps.append(counts())
    sent = store.submit(neighbour, other, year, saved.phien_ban)
    store.approve(SYSTEM, other, year, sent.phien_ban)  # another unit's report is approved
    _, after_approval = _timed(draft)
    steps.append(counts())
    _, warm_again = _timed(draft)
    _, board_first = _timed(lambda: overview(store, SYSTEM, year, criteria))
    _, board_warm = _timed(lambda: overview(store, SYSTEM, year, criteria))
    store.import_approved(SYSTEM, [(third, year, held[(third, year)])])  # one more approved report
    _, board_after = _timed(lambda: overview(store, SYSTEM, year, criteria))
    steps.append(counts())
    _, assembled_warm = _timed(lambda: approved_dataset(store, SYSTEM))
    admin = store.create_account(SYSTEM, "quantri", "mat-khau-dai", "quan_tri")
    board = store.create_account(
        SYSTEM,
        "capuy",
        "mat-khau-dai",
        "cap_uy_co_so",
        str(tree.loc[tree["ma_to_chuc"] == mine, "ma_cap_tren"].iloc[0]),
    )

    def rankings(actor: object) -> object:
        """What the Xếp hạng page reads: the year's unit and member rankings, cut to the reader."""
        data = scoped.scoped_data(store, actor, criteria)  # type: ignore[arg-type]
        assert data is not None
        return data.results[year].xep_hang_to_chuc, data.results[year].xep_hang_dang_vien

    def awards(actor: object) -> object:
        """What the Khen thưởng page reads: the year's rating check and shortlist, cut to the reader."""
        data = scoped.scoped_data(store, actor, criteria)  # type: ignore[arg-type]
        assert data is not None
        return data.rating_report(year), data.shortlist(year)

    _, rankings_first = _timed(lambda: rankings(admin))
    _, rankings_hit = _timed(lambda: rankings(admin))
    _, rankings_reader = _timed(lambda: rankings(board))  # another reader, same state: a cut
    scoped._SCOPED.clear()  # the pages' cuts forgotten, the figures on every unit kept
    _, rankings_warm = _timed(lambda: rankings(admin))
    awards(admin)
    scoped._SCOPED.clear()
    _, awards_warm = _timed(lambda: awards(admin))
    replaced = next(r for r in loaded if r[1] == year and r[0] not in (mine, other, third) and r[2]["dang_vien"])
    store.import_approved(SYSTEM, [replaced], overwrite=True)  # an approved report replaced
    _, assembled_after = _timed(lambda: approved_dataset(store, SYSTEM))
    _, rankings_after = _timed(lambda: rankings(admin))
    _, awards_after = _timed(lambda: awards(admin))
    steps.append(counts())
    started = time.perf_counter()
    version = None
    for _ in range(20):
        version = store.save_draft(secretary, mine, year, own, version).phien_ban
    saves = (time.perf_counter() - started) / 20
    made = counts()
    return {
        "members": int((dataset.dang_vien["nam"] == year).sum()),
        "years": len(years),
        "reports": len(loaded),
        "chi_bo_members": len(own["dang_vien"]),
        "import": imported,
        "assess_first": first,
        "assess_warm": min(warm, warm_again),
        "assess_after_draft": after_draft,
        "assess_after_approval": after_approval,
        "board_first": board_first,
        "board_warm": board_warm,
        "board_after": board_after,
        "assembled_warm": assembled_warm,
        "assembled_after": assembled_after,
        "rankings_first": rankings_first,
        "rankings_hit": rankings_hit,
        "rankings_reader": rankings_reader,
        "rankings_warm": rankings_warm,
        "rankings_after": rankings_after,
        "awards_warm": awards_warm,
        "awards_after": awards_after,
        "save": saves,
        "full": made["full"],
        "incremental": made["incremental"],
        "steps": steps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,500000")
    parser.add_argument("--csdl", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--years", default=",".join(str(y) for y in YEARS))
    parser.add_argument("--_size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    years = [int(y) for y in args.years.split(",")]
    if args._size:
        result = task(args._size, args.csdl, years)
        print(json.dumps({**result, "rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}))
        return
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    machine = f"{platform.machine()}, {os.cpu_count()} lõi, {memory:.0f} GiB, Python {platform.python_version()}"
    print(f"Máy: {machine}; {'PostgreSQL' if args.csdl == 'postgresql' else 'SQLite'}; năm {args.years}")
    print(
        f"{'đảng viên/năm':>14} {'năm':>4} {'báo cáo':>8} {'nạp':>7} {'tính thử đầu':>13} {'ấm':>6} "
        f"{'sau nháp':>9} {'sau duyệt':>10} {'Duyệt đầu':>10} {'ấm':>6} {'sau đổi':>8} "
        f"{'ghép ấm':>8} {'sau đổi':>8} {'lưu nháp':>9} {'RSS GiB':>8}"
    )
    for size in [int(s) for s in args.sizes.split(",")]:
        command = [sys.executable, __file__, "--_size", str(size), "--csdl", args.csdl, "--years", args.years]
        completed = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
        r = json.loads(completed.stdout.strip().splitlines()[-1])
        print(
            f"{r['members']:>14,} {r['years']:>4} {r['reports']:>8,} {r['import']:>7.1f} {r['assess_first']:>13.2f} "
            f"{r['assess_warm']:>6.2f} {r['assess_after_draft']:>9.2f} {r['assess_after_approval']:>10.2f} "
            f"{r['board_first']:>10.2f} {r['board_warm']:>6.2f} {r['board_after']:>8.2f} "
            f"{r['assembled_warm']:>8.2f} {r['assembled_after']:>8.2f} {r['save'] * 1000:>7.1f}ms {r['rss_gib']:>8.2f}"
        )
        print(
            f"{'':>14} sau đổi / ấm: tính thử {r['assess_after_draft'] / r['assess_warm']:.2f} (nháp), "
            f"{r['assess_after_approval'] / r['assess_warm']:.2f} (duyệt); "
            f"bảng Duyệt {r['board_after'] / r['board_warm']:.2f}; "
            f"ghép số liệu {r['assembled_after'] / r['assembled_warm']:.2f}; "
            f"dựng lại toàn bộ {r['full']} lần, cập nhật từng phần {r['incremental']} lần; "
            f"chi bộ có {r['chi_bo_members']} đảng viên",
        )
        print(
            f"{'':>14} trang Xếp hạng (năm cuối, quản trị): lần đầu {r['rankings_first']:.2f} s, "
            f"đã có {r['rankings_hit'] * 1000:.0f} ms, người đọc khác {r['rankings_reader']:.2f} s, "
            f"ấm {r['rankings_warm']:.2f} s, sau một báo cáo đã duyệt thay {r['rankings_after']:.2f} s "
            f"({r['rankings_after'] / r['rankings_warm']:.2f} × ấm)",
        )
        print(
            f"{'':>14} trang Khen thưởng (kiểm tra xếp loại + danh sách đề nghị): ấm {r['awards_warm']:.2f} s, "
            f"sau đổi {r['awards_after']:.2f} s ({r['awards_after'] / r['awards_warm']:.2f} × ấm)",
            flush=True,
        )


if __name__ == "__main__":
    main()

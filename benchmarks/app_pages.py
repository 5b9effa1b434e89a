"""Time every page of the Streamlit app on the bundled sample (one Khối, five years).

    python benchmarks/app_pages.py

The app runs headless through Streamlit's AppTest: its first run reads and scores the sample
(cached for the session); then each page is opened, re-run, and every select box changed to some of
its other options (years, levels, groups, criteria) — what a user does after the first load. The
target is that each of those answers in under a second.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 1.0  # seconds, after the first load


def _timed(at: AppTest) -> float:
    started = time.perf_counter()
    at.run()
    if at.exception:
        raise SystemExit(f"Trang lỗi: {at.exception[0].value}")
    return time.perf_counter() - started


PAGES = ["tong_quan", "xep_hang", "don_vi", "du_lieu", "tieu_chi"]


def time_pages() -> dict[str, tuple[float, list[float]]]:
    """Per page: (its first run, every later run) in seconds; the app's very first run (reading and
    scoring the sample) is reported as «app.py»."""
    at = AppTest.from_file(str(ROOT / "ung_dung.py"), default_timeout=600)
    at.query_params["ma"] = "CS0001"  # the scorecard page opens on a chi bộ cơ sở of the sample
    timings = {"app.py (lần chạy đầu tiên)": (_timed(at), [])}
    for page in PAGES:
        at.switch_page(f"giao_dien/{page}.py")
        first = _timed(at)
        later = [_timed(at)]
        for index in range(len(at.selectbox)):
            box = at.selectbox[index]
            for option in [o for o in box.options if o != str(box.value)][:4]:
                at.selectbox[index].select(option if not str(option).isdigit() else int(option))
                later.append(_timed(at))
        if page == "tieu_chi":  # a what-if: the year scored again with one target changed
            at.text_input[0].set_value("≥ 90%")
            later.append(_timed(at))
        if page == "xep_hang":  # a search typed without diacritics
            at.text_input[0].set_value("chi bo")
            later.append(_timed(at))
        timings[f"giao_dien/{page}.py"] = (first, later)
    return timings


def main() -> None:
    print(f"{'trang':<32} {'lần đầu':>9} {'lần sau (trung vị)':>19} {'chậm nhất':>10} {'số lần':>7}")
    slow = False
    for name, (first, later) in time_pages().items():
        if not later:
            print(f"{name:<32} {first:>8.2f}s")
            continue
        worst = max(later)
        slow |= worst >= LIMIT
        print(f"{name:<32} {first:>8.2f}s {statistics.median(later):>18.3f}s {worst:>9.3f}s {len(later):>7}")
    print("Mọi trang trả lời dưới 1 giây sau lần đầu." if not slow else "Có trang chậm hơn 1 giây sau lần đầu.")
    sys.exit(1 if slow else 0)


if __name__ == "__main__":
    main()

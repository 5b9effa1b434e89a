"""Time every page of the Streamlit app on the bundled sample (one Khối, five years).

    python benchmarks/app_pages.py

Each page (app.py, then pages/*.py) runs headless through Streamlit's AppTest: a first run, which
reads the sample and scores it (cached for the session), then a re-run and a change of every
select box to each of its other options — what a user does after the first load. The target is
that each of those answers in under a second.
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


def time_page(page: Path) -> tuple[float, list[float]]:
    """(first run, every later run) in seconds."""
    at = AppTest.from_file(str(page), default_timeout=600)
    first = _timed(at)
    later = [_timed(at)]
    for index in range(len(at.selectbox)):
        box = at.selectbox[index]
        for option in [o for o in box.options if o != box.value][:5]:
            at.selectbox[index].select(option)
            later.append(_timed(at))
    return first, later


def main() -> None:
    pages = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
    print(f"{'trang':<32} {'lần đầu':>9} {'lần sau (trung vị)':>19} {'chậm nhất':>10} {'số lần':>7}")
    slow = False
    for page in pages:
        first, later = time_page(page)
        worst = max(later)
        slow |= worst >= LIMIT
        name = str(page.relative_to(ROOT))
        print(f"{name:<32} {first:>8.2f}s {statistics.median(later):>18.3f}s {worst:>9.3f}s {len(later):>7}")
    print("Mọi trang trả lời dưới 1 giây sau lần đầu." if not slow else "Có trang chậm hơn 1 giây sau lần đầu.")
    sys.exit(1 if slow else 0)


if __name__ == "__main__":
    main()

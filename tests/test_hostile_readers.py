"""Hostile files for the readers: every folder tests/hostile/readers_* is one attack, its expect.yaml says
what the error table must show. Bombs are built by tests/hostile/readers_build.py at test time (the
«build» key); each case is checked in a fresh process for time and peak memory, and through the CLI
for exit code 1 and no traceback. Random bytes and damaged workbooks give a report, never an exception."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from scoring import validate_dataset
from scoring.cli import app
from tests.conftest import ROOT, VALID
from tests.hostile import readers_build

HOSTILE = ROOT / "tests" / "hostile"
CASES = sorted(p for p in HOSTILE.glob("readers_*") if p.is_dir())
SECONDS, MEBIBYTES = 10, 1024
LEVELS = {"errors": "Lỗi", "warnings": "Cảnh báo"}

#: run in a fresh interpreter, each case's peak memory its own (Linux: the peak is reset between cases)
CHILD = """
import gc, json, re, resource, sys, time
import pyarrow
from scoring import validate_dataset

def peak_mib():
    try:
        with open("/proc/self/status") as status:
            return int(re.search(r"VmHWM:\\s+(\\d+)", status.read()).group(1)) / 1024
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

results = {}
for path in json.loads(sys.stdin.read()):
    gc.collect()
    pyarrow.default_memory_pool().release_unused()  # what the last case left is given back first
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass  # elsewhere the peak only grows: still an upper bound
    start = time.perf_counter()
    dataset, report = validate_dataset(path)
    seconds = time.perf_counter() - start
    table = report.table.astype(object)
    results[path] = {
        "seconds": seconds,
        "peak_mib": peak_mib(),
        "valid": dataset is not None,
        "members": None if dataset is None else len(dataset.dang_vien),
        "rows": table.where(table.notna(), None).to_dict("records"),
        "text": report.to_text(),
    }
print(json.dumps(results, default=str))
"""


def _expect(case: Path) -> dict[str, object]:
    found: dict[str, object] = yaml.safe_load((case / "expect.yaml").read_text(encoding="utf-8"))
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Path]:
    """The data of a case: its own files, or what its builder makes (once per test run)."""
    made: dict[str, Path] = {}

    def path(case: Path) -> Path:
        recipe = _expect(case).get("build")
        if recipe is None:
            return case
        if case.name not in made:
            made[case.name] = getattr(readers_build, str(recipe))(tmp_path_factory.mktemp(case.name) / "du_lieu")
        return made[case.name]

    return path


def test_there_is_a_case_per_attack() -> None:
    assert len(CASES) >= 20
    for case in CASES:
        recipe = _expect(case).get("build")
        assert recipe is None or hasattr(readers_build, str(recipe)), case.name
        assert recipe is not None or (case / "dang_vien.csv").exists(), case.name


@pytest.fixture(scope="module")
def checked(built: Callable[[Path], Path]) -> dict[str, dict[str, object]]:
    """Every case validated in one fresh process (its imports paid once), keyed by case name."""
    paths = {case.name: str(built(case)) for case in CASES}
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=json.dumps(list(paths.values())),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-3000:]
    results = json.loads(done.stdout.splitlines()[-1])
    return {name: results[path] for name, path in paths.items()}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_reported_in_the_table_within_time_and_memory(case: Path, checked: dict[str, dict[str, object]]) -> None:
    result = checked[case.name]
    assert float(result["seconds"]) < SECONDS, f"{case.name}: {result['seconds']:.1f} s"  # type: ignore[str-format]
    assert float(result["peak_mib"]) < MEBIBYTES, f"{case.name}: {result['peak_mib']:.0f} MiB"  # type: ignore[str-format]
    expect = _expect(case)
    assert result["valid"] is bool(expect.get("hop_le", False)), result["text"]
    if "so_dang_vien" in expect:
        assert result["members"] == expect["so_dang_vien"]
    for key, level in LEVELS.items():
        for want in expect.get(key) or []:  # type: ignore[attr-defined]
            rows = result["rows"]
            assert any(_matches(row, level, want) for row in rows), f"no {want}\n{result['text']}"  # type: ignore[attr-defined]


def _matches(row: dict[str, object], level: str, want: dict[str, object]) -> bool:
    if row["muc_do"] != level or str(want["van_de"]) not in str(row["van_de"]):
        return False
    if "tep" in want and Path(str(row["tep"])).name != want["tep"]:
        return False
    return all(row[k] == want[k] for k in ("trang_tinh", "dong", "cot", "gia_tri") if k in want)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cli_prints_the_table_and_exits_1_never_a_traceback(case: Path, built: Callable[[Path], Path]) -> None:
    expect = _expect(case)
    result = CliRunner().invoke(app, ["kiem-tra", str(built(case))])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.exit_code == (0 if expect.get("hop_le") else 1), result.output
    for key in LEVELS:
        for want in expect.get(key) or []:
            assert str(want["van_de"]) in result.output
    assert not any(ch in result.output for ch in "\x00\x07\x1b\u200b"), "a control character reached the terminal"


# --- anything at all ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Where random bytes go: dang_vien.csv of a valid folder, dang_vien.parquet beside valid CSVs
    of the other tables, or a workbook of its own; and a small valid workbook to damage."""
    root = tmp_path_factory.mktemp("random")
    csv_folder = shutil.copytree(VALID, root / "csv")
    parquet_folder = shutil.copytree(VALID, root / "parquet")
    (parquet_folder / "dang_vien.csv").unlink()
    return {
        "csv": csv_folder / "dang_vien.csv",
        "parquet": parquet_folder / "dang_vien.parquet",
        "xlsx": root / "xlsx" / "du_lieu.xlsx",
        "valid_xlsx": readers_build.valid_workbook(root / "valid" / "du_lieu.xlsx"),
    }


def _validate_never_raises(path: Path) -> tuple[bool, bool]:
    """(a dataset came out, the report has no error); they must agree."""
    dataset, report = validate_dataset(path)
    assert (dataset is not None) == report.ok, report.to_text()
    return dataset is not None, report.ok


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["csv", "parquet", "xlsx"]), data=st.binary(max_size=2048))
def test_random_bytes_give_a_report_with_errors(places: dict[str, Path], kind: str, data: bytes) -> None:
    target = places[kind]
    target.parent.mkdir(exist_ok=True)
    if kind == "parquet" and len(data) > 8:  # with Parquet's magic at both ends, the footer is read
        data = b"PAR1" + data + b"PAR1"
    target.write_bytes(data)
    valid, _ = _validate_never_raises(target if kind == "xlsx" else target.parent)
    assert not valid


_CUT = st.tuples(st.just("cut"), st.floats(0, 1))
_FLIP = st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=8))
_PART = st.tuples(st.just("part"), st.integers(0, 11), st.floats(0, 1), st.binary(min_size=1, max_size=12))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=st.one_of(_CUT, _FLIP, _PART))
def test_damaged_workbook_gives_a_report_never_an_exception(places: dict[str, Path], damage: tuple) -> None:  # type: ignore[type-arg]
    base = places["valid_xlsx"].read_bytes()
    kind = damage[0]
    if kind == "cut":
        data = base[: int(damage[1] * len(base))]
    elif kind == "flip":
        changed = bytearray(base)
        for where, value in damage[1]:
            changed[min(int(where * len(base)), len(base) - 1)] = value
        data = bytes(changed)
    else:  # a part's XML damaged, then packed again: the zip is sound, its content is not
        _, index, where, text = damage
        with zipfile.ZipFile(io.BytesIO(base)) as source:
            parts = {i.filename: source.read(i.filename) for i in source.infolist()}
        name = sorted(parts)[index % len(parts)]
        at = int(where * len(parts[name]))
        parts[name] = parts[name][:at] + text + parts[name][at + len(text) :]
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as packed:
            for part, content in parts.items():
                packed.writestr(part, content)
        data = out.getvalue()
    target = places["xlsx"]
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(data)
    _validate_never_raises(target)


def test_a_real_workbook_is_still_read_whole(tmp_path: Path) -> None:
    """The limits leave real files alone: a workbook of 30 000 member rows reads, every row."""
    sheets = readers_build.valid_sheets()
    header, first = sheets[1][1][0], sheets[1][1][1]
    rows = [header] + [[f"DV{n:05d}", f"Người {n}", *first[2:]] for n in range(30_000)]
    sheets[1] = (sheets[1][0], rows, "visible")
    start = time.perf_counter()
    dataset, report = validate_dataset(readers_build.valid_workbook(tmp_path / "lon.xlsx", sheets))
    assert dataset is not None, report.to_text()
    assert len(dataset.dang_vien) == 30_000
    assert time.perf_counter() - start < 30

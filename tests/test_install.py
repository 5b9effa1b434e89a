"""A plain (non-editable) `pip install` of the project works: the bundled plans, rating rules, YAML cases and
Alembic migrations travel in the wheel, and the `thidua` commands run from another folder with nothing of
the repository on the path.

The repository's files are copied to a temporary folder and installed with `pip install --no-deps` into a
fresh venv. That venv gets this environment's dependencies through a .pth file naming a folder of links to
this venv's site-packages, without this project (its editable install and its metadata are left out), so
nothing is downloaded but setuptools for the isolated build."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import venv
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
OWN_ENTRIES = ("scoring", "thidua-", "__editable__")  # this project in the current venv
DEPENDENCY_LINKS = "dependencies"


@dataclass(frozen=True)
class Installed:
    copy: Path  # the copy of the repository that was installed
    venv: Path
    site_packages: Path
    work: Path  # an empty folder outside the repository, the working folder of every command
    env: dict[str, str] = field(repr=False)  # the environment of every command: the new venv first on PATH

    @property
    def thidua(self) -> str:
        return str(self.venv / "bin" / "thidua")

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")


def run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def explain(what: str, done: subprocess.CompletedProcess[str]) -> str:
    """The exit code and the end of both outputs, for an assertion message."""
    return (
        f"{what} ended with exit code {done.returncode}\n"
        f"--- stdout ---\n{done.stdout[-3000:]}\n--- stderr ---\n{done.stderr[-3000:]}"
    )


def copy_repository(target: Path) -> None:
    """The files git knows (tracked, and new ones not ignored) as they are in the working tree; links stay links."""
    if shutil.which("git") is None:
        pytest.fail("git is needed to list the repository's files for the install test")
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if listed.returncode != 0:
        pytest.fail(explain("git ls-files (the install test copies the repository's files)", listed))
    for name in sorted(set(filter(None, listed.stdout.split("\0")))):
        source, destination = REPO / name, target / name
        if not source.is_symlink() and not source.is_file():
            continue  # deleted in the working tree, or a submodule
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            destination.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, destination)


def dependency_links(folder: Path) -> None:
    """Links to every entry of this venv's site-packages but this project's own ones and the .pth files."""
    folder.mkdir()
    for entry in SITE_PACKAGES.iterdir():
        if entry.name.startswith(OWN_ENTRIES) or entry.suffix == ".pth" or entry.name == "__pycache__":
            continue
        (folder / entry.name).symlink_to(entry)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("install")
    copy = base / "repo"
    copy_repository(copy)
    assert (copy / "scoring" / "plans" / "shipped").is_symlink(), "the copy should keep the link to criteria/"

    target = base / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(target)
    python = target / "bin" / "python"
    purelib = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base, dict(os.environ)
    )
    assert purelib.returncode == 0, explain("the new venv's python", purelib)
    site_packages = Path(purelib.stdout.strip())
    links = base / DEPENDENCY_LINKS
    dependency_links(links)
    (site_packages / "_thidua_test_dependencies.pth").write_text(f"{links}\n", encoding="utf-8")

    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "THIDUA_DB_URL"}}
    env |= {
        "VIRTUAL_ENV": str(target),
        "PATH": f"{target / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PYTHONNOUSERSITE": "1",
        "NO_COLOR": "1",
    }
    work = base / "work"
    work.mkdir()

    before = run([str(python), "-c", "import scoring"], work, env)
    assert before.returncode != 0, "the new venv imports scoring before the install: the test would prove nothing"
    assert "ModuleNotFoundError" in before.stderr, explain("import scoring before the install", before)
    found = run([str(python), "-c", "import pandas, typer, alembic, pip; print('ok')"], work, env)
    assert found.returncode == 0, explain("the dependencies through the .pth file", found)

    # build isolation fetches setuptools (pyproject's build-system) from the index, or pip's cache
    done = run([str(python), "-m", "pip", "install", "--no-deps", "--quiet", str(copy)], work, env, timeout=300)
    if done.returncode != 0:
        pytest.fail(explain("pip install --no-deps of a copy of the repository (plain, not editable)", done))
    return Installed(copy, target, site_packages, work, env)


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stdout + done.stderr, explain("the command", done)


def test_the_installed_copy_is_the_one_imported(installed: Installed) -> None:
    probe = """
import json, importlib.metadata as md
import scoring, scoring.cli, scoring.store.db as db
from scoring.plans import bundled
dist = md.distribution("thidua")
print(json.dumps({
    "scoring": scoring.__file__, "migrations": str(db.MIGRATIONS), "plans": str(bundled.plans_folder()),
    "plans_files": [p.name for p in bundled.plan_files()],
    "rules": sorted(p.name for p in bundled.rules_folder().glob("*.yaml")),
    "default": str(bundled.default_plan()), "cases": str(bundled.cases_folder()),
    "dist": str(dist.locate_file("")), "direct_url": json.loads(dist.read_text("direct_url.json") or "{}"),
}))
"""
    done = run([installed.python, "-c", probe], installed.work, installed.env)
    assert done.returncode == 0, explain("the import probe", done)
    found = json.loads(done.stdout)
    site = installed.site_packages.resolve()
    for key in ("scoring", "migrations", "plans", "default", "cases", "dist"):
        where = Path(found[key]).resolve()
        assert where.is_relative_to(site), f"{key} is {where}, not inside the new venv's {site}"
        assert not where.is_relative_to(REPO), f"{key} comes from the repository: {where}"
    assert not found["direct_url"].get("dir_info", {}).get("editable"), f"an editable install: {found['direct_url']}"
    shipped = site / "scoring" / "plans" / "shipped"
    assert shipped.is_dir() and not shipped.is_symlink(), "the wheel should carry copies of criteria/, not the link"
    assert found["plans_files"] == sorted(p.name for p in (installed.copy / "criteria").glob("*.yaml"))
    assert found["rules"] == sorted(p.name for p in (installed.copy / "criteria" / "quy_dinh").glob("*.yaml"))
    assert (shipped / "README.md").is_file()
    cases = sorted(p.name for p in (installed.copy / "criteria" / "cases").glob("*.yaml"))
    assert sorted(p.name for p in (shipped / "cases").glob("*.yaml")) == cases
    script = Path(installed.thidua).read_text(encoding="utf-8").splitlines()[0]
    assert str(installed.venv) in script, f"the thidua script runs {script}"


def test_score(installed: Installed) -> None:
    data = installed.copy / "data" / "mau"
    done = run([installed.thidua, "score", str(data), "--nam", "2025", "--out", "kq"], installed.work, installed.env)
    assert done.returncode == 0, explain("thidua score", done)
    no_traceback(done)
    out = installed.work / "kq"
    for name in ("ket_qua_tieu_chi.csv", "xep_hang_to_chuc.csv", "xep_hang_dang_vien.csv", "ket_qua.xlsx"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, f"thidua score did not write {name}"


def test_rating_check(installed: Installed) -> None:
    data = installed.copy / "data" / "mau"
    done = run([installed.thidua, "kiem-tra-xep-loai", str(data), "--nam", "2024"], installed.work, installed.env)
    assert done.returncode in {0, 1}, explain("thidua kiem-tra-xep-loai (0: as the rules say, 1: findings)", done)
    no_traceback(done)
    assert "Quy định" in done.stdout or "quy định" in done.stdout, done.stdout


def test_awards(installed: Installed) -> None:
    data = installed.copy / "data" / "mau"
    args = [installed.thidua, "khen-thuong", str(data), "--nam", "2025", "--out", "kt", "--ngay", "2026-01-17"]
    done = run(args, installed.work, installed.env)
    assert done.returncode == 0, explain("thidua khen-thuong", done)
    no_traceback(done)
    for name in ("danh_sach_khen_thuong_2025.xlsx", "danh_sach_khen_thuong_2025.docx"):
        assert (installed.work / "kt" / name).is_file(), f"thidua khen-thuong did not write {name}"


def test_migrations_run_from_the_installed_copy(installed: Installed) -> None:
    database = installed.work / "thu.db"
    args = [installed.thidua, "tai-khoan", "danh-sach", "--csdl", f"sqlite:///{database}"]
    done = run(args, installed.work, installed.env)
    assert done.returncode == 0, explain("thidua tai-khoan danh-sach on a new SQLite file", done)
    no_traceback(done)
    with sqlite3.connect(database) as connection:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision, "Alembic did not record a revision"


def test_criteria_cases(installed: Installed) -> None:
    """The YAML cases of the bundled plans and rules pass when run from the installed copy."""
    done = run([installed.thidua, "criteria", "test"], installed.work, installed.env)
    assert done.returncode == 0, explain("thidua criteria test", done)
    no_traceback(done)
    assert done.stdout.strip(), "thidua criteria test printed nothing: were the bundled cases found?"


@pytest.mark.parametrize("command", ["cham-diem", "khen-thuong"])
def test_help_names_no_path_of_the_machine(installed: Installed, command: str) -> None:
    wide = installed.env | {"COLUMNS": "400", "TERMINAL_WIDTH": "400"}  # one line per option: no path cut in two
    done = run([installed.thidua, command, "--help"], installed.work, wide)
    assert done.returncode == 0, explain(f"thidua {command} --help", done)
    paths = {
        str(REPO),
        str(installed.copy),
        str(installed.venv),
        str(installed.site_packages),
        str(SITE_PACKAGES),
        sys.prefix,
    }
    shown = [p for p in paths if p in done.stdout] + (["site-packages"] if "site-packages" in done.stdout else [])
    assert not shown, f"thidua {command} --help shows paths of this machine: {shown}\n{done.stdout}"

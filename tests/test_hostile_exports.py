"""Hostile text in what thidua writes, and hostile backups given to `thidua khoi-phuc` (tests/hostile/).

Every file the tool writes keeps a text that looks like a formula a text (tests/hostile/exports_values.yaml):
in XLSX a text cell, never a formula; in CSV a «'» first and every text quoted. Every writer is listed
here and a scan of the sources fails when a new one appears outside `scoring/outputs/excel.py`.

Every broken or malicious backup (tests/hostile/backup_attacks.yaml) is refused with its Vietnamese
message, in under 10 s and 1 GiB, by the library and by the command (exit 1, no traceback), and the
database is left as it was; random bytes and damaged backups only ever raise StoreError (hypothesis)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from giao_dien.access import TEST_SESSION_SETTING
from scoring.cli import app
from scoring.outputs.excel import csv_bytes
from scoring.outputs.views import workbook
from scoring.outputs.writers import write_tables
from scoring.store import Store, StoreError, connect
from scoring.store.accounts import SYSTEM
from scoring.store.backup import TABLE_NAMES, backup, restore
from scoring.store.models import Base
from tests.apptest_login import log_in
from tests.conftest import ROOT, VALID
from tests.hostile.backup_archives import build, members_of

HOSTILE = ROOT / "tests" / "hostile"
VALUES: list[dict[str, str]] = yaml.safe_load((HOSTILE / "exports_values.yaml").read_text(encoding="utf-8"))
TEXTS = [v["gia_tri"] for v in VALUES]
#: the texts put in a dataset file: a line break inside a CSV cell is an input problem, not an export one
CELL_TEXTS = [t for t in TEXTS if "\r" not in t and "\n" not in t]
ATTACKS: list[dict[str, Any]] = yaml.safe_load((HOSTILE / "backup_attacks.yaml").read_text(encoding="utf-8"))
#: how a cell a spreadsheet runs as a formula starts; a plain signed number is no formula
FORMULA = re.compile(r"[=+\-@\t\r＝＋－＠]")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)*%?")
LIMIT_SECONDS, LIMIT_BYTES = 10, 1 << 30
PASSWORD = "mat-khau-dai"
runner = CliRunner()


# --- what a written file holds ----------------------------------------------------------------------


def formula_cells(raw: bytes) -> list[str]:
    """Where a workbook holds a formula (an <f> element, or openpyxl's "f" type), or a formula-like text
    in a cell that is not a text cell."""
    with zipfile.ZipFile(io.BytesIO(raw)) as parts:
        found = [n for n in parts.namelist() if n.startswith("xl/worksheets/") and re.search(rb"<f[ >]", parts.read(n))]
    for sheet in openpyxl.load_workbook(io.BytesIO(raw)):
        for row in sheet.iter_rows():
            for cell in row:
                looks = isinstance(cell.value, str) and FORMULA.match(cell.value)
                if cell.data_type == "f" or (looks and cell.data_type != "s"):
                    found.append(f"{sheet.title}!{cell.coordinate} = {cell.value!r}")
    return found


def xlsx_texts(raw: bytes) -> set[str]:
    book = openpyxl.load_workbook(io.BytesIO(raw))
    return {c.value for sheet in book for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}


def csv_cells(raw: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")) for cell in row]


def unescaped(cells: list[str]) -> list[str]:
    return [c for c in cells if FORMULA.match(c) and not PLAIN_NUMBER.fullmatch(c)]


def reached(name: str, raw: bytes) -> bool:
    """Whether some hostile text made it into the file (else the check would prove nothing)."""
    if name.endswith(".csv"):
        return any(c.startswith("'") and FORMULA.match(c[1:]) for c in csv_cells(raw))
    return any(FORMULA.match(text) and not PLAIN_NUMBER.fullmatch(text) for text in xlsx_texts(raw))


# --- every writer, fed hostile text -----------------------------------------------------------------


@pytest.fixture(scope="module")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The small valid dataset with the hostile texts as names ("hop_le") and as ratings ("sai")."""
    made = {}
    for kind in ("hop_le", "sai"):
        folder = tmp_path_factory.mktemp(kind)
        shutil.copytree(VALID, folder, dirs_exist_ok=True)
        members = pd.read_csv(folder / "dang_vien.csv", dtype=str, keep_default_na=False)
        orgs = pd.read_csv(folder / "to_chuc.csv", dtype=str, keep_default_na=False)
        column = "ho_ten" if kind == "hop_le" else "xep_loai"
        members[column] = [CELL_TEXTS[i % len(CELL_TEXTS)] for i in range(len(members))]
        orgs["ten_to_chuc"] = [CELL_TEXTS[-i % len(CELL_TEXTS)] for i in range(len(orgs))]
        members.to_csv(folder / "dang_vien.csv", index=False)
        orgs.to_csv(folder / "to_chuc.csv", index=False)
        made[kind] = folder
    return made


def _command(args: list[str], out: Path) -> dict[str, bytes]:
    result = runner.invoke(app, args)
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit | None), result.output
    files = sorted(out.iterdir()) if out.is_dir() else [out]
    return {f.name: f.read_bytes() for f in files if f.suffix in (".csv", ".xlsx")}


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"Mã": [f"M{i}" for i in range(len(TEXTS))], "Họ và tên": TEXTS, "Điểm": range(len(TEXTS))})


def _dataset_tables() -> dict[str, pd.DataFrame]:
    orgs = pd.read_csv(VALID / "to_chuc.csv", dtype=str, keep_default_na=False)
    orgs = pd.concat([orgs] * (len(TEXTS) // len(orgs) + 1), ignore_index=True).head(len(TEXTS))
    return {"to_chuc": orgs.assign(ten_to_chuc=TEXTS)}


#: writer -> what it writes from hostile input (file name -> bytes)
WRITERS: dict[str, Callable[[dict[str, Path], Path], dict[str, bytes]]] = {
    "kiem-tra --xuat .xlsx (cli.app.save_report)": lambda d, tmp: _command(
        ["kiem-tra", str(d["sai"]), "--xuat", str(tmp / "loi.xlsx")], tmp / "loi.xlsx"
    ),
    "kiem-tra --xuat .csv (cli.app.save_report)": lambda d, tmp: _command(
        ["kiem-tra", str(d["sai"]), "--xuat", str(tmp / "loi.csv")], tmp / "loi.csv"
    ),
    "cham-diem (outputs.results: 3 CSV + ket_qua.xlsx)": lambda d, tmp: _command(
        ["cham-diem", str(d["hop_le"]), "--nam", "2024", "--xuat", str(tmp / "kq")], tmp / "kq"
    ),
    "kiem-tra-xep-loai --xuat (rating_views + views.workbook)": lambda d, tmp: _command(
        ["kiem-tra-xep-loai", str(d["hop_le"]), "--nam", "2024", "--xuat", str(tmp / "xl.xlsx")], tmp / "xl.xlsx"
    ),
    "khen-thuong (documents: danh sách, sơ kết)": lambda d, tmp: _command(
        ["khen-thuong", str(d["hop_le"]), "--nam", "2024", "--xuat", str(tmp / "kt")], tmp / "kt"
    ),
    "views.workbook (pages: xếp hạng, tự đánh giá, khen thưởng)": lambda d, tmp: {
        "bang.xlsx": workbook({"Xếp hạng": _frame()})
    },
    "writers.write_tables xlsx (sinh-du-lieu)": lambda d, tmp: {
        "du_lieu.xlsx": write_tables(_dataset_tables(), tmp / "ds", "xlsx")[0].read_bytes()
    },
    "excel.csv_bytes (Quản trị: nhật ký)": lambda d, tmp: {"nhat_ky.csv": csv_bytes(_frame())},
}


@pytest.mark.parametrize("writer", list(WRITERS))
def test_no_writer_lets_a_hostile_text_become_a_formula(writer: str, datasets: dict[str, Path], tmp_path: Path) -> None:
    files = WRITERS[writer](datasets, tmp_path)
    assert files, writer
    for name, raw in files.items():
        assert reached(name, raw), f"{writer}: no hostile text in {name}"
        if name.endswith(".xlsx"):
            assert formula_cells(raw) == [], (writer, name)
        else:
            assert unescaped(csv_cells(raw)) == [], (writer, name)


def test_xlsx_keeps_each_text_exactly_and_csv_escapes_it_as_the_table_says() -> None:
    written = {t.replace("\r", "_x000D_") for t in TEXTS}  # OOXML's escape, which Excel reads back as \r
    assert written <= xlsx_texts(workbook({"Bảng": _frame()}))
    raw = csv_bytes(_frame())
    cells = csv_cells(raw)
    for value in VALUES:
        assert value["csv"] in cells, value
        assert ('"' + value["csv"].replace('"', '""') + '"').encode() in raw, value  # every text quoted
    numbers = pd.DataFrame({"Điểm": [-2.5, 3.0], "Hạng": [-1, 2]})
    assert csv_bytes(numbers).decode("utf-8-sig") == '"Điểm","Hạng"\n-2.5,-1\n3.0,2\n'  # numbers stay numbers


def test_the_datasets_the_tool_reads_back_keep_their_values(tmp_path: Path) -> None:
    """The documented exception: `write_tables` CSV is the tool's own input format, so «=1» stays «=1»
    (a «'» would change an id read back); its XLSX form writes each text as a text cell."""
    tables = _dataset_tables()
    folder = tmp_path / "csv"
    write_tables(tables, folder, "csv")
    back = pd.read_csv(folder / "to_chuc.csv", dtype=str, keep_default_na=False)
    assert back["ten_to_chuc"].tolist() == TEXTS


def test_the_audit_log_download_keeps_a_login_name_a_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Anyone can type «=HYPERLINK(…)» as a login name; the refusal is logged, and the admin downloads
    the log as CSV from the Quản trị page."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import AppTest

    url = f"sqlite:///{tmp_path / 'thidua.db'}"
    store = Store(connect(url))
    store.create_account(SYSTEM, "quantri", PASSWORD, "quan_tri", None)
    for name in TEXTS[:5]:
        with pytest.raises(StoreError):
            store.authenticate(name, "sai-mat-khau")
    store.engine.dispose()
    monkeypatch.setenv("THIDUA_DB_URL", url)
    downloads: dict[str | None, Any] = {}
    keep = MemoryMediaFileStorage.load_and_get_id

    def saved(self: Any, data: Any, mimetype: str, kind: Any, filename: str | None = None) -> str:
        downloads[filename] = data
        return keep(self, data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", saved)
    at = AppTest.from_file(str(ROOT / "ung_dung.py"), default_timeout=180)
    monkeypatch.setenv(TEST_SESSION_SETTING, "1")  # AppTest sends no cookie: a real session handed over
    at.switch_page("giao_dien/quan_tri.py")
    log_in(at, "quantri", PASSWORD)
    assert not at.exception, at.exception[0].value
    log = downloads["nhat_ky.csv"]
    assert reached("nhat_ky.csv", log) and unescaped(csv_cells(log)) == []


#: every call that writes a spreadsheet, and where it may stand
WRITE_CALLS = re.compile(
    r"\.to_csv\(|\.to_excel\(|ExcelWriter\(|xlsxwriter\.Workbook\(|pacsv\.write_csv\(|csv\.(Dict)?[wW]riter\(|openpyxl"
)


def test_every_spreadsheet_writer_goes_through_the_safe_helper() -> None:
    """A new writer fails here until it uses scoring/outputs/excel.py (and gets a row in WRITERS)."""
    sources = [*sorted((ROOT / "scoring").rglob("*.py")), *sorted((ROOT / "giao_dien").glob("*.py")), ROOT / "app.py"]
    wrong = []
    for path in sources:
        where = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        for line in (line for line in text.splitlines() if WRITE_CALLS.search(line)):
            allowed = (
                where == "scoring/outputs/excel.py"  # the helper itself
                or (".to_excel(writer" in line and "excel_writer(" in text)  # a sheet of an excel_writer
                or ("xlsxwriter.Workbook(" in line and "SAFE_TEXT" in line)  # the template (fixed text)
                or (where == "scoring/outputs/writers.py" and "pacsv.write_csv(" in line)  # datasets (see above)
                or (where == "scoring/input/xlsx.py" and "openpyxl" in line)  # reading, not writing
            )
            if not allowed:
                wrong.append(f"{where}: {line.strip()}")
    assert wrong == []


# --- backups ----------------------------------------------------------------------------------------

TREE = pd.DataFrame(
    [("K", "Đảng bộ Khối", "cap_tren_co_so", None, None), ("A", "Chi bộ A", "chi_bo_co_so", "K", "co_quan_hanh_chinh")],
    columns=["ma_to_chuc", "ten_to_chuc", "cap", "ma_cap_tren", "loai_hinh"],
)
REPORT = {"don_vi": {"xep_loai": "HTTNV"}, "dang_vien": [{"ma_dang_vien": "DV1", "ho_ten": "Nguyễn Văn An"}]}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """A database with a row in every table, and the members of its real backup."""
    folder = tmp_path_factory.mktemp("sao_luu")
    store = Store(connect(f"sqlite:///{folder / 'goc.db'}"))
    store.import_tree(SYSTEM, TREE)
    store.create_account(SYSTEM, "quantri", PASSWORD, "quan_tri", None)
    store.create_account(SYSTEM, "chibo_a", PASSWORD, "chi_bo", "A")
    admin = store.authenticate("quantri", PASSWORD)
    draft = store.save_draft(admin, "A", 2025, REPORT, None)
    store.save_draft(admin, "A", 2025, REPORT, draft.phien_ban)
    backup(store.engine, folder / "goc.zip")
    store.engine.dispose()
    return folder / "goc.db", members_of(folder / "goc.zip")


def contents(url: str) -> list[tuple[str, list[str]]]:
    engine = connect(url, migrate=False)
    with engine.connect() as db:
        rows = [(name, sorted(map(repr, db.execute(select(Base.metadata.tables[name])).all()))) for name in TABLE_NAMES]
    engine.dispose()
    return rows


def refused(action: Callable[[], object]) -> tuple[str, float, int]:
    """The StoreError message of `action`, its seconds and its peak of Python memory."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(StoreError) as error:
            action()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return str(error.value), time.perf_counter() - started, peak


@pytest.mark.parametrize("attack", ATTACKS, ids=[a["ten"] for a in ATTACKS])
def test_a_hostile_backup_is_refused_and_changes_nothing(
    attack: dict[str, Any], base: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    shutil.copyfile(base[0], tmp_path / "thidua.db")
    url = f"sqlite:///{tmp_path / 'thidua.db'}"
    before = contents(url)
    archive = tmp_path / f"{attack['ten']}.zip"
    archive.write_bytes(build(attack, base[1]))
    engine = connect(url)
    message, seconds, peak = refused(lambda: restore(engine, archive, overwrite=True))
    engine.dispose()
    assert attack["thong_bao"] in message
    assert seconds < LIMIT_SECONDS and peak < LIMIT_BYTES, (seconds, peak)
    started = time.perf_counter()
    result = runner.invoke(app, ["khoi-phuc", str(archive), "--ghi-de", "--csdl", url])
    assert time.perf_counter() - started < LIMIT_SECONDS
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert attack["thong_bao"] in result.output and "Traceback" not in result.output
    assert contents(url) == before


def _sparse(path: Path, size: int) -> None:
    """A file of `size` bytes that takes no room on disk."""
    path.touch()
    os.truncate(path, size)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda path: None, "không có tệp này"),
        (lambda path: path.mkdir(), "không phải một tệp"),
        (lambda path: _sparse(path, (1 << 30) + 1), "quá giới hạn 1.073.741.824 byte"),
    ],
    ids=["khong_co", "thu_muc", "hon_1_gib"],
)
def test_a_path_that_is_no_backup_is_refused(
    make: Callable[[Path], object], message: str, base: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    path = tmp_path / "sao_luu.zip"
    make(path)
    shutil.copyfile(base[0], tmp_path / "thidua.db")
    engine = connect(f"sqlite:///{tmp_path / 'thidua.db'}")
    assert message in refused(lambda: restore(engine, path, overwrite=True))[0]
    engine.dispose()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@st.composite
def damaged(draw: st.DrawFn, members: dict[str, bytes]) -> bytes:
    """Random bytes, or the real backup with bytes changed, cut short, or a member or a cell replaced."""
    real = build({}, members)
    kind = draw(st.sampled_from(["bytes", "changed", "cut", "member", "cell"]))
    if kind == "bytes":
        return draw(st.binary(max_size=2048))
    if kind == "changed":
        changed = bytearray(real)
        for at, byte in draw(st.lists(st.tuples(st.integers(0, len(real) - 1), st.integers(0, 255)), min_size=1)):
            changed[at] = byte
        return bytes(changed)
    if kind == "cut":
        return real[: draw(st.integers(0, len(real) - 1))]
    name = draw(st.sampled_from(sorted(members)))
    if kind == "member":
        return build({"thay": {name: json.dumps(draw(JSON_VALUES))}}, members)
    table = name.removesuffix(".json")
    rows = json.loads(members[name])
    if table == "manifest" or not rows:
        return build({"sua_manifest": {draw(st.text(max_size=12)): draw(JSON_VALUES)}}, members)
    column = draw(st.sampled_from(sorted(rows[0])))
    return build({"sua_dong": {"bang": table, "dong": 0, "dat": {column: draw(JSON_VALUES)}}}, members)


@pytest.fixture(scope="module")
def target(base: tuple[Path, dict[str, bytes]], tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("dich") / "thidua.db"
    shutil.copyfile(base[0], path)
    return f"sqlite:///{path}"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_or_damaged_archives_only_raise_store_error(
    data: st.DataObject, base: tuple[Path, dict[str, bytes]], target: str, tmp_path: Path
) -> None:
    archive = tmp_path / "ngau_nhien.zip"
    archive.write_bytes(data.draw(damaged(base[1])))
    before = contents(target)
    engine = connect(target, migrate=False)
    try:
        restore(engine, archive, overwrite=True)
    except StoreError:
        assert contents(target) == before  # a refused archive writes nothing
    finally:
        engine.dispose()

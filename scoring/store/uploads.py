"""Files sent from the app: a dataset or a criteria file (Dữ liệu page), a unit's sheets (Tự đánh giá).

Who may send them is decided here, not by hiding a widget: a dataset or a criteria file only from an
account whose stored role may import (quan_tri), a unit's sheets only from an account whose scope holds
the unit; a refusal is logged like any other. Each file is read from a private temporary folder that is
removed before the function returns, whatever happens; every message names the file as the user called it,
never where the server put it — also when the name cannot be a file name on the server (too long, a control
character, none at all), in which case the file is written under a shortened or stand-in name. (The size,
nesting and alias limits of a YAML file are the reader's: `scoring.plans.yaml_source`.)"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from scoring.domain.text import fold
from scoring.input.dataset import Dataset, validate_dataset
from scoring.input.report import Location, ValidationReport, printable
from scoring.input.schema import OPTIONAL_TABLES, TABLES
from scoring.plans.loader import load_criteria
from scoring.plans.model import CriteriaSet
from scoring.plans.yaml_source import CriteriaError, Problem
from scoring.store.accounts import Account
from scoring.store.db import writer
from scoring.store.errors import PermissionDenied
from scoring.store.models import NhatKy, TaiKhoan
from scoring.store.service import Store
from scoring.store.workflow import read_upload

#: the roles that may replace the data or the criteria every page shows
IMPORT_ROLES = frozenset({"quan_tri"})
#: the audit log's action and target for a refused upload
ACTION, TARGET = "tai_len", "dữ liệu, tệp tiêu chí tải lên"
#: the longest name, in UTF-8 bytes, a file is written under on the server (file systems stop at 255; a long
#: Vietnamese title takes 2–3 bytes a letter): a longer one is shortened there, never in what the user reads
MAX_NAME_BYTES = 120
#: what a report calls the uploaded files together (a table none of them holds), or a file sent with no name
UPLOADED = "tệp tải lên"


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name the user's computer gave it, and its bytes."""

    name: str
    content: bytes


def may_import(actor: Account | None) -> bool:
    """Whether to offer the dataset and criteria uploads (the library checks again on reading)."""
    return actor is not None and actor.vai_tro in IMPORT_ROLES


def require_import(store: Store, actor: Account | None) -> Account:
    """The account as stored if it may upload a dataset or a criteria file, else PermissionDenied. The
    role is read from the database, not taken from `actor`; a refused account gets its audit line."""
    if actor is None:
        raise PermissionDenied("Không được phép: đăng nhập bằng tài khoản quản trị để tải dữ liệu, tệp tiêu chí lên.")
    with store.engine.connect() as db:
        row = db.execute(
            select(TaiKhoan.vai_tro, TaiKhoan.ma_to_chuc, TaiKhoan.ho_ten, TaiKhoan.bi_khoa).where(
                TaiKhoan.ten_dang_nhap == actor.ten_dang_nhap
            )
        ).first()
    if row is not None and not row.bi_khoa and row.vai_tro in IMPORT_ROLES:
        return Account(actor.ten_dang_nhap, row.vai_tro, row.ma_to_chuc, row.ho_ten)
    why = "chỉ quản trị tải dữ liệu và tệp tiêu chí lên"
    with writer(store.engine).begin() as db:
        db.execute(
            insert(NhatKy).values(
                luc=datetime.now(UTC), tai_khoan=actor.ten_dang_nhap, hanh_dong=ACTION, doi_tuong=TARGET,
                truoc=None, sau=None, duoc_phep=False, ghi_chu=why,
            )
        )  # fmt: skip
    shown = Account(actor.ten_dang_nhap, row.vai_tro, row.ma_to_chuc, row.ho_ten) if row is not None else actor
    raise PermissionDenied(f"Không được phép: {why} ({shown.label}).")


def read_dataset_upload(
    store: Store, actor: Account | None, files: Sequence[Upload]
) -> tuple[Dataset | None, ValidationReport]:
    """Check the uploaded dataset — one workbook, or the CSV files of its tables — as `validate_dataset`
    does; the report names each file as uploaded."""
    require_import(store, actor)
    with tempfile.TemporaryDirectory(prefix="thidua_") as folder:
        root = Path(folder)
        names, clashes = _stage(root, files)
        workbooks = [n for n in names if n.lower().endswith((".xlsx", ".xlsm"))]
        target = root / workbooks[0] if len(workbooks) == 1 and len(names) == 1 else root
        dataset, report = validate_dataset(target)
    _name_as_uploaded(report, root, names)
    if target == root:
        _unread_tables(report, names)
    for name in clashes:
        report.error(Location(name), f"Có hai tệp cùng tên «{name}» mà nội dung khác nhau: chọn lại, mỗi tên một tệp.")
        dataset = None
    if dataset is not None:
        dataset.source = ", ".join(f.name for f in files)
    return dataset, report


def read_criteria_upload(store: Store, actor: Account | None, upload: Upload) -> CriteriaSet:
    """Load an uploaded criteria file; CriteriaError (problems naming the file as uploaded) if it has errors.
    The set's `path` names a file that no longer exists: the content is in the set."""
    require_import(store, actor)
    with tempfile.TemporaryDirectory(prefix="thidua_") as folder:
        root = Path(folder)
        names, _ = _stage(root, [upload])
        (written, shown), *_ = names.items()
        try:
            return load_criteria(root / written)
        except CriteriaError as error:
            renamed = {str(root / written): shown}
            raise CriteriaError(
                [Problem(renamed.get(p.file, _without(p.file, root)), p.line, p.key, p.message) for p in error.problems]
            ) from None


def read_unit_upload(
    store: Store, actor: Account, unit: str, level: str, year: int, upload: Upload
) -> tuple[dict[str, Any] | None, ValidationReport]:
    """A unit's figures from its filled template (`workflow.read_upload`), for an account whose scope
    holds the unit."""
    store.require_scope(actor, unit, ACTION)
    with tempfile.TemporaryDirectory(prefix="thidua_td_") as folder:
        root = Path(folder)
        names, _ = _stage(root, [upload])
        (written, shown), *_ = names.items()
        read, report = read_upload(root / written, shown, unit, level, year)
    _name_as_uploaded(report, root, names)
    return read, report


def _unread_tables(report: ValidationReport, names: dict[str, str]) -> None:
    """A warning for each uploaded table file whose name is no table's (the reader leaves it aside)."""
    tables = (*TABLES, *OPTIONAL_TABLES)
    for written, shown in names.items():
        stem, extension = Path(written).stem, Path(written).suffix.lower()
        if extension in (".csv", ".parquet") and not any(fold(stem) in spec.sheet_names() for spec in tables):
            known = ", ".join(f"{spec.name}.csv" for spec in tables)
            report.warning(Location(shown), f"Tệp không mang tên bảng nào nên không được đọc: đặt tên là {known}.")


def _stage(folder: Path, files: Sequence[Upload]) -> tuple[dict[str, str], list[str]]:
    """Write the uploads into `folder`: the names written, each with the name its user knows, and the names
    of the files left out because an earlier file had the same name and other content (the same file sent
    twice is written once)."""
    names: dict[str, str] = {}
    contents: dict[str, bytes] = {}
    clashes: list[str] = []
    for number, upload in enumerate(files, 1):
        shown = printable(upload.name.strip()) or UPLOADED
        written = _server_name(upload.name, number)
        if written in names:
            if contents[written] == upload.content:
                continue
            if names[written] == shown:
                clashes.append(shown)
                continue
            extension, stand_in = Path(written).suffix, number
            while written in names:  # two names alike once shortened: the second under a stand-in
                written, stand_in = f"tep_{stand_in}{extension}", stand_in + len(files)
        (folder / written).write_bytes(upload.content)
        names[written], contents[written] = shown, upload.content
    return names, clashes


def _server_name(name: str, number: int) -> str:
    """The name an upload is written under: its own base name (never a path the user chose) with any control
    character replaced, shortened to MAX_NAME_BYTES keeping its extension; `tep_<number>` and the extension
    when nothing of the name is left («», «..»)."""
    base = "".join(c if c.isprintable() else "_" for c in re.split(r"[\\/]", name)[-1]).strip()
    extension = Path(base).suffix if len(Path(base).suffix) <= 10 else ""
    stem = base[: len(base) - len(extension)]
    while len(f"{stem}{extension}".encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return f"{stem}{extension}" if stem.strip(". ") else f"tep_{number}{extension}"


def _without(text: str, folder: Path) -> str:
    """`text` without the temporary folder: a file in it by its name, the folder itself as UPLOADED."""
    return text.replace(f"{folder}/", "").replace(str(folder), UPLOADED)


def _name_as_uploaded(report: ValidationReport, folder: Path, names: dict[str, str]) -> None:
    """The report's file column as the user knows the files: each by its name as uploaded, the folder as
    UPLOADED; and no message mentions the temporary folder."""
    known = {printable(str(folder / written)): shown for written, shown in names.items()}
    known[printable(str(folder))] = UPLOADED
    for part in report._parts:
        files = part["tep"].astype(str)
        together = files == printable(str(folder))
        part["tep"] = files.map(lambda f: known.get(f, _without(f, folder)))
        problems = part["van_de"].astype(str).map(lambda m: _without(m, folder))
        part["van_de"] = problems.where(
            ~together, problems.str.replace(" trong thư mục.", f" trong các {UPLOADED}.", regex=False)
        )

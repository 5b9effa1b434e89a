"""Files sent from the app: a dataset or a criteria file (Dữ liệu page), a unit's sheets (Tự đánh giá).

Who may send them is decided here, not by hiding a widget: a dataset or a criteria file only from an
account whose stored role may import (quan_tri), a unit's sheets only from an account whose scope holds
the unit; a refusal is logged like any other. Each file is read from a private temporary folder that is
removed before the function returns, whatever happens; messages name the file as the user called it,
never where the server put it. (The size, nesting and alias limits of a YAML file are the reader's:
`scoring.plans.yaml_source`.)"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from scoring.input.dataset import Dataset, validate_dataset
from scoring.input.report import ValidationReport
from scoring.plans.loader import load_criteria
from scoring.plans.model import CriteriaSet
from scoring.plans.yaml_source import CriteriaError, Problem
from scoring.store.db import writer
from scoring.store.models import NhatKy, TaiKhoan
from scoring.store.service import Account, PermissionDenied, Store
from scoring.store.workflow import read_upload

#: the roles that may replace the data or the criteria every page shows
IMPORT_ROLES = frozenset({"quan_tri"})
#: the audit log's action and target for a refused upload
ACTION, TARGET = "tai_len", "dữ liệu, tệp tiêu chí tải lên"


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
        names = [_write(root, f) for f in files]
        workbooks = [n for n in names if n.lower().endswith((".xlsx", ".xlsm"))]
        target = root / workbooks[0] if len(workbooks) == 1 and len(names) == 1 else root
        dataset, report = validate_dataset(target)
    _forget_folder(report, root)
    if dataset is not None:
        dataset.source = ", ".join(f.name for f in files)
    return dataset, report


def read_criteria_upload(store: Store, actor: Account | None, upload: Upload) -> CriteriaSet:
    """Load an uploaded criteria file; CriteriaError (problems naming the file as uploaded) if it has errors.
    The set's `path` names a file that no longer exists: the content is in the set."""
    require_import(store, actor)
    with tempfile.TemporaryDirectory(prefix="thidua_") as folder:
        path = Path(folder) / _write(Path(folder), upload)
        try:
            return load_criteria(path)
        except CriteriaError as error:
            raise CriteriaError(
                [
                    Problem(upload.name if p.file == str(path) else p.file, p.line, p.key, p.message)
                    for p in error.problems
                ]
            ) from None


def read_unit_upload(
    store: Store, actor: Account, unit: str, level: str, year: int, upload: Upload
) -> tuple[dict[str, Any] | None, ValidationReport]:
    """A unit's figures from its filled template (`workflow.read_upload`), for an account whose scope
    holds the unit."""
    store.require_scope(actor, unit, ACTION)
    with tempfile.TemporaryDirectory(prefix="thidua_td_") as folder:
        path = Path(folder) / _write(Path(folder), upload)
        return read_upload(path, upload.name, unit, level, year)


def _write(folder: Path, upload: Upload) -> str:
    """Write the upload under its own base name (never a path the user chose); the name used."""
    name = Path(upload.name).name
    if name in ("", ".", ".."):
        name = "tep_tai_len"
    (folder / name).write_bytes(upload.content)
    return name


def _forget_folder(report: ValidationReport, folder: Path) -> None:
    """The report's file column as the user knows the files: without the temporary folder."""
    for part in report._parts:
        part["tep"] = part["tep"].astype(str).str.replace(f"{folder}/", "", regex=False)
        part.loc[part["tep"] == str(folder), "tep"] = "tệp tải lên"

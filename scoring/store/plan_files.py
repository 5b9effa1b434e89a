"""The plan files (`tieu_chi`) and rating rules files (`quy_dinh`) in use, kept in the database with
every version: text, SHA-256, who uploaded it and when, and which version of each name is active.

- `seed_bundled(store)`: on first use (no file of a kind stored yet), the bundled files are stored as
  version 1 by the system account; `active_files` and `active_text` seed before reading.
- `upload(store, actor, kind, name, content)`: quan_tri only (a refusal is audited); the text is checked
  (`check_criteria` / `check_rules`) before anything is stored; a new version of that name becomes the
  active one, the earlier ones are kept. The same text as the active version stores nothing. A name no
  file may be stored under (`name_problem`: blank, control characters, a folder, over 255 bytes) is
  refused; the text is always checked from a temporary file of a fixed name, never the uploader's.
- `active_files`, `active_text`, `history`: what the pages read.
- `plan_from_text`: a stored plan file's text loaded as a CriteriaSet (cached per name and SHA-256), what
  the pages' plan picker scores by; `rules_in_use(store, year)`: the rules file in force in a year among
  the active rules files of the database (the bundled folder when the database holds none), what the
  workflow's rating check uses.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, insert, select, update

from scoring.plans.bundled import plan_files, rules_folder
from scoring.plans.loader import check_criteria, load_criteria
from scoring.plans.model import CriteriaSet
from scoring.plans.rating_rules import RulesError, RuleSet, check_rules, rules_for_year
from scoring.plans.yaml_source import CriteriaError, Problem
from scoring.store.accounts import SYSTEM, Account
from scoring.store.db import writer
from scoring.store.errors import StoreError
from scoring.store.models import TepCauHinh
from scoring.store.service import Store

KINDS = {"tieu_chi": "Tệp tiêu chí", "quy_dinh": "Quy định xếp loại"}
ACTION = "tai_tep_cau_hinh"
#: the largest file stored (the YAML reader has its own, lower, limits)
MAX_BYTES = 2 * 2**20
#: the longest file name stored, in UTF-8 bytes (what most file systems allow)
MAX_NAME_BYTES = 255
#: the longest name the database column keeps (models.TepCauHinh.ten)
MAX_NAME_CHARS = 200
_CHECKS: dict[str, Callable[[Path], tuple[Any, list[Problem]]]] = {"tieu_chi": check_criteria, "quy_dinh": check_rules}


@dataclass(frozen=True)
class StoredFile:
    loai: str
    ten: str
    phien_ban: int
    sha256: str
    tai_len_boi: str
    tai_len_luc: datetime
    dang_dung: bool


def _bundled(kind: str) -> list[Path]:
    return plan_files() if kind == "tieu_chi" else sorted(rules_folder().glob("*.yaml"))


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise StoreError(f"Loại tệp «{kind}» không có; dùng một trong: {', '.join(KINDS)}.")
    return kind


def _seed(db: Connection, kind: str) -> int:
    if db.scalar(select(func.count()).select_from(TepCauHinh).where(TepCauHinh.loai == kind)):
        return 0
    now = datetime.now(UTC)
    rows = [
        {"loai": kind, "ten": path.name, "phien_ban": 1, "noi_dung": text, "sha256": _sha(text),
         "tai_len_boi": SYSTEM.ten_dang_nhap, "tai_len_luc": now, "dang_dung": True}
        for path in _bundled(kind)
        for text in [path.read_text(encoding="utf-8")]
    ]  # fmt: skip
    if rows:
        db.execute(insert(TepCauHinh), rows)
    return len(rows)


def seed_bundled(store: Store) -> int:
    """Store the bundled files of each kind that has none stored yet; how many were stored."""
    with writer(store.engine).begin() as db:
        return sum(_seed(db, kind) for kind in KINDS)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _temp_name(name: str) -> str:
    """The name a file called `name` by its uploader is written under in a temporary folder: fixed, only
    the suffix .yaml/.yml kept (an upload's name may be «..», hold a NUL byte or be too long for a disk)."""
    suffix = Path(name).suffix.lower()
    return f"tep{suffix}" if suffix in (".yaml", ".yml") else "tep.yaml"


def name_problem(name: str) -> str | None:
    """Why `name` cannot name a stored file (the sentence shown), or None when it can: blank, a control
    character (NUL…), a path separator, only dots, or over `MAX_NAME_CHARS` characters (the database column) or
    `MAX_NAME_BYTES` bytes in UTF-8 (a file system's limit)."""
    shown = _shown_name(name)
    if not name.strip():
        return "Tên tệp trống: đặt tên cho tệp (ví dụ «tieu_chi_2026.yaml») rồi tải lên lại."
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name):
        return f"Tên tệp «{shown}» có ký tự điều khiển: đổi tên tệp rồi tải lên lại."
    if "/" in name or "\\" in name:
        return f"Tên tệp «{shown}» không được chứa dấu «/» hay «\\»: chỉ ghi tên tệp, không ghi thư mục."
    if not name.strip().strip("."):
        return f"Tên tệp «{shown}» không dùng được: đặt tên cho tệp (ví dụ «tieu_chi_2026.yaml»)."
    if len(name.encode("utf-8")) > MAX_NAME_BYTES or len(name) > MAX_NAME_CHARS:
        return (
            f"Tên tệp quá dài (tối đa {MAX_NAME_CHARS} ký tự, {MAX_NAME_BYTES} byte): «{shown}»; "
            "đặt tên ngắn hơn rồi tải lên lại."
        )
    return None


def _shown_name(name: str, limit: int = 80) -> str:
    """A file's name as a message or the audit log quotes it: control characters as «?», cut to `limit` characters."""
    clean = "".join("?" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in name)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def check_text(kind: str, name: str, text: str) -> list[Problem]:
    """The problems of a plan or rules file's text (none: it may be stored), naming the file `name`
    (whatever it is: the text is checked from a temporary file of a fixed name, `_temp_name`)."""
    with tempfile.TemporaryDirectory(prefix="thidua_tep_") as folder:
        path = Path(folder) / _temp_name(name)
        path.write_text(text, encoding="utf-8")
        found, problems = _CHECKS[_kind(kind)](path)
    problems = [Problem(name if p.file == str(path) else p.file, p.line, p.key, p.message) for p in problems]
    if found is None and not problems:
        problems = [Problem(name, 0, "", "tệp không đọc được")]
    return problems


def upload(store: Store, actor: Account, kind: str, name: str, content: bytes) -> StoredFile:
    """Store `content` as the new active version of the file `name` of `kind` (quan_tri only; checked
    first: CriteriaError naming the problems, nothing stored)."""
    kind, problem = _kind(kind), name_problem(name)
    name = name.strip() if problem is None else _shown_name(name)
    target = f"{KINDS[kind]} «{_shown_name(name)}»"  # the audit log's column is 200 characters
    with store._acting(actor, ACTION, target) as (_, me):
        store._require(me, me.vai_tro == "quan_tri", ACTION, target, "chỉ quản trị tải tệp tiêu chí, quy định lên")
    if problem is not None:
        raise StoreError(problem)
    if not name.lower().endswith((".yaml", ".yml")):
        raise StoreError(f"Tệp «{name}» phải có đuôi .yaml hoặc .yml.")
    if len(content) > MAX_BYTES:
        raise StoreError(f"Tệp «{name}» quá lớn (tối đa {MAX_BYTES // 2**20} MB).")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise StoreError(f"Tệp «{name}» không phải văn bản UTF-8.") from error
    problems = check_text(kind, name, text)
    if problems:
        raise CriteriaError(problems)
    now = datetime.now(UTC)
    with store._acting(actor, ACTION, target, write=True) as (db, me):
        _seed(db, kind)
        same = db.execute(
            select(TepCauHinh).where(TepCauHinh.loai == kind, TepCauHinh.ten == name, TepCauHinh.dang_dung)
        ).first()
        if same is not None and same.sha256 == _sha(text):
            return _stored(same)
        version = (
            db.scalar(select(func.max(TepCauHinh.phien_ban)).where(TepCauHinh.loai == kind, TepCauHinh.ten == name))
            or 0
        ) + 1
        db.execute(update(TepCauHinh).where(TepCauHinh.loai == kind, TepCauHinh.ten == name).values(dang_dung=False))
        row = {"loai": kind, "ten": name, "phien_ban": version, "noi_dung": text, "sha256": _sha(text),
               "tai_len_boi": me.ten_dang_nhap, "tai_len_luc": now, "dang_dung": True}  # fmt: skip
        db.execute(insert(TepCauHinh).values(**row))
        before = {"phien_ban": same.phien_ban, "sha256": same.sha256} if same is not None else None
        store._log(db, me, ACTION, target, before, {"phien_ban": version, "sha256": row["sha256"]}, True)
    return StoredFile(kind, name, version, str(row["sha256"]), me.ten_dang_nhap, now, True)


def _stored(row: Any) -> StoredFile:
    return StoredFile(row.loai, row.ten, row.phien_ban, row.sha256, row.tai_len_boi, row.tai_len_luc, row.dang_dung)


def active_files(store: Store, kind: str | None = None) -> list[StoredFile]:
    """The active version of each stored file (of `kind`, default both), by kind and name."""
    seed_bundled(store)
    query = select(TepCauHinh).where(TepCauHinh.dang_dung).order_by(TepCauHinh.loai, TepCauHinh.ten)
    if kind is not None:
        query = query.where(TepCauHinh.loai == _kind(kind))
    with store.engine.connect() as db:
        return [_stored(r) for r in db.execute(query)]


def active_text(store: Store, kind: str, name: str) -> str | None:
    """The text of the active version of a file, or None when there is no such file (nor could be: a name
    no file may be stored under is not looked up)."""
    if name_problem(name) is not None:
        return None
    seed_bundled(store)
    with store.engine.connect() as db:
        return db.scalar(
            select(TepCauHinh.noi_dung).where(
                TepCauHinh.loai == _kind(kind), TepCauHinh.ten == name, TepCauHinh.dang_dung
            )
        )


def history(store: Store, kind: str | None = None) -> pd.DataFrame:
    """Every stored version (no text), newest first."""
    columns = ["loai", "ten", "phien_ban", "sha256", "tai_len_boi", "tai_len_luc", "dang_dung"]
    query = select(*(getattr(TepCauHinh, c) for c in columns)).order_by(
        TepCauHinh.loai, TepCauHinh.ten, TepCauHinh.phien_ban.desc()
    )
    if kind is not None:
        query = query.where(TepCauHinh.loai == _kind(kind))
    with store.engine.connect() as db:
        return pd.DataFrame(db.execute(query).all(), columns=columns)


# --- the files in use --------------------------------------------------------------------------------

#: where a plan or rules file loaded from the database says it came from (`CriteriaSet.path`,
#: `RuleSet.path`): «csdl:<kind>/<sha256 prefix>/<name>», so that `Path(path).name` is the stored name
#: and the path differs whenever the content does (the pages key their caches by it)
DB_PREFIX = "csdl:"
_LOCK = threading.Lock()
_PLANS: dict[tuple[str, str], CriteriaSet] = {}
_RULES: dict[tuple[tuple[tuple[str, str], ...], int], RuleSet | RulesError] = {}


def _db_path(kind: str, name: str, sha: str) -> str:
    return f"{DB_PREFIX}{kind}/{sha[:16]}/{name}"


def plan_from_text(name: str, text: str) -> CriteriaSet:
    """A stored plan file's text loaded (read once per name and content): CriteriaError when it has
    problems (a stored file was checked before it was stored)."""
    key = (name, _sha(text))
    with _LOCK:
        hit = _PLANS.get(key)
    if hit is not None:
        return hit
    with tempfile.TemporaryDirectory(prefix="thidua_tep_") as folder:
        path = Path(folder) / _temp_name(name)
        path.write_text(text, encoding="utf-8")
        criteria = load_criteria(path)
    criteria = dataclasses.replace(criteria, path=_db_path("tieu_chi", name, key[1]))
    with _LOCK:
        if len(_PLANS) > 64:
            _PLANS.clear()
        _PLANS[key] = criteria
    return criteria


def active_plans(store: Store) -> list[tuple[StoredFile, CriteriaSet]]:
    """The active plan files of the database (seeded with the bundled ones), each loaded, by name."""
    seed_bundled(store)
    query = select(TepCauHinh).where(TepCauHinh.loai == "tieu_chi", TepCauHinh.dang_dung).order_by(TepCauHinh.ten)
    with store.engine.connect() as db:
        rows = list(db.execute(query))
    return [(_stored(r), plan_from_text(r.ten, r.noi_dung)) for r in rows]


def rules_signature(store: Store) -> tuple[tuple[str, str], ...]:
    """The active rules files of the database, (name, SHA-256) each: changes with every upload."""
    query = select(TepCauHinh.ten, TepCauHinh.sha256).where(TepCauHinh.loai == "quy_dinh", TepCauHinh.dang_dung)
    with store.engine.connect() as db:
        return tuple(sorted((str(n), str(s)) for n, s in db.execute(query)))


def rules_in_use(store: Store, year: int) -> RuleSet:
    """The rules file in force in `year` among the active rules files of the database (the bundled
    folder only when the database holds none); RulesError, as `rules_for_year`, when none or several are.
    Read once per year and set of stored files: a new upload takes effect at once."""
    signature = rules_signature(store)
    key = (signature, year)
    with _LOCK:
        hit = _RULES.get(key)
    if hit is None:
        hit = _rules_from_db(store, signature, year) if signature else _bundled_rules(year)
        with _LOCK:
            if len(_RULES) > 64:
                _RULES.clear()
            _RULES[key] = hit
    if isinstance(hit, RulesError):
        raise hit
    return hit


def _bundled_rules(year: int) -> RuleSet | RulesError:
    """The bundled rules file in force in `year` (installed with the package: read once per process)."""
    try:
        return rules_for_year(year, rules_folder())
    except RulesError as error:
        return error


def _rules_from_db(store: Store, signature: tuple[tuple[str, str], ...], year: int) -> RuleSet | RulesError:
    query = select(TepCauHinh.ten, TepCauHinh.sha256, TepCauHinh.noi_dung).where(
        TepCauHinh.loai == "quy_dinh", TepCauHinh.dang_dung
    )
    with store.engine.connect() as db:
        rows = [(str(n), str(s), str(t)) for n, s, t in db.execute(query)]
    with tempfile.TemporaryDirectory(prefix="thidua_quy_dinh_") as folder:
        stored: dict[str, str] = {}
        for name, sha, text in rows:
            path = Path(folder) / (Path(name).name or "tep.yaml")
            path = path if path.suffix == ".yaml" else path.with_suffix(".yaml")
            path.write_text(text, encoding="utf-8")
            stored[str(path)] = _db_path("quy_dinh", name, sha)
        try:
            rules = rules_for_year(year, folder)
        except RulesError as error:
            named = [
                Problem(stored.get(p.file, "csdl:quy_dinh" if p.file == folder else p.file), p.line, p.key, p.message)
                for p in error.problems
            ]
            return RulesError(named)
    return dataclasses.replace(rules, path=stored.get(str(rules.path), str(rules.path)))

"""The workflow's library layer: every read and write takes the acting account, and access is decided
here — not in the pages — so a user never sees, downloads or changes another unit's member data.

Roles: `quan_tri` (Ban Tuyên giáo: everything), `cap_uy_co_so` (its TCCSĐ and the chi bộ under it),
`chi_bo` (its own chi bộ), `xem` (read-only summaries: states and counts, no member data).

A submission (one unit, one year) moves Nháp → Đã gửi → Trả lại (with a reason) / Đã duyệt. Every
write is a compare-and-set on the version the user last saw: a stale save is refused with a message,
never silently overwritten; the write, its version history and its audit line commit together or
not at all (a crash mid-save leaves the last good version). Denied attempts are logged too.

Hostile callers are assumed:
- the role and unit of the acting account are read from the database inside every public method (in
  the method's own transaction), never taken from the `Account` object handed in; an account that is
  not there, or is disabled, is refused. Only the `SYSTEM` object itself (the command line) is not
  looked up: an equal copy of it is just an unknown name.
- four eyes (`THIDUA_DUYET_HAI_NGUOI`, on unless set to 0): whoever saved or sent a report since it
  was begun or last returned does not approve it; returning it stays allowed (it makes nothing count).
  When the rule is off, every approval's audit line says so.
- an approval is refused, and the refusal logged, when a member of the report is in another unit's
  approved report of the year (the other unit named); concurrent approvals of a year take turns.
- a login costs the same for a known and an unknown name (an unknown name is verified against a
  dummy hash made with the same argon2 parameters), and the lockout is decided atomically: each
  attempt is recorded, as a failure until proven otherwise, before its password is checked, under a
  lock on the name (PostgreSQL: an advisory lock for the transaction; SQLite: the write lock).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update

from scoring.domain.codes import CAP, CHI_BO_LEVELS, TCCSD_LEVELS
from scoring.store.db import writer
from scoring.store.models import BaoCao, BaoCaoPhienBan, NhatKy, TaiKhoan, ToChuc
from scoring.store.submission import check_submission, member_labels, shared_members

TREE_COLUMNS = ["ma_to_chuc", "ten_to_chuc", "cap", "ma_cap_tren", "loai_hinh"]

ROLES = {
    "quan_tri": "Quản trị (Ban Tuyên giáo)",
    "cap_uy_co_so": "Cấp ủy cơ sở",
    "chi_bo": "Chi bộ",
    "xem": "Chỉ xem",
}
STATES = {"nhap": "Nháp", "da_gui": "Đã gửi", "tra_lai": "Trả lại", "da_duyet": "Đã duyệt"}
NOT_SUBMITTED = "Chưa nộp"
#: what the audit log's action codes mean
ACTIONS = {
    "dang_nhap": "Đăng nhập", "dang_nhap_bi_chan": "Đăng nhập (tạm khóa)", "doi_mat_khau": "Đổi mật khẩu",
    "dat_lai_mat_khau": "Đặt lại mật khẩu", "tao_tai_khoan": "Tạo tài khoản", "xem_tai_khoan": "Xem tài khoản",
    "tao_quan_tri_dau_tien": "Tạo quản trị đầu tiên", "nap_to_chuc": "Nạp cây tổ chức", "nap_so_lieu": "Nạp số liệu",
    "doc_bao_cao": "Đọc báo cáo", "xem_danh_gia": "Tính thử báo cáo", "luu_nhap": "Lưu nháp", "gui": "Gửi duyệt",
    "tra_lai": "Trả lại", "duyet": "Duyệt", "xem_nhat_ky": "Xem nhật ký", "pham_vi": "Xem phạm vi",
    "xem_bang_theo_doi": "Xem bảng theo dõi", "xem_phieu_diem": "Xem phiếu điểm", "tai_len": "Tải tệp lên",
    "hoan_tac_nap": "Hoàn tác lần nạp", "xem_lan_nhap": "Xem các lần nạp",
    "tai_tep_cau_hinh": "Tải tệp tiêu chí, quy định",
}  # fmt: skip
MIN_PASSWORD = 8
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
#: the levels an account of each role is attached to (quan_tri and xem: none)
ROLE_LEVELS = {"cap_uy_co_so": TCCSD_LEVELS, "chi_bo": CHI_BO_LEVELS}
#: wrong passwords for one user name within LOCK_MINUTES before further attempts wait
MAX_FAILURES, LOCK_MINUTES = 5, 15
#: argon2id at argon2-cffi's defaults (RFC 9106 low-memory profile): 3 passes over 64 MiB, 4 lanes, a
#: 16-byte salt, a 32-byte hash — about 0.1 s a login; the tests swap in a cheap one (tests/conftest.py)
_HASHER = PasswordHasher()
_DUMMY: list[tuple[PasswordHasher, str]] = []  # (hasher, a hash of a secret nobody knows) for unknown names
#: the four-eyes setting: 1 (default) or 0 for a unit too small to have a second reviewer
FOUR_EYES_SETTING = "THIDUA_DUYET_HAI_NGUOI"
_ON, _OFF = ("1", "co", "có", "bat", "bật", "true", "on"), ("0", "khong", "không", "tat", "tắt", "false", "off")


class StoreError(Exception):
    """A refused action; the message is Vietnamese and says why."""


class PermissionDenied(StoreError):
    pass


class StaleVersion(StoreError):
    pass


def four_eyes_setting(environ: Mapping[str, str] | None = None) -> bool:
    """THIDUA_DUYET_HAI_NGUOI: on (1, the default) unless it says 0 (off)."""
    value = (os.environ if environ is None else environ).get(FOUR_EYES_SETTING, "1").strip().lower()
    if value in _ON or not value:
        return True
    if value in _OFF:
        return False
    raise StoreError(f"{FOUR_EYES_SETTING}=«{value}» không hiểu được: dùng 1 (bật, mặc định) hoặc 0 (tắt).")


def _dummy_hash() -> str:
    """What an unknown name's password is checked against: a hash made by the hasher in use (so with
    its parameters and its cost), of a secret nobody knows, so the check always fails."""
    if not _DUMMY or _DUMMY[0][0] is not _HASHER:
        _DUMMY[:] = [(_HASHER, _HASHER.hash(secrets.token_urlsafe(32)))]
    return _DUMMY[0][1]


def _lock_key(username: str) -> int:
    """The PostgreSQL advisory-lock key of a user name's login attempts (a signed 64-bit number)."""
    digest = hashlib.blake2b(f"dang_nhap:{username}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass(frozen=True)
class Account:
    ten_dang_nhap: str
    vai_tro: str
    ma_to_chuc: str | None = None
    ho_ten: str = ""

    @property
    def label(self) -> str:
        unit = f" — {self.ma_to_chuc}" if self.ma_to_chuc else ""
        return f"{self.ho_ten or self.ten_dang_nhap} ({ROLES.get(self.vai_tro, self.vai_tro)}{unit})"


#: the command line acts as this account (it runs on the server, by whoever administers it); the
#: store recognises this very object, not an equal copy, and no stored account may take its name
SYSTEM = Account("he_thong", "quan_tri", None, "Dòng lệnh quản trị")


class _Refused(Exception):
    """A refusal decided inside a transaction: the transaction is rolled back, then the refusal is
    logged on its own (so its audit line stays) and `error` is raised to the caller."""

    def __init__(self, account: Account, action: str, target: str, note: str, error: StoreError, after: Any = None):
        super().__init__(note)
        self.account, self.action, self.target, self.note, self.error, self.after = (
            account, action, target, note, error, after,
        )  # fmt: skip


@dataclass(frozen=True)
class Submission:
    ma_to_chuc: str
    nam: int
    trang_thai: str
    phien_ban: int
    du_lieu: dict[str, Any]
    ly_do_tra_lai: str | None
    cap_nhat_boi: str
    cap_nhat_luc: datetime

    @property
    def trang_thai_label(self) -> str:
        return STATES[self.trang_thai]


def _now() -> datetime:
    return datetime.now(UTC)


class Store:
    def __init__(self, engine: Engine, four_eyes: bool | None = None) -> None:
        """`four_eyes`: whether whoever prepared a report may not approve it (default: the setting
        THIDUA_DUYET_HAI_NGUOI, on unless 0)."""
        self.engine = engine
        self.four_eyes = four_eyes_setting() if four_eyes is None else four_eyes

    # --- the tree and who may do what ---------------------------------------------------------

    def import_tree(self, actor: Account, to_chuc: pd.DataFrame) -> int:
        """Replace the organisation tree with a dataset's Tổ chức table (quan_tri only)."""
        rows = [
            {
                "ma_to_chuc": str(r["ma_to_chuc"]),
                "ten_to_chuc": str(r["ten_to_chuc"]),
                "cap": str(r["cap"]),
                "ma_cap_tren": None if pd.isna(r["ma_cap_tren"]) else str(r["ma_cap_tren"]),
                "loai_hinh": None if pd.isna(r.get("loai_hinh")) else str(r.get("loai_hinh")),
            }
            for r in to_chuc.to_dict("records")
        ]
        with self._acting(actor, "nap_to_chuc", "cây tổ chức", write=True) as (db, me):
            self._require(me, me.vai_tro == "quan_tri", "nap_to_chuc", "cây tổ chức", "chỉ quản trị nạp cây tổ chức")
            known = set(db.scalars(select(ToChuc.ma_to_chuc)))
            db.execute(delete(ToChuc).where(ToChuc.ma_to_chuc.not_in([r["ma_to_chuc"] for r in rows])))
            for row in rows:
                if row["ma_to_chuc"] in known:
                    db.execute(update(ToChuc).where(ToChuc.ma_to_chuc == row["ma_to_chuc"]).values(**row))
                else:
                    db.execute(insert(ToChuc).values(**row))
            self._log(db, me, "nap_to_chuc", "cây tổ chức", None, {"so_to_chuc": len(rows)}, True)
        return len(rows)

    def _tree(self, db: Connection) -> dict[str, str | None]:
        return {r.ma_to_chuc: r.ma_cap_tren for r in db.execute(select(ToChuc.ma_to_chuc, ToChuc.ma_cap_tren))}

    @staticmethod
    def _under(tree: dict[str, str | None], root: str) -> set[str]:
        """`root` and every organisation below it."""
        children: dict[str | None, list[str]] = {}
        for unit, parent in tree.items():
            children.setdefault(parent, []).append(unit)
        found, todo = {root}, [root]
        while todo:
            for child in children.get(todo.pop(), []):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return found

    def tree(self) -> pd.DataFrame:
        """The stored organisation tree, one row per organisation (the columns of Tổ chức)."""
        with self.engine.connect() as db:
            return self._tree_frame(db)

    @staticmethod
    def _tree_frame(db: Connection) -> pd.DataFrame:
        rows = db.execute(select(*(getattr(ToChuc, c) for c in TREE_COLUMNS)).order_by(ToChuc.ma_to_chuc)).all()
        return pd.DataFrame(rows, columns=TREE_COLUMNS)

    def current_account(self, actor: Account) -> Account:
        """The account as the database has it now (role, unit, name); refused if it is gone or disabled.
        A page may call it on each run to follow a changed role or end a disabled account's session."""
        with self._acting(actor, "pham_vi", "tài khoản") as (_, me):
            return me

    def scope(self, actor: Account) -> set[str]:
        """The units whose member data `actor` may see and change."""
        with self._acting(actor, "pham_vi", "phạm vi") as (db, me):
            return self._scope(db, me)

    def _scope(self, db: Connection, me: Account) -> set[str]:
        """`me` must come from `_acting` (the role as stored), never from a caller."""
        tree = self._tree(db)
        if me.vai_tro == "quan_tri":
            return set(tree)
        if me.vai_tro == "cap_uy_co_so" and me.ma_to_chuc:
            return self._under(tree, me.ma_to_chuc)
        if me.vai_tro == "chi_bo" and me.ma_to_chuc:
            return {me.ma_to_chuc}
        return set()

    def require_scope(self, actor: Account, unit: str, action: str) -> set[str]:
        """Refuse (and log) unless `unit`'s member data are within the actor's scope; the scope."""
        with self._acting(actor, action, unit) as (db, me):
            scope = self._scope(db, me)
            self._require(me, unit in scope, action, unit, "không được xem số liệu đảng viên của đơn vị này")
        return scope

    def editable(self, actor: Account) -> list[str]:
        """The units whose self-assessment `actor` may fill, in tree order (none for `xem`)."""
        with self._acting(actor, "pham_vi", "đơn vị được nhập") as (db, me):
            units = set() if me.vai_tro == "xem" else self._scope(db, me)
            order = db.scalars(select(ToChuc.ma_to_chuc).order_by(ToChuc.ma_to_chuc)).all()
        return [u for u in order if u in units]

    def reviewable(self, actor: Account) -> list[str]:
        """The units whose submissions `actor` approves or returns."""
        with self._acting(actor, "pham_vi", "đơn vị được duyệt") as (db, me):
            units = self._reviewers_scope(db, me)
            order = db.scalars(select(ToChuc.ma_to_chuc).order_by(ToChuc.ma_to_chuc)).all()
        return [u for u in order if u in units]

    def names(self) -> dict[str, tuple[str, str]]:
        """Every organisation: id -> (name, level). Names and levels are not member data."""
        with self.engine.connect() as db:
            return {r.ma_to_chuc: (r.ten_to_chuc, r.cap) for r in db.execute(select(ToChuc))}

    def revision(self) -> tuple[int, int]:
        """Changes whenever a submission or the tree changes (keys caches of what is built from them)."""
        with self.engine.connect() as db:
            versions = db.scalar(select(func.max(BaoCaoPhienBan.id))) or 0
            trees = db.scalar(select(func.max(NhatKy.id)).where(NhatKy.hanh_dong == "nap_to_chuc")) or 0
        return int(versions), int(trees)

    def _reviewers_scope(self, db: Connection, me: Account) -> set[str]:
        """The units whose submissions `me` (from `_acting`) reviews: quan_tri every unit; a cấp ủy cơ sở
        the units strictly below its TCCSĐ (its own submission goes to the level above it)."""
        if me.vai_tro == "quan_tri":
            return set(self._tree(db))
        if me.vai_tro == "cap_uy_co_so" and me.ma_to_chuc:
            return self._under(self._tree(db), me.ma_to_chuc) - {me.ma_to_chuc}
        return set()

    # --- accounts -------------------------------------------------------------------------------

    def create_account(
        self, actor: Account, username: str, password: str, role: str, unit: str | None = None, name: str = ""
    ) -> Account:
        username = username.strip().lower()  # user names are not case-sensitive: «Chibo» is «chibo»
        problems = []
        if not USERNAME.match(username):
            problems.append("tên đăng nhập cần 3–64 ký tự, chỉ gồm chữ không dấu, số và . _ -")
        if username == SYSTEM.ten_dang_nhap:
            problems.append(f"tên đăng nhập «{username}» dành cho dòng lệnh quản trị")
        if role not in ROLES:
            problems.append(f"vai trò «{role}» không có; dùng một trong: {', '.join(ROLES)}")
        levels = ROLE_LEVELS.get(role)
        if levels and not unit:
            problems.append(f"vai trò «{ROLES[role]}» cần chọn đơn vị")
        if role in ("quan_tri", "xem") and unit:
            problems.append(f"vai trò «{ROLES[role]}» không gắn với đơn vị nào")
        if len(password) < MIN_PASSWORD:
            problems.append(f"mật khẩu cần ít nhất {MIN_PASSWORD} ký tự")
        hashed = _HASHER.hash(password)  # before the transaction: the write lock is not held while hashing
        with self._acting(actor, "tao_tai_khoan", username, write=True) as (db, me):
            self._require(me, me.vai_tro == "quan_tri", "tao_tai_khoan", username, "chỉ quản trị tạo tài khoản")
            level = db.scalar(select(ToChuc.cap).where(ToChuc.ma_to_chuc == unit)) if unit else None
            if unit and level is None:
                problems.append(f"đơn vị «{unit}» không có trong cây tổ chức (nạp cây tổ chức trước)")
            elif unit and levels and level not in levels:
                allowed = ", ".join(CAP.labels[c] for c in levels)
                problems.append(
                    f"vai trò «{ROLES[role]}» gắn với {allowed}; «{unit}» là {CAP.labels.get(str(level), level)}"
                )
            if db.scalar(select(TaiKhoan.id).where(TaiKhoan.ten_dang_nhap == username)) is not None:
                problems.append(f"tên đăng nhập «{username}» đã có")
            if problems:
                raise StoreError("Không tạo được tài khoản: " + "; ".join(problems) + ".")
            db.execute(
                insert(TaiKhoan).values(
                    ten_dang_nhap=username, mat_khau_bam=hashed, vai_tro=role,
                    ma_to_chuc=unit, ho_ten=name, bi_khoa=False, tao_luc=_now(),
                )
            )  # fmt: skip
            self._log(db, me, "tao_tai_khoan", username, None, {"vai_tro": role, "ma_to_chuc": unit}, True)
        return Account(username, role, unit, name)

    def reset_password(self, actor: Account, username: str, password: str) -> None:
        username = username.strip().lower()
        hashed = _HASHER.hash(password)
        with self._acting(actor, "dat_lai_mat_khau", username, write=True) as (db, me):
            self._require(me, me.vai_tro == "quan_tri", "dat_lai_mat_khau", username, "chỉ quản trị đặt lại mật khẩu")
            if len(password) < MIN_PASSWORD:
                raise StoreError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")
            done = db.execute(update(TaiKhoan).where(TaiKhoan.ten_dang_nhap == username).values(mat_khau_bam=hashed))
            if done.rowcount == 0:
                raise StoreError(f"Không có tài khoản «{username}».")
            self._log(db, me, "dat_lai_mat_khau", username, None, None, True)

    def change_password(self, actor: Account, old: str, new: str) -> None:
        """The account's own password, after checking the current one."""
        try:
            me = self.authenticate(actor.ten_dang_nhap, old)
        except StoreError as error:
            if "thử lại sau" in str(error):
                raise
            raise StoreError("Mật khẩu hiện tại không đúng.") from error
        if len(new) < MIN_PASSWORD:
            raise StoreError(f"Mật khẩu mới cần ít nhất {MIN_PASSWORD} ký tự.")
        hashed = _HASHER.hash(new)
        with self._write() as db:
            db.execute(update(TaiKhoan).where(TaiKhoan.ten_dang_nhap == me.ten_dang_nhap).values(mat_khau_bam=hashed))
            self._log(db, me, "doi_mat_khau", me.ten_dang_nhap, None, None, True)

    def authenticate(self, username: str, password: str) -> Account:
        """The account, if the password matches; every failure gives the same message (and is logged).
        After MAX_FAILURES wrong passwords for a user name within LOCK_MINUTES, attempts wait (whether
        or not the name exists, so the answer says nothing about which names do).

        The attempt is written down (as a failure until the password is found right) in the same
        transaction that counts the earlier ones, under a lock on the name, before any password is
        checked: of many concurrent guesses at most MAX_FAILURES are ever checked. An unknown name is
        checked against a dummy hash of the same cost, so a wrong name and a wrong password take as long."""
        username = username.strip().lower()
        with self._write() as db:
            if db.dialect.name == "postgresql":  # SQLite: BEGIN IMMEDIATE already holds the write lock
                db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(username)})
            locked = self._recent_failures(db, username) >= MAX_FAILURES
            guest = Account(username, "?")
            if locked:
                self._log(db, guest, "dang_nhap_bi_chan", username, None, None, False, "tạm khóa")
            else:
                attempt = self._log(db, guest, "dang_nhap", username, None, None, False, "đang kiểm tra")
                row = db.execute(select(TaiKhoan).where(TaiKhoan.ten_dang_nhap == username)).first()
        if locked:
            raise StoreError(
                f"Đăng nhập sai {MAX_FAILURES} lần: thử lại sau {LOCK_MINUTES} phút "
                "(hoặc nhờ quản trị đặt lại mật khẩu)."
            )
        dummy = _dummy_hash()  # made on the first attempt of any name, so that one costs the same too
        stored = dummy if row is None else row.mat_khau_bam
        matched: bool
        try:
            matched = _HASHER.verify(stored, password)  # verified even for a disabled account: the same time
        except (VerificationError, InvalidHashError):
            matched = False
        ok = matched and row is not None and not row.bi_khoa
        # a hash made with older parameters is made again (before the write lock is taken)
        fresh = _HASHER.hash(password) if ok and _HASHER.check_needs_rehash(stored) else None
        with self._write() as db:
            note = "" if ok else "sai mật khẩu"
            db.execute(update(NhatKy).where(NhatKy.id == attempt).values(duoc_phep=ok, ghi_chu=note))
            if fresh is not None:
                db.execute(update(TaiKhoan).where(TaiKhoan.ten_dang_nhap == username).values(mat_khau_bam=fresh))
        if not ok or row is None:
            raise StoreError("Sai tên đăng nhập hoặc mật khẩu.")
        return Account(row.ten_dang_nhap, row.vai_tro, row.ma_to_chuc, row.ho_ten)

    @staticmethod
    def _recent_failures(db: Connection, username: str) -> int:
        """Failed logins of the name within LOCK_MINUTES since its last success or password reset."""
        fresh_start = (
            select(func.coalesce(func.max(NhatKy.id), 0)).where(
                NhatKy.doi_tuong == username, NhatKy.duoc_phep.is_(True),
                NhatKy.hanh_dong.in_(("dang_nhap", "dat_lai_mat_khau")),
            )
        ).scalar_subquery()  # fmt: skip
        since = _now() - timedelta(minutes=LOCK_MINUTES)
        return int(
            db.scalar(
                select(func.count()).select_from(NhatKy).where(
                    NhatKy.hanh_dong == "dang_nhap", NhatKy.doi_tuong == username, NhatKy.duoc_phep.is_(False),
                    NhatKy.luc > since, NhatKy.id > fresh_start,
                )
            ) or 0
        )  # fmt: skip

    def has_accounts(self) -> bool:
        with self.engine.connect() as db:
            return db.scalar(select(TaiKhoan.id).limit(1)) is not None

    def create_first_admin(self, username: str, password: str, name: str = "") -> Account:
        """The first run: with no account at all, anyone at the server may create the first quan_tri
        (then every other account is created by a quan_tri). Refused once any account exists."""
        if len(password) < MIN_PASSWORD:
            raise StoreError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")
        if not username.strip():
            raise StoreError("Cần tên đăng nhập.")
        if username.strip().lower() == SYSTEM.ten_dang_nhap:
            raise StoreError(f"Tên đăng nhập «{SYSTEM.ten_dang_nhap}» dành cho dòng lệnh quản trị.")
        account = Account(username.strip().lower(), "quan_tri", None, name)
        with self._write() as db:
            taken = db.scalar(select(TaiKhoan.id).limit(1)) is not None
            if taken:  # logged, and the refusal raised once this transaction has kept the log line
                self._log(
                    db, Account(username, "?"), "tao_quan_tri_dau_tien", username, None, None, False, "đã có tài khoản"
                )
            else:
                db.execute(
                    insert(TaiKhoan).values(
                        ten_dang_nhap=account.ten_dang_nhap, mat_khau_bam=_HASHER.hash(password), vai_tro="quan_tri",
                        ma_to_chuc=None, ho_ten=name, bi_khoa=False, tao_luc=_now(),
                    )
                )  # fmt: skip
                self._log(db, account, "tao_quan_tri_dau_tien", username, None, {"vai_tro": "quan_tri"}, True)
        if taken:
            raise PermissionDenied("Đã có tài khoản: chỉ quản trị tạo thêm tài khoản.")
        return account

    def accounts(self, actor: Account) -> pd.DataFrame:
        with self._acting(actor, "xem_tai_khoan", "tài khoản") as (db, me):
            self._require(me, me.vai_tro == "quan_tri", "xem_tai_khoan", "tài khoản", "chỉ quản trị xem tài khoản")
            rows = db.execute(select(TaiKhoan.ten_dang_nhap, TaiKhoan.vai_tro, TaiKhoan.ma_to_chuc, TaiKhoan.ho_ten))
            return pd.DataFrame(rows.all(), columns=["ten_dang_nhap", "vai_tro", "ma_to_chuc", "ho_ten"])

    # --- submissions ----------------------------------------------------------------------------

    def get(self, actor: Account, unit: str, year: int) -> Submission | None:
        """A unit's submission with its member data (within the actor's scope only)."""
        with self._reading(actor, unit, year) as db:
            row = db.execute(select(BaoCao).where(BaoCao.ma_to_chuc == unit, BaoCao.nam == year)).first()
        return None if row is None else self._submission(row)

    @contextmanager
    def _reading(self, actor: Account, unit: str, year: int) -> Iterator[Connection]:
        """A connection to read a unit's report with, once the actor is found to have it in scope."""
        target = f"{unit}/{year}"
        with self._acting(actor, "doc_bao_cao", target) as (db, me):
            allowed = unit in self._scope(db, me)
            self._require(me, allowed, "doc_bao_cao", target, "không được xem số liệu đảng viên của đơn vị này")
            yield db

    def save_draft(
        self, actor: Account, unit: str, year: int, data: dict[str, Any], expected_version: int | None
    ) -> Submission:
        """Save the unit's figures as a draft. `expected_version` is the version the user started
        from (None for a first save); if someone saved since, the save is refused."""
        if not isinstance(data, dict):
            raise StoreError("Số liệu phải là một bảng khóa: giá trị.")
        return self._transition(actor, unit, year, expected_version, "luu_nhap", ("nhap", "tra_lai"), "nhap", data)

    def submit(self, actor: Account, unit: str, year: int, expected_version: int) -> Submission:
        """Send the saved draft up for review; figures with errors (as an upload would report them) are not sent."""
        return self._transition(actor, unit, year, expected_version, "gui", ("nhap", "tra_lai"), "da_gui")

    def return_(self, actor: Account, unit: str, year: int, expected_version: int, reason: str) -> Submission:
        """Send a report back with a reason. Whoever prepared it may return it too (four eyes are
        about approving: a return only sends the figures back to be fixed)."""
        if not reason.strip():
            raise StoreError("Trả lại cần ghi lý do để đơn vị sửa.")
        return self._transition(actor, unit, year, expected_version, "tra_lai", ("da_gui",), "tra_lai", reason=reason)

    def approve(self, actor: Account, unit: str, year: int, expected_version: int) -> Submission:
        """Approve a sent report: not by whoever saved or sent it in this round (unless four eyes are
        off), and not while a member of it is in another unit's approved report of the year."""
        return self._transition(actor, unit, year, expected_version, "duyet", ("da_gui",), "da_duyet")

    def _transition(
        self,
        actor: Account,
        unit: str,
        year: int,
        expected: int | None,
        action: str,
        from_states: tuple[str, ...],
        to_state: str,
        data: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> Submission:
        target = f"{unit}/{year}"
        review = action in ("tra_lai", "duyet")
        why = "chỉ cấp trên của đơn vị được duyệt hoặc trả lại" if review else "không được sửa số liệu của đơn vị này"
        with self._acting(actor, action, target, write=True) as (db, me):
            allowed = unit in (self._reviewers_scope(db, me) if review else self._scope(db, me))
            self._require(me, allowed and me.vai_tro != "xem", action, target, why)
            row = db.execute(select(BaoCao).where(BaoCao.ma_to_chuc == unit, BaoCao.nam == year)).first()
            now, note = _now(), ""
            if row is None:
                if expected is not None or action != "luu_nhap":
                    raise StaleVersion(f"Báo cáo {target} chưa có: hãy lưu nháp trước.")
                assert data is not None
                created = db.execute(
                    insert(BaoCao).values(
                        ma_to_chuc=unit, nam=year, trang_thai=to_state, phien_ban=1, du_lieu=data,
                        ly_do_tra_lai=None, cap_nhat_boi=me.ten_dang_nhap, cap_nhat_luc=now,
                    )
                )  # fmt: skip
                key = created.inserted_primary_key
                assert key is not None
                new_id, version, before = int(key[0]), 1, None
            else:
                if expected is None or row.phien_ban != expected:
                    raise StaleVersion(
                        f"Báo cáo {target} đã được {row.cap_nhat_boi} lưu lúc {row.cap_nhat_luc:%H:%M %d/%m/%Y} "
                        f"(phiên bản {row.phien_ban}) sau khi bạn mở nó: tải lại để xem thay đổi rồi sửa tiếp; "
                        "lần lưu này không ghi đè."
                    )
                if row.trang_thai not in from_states:
                    allowed_from = " hoặc ".join(STATES[s] for s in from_states)
                    raise StoreError(
                        f"Báo cáo {target} đang ở trạng thái «{STATES[row.trang_thai]}»: chỉ làm được việc này khi "
                        f"ở trạng thái {allowed_from}."
                    )
                if action == "gui":
                    report = check_submission(self._tree_frame(db), unit, year, dict(row.du_lieu))
                    if not report.ok:
                        raise StoreError("Chưa gửi được: số liệu có lỗi, sửa rồi gửi lại.\n" + report.to_text())
                if action == "duyet":
                    note = self._four_eyes(db, me, row, target)
                    self._no_shared_members(db, me, row, target)
                version = row.phien_ban + 1
                values: dict[str, Any] = {
                    "trang_thai": to_state, "phien_ban": version, "cap_nhat_boi": me.ten_dang_nhap,
                    "cap_nhat_luc": now, "ly_do_tra_lai": reason,
                }  # fmt: skip
                if data is not None:
                    values["du_lieu"] = data
                done = db.execute(
                    update(BaoCao).where(BaoCao.id == row.id, BaoCao.phien_ban == expected).values(**values)
                )
                if done.rowcount != 1:  # compare-and-set: someone else got there first
                    raise StaleVersion(f"Báo cáo {target} vừa được người khác lưu: tải lại rồi thử lại.")
                new_id = row.id
                before = {"trang_thai": row.trang_thai, "phien_ban": row.phien_ban}
            current = db.execute(select(BaoCao).where(BaoCao.id == new_id)).one()
            db.execute(
                insert(BaoCaoPhienBan).values(
                    bao_cao_id=new_id, phien_ban=version, trang_thai=to_state, du_lieu=current.du_lieu,
                    ly_do_tra_lai=reason, boi=me.ten_dang_nhap, luc=now,
                )
            )  # fmt: skip
            after = {"trang_thai": to_state, "phien_ban": version, **({"ly_do": reason} if reason else {})}
            self._log(db, me, action, target, before, after, True, note)
            return self._submission(current)

    def _four_eyes(self, db: Connection, me: Account, row: Any, target: str) -> str:
        """Refuse an approval by whoever saved or sent the report since it was begun or last returned;
        with the rule off, the approval's audit note says so."""
        rounds = db.execute(
            select(BaoCaoPhienBan.trang_thai, BaoCaoPhienBan.boi)
            .where(BaoCaoPhienBan.bao_cao_id == row.id)
            .order_by(BaoCaoPhienBan.phien_ban.desc())
        ).all()
        authors: set[str] = set()
        for state, by in rounds:
            if state not in ("nhap", "da_gui"):
                break
            authors.add(by)
        own = me.ten_dang_nhap in authors
        if not self.four_eyes:
            return f"quy tắc hai người đang tắt ({FOUR_EYES_SETTING}=0)" + (
                "; người duyệt cũng là người lập hoặc gửi báo cáo này" if own else ""
            )
        if own:
            why = "người đã lập hoặc gửi báo cáo không tự duyệt nó (quy tắc hai người): cần một người khác duyệt"
            raise _Refused(me, "duyet", target, why, PermissionDenied(f"Không được phép: {why} ({me.label})."))
        return ""

    def _no_shared_members(self, db: Connection, me: Account, row: Any, target: str) -> None:
        """Refuse an approval while a member of the report is in another unit's approved report of the
        year (it would break the approved dataset for everyone). The rows of the year are locked first
        (in id order, so two approvals never deadlock): concurrent approvals of a year take turns."""
        db.execute(select(BaoCao.id).where(BaoCao.nam == row.nam).order_by(BaoCao.id).with_for_update()).all()
        others = db.execute(
            select(BaoCao.ma_to_chuc, BaoCao.du_lieu).where(
                BaoCao.nam == row.nam, BaoCao.trang_thai == "da_duyet", BaoCao.id != row.id
            )
        ).all()
        shared = shared_members(dict(row.du_lieu), [(r.ma_to_chuc, dict(r.du_lieu)) for r in others])
        if not shared:
            return
        names = {r.ma_to_chuc: r.ten_to_chuc for r in db.execute(select(ToChuc.ma_to_chuc, ToChuc.ten_to_chuc))}
        labels = member_labels(dict(row.du_lieu))
        listed = "; ".join(
            f"{labels[member]}: " + ", ".join(f"{u} «{names.get(u, u)}»" for u in units)
            for member, units in list(shared.items())[:10]
        ) + (f"; và {len(shared) - 10} đảng viên khác" if len(shared) > 10 else "")
        message = (
            f"Chưa duyệt được báo cáo {target}: {len(shared)} đảng viên đã có trong báo cáo đã duyệt của đơn vị "
            f"khác năm {row.nam} — {listed}. Một đảng viên chỉ sinh hoạt ở một chi bộ: trả lại để đơn vị sửa mã "
            "đảng viên, hoặc chuyển sinh hoạt trước. Báo cáo giữ nguyên trạng thái «Đã gửi»."
        )
        units = sorted({u for found in shared.values() for u in found})
        note = "trùng đảng viên với báo cáo đã duyệt của " + ", ".join(units)
        raise _Refused(me, "duyet", target, note, StoreError(message), after={"trung_dang_vien": shared})

    def import_approved(
        self, actor: Account, submissions: list[tuple[str, int, dict[str, Any]]], overwrite: bool = False
    ) -> tuple[int, int]:
        """Bring the figures of years kept in files (before the workflow) in as approved submissions,
        so trends, streaks and ranks have their earlier years (quan_tri only). A unit-year that already
        has a submission is left alone unless `overwrite`. Returns (imported, skipped)."""
        now = _now()
        with self._acting(actor, "nap_so_lieu", "báo cáo", write=True) as (db, me):
            self._require(me, me.vai_tro == "quan_tri", "nap_so_lieu", "báo cáo", "chỉ quản trị nạp số liệu các năm")
            tree = self._tree(db)
            unknown = sorted({unit for unit, _, _ in submissions if unit not in tree})
            if unknown:
                shown = ", ".join(unknown[:10]) + (f" và {len(unknown) - 10} đơn vị khác" if len(unknown) > 10 else "")
                raise StoreError(f"Không nạp được: đơn vị chưa có trong cây tổ chức: {shown} (nạp cây tổ chức trước).")
            existing = {(r.ma_to_chuc, r.nam): r for r in db.execute(select(BaoCao))}
            fresh, changed, skipped = [], [], 0
            for unit, year, data in submissions:
                row = existing.get((unit, year))
                if row is None:
                    fresh.append((unit, year, data))
                elif overwrite:
                    changed.append((row, data))
                else:
                    skipped += 1
            if fresh:
                db.execute(
                    insert(BaoCao),
                    [
                        {"ma_to_chuc": u, "nam": y, "trang_thai": "da_duyet", "phien_ban": 1, "du_lieu": d,
                         "ly_do_tra_lai": None, "cap_nhat_boi": me.ten_dang_nhap, "cap_nhat_luc": now}
                        for u, y, d in fresh
                    ],
                )  # fmt: skip
            for row, data in changed:
                db.execute(
                    update(BaoCao).where(BaoCao.id == row.id).values(
                        trang_thai="da_duyet", phien_ban=row.phien_ban + 1, du_lieu=data, ly_do_tra_lai=None,
                        cap_nhat_boi=me.ten_dang_nhap, cap_nhat_luc=now,
                    )
                )  # fmt: skip
            keys = [(u, y) for u, y, _ in fresh] + [(r.ma_to_chuc, r.nam) for r, _ in changed]
            if keys:
                current = {(r.ma_to_chuc, r.nam): r for r in db.execute(select(BaoCao))}
                db.execute(
                    insert(BaoCaoPhienBan),
                    [
                        {"bao_cao_id": current[k].id, "phien_ban": current[k].phien_ban, "trang_thai": "da_duyet",
                         "du_lieu": current[k].du_lieu, "ly_do_tra_lai": None, "boi": me.ten_dang_nhap, "luc": now}
                        for k in keys
                    ],
                )  # fmt: skip
            years = sorted({y for _, y in keys})
            after = {"so_bao_cao": len(keys), "ghi_de": len(changed), "bo_qua": skipped, "nam": years}
            self._log(db, me, "nap_so_lieu", "báo cáo", None, after, True)
        return len(keys), skipped

    def history(self, actor: Account, unit: str, year: int) -> pd.DataFrame:
        with self._reading(actor, unit, year) as db:  # the same access rule (and log) as reading the submission
            rows = db.execute(
                select(BaoCaoPhienBan.phien_ban, BaoCaoPhienBan.trang_thai, BaoCaoPhienBan.boi, BaoCaoPhienBan.luc,
                       BaoCaoPhienBan.ly_do_tra_lai)
                .join(BaoCao, BaoCao.id == BaoCaoPhienBan.bao_cao_id)
                .where(BaoCao.ma_to_chuc == unit, BaoCao.nam == year)
                .order_by(BaoCaoPhienBan.phien_ban)
            ).all()  # fmt: skip
        frame = pd.DataFrame(rows, columns=["phien_ban", "trang_thai", "boi", "luc", "ly_do_tra_lai"])
        frame["trang_thai"] = frame["trang_thai"].map(STATES)
        return frame

    def versions(self, actor: Account, unit: str, year: int) -> list[Submission]:
        """Every version of a report, oldest first, with its figures (the same access as reading it)."""
        with self._reading(actor, unit, year) as db:
            rows = db.execute(
                select(BaoCaoPhienBan.phien_ban, BaoCaoPhienBan.trang_thai, BaoCaoPhienBan.du_lieu,
                       BaoCaoPhienBan.ly_do_tra_lai, BaoCaoPhienBan.boi, BaoCaoPhienBan.luc)
                .join(BaoCao, BaoCao.id == BaoCaoPhienBan.bao_cao_id)
                .where(BaoCao.ma_to_chuc == unit, BaoCao.nam == year)
                .order_by(BaoCaoPhienBan.phien_ban)
            ).all()  # fmt: skip
        return [
            Submission(unit, year, r.trang_thai, r.phien_ban, dict(r.du_lieu), r.ly_do_tra_lai, r.boi, r.luc)
            for r in rows
        ]

    def board(self, actor: Account, year: int) -> pd.DataFrame:
        """Every unit the actor may follow, with the state of its submission for `year` (or «Chưa nộp»):
        who has not submitted. No member data: the `xem` role sees the whole tree this way."""
        with self._acting(actor, "xem_bang_theo_doi", f"năm {year}") as (db, me):
            units = set(self._tree(db)) if me.vai_tro in ("quan_tri", "xem") else self._scope(db, me)
            orgs = db.execute(select(ToChuc.ma_to_chuc, ToChuc.ten_to_chuc, ToChuc.cap)).all()
            states = {
                r.ma_to_chuc: (r.trang_thai, r.phien_ban, r.cap_nhat_boi, r.cap_nhat_luc)
                for r in db.execute(select(BaoCao).where(BaoCao.nam == year))
            }
        rows = [
            {
                "ma_to_chuc": o.ma_to_chuc,
                "ten_to_chuc": o.ten_to_chuc,
                "cap": o.cap,
                "trang_thai": STATES[states[o.ma_to_chuc][0]] if o.ma_to_chuc in states else NOT_SUBMITTED,
                "phien_ban": states[o.ma_to_chuc][1] if o.ma_to_chuc in states else None,
                "cap_nhat_boi": states[o.ma_to_chuc][2] if o.ma_to_chuc in states else None,
            }
            for o in orgs
            if o.ma_to_chuc in units
        ]
        return pd.DataFrame(
            rows, columns=["ma_to_chuc", "ten_to_chuc", "cap", "trang_thai", "phien_ban", "cap_nhat_boi"]
        )

    def approved(self, actor: Account, year: int) -> dict[str, dict[str, Any]]:
        """The approved submissions of `year` the actor may read (what the rankings are built from)."""
        with self._acting(actor, "doc_bao_cao", f"đã duyệt/{year}") as (db, me):
            scope = self._scope(db, me)
            rows = db.execute(select(BaoCao).where(BaoCao.nam == year, BaoCao.trang_thai == "da_duyet")).all()
        return {r.ma_to_chuc: dict(r.du_lieu) for r in rows if r.ma_to_chuc in scope}

    def audit(self, actor: Account, limit: int = 1000) -> pd.DataFrame:
        with self._acting(actor, "xem_nhat_ky", "nhật ký") as (db, me):
            self._require(me, me.vai_tro == "quan_tri", "xem_nhat_ky", "nhật ký", "chỉ quản trị xem nhật ký")
            rows = db.execute(select(NhatKy).order_by(NhatKy.id.desc()).limit(limit)).all()
        columns = ["luc", "tai_khoan", "hanh_dong", "doi_tuong", "truoc", "sau", "duoc_phep", "ghi_chu"]
        return pd.DataFrame([{c: getattr(r, c) for c in columns} for r in rows], columns=columns)

    def count(self, table: type[Any]) -> int:
        with self.engine.connect() as db:
            return int(db.scalar(select(func.count()).select_from(table)) or 0)

    # --- plumbing -------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with writer(self.engine).begin() as db:
            yield db

    def _open(self, write: bool) -> AbstractContextManager[Connection]:
        return self._write() if write else self.engine.connect()

    @contextmanager
    def _acting(
        self, actor: Account, action: str, target: str, write: bool = False
    ) -> Iterator[tuple[Connection, Account]]:
        """A connection (a write transaction if `write`) and the acting account as the database has it
        now, read in that same transaction: the role and unit of `actor` itself are never trusted. A
        refusal raised inside (`_Refused`) rolls the transaction back, then is logged on its own."""
        try:
            with self._open(write) as db:
                yield db, self._me(db, actor, action, target)
        except _Refused as refused:
            with self._write() as db:
                self._log(db, refused.account, refused.action, refused.target, None, refused.after, False, refused.note)
            raise refused.error from None

    @staticmethod
    def _me(db: Connection, actor: Account, action: str, target: str) -> Account:
        if actor is SYSTEM:  # this very object: the command line, on the server
            return SYSTEM
        row = db.execute(
            select(TaiKhoan.ten_dang_nhap, TaiKhoan.vai_tro, TaiKhoan.ma_to_chuc, TaiKhoan.ho_ten, TaiKhoan.bi_khoa)
            .where(TaiKhoan.ten_dang_nhap == actor.ten_dang_nhap)
        ).first()  # fmt: skip
        if row is None or row.bi_khoa:
            why = "tài khoản không có hoặc đã bị khóa"
            error = PermissionDenied(f"Không được phép: {why} («{actor.ten_dang_nhap}»).")
            raise _Refused(Account(actor.ten_dang_nhap, "?"), action, target, why, error)
        return Account(row.ten_dang_nhap, row.vai_tro, row.ma_to_chuc, row.ho_ten)

    @staticmethod
    def _require(me: Account, allowed: bool, action: str, target: str, why: str) -> None:
        """Refuse what `me` (from `_acting`) may not do; `_acting` logs the refusal once rolled back."""
        if not allowed:
            raise _Refused(me, action, target, why, PermissionDenied(f"Không được phép: {why} ({me.label})."))

    @staticmethod
    def _log(
        db: Connection,
        actor: Account,
        action: str,
        target: str,
        before: Any,
        after: Any,
        allowed: bool,
        note: str = "",
    ) -> int:
        done = db.execute(
            insert(NhatKy).values(
                luc=_now(), tai_khoan=actor.ten_dang_nhap, hanh_dong=action, doi_tuong=target,
                truoc=before, sau=after, duoc_phep=allowed, ghi_chu=note,
            )
        )  # fmt: skip
        key = done.inserted_primary_key
        return int(key[0]) if key is not None else 0

    @staticmethod
    def _submission(row: Any) -> Submission:
        return Submission(
            row.ma_to_chuc, row.nam, row.trang_thai, row.phien_ban, dict(row.du_lieu), row.ly_do_tra_lai,
            row.cap_nhat_boi, row.cap_nhat_luc,
        )  # fmt: skip

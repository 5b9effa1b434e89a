"""Who acts: the accounts, their passwords (argon2id), the first administrator, the login lockout, and
the acting account that every method of `Store` (scoring/store/service.py, which inherits
`AccountBook`) reads from the database, with the audit line of what it did. Apart from the workflow, so
that the login rules can be read and changed on their own.

Hostile callers are assumed:
- the role and unit of the acting account are read from the database inside every public method (in
  the method's own transaction), never taken from the `Account` object handed in; an account that is
  not there, or is disabled, is refused. Only the `SYSTEM` object itself (the command line) is not
  looked up: an equal copy of it is just an unknown name.
- a login costs the same for a known and an unknown name (an unknown name is verified against a
  dummy hash made with the same argon2 parameters), and the lockout is decided atomically: each
  attempt is recorded, as a failure until proven otherwise, before its password is checked, under a
  lock on the name (PostgreSQL: an advisory lock for the transaction; SQLite: the write lock).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Collection, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, func, insert, select, text, update

from scoring.domain.codes import CAP, CHI_BO_LEVELS, TCCSD_LEVELS
from scoring.store.db import writer
from scoring.store.errors import PermissionDenied, StoreError
from scoring.store.models import NhatKy, TaiKhoan, ToChuc

ROLES = {
    "quan_tri": "Quản trị (Ban Tuyên giáo)",
    "cap_uy_co_so": "Cấp ủy cơ sở",
    "chi_bo": "Chi bộ",
    "xem": "Chỉ xem",
}
#: the roles as `Account.label` writes them, inside a sentence: no brackets (ROLES where it has none)
ROLE_WORDS = {"quan_tri": "Quản trị, Ban Tuyên giáo"}
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
#: the audit log's action for a page refused to its visitor, what it means, and the name a visitor without a
#: live session is logged under (a user name cannot hold parentheses or spaces, so no account has it)
PAGE_ACTION, NO_LOGIN = "mo_trang", "(chưa đăng nhập)"
PAGE_ACTIONS = {PAGE_ACTION: "Mở trang"}


@dataclass(frozen=True)
class Account:
    ten_dang_nhap: str
    vai_tro: str
    ma_to_chuc: str | None = None
    ho_ten: str = ""

    @property
    def label(self) -> str:
        """The account as a sentence names it, no brackets (it is often quoted inside some): «Nguyễn Văn A
        — Chi bộ, đơn vị CB001», «Nguyễn Thị Hoa — Quản trị, Ban Tuyên giáo»."""
        role = ROLE_WORDS.get(self.vai_tro, ROLES.get(self.vai_tro, self.vai_tro))
        unit = f", đơn vị {self.ma_to_chuc}" if self.ma_to_chuc else ""
        return f"{self.ho_ten.strip() or self.ten_dang_nhap} — {role}{unit}"


#: the command line acts as this account (it runs on the server, by whoever administers it); the
#: store recognises this very object, not an equal copy, and no stored account may take its name
SYSTEM = Account("he_thong", "quan_tri", None, "Dòng lệnh quản trị")


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


def _now() -> datetime:
    return datetime.now(UTC)


class _Refused(Exception):
    """A refusal decided inside a transaction: the transaction is rolled back, then the refusal is
    logged on its own (so its audit line stays) and `error` is raised to the caller."""

    def __init__(self, account: Account, action: str, target: str, note: str, error: StoreError, after: Any = None):
        super().__init__(note)
        self.account, self.action, self.target, self.note, self.error, self.after = (
            account, action, target, note, error, after,
        )  # fmt: skip


class AccountBook:
    """The account and login methods of `Store`, which inherits them, and the plumbing every method of
    a store uses: a transaction, the acting account as stored, a refusal, an audit line."""

    engine: Engine

    # --- accounts and logging in -------------------------------------------------------------------

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
            columns = ["ten_dang_nhap", "vai_tro", "ma_to_chuc", "ho_ten", "bi_khoa", "tao_luc"]
            rows = db.execute(select(*(getattr(TaiKhoan, c) for c in columns)).order_by(TaiKhoan.id))
            return pd.DataFrame(rows.all(), columns=columns)

    # --- pages --------------------------------------------------------------------------------------

    def require_page(self, actor: Account | None, page: str, roles: Collection[str] = ()) -> Account:
        """The account as the database has it now, if it may open `page`: logged in and, with `roles`, of
        one of them. Else PermissionDenied with the sentence the page shows, and the refusal in the audit
        log (a visitor without a live session under NO_LOGIN)."""
        if actor is None:
            self.record_denied_page(None, page, "chưa đăng nhập")
            raise PermissionDenied("Trang này cần đăng nhập.")
        with self._acting(actor, PAGE_ACTION, page[:200]) as (_, me):
            if roles and me.vai_tro not in roles:
                allowed = ", ".join(ROLES.get(r, r) for r in roles)
                error = PermissionDenied(
                    f"Tài khoản đang đăng nhập không dùng được trang này; trang chỉ dành cho: {allowed}. "
                    f"Tài khoản: {me.label}."
                )
                raise _Refused(me, PAGE_ACTION, page[:200], f"trang dành cho: {allowed}", error)
        return me

    def record_denied_page(self, actor: Account | None, page: str, why: str) -> None:
        """Log that `page` (or the part of it named) was refused to `actor` (None: a visitor without a live
        session) for the reason `why`, when the refusal was decided elsewhere (`uploads.may_import`, the
        login check of every page)."""
        who = actor if actor is not None else Account(NO_LOGIN, "?")
        with self._write() as db:
            self._log(db, who, PAGE_ACTION, page[:200], None, None, False, why)

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

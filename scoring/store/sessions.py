"""Login sessions kept in the database, so that a reload, a new tab or a deep link keeps the login, and
several app processes on one PostgreSQL serve the same users.

The browser holds a random token (32 bytes, URL-safe) in an HttpOnly cookie (`scoring.web`); the table
`phien_dang_nhap` keeps only its SHA-256, the account, when the session began, when it was last used,
and when and why it ended. A session ends:
- on logout (`close_session`);
- after THIDUA_PHIEN_PHUT minutes (30 unless set) without a request: whoever sees it first ends it in
  the database (`session_account`), with an audit line, so every process agrees;
- when its account is locked or removed, or its password is changed or reset (the session keeps a
  fingerprint of the password hash it was opened with).
The last activity is written at most once a minute (more often only for a timeout under four minutes),
not on every rerun of a page; so a session may end up to that long before THIDUA_PHIEN_PHUT is over.

A login goes through `Store.authenticate`: the same lockout, the same audit line, the same Vietnamese
message for a wrong name or a wrong password.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from scoring.store.accounts import Account
from scoring.store.db import writer
from scoring.store.errors import StoreError
from scoring.store.models import NhatKy, PhienDangNhap, TaiKhoan
from scoring.store.service import Store

#: minutes without any request after which a session ends
IDLE_SETTING, DEFAULT_IDLE_MINUTES = "THIDUA_PHIEN_PHUT", 30.0
#: why a session ended (the column ly_do_ket_thuc) and the words the audit log shows
REASONS = {
    "dang_xuat": "đăng xuất",
    "het_thoi_gian": "hết thời gian",
    "tai_khoan_bi_khoa": "tài khoản bị khóa",
    "doi_mat_khau": "đổi mật khẩu",
}
#: the audit log's action codes written here (service.ACTIONS has the others)
ACTIONS = {
    "mo_phien": "Mở phiên đăng nhập",
    "dang_xuat": "Đăng xuất",
    "het_phien": "Hết phiên (không thao tác)",
    "dong_phien": "Đóng phiên đăng nhập",
}
_ACTION_OF = {"dang_xuat": "dang_xuat", "het_thoi_gian": "het_phien"}  # other reasons: dong_phien
TOKEN_BYTES = 32
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32): anything else is not looked up
#: the last activity is written when it is older than this (or a quarter of the timeout, if shorter)
TOUCH_SECONDS = 60.0
#: sessions unused for this long are deleted when someone logs in (their audit lines stay)
KEEP_DAYS = 30
USER_AGENT_CHARS = 200


def idle_minutes(environ: Mapping[str, str] | None = None) -> float:
    """THIDUA_PHIEN_PHUT: minutes (a number over 0; «7,5» is read as 7.5), 30 when unset."""
    raw = (os.environ if environ is None else environ).get(IDLE_SETTING, "").strip()
    if not raw:
        return DEFAULT_IDLE_MINUTES
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise StoreError(
            f"{IDLE_SETTING}=«{raw[:40]}» không hiểu được: cần số phút lớn hơn 0 (mặc định {DEFAULT_IDLE_MINUTES:g})."
        )
    return value


def token_hash(token: str) -> str:
    """What the table keeps of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes (stored in UTC); PostgreSQL aware ones."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _log(db: Connection, username: str, action: str, session: int, after: Any, allowed: bool, note: str = "") -> None:
    db.execute(
        insert(NhatKy).values(
            luc=_now(), tai_khoan=username, hanh_dong=action, doi_tuong=f"phiên đăng nhập {session}",
            truoc=None, sau=after, duoc_phep=allowed, ghi_chu=note,
        )
    )  # fmt: skip


def open_session(store: Store, username: str, password: str, user_agent: str = "") -> str:
    """Check the password (`Store.authenticate`: lockout, audit line, one message for a wrong name or
    password, raised as StoreError) and open a session; the token to put in the browser's cookie."""
    account = store.authenticate(username, password)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = _now()
    agent = " ".join(user_agent.split())[:USER_AGENT_CHARS]
    with writer(store.engine).begin() as db:
        row = db.execute(
            select(TaiKhoan.id, TaiKhoan.mat_khau_bam, TaiKhoan.bi_khoa).where(
                TaiKhoan.ten_dang_nhap == account.ten_dang_nhap
            )
        ).first()
        if row is None or row.bi_khoa:  # locked or removed since the password was checked
            raise StoreError("Sai tên đăng nhập hoặc mật khẩu.")
        keep = timedelta(days=max(KEEP_DAYS, 2 * idle_minutes() / 1440))
        db.execute(delete(PhienDangNhap).where(PhienDangNhap.hoat_dong_luc < now - keep))
        created = db.execute(
            insert(PhienDangNhap).values(
                ma_bam=token_hash(token), tai_khoan_id=row.id, ten_dang_nhap=account.ten_dang_nhap,
                dau_mat_khau=_fingerprint(row.mat_khau_bam), tao_luc=now, hoat_dong_luc=now,
                ket_thuc_luc=None, ly_do_ket_thuc=None, trinh_duyet=agent,
            )
        )  # fmt: skip
        key = created.inserted_primary_key
        session = int(key[0]) if key is not None else 0
        _log(db, account.ten_dang_nhap, "mo_phien", session, {"trinh_duyet": agent} if agent else None, True)
    return token


def session_account(
    store: Store, token: str | None, *, now: datetime | None = None, idle: float | None = None
) -> Account | None:
    """The account of a live session, as the database has it now (role, unit, name); None for an
    unknown, ended or idle session, or one whose account is locked, removed or has a new password —
    those are ended here, with an audit line. `idle`: minutes (default THIDUA_PHIEN_PHUT); `now`: for tests."""
    if not token or not _TOKEN.match(token):
        return None
    now = now or _now()
    limit = timedelta(minutes=idle_minutes() if idle is None else idle)
    with store.engine.connect() as db:
        row = db.execute(
            select(
                PhienDangNhap.id, PhienDangNhap.ten_dang_nhap.label("chu_phien"), PhienDangNhap.dau_mat_khau,
                PhienDangNhap.hoat_dong_luc, PhienDangNhap.ket_thuc_luc, TaiKhoan.ten_dang_nhap, TaiKhoan.vai_tro,
                TaiKhoan.ma_to_chuc, TaiKhoan.ho_ten, TaiKhoan.bi_khoa, TaiKhoan.mat_khau_bam,
            )
            .outerjoin(TaiKhoan, TaiKhoan.id == PhienDangNhap.tai_khoan_id)
            .where(PhienDangNhap.ma_bam == token_hash(token))
        ).first()  # fmt: skip
    if row is None or row.ket_thuc_luc is not None:
        return None
    idle_for = now - _aware(row.hoat_dong_luc)
    if row.ten_dang_nhap != row.chu_phien or row.bi_khoa:
        reason: str | None = "tai_khoan_bi_khoa"
    elif _fingerprint(row.mat_khau_bam) != row.dau_mat_khau:
        reason = "doi_mat_khau"
    elif idle_for > limit:
        reason = "het_thoi_gian"
    else:
        reason = None
    if reason is not None:
        _end(store, row.id, row.chu_phien, reason, now, idle_for)
        return None
    if idle_for >= min(timedelta(seconds=TOUCH_SECONDS), limit / 4):
        with writer(store.engine).begin() as db:
            touched = db.execute(
                update(PhienDangNhap)
                .where(PhienDangNhap.id == row.id, PhienDangNhap.ket_thuc_luc.is_(None))
                .values(hoat_dong_luc=now)
            )
        if touched.rowcount != 1:  # ended meanwhile (logged out in another tab, another process)
            return None
    return Account(row.ten_dang_nhap, row.vai_tro, row.ma_to_chuc, row.ho_ten)


def close_session(store: Store, token: str | None, reason: str = "dang_xuat") -> bool:
    """End the session of `token` (logout by default); whether a live session was ended."""
    if reason not in REASONS:
        raise StoreError(f"Lý do kết thúc phiên «{reason}» không có; dùng một trong: {', '.join(REASONS)}.")
    if not token or not _TOKEN.match(token):
        return False
    with store.engine.connect() as db:
        row = db.execute(
            select(PhienDangNhap.id, PhienDangNhap.ten_dang_nhap, PhienDangNhap.hoat_dong_luc).where(
                PhienDangNhap.ma_bam == token_hash(token), PhienDangNhap.ket_thuc_luc.is_(None)
            )
        ).first()
    if row is None:
        return False
    now = _now()
    return _end(store, row.id, row.ten_dang_nhap, reason, now, now - _aware(row.hoat_dong_luc))


def _end(store: Store, session: int, username: str, reason: str, now: datetime, idle_for: timedelta) -> bool:
    """End a session once: of two processes ending it together, one writes the audit line."""
    with writer(store.engine).begin() as db:
        done = db.execute(
            update(PhienDangNhap)
            .where(PhienDangNhap.id == session, PhienDangNhap.ket_thuc_luc.is_(None))
            .values(ket_thuc_luc=now, ly_do_ket_thuc=reason)
        )
        if done.rowcount != 1:
            return False
        after = {"ly_do": reason, "khong_thao_tac_phut": round(idle_for.total_seconds() / 60, 1)}
        allowed = reason != "tai_khoan_bi_khoa"  # a locked account's session presented: a refusal
        _log(db, username, _ACTION_OF.get(reason, "dong_phien"), session, after, allowed, REASONS[reason])
    return True


__all__ = [
    "ACTIONS",
    "IDLE_SETTING",
    "REASONS",
    "close_session",
    "idle_minutes",
    "open_session",
    "session_account",
    "token_hash",
]

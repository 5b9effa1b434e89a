"""The workflow's library layer: every read and write takes the acting account, and access is decided
here — not in the pages — so a user never sees, downloads or changes another unit's member data.

Roles: `quan_tri` (Ban Tuyên giáo: everything), `cap_uy_co_so` (its TCCSĐ and the chi bộ under it),
`chi_bo` (its own chi bộ), `xem` (read-only summaries: states and counts, no member data).

A submission (one unit, one year) moves Nháp → Đã gửi → Trả lại (with a reason) / Đã duyệt. Every
write is a compare-and-set on the version the user last saw: a stale save is refused with a message,
never silently overwritten; the write, its version history and its audit line commit together or
not at all (a crash mid-save leaves the last good version). Denied attempts are logged too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from scoring.domain.codes import CAP, CHI_BO_LEVELS, TCCSD_LEVELS
from scoring.store.db import writer
from scoring.store.models import BaoCao, BaoCaoPhienBan, NhatKy, TaiKhoan, ToChuc
from scoring.store.submission import check_submission

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
    "tra_lai": "Trả lại", "duyet": "Duyệt", "xem_nhat_ky": "Xem nhật ký",
}  # fmt: skip
MIN_PASSWORD = 8
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
#: the levels an account of each role is attached to (quan_tri and xem: none)
ROLE_LEVELS = {"cap_uy_co_so": TCCSD_LEVELS, "chi_bo": CHI_BO_LEVELS}
#: wrong passwords for one user name within LOCK_MINUTES before further attempts wait
MAX_FAILURES, LOCK_MINUTES = 5, 15
_HASHER = PasswordHasher()


class StoreError(Exception):
    """A refused action; the message is Vietnamese and says why."""


class PermissionDenied(StoreError):
    pass


class StaleVersion(StoreError):
    pass


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


#: the command line acts as this account (it runs on the server, by whoever administers it)
SYSTEM = Account("he_thong", "quan_tri", None, "Dòng lệnh quản trị")


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
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- the tree and who may do what ---------------------------------------------------------

    def import_tree(self, actor: Account, to_chuc: pd.DataFrame) -> int:
        """Replace the organisation tree with a dataset's Tổ chức table (quan_tri only)."""
        self._require(actor, actor.vai_tro == "quan_tri", "nap_to_chuc", "cây tổ chức", "chỉ quản trị nạp cây tổ chức")
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
        with self._write() as db:
            known = set(db.scalars(select(ToChuc.ma_to_chuc)))
            db.execute(delete(ToChuc).where(ToChuc.ma_to_chuc.not_in([r["ma_to_chuc"] for r in rows])))
            for row in rows:
                if row["ma_to_chuc"] in known:
                    db.execute(update(ToChuc).where(ToChuc.ma_to_chuc == row["ma_to_chuc"]).values(**row))
                else:
                    db.execute(insert(ToChuc).values(**row))
            self._log(db, actor, "nap_to_chuc", "cây tổ chức", None, {"so_to_chuc": len(rows)}, True)
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
            rows = db.execute(select(*(getattr(ToChuc, c) for c in TREE_COLUMNS)).order_by(ToChuc.ma_to_chuc)).all()
        return pd.DataFrame(rows, columns=TREE_COLUMNS)

    def scope(self, actor: Account) -> set[str]:
        """The units whose member data `actor` may see and change."""
        with self.engine.connect() as db:
            return self._scope(db, actor)

    def _scope(self, db: Connection, actor: Account) -> set[str]:
        tree = self._tree(db)
        if actor.vai_tro == "quan_tri":
            return set(tree)
        if actor.vai_tro == "cap_uy_co_so" and actor.ma_to_chuc:
            return self._under(tree, actor.ma_to_chuc)
        if actor.vai_tro == "chi_bo" and actor.ma_to_chuc:
            return {actor.ma_to_chuc}
        return set()

    def require_scope(self, actor: Account, unit: str, action: str) -> None:
        """Refuse (and log) unless `unit`'s member data are within the actor's scope."""
        with self.engine.connect() as db:
            allowed = unit in self._scope(db, actor)
        self._require(actor, allowed, action, unit, "không được xem số liệu đảng viên của đơn vị này")

    def editable(self, actor: Account) -> list[str]:
        """The units whose self-assessment `actor` may fill, in tree order (none for `xem`)."""
        with self.engine.connect() as db:
            units = set() if actor.vai_tro == "xem" else self._scope(db, actor)
            order = db.scalars(select(ToChuc.ma_to_chuc).order_by(ToChuc.ma_to_chuc)).all()
        return [u for u in order if u in units]

    def reviewable(self, actor: Account) -> list[str]:
        """The units whose submissions `actor` approves or returns."""
        with self.engine.connect() as db:
            units = self._reviewers_scope(db, actor)
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

    def _reviewers_scope(self, db: Connection, actor: Account) -> set[str]:
        """The units whose submissions `actor` reviews: quan_tri every unit; a cấp ủy cơ sở the units
        strictly below its TCCSĐ (its own submission goes to the level above it)."""
        if actor.vai_tro == "quan_tri":
            return set(self._tree(db))
        if actor.vai_tro == "cap_uy_co_so" and actor.ma_to_chuc:
            return self._under(self._tree(db), actor.ma_to_chuc) - {actor.ma_to_chuc}
        return set()

    # --- accounts -------------------------------------------------------------------------------

    def create_account(
        self, actor: Account, username: str, password: str, role: str, unit: str | None = None, name: str = ""
    ) -> Account:
        username = username.strip().lower()  # user names are not case-sensitive: «Chibo» is «chibo»
        self._require(actor, actor.vai_tro == "quan_tri", "tao_tai_khoan", username, "chỉ quản trị tạo tài khoản")
        problems = []
        if not USERNAME.match(username):
            problems.append("tên đăng nhập cần 3–64 ký tự, chỉ gồm chữ không dấu, số và . _ -")
        if role not in ROLES:
            problems.append(f"vai trò «{role}» không có; dùng một trong: {', '.join(ROLES)}")
        levels = ROLE_LEVELS.get(role)
        if levels and not unit:
            problems.append(f"vai trò «{ROLES[role]}» cần chọn đơn vị")
        if role in ("quan_tri", "xem") and unit:
            problems.append(f"vai trò «{ROLES[role]}» không gắn với đơn vị nào")
        if len(password) < MIN_PASSWORD:
            problems.append(f"mật khẩu cần ít nhất {MIN_PASSWORD} ký tự")
        with self._write() as db:
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
                    ten_dang_nhap=username, mat_khau_bam=_HASHER.hash(password), vai_tro=role,
                    ma_to_chuc=unit, ho_ten=name, bi_khoa=False, tao_luc=_now(),
                )
            )  # fmt: skip
            self._log(db, actor, "tao_tai_khoan", username, None, {"vai_tro": role, "ma_to_chuc": unit}, True)
        return Account(username, role, unit, name)

    def reset_password(self, actor: Account, username: str, password: str) -> None:
        username = username.strip().lower()
        self._require(actor, actor.vai_tro == "quan_tri", "dat_lai_mat_khau", username, "chỉ quản trị đặt lại mật khẩu")
        if len(password) < MIN_PASSWORD:
            raise StoreError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")
        with self._write() as db:
            done = db.execute(
                update(TaiKhoan).where(TaiKhoan.ten_dang_nhap == username).values(mat_khau_bam=_HASHER.hash(password))
            )
            if done.rowcount == 0:
                raise StoreError(f"Không có tài khoản «{username}».")
            self._log(db, actor, "dat_lai_mat_khau", username, None, None, True)

    def change_password(self, actor: Account, old: str, new: str) -> None:
        """The account's own password, after checking the current one."""
        try:
            self.authenticate(actor.ten_dang_nhap, old)
        except StoreError as error:
            if "thử lại sau" in str(error):
                raise
            raise StoreError("Mật khẩu hiện tại không đúng.") from error
        if len(new) < MIN_PASSWORD:
            raise StoreError(f"Mật khẩu mới cần ít nhất {MIN_PASSWORD} ký tự.")
        with self._write() as db:
            db.execute(
                update(TaiKhoan)
                .where(TaiKhoan.ten_dang_nhap == actor.ten_dang_nhap)
                .values(mat_khau_bam=_HASHER.hash(new))
            )
            self._log(db, actor, "doi_mat_khau", actor.ten_dang_nhap, None, None, True)

    def authenticate(self, username: str, password: str) -> Account:
        """The account, if the password matches; every failure gives the same message (and is logged).
        After MAX_FAILURES wrong passwords for a user name within LOCK_MINUTES, attempts wait (whether
        or not the name exists, so the answer says nothing about which names do)."""
        username = username.strip().lower()
        since = _now() - timedelta(minutes=LOCK_MINUTES)
        with self.engine.connect() as db:
            fresh_start = db.scalar(  # a successful login or a password reset starts the count again
                select(func.max(NhatKy.id)).where(
                    NhatKy.doi_tuong == username, NhatKy.duoc_phep.is_(True),
                    NhatKy.hanh_dong.in_(("dang_nhap", "dat_lai_mat_khau")),
                )
            ) or 0  # fmt: skip
            failures = db.scalar(
                select(func.count()).select_from(NhatKy).where(
                    NhatKy.hanh_dong == "dang_nhap", NhatKy.doi_tuong == username, NhatKy.duoc_phep.is_(False),
                    NhatKy.luc > since, NhatKy.id > fresh_start,
                )
            )  # fmt: skip
            row = db.execute(select(TaiKhoan).where(TaiKhoan.ten_dang_nhap == username)).first()
        if (failures or 0) >= MAX_FAILURES:
            with self._write() as db:
                self._log(db, Account(username, "?"), "dang_nhap_bi_chan", username, None, None, False, "tạm khóa")
            raise StoreError(
                f"Đăng nhập sai {MAX_FAILURES} lần: thử lại sau {LOCK_MINUTES} phút "
                "(hoặc nhờ quản trị đặt lại mật khẩu)."
            )
        try:
            ok = row is not None and not row.bi_khoa and _HASHER.verify(row.mat_khau_bam, password)
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or row is None:
            with self._write() as db:
                self._log(db, Account(username, "?"), "dang_nhap", username, None, None, False, "sai mật khẩu")
            raise StoreError("Sai tên đăng nhập hoặc mật khẩu.")
        account = Account(row.ten_dang_nhap, row.vai_tro, row.ma_to_chuc, row.ho_ten)
        with self._write() as db:
            self._log(db, account, "dang_nhap", username, None, None, True)
        return account

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
        self._require(actor, actor.vai_tro == "quan_tri", "xem_tai_khoan", "tài khoản", "chỉ quản trị xem tài khoản")
        with self.engine.connect() as db:
            rows = db.execute(select(TaiKhoan.ten_dang_nhap, TaiKhoan.vai_tro, TaiKhoan.ma_to_chuc, TaiKhoan.ho_ten))
            return pd.DataFrame(rows.all(), columns=["ten_dang_nhap", "vai_tro", "ma_to_chuc", "ho_ten"])

    # --- submissions ----------------------------------------------------------------------------

    def get(self, actor: Account, unit: str, year: int) -> Submission | None:
        """A unit's submission with its member data (within the actor's scope only)."""
        with self.engine.connect() as db:
            allowed = unit in self._scope(db, actor)
        self._require(
            actor, allowed, "doc_bao_cao", f"{unit}/{year}", "không được xem số liệu đảng viên của đơn vị này"
        )
        with self.engine.connect() as db:
            row = db.execute(select(BaoCao).where(BaoCao.ma_to_chuc == unit, BaoCao.nam == year)).first()
        return None if row is None else self._submission(row)

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
        current = self.get(actor, unit, year)
        if current is not None and current.phien_ban == expected_version:
            report = check_submission(self.tree(), unit, year, current.du_lieu)
            if not report.ok:
                raise StoreError("Chưa gửi được: số liệu có lỗi, sửa rồi gửi lại.\n" + report.to_text())
        return self._transition(actor, unit, year, expected_version, "gui", ("nhap", "tra_lai"), "da_gui")

    def return_(self, actor: Account, unit: str, year: int, expected_version: int, reason: str) -> Submission:
        if not reason.strip():
            raise StoreError("Trả lại cần ghi lý do để đơn vị sửa.")
        return self._transition(actor, unit, year, expected_version, "tra_lai", ("da_gui",), "tra_lai", reason=reason)

    def approve(self, actor: Account, unit: str, year: int, expected_version: int) -> Submission:
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
        with self.engine.connect() as db:
            allowed = unit in (self._reviewers_scope(db, actor) if review else self._scope(db, actor))
        why = "chỉ cấp trên của đơn vị được duyệt hoặc trả lại" if review else "không được sửa số liệu của đơn vị này"
        self._require(actor, allowed and actor.vai_tro != "xem", action, target, why)
        with self._write() as db:
            row = db.execute(select(BaoCao).where(BaoCao.ma_to_chuc == unit, BaoCao.nam == year)).first()
            now = _now()
            if row is None:
                if expected is not None or action != "luu_nhap":
                    raise StaleVersion(f"Báo cáo {target} chưa có: hãy lưu nháp trước.")
                assert data is not None
                created = db.execute(
                    insert(BaoCao).values(
                        ma_to_chuc=unit, nam=year, trang_thai=to_state, phien_ban=1, du_lieu=data,
                        ly_do_tra_lai=None, cap_nhat_boi=actor.ten_dang_nhap, cap_nhat_luc=now,
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
                version = row.phien_ban + 1
                values: dict[str, Any] = {
                    "trang_thai": to_state, "phien_ban": version, "cap_nhat_boi": actor.ten_dang_nhap,
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
                    ly_do_tra_lai=reason, boi=actor.ten_dang_nhap, luc=now,
                )
            )  # fmt: skip
            after = {"trang_thai": to_state, "phien_ban": version, **({"ly_do": reason} if reason else {})}
            self._log(db, actor, action, target, before, after, True)
            return self._submission(current)

    def import_approved(
        self, actor: Account, submissions: list[tuple[str, int, dict[str, Any]]], overwrite: bool = False
    ) -> tuple[int, int]:
        """Bring the figures of years kept in files (before the workflow) in as approved submissions,
        so trends, streaks and ranks have their earlier years (quan_tri only). A unit-year that already
        has a submission is left alone unless `overwrite`. Returns (imported, skipped)."""
        self._require(actor, actor.vai_tro == "quan_tri", "nap_so_lieu", "báo cáo", "chỉ quản trị nạp số liệu các năm")
        now = _now()
        with self._write() as db:
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
                         "ly_do_tra_lai": None, "cap_nhat_boi": actor.ten_dang_nhap, "cap_nhat_luc": now}
                        for u, y, d in fresh
                    ],
                )  # fmt: skip
            for row, data in changed:
                db.execute(
                    update(BaoCao).where(BaoCao.id == row.id).values(
                        trang_thai="da_duyet", phien_ban=row.phien_ban + 1, du_lieu=data, ly_do_tra_lai=None,
                        cap_nhat_boi=actor.ten_dang_nhap, cap_nhat_luc=now,
                    )
                )  # fmt: skip
            keys = [(u, y) for u, y, _ in fresh] + [(r.ma_to_chuc, r.nam) for r, _ in changed]
            if keys:
                current = {(r.ma_to_chuc, r.nam): r for r in db.execute(select(BaoCao))}
                db.execute(
                    insert(BaoCaoPhienBan),
                    [
                        {"bao_cao_id": current[k].id, "phien_ban": current[k].phien_ban, "trang_thai": "da_duyet",
                         "du_lieu": current[k].du_lieu, "ly_do_tra_lai": None, "boi": actor.ten_dang_nhap, "luc": now}
                        for k in keys
                    ],
                )  # fmt: skip
            years = sorted({y for _, y in keys})
            after = {"so_bao_cao": len(keys), "ghi_de": len(changed), "bo_qua": skipped, "nam": years}
            self._log(db, actor, "nap_so_lieu", "báo cáo", None, after, True)
        return len(keys), skipped

    def history(self, actor: Account, unit: str, year: int) -> pd.DataFrame:
        self.get(actor, unit, year)  # the same access rule (and log) as reading the submission
        with self.engine.connect() as db:
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
        self.get(actor, unit, year)
        with self.engine.connect() as db:
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
        with self.engine.connect() as db:
            units = set(self._tree(db)) if actor.vai_tro in ("quan_tri", "xem") else self._scope(db, actor)
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
        with self.engine.connect() as db:
            scope = self._scope(db, actor)
            rows = db.execute(select(BaoCao).where(BaoCao.nam == year, BaoCao.trang_thai == "da_duyet")).all()
        return {r.ma_to_chuc: dict(r.du_lieu) for r in rows if r.ma_to_chuc in scope}

    def audit(self, actor: Account, limit: int = 1000) -> pd.DataFrame:
        self._require(actor, actor.vai_tro == "quan_tri", "xem_nhat_ky", "nhật ký", "chỉ quản trị xem nhật ký")
        with self.engine.connect() as db:
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

    def _require(self, actor: Account, allowed: bool, action: str, target: str, why: str) -> None:
        """Refuse (and log, in its own transaction so the line stays) what the actor may not do."""
        if allowed:
            return
        with self._write() as db:
            self._log(db, actor, action, target, None, None, False, why)
        raise PermissionDenied(f"Không được phép: {why} ({actor.label}).")

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
    ) -> None:
        db.execute(
            insert(NhatKy).values(
                luc=_now(), tai_khoan=actor.ten_dang_nhap, hanh_dong=action, doi_tuong=target,
                truoc=before, sau=after, duoc_phep=allowed, ghi_chu=note,
            )
        )  # fmt: skip

    @staticmethod
    def _submission(row: Any) -> Submission:
        return Submission(
            row.ma_to_chuc, row.nam, row.trang_thai, row.phien_ban, dict(row.du_lieu), row.ly_do_tra_lai,
            row.cap_nhat_boi, row.cap_nhat_luc,
        )  # fmt: skip

"""The workflow's library layer: every read and write takes the acting account, and access is decided
here — not in the pages — so a user never sees, downloads or changes another unit's member data.

Roles: `quan_tri` (Ban Tuyên giáo: everything), `cap_uy_co_so` (its TCCSĐ and the chi bộ under it),
`chi_bo` (its own chi bộ), `xem` (read-only summaries: states and counts, no member data).

A submission (one unit, one year) moves Nháp → Đã gửi → Trả lại (with a reason) / Đã duyệt. Every
write is a compare-and-set on the version the user last saw: a stale save is refused with a message,
never silently overwritten; the write, its version history and its audit line commit together or
not at all (a crash mid-save leaves the last good version). Denied attempts are logged too.

Hostile callers are assumed:
- the role and unit of the acting account are read from the database inside every public method, and
  logins cost the same for a known and an unknown name: scoring/store/accounts.py (`AccountBook`).
- four eyes (`THIDUA_DUYET_HAI_NGUOI`, on unless set to 0): whoever saved or sent a report since it
  was begun or last returned does not approve it; returning it stays allowed (it makes nothing count).
  When the rule is off, every approval's audit line says so.
- an approval is refused, and the refusal logged, when a member of the report is in another unit's
  approved report of the year (the other unit named); concurrent approvals of a year take turns.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from scoring.domain.numbers import format_moment
from scoring.store.accounts import Account, AccountBook, _Refused
from scoring.store.errors import PermissionDenied, StaleVersion, StoreError
from scoring.store.models import BaoCao, BaoCaoPhienBan, NhatKy, ToChuc
from scoring.store.submission import check_submission, member_labels, shared_members

TREE_COLUMNS = ["ma_to_chuc", "ten_to_chuc", "cap", "ma_cap_tren", "loai_hinh"]

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
#: the four-eyes setting: 1 (default) or 0 for a unit too small to have a second reviewer
FOUR_EYES_SETTING = "THIDUA_DUYET_HAI_NGUOI"
_ON, _OFF = ("1", "co", "có", "bat", "bật", "true", "on"), ("0", "khong", "không", "tat", "tắt", "false", "off")


def four_eyes_setting(environ: Mapping[str, str] | None = None) -> bool:
    """THIDUA_DUYET_HAI_NGUOI: on (1, the default) unless it says 0 (off)."""
    value = (os.environ if environ is None else environ).get(FOUR_EYES_SETTING, "1").strip().lower()
    if value in _ON or not value:
        return True
    if value in _OFF:
        return False
    raise StoreError(f"{FOUR_EYES_SETTING}=«{value}» không hiểu được: dùng 1 (bật, mặc định) hoặc 0 (tắt).")


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


class Store(AccountBook):
    """The workflow's store; accounts, logins and the acting account come from `AccountBook` (accounts.py)."""

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
        query = select(*(getattr(ToChuc, c) for c in TREE_COLUMNS)).order_by(ToChuc.ma_to_chuc)
        return pd.read_sql(query, db)[TREE_COLUMNS]

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
                        f"Báo cáo {target} đã được {row.cap_nhat_boi} lưu lúc {format_moment(row.cap_nhat_luc)} "
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
            orgs = pd.read_sql(select(ToChuc.ma_to_chuc, ToChuc.ten_to_chuc, ToChuc.cap), db)
            query = select(BaoCao.ma_to_chuc, BaoCao.trang_thai, BaoCao.phien_ban, BaoCao.cap_nhat_boi)
            states = pd.read_sql(query.where(BaoCao.nam == year), db)  # not the figures (du_lieu)
        table = orgs[orgs["ma_to_chuc"].isin(units)].merge(states, on="ma_to_chuc", how="left")
        table["trang_thai"] = table["trang_thai"].map(STATES).fillna(NOT_SUBMITTED)
        table["phien_ban"] = table["phien_ban"].astype("Int64")
        table["cap_nhat_boi"] = table["cap_nhat_boi"].astype(object).where(table["cap_nhat_boi"].notna(), None)
        return table.reset_index(drop=True)

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

    @staticmethod
    def _submission(row: Any) -> Submission:
        return Submission(
            row.ma_to_chuc, row.nam, row.trang_thai, row.phien_ban, dict(row.du_lieu), row.ly_do_tra_lai,
            row.cap_nhat_boi, row.cap_nhat_luc,
        )  # fmt: skip

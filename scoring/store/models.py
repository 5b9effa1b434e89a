"""The tables (SQLAlchemy 2.0 declarative). The schema itself is created and changed only by the
Alembic migrations in `scoring/store/migrations`; these classes describe it for the queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ToChuc(Base):
    """The organisation tree the accounts are scoped by (imported from a dataset's Tổ chức table)."""

    __tablename__ = "to_chuc"

    ma_to_chuc: Mapped[str] = mapped_column(String(64), primary_key=True)
    ten_to_chuc: Mapped[str] = mapped_column(String(300))
    cap: Mapped[str] = mapped_column(String(32))
    ma_cap_tren: Mapped[str | None] = mapped_column(String(64), nullable=True)
    loai_hinh: Mapped[str | None] = mapped_column(String(64), nullable=True)


class TaiKhoan(Base):
    __tablename__ = "tai_khoan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ten_dang_nhap: Mapped[str] = mapped_column(String(64), unique=True)
    mat_khau_bam: Mapped[str] = mapped_column(String(255))
    vai_tro: Mapped[str] = mapped_column(String(32))
    ma_to_chuc: Mapped[str | None] = mapped_column(String(64), ForeignKey("to_chuc.ma_to_chuc"), nullable=True)
    ho_ten: Mapped[str] = mapped_column(String(200), default="")
    bi_khoa: Mapped[bool] = mapped_column(Boolean, default=False)
    tao_luc: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BaoCao(Base):
    """One unit's self-assessment for one year: the current version (its history is in BaoCaoPhienBan)."""

    __tablename__ = "bao_cao"
    __table_args__ = (UniqueConstraint("ma_to_chuc", "nam", name="uq_bao_cao_don_vi_nam"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ma_to_chuc: Mapped[str] = mapped_column(String(64), ForeignKey("to_chuc.ma_to_chuc"))
    nam: Mapped[int] = mapped_column(Integer)
    trang_thai: Mapped[str] = mapped_column(String(16))
    phien_ban: Mapped[int] = mapped_column(Integer)
    du_lieu: Mapped[dict[str, Any]] = mapped_column(JSON)
    ly_do_tra_lai: Mapped[str | None] = mapped_column(Text, nullable=True)
    cap_nhat_boi: Mapped[str] = mapped_column(String(64))
    cap_nhat_luc: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BaoCaoPhienBan(Base):
    """Every version a submission went through (drafts, submissions, returns, approvals)."""

    __tablename__ = "bao_cao_phien_ban"
    __table_args__ = (UniqueConstraint("bao_cao_id", "phien_ban", name="uq_phien_ban"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bao_cao_id: Mapped[int] = mapped_column(Integer, ForeignKey("bao_cao.id"))
    phien_ban: Mapped[int] = mapped_column(Integer)
    trang_thai: Mapped[str] = mapped_column(String(16))
    du_lieu: Mapped[dict[str, Any]] = mapped_column(JSON)
    ly_do_tra_lai: Mapped[str | None] = mapped_column(Text, nullable=True)
    boi: Mapped[str] = mapped_column(String(64))
    luc: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NhatKy(Base):
    """The audit log: who did what, when, to what, the value before and after; denied attempts too."""

    __tablename__ = "nhat_ky"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    luc: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    tai_khoan: Mapped[str] = mapped_column(String(64))
    hanh_dong: Mapped[str] = mapped_column(String(64))
    doi_tuong: Mapped[str] = mapped_column(String(200))
    truoc: Mapped[Any] = mapped_column(JSON, nullable=True)
    sau: Mapped[Any] = mapped_column(JSON, nullable=True)
    duoc_phep: Mapped[bool] = mapped_column(Boolean)
    ghi_chu: Mapped[str] = mapped_column(Text, default="")


class PhienDangNhap(Base):
    """A login session (`scoring.store.sessions`): the browser keeps a random token in a cookie, the
    table only its SHA-256; ended on logout, after THIDUA_PHIEN_PHUT idle minutes, or when the account
    is locked or its password changed. Removing an account removes its sessions (a restore does)."""

    __tablename__ = "phien_dang_nhap"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ma_bam: Mapped[str] = mapped_column(String(64), unique=True)
    tai_khoan_id: Mapped[int] = mapped_column(Integer, ForeignKey("tai_khoan.id", ondelete="CASCADE"), index=True)
    ten_dang_nhap: Mapped[str] = mapped_column(String(64))
    dau_mat_khau: Mapped[str] = mapped_column(String(16))
    tao_luc: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    hoat_dong_luc: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ket_thuc_luc: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ly_do_ket_thuc: Mapped[str | None] = mapped_column(String(32), nullable=True)
    trinh_duyet: Mapped[str] = mapped_column(String(200), default="")


class LanNhap(Base):
    """One import of a dataset into the database (`scoring.store.imports`): who, when, which file and
    years, what it changed; undone (`hoan_tac_*`) by writing back the versions before it."""

    __tablename__ = "lan_nhap"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    boi: Mapped[str] = mapped_column(String(64))
    luc: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ten_tep: Mapped[str] = mapped_column(String(300))
    nam: Mapped[list[int]] = mapped_column(JSON)
    so_lieu: Mapped[dict[str, Any]] = mapped_column(JSON)
    hoan_tac_boi: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hoan_tac_luc: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LanNhapPhienBan(Base):
    """A report version an import wrote (`phien_ban`) and the one it replaced (`phien_ban_truoc`, None
    for a report the import created); by unit and year, so the link outlives an undone new report."""

    __tablename__ = "lan_nhap_phien_ban"
    __table_args__ = (UniqueConstraint("lan_nhap_id", "ma_to_chuc", "nam", name="uq_lan_nhap_bao_cao"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lan_nhap_id: Mapped[int] = mapped_column(Integer, ForeignKey("lan_nhap.id"), index=True)
    ma_to_chuc: Mapped[str] = mapped_column(String(64))
    nam: Mapped[int] = mapped_column(Integer)
    phien_ban: Mapped[int] = mapped_column(Integer)
    phien_ban_truoc: Mapped[int | None] = mapped_column(Integer, nullable=True)


class TepCauHinh(Base):
    """A plan file (`tieu_chi`) or rating rules file (`quy_dinh`) in use, every version kept: its text,
    SHA-256, who uploaded it and when; one active version per kind and name (`scoring.store.plan_files`)."""

    __tablename__ = "tep_cau_hinh"
    __table_args__ = (UniqueConstraint("loai", "ten", "phien_ban", name="uq_tep_cau_hinh_phien_ban"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loai: Mapped[str] = mapped_column(String(16))
    ten: Mapped[str] = mapped_column(String(200))
    phien_ban: Mapped[int] = mapped_column(Integer)
    noi_dung: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    tai_len_boi: Mapped[str] = mapped_column(String(64))
    tai_len_luc: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    dang_dung: Mapped[bool] = mapped_column(Boolean, default=True)

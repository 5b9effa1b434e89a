"""First version of the schema: organisation tree, accounts, submissions and their versions, audit log.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "to_chuc",
        sa.Column("ma_to_chuc", sa.String(64), primary_key=True),
        sa.Column("ten_to_chuc", sa.String(300), nullable=False),
        sa.Column("cap", sa.String(32), nullable=False),
        sa.Column("ma_cap_tren", sa.String(64), nullable=True),
        sa.Column("loai_hinh", sa.String(64), nullable=True),
    )
    op.create_table(
        "tai_khoan",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ten_dang_nhap", sa.String(64), nullable=False, unique=True),
        sa.Column("mat_khau_bam", sa.String(255), nullable=False),
        sa.Column("vai_tro", sa.String(32), nullable=False),
        sa.Column("ma_to_chuc", sa.String(64), sa.ForeignKey("to_chuc.ma_to_chuc"), nullable=True),
        sa.Column("ho_ten", sa.String(200), nullable=False, server_default=""),
        sa.Column("bi_khoa", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("tao_luc", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "bao_cao",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ma_to_chuc", sa.String(64), sa.ForeignKey("to_chuc.ma_to_chuc"), nullable=False),
        sa.Column("nam", sa.Integer, nullable=False),
        sa.Column("trang_thai", sa.String(16), nullable=False),
        sa.Column("phien_ban", sa.Integer, nullable=False),
        sa.Column("du_lieu", sa.JSON, nullable=False),
        sa.Column("ly_do_tra_lai", sa.Text, nullable=True),
        sa.Column("cap_nhat_boi", sa.String(64), nullable=False),
        sa.Column("cap_nhat_luc", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("ma_to_chuc", "nam", name="uq_bao_cao_don_vi_nam"),
    )
    op.create_table(
        "bao_cao_phien_ban",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("bao_cao_id", sa.Integer, sa.ForeignKey("bao_cao.id"), nullable=False),
        sa.Column("phien_ban", sa.Integer, nullable=False),
        sa.Column("trang_thai", sa.String(16), nullable=False),
        sa.Column("du_lieu", sa.JSON, nullable=False),
        sa.Column("ly_do_tra_lai", sa.Text, nullable=True),
        sa.Column("boi", sa.String(64), nullable=False),
        sa.Column("luc", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("bao_cao_id", "phien_ban", name="uq_phien_ban"),
    )
    op.create_table(
        "nhat_ky",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("luc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tai_khoan", sa.String(64), nullable=False),
        sa.Column("hanh_dong", sa.String(64), nullable=False),
        sa.Column("doi_tuong", sa.String(200), nullable=False),
        sa.Column("truoc", sa.JSON, nullable=True),
        sa.Column("sau", sa.JSON, nullable=True),
        sa.Column("duoc_phep", sa.Boolean, nullable=False),
        sa.Column("ghi_chu", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_nhat_ky_luc", "nhat_ky", ["luc"])
    op.create_index("ix_bao_cao_nam", "bao_cao", ["nam"])


def downgrade() -> None:
    for table in ("nhat_ky", "bao_cao_phien_ban", "bao_cao", "tai_khoan", "to_chuc"):
        op.drop_table(table)

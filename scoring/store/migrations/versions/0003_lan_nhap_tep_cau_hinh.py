"""Imports into the database (`lan_nhap`, the report versions each wrote: `lan_nhap_phien_ban`) and the
plan and rating rules files in use, versioned (`tep_cau_hinh`).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lan_nhap",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("boi", sa.String(64), nullable=False),
        sa.Column("luc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ten_tep", sa.String(300), nullable=False),
        sa.Column("nam", sa.JSON, nullable=False),
        sa.Column("so_lieu", sa.JSON, nullable=False),
        sa.Column("hoan_tac_boi", sa.String(64), nullable=True),
        sa.Column("hoan_tac_luc", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "lan_nhap_phien_ban",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("lan_nhap_id", sa.Integer, sa.ForeignKey("lan_nhap.id"), nullable=False),
        sa.Column("ma_to_chuc", sa.String(64), nullable=False),
        sa.Column("nam", sa.Integer, nullable=False),
        sa.Column("phien_ban", sa.Integer, nullable=False),
        sa.Column("phien_ban_truoc", sa.Integer, nullable=True),
        sa.UniqueConstraint("lan_nhap_id", "ma_to_chuc", "nam", name="uq_lan_nhap_bao_cao"),
    )
    op.create_index("ix_lan_nhap_phien_ban_lan_nhap_id", "lan_nhap_phien_ban", ["lan_nhap_id"])
    op.create_table(
        "tep_cau_hinh",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("loai", sa.String(16), nullable=False),  # tieu_chi | quy_dinh
        sa.Column("ten", sa.String(200), nullable=False),
        sa.Column("phien_ban", sa.Integer, nullable=False),
        sa.Column("noi_dung", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("tai_len_boi", sa.String(64), nullable=False),
        sa.Column("tai_len_luc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dang_dung", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.UniqueConstraint("loai", "ten", "phien_ban", name="uq_tep_cau_hinh_phien_ban"),
    )


def downgrade() -> None:
    op.drop_table("tep_cau_hinh")
    op.drop_index("ix_lan_nhap_phien_ban_lan_nhap_id", table_name="lan_nhap_phien_ban")
    op.drop_table("lan_nhap_phien_ban")
    op.drop_table("lan_nhap")

"""Login sessions kept in the database (`scoring.store.sessions`): a reload, a new tab, a deep link or
another app process on the same database finds the same login.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "phien_dang_nhap",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        # the SHA-256 (hex) of the token in the browser's cookie, never the token itself
        sa.Column("ma_bam", sa.String(64), nullable=False, unique=True),
        sa.Column("tai_khoan_id", sa.Integer, sa.ForeignKey("tai_khoan.id", ondelete="CASCADE"), nullable=False),
        sa.Column("ten_dang_nhap", sa.String(64), nullable=False),
        # a fingerprint of the password hash the session was opened with: a new password ends the session
        sa.Column("dau_mat_khau", sa.String(16), nullable=False),
        sa.Column("tao_luc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hoat_dong_luc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ket_thuc_luc", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ly_do_ket_thuc", sa.String(32), nullable=True),
        sa.Column("trinh_duyet", sa.String(200), nullable=False, server_default=""),
    )
    op.create_index("ix_phien_dang_nhap_tai_khoan_id", "phien_dang_nhap", ["tai_khoan_id"])


def downgrade() -> None:
    op.drop_index("ix_phien_dang_nhap_tai_khoan_id", table_name="phien_dang_nhap")
    op.drop_table("phien_dang_nhap")

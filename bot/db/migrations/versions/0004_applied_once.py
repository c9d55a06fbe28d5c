"""Every update applied once: the updates already handled, and a version on each case.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handled_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index("ix_handled_updates_at", "handled_updates", ["handled_at"])
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite has it since 3.35): a batch would copy `cases` and drop
    # the old table, and SQLite's cascades would delete every case's timeline, evidence
    # and reminders with it.
    op.drop_column("cases", "version")
    op.drop_index("ix_handled_updates_at", table_name="handled_updates")
    op.drop_table("handled_updates")

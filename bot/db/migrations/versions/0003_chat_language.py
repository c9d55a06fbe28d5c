"""The language a chat speaks: the user's choice in a private chat, the group's in a group.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 09:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("language", sa.String(length=16), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite has it since 3.35): a batch would copy `teams` and drop
    # the old table, and SQLite's cascades would delete every case with it.
    op.drop_column("teams", "language")

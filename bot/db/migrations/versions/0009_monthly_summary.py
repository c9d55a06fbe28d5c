"""The monthly summary to each group: a switch per team, and one row per group and month.

`teams.monthly_summary` is the group's /settings switch (on unless an admin turns it off).
`monthly_summaries` records each group's summary of a month: the row is inserted only if
there is none (so two bot processes, or a restart, never send one twice), and says what
became of it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 11:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ALTER TABLE, also on SQLite: a batch would copy `teams` and drop the old
    # table, and SQLite's cascades would delete every case with it.
    op.add_column(
        "teams",
        sa.Column("monthly_summary", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.create_table(
        "monthly_summaries",
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("team_id", "month"),
    )


def downgrade() -> None:
    op.drop_table("monthly_summaries")
    op.drop_column("teams", "monthly_summary")  # SQLite has DROP COLUMN since 3.35

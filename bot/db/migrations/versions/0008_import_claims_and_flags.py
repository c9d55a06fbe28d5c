"""One import at a time per chat across processes, and the flags an import raised.

`import_claims` holds the chat whose export is being read, by which process, until
when: a process claims a chat with a conditional insert (or takes over a claim that has
lapsed), renews it as it goes and deletes it when done, so a crashed process locks the
chat only until its claim lapses. `import_flags` keeps each flag's charges (all of them:
three charges after a pause, a burst of equal charges) and the pause date it inferred,
so "Start a case from this" starts a case about every one of them; a button carries only
the flag's id.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 11:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_claims",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
    )
    op.create_table(
        "import_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("charge_ids", sa.JSON(), nullable=False),
        sa.Column("paused_on", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_import_flags_team", "import_flags", ["team_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_import_flags_team", table_name="import_flags")
    op.drop_table("import_flags")
    op.drop_table("import_claims")

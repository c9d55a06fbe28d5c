"""A person's own settings: the signature of the messages they send (issue 16, A.11).

A message to TikTok ended with the ad account's name only. Now it is signed with a
person and a way to reach them, asked once and kept with the person (not a chat: the
same person signs their cases in their private chat and in every team's group), in a
table of its own so /forget deletes it with the rest of what the person wrote.

(The ad account's country, also asked now, has had its column since 0001.)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("signature", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("users")

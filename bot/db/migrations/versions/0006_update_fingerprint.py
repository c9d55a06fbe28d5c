"""A handled update keeps what it was, besides its id.

An update id recorded before meant "delivered again: do nothing". But an id can come
back with a different update: Telegram numbers updates at random after a week without
any, and the terminal chat numbers them from the clock, which may have moved back.
Such an update was dropped without a word. `handled_updates.fingerprint` says which
update an id was (its chat and message, or its button press), so only the same update
is taken for a redelivery. Rows from before have none and keep the old rule.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 09:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handled_updates") as batch:
        batch.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handled_updates") as batch:
        batch.drop_column("fingerprint")

"""A case keeps the intake's bookkeeping in columns of its own, not in its answers.

The intake used to keep, among a case's answers, the language the message to TikTok is
written in (`_message_language`) and whether /new found saved accounts to offer
(`_saved_accounts`). They are `cases.message_language` and `cases.saved_accounts_offered`
now (NULL on a case from before: the bot then reads them from its answers, where they
stay). Downgrading writes them back into the answers, where the older version reads them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_cases = sa.table(
    "cases",
    sa.column("id", sa.Integer()),
    sa.column("answers", sa.JSON()),
    sa.column("message_language", sa.String(16)),
    sa.column("saved_accounts_offered", sa.Boolean()),
)


def upgrade() -> None:
    # Plain ALTER TABLEs, also on SQLite: a batch would copy `cases` and drop the old table,
    # and SQLite's cascades would delete the cases' timelines and evidence with it.
    op.add_column("cases", sa.Column("message_language", sa.String(length=16), nullable=True))
    op.add_column("cases", sa.Column("saved_accounts_offered", sa.Boolean(), nullable=True))


def downgrade() -> None:
    conn = op.get_bind()
    kept = conn.execute(
        sa.select(
            _cases.c.id,
            _cases.c.answers,
            _cases.c.message_language,
            _cases.c.saved_accounts_offered,
        ).where(_cases.c.message_language.is_not(None) | _cases.c.saved_accounts_offered.is_(True))
    ).all()
    for case_id, answers, language, saved in kept:
        answers = dict(answers or {})
        if language is not None:
            answers["_message_language"] = language
        if saved:
            answers["_saved_accounts"] = True
        conn.execute(sa.update(_cases).where(_cases.c.id == case_id).values(answers=answers))
    op.drop_column("cases", "saved_accounts_offered")  # SQLite has DROP COLUMN since 3.35
    op.drop_column("cases", "message_language")

"""The questions waiting for a user's answer in a chat are one table.

`case_inputs` (a case waiting for its ticket number, more evidence or the refunded
amount) and `pending_imports` (an export waiting for which account, which column) become
`pending_inputs`, keyed by (chat, user, kind): kind "case" keeps `case_id` and `what`,
kind "import" keeps the file id, file name, account, columns and question in `payload`
(see bot/db/pending.py). Every row moves across, and back on downgrade.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_IMPORT_FIELDS = ("file_id", "filename", "account_id", "mapping", "question")

_pending_inputs = sa.table(
    "pending_inputs",
    sa.column("chat_id", sa.BigInteger()),
    sa.column("user_id", sa.BigInteger()),
    sa.column("kind", sa.String(16)),
    sa.column("case_id", sa.Integer()),
    sa.column("what", sa.String(16)),
    sa.column("payload", sa.JSON()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
_case_inputs = sa.table(
    "case_inputs",
    sa.column("chat_id", sa.BigInteger()),
    sa.column("user_id", sa.BigInteger()),
    sa.column("case_id", sa.Integer()),
    sa.column("what", sa.String(16)),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
_pending_imports = sa.table(
    "pending_imports",
    sa.column("chat_id", sa.BigInteger()),
    sa.column("user_id", sa.BigInteger()),
    sa.column("file_id", sa.String(255)),
    sa.column("filename", sa.Text()),
    sa.column("account_id", sa.Integer()),
    sa.column("mapping", sa.JSON()),
    sa.column("question", sa.JSON()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "pending_inputs",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("what", sa.String(length=16), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chat_id", "user_id", "kind"),
    )
    bind = op.get_bind()
    op.execute(
        _pending_inputs.insert().from_select(
            ["chat_id", "user_id", "kind", "case_id", "what", "created_at"],
            sa.select(
                _case_inputs.c.chat_id,
                _case_inputs.c.user_id,
                sa.literal("case", sa.String(16)),
                _case_inputs.c.case_id,
                _case_inputs.c.what,
                _case_inputs.c.created_at,
            ),
        )
    )
    # The payload is JSON built from several columns: read and written here, the same on
    # every database (a handful of rows: exports waiting for an answer).
    imports = bind.execute(sa.select(_pending_imports)).mappings().all()
    for row in imports:
        bind.execute(
            _pending_inputs.insert().values(
                chat_id=row["chat_id"],
                user_id=row["user_id"],
                kind="import",
                payload={name: row[name] for name in _IMPORT_FIELDS},
                created_at=row["created_at"],
            )
        )
    op.drop_table("case_inputs")
    op.drop_table("pending_imports")


def downgrade() -> None:
    op.create_table(
        "pending_imports",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("file_id", sa.String(length=255), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("question", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "user_id"),
    )
    op.create_table(
        "case_inputs",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chat_id", "user_id"),
    )
    bind = op.get_bind()
    op.execute(
        _case_inputs.insert().from_select(
            ["chat_id", "user_id", "case_id", "what", "created_at"],
            sa.select(
                _pending_inputs.c.chat_id,
                _pending_inputs.c.user_id,
                _pending_inputs.c.case_id,
                _pending_inputs.c.what,
                _pending_inputs.c.created_at,
            ).where(_pending_inputs.c.kind == "case"),
        )
    )
    waiting = bind.execute(
        sa.select(_pending_inputs).where(_pending_inputs.c.kind == "import")
    ).mappings()
    for row in waiting.all():
        payload = row["payload"] or {}
        bind.execute(
            _pending_imports.insert().values(
                chat_id=row["chat_id"],
                user_id=row["user_id"],
                file_id=payload.get("file_id") or "",
                filename=payload.get("filename") or "",
                account_id=payload.get("account_id"),
                mapping=payload.get("mapping") or {},
                question=payload.get("question"),
                created_at=row["created_at"],
            )
        )
    op.drop_table("pending_inputs")

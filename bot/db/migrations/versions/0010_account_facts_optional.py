"""An ad account's facts may be unknown.

The intake asks what went wrong first, and then only the account facts that reason's
verdict and message need: a new account added for a duplicate charge is not asked its
status or Business Center. So the billing option, Business Center, currency, status and
who is paid may each be NULL (not asked yet); a later case for another reason asks what
it needs and fills them in.

Downgrading puts the columns back to NOT NULL, writing the old defaults into facts never
asked (automatic payment, no Business Center, USD, active, paid to TikTok): the old
schema has no way to say "unknown".

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 11:30:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_COLUMNS: tuple[tuple[str, Any, object], ...] = (
    ("billing", sa.String(length=16), "automatic"),
    ("in_bc", sa.Boolean(), False),
    ("currency", sa.String(length=3), "USD"),
    ("status", sa.String(length=16), "active"),
    ("paid_via", sa.String(length=16), "tiktok"),
)


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        for name, type_, _default in _COLUMNS:
            batch.alter_column(name, existing_type=type_, nullable=True)


def downgrade() -> None:
    accounts = sa.table("accounts", *(sa.column(name, type_) for name, type_, _d in _COLUMNS))
    for name, _type, default in _COLUMNS:
        op.execute(accounts.update().where(accounts.c[name].is_(None)).values({name: default}))
    with op.batch_alter_table("accounts") as batch:
        for name, type_, _default in _COLUMNS:
            batch.alter_column(name, existing_type=type_, nullable=False)

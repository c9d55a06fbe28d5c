"""What billing exports and sent files bring is kept as text of any length.

A hostile or just unusual export (a long "Type" or "Status" word, a long document
number) overflowed the VARCHAR limits on PostgreSQL; SQLite never enforced them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# (table, column, length before, nullable)
COLUMNS = [
    ("transactions", "invoice_number", 64, True),
    ("transactions", "status", 16, True),
    ("transactions", "kind", 16, True),
    ("transactions", "payment_method", 64, True),
    ("transactions", "fingerprint", 200, True),
    ("pending_imports", "filename", 255, False),
    ("evidence", "name", 255, True),
    ("reminders", "claimed_by", 64, True),
]


def upgrade() -> None:
    for table, column, length, nullable in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column,
                existing_type=sa.String(length),
                type_=sa.Text(),
                existing_nullable=nullable,
            )


def downgrade() -> None:
    # Longer values than the old limits are cut to fit, as the old schema required.
    for table, column, length, nullable in COLUMNS:
        op.execute(
            sa.text(
                f"UPDATE {table} SET {column} = substr({column}, 1, {length})"
                f" WHERE length({column}) > {length}"
            )
        )
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column,
                existing_type=sa.Text(),
                type_=sa.String(length),
                existing_nullable=nullable,
            )

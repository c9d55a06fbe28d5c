"""Alembic's entry point: run the migrations on the connection `bot.db.schema` hands over.

`refundbot migrate` and the start-up check (bot/db/schema.py) always pass a connection in
`config.attributes["connection"]`; the plain `alembic` command (alembic.ini at the
repository root) gets one from DATABASE_URL instead.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from bot.db.engine import make_engine
from bot.db.tables import metadata


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite can't ALTER most things in place: batch mode copies the table.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:
    from bot.config import Settings

    engine = make_engine(Settings().database_url)
    with engine.connect() as connection:
        run(connection)
    engine.dispose()

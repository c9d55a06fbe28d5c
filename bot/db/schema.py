"""Schema versions: Alembic migrations, applied by `refundbot migrate` and checked at start-up.

SQLite (one process, the default) is migrated automatically when the bot opens it.
Any other database must be migrated by the operator first (`refundbot migrate`): a bot
that finds an older schema refuses to start and says which command to run, so several
processes never race to change the schema under each other.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.util import greenlet_spawn

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Tables of the schema as it was before migrations existed (revision 0001 creates them).
_PRE_MIGRATION_TABLES = {"teams", "accounts", "intakes", "cases", "reminders"}

T = TypeVar("T")


class SchemaOutOfDate(RuntimeError):
    """The database's schema is not the one this version of the bot needs."""


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, without an ini file: the scripts ship inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to the end from synchronous code, inside a running loop or not."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def with_connection(
    engine: Engine, work: Callable[[Connection], T], *, migrating: bool = False
) -> T:
    """Run `work` in one transaction on a connection of `engine`, then empty its pool.

    An async driver's (asyncpg's) connections belong to the loop that opened them, so the
    work runs on a loop of its own and its connections are closed there; the engine stays
    usable (it opens new connections on the loop that uses it next).

    `migrating` on SQLite: foreign keys are off while the migrations run, and checked at
    the end. SQLite changes a column (a batch) by copying its table and dropping the old
    one, and with foreign keys on, that DROP runs the cascades of every table referring to
    it (an account's charges would go with it). The pragma has no effect inside a
    transaction, so it is set before the migrations' transaction begins.
    """

    def sync() -> T:
        try:
            with engine.connect() as connection:
                keys_off = migrating and connection.dialect.name == "sqlite"
                if keys_off:
                    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                    connection.commit()
                try:
                    with connection.begin():
                        result = work(connection)
                        if keys_off:
                            _check_foreign_keys(connection)
                finally:
                    if keys_off:
                        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                        connection.commit()
                return result
        finally:
            engine.dispose()

    if engine.dialect.is_async:

        async def in_loop() -> T:
            return await greenlet_spawn(sync)

        return run_blocking(in_loop())
    return sync()


def _check_foreign_keys(connection: Connection) -> None:
    """Refuse (roll back) a migration that left a row referring to one that isn't there."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        raise RuntimeError(f"The migration left rows referring to missing ones in {tables}.")


def _upgrade(connection: Connection, revision: str) -> None:
    if current_revision(connection) is None:
        tables = set(inspect(connection).get_table_names())
        if tables >= _PRE_MIGRATION_TABLES:
            # Made by a version of the bot from before migrations: that schema is 0001.
            command.stamp(alembic_config(connection), "0001")
    command.upgrade(alembic_config(connection), revision)


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate the database up to `revision`; return (revision before, revision after)."""

    def work(connection: Connection) -> tuple[str | None, str | None]:
        before = current_revision(connection)
        _upgrade(connection, revision)
        return before, current_revision(connection)

    return with_connection(engine, work, migrating=True)


def downgrade(engine: Engine, revision: str) -> tuple[str | None, str | None]:
    """Migrate the database down to `revision` (e.g. "-1" or "base")."""

    def work(connection: Connection) -> tuple[str | None, str | None]:
        before = current_revision(connection)
        command.downgrade(alembic_config(connection), revision)
        return before, current_revision(connection)

    return with_connection(engine, work, migrating=True)


def revision_of(engine: Engine) -> str | None:
    return with_connection(engine, current_revision)


def check(engine: Engine, *, migrate: bool) -> None:
    """At start-up: migrate (SQLite) or make sure someone has (any other database). A
    database already at the newest revision costs one query, not a run of Alembic."""
    found = revision_of(engine)
    needed = head_revision()
    if found != needed and migrate:
        upgrade(engine)
        return
    if found != needed:
        has = "no schema yet" if found is None else f"schema revision {found}"
        raise SchemaOutOfDate(
            f"The database has {has}; this version of the bot needs revision {needed}. "
            "Run `refundbot migrate` (with the same DATABASE_URL) and start the bot again."
        )

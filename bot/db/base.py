"""The machinery every repository shares: the engine, one transaction per update
(`unit`), a transaction for a call outside one (`transaction`), what an update may keep
while it runs (`memo`), running from async code (`run`), and the SQL helpers the
repositories have in common (`upsert`, `inserted_id`)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any, ParamSpec, Self, TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.util import greenlet_spawn

from bot.db import schema
from bot.db.engine import driver_time, make_engine

P = ParamSpec("P")
T = TypeVar("T")

log = logging.getLogger(__name__)

# The connection of the update being handled (see `StoreBase.unit`).
_unit: ContextVar[Connection | None] = ContextVar("refundbot_unit", default=None)
# What to do once that update's transaction has committed (see `StoreBase.wipe_after_commit`).
_after_unit: ContextVar[list[Callable[[], None]] | None] = ContextVar(
    "refundbot_after_unit", default=None
)

# What was read in that update's transaction and may be read again in it (`StoreBase.memo`).
_memo: ContextVar[dict[Any, Any] | None] = ContextVar("refundbot_memo", default=None)


class StoreBase:
    """The engine and its transactions; the repositories' methods run on them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _driver_time(self, moment: datetime) -> datetime | str:
        """A UTC datetime as the driver should get it when SQLAlchemy's types are bypassed."""
        return driver_time(self.engine.dialect, moment)

    @classmethod
    def open(cls, url: str) -> Self:
        """Open the database at `url`: SQLite is migrated to the current schema on the spot;
        any other database must already be (`refundbot migrate`), or this raises
        `SchemaOutOfDate` with the command to run."""
        engine = make_engine(url)
        schema.check(engine, migrate=engine.dialect.name == "sqlite")
        return cls(engine)

    @property
    def is_async(self) -> bool:
        return bool(self.engine.dialect.is_async)

    def close(self) -> None:
        """Close the pool's connections. An async driver's connections can only be closed
        on their own loop (`aclose`, at the bot's shutdown); here they are just let go."""
        self.engine.dispose(close=not self.is_async)

    async def aclose(self) -> None:
        """Close the pool's connections from the loop that opened them."""
        await self.run(self.engine.dispose)

    async def run(self, work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Call `work` (which uses this store) from async code: directly with a synchronous
        driver, or inside SQLAlchemy's greenlet bridge with an async one (asyncpg)."""
        if self.is_async:
            return await greenlet_spawn(functools.partial(work, *args, **kwargs))
        return work(*args, **kwargs)

    def ping(self) -> bool:
        """Whether the database answers `SELECT 1` now (for /healthz); never raises."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except Exception:  # whatever the driver raises, the answer is "not reachable"
            return False
        return True

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A transaction: the update's own when one is open (`unit`), else a new one."""
        current = _unit.get()
        if current is not None:
            yield current
            return
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def unit(self) -> Iterator[Connection]:
        """One transaction for everything inside: an update's reads and writes are applied
        together or not at all, on one pooled connection, with one commit."""
        current = _unit.get()
        if current is not None:
            yield current
            return
        later: list[Callable[[], None]] = []
        with self.engine.begin() as conn:
            token = _unit.set(conn)
            pending = _after_unit.set(later)
            memo = _memo.set({})
            try:
                yield conn
            finally:
                _unit.reset(token)
                _after_unit.reset(pending)
                _memo.reset(memo)
        for action in later:  # committed: an exception above would have skipped this
            action()

    def memo(self) -> dict[Any, Any] | None:
        """A dictionary that lasts as long as the update's transaction (`unit`), for what
        is read in it more than once (the chat's schedule): kept no longer, so another
        process's change is seen by the next update. None outside a `unit`: nothing may
        be kept then."""
        return _memo.get()

    def wipe_after_commit(self) -> None:
        """Take what the current transaction deletes off the disk once it commits: on
        SQLite (whose deleted cells `secure_delete` zeroes) the WAL, which still holds the
        pages as they were, is checkpointed into the database file and truncated to
        nothing. Outside a transaction this runs at once."""
        if self.engine.dialect.name != "sqlite":
            return
        later = _after_unit.get()
        if later is None:
            self._checkpoint()
        elif self._checkpoint not in later:
            later.append(self._checkpoint)

    def _checkpoint(self) -> None:
        with self.engine.connect() as conn:
            row = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
        if row is not None and row[0]:
            # A reader kept the WAL in use past busy_timeout: the next checkpoint (SQLite
            # runs one every 1000 pages) copies the zeroed pages over the old ones.
            log.warning("The WAL could not be truncated after a deletion; it will be later")


def upsert(
    conn: Connection,
    table: Table,
    values: Mapping[str, Any],
    keys: list[str],
    changes: Mapping[str, Any] | None = None,
) -> None:
    """Insert the row; if one with the same `keys` exists, apply `changes` to it (or leave
    it as it is). One statement, so two bot processes meeting the same new chat or member
    at the same moment can't both insert it."""
    insert_ = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement: Any = insert_(table).values(**values)
    if changes:
        statement = statement.on_conflict_do_update(index_elements=keys, set_=dict(changes))
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    conn.execute(statement)


def inserted_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])

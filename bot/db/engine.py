"""The engine, its URL, and statements compiled once (`Prepared`): the per-update path
skips SQLAlchemy's per-execute work. Also the store's clock: `utcnow()`, what is written
when a caller gives no time (tests fix it by replacing `_utcnow` here)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, create_engine, event
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.expression import ClauseElement


def _utcnow() -> datetime:
    return datetime.now(UTC)


def utcnow() -> datetime:
    """Now, in UTC (through `_utcnow`, looked up at each call so a test can fix it)."""
    return _utcnow()


def as_utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # Deleted rows are overwritten with zeros, not just unlinked: after /forget their bytes
    # are gone from the file once the WAL is checkpointed (`Store.wipe_after_commit`).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def database_url(url: str) -> str:
    """`url` with the driver SQLAlchemy should use: psycopg (3) for a plain PostgreSQL URL,
    also in the `postgres://` spelling many hosting services hand out."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_engine(url: str) -> Engine:
    """Create the engine for `url`, with SQLite tuned for many small transactions.

    With asyncpg (`postgresql+asyncpg://`) this is the synchronous face of an async engine:
    its statements run only inside `Store.run`, which lets them await the driver on the
    bot's event loop (SQLAlchemy's greenlet bridge) instead of blocking it.

    Every engine hides its statements' parameters from the errors it raises (and from any
    echo): they are what users wrote, and an error ends up in the log.
    """
    url = database_url(url)
    if url.startswith("postgresql+asyncpg"):
        # Imported here: SQLAlchemy's asyncio support needs greenlet (the `postgres` extra).
        from sqlalchemy.ext.asyncio import create_async_engine

        return create_async_engine(
            url, connect_args={"server_settings": {"timezone": "UTC"}}, hide_parameters=True
        ).sync_engine
    if url.startswith("postgresql"):
        return create_engine(url, connect_args={"options": "-c timezone=UTC"}, hide_parameters=True)
    engine = create_engine(url, hide_parameters=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
    return engine


class Prepared:
    """A statement compiled once for the engine's dialect and run through the driver.

    SQLAlchemy re-derives a cache key and re-processes parameters on every
    `execute`; on the per-update path that costs more than SQLite itself. Values
    must already be in the driver's types (str, int, None).

    On SQLite the statement goes straight to the connection's sqlite3 cursor, inside
    the transaction SQLAlchemy opened: its execution context costs about 40 µs a
    statement, four times the statement. Other databases keep SQLAlchemy's handling of
    lost connections (their round trip dwarfs that cost).
    """

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        self.sql = str(compiled)
        self.names = list(compiled.positiontup or []) if compiled.positional else None
        self.direct = dialect.name == "sqlite"

    def run(self, conn: Connection, **values: Any) -> Any:
        """Run the statement; the result answers `fetchone()`."""
        params = values if self.names is None else tuple(values[name] for name in self.names)
        if self.direct:
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            cursor.execute(self.sql, params)
            return cursor
        return conn.exec_driver_sql(self.sql, params)


def param(column: str) -> BindParameter[Any]:
    return bindparam(column)


def driver_time(dialect: Dialect, moment: datetime) -> datetime | str:
    """A UTC datetime as the driver should get it when SQLAlchemy's types are bypassed:
    SQLite stores SQLAlchemy's naive text form (always with microseconds, as its DATETIME
    type writes it), other drivers take the datetime."""
    if dialect.name == "sqlite":
        naive = moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)
        return naive.isoformat(sep=" ", timespec="microseconds")
    return moment


# Statements of the repositories' module helpers (which get a connection, not the store),
# compiled once per dialect and driver: `prepared(conn, build)`, keyed by the function
# that builds the statement.
_PREPARED: dict[tuple[str, str, Callable[[], ClauseElement]], Prepared] = {}


def prepared(conn: Connection, build: Callable[[], ClauseElement]) -> Prepared:
    dialect = conn.dialect
    key = (dialect.name, dialect.driver, build)  # psycopg and asyncpg write parameters apart
    found = _PREPARED.get(key)
    if found is None:
        found = _PREPARED[key] = Prepared(build(), dialect)
    return found

"""Telegram updates already applied (`handled_updates`), and the chat's lock an update is
applied under: each update runs as one transaction that first records it, so a second
delivery finds the record and does nothing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import ParamSpec, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from bot.db.base import StoreBase
from bot.db.engine import Prepared, param, utcnow
from bot.db.records import AlreadyHandled, UpdateMark
from bot.db.tables import handled_updates, intakes

P = ParamSpec("P")
T = TypeVar("T")

log = logging.getLogger(__name__)


class UpdateRepository(StoreBase):
    """Which updates were applied; one chat's updates applied one at a time."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        dialect = engine.dialect
        self._chat_lock = Prepared(select(func.pg_advisory_xact_lock(param("chat_id"))), dialect)
        insert_ = postgresql_insert if dialect.name == "postgresql" else sqlite_insert
        self._record_update = Prepared(
            insert_(handled_updates)
            .values({name: param(name) for name in ("update_id", "handled_at", "fingerprint")})
            .on_conflict_do_nothing(index_elements=["update_id"])
            .returning(handled_updates.c.update_id),
            dialect,
        )
        # psycopg: an update waiting (in a thread) for another process's chat lock holds a
        # pooled connection. Updates run concurrently, and a checkout from an exhausted pool
        # blocks the event loop that the waiting ones need to finish: let fewer wait at once
        # than the pool holds (its default 5 + 10 overflow).
        self._lock_waits = asyncio.Semaphore(8)

    async def run_for_chat(
        self, chat_id: int, work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`run` as one transaction (`unit`) holding the chat's lock: two bot processes never
        apply updates for one chat at the same time (on PostgreSQL a transaction-level
        advisory lock, released by the commit; SQLite has one process)."""
        return await self.run_update(chat_id, None, work, *args, **kwargs)

    async def run_update(
        self,
        chat_id: int,
        update_id: int | UpdateMark | None,
        work: Callable[P, T],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """`run_for_chat` that first records Telegram's `update_id` in the same transaction
        as whatever `work` changes. If it was recorded before (the same update delivered
        again, here or to another process) this raises `AlreadyHandled` and `work` never
        runs; if `work` fails, the record is rolled back with its changes."""
        postgres = self.engine.dialect.name == "postgresql"
        if postgres and not self.is_async:
            # psycopg: another process may hold the chat for a while, and waiting for it
            # on the event loop would stop every other chat meanwhile; wait in a thread.
            async with self._lock_waits:
                with self.unit() as conn:
                    await asyncio.to_thread(self._chat_lock.run, conn, chat_id=chat_id)
                    self._record(conn, update_id)
                    return work(*args, **kwargs)

        def locked() -> T:
            with self.unit() as conn:
                if postgres:
                    self._chat_lock.run(conn, chat_id=chat_id)
                self._record(conn, update_id)
                return work(*args, **kwargs)

        return await self.run(locked)

    def _record(self, conn: Connection, update_id: int | UpdateMark | None) -> None:
        """Note the update as applied, or raise `AlreadyHandled` if it was. On PostgreSQL
        an uncommitted record of another process makes this wait for its commit (or its
        rollback, and then this one is recorded). A different update under a recorded id
        (both fingerprints known, and not the same) is a new one: recorded over the old."""
        if update_id is None:
            return
        number, key = update_id if isinstance(update_id, tuple) else (update_id, "")
        now = self._driver_time(utcnow())
        fingerprint = key[:64] or None
        row = self._record_update.run(
            conn, update_id=number, handled_at=now, fingerprint=fingerprint
        ).fetchone()
        if row is not None:
            return
        this = handled_updates.c.update_id == number
        before = conn.execute(select(handled_updates.c.fingerprint).where(this)).scalar()
        if fingerprint is None or before is None or before == fingerprint:
            raise AlreadyHandled(number)
        log.warning("Update id %s came back with another update: handled", number)
        # Through SQLAlchemy's types: a datetime (`now` is the raw driver's form).
        conn.execute(
            update(handled_updates).where(this).values(handled_at=utcnow(), fingerprint=fingerprint)
        )

    def forget_handled_updates(self, before: datetime) -> int:
        """Delete the records of updates handled before `before`; return how many."""
        with self.transaction() as conn:
            result = conn.execute(
                handled_updates.delete().where(handled_updates.c.handled_at < before)
            )
        return int(result.rowcount)

    def newest_update_id(self, chat_id: int) -> int:
        """The newest update id this database has seen from the chat, or any recorded update
        (0 when none): the terminal chat numbers its updates after it, so a clock that moved
        back can't make them look like redeliveries."""
        with self.transaction() as conn:
            in_intakes = conn.execute(
                select(func.max(intakes.c.last_update)).where(intakes.c.chat_id == chat_id)
            ).scalar()
            recorded = conn.execute(select(func.max(handled_updates.c.update_id))).scalar()
        return max(int(in_intakes or 0), int(recorded or 0))

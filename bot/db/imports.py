"""An import of a billing export while it runs and after: the chat's claim (one import at
a time per chat, across processes) and the flags it raised (kept for "Start a case from
this"). The question it waits on is bot/db/pending.py's (kind "import")."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.db.base import StoreBase
from bot.db.engine import utcnow
from bot.db.tables import import_claims, import_flags


class ImportRepository(StoreBase):
    """Imports waiting, running, and what they flagged."""

    def save_import_flag(
        self,
        team_id: int,
        account_id: int,
        rule: str,
        charge_ids: list[int],
        paused_on: str | None,
    ) -> int:
        """Keep a flag's charges (and pause date) for its "Start a case from this"."""
        with self.transaction() as conn:
            result = conn.execute(
                insert(import_flags).values(
                    team_id=team_id,
                    account_id=account_id,
                    rule=rule,
                    charge_ids=charge_ids,
                    paused_on=paused_on,
                    created_at=utcnow(),
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def import_flag(self, team_id: int, flag_id: int) -> dict[str, Any] | None:
        """The team's flag `flag_id` (None for another team's, or one gone)."""
        with self.transaction() as conn:
            row = (
                conn.execute(
                    select(import_flags).where(
                        import_flags.c.id == flag_id, import_flags.c.team_id == team_id
                    )
                )
                .mappings()
                .first()
            )
            return None if row is None else dict(row)

    def claim_import(self, chat_id: int, holder: str, now: datetime, lease: timedelta) -> bool:
        """Claim the chat for an import until `now + lease`: True when no other claim
        holds it (none, or one that has lapsed), in one conditional statement."""
        dialect = self.engine.dialect.name
        make = postgresql_insert if dialect == "postgresql" else sqlite_insert
        values = make(import_claims).values(chat_id=chat_id, holder=holder, expires_at=now + lease)
        statement = values.on_conflict_do_update(
            index_elements=[import_claims.c.chat_id],
            set_={"holder": holder, "expires_at": now + lease},
            where=import_claims.c.expires_at <= now,
        ).returning(import_claims.c.holder)
        # A row comes back only when this claim was written (rowcount can't tell: some
        # drivers count a conflict whose update didn't happen).
        with self.transaction() as conn:
            return conn.execute(statement).first() is not None

    def renew_import_claim(
        self, chat_id: int, holder: str, now: datetime, lease: timedelta
    ) -> None:
        """Keep holding the chat while the import goes on."""
        with self.transaction() as conn:
            conn.execute(
                update(import_claims)
                .where(import_claims.c.chat_id == chat_id, import_claims.c.holder == holder)
                .values(expires_at=now + lease)
            )

    def release_import(self, chat_id: int, holder: str) -> None:
        """The import has ended (however it ended): the chat may import again."""
        with self.transaction() as conn:
            conn.execute(
                import_claims.delete().where(
                    import_claims.c.chat_id == chat_id, import_claims.c.holder == holder
                )
            )

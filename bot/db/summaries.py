"""The monthly summaries: one row per group and month, which is the claim (inserted only
if there is none) and then what became of it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.db.base import StoreBase
from bot.db.tables import cases, monthly_summaries, teams


class SummaryRepository(StoreBase):
    """Which group is due which month's summary."""

    def summary_candidates(self, month: str, now: datetime) -> list[int]:
        """The groups the summary of `month` may be due to: the switch on, not blocked,
        with at least one case, and that month not summarised nor held by a live claim."""
        settled = (
            select(monthly_summaries.c.team_id)
            .where(
                monthly_summaries.c.month == month,
                or_(monthly_summaries.c.state != "claimed", monthly_summaries.c.due_at > now),
            )
            .scalar_subquery()
        )
        has_cases = select(cases.c.id).where(cases.c.team_id == teams.c.id).exists()
        with self.transaction() as conn:
            rows = conn.execute(
                select(teams.c.id)
                .where(
                    teams.c.id < 0,
                    teams.c.monthly_summary.is_(True),
                    teams.c.blocked_at.is_(None),
                    has_cases,
                    teams.c.id.not_in(settled),
                )
                .order_by(teams.c.id)
            ).all()
        return [r.id for r in rows]

    def claim_summary(
        self, team_id: int, month: str, now: datetime, *, lease: timedelta, worker: str
    ) -> int | None:
        """Claim the group's summary of `month` for `lease`: a new row, inserted only if
        there is none, or a claim that lapsed (its sender died, or a retry came due).
        Returns the attempts made before, or None when it isn't this process's to send."""
        insert_ = postgresql_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        held = {"state": "claimed", "due_at": now + lease, "claimed_by": worker}
        with self.transaction() as conn:
            fresh = conn.execute(
                insert_(monthly_summaries)
                .values(team_id=team_id, month=month, **held)
                .on_conflict_do_nothing(index_elements=["team_id", "month"])
                .returning(monthly_summaries.c.team_id)
            ).first()
            if fresh is not None:
                return 0
            attempts = conn.execute(
                update(monthly_summaries)
                .where(
                    monthly_summaries.c.team_id == team_id,
                    monthly_summaries.c.month == month,
                    monthly_summaries.c.state == "claimed",
                    monthly_summaries.c.due_at <= now,
                )
                .values(**held)
                .returning(monthly_summaries.c.attempts)
            ).scalar()
        return None if attempts is None else int(attempts)

    def summary_done(
        self, team_id: int, month: str, state: str, now: datetime, retry_at: datetime | None
    ) -> None:
        """Record what became of a claimed summary: sent, empty, failed or blocked; or,
        with `retry_at`, still claimed and due again then (one more attempt counted)."""
        values: dict[str, Any] = {"attempts": monthly_summaries.c.attempts + 1}
        if retry_at is not None:
            values.update(due_at=retry_at, claimed_by=None)
        else:
            values.update(state=state, due_at=now, sent_at=now if state == "sent" else None)
        with self.transaction() as conn:
            conn.execute(
                update(monthly_summaries)
                .where(monthly_summaries.c.team_id == team_id, monthly_summaries.c.month == month)
                .values(**values)
            )

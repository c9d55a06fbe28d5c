"""What /stats reads of a team's cases: each case's facts and the events that say how it
got where it is, in two queries."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import or_, select

from bot.db.base import StoreBase
from bot.db.engine import as_utc
from bot.db.tables import case_events, cases
from conversations import stats as stats_domain
from conversations.cases import OPEN

# The events /stats reads: TikTok's word on a case, and a new round.
STATS_EVENTS = ("reply", "approve", "deny", "refund_arrived", "partly_refunded", "reopen")


class StatsRepository(StoreBase):
    """The figures' raw facts."""

    def stats_cases(self, team_id: int, since: datetime | None) -> list[stats_domain.CaseFacts]:
        """The team's cases for /stats: those opened from `since` (None: all) and every
        open one (counted now), each with the events that say how it got where it is."""
        opened = cases.c.created_at >= since.astimezone(UTC) if since is not None else None
        wanted = select(
            cases.c.id,
            cases.c.reason,
            cases.c.status,
            cases.c.created_at,
            cases.c.sent_at,
            # Only the amount of the answers: decoding every case's whole JSON costs more
            # than the rest of the read.
            cases.c.answers["amount"].as_string().label("amount"),
            cases.c.answers["amount_currency"].as_string().label("currency"),
            # What a partial refund brought back, when the person said (set_refunded_amount).
            cases.c.answers["refunded_amount"]["amount"].as_string().label("back"),
            cases.c.answers["refunded_amount"]["currency"].as_string().label("back_currency"),
            cases.c.assignee_user_id,
        ).where(cases.c.team_id == team_id)
        if opened is not None:
            wanted = wanted.where(or_(opened, cases.c.status.in_([str(s) for s in OPEN])))
        with self.transaction() as conn:
            rows = conn.execute(wanted).all()
            events = conn.execute(
                select(case_events.c.case_id, case_events.c.at, case_events.c.what)
                .add_columns(case_events.c.detail)
                .join(cases, cases.c.id == case_events.c.case_id)
                .where(cases.c.team_id == team_id, case_events.c.what.in_(STATS_EVENTS))
                .order_by(case_events.c.id)
            ).all()
        steps: dict[int, list[stats_domain.Step]] = {}
        for e in events:
            steps.setdefault(e.case_id, []).append(
                stats_domain.Step(as_utc(e.at), e.what, e.detail or "")
            )
        for row in rows:
            if row.back and row.back_currency:
                # The amount goes with the outcome it belongs to, as the figures read it.
                steps[row.id] = [
                    dataclasses.replace(step, detail=f"{row.back} {row.back_currency}")
                    if step.what == "partly_refunded"
                    else step
                    for step in steps.get(row.id, [])
                ]
        return [_stat_case(row, steps.get(row.id, ())) for row in rows]


def _stat_case(row: Any, steps: Iterable[stats_domain.Step]) -> stats_domain.CaseFacts:
    try:
        amount = Decimal(row.amount) if row.amount else None
    except InvalidOperation:
        amount = None  # not a number the bot wrote: unknown, not guessed
    return stats_domain.CaseFacts(
        id=row.id,
        reason=row.reason,
        status=row.status,
        created_at=as_utc(row.created_at),
        sent_at=as_utc(row.sent_at) if row.sent_at else None,
        amount=amount,
        currency=row.currency if amount is not None else None,
        assignee=row.assignee_user_id,
        steps=tuple(steps),
    )

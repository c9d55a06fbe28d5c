"""Cases: the draft written when the verdict is shown, what is added to it later (ticket,
refunded amount, evidence), its status when closed or cancelled, and the reads of one
case or a team's. Its follow-up (track, card, topic, assignee) is bot.db.tracks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, func, insert, select, update

from bot.db.base import StoreBase, inserted_id
from bot.db.charges import save_typed_charge
from bot.db.engine import as_utc, utcnow
from bot.db.records import CaseEvent, CaseRecord, new_token
from bot.db.tables import OPEN_REMINDER_STATES, case_events, cases, evidence, reminders
from bot.db.tracks import log_event, next_version


class CaseRepository(StoreBase):
    """A team's cases and what is added to them."""

    def save_draft_case(
        self,
        *,
        case_id: int | None,
        team_id: int,
        owner_user_id: int,
        answers: Mapping[str, Any],
        outcome: str,
        situation: str,
        policy_version: str,
        subject: str | None,
        message: str | None,
        message_language: str | None = None,
        saved_accounts_offered: bool = False,
        now: datetime | None = None,
    ) -> int:
        """Create the case when the verdict is first shown, or update it after a change.
        `message_language` and `saved_accounts_offered` are the intake's bookkeeping,
        kept with the case so that its draft opened again is the same intake."""
        now = now or utcnow()
        values = {
            "reason": answers["reason"],
            "answers": dict(answers),
            "outcome": outcome,
            "situation": situation,
            "policy_version": policy_version,
            "subject": subject,
            "message": message,
            "account_id": answers.get("account_ref"),
            "message_language": message_language,
            "saved_accounts_offered": saved_accounts_offered,
            "updated_at": now,
        }
        with self.transaction() as conn:
            if case_id is not None:
                old = conn.execute(
                    select(cases.c.outcome, cases.c.message, cases.c.transaction_id).where(
                        cases.c.id == case_id
                    )
                ).first()
                # The charge may have been corrected ("Change an answer"): its record follows.
                transaction_id = save_typed_charge(
                    conn, answers, now, old.transaction_id if old is not None else None
                )
                conn.execute(
                    update(cases)
                    .where(cases.c.id == case_id)
                    .values(transaction_id=transaction_id, **values)
                )
                if old is not None and (old.outcome, old.message) != (outcome, message):
                    log_event(conn, case_id, owner_user_id, "redrafted", f"verdict {outcome}", now)
                return case_id
            transaction_id = save_typed_charge(conn, answers, now, None)
            result = conn.execute(
                insert(cases).values(
                    team_id=team_id,
                    owner_user_id=owner_user_id,
                    transaction_id=transaction_id,
                    token=new_token(),
                    status="drafted",
                    created_at=now,
                    **values,
                )
            )
            new_id = inserted_id(result)
            log_event(conn, new_id, owner_user_id, "drafted", f"verdict {outcome}", now)
            return new_id

    def set_case_ticket(
        self, case_id: int, user_id: int, ticket: str, now: datetime | None = None
    ) -> None:
        now = now or utcnow()
        with self.transaction() as conn:
            conn.execute(
                update(cases).where(cases.c.id == case_id).values(ticket=ticket, updated_at=now)
            )
            log_event(conn, case_id, user_id, "ticket", ticket, now)

    def set_refunded_amount(
        self,
        case_id: int,
        user_id: int,
        amount: str,
        currency: str,
        shown: str,
        now: datetime | None = None,
    ) -> None:
        """How much of a partial refund came back: kept with the case's answers (no new
        column) and on its timeline (`shown`, as the user's language writes it)."""
        now = now or utcnow()
        with self.transaction() as conn:
            answers = conn.execute(select(cases.c.answers).where(cases.c.id == case_id)).scalar()
            kept = dict(answers or {})
            kept["refunded_amount"] = {"amount": amount, "currency": currency}
            conn.execute(
                update(cases).where(cases.c.id == case_id).values(answers=kept, updated_at=now)
            )
            log_event(conn, case_id, user_id, "refunded_amount", shown, now)

    def set_case_status(
        self, case_id: int, user_id: int, status: str, now: datetime | None = None
    ) -> None:
        """Close or cancel a case without its track's triggers (a draft, which has no track
        yet). The status column is the case's status (`load_track` reads it from there);
        a track, if the case has one, is kept in agreement in the same transaction: its
        copy of the status (for readers of older versions) is this one and it has no
        reminder to come."""
        now = now or utcnow()
        with self.transaction() as conn:
            conn.execute(
                update(cases)
                .where(cases.c.id == case_id)
                .values(status=status, updated_at=now, version=next_version(status))
            )
            stored = conn.execute(select(cases.c.track).where(cases.c.id == case_id)).scalar()
            if stored:
                track = {**stored, "status": status, "next_ping_at": None}
                conn.execute(update(cases).where(cases.c.id == case_id).values(track=track))
                conn.execute(
                    reminders.delete().where(
                        reminders.c.case_id == case_id,
                        reminders.c.state.in_(OPEN_REMINDER_STATES),
                    )
                )
            log_event(conn, case_id, user_id, status, None, now)

    def save_evidence(self, case_id: int, user_id: int, items: list[dict[str, Any]]) -> None:
        """Replace the case's evidence list with `items` (the intake's current list)."""
        now = utcnow()
        with self.transaction() as conn:
            conn.execute(evidence.delete().where(evidence.c.case_id == case_id))
            for item in items:
                conn.execute(insert(evidence).values(_evidence_row(case_id, user_id, item, now)))

    def add_case_evidence(
        self, case_id: int, user_id: int, item: Mapping[str, Any], now: datetime
    ) -> int:
        """Add one file to a case's evidence (logged with who added it); return the count."""
        with self.transaction() as conn:
            conn.execute(insert(evidence).values(_evidence_row(case_id, user_id, item, now)))
            log_event(conn, case_id, user_id, "evidence", item.get("name") or item["kind"], now)
            return int(
                conn.execute(
                    select(func.count()).select_from(evidence).where(evidence.c.case_id == case_id)
                ).scalar_one()
            )

    def list_cases(self, team_id: int, limit: int = 20) -> list[CaseRecord]:
        with self.transaction() as conn:
            rows = conn.execute(
                select(cases)
                .where(cases.c.team_id == team_id)
                .order_by(cases.c.id.desc())
                .limit(limit)
            ).mappings()
            return [_case(row) for row in rows]

    def count_cases(self, team_id: int) -> int:
        with self.transaction() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(cases).where(cases.c.team_id == team_id)
                ).scalar_one()
            )

    def get_case(self, team_id: int, case_id: int) -> CaseRecord | None:
        """The case, only if it belongs to `team_id`: other teams' cases are not found."""
        with self.transaction() as conn:
            row = (
                conn.execute(select(cases).where(cases.c.id == case_id, cases.c.team_id == team_id))
                .mappings()
                .first()
            )
            return None if row is None else _case(row)

    def get_case_any(self, case_id: int) -> CaseRecord | None:
        """A case by id, whichever team (for callers that already checked the right)."""
        with self.transaction() as conn:
            row = conn.execute(select(cases).where(cases.c.id == case_id)).mappings().first()
            return None if row is None else _case(row)

    def case_by_token_any(self, token: str) -> CaseRecord | None:
        """The case with this button token, whichever team it belongs to (callers check)."""
        with self.transaction() as conn:
            row = conn.execute(select(cases).where(cases.c.token == token)).mappings().first()
            return None if row is None else _case(row)

    def case_events(self, case_id: int) -> list[CaseEvent]:
        with self.transaction() as conn:
            rows = conn.execute(
                select(case_events)
                .where(case_events.c.case_id == case_id)
                .order_by(case_events.c.id)
            ).mappings()
            return [event_of(r) for r in rows]


def _case(row: Mapping[Any, Any]) -> CaseRecord:
    return CaseRecord(
        id=row["id"],
        team_id=row["team_id"],
        owner_user_id=row["owner_user_id"],
        reason=row["reason"],
        answers=row["answers"],
        outcome=row["outcome"],
        situation=row["situation"],
        policy_version=row["policy_version"],
        subject=row["subject"],
        message=row["message"],
        status=row["status"],
        ticket=row["ticket"],
        created_at=as_utc(row["created_at"]),
        sent_at=as_utc(row["sent_at"]) if row["sent_at"] else None,
        reply_due_on=row["reply_due_on"],
        token=row["token"],
        track=row["track"],
        assignee_user_id=row["assignee_user_id"],
        card_message_id=row["card_message_id"],
        topic_id=row["topic_id"],
        version=row["version"],
        message_language=row["message_language"],
        saved_accounts_offered=bool(row["saved_accounts_offered"]),
    )


def event_of(row: RowMapping) -> CaseEvent:
    """A case event as `case_events` keeps it."""
    return CaseEvent(
        as_utc(row["at"]),
        row["actor_user_id"],
        row["what"],
        row["detail"],
        row["person_user_id"],
    )


def _evidence_row(
    case_id: int, user_id: int, item: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """An evidence file (as the intake keeps it) as a row of `evidence`."""
    return {
        "case_id": case_id,
        "file_id": item["file_id"],
        "kind": item["kind"],
        "caption": item.get("caption"),
        "name": item.get("name"),
        "added_by": user_id,
        "added_at": now,
    }

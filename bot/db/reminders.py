"""The reminder queue: claimed by the sweep, then sent, retried, dropped or failed; a chat
Telegram refuses (blocked) stops its reminders until it talks again."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ClauseElement, null, select, update

from bot.db.base import StoreBase
from bot.db.engine import as_utc, param, prepared
from bot.db.records import ClaimedReminder
from bot.db.tables import OPEN_REMINDER_STATES, reminders, teams
from bot.db.tracks import write_track
from conversations.cases import CaseTrack


class ReminderRepository(StoreBase):
    """Reminders due, sent and stopped."""

    def claim_due_reminders(
        self, now: datetime, *, limit: int, lease: timedelta, worker: str
    ) -> list[ClaimedReminder]:
        """Claim up to `limit` due reminders in one statement (skipping rows another
        process holds, on PostgreSQL); a claim lapses after `lease`."""
        due = (
            select(reminders.c.id)
            .where(reminders.c.state.in_(OPEN_REMINDER_STATES), reminders.c.due_at <= now)
            .order_by(reminders.c.due_at)
            .limit(limit)
        )
        if self.engine.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        statement = (
            update(reminders)
            .where(reminders.c.id.in_(due.scalar_subquery()))
            .values(state="claimed", due_at=now + lease, claimed_by=worker)
            .returning(
                reminders.c.id, reminders.c.case_id, reminders.c.chat_id, reminders.c.attempts
            )
        )
        with self.transaction() as conn:
            rows = conn.execute(statement).all()
        return [ClaimedReminder(r.id, r.case_id, r.chat_id, r.attempts) for r in rows]

    def reminder_sent(
        self,
        reminder_id: int,
        now: datetime,
        case_id: int,
        chat_id: int,
        track: CaseTrack | None,
    ) -> None:
        """Record the send and (given the track) the case's next reminder, in one transaction."""
        with self.transaction() as conn:
            conn.execute(
                update(reminders)
                .where(reminders.c.id == reminder_id)
                .values(state="sent", sent_at=now, attempts=reminders.c.attempts + 1)
            )
            if track is not None:
                write_track(conn, case_id, chat_id, track)

    def reminder_dropped(self, reminder_id: int) -> None:
        """A reminder with nothing left to say (the case moved on): not sent, not pending."""
        with self.transaction() as conn:
            conn.execute(
                update(reminders).where(reminders.c.id == reminder_id).values(state="dropped")
            )

    def postpone_reminder(self, reminder_id: int, due_at: datetime) -> None:
        """Hand a claimed reminder back, due at `due_at` (not a failed attempt: the chat's
        quiet hours began while it waited)."""
        with self.transaction() as conn:
            conn.execute(
                update(reminders)
                .where(reminders.c.id == reminder_id)
                .values(state="pending", due_at=due_at, claimed_by=None)
            )

    def retry_reminder(self, reminder_id: int, due_at: datetime, error: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                update(reminders)
                .where(reminders.c.id == reminder_id)
                .values(
                    state="pending",
                    due_at=due_at,
                    attempts=reminders.c.attempts + 1,
                    last_error=error[:500],
                )
            )

    def fail_reminder(self, reminder_id: int, error: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                update(reminders)
                .where(reminders.c.id == reminder_id)
                .values(state="failed", attempts=reminders.c.attempts + 1, last_error=error[:500])
            )

    def reminder_states(self, case_id: int) -> list[tuple[str, int, datetime]]:
        """(state, attempts, due_at) of the case's reminders, oldest first."""
        with self.transaction() as conn:
            rows = conn.execute(
                select(reminders.c.state, reminders.c.attempts, reminders.c.due_at)
                .where(reminders.c.case_id == case_id)
                .order_by(reminders.c.id)
            ).all()
        return [(r.state, r.attempts, as_utc(r.due_at)) for r in rows]

    def failed_reminder_cases(self, team_id: int) -> set[int]:
        """Cases of the team whose last reminder could not be delivered."""
        with self.transaction() as conn:
            rows = conn.execute(
                select(reminders.c.case_id).where(
                    reminders.c.chat_id == team_id, reminders.c.state.in_(("failed", "blocked"))
                )
            ).all()
        return {r.case_id for r in rows}

    def block_chat(self, chat_id: int, now: datetime) -> None:
        """Telegram refuses this chat: stop every reminder to it and remember why."""
        with self.transaction() as conn:
            conn.execute(update(teams).where(teams.c.id == chat_id).values(blocked_at=now))
            conn.execute(
                update(reminders)
                .where(reminders.c.chat_id == chat_id, reminders.c.state.in_(OPEN_REMINDER_STATES))
                .values(state="blocked")
            )

    def unblock_chat(self, chat_id: int) -> None:
        """The chat talks to the bot again: its reminders may go out again."""
        with self.transaction() as conn:
            statement = prepared(conn, _unblock_chat_statement)
            was_blocked = statement.run(conn, chat_id=chat_id).rowcount
            if not was_blocked:
                return
            conn.execute(
                update(reminders)
                .where(reminders.c.chat_id == chat_id, reminders.c.state == "blocked")
                .values(state="pending")
            )


def _unblock_chat_statement() -> ClauseElement:
    """A blocked chat talks again (`unblock_chat`): rowcount 1 if it was blocked."""
    return (
        update(teams)
        .where(teams.c.id == param("chat_id"), teams.c.blocked_at.is_not(None))
        .values(blocked_at=null())
    )

"""A case's follow-up: its track (status, dates, next reminder) stored with the case, the
timeline lines it appends, and its reminder put in the queue; a case's status lives in
the `status` column (the track's copy is only written). Also where the follow-up shows
(the case's card in the group, its forum topic) and who follows it (the assignee)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import ClauseElement, case, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from bot.db.base import StoreBase
from bot.db.engine import driver_time, param, prepared, utcnow
from bot.db.tables import OPEN_REMINDER_STATES, case_events, cases, reminders
from conversations.cases import CaseStatus, CaseTrack


class TrackRepository(StoreBase):
    """Cases' follow-up: tracks (with their events and next reminder), cards, topics,
    assignees."""

    def load_track(self, case_id: int) -> CaseTrack:
        """The case's follow-up state (its timeline stays in the event log)."""
        with self.transaction() as conn:
            row = conn.execute(
                select(cases.c.track, cases.c.status).where(cases.c.id == case_id)
            ).first()
        if row is None:
            raise LookupError(f"no case {case_id}")
        if not row.track:
            # Drafted cases have no track yet; cancelled/closed drafts keep their status.
            status = row.status if row.status in set(CaseStatus) else CaseStatus.DRAFTED
            return CaseTrack(status=CaseStatus(status))
        track = track_from_json(row.track)
        # The column is the case's status: the track's copy of it is only written (for
        # readers of older versions), never trusted over it.
        if row.status in set(CaseStatus):
            track.status = CaseStatus(row.status)
        return track

    def save_track(
        self, case_id: int, chat_id: int, track: CaseTrack, version: int | None = None
    ) -> bool:
        """Store the track, append its new events, and put its next reminder in the queue.
        With `version`, only if the case is still at that version (compare-and-set): False,
        and nothing saved, when another change came first."""
        with self.transaction() as conn:
            return write_track(conn, case_id, chat_id, track, version)

    def assign_case(self, case_id: int, assignee: int | None, actor: int, now: datetime) -> None:
        with self.transaction() as conn:
            conn.execute(
                update(cases)
                .where(cases.c.id == case_id)
                .values(assignee_user_id=assignee, updated_at=now)
            )
            log_event(conn, case_id, actor, "assigned", None, now, person=assignee)

    def set_topic(self, case_id: int, thread_id: int) -> None:
        with self.transaction() as conn:
            conn.execute(update(cases).where(cases.c.id == case_id).values(topic_id=thread_id))

    def set_card(self, case_id: int, message_id: int) -> None:
        with self.transaction() as conn:
            conn.execute(
                update(cases).where(cases.c.id == case_id).values(card_message_id=message_id)
            )


def track_to_json(track: CaseTrack) -> dict[str, Any]:
    """A CaseTrack as JSON (its events go to the event log, not here)."""
    out: dict[str, Any] = {}
    for f in fields(CaseTrack):
        if f.name == "events":
            continue
        value = getattr(track, f.name)
        out[f.name] = value.isoformat() if isinstance(value, datetime) else value
    out["status"] = str(track.status)
    return out


def track_from_json(data: Mapping[str, Any]) -> CaseTrack:
    values: dict[str, Any] = {}
    for f in fields(CaseTrack):
        if f.name == "events" or f.name not in data:
            continue
        value = data[f.name]
        if isinstance(value, str) and f.name.endswith(("_at", "_until", "_since")):
            value = datetime.fromisoformat(value)
        values[f.name] = value
    return CaseTrack(**values)


def write_track(
    conn: Connection, case_id: int, chat_id: int, track: CaseTrack, version: int | None = None
) -> bool:
    now = utcnow()
    status = str(track.status)
    values: dict[str, Any] = {
        "status": status,
        "track": track_to_json(track),
        "updated_at": now,
        "version": next_version(status),
    }
    if track.sent_at is not None:
        values["sent_at"] = track.sent_at
    if track.reply_due_at is not None:
        values["reply_due_on"] = track.reply_due_at.date().isoformat()
    statement = update(cases).where(cases.c.id == case_id)
    if version is not None:
        # On PostgreSQL a concurrent change of the row makes this wait for its commit,
        # then test the version again: of two racing presses, the second updates nothing.
        statement = statement.where(cases.c.version == version)
    if not conn.execute(statement.values(**values)).rowcount:
        return False
    for item in track.events:
        log_event(conn, case_id, item.actor, item.what, item.detail or None, item.at)
    track.events.clear()
    conn.execute(
        reminders.delete().where(
            reminders.c.case_id == case_id, reminders.c.state.in_(OPEN_REMINDER_STATES)
        )
    )
    if track.next_ping_at is not None:
        conn.execute(
            insert(reminders).values(
                case_id=case_id,
                chat_id=chat_id,
                due_at=track.next_ping_at,
                state="pending",
                attempts=0,
            )
        )
    return True


def next_version(status: str) -> ColumnElement[int]:
    """The case's version after its status becomes `status`: one more when that is a change
    (SET sees the row as it was). A reminder that leaves the status as it is leaves the
    buttons already shown valid."""
    return cases.c.version + case((cases.c.status == status, 0), else_=1)


def log_event(
    conn: Connection,
    case_id: int,
    user_id: int,
    what: str,
    detail: str | None,
    now: datetime | None = None,
    *,
    person: int | None = None,
) -> None:
    prepared(conn, _log_statement).run(
        conn,
        case_id=case_id,
        at=driver_time(conn.dialect, now or utcnow()),
        actor_user_id=user_id,
        what=what,
        detail=detail,
        person_user_id=person,
    )


def _log_statement() -> ClauseElement:
    """A line of a case's timeline (`log_event`)."""
    columns = ("case_id", "at", "actor_user_id", "what", "detail", "person_user_id")
    return insert(case_events).inline().values({name: param(name) for name in columns})

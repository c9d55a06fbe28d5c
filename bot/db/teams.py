"""A team's settings: time zone, quiet hours and reply wait, its switches (answers in the
group, a topic per case, the monthly summary) and the language the bot speaks there."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ClauseElement, select, update

from bot.db.base import StoreBase, upsert
from bot.db.engine import as_utc, param, prepared, utcnow
from bot.db.records import TeamSettings
from bot.db.tables import teams


class TeamRepository(StoreBase):
    """What a team has set."""

    def team_settings(self, team_id: int) -> TeamSettings:
        with self.transaction() as conn:
            row = conn.execute(
                select(
                    teams.c.timezone,
                    teams.c.quiet_start,
                    teams.c.quiet_end,
                    teams.c.reply_days,
                    teams.c.blocked_at,
                ).where(teams.c.id == team_id)
            ).first()
        if row is None:
            return TeamSettings(None, None, None, None, None)
        blocked = as_utc(row.blocked_at) if row.blocked_at else None
        return TeamSettings(row.timezone, row.quiet_start, row.quiet_end, row.reply_days, blocked)

    def schedule_settings(self, team_id: int) -> TeamSettings:
        """`team_settings` without `blocked_at`, through a prepared statement: it is read
        by most updates (for "today")."""
        with self.transaction() as conn:
            row = prepared(conn, _schedule_settings_statement).run(conn, team_id=team_id).fetchone()
        if row is None:
            return TeamSettings(None, None, None, None, None)
        return TeamSettings(row[0], row[1], row[2], row[3], None)

    def update_team_settings(self, team_id: int, **fields: Any) -> None:
        allowed = {"timezone", "quiet_start", "quiet_end", "reply_days", "blocked_at"}
        if not set(fields) <= allowed:
            raise ValueError(f"unknown team settings: {set(fields) - allowed}")
        with self.transaction() as conn:
            conn.execute(update(teams).where(teams.c.id == team_id).values(**fields))

    def set_team_flags(self, team_id: int, **flags: bool) -> None:
        if not set(flags) <= {"answer_in_group", "topic_per_case", "monthly_summary"}:
            raise ValueError(f"unknown team flags: {set(flags)}")
        with self.transaction() as conn:
            conn.execute(update(teams).where(teams.c.id == team_id).values(**flags))

    def team_flags(self, team_id: int) -> dict[str, bool]:
        with self.transaction() as conn:
            row = conn.execute(
                select(
                    teams.c.answer_in_group, teams.c.topic_per_case, teams.c.monthly_summary
                ).where(teams.c.id == team_id)
            ).first()
        if row is None:
            return {"answer_in_group": False, "topic_per_case": False, "monthly_summary": True}
        return {
            "answer_in_group": bool(row.answer_in_group),
            "topic_per_case": bool(row.topic_per_case),
            "monthly_summary": bool(row.monthly_summary),
        }

    def chat_language(self, chat_id: int) -> str | None:
        """The language chosen for the chat, or None when none was chosen yet."""
        with self.transaction() as conn:
            row = prepared(conn, _chat_language_statement).run(conn, chat_id=chat_id).fetchone()
            return None if row is None else row[0]

    def set_chat_language(self, chat_id: int, kind: str, title: str | None, code: str) -> None:
        """Speak `code` in this chat from now on (the chat's team is created if new)."""
        values = {"id": chat_id, "kind": kind, "title": title, "created_at": utcnow()}
        with self.transaction() as conn:
            upsert(conn, teams, {**values, "language": code}, ["id"], changes={"language": code})


def _chat_language_statement() -> ClauseElement:
    """The language chosen for a chat (`chat_language`)."""
    return select(teams.c.language).where(teams.c.id == param("chat_id"))


def _schedule_settings_statement() -> ClauseElement:
    """The chat's time zone, quiet hours and reply wait (`schedule_settings`)."""
    return select(
        teams.c.timezone, teams.c.quiet_start, teams.c.quiet_end, teams.c.reply_days
    ).where(teams.c.id == param("team_id"))

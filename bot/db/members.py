"""People: the members seen in a team's group, the deep links that bring one to their
private chat, and a person's own settings (their signature)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update

from bot.db.base import StoreBase, upsert
from bot.db.engine import as_utc, utcnow
from bot.db.tables import links, members, teams, users


class MemberRepository(StoreBase):
    """Members, their deep links and signatures."""

    def remember_member(
        self, team_id: int, user_id: int, first_name: str, username: str | None
    ) -> None:
        """Note someone seen in a team's group (for mentions and /assign @name)."""
        now = utcnow()
        with self.transaction() as conn:
            seen = {"first_name": first_name[:255], "username": username, "seen_at": now}
            values = {"team_id": team_id, "user_id": user_id, **seen}
            upsert(conn, members, values, ["team_id", "user_id"], changes=seen)

    def forget_members(self, team_id: int, user_ids: list[int]) -> None:
        """These people left the team's group: no longer its members."""
        with self.transaction() as conn:
            conn.execute(
                members.delete().where(
                    members.c.team_id == team_id, members.c.user_id.in_(user_ids)
                )
            )

    def member_names(self, team_id: int) -> dict[int, tuple[str, str | None]]:
        """user id → (first name, username) of the team's known members."""
        with self.transaction() as conn:
            rows = conn.execute(
                select(members.c.user_id, members.c.first_name, members.c.username).where(
                    members.c.team_id == team_id
                )
            ).all()
        return {r.user_id: (r.first_name, r.username) for r in rows}

    def member_teams(self, user_id: int) -> list[tuple[int, str | None]]:
        """(team id, group title) of the groups this person was last seen a member of (the
        board checks each with Telegram before showing anything of it)."""
        with self.transaction() as conn:
            rows = conn.execute(
                select(members.c.team_id, teams.c.title)
                .join(teams, teams.c.id == members.c.team_id, isouter=True)
                .where(members.c.user_id == user_id)
                .order_by(members.c.team_id)
            ).all()
        return [(r.team_id, r.title) for r in rows]

    def member_by_username(self, team_id: int, username: str) -> int | None:
        wanted = username.lstrip("@").casefold()
        for user_id, (_, name) in self.member_names(team_id).items():
            if name and name.casefold() == wanted:
                return user_id
        return None

    def set_private_copy(self, team_id: int, user_id: int, on: bool) -> None:
        with self.transaction() as conn:
            conn.execute(
                update(members)
                .where(members.c.team_id == team_id, members.c.user_id == user_id)
                .values(private_copy=on)
            )

    def members_wanting_copies(self, team_id: int) -> set[int]:
        with self.transaction() as conn:
            rows = conn.execute(
                select(members.c.user_id).where(
                    members.c.team_id == team_id, members.c.private_copy.is_(True)
                )
            ).all()
        return {r.user_id for r in rows}

    def create_link(self, team_id: int, user_id: int) -> str:
        """A single-use deep-link token that starts a team case for this member only."""
        token = secrets.token_urlsafe(12)
        with self.transaction() as conn:
            conn.execute(
                insert(links).values(
                    token=token, team_id=team_id, user_id=user_id, created_at=utcnow()
                )
            )
        return token

    def use_link(self, token: str, user_id: int, max_age: timedelta) -> tuple[int | None, str]:
        """Spend a deep link: (team id, "") or (None, why not: unknown, other_user, used)."""
        now = utcnow()
        with self.transaction() as conn:
            row = conn.execute(select(links).where(links.c.token == token)).first()
            if row is None or as_utc(row.created_at) < now - max_age:
                return None, "unknown"
            if row.user_id != user_id:
                return None, "other_user"
            if row.used_at is not None:
                return None, "used"
            conn.execute(update(links).where(links.c.token == token).values(used_at=now))
            return int(row.team_id), ""

    def signature(self, user_id: int) -> str | None:
        """How the person signs their messages: None if never asked, "" if they declined."""
        with self.transaction() as conn:
            value = conn.execute(
                select(users.c.signature).where(users.c.user_id == user_id)
            ).scalar()
        return None if value is None else str(value)

    def set_signature(self, user_id: int, signature: str, now: datetime) -> None:
        """Keep the person's signature ("" to sign with the account's name only)."""
        with self.transaction() as conn:
            changed = conn.execute(
                update(users)
                .where(users.c.user_id == user_id)
                .values(signature=signature, updated_at=now)
            ).rowcount
            if not changed:
                conn.execute(
                    insert(users).values(user_id=user_id, signature=signature, updated_at=now)
                )

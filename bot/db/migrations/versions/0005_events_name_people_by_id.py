"""A case's timeline names people by user id, not by a copy of their name.

"Assigned" entries held the assignee's first name or @username (or whatever an admin
typed after /assign), copied in when the case was assigned: a member's /forget deleted
their membership but left their name in every team's timeline. They now hold the
assignee's id in `case_events.person_user_id`, and the name is looked up when shown.

Upgrading resolves each stored name to the member of the case's team it names (an
@username, else a first name only one member has; for a case's newest assignment, its
current assignee when the name no longer resolves) and clears every name, resolved or
not. Downgrading writes the names back from the members the team still has.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The tables as this revision sees them (not bot.db.tables', which move on).
_meta = sa.MetaData()
case_events = sa.Table(
    "case_events",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer),
    sa.Column("what", sa.String(32)),
    sa.Column("detail", sa.Text),
    sa.Column("person_user_id", sa.BigInteger),
)
cases = sa.Table(
    "cases",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("team_id", sa.BigInteger),
    sa.Column("assignee_user_id", sa.BigInteger),
)
members = sa.Table(
    "members",
    _meta,
    sa.Column("team_id", sa.BigInteger),
    sa.Column("user_id", sa.BigInteger),
    sa.Column("first_name", sa.String(255)),
    sa.Column("username", sa.String(64)),
)


def _members_by_team(conn: sa.Connection) -> dict[int, list[Any]]:
    teams: dict[int, list[Any]] = defaultdict(list)
    for row in conn.execute(sa.select(members)):
        teams[row.team_id].append(row)
    return teams


def _resolve(name: str, team: list[Any]) -> int | None:
    """The member `name` refers to: by @username (case-insensitive), else by a first name
    only one member of the team has."""
    wanted = name.strip()
    handle = wanted.removeprefix("@").casefold()
    for member in team:
        if member.username and member.username.casefold() == handle:
            return int(member.user_id)
    if wanted.startswith("@"):
        return None
    named = [member for member in team if member.first_name == wanted]
    return int(named[0].user_id) if len(named) == 1 else None


def upgrade() -> None:
    with op.batch_alter_table("case_events") as batch:
        batch.add_column(sa.Column("person_user_id", sa.BigInteger(), nullable=True))
    conn = op.get_bind()
    teams = _members_by_team(conn)
    rows = conn.execute(
        sa.select(
            case_events.c.id,
            case_events.c.case_id,
            case_events.c.detail,
            cases.c.team_id,
            cases.c.assignee_user_id,
        )
        .join(cases, cases.c.id == case_events.c.case_id)
        .where(case_events.c.what == "assigned")
        .order_by(case_events.c.case_id, case_events.c.id.desc())
    ).all()
    newest_seen: set[int] = set()
    for row in rows:
        person = _resolve(row.detail or "", teams.get(row.team_id, []))
        if person is None and row.case_id not in newest_seen:
            # The newest assignment is who the case is assigned to now.
            person = row.assignee_user_id
        newest_seen.add(row.case_id)
        conn.execute(
            sa.update(case_events)
            .where(case_events.c.id == row.id)
            .values(person_user_id=person, detail=None)
        )
    # An assignment of a case since deleted has no team to resolve it in: its name goes too.
    conn.execute(
        sa.update(case_events)
        .where(case_events.c.what == "assigned", case_events.c.detail.is_not(None))
        .values(detail=None)
    )


def downgrade() -> None:
    conn = op.get_bind()
    teams = _members_by_team(conn)
    rows = conn.execute(
        sa.select(case_events.c.id, case_events.c.person_user_id, cases.c.team_id)
        .join(cases, cases.c.id == case_events.c.case_id)
        .where(case_events.c.what == "assigned", case_events.c.person_user_id.is_not(None))
    ).all()
    for row in rows:
        found = [m for m in teams.get(row.team_id, []) if m.user_id == row.person_user_id]
        if found:
            member = found[0]
            name = f"@{member.username}" if member.username else member.first_name
            conn.execute(
                sa.update(case_events).where(case_events.c.id == row.id).values(detail=name)
            )
    with op.batch_alter_table("case_events") as batch:
        batch.drop_column("person_user_id")

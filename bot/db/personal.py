"""What the bot holds about one person, for /forget (count it, delete it) and /export (the
timelines and evidence of many cases at once).

/forget deletes, in one transaction, everything about the user: their private chat's team
and all under it, and their own rows in any team (answers in progress, deep links,
memberships, pending inputs, the files they added to a case). A group's cases stay the
group's, with their facts; timelines name people by user id, so the name goes with the
membership.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, func, or_, select, update

from bot.db.base import StoreBase
from bot.db.cases import event_of
from bot.db.records import CaseEvent
from bot.db.tables import (
    accounts,
    case_events,
    cases,
    evidence,
    import_claims,
    import_flags,
    metadata,
    reminders,
    teams,
    transactions,
)

# Tables holding one person's own state, keyed by their user id (and the chat or team it
# is in). /forget deletes their rows here in every chat.
PERSONAL_TABLES = ("intakes", "pending_inputs", "links", "members", "users")
# The questions waiting for the person's answer (`pending_inputs`) are counted, and told,
# by kind, under the names of the tables they were kept in before revision 0011.
PENDING_KINDS = {"case_inputs": "case", "pending_imports": "import"}
# What /forget counts of the person's own state, by the name it is counted under.
PERSONAL_KINDS = tuple(
    kind
    for table in PERSONAL_TABLES
    for kind in (PENDING_KINDS if table == "pending_inputs" else (table,))
)
# What /forget deletes of the user's private team (a private chat is a team of one whose
# id is the user's id), children before parents.
PRIVATE_TEAM_TABLES = (
    "reminders",
    "case_events",
    "evidence",
    "cases",
    "import_flags",
    "import_claims",
    "transactions",
    "accounts",
    "teams",
)
# Tables that name no one, so /forget has nothing to delete there: the ids of the updates
# already handled (kept two days, see bot.db.tables.handled_updates), and which month's
# summary each group was sent (groups only: a private chat gets none).
IMPERSONAL_TABLES = ("handled_updates", "monthly_summaries")


class PersonalRepository(StoreBase):
    """One person's rows, counted and deleted; many cases' details read at once."""

    def held_about(self, user_id: int) -> dict[str, int]:
        """How many rows of each kind /forget would delete now."""
        with self.transaction() as conn:
            return {
                kind: int(
                    conn.execute(select(func.count()).select_from(table).where(where)).scalar_one()
                )
                for kind, table, where in forget_plan(user_id)
            }

    def forget_user(self, user_id: int) -> dict[str, int]:
        """Delete everything about the user in one transaction; return the count of each kind.

        Cases of a group stay the group's (their owner, assignee and timeline keep the user's
        id: a number the team needs to read its own history; the name shown for it was the
        membership's, which goes). What the user wrote into them goes: their files, and the
        file names their "evidence" timeline entries quoted. Once committed, the deleted
        rows' bytes are taken off the disk too (`wipe_after_commit`).
        """
        own_accounts = select(accounts.c.id).where(accounts.c.team_id == user_id)
        own_charges = select(transactions.c.id).where(transactions.c.account_id.in_(own_accounts))
        deleted: dict[str, int] = {}
        with self.transaction() as conn:
            # Another team's case pointing at the user's account or charge keeps the case and
            # loses the pointer, as ON DELETE SET NULL would do where it is enforced.
            conn.execute(
                update(cases)
                .where(cases.c.team_id != user_id, cases.c.account_id.in_(own_accounts))
                .values(account_id=None)
            )
            conn.execute(
                update(cases)
                .where(cases.c.team_id != user_id, cases.c.transaction_id.in_(own_charges))
                .values(transaction_id=None)
            )
            conn.execute(
                update(case_events)
                .where(
                    case_events.c.actor_user_id == user_id,
                    case_events.c.what == "evidence",
                    case_events.c.detail.is_not(None),
                )
                .values(detail=None)
            )
            for kind, table, where in forget_plan(user_id):
                deleted[kind] = int(conn.execute(table.delete().where(where)).rowcount or 0)
        self.wipe_after_commit()
        return deleted

    def case_details(
        self, ids: Sequence[int]
    ) -> tuple[dict[int, list[CaseEvent]], dict[int, list[Mapping[str, Any]]]]:
        """The timelines and the evidence lists of many cases (an export asks for up to 500),
        in one transaction and one query each."""
        events: dict[int, list[CaseEvent]] = {}
        items: dict[int, list[Mapping[str, Any]]] = {}
        if not ids:
            return events, items
        with self.transaction() as conn:
            rows = conn.execute(
                select(case_events)
                .where(case_events.c.case_id.in_(ids))
                .order_by(case_events.c.case_id, case_events.c.id)
            ).mappings()
            for r in rows:
                events.setdefault(r["case_id"], []).append(event_of(r))
            found = conn.execute(
                select(
                    evidence.c.case_id,
                    evidence.c.kind,
                    evidence.c.name,
                    evidence.c.caption,
                    evidence.c.added_at,
                )
                .where(evidence.c.case_id.in_(ids))
                .order_by(evidence.c.case_id, evidence.c.id)
            ).mappings()
            for r in found:
                items.setdefault(r["case_id"], []).append(dict(r))
        return events, items


def forget_plan(user_id: int) -> list[tuple[str, Table, ColumnElement[bool]]]:
    """Every row /forget deletes, as (kind, table, which rows), children before parents, so
    it works whether or not the database enforces (or cascades) foreign keys."""
    own_cases = select(cases.c.id).where(cases.c.team_id == user_id)
    own_accounts = select(accounts.c.id).where(accounts.c.team_id == user_id)
    plan: list[tuple[str, Table, ColumnElement[bool]]] = []
    for name in PERSONAL_TABLES:
        table = metadata.tables[name]
        columns = table.c
        mine: list[ColumnElement[bool]] = [columns.user_id == user_id]
        for key in ("chat_id", "team_id"):
            if key in columns:
                # Rows in the user's private chat, or belonging to their private team.
                mine.append(columns[key] == user_id)
        if "case_id" in columns:
            # Rows pointing at a case about to be deleted (they would dangle).
            mine.append(columns.case_id.in_(own_cases))
        if name == "pending_inputs":
            plan += [
                (kind, table, and_(columns.kind == value, or_(*mine)))
                for kind, value in PENDING_KINDS.items()
            ]
            continue
        plan.append((name, table, or_(*mine)))
    plan += [
        (
            "reminders",
            reminders,
            or_(reminders.c.case_id.in_(own_cases), reminders.c.chat_id == user_id),
        ),
        ("case_events", case_events, case_events.c.case_id.in_(own_cases)),
        # Also the files the user added to other teams' cases: their file ids, captions and
        # file names are the user's own words, not the team's facts.
        (
            "evidence",
            evidence,
            or_(evidence.c.case_id.in_(own_cases), evidence.c.added_by == user_id),
        ),
        ("cases", cases, cases.c.team_id == user_id),
        # The flags of the user's imports (their charges' ids and a pause date), and the
        # private chat's import claim, if one is held or left by a process that died.
        (
            "import_flags",
            import_flags,
            or_(import_flags.c.team_id == user_id, import_flags.c.account_id.in_(own_accounts)),
        ),
        ("import_claims", import_claims, import_claims.c.chat_id == user_id),
        ("transactions", transactions, transactions.c.account_id.in_(own_accounts)),
        ("accounts", accounts, accounts.c.team_id == user_id),
        ("teams", teams, teams.c.id == user_id),
    ]
    return plan

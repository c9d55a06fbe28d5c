"""The database: tables, migrations and every query (one repository per aggregate).

tables.py     the tables (SQLAlchemy Core) and their metadata
engine.py     the engine, its URL, precompiled statements, the store's clock
records.py    the rows handed back (IntakeRow, CaseRecord, ...)
base.py       transactions shared by the repositories (StoreBase)
store.py      Store: every repository composed, what the rest of the bot holds
intakes.py, updates.py, cases.py, tracks.py, stats.py, accounts.py, teams.py,
members.py, charges.py, imports.py, pending.py, reminders.py, summaries.py, personal.py:
              one repository each
schema.py     migrating (Alembic, revisions in migrations/)
"""

from bot.db.engine import database_url, driver_time, make_engine
from bot.db.records import (
    AlreadyHandled,
    CaseEvent,
    CaseRecord,
    ClaimedReminder,
    IntakeRow,
    TeamSettings,
    UpdateMark,
    new_token,
)
from bot.db.store import Store
from bot.db.tables import (
    OPEN_REMINDER_STATES,
    accounts,
    case_events,
    cases,
    evidence,
    handled_updates,
    import_claims,
    import_flags,
    intakes,
    links,
    members,
    metadata,
    monthly_summaries,
    pending_inputs,
    reminders,
    teams,
    transactions,
    users,
)

__all__ = [
    "OPEN_REMINDER_STATES",
    "AlreadyHandled",
    "CaseEvent",
    "CaseRecord",
    "ClaimedReminder",
    "IntakeRow",
    "Store",
    "TeamSettings",
    "UpdateMark",
    "accounts",
    "case_events",
    "cases",
    "database_url",
    "driver_time",
    "evidence",
    "handled_updates",
    "import_claims",
    "import_flags",
    "intakes",
    "links",
    "make_engine",
    "members",
    "metadata",
    "monthly_summaries",
    "new_token",
    "pending_inputs",
    "reminders",
    "teams",
    "transactions",
    "users",
]

"""The store: every read and write the bot makes, one repository per aggregate, composed.

Each repository (a mixin on `StoreBase`, which holds the engine and its transactions) is
one aggregate's SQL: the intake (the per-update hot path: one indexed primary-key read
and one upsert, precompiled and run through a synchronous connection: on SQLite that
costs tens of microseconds, where an async driver's thread hops would cost more than the
rest of the update, see DESIGN.md), the other questions waiting for a user's answer (a
case's ticket, an import's account), the updates already applied, cases, their tracks
and /stats's reads, teams and accounts, a team's settings, its members, charges,
imports, reminders, monthly summaries, and what /export and /forget read and delete of
one person. `Store` composes them, so callers hold one object and every method keeps
its name.
"""

from __future__ import annotations

from bot.db.accounts import AccountRepository
from bot.db.cases import CaseRepository
from bot.db.charges import ChargeRepository
from bot.db.imports import ImportRepository
from bot.db.intakes import IntakeRepository
from bot.db.members import MemberRepository
from bot.db.pending import PendingInputRepository
from bot.db.personal import PersonalRepository
from bot.db.reminders import ReminderRepository
from bot.db.stats import StatsRepository
from bot.db.summaries import SummaryRepository
from bot.db.teams import TeamRepository
from bot.db.tracks import TrackRepository
from bot.db.updates import UpdateRepository


class Store(
    IntakeRepository,
    PendingInputRepository,
    UpdateRepository,
    CaseRepository,
    TrackRepository,
    StatsRepository,
    AccountRepository,
    TeamRepository,
    MemberRepository,
    ChargeRepository,
    ImportRepository,
    ReminderRepository,
    SummaryRepository,
    PersonalRepository,
):
    """Every read and write the bot makes, one short transaction each (or the update's own,
    see `StoreBase.unit`)."""

"""The database: schema (SQLAlchemy Core) and every query the bot makes.

The intake row is loaded and saved on every update, so those two statements are
kept to one indexed primary-key read and one upsert, through a synchronous
connection: on SQLite that costs tens of microseconds, where an async driver's
thread hops would cost more than the rest of the update (see DESIGN.md).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    case,
    create_engine,
    event,
    exists,
    false,
    func,
    insert,
    null,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, CursorResult, Dialect, Engine
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.expression import ClauseElement
from sqlalchemy.util import greenlet_spawn

from bot.db import schema
from conversations import stats as stats_domain
from conversations.billing import FAILED, REFUND, ChargeRow
from conversations.cases import OPEN, CaseStatus, CaseTrack
from conversations.intake import Intake, Step

P = ParamSpec("P")
T = TypeVar("T")

log = logging.getLogger(__name__)

# The connection of the update being handled (see `Store.unit`).
_unit: ContextVar[Connection | None] = ContextVar("refundbot_unit", default=None)
# What to do once that update's transaction has committed (see `Store.wipe_after_commit`).
_after_unit: ContextVar[list[Callable[[], None]] | None] = ContextVar(
    "refundbot_after_unit", default=None
)

# What was read in that update's transaction and may be read again in it (`Store.memo`).
_memo: ContextVar[dict[Any, Any] | None] = ContextVar("refundbot_memo", default=None)

metadata = MetaData()

teams = Table(
    "teams",
    metadata,
    # A private chat is a team of one: the id is Telegram's chat id.
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),
    Column("title", String(255)),
    Column("timezone", String(64)),
    # Quiet hours as local "HH:MM"; None means the defaults (21:00–09:00).
    Column("quiet_start", String(5)),
    Column("quiet_end", String(5)),
    # Business days to wait for TikTok's reply; None means the policy's.
    Column("reply_days", Integer),
    # Set when Telegram says the bot may no longer write to this chat (blocked, removed).
    Column("blocked_at", DateTime(timezone=True)),
    # Groups: answer the questions inside the group (replies) instead of in private.
    Column("answer_in_group", Boolean, nullable=False, server_default=false()),
    # Forum supergroups: one topic per case for its card, updates and reminders.
    Column("topic_per_case", Boolean, nullable=False, server_default=false()),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # The language the bot speaks in this chat (a code of bot.views.i18n.LANGUAGES): a private
    # chat's is its user's; a group's is set by an admin. None until first contact.
    Column("language", String(16)),
    # Groups: last month's /stats posted on the month's first working day.
    Column("monthly_summary", Boolean, nullable=False, server_default=true()),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    Column("advertiser_id", String(32), nullable=False),
    Column("name", String(255)),
    # The account's facts: NULL until a case (or /accounts) asks them (revision 0010).
    Column("billing", String(16)),
    Column("in_bc", Boolean),
    Column("bc_id", String(32)),
    Column("currency", String(3)),
    Column("status", String(16)),
    Column("paid_via", String(16)),
    Column("region", String(2)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("team_id", "advertiser_id"),
)

transactions = Table(
    "transactions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("happened_on", String(10)),  # ISO date; time below, when known
    Column("happened_at_time", String(5)),
    # Decimal as text: SQLite has no exact decimal type and money is never a float.
    Column("amount", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("card_last4", String(4)),
    # What an export says, as it says it: no length is ours to impose (revision 0002).
    Column("invoice_number", Text),
    Column("status", Text),
    Column("campaign_ids", JSON),
    Column("source", String(16), nullable=False),
    # Imported rows: what the export called it, and the key that keeps re-imports single.
    Column("kind", Text),
    Column("payment_method", Text),
    Column("fingerprint", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_transactions_account", transactions.c.account_id, transactions.c.happened_on)
Index("ix_transactions_fingerprint", transactions.c.account_id, transactions.c.fingerprint)

# An import waiting for an answer (which account, which column): the file stays with
# Telegram; its id is enough to read it again.
pending_imports = Table(
    "pending_imports",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("file_id", String(255), nullable=False),
    Column("filename", Text, nullable=False),
    Column("account_id", Integer),
    Column("mapping", JSON, nullable=False),
    Column("question", JSON),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# The chat whose export a process is reading (revision 0008): one import at a time per
# chat across processes. Claimed by a conditional insert, renewed as the import goes on,
# deleted when it ends; a claim whose process died lapses at `expires_at`.
import_claims = Table(
    "import_claims",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("holder", String(64), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# A flag an import raised (revision 0008): all its charges and the pause date it was
# measured against, for "Start a case from this" (a button carries only the id).
import_flags = Table(
    "import_flags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("team_id", BigInteger, nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("rule", String(32), nullable=False),
    Column("charge_ids", JSON, nullable=False),
    Column("paused_on", String(10)),  # ISO date
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_import_flags_team", import_flags.c.team_id, import_flags.c.id)

intakes = Table(
    "intakes",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    # Random per intake; with `seq` it makes every button belong to one question.
    Column("token", String(16), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("state", String(32), nullable=False),
    Column("data", Text, nullable=False),
    Column("case_id", Integer),
    # The team the case will belong to, when it differs from the chat (a group's case
    # answered in private); None means the chat itself.
    Column("team_id", BigInteger),
    # The last Telegram update applied to this intake (for the record: a redelivered update
    # is stopped before it gets here, by `handled_updates`).
    Column("last_update", BigInteger),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    Column("owner_user_id", BigInteger, nullable=False),
    Column("assignee_user_id", BigInteger),
    # The case's card in its team's group (edited as the case moves on) and its forum topic.
    Column("card_message_id", BigInteger),
    Column("topic_id", BigInteger),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("transaction_id", Integer, ForeignKey("transactions.id", ondelete="SET NULL")),
    Column("reason", String(32), nullable=False),
    Column("answers", JSON, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("situation", String(64), nullable=False),
    Column("policy_version", String(32), nullable=False),
    Column("subject", Text),
    Column("message", Text),
    Column("status", String(16), nullable=False),
    Column("ticket", String(64)),
    # Unguessable reference for buttons and links (the id is a plain counter).
    Column("token", String(16), unique=True),
    # The follow-up state (conversations.cases.CaseTrack without its events) as JSON.
    Column("track", JSON),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("reply_due_on", String(10)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # How many times the status changed (revision 0004). Case buttons carry it, and a press
    # saves only if it is still the same (compare-and-set): of two people pressing
    # Approved and Denied on the same old card, one wins and the other is told.
    Column("version", Integer, nullable=False, server_default="0"),
)
Index("ix_cases_team", cases.c.team_id, cases.c.id)

evidence = Table(
    "evidence",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("file_id", String(255), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("caption", Text),
    Column("name", Text),  # the file name as sent
    Column("added_by", BigInteger, nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
)

case_events = Table(
    "case_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor_user_id", BigInteger, nullable=False),
    Column("what", String(32), nullable=False),
    Column("detail", Text),
    # The member an event is about (whom a case was assigned to), by id: the name is looked
    # up when the timeline is shown, so it goes with the member's /forget (revision 0005).
    Column("person_user_id", BigInteger),
)
Index("ix_case_events_case", case_events.c.case_id, case_events.c.id)

reminders = Table(
    "reminders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("chat_id", BigInteger, nullable=False),
    # When it is due; while claimed, when the claim lapses (so a crashed sender's
    # reminders come due again by themselves).
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("state", String(16), nullable=False),  # pending, claimed, sent, failed, blocked
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Column("claimed_by", Text),
    Column("sent_at", DateTime(timezone=True)),
)
# The sweep reads only due rows: its cost follows the number due, not the number stored.
Index("ix_reminders_due", reminders.c.state, reminders.c.due_at)
Index("ix_reminders_case", reminders.c.case_id)
# Blocking a chat stops its reminders: found by chat, not by scanning every pending one.
Index("ix_reminders_chat", reminders.c.chat_id, reminders.c.state)

OPEN_REMINDER_STATES = ("pending", "claimed")
# The events /stats reads: TikTok's word on a case, and a new round.
STATS_EVENTS = ("reply", "approve", "deny", "refund_arrived", "partly_refunded", "reopen")

# The monthly summaries, one row per group and month: the row is the claim (inserted only
# if there is none, so two processes never both send one), then what became of it.
monthly_summaries = Table(
    "monthly_summaries",
    metadata,
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("month", String(7), primary_key=True),  # the month summarised, "YYYY-MM"
    # claimed (held until due_at: a lapsed claim or a retry comes due again), sent,
    # empty (no case opened that month: nothing sent), failed, blocked
    Column("state", String(16), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("claimed_by", Text),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("sent_at", DateTime(timezone=True)),
)

# Deep links from a group's /new to the member's private chat: single use, one member.
links = Table(
    "links",
    metadata,
    Column("token", String(32), primary_key=True),
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
)

# People seen in a team's group (privacy mode shows the bot commands and button presses
# only), for mentions and /assign @name.
members = Table(
    "members",
    metadata,
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("first_name", String(255), nullable=False),
    Column("username", String(64)),
    # Also send this member's reminders to their private chat.
    Column("private_copy", Boolean, nullable=False, server_default=false()),
    Column("seen_at", DateTime(timezone=True), nullable=False),
)
Index("ix_members_username", members.c.team_id, members.c.username)

# A member adding to a case after it was sent (its ticket number, more evidence): what
# the next message in this chat from this user is for.
case_inputs = Table(
    "case_inputs",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("what", String(16), nullable=False),  # ticket, evidence
    Column("created_at", DateTime(timezone=True), nullable=False),
)


# A person's own settings, wherever they write from (revision 0007). `signature` is how
# their messages to TikTok are signed: None until asked, "" when they chose not to sign.
users = Table(
    "users",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("signature", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Telegram updates already applied (revision 0004): each is recorded in the transaction of
# the change it causes, so a second delivery (a webhook retry reaching another process, a
# poller restarted before it confirmed) finds it here and does nothing. Telegram keeps an
# update for a day at most; older rows are deleted (`forget_handled_updates`).
handled_updates = Table(
    "handled_updates",
    metadata,
    # Telegram's update ids are unique per bot. No chat or user id: nothing here names a
    # person, so /forget has nothing to do in this table.
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("handled_at", DateTime(timezone=True), nullable=False),
    # Which update it was (revision 0006, see `UpdateMark`): an id that comes back with a
    # different update is a new one, not a redelivery.
    Column("fingerprint", String(64)),
)
Index("ix_handled_updates_at", handled_updates.c.handled_at)


class AlreadyHandled(Exception):
    """This update was applied before: Telegram delivered it again."""


# An update as `run_update` records it: Telegram's id, with what the update was (its chat
# and message, or its button press; "" when unknown). Only the same update under a recorded
# id is a redelivery: Telegram picks ids at random after a week without updates, and the
# terminal chat's come from a clock that may have moved back.
UpdateMark = tuple[int, str]


@dataclass
class IntakeRow:
    """An intake as stored: the domain model plus what ties buttons to it."""

    intake: Intake
    token: str
    seq: int = 0
    case_id: int | None = None
    team_id: int | None = None
    last_update: int = 0
    is_new: bool = field(default=False, repr=False)


@dataclass(frozen=True)
class CaseRecord:
    id: int
    team_id: int
    owner_user_id: int
    reason: str
    answers: dict[str, Any]
    outcome: str
    situation: str
    policy_version: str
    subject: str | None
    message: str | None
    status: str
    ticket: str | None
    created_at: datetime
    sent_at: datetime | None
    reply_due_on: str | None
    token: str | None = None
    track: dict[str, Any] | None = None
    assignee_user_id: int | None = None
    card_message_id: int | None = None
    topic_id: int | None = None
    version: int = 0


@dataclass(frozen=True)
class ClaimedReminder:
    id: int
    case_id: int
    chat_id: int
    attempts: int


@dataclass(frozen=True)
class TeamSettings:
    timezone: str | None
    quiet_start: str | None
    quiet_end: str | None
    reply_days: int | None
    blocked_at: datetime | None


@dataclass(frozen=True)
class CaseEvent:
    at: datetime
    actor_user_id: int
    what: str
    detail: str | None
    person_user_id: int | None = None


def new_token() -> str:
    """A short, unguessable reference for buttons and links."""
    return secrets.token_urlsafe(6)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _as_utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # Deleted rows are overwritten with zeros, not just unlinked: after /forget their bytes
    # are gone from the file once the WAL is checkpointed (`Store.wipe_after_commit`).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def database_url(url: str) -> str:
    """`url` with the driver SQLAlchemy should use: psycopg (3) for a plain PostgreSQL URL,
    also in the `postgres://` spelling many hosting services hand out."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_engine(url: str) -> Engine:
    """Create the engine for `url`, with SQLite tuned for many small transactions.

    With asyncpg (`postgresql+asyncpg://`) this is the synchronous face of an async engine:
    its statements run only inside `Store.run`, which lets them await the driver on the
    bot's event loop (SQLAlchemy's greenlet bridge) instead of blocking it.

    Every engine hides its statements' parameters from the errors it raises (and from any
    echo): they are what users wrote, and an error ends up in the log.
    """
    url = database_url(url)
    if url.startswith("postgresql+asyncpg"):
        # Imported here: SQLAlchemy's asyncio support needs greenlet (the `postgres` extra).
        from sqlalchemy.ext.asyncio import create_async_engine

        return create_async_engine(
            url, connect_args={"server_settings": {"timezone": "UTC"}}, hide_parameters=True
        ).sync_engine
    if url.startswith("postgresql"):
        return create_engine(url, connect_args={"options": "-c timezone=UTC"}, hide_parameters=True)
    engine = create_engine(url, hide_parameters=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
    return engine


class Prepared:
    """A statement compiled once for the engine's dialect and run through the driver.

    SQLAlchemy re-derives a cache key and re-processes parameters on every
    `execute`; on the per-update path that costs more than SQLite itself. Values
    must already be in the driver's types (str, int, None).

    On SQLite the statement goes straight to the connection's sqlite3 cursor, inside
    the transaction SQLAlchemy opened: its execution context costs about 40 µs a
    statement, four times the statement. Other databases keep SQLAlchemy's handling of
    lost connections (their round trip dwarfs that cost).
    """

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        self.sql = str(compiled)
        self.names = list(compiled.positiontup or []) if compiled.positional else None
        self.direct = dialect.name == "sqlite"

    def run(self, conn: Connection, **values: Any) -> Any:
        """Run the statement; the result answers `fetchone()`."""
        params = values if self.names is None else tuple(values[name] for name in self.names)
        if self.direct:
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            cursor.execute(self.sql, params)
            return cursor
        return conn.exec_driver_sql(self.sql, params)


def _key(column: str) -> BindParameter[Any]:
    return bindparam(column)


def driver_time(dialect: Dialect, moment: datetime) -> datetime | str:
    """A UTC datetime as the driver should get it when SQLAlchemy's types are bypassed:
    SQLite stores SQLAlchemy's naive text form (always with microseconds, as its DATETIME
    type writes it), other drivers take the datetime."""
    if dialect.name == "sqlite":
        naive = moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)
        return naive.isoformat(sep=" ", timespec="microseconds")
    return moment


# Statements of the module's helpers (which get a connection, not the store), compiled once
# per dialect and driver: `_prepared(conn, name)`.
_PREPARED: dict[tuple[str, str, str], Prepared] = {}


def _prepared(conn: Connection, name: str) -> Prepared:
    dialect = conn.dialect
    key = (dialect.name, dialect.driver, name)  # psycopg and asyncpg write parameters apart
    found = _PREPARED.get(key)
    if found is None:
        found = _PREPARED[key] = Prepared(_STATEMENTS[name](), dialect)
    return found


def _statements() -> dict[str, Callable[[], ClauseElement]]:
    return {
        # A line of a case's timeline (`_log`).
        "log": lambda: (
            insert(case_events)
            .inline()
            .values(
                {
                    name: _key(name)
                    for name in (
                        "case_id",
                        "at",
                        "actor_user_id",
                        "what",
                        "detail",
                        "person_user_id",
                    )
                }
            )
        ),
        # Whether an account has any transaction (`Store.has_transactions`).
        "has_transactions": lambda: select(
            exists().where(transactions.c.account_id == _key("account_id"))
        ),
        # The language chosen for a chat (`Store.chat_language`).
        "chat_language": lambda: select(teams.c.language).where(teams.c.id == _key("chat_id")),
        # The chat's time zone, quiet hours and reply wait (`Store.schedule_settings`).
        "schedule_settings": lambda: select(
            teams.c.timezone, teams.c.quiet_start, teams.c.quiet_end, teams.c.reply_days
        ).where(teams.c.id == _key("team_id")),
        # A blocked chat talks again (`Store.unblock_chat`): rowcount 1 if it was blocked.
        "unblock_chat": lambda: (
            update(teams)
            .where(teams.c.id == _key("chat_id"), teams.c.blocked_at.is_not(None))
            .values(blocked_at=null())
        ),
        # A case's question waiting for the user's answer is dropped (`clear_case_input`).
        "clear_case_input": lambda: case_inputs.delete().where(
            (case_inputs.c.chat_id == _key("chat_id")) & (case_inputs.c.user_id == _key("user_id"))
        ),
    }


class Store:
    """Every read and write the bot makes, one short transaction each."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        dialect = engine.dialect
        this_intake = (intakes.c.chat_id == _key("chat_id")) & (
            intakes.c.user_id == _key("user_id")
        )
        self._load_intake = Prepared(
            select(
                intakes.c.token,
                intakes.c.seq,
                intakes.c.state,
                intakes.c.data,
                intakes.c.case_id,
                intakes.c.team_id,
                intakes.c.last_update,
            ).where(this_intake),
            dialect,
        )
        self._delete_intake = Prepared(intakes.delete().where(this_intake), dialect)
        self._intake_team = Prepared(select(intakes.c.team_id).where(this_intake), dialect)
        fields = (
            "token",
            "seq",
            "state",
            "data",
            "case_id",
            "team_id",
            "last_update",
            "updated_at",
        )
        self._insert_intake = Prepared(
            insert(intakes).values({name: _key(name) for name in ("chat_id", "user_id", *fields)}),
            dialect,
        )
        self._update_intake = Prepared(
            update(intakes).where(this_intake).values({name: _key(name) for name in fields}),
            dialect,
        )
        self._chat_lock = Prepared(select(func.pg_advisory_xact_lock(_key("chat_id"))), dialect)
        insert_ = postgresql_insert if dialect.name == "postgresql" else sqlite_insert
        self._record_update = Prepared(
            insert_(handled_updates)
            .values({name: _key(name) for name in ("update_id", "handled_at", "fingerprint")})
            .on_conflict_do_nothing(index_elements=["update_id"])
            .returning(handled_updates.c.update_id),
            dialect,
        )
        # psycopg: an update waiting (in a thread) for another process's chat lock holds a
        # pooled connection. Updates run concurrently, and a checkout from an exhausted pool
        # blocks the event loop that the waiting ones need to finish: let fewer wait at once
        # than the pool holds (its default 5 + 10 overflow).
        self._lock_waits = asyncio.Semaphore(8)

    def _driver_time(self, moment: datetime) -> datetime | str:
        """A UTC datetime as the driver should get it when SQLAlchemy's types are bypassed."""
        return driver_time(self.engine.dialect, moment)

    @classmethod
    def open(cls, url: str) -> Store:
        """Open the database at `url`: SQLite is migrated to the current schema on the spot;
        any other database must already be (`refundbot migrate`), or this raises
        `SchemaOutOfDate` with the command to run."""
        engine = make_engine(url)
        schema.check(engine, migrate=engine.dialect.name == "sqlite")
        return cls(engine)

    @property
    def is_async(self) -> bool:
        return bool(self.engine.dialect.is_async)

    def close(self) -> None:
        """Close the pool's connections. An async driver's connections can only be closed
        on their own loop (`aclose`, at the bot's shutdown); here they are just let go."""
        self.engine.dispose(close=not self.is_async)

    async def aclose(self) -> None:
        """Close the pool's connections from the loop that opened them."""
        await self.run(self.engine.dispose)

    async def run(self, work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Call `work` (which uses this store) from async code: directly with a synchronous
        driver, or inside SQLAlchemy's greenlet bridge with an async one (asyncpg)."""
        if self.is_async:
            return await greenlet_spawn(functools.partial(work, *args, **kwargs))
        return work(*args, **kwargs)

    async def run_for_chat(
        self, chat_id: int, work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`run` as one transaction (`unit`) holding the chat's lock: two bot processes never
        apply updates for one chat at the same time (on PostgreSQL a transaction-level
        advisory lock, released by the commit; SQLite has one process)."""
        return await self.run_update(chat_id, None, work, *args, **kwargs)

    async def run_update(
        self,
        chat_id: int,
        update_id: int | UpdateMark | None,
        work: Callable[P, T],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """`run_for_chat` that first records Telegram's `update_id` in the same transaction
        as whatever `work` changes. If it was recorded before (the same update delivered
        again, here or to another process) this raises `AlreadyHandled` and `work` never
        runs; if `work` fails, the record is rolled back with its changes."""
        postgres = self.engine.dialect.name == "postgresql"
        if postgres and not self.is_async:
            # psycopg: another process may hold the chat for a while, and waiting for it
            # on the event loop would stop every other chat meanwhile; wait in a thread.
            async with self._lock_waits:
                with self.unit() as conn:
                    await asyncio.to_thread(self._chat_lock.run, conn, chat_id=chat_id)
                    self._record(conn, update_id)
                    return work(*args, **kwargs)

        def locked() -> T:
            with self.unit() as conn:
                if postgres:
                    self._chat_lock.run(conn, chat_id=chat_id)
                self._record(conn, update_id)
                return work(*args, **kwargs)

        return await self.run(locked)

    def _record(self, conn: Connection, update_id: int | UpdateMark | None) -> None:
        """Note the update as applied, or raise `AlreadyHandled` if it was. On PostgreSQL
        an uncommitted record of another process makes this wait for its commit (or its
        rollback, and then this one is recorded). A different update under a recorded id
        (both fingerprints known, and not the same) is a new one: recorded over the old."""
        if update_id is None:
            return
        number, key = update_id if isinstance(update_id, tuple) else (update_id, "")
        now = self._driver_time(_utcnow())
        fingerprint = key[:64] or None
        row = self._record_update.run(
            conn, update_id=number, handled_at=now, fingerprint=fingerprint
        ).fetchone()
        if row is not None:
            return
        this = handled_updates.c.update_id == number
        before = conn.execute(select(handled_updates.c.fingerprint).where(this)).scalar()
        if fingerprint is None or before is None or before == fingerprint:
            raise AlreadyHandled(number)
        log.warning("Update id %s came back with another update: handled", number)
        # Through SQLAlchemy's types: a datetime (`now` is the raw driver's form).
        conn.execute(
            update(handled_updates)
            .where(this)
            .values(handled_at=_utcnow(), fingerprint=fingerprint)
        )

    def forget_handled_updates(self, before: datetime) -> int:
        """Delete the records of updates handled before `before`; return how many."""
        with self.transaction() as conn:
            result = conn.execute(
                handled_updates.delete().where(handled_updates.c.handled_at < before)
            )
        return int(result.rowcount)

    def ping(self) -> bool:
        """Whether the database answers `SELECT 1` now (for /healthz); never raises."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except Exception:  # whatever the driver raises, the answer is "not reachable"
            return False
        return True

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A transaction: the update's own when one is open (`unit`), else a new one."""
        current = _unit.get()
        if current is not None:
            yield current
            return
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def unit(self) -> Iterator[Connection]:
        """One transaction for everything inside: an update's reads and writes are applied
        together or not at all, on one pooled connection, with one commit."""
        current = _unit.get()
        if current is not None:
            yield current
            return
        later: list[Callable[[], None]] = []
        with self.engine.begin() as conn:
            token = _unit.set(conn)
            pending = _after_unit.set(later)
            memo = _memo.set({})
            try:
                yield conn
            finally:
                _unit.reset(token)
                _after_unit.reset(pending)
                _memo.reset(memo)
        for action in later:  # committed: an exception above would have skipped this
            action()

    def memo(self) -> dict[Any, Any] | None:
        """A dictionary that lasts as long as the update's transaction (`unit`), for what
        is read in it more than once (the chat's schedule): kept no longer, so another
        process's change is seen by the next update. None outside a `unit`: nothing may
        be kept then."""
        return _memo.get()

    def wipe_after_commit(self) -> None:
        """Take what the current transaction deletes off the disk once it commits: on
        SQLite (whose deleted cells `secure_delete` zeroes) the WAL, which still holds the
        pages as they were, is checkpointed into the database file and truncated to
        nothing. Outside a transaction this runs at once."""
        if self.engine.dialect.name != "sqlite":
            return
        later = _after_unit.get()
        if later is None:
            self._checkpoint()
        elif self._checkpoint not in later:
            later.append(self._checkpoint)

    def _checkpoint(self) -> None:
        with self.engine.connect() as conn:
            row = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
        if row is not None and row[0]:
            # A reader kept the WAL in use past busy_timeout: the next checkpoint (SQLite
            # runs one every 1000 pages) copies the zeroed pages over the old ones.
            log.warning("The WAL could not be truncated after a deletion; it will be later")

    # --- teams and accounts ------------------------------------------------------

    def ensure_team(self, team_id: int, kind: str, title: str | None) -> None:
        values = {"id": team_id, "kind": kind, "title": title, "created_at": _utcnow()}
        with self.transaction() as conn:
            _upsert(conn, teams, values, ["id"])

    def team_title(self, team_id: int) -> str | None:
        with self.transaction() as conn:
            return conn.execute(select(teams.c.title).where(teams.c.id == team_id)).scalar()

    def list_accounts(self, team_id: int) -> list[dict[str, Any]]:
        """The team's ad accounts as intake answer fields, newest first."""
        with self.transaction() as conn:
            rows = conn.execute(
                select(accounts).where(accounts.c.team_id == team_id).order_by(accounts.c.id.desc())
            ).mappings()
            return [_account_fields(row) for row in rows]

    def get_account(self, team_id: int, account_id: int) -> dict[str, Any] | None:
        with self.transaction() as conn:
            row = (
                conn.execute(
                    select(accounts).where(
                        accounts.c.team_id == team_id, accounts.c.id == account_id
                    )
                )
                .mappings()
                .first()
            )
            return None if row is None else _account_fields(row)

    def save_account(self, team_id: int, fields: Mapping[str, Any]) -> int:
        """Insert or update the team's account with this advertiser ID; return its id.

        Only the facts in `fields` are written: one not asked (absent) stays as it was, or
        unknown (NULL) on a new account."""
        columns = {
            "account_name": "name",
            "billing": "billing",
            "in_bc": "in_bc",
            "bc_id": "bc_id",
            "currency": "currency",
            "account_status": "status",
            "paid_via": "paid_via",
            "region": "region",
        }
        values: dict[str, Any] = {"advertiser_id": fields["advertiser_id"]}
        for key, column in columns.items():
            if key in fields:
                value = fields[key]
                values[column] = bool(value) if key == "in_bc" and value is not None else value
        with self.transaction() as conn:
            existing = conn.execute(
                select(accounts.c.id).where(
                    accounts.c.team_id == team_id,
                    accounts.c.advertiser_id == values["advertiser_id"],
                )
            ).scalar()
            if existing is not None:
                conn.execute(update(accounts).where(accounts.c.id == existing).values(**values))
                return int(existing)
            result = conn.execute(
                insert(accounts).values(team_id=team_id, created_at=_utcnow(), **values)
            )
            return _new_id(result)

    # --- intakes (the per-update hot path) --------------------------------------

    def newest_update_id(self, chat_id: int) -> int:
        """The newest update id this database has seen from the chat, or any recorded update
        (0 when none): the terminal chat numbers its updates after it, so a clock that moved
        back can't make them look like redeliveries."""
        with self.transaction() as conn:
            in_intakes = conn.execute(
                select(func.max(intakes.c.last_update)).where(intakes.c.chat_id == chat_id)
            ).scalar()
            recorded = conn.execute(select(func.max(handled_updates.c.update_id))).scalar()
        return max(int(in_intakes or 0), int(recorded or 0))

    def load_intake(self, chat_id: int, user_id: int) -> IntakeRow | None:
        with self.transaction() as conn:
            row = self._load_intake.run(conn, chat_id=chat_id, user_id=user_id).fetchone()
        if row is None:
            return None
        token, seq, state, raw, case_id, team_id, last_update = tuple(row)
        data = json.loads(raw)
        intake = Intake(
            state=Step(state),
            answers=data["answers"],
            history=data["history"],
            editing=data["editing"],
            pending=data["pending"],
        )
        return IntakeRow(
            intake=intake,
            token=token,
            seq=seq,
            case_id=case_id,
            team_id=team_id,
            last_update=last_update or 0,
        )

    def intake_team(self, chat_id: int, user_id: int) -> int | None:
        """The group whose case the user's intake in this chat answers, if any."""
        with self.transaction() as conn:
            row = self._intake_team.run(conn, chat_id=chat_id, user_id=user_id).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def save_intake(self, chat_id: int, user_id: int, row: IntakeRow) -> None:
        intake = row.intake
        data = json.dumps(
            {
                "answers": intake.answers,
                "history": [str(s) for s in intake.history],
                "editing": intake.editing,
                "pending": intake.pending,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        values = {
            "chat_id": chat_id,
            "user_id": user_id,
            "token": row.token,
            "seq": row.seq,
            "state": str(intake.state),
            "data": data,
            "case_id": row.case_id,
            "team_id": row.team_id,
            "last_update": row.last_update,
            "updated_at": self._driver_time(_utcnow()),
        }
        with self.transaction() as conn:
            if row.is_new:
                self._delete_intake.run(conn, chat_id=chat_id, user_id=user_id)
                self._insert_intake.run(conn, **values)
                row.is_new = False
            else:
                self._update_intake.run(conn, **values)

    # --- cases -------------------------------------------------------------------

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
        now: datetime | None = None,
    ) -> int:
        """Create the case when the verdict is first shown, or update it after a change."""
        now = now or _utcnow()
        values = {
            "reason": answers["reason"],
            "answers": dict(answers),
            "outcome": outcome,
            "situation": situation,
            "policy_version": policy_version,
            "subject": subject,
            "message": message,
            "account_id": answers.get("account_ref"),
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
                transaction_id = _save_charge(
                    conn, answers, now, old.transaction_id if old is not None else None
                )
                conn.execute(
                    update(cases)
                    .where(cases.c.id == case_id)
                    .values(transaction_id=transaction_id, **values)
                )
                if old is not None and (old.outcome, old.message) != (outcome, message):
                    _log(conn, case_id, owner_user_id, "redrafted", f"verdict {outcome}", now)
                return case_id
            transaction_id = _save_charge(conn, answers, now, None)
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
            new_id = _new_id(result)
            _log(conn, new_id, owner_user_id, "drafted", f"verdict {outcome}", now)
            return new_id

    def set_case_ticket(
        self, case_id: int, user_id: int, ticket: str, now: datetime | None = None
    ) -> None:
        now = now or _utcnow()
        with self.transaction() as conn:
            conn.execute(
                update(cases).where(cases.c.id == case_id).values(ticket=ticket, updated_at=now)
            )
            _log(conn, case_id, user_id, "ticket", ticket, now)

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
        now = now or _utcnow()
        with self.transaction() as conn:
            answers = conn.execute(select(cases.c.answers).where(cases.c.id == case_id)).scalar()
            kept = dict(answers or {})
            kept["refunded_amount"] = {"amount": amount, "currency": currency}
            conn.execute(
                update(cases).where(cases.c.id == case_id).values(answers=kept, updated_at=now)
            )
            _log(conn, case_id, user_id, "refunded_amount", shown, now)

    def set_case_status(
        self, case_id: int, user_id: int, status: str, now: datetime | None = None
    ) -> None:
        """Close or cancel a case without its track's triggers (a draft, which has no track
        yet). The status column is the case's status (`load_track` reads it from there);
        a track, if the case has one, is kept in agreement in the same transaction: its
        copy of the status (for readers of older versions) is this one and it has no
        reminder to come."""
        now = now or _utcnow()
        with self.transaction() as conn:
            conn.execute(
                update(cases)
                .where(cases.c.id == case_id)
                .values(status=status, updated_at=now, version=_next_version(status))
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
            _log(conn, case_id, user_id, status, None, now)

    def save_evidence(self, case_id: int, user_id: int, items: list[dict[str, Any]]) -> None:
        """Replace the case's evidence list with `items` (the intake's current list)."""
        now = _utcnow()
        with self.transaction() as conn:
            conn.execute(evidence.delete().where(evidence.c.case_id == case_id))
            for item in items:
                conn.execute(
                    insert(evidence).values(
                        case_id=case_id,
                        file_id=item["file_id"],
                        kind=item["kind"],
                        caption=item.get("caption"),
                        name=item.get("name"),
                        added_by=user_id,
                        added_at=now,
                    )
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

    def case_events(self, case_id: int) -> list[CaseEvent]:
        with self.transaction() as conn:
            rows = conn.execute(
                select(case_events)
                .where(case_events.c.case_id == case_id)
                .order_by(case_events.c.id)
            ).mappings()
            return [
                CaseEvent(
                    _as_utc(r["at"]),
                    r["actor_user_id"],
                    r["what"],
                    r["detail"],
                    r["person_user_id"],
                )
                for r in rows
            ]

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
                stats_domain.Step(_as_utc(e.at), e.what, e.detail or "")
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

    # --- teams in groups: members, deep links, assignment, cards ----------------------

    def remember_member(
        self, team_id: int, user_id: int, first_name: str, username: str | None
    ) -> None:
        """Note someone seen in a team's group (for mentions and /assign @name)."""
        now = _utcnow()
        with self.transaction() as conn:
            seen = {"first_name": first_name[:255], "username": username, "seen_at": now}
            values = {"team_id": team_id, "user_id": user_id, **seen}
            _upsert(conn, members, values, ["team_id", "user_id"], changes=seen)

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

    def create_link(self, team_id: int, user_id: int) -> str:
        """A single-use deep-link token that starts a team case for this member only."""
        token = secrets.token_urlsafe(12)
        with self.transaction() as conn:
            conn.execute(
                insert(links).values(
                    token=token, team_id=team_id, user_id=user_id, created_at=_utcnow()
                )
            )
        return token

    def use_link(self, token: str, user_id: int, max_age: timedelta) -> tuple[int | None, str]:
        """Spend a deep link: (team id, "") or (None, why not: unknown, other_user, used)."""
        now = _utcnow()
        with self.transaction() as conn:
            row = conn.execute(select(links).where(links.c.token == token)).first()
            if row is None or _as_utc(row.created_at) < now - max_age:
                return None, "unknown"
            if row.user_id != user_id:
                return None, "other_user"
            if row.used_at is not None:
                return None, "used"
            conn.execute(update(links).where(links.c.token == token).values(used_at=now))
            return int(row.team_id), ""

    def get_case_any(self, case_id: int) -> CaseRecord | None:
        """A case by id, whichever team (for callers that already checked the right)."""
        with self.transaction() as conn:
            row = conn.execute(select(cases).where(cases.c.id == case_id)).mappings().first()
            return None if row is None else _case(row)

    def has_open_intake(self, chat_id: int, user_id: int) -> bool:
        with self.transaction() as conn:
            state = conn.execute(
                select(intakes.c.state).where(
                    intakes.c.chat_id == chat_id, intakes.c.user_id == user_id
                )
            ).scalar()
        # Questions being answered: not at the verdict, the "change an answer" menu or the
        # ticket question (their case is kept; another case's ticket can be typed then).
        return state is not None and state not in ("done", "cancelled", "review", "edit", "ticket")

    def case_by_token_any(self, token: str) -> CaseRecord | None:
        """The case with this button token, whichever team it belongs to (callers check)."""
        with self.transaction() as conn:
            row = conn.execute(select(cases).where(cases.c.token == token)).mappings().first()
            return None if row is None else _case(row)

    def assign_case(self, case_id: int, assignee: int | None, actor: int, now: datetime) -> None:
        with self.transaction() as conn:
            conn.execute(
                update(cases)
                .where(cases.c.id == case_id)
                .values(assignee_user_id=assignee, updated_at=now)
            )
            _log(conn, case_id, actor, "assigned", None, now, person=assignee)

    def set_topic(self, case_id: int, thread_id: int) -> None:
        with self.transaction() as conn:
            conn.execute(update(cases).where(cases.c.id == case_id).values(topic_id=thread_id))

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

    # One row per (chat, user) of a table keyed that way: what that user is in the
    # middle of in that chat (adding to a case, an import waiting for an answer).

    def _put_for_user(self, table: Table, chat_id: int, user_id: int, **values: Any) -> None:
        with self.transaction() as conn:
            conn.execute(table.delete().where(_for_user(table, chat_id, user_id)))
            conn.execute(
                insert(table).values(
                    chat_id=chat_id, user_id=user_id, created_at=_utcnow(), **values
                )
            )

    def _get_for_user(self, table: Table, chat_id: int, user_id: int) -> dict[str, Any] | None:
        with self.transaction() as conn:
            row = (
                conn.execute(select(table).where(_for_user(table, chat_id, user_id)))
                .mappings()
                .first()
            )
            return None if row is None else dict(row)

    def _clear_for_user(self, table: Table, chat_id: int, user_id: int) -> None:
        with self.transaction() as conn:
            conn.execute(table.delete().where(_for_user(table, chat_id, user_id)))

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

    def set_case_input(self, chat_id: int, user_id: int, case_id: int, what: str) -> None:
        self._put_for_user(case_inputs, chat_id, user_id, case_id=case_id, what=what)

    def case_input(self, chat_id: int, user_id: int) -> tuple[int, str] | None:
        row = self._get_for_user(case_inputs, chat_id, user_id)
        return None if row is None else (int(row["case_id"]), str(row["what"]))

    def clear_case_input(self, chat_id: int, user_id: int) -> None:
        with self.transaction() as conn:
            _prepared(conn, "clear_case_input").run(conn, chat_id=chat_id, user_id=user_id)

    def add_case_evidence(
        self, case_id: int, user_id: int, item: Mapping[str, Any], now: datetime
    ) -> int:
        """Add one file to a case's evidence (logged with who added it); return the count."""
        with self.transaction() as conn:
            conn.execute(
                insert(evidence).values(
                    case_id=case_id,
                    file_id=item["file_id"],
                    kind=item["kind"],
                    caption=item.get("caption"),
                    name=item.get("name"),
                    added_by=user_id,
                    added_at=now,
                )
            )
            _log(conn, case_id, user_id, "evidence", item.get("name") or item["kind"], now)
            return int(
                conn.execute(
                    select(func.count()).select_from(evidence).where(evidence.c.case_id == case_id)
                ).scalar_one()
            )

    def set_card(self, case_id: int, message_id: int) -> None:
        with self.transaction() as conn:
            conn.execute(
                update(cases).where(cases.c.id == case_id).values(card_message_id=message_id)
            )

    def remove_account(self, team_id: int, account_id: int) -> bool:
        with self.transaction() as conn:
            gone = conn.execute(
                accounts.delete().where(accounts.c.team_id == team_id, accounts.c.id == account_id)
            ).rowcount
        return bool(gone)

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

    # --- imported billing exports ----------------------------------------------------

    def transaction_fingerprints(self, account_id: int) -> set[str]:
        """The fingerprints of the account's stored charges (imported ones have one)."""
        with self.transaction() as conn:
            return {
                fp
                for (fp,) in conn.execute(
                    select(transactions.c.fingerprint).where(
                        transactions.c.account_id == account_id,
                        transactions.c.fingerprint.is_not(None),
                    )
                )
            }

    def add_transactions(self, account_id: int, rows: list[ChargeRow], now: datetime) -> None:
        """Insert imported rows as they are (the caller left out those already stored)."""
        if not rows:
            return
        with self.transaction() as conn:
            # A charge typed into a case earlier and now imported (same document number) is
            # one charge: the typed row takes the export's details, the case keeps it.
            documents = {r.document for r in rows if r.document and r.kind != REFUND}
            typed = (
                {
                    str(number): int(i)
                    for i, number in conn.execute(
                        select(transactions.c.id, transactions.c.invoice_number).where(
                            transactions.c.account_id == account_id,
                            transactions.c.source == "typed",
                            transactions.c.fingerprint.is_(None),
                            transactions.c.invoice_number.in_(sorted(documents)),
                        )
                    )
                }
                if documents
                else {}
            )
            fresh = []
            for row in rows:
                values = _transaction_values(account_id, row, now)
                merged = (
                    typed.pop(row.document, None) if row.document and row.kind != REFUND else None
                )
                if merged is None:
                    fresh.append(values)
                    continue
                del values["created_at"], values["campaign_ids"]
                conn.execute(
                    update(transactions).where(transactions.c.id == merged).values(**values)
                )
            if fresh:
                conn.execute(insert(transactions), fresh)

    def transaction_ids(self, account_id: int, fingerprints: set[str]) -> dict[str, int]:
        """The ids of the account's stored charges with these fingerprints."""
        if not fingerprints:
            return {}
        with self.transaction() as conn:
            found = conn.execute(
                select(transactions.c.fingerprint, transactions.c.id).where(
                    transactions.c.account_id == account_id,
                    transactions.c.fingerprint.in_(sorted(fingerprints)),
                )
            )
            return {str(fp): int(i) for fp, i in found}

    def transaction_rows(self, account_id: int, ids: list[int]) -> list[dict[str, Any]]:
        with self.transaction() as conn:
            rows = conn.execute(
                select(transactions)
                .where(transactions.c.account_id == account_id, transactions.c.id.in_(ids))
                .order_by(transactions.c.happened_on, transactions.c.happened_at_time)
            ).mappings()
            return [dict(r) for r in rows]

    def list_transactions(
        self,
        account_id: int,
        *,
        month: str | None,
        offset: int,
        limit: int,
        amount: str | None = None,
        charges_only: bool = False,
    ) -> tuple[list[dict[str, Any]], int]:
        """Imported and typed charges of an account, newest first (optionally one month,
        "YYYY-MM", or one amount), a page at a time, with the total. `charges_only` leaves
        out failed payments: they took no money, so there is nothing to dispute."""
        where = _pickable(account_id, charges_only)
        if month:
            where.append(transactions.c.happened_on.like(f"{month}-%"))
        if amount:
            where.append(transactions.c.amount == amount)
        with self.transaction() as conn:
            total = conn.execute(
                select(func.count()).select_from(transactions).where(*where)
            ).scalar_one()
            rows = conn.execute(
                select(transactions)
                .where(*where)
                .order_by(
                    transactions.c.happened_on.desc(),
                    transactions.c.happened_at_time.desc(),
                    transactions.c.id.desc(),
                )
                .offset(offset)
                .limit(limit)
            ).mappings()
            return [dict(r) for r in rows], int(total)

    def has_transactions(self, account_id: int) -> bool:
        with self.transaction() as conn:
            row = _prepared(conn, "has_transactions").run(conn, account_id=account_id).fetchone()
            return bool(row[0])

    def frequent_amounts(
        self, account_id: int, *, month: str | None, limit: int, charges_only: bool = False
    ) -> list[tuple[str, str]]:
        """(amount, currency) charged most often (in a month), for quick filters."""
        where = _pickable(account_id, charges_only)
        if month:
            where.append(transactions.c.happened_on.like(f"{month}-%"))
        with self.transaction() as conn:
            rows = conn.execute(
                select(transactions.c.amount, transactions.c.currency)
                .where(*where)
                .group_by(transactions.c.amount, transactions.c.currency)
                .order_by(func.count().desc(), transactions.c.amount)
                .limit(limit)
            ).all()
        return [(str(r.amount), str(r.currency)) for r in rows]

    def transaction_months(self, account_id: int, *, charges_only: bool = False) -> list[str]:
        """The months ("YYYY-MM") an account has charges in, newest first."""
        month = func.substr(transactions.c.happened_on, 1, 7)
        with self.transaction() as conn:
            rows = conn.execute(
                select(month)
                .where(*_pickable(account_id, charges_only))
                .group_by(month)
                .order_by(month.desc())
            ).all()
        return [str(r[0]) for r in rows if r[0]]

    def save_pending_import(
        self,
        chat_id: int,
        user_id: int,
        *,
        file_id: str,
        filename: str,
        account_id: int | None,
        mapping: dict[str, str],
        question: dict[str, Any] | None,
    ) -> None:
        self._put_for_user(
            pending_imports,
            chat_id,
            user_id,
            file_id=file_id,
            filename=filename,
            account_id=account_id,
            mapping=mapping,
            question=question,
        )

    def pending_import(self, chat_id: int, user_id: int) -> dict[str, Any] | None:
        return self._get_for_user(pending_imports, chat_id, user_id)

    def clear_pending_import(self, chat_id: int, user_id: int) -> None:
        self._clear_for_user(pending_imports, chat_id, user_id)

    def save_import_flag(
        self,
        team_id: int,
        account_id: int,
        rule: str,
        charge_ids: list[int],
        paused_on: str | None,
    ) -> int:
        """Keep a flag's charges (and pause date) for its "Start a case from this"."""
        with self.transaction() as conn:
            result = conn.execute(
                insert(import_flags).values(
                    team_id=team_id,
                    account_id=account_id,
                    rule=rule,
                    charge_ids=charge_ids,
                    paused_on=paused_on,
                    created_at=_utcnow(),
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def import_flag(self, team_id: int, flag_id: int) -> dict[str, Any] | None:
        """The team's flag `flag_id` (None for another team's, or one gone)."""
        with self.transaction() as conn:
            row = (
                conn.execute(
                    select(import_flags).where(
                        import_flags.c.id == flag_id, import_flags.c.team_id == team_id
                    )
                )
                .mappings()
                .first()
            )
            return None if row is None else dict(row)

    def claim_import(self, chat_id: int, holder: str, now: datetime, lease: timedelta) -> bool:
        """Claim the chat for an import until `now + lease`: True when no other claim
        holds it (none, or one that has lapsed), in one conditional statement."""
        dialect = self.engine.dialect.name
        make = postgresql_insert if dialect == "postgresql" else sqlite_insert
        values = make(import_claims).values(chat_id=chat_id, holder=holder, expires_at=now + lease)
        statement = values.on_conflict_do_update(
            index_elements=[import_claims.c.chat_id],
            set_={"holder": holder, "expires_at": now + lease},
            where=import_claims.c.expires_at <= now,
        ).returning(import_claims.c.holder)
        # A row comes back only when this claim was written (rowcount can't tell: some
        # drivers count a conflict whose update didn't happen).
        with self.transaction() as conn:
            return conn.execute(statement).first() is not None

    def renew_import_claim(
        self, chat_id: int, holder: str, now: datetime, lease: timedelta
    ) -> None:
        """Keep holding the chat while the import goes on."""
        with self.transaction() as conn:
            conn.execute(
                update(import_claims)
                .where(import_claims.c.chat_id == chat_id, import_claims.c.holder == holder)
                .values(expires_at=now + lease)
            )

    def release_import(self, chat_id: int, holder: str) -> None:
        """The import has ended (however it ended): the chat may import again."""
        with self.transaction() as conn:
            conn.execute(
                import_claims.delete().where(
                    import_claims.c.chat_id == chat_id, import_claims.c.holder == holder
                )
            )

    # --- follow-up tracking and reminders ------------------------------------------

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
        blocked = _as_utc(row.blocked_at) if row.blocked_at else None
        return TeamSettings(row.timezone, row.quiet_start, row.quiet_end, row.reply_days, blocked)

    def schedule_settings(self, team_id: int) -> TeamSettings:
        """`team_settings` without `blocked_at`, through a prepared statement: it is read
        by most updates (for "today")."""
        with self.transaction() as conn:
            row = _prepared(conn, "schedule_settings").run(conn, team_id=team_id).fetchone()
        if row is None:
            return TeamSettings(None, None, None, None, None)
        return TeamSettings(row[0], row[1], row[2], row[3], None)

    def update_team_settings(self, team_id: int, **fields: Any) -> None:
        allowed = {"timezone", "quiet_start", "quiet_end", "reply_days", "blocked_at"}
        if not set(fields) <= allowed:
            raise ValueError(f"unknown team settings: {set(fields) - allowed}")
        with self.transaction() as conn:
            conn.execute(update(teams).where(teams.c.id == team_id).values(**fields))

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
            return _save_track(conn, case_id, chat_id, track, version)

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
                _save_track(conn, case_id, chat_id, track)

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

    # --- monthly summaries --------------------------------------------------------------

    def summary_candidates(self, month: str, now: datetime) -> list[int]:
        """The groups the summary of `month` may be due to: the switch on, not blocked,
        with at least one case, and that month not summarised nor held by a live claim."""
        settled = (
            select(monthly_summaries.c.team_id)
            .where(
                monthly_summaries.c.month == month,
                or_(monthly_summaries.c.state != "claimed", monthly_summaries.c.due_at > now),
            )
            .scalar_subquery()
        )
        has_cases = select(cases.c.id).where(cases.c.team_id == teams.c.id).exists()
        with self.transaction() as conn:
            rows = conn.execute(
                select(teams.c.id)
                .where(
                    teams.c.id < 0,
                    teams.c.monthly_summary.is_(True),
                    teams.c.blocked_at.is_(None),
                    has_cases,
                    teams.c.id.not_in(settled),
                )
                .order_by(teams.c.id)
            ).all()
        return [r.id for r in rows]

    def claim_summary(
        self, team_id: int, month: str, now: datetime, *, lease: timedelta, worker: str
    ) -> int | None:
        """Claim the group's summary of `month` for `lease`: a new row, inserted only if
        there is none, or a claim that lapsed (its sender died, or a retry came due).
        Returns the attempts made before, or None when it isn't this process's to send."""
        insert_ = postgresql_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        held = {"state": "claimed", "due_at": now + lease, "claimed_by": worker}
        with self.transaction() as conn:
            fresh = conn.execute(
                insert_(monthly_summaries)
                .values(team_id=team_id, month=month, **held)
                .on_conflict_do_nothing(index_elements=["team_id", "month"])
                .returning(monthly_summaries.c.team_id)
            ).first()
            if fresh is not None:
                return 0
            attempts = conn.execute(
                update(monthly_summaries)
                .where(
                    monthly_summaries.c.team_id == team_id,
                    monthly_summaries.c.month == month,
                    monthly_summaries.c.state == "claimed",
                    monthly_summaries.c.due_at <= now,
                )
                .values(**held)
                .returning(monthly_summaries.c.attempts)
            ).scalar()
        return None if attempts is None else int(attempts)

    def summary_done(
        self, team_id: int, month: str, state: str, now: datetime, retry_at: datetime | None
    ) -> None:
        """Record what became of a claimed summary: sent, empty, failed or blocked; or,
        with `retry_at`, still claimed and due again then (one more attempt counted)."""
        values: dict[str, Any] = {"attempts": monthly_summaries.c.attempts + 1}
        if retry_at is not None:
            values.update(due_at=retry_at, claimed_by=None)
        else:
            values.update(state=state, due_at=now, sent_at=now if state == "sent" else None)
        with self.transaction() as conn:
            conn.execute(
                update(monthly_summaries)
                .where(monthly_summaries.c.team_id == team_id, monthly_summaries.c.month == month)
                .values(**values)
            )

    def block_chat(self, chat_id: int, now: datetime) -> None:
        """Telegram refuses this chat: stop every reminder to it and remember why."""
        with self.transaction() as conn:
            conn.execute(update(teams).where(teams.c.id == chat_id).values(blocked_at=now))
            conn.execute(
                update(reminders)
                .where(reminders.c.chat_id == chat_id, reminders.c.state.in_(OPEN_REMINDER_STATES))
                .values(state="blocked")
            )

    def chat_language(self, chat_id: int) -> str | None:
        """The language chosen for the chat, or None when none was chosen yet."""
        with self.transaction() as conn:
            row = _prepared(conn, "chat_language").run(conn, chat_id=chat_id).fetchone()
            return None if row is None else row[0]

    def set_chat_language(self, chat_id: int, kind: str, title: str | None, code: str) -> None:
        """Speak `code` in this chat from now on (the chat's team is created if new)."""
        values = {"id": chat_id, "kind": kind, "title": title, "created_at": _utcnow()}
        with self.transaction() as conn:
            _upsert(conn, teams, {**values, "language": code}, ["id"], changes={"language": code})

    def unblock_chat(self, chat_id: int) -> None:
        """The chat talks to the bot again: its reminders may go out again."""
        with self.transaction() as conn:
            was_blocked = _prepared(conn, "unblock_chat").run(conn, chat_id=chat_id).rowcount
            if not was_blocked:
                return
            conn.execute(
                update(reminders)
                .where(reminders.c.chat_id == chat_id, reminders.c.state == "blocked")
                .values(state="pending")
            )

    def reminder_states(self, case_id: int) -> list[tuple[str, int, datetime]]:
        """(state, attempts, due_at) of the case's reminders, oldest first."""
        with self.transaction() as conn:
            rows = conn.execute(
                select(reminders.c.state, reminders.c.attempts, reminders.c.due_at)
                .where(reminders.c.case_id == case_id)
                .order_by(reminders.c.id)
            ).all()
        return [(r.state, r.attempts, _as_utc(r.due_at)) for r in rows]

    def failed_reminder_cases(self, team_id: int) -> set[int]:
        """Cases of the team whose last reminder could not be delivered."""
        with self.transaction() as conn:
            rows = conn.execute(
                select(reminders.c.case_id).where(
                    reminders.c.chat_id == team_id, reminders.c.state.in_(("failed", "blocked"))
                )
            ).all()
        return {r.case_id for r in rows}


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


def _save_track(
    conn: Connection, case_id: int, chat_id: int, track: CaseTrack, version: int | None = None
) -> bool:
    now = _utcnow()
    status = str(track.status)
    values: dict[str, Any] = {
        "status": status,
        "track": track_to_json(track),
        "updated_at": now,
        "version": _next_version(status),
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
        _log(conn, case_id, item.actor, item.what, item.detail or None, item.at)
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


def _next_version(status: str) -> ColumnElement[int]:
    """The case's version after its status becomes `status`: one more when that is a change
    (SET sees the row as it was). A reminder that leaves the status as it is leaves the
    buttons already shown valid."""
    return cases.c.version + case((cases.c.status == status, 0), else_=1)


def _for_user(table: Table, chat_id: int, user_id: int) -> ColumnElement[bool]:
    return and_(table.c.chat_id == chat_id, table.c.user_id == user_id)


def _upsert(
    conn: Connection,
    table: Table,
    values: Mapping[str, Any],
    keys: list[str],
    changes: Mapping[str, Any] | None = None,
) -> None:
    """Insert the row; if one with the same `keys` exists, apply `changes` to it (or leave
    it as it is). One statement, so two bot processes meeting the same new chat or member
    at the same moment can't both insert it."""
    insert_ = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement: Any = insert_(table).values(**values)
    if changes:
        statement = statement.on_conflict_do_update(index_elements=keys, set_=dict(changes))
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    conn.execute(statement)


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _log(
    conn: Connection,
    case_id: int,
    user_id: int,
    what: str,
    detail: str | None,
    now: datetime | None = None,
    *,
    person: int | None = None,
) -> None:
    _prepared(conn, "log").run(
        conn,
        case_id=case_id,
        at=driver_time(conn.dialect, now or _utcnow()),
        actor_user_id=user_id,
        what=what,
        detail=detail,
        person_user_id=person,
    )


def _save_charge(
    conn: Connection, answers: Mapping[str, Any], now: datetime, transaction_id: int | None
) -> int | None:
    """Keep a typed-in charge as a transaction of the account (updated when corrected)."""
    if answers.get("account_ref") is None or answers.get("charge_date") is None:
        return transaction_id
    values = {
        "account_id": answers["account_ref"],
        "happened_on": answers["charge_date"],
        "happened_at_time": answers.get("charge_time"),
        "amount": answers["amount"],
        "currency": answers["amount_currency"],
        "card_last4": answers.get("card_last4"),
        "invoice_number": answers.get("invoice_number"),
        "campaign_ids": answers.get("campaign_ids"),
    }
    if transaction_id is not None:
        conn.execute(
            update(transactions).where(transactions.c.id == transaction_id).values(**values)
        )
        return transaction_id
    if values["invoice_number"]:
        # A charge picked from the imported ones (or imported before it was typed) is that
        # row, not a second one: the list of charges shows each charge once.
        known = conn.execute(
            select(transactions.c.id)
            .where(
                transactions.c.account_id == values["account_id"],
                transactions.c.invoice_number == values["invoice_number"],
                transactions.c.amount == values["amount"],
            )
            .order_by(transactions.c.id)
            .limit(1)
        ).scalar()
        if known is not None:
            return int(known)
    result = conn.execute(insert(transactions).values(source="typed", created_at=now, **values))
    return _new_id(result)


def _account_fields(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "ref": row["id"],
        "advertiser_id": row["advertiser_id"],
        "account_name": row["name"],
        "billing": row["billing"],
        "in_bc": row["in_bc"],
        "bc_id": row["bc_id"],
        "currency": row["currency"],
        "account_status": row["status"],
        "paid_via": row["paid_via"],
        "region": row["region"],
    }


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
        created_at=_as_utc(row["created_at"]),
        sent_at=_as_utc(row["sent_at"]) if row["sent_at"] else None,
        reply_due_on=row["reply_due_on"],
        token=row["token"],
        track=row["track"],
        assignee_user_id=row["assignee_user_id"],
        card_message_id=row["card_message_id"],
        topic_id=row["topic_id"],
        version=row["version"],
    )


def _pickable(account_id: int, charges_only: bool) -> list[ColumnElement[bool]]:
    """The account's transactions; with `charges_only`, not the failed payments."""
    where: list[ColumnElement[bool]] = [transactions.c.account_id == account_id]
    if charges_only:
        where.append(or_(transactions.c.status.is_(None), transactions.c.status != FAILED))
    return where


def _stat_case(row: Any, steps: Iterable[stats_domain.Step]) -> stats_domain.CaseFacts:
    try:
        amount = Decimal(row.amount) if row.amount else None
    except InvalidOperation:
        amount = None  # not a number the bot wrote: unknown, not guessed
    return stats_domain.CaseFacts(
        id=row.id,
        reason=row.reason,
        status=row.status,
        created_at=_as_utc(row.created_at),
        sent_at=_as_utc(row.sent_at) if row.sent_at else None,
        amount=amount,
        currency=row.currency if amount is not None else None,
        assignee=row.assignee_user_id,
        steps=tuple(steps),
    )


def _transaction_values(account_id: int, row: ChargeRow, now: datetime) -> dict[str, Any]:
    """An imported row as the transactions table stores it."""
    return {
        "account_id": account_id,
        "happened_on": row.happened_at.date().isoformat(),
        "happened_at_time": row.happened_at.strftime("%H:%M"),
        "amount": str(row.amount),
        "currency": row.currency,
        "card_last4": row.card_last4,
        "invoice_number": row.document,
        "status": row.status,
        "campaign_ids": None,
        "source": "imported",
        "kind": row.kind,
        "payment_method": row.payment_method,
        "fingerprint": row.fingerprint,
        "created_at": now,
    }


_STATEMENTS = _statements()

"""The tables, as SQLAlchemy Core sees them (the migrations in bot/db/migrations make them;
tests/bot/test_migrations.py checks that both agree)."""

from __future__ import annotations

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
    false,
    true,
)

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
    # The intake's bookkeeping kept with the case (revision 0012): the language its message
    # to TikTok is written in (NULL: English), and whether /new offered saved accounts.
    # NULL in both on a case from before, which kept them in its answers.
    Column("message_language", String(16)),
    Column("saved_accounts_offered", Boolean),
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

# A reminder still to send: waiting for its time, or held by a sweep.
OPEN_REMINDER_STATES = ("pending", "claimed")

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

# What the next message (or button) of this user in this chat answers, beside their
# intake (revision 0011; it replaced `case_inputs` and `pending_imports`): one row per
# (chat, user) and kind, see bot/db/pending.py for why a kind and not one row in all.
#   kind "case":   a case sent already waits for its ticket number, more evidence or the
#                  refunded amount (`what`: ticket, evidence, refund) typed next;
#   kind "import": an uploaded export waits for an answer (which account, which column):
#                  `payload` holds the file's Telegram id (enough to read it again), its
#                  name, the account once known, the columns answered and the question.
pending_inputs = Table(
    "pending_inputs",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(16), primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE")),
    Column("what", String(16)),
    Column("payload", JSON),
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

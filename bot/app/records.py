"""The user's records: `/export` (a chat's cases as one zip) and `/forget` (delete what the
bot holds about one person).

`/export` sends one zip: `cases.csv`, one row a case for any spreadsheet, and a
`case-<id>.md` per case that a person can read on its own (the answers, the stored
verdict and its rulebook sources, the message, the timeline, the evidence list).
Nothing is recomputed: the verdict is the one stored with the case.

`/forget` asks first, then deletes in one transaction everything about the user: their
private chat's team and all under it, and their own rows in any team (answers in
progress, deep links, memberships, pending inputs, the files they added to a case). A
group's cases stay the group's, with their facts; timelines name people by user id, so
the name goes with the membership. On SQLite the deleted bytes leave the disk too
(secure_delete, then the WAL checkpointed and truncated).

Like the other services this knows nothing of Telegram: it reads and writes through the
Store's engine and returns `Reply`s.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Table, func, or_, select, update
from sqlalchemy.engine import Connection

from bot.app.followup import FollowUpService
from bot.app.stats import StatsService
from bot.db.store import (
    CaseEvent,
    CaseRecord,
    Store,
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
from bot.views import i18n, labels
from bot.views.formats import long_date, money, short_date
from bot.views.i18n import N_, Words, _, ngettext
from bot.views.policy_texts import PolicyTexts
from bot.views.rendering import Renderer, totals
from bot.views.replies import Button, ButtonResult, Document, Reply, Who
from conversations.answers import Charge
from conversations.cases import SYSTEM_ACTOR
from conversations.errors import NP_
from conversations.inputs import whole_number
from conversations.intake import REASONS_ABOUT_THE_BALANCE, Step
from conversations.policy import Policy, Situation
from conversations.regions import region_name

if TYPE_CHECKING:
    from bot.app.intake import RefundService

# The newest cases an export holds: 500 make a zip of about 450 kB (Telegram takes 50 MB),
# built in about 0.2 s on SQLite, short enough to do inside the update.
EXPORT_LIMIT = 500

FORGET_PREFIX = "m:forget:"

# cases.csv's column names in English (`_csv` writes them in the reader's language; the
# values stay machine-readable: ISO dates, plain decimal amounts, numeric ids).
CSV_HEADER = (
    # Translators: a column of cases.csv in /export: the case number.
    N_("id"),
    # Translators: a column of cases.csv in /export: the day the case was opened.
    N_("created"),
    N_("status"),
    N_("reason"),
    N_("account"),
    N_("amount"),
    N_("currency"),
    N_("charge date"),
    N_("verdict"),
    N_("policy version"),
    N_("ticket"),
    N_("sent at"),
    N_("reply due"),
    # Translators: a column of cases.csv in /export: the Telegram user id of the case's owner.
    N_("owner id"),
    # Translators: a column of cases.csv in /export: the Telegram user id of the assignee.
    N_("assignee id"),
)

# A spreadsheet runs a cell that starts with one of these as a formula ("CSV injection"):
# text the user typed (an account name, a ticket) gets a leading apostrophe instead.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Tables holding one person's own state, keyed by their user id (and the chat or team it
# is in). /forget deletes their rows here in every chat. `pending_imports` comes with the
# billing-export import; looked up by name so this module works with or without it.
PERSONAL_TABLES = ("intakes", "case_inputs", "links", "members", "pending_imports", "users")
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
# already handled (kept two days, see bot.db.store.handled_updates), and which month's
# summary each group was sent (groups only: a private chat gets none).
IMPERSONAL_TABLES = ("handled_updates", "monthly_summaries")
# What a confirmation is checked against: the things a person changes themselves (the
# reminder sweep adds reminders and timeline entries on its own, and must not make a
# confirmation stale).
_CONFIRMED_KINDS = frozenset(PERSONAL_TABLES + PRIVATE_TEAM_TABLES) - {"reminders", "case_events"}

# Each kind of row in words, singular and plural (English; `_phrases` shows them in the
# reader's language with ngettext), in the order the user is told.
FORGET_WORDS: dict[str, tuple[str, str]] = {
    "cases": NP_("%(num)s case", "%(num)s cases"),
    "case_events": NP_("%(num)s timeline entry", "%(num)s timeline entries"),
    "evidence": NP_("%(num)s evidence item", "%(num)s evidence items"),
    "reminders": NP_("%(num)s reminder", "%(num)s reminders"),
    "accounts": NP_("%(num)s ad account", "%(num)s ad accounts"),
    "transactions": NP_("%(num)s charge", "%(num)s charges"),
    "intakes": NP_("%(num)s saved place in my questions", "%(num)s saved places in my questions"),
    "pending_imports": NP_("%(num)s unfinished import", "%(num)s unfinished imports"),
    "import_flags": NP_(
        "%(num)s charge pattern an import pointed out",
        "%(num)s charge patterns imports pointed out",
    ),
    "case_inputs": NP_(
        "%(num)s pending ticket or evidence request", "%(num)s pending ticket or evidence requests"
    ),
    "links": NP_("%(num)s group invite link", "%(num)s group invite links"),
    "members": NP_(
        "%(num)s group membership (your name there)", "%(num)s group memberships (your name there)"
    ),
    # One row: the person's own settings (the signature of their messages).
    "users": (N_("your signature (name and contact)"), ""),
    # A private chat has one team row: "your chat settings", never counted.
    "teams": (N_("your chat settings (time zone, quiet hours)"), ""),
}

# How a file kept as evidence was sent (the kind stored with it).
EVIDENCE_KINDS = Words({"photo": N_("photo"), "document": N_("document"), "video": N_("video")})

NOT_YOURS = N_("This button belongs to someone else's question. Nothing was changed.")
ONLY_PRIVATE = N_("That works in your private chat with me. Nothing was changed.")


@dataclass(frozen=True)
class ExportFile:
    """A built export: the zip, how many cases it holds, and how many the chat has."""

    filename: str
    content: bytes
    count: int
    total: int


class RecordsService:
    """`/export` and `/forget`, as a user meets them in a chat."""

    def __init__(
        self,
        store: Store,
        renderer: Renderer,
        policy: Policy,
        clock: Callable[[], datetime],
        followup: FollowUpService,
        policy_texts: PolicyTexts | None = None,
    ) -> None:
        self.store = store
        self.renderer = renderer
        self.policy = policy
        self.clock = clock
        self.followup = followup
        self.policy_texts = policy_texts or PolicyTexts(policy)
        self._situations: dict[str, Situation] = {s.id: s for s in policy.situations}

    @classmethod
    def for_service(cls, service: RefundService) -> RecordsService:
        """The records service next to the bot's main service (cheap: holds no state)."""
        return cls(
            service.store,
            service.renderer,
            service.policy,
            service.clock,
            service.followup,
            service.policy_texts,
        )

    # --- /export --------------------------------------------------------------------

    def export(self, who: Who) -> list[Reply]:
        """The chat's cases (a group's: the team's; a private chat's: the user's) as one zip,
        with a short message saying what it holds; no cases, no file."""
        # The person's own signature goes with their private chat's records (a group's
        # export is the team's, not one member's settings).
        signature = None if who.in_group else self.store.signature(who.user_id) or None
        built = self.build_export(who.chat_id, signature=signature)
        text = self.renderer.chat_text(
            "export",
            count=built.count if built else 0,
            total=built.total if built else 0,
            is_group=who.in_group,
            signature=signature,
        )
        if built is None:
            return [Reply(text)]
        values = {"num": built.count, "day": short_date(self._today(who))}
        if who.in_group:
            caption = ngettext(
                "The team's %(num)s refund case, %(day)s.",
                "The team's %(num)s refund cases, %(day)s.",
                built.count,
            )
        else:
            caption = ngettext(
                "Your %(num)s refund case, %(day)s.",
                "Your %(num)s refund cases, %(day)s.",
                built.count,
            )
        caption = caption % values
        return [Reply(text, document=Document(built.filename, built.content, caption))]

    def build_export(self, team_id: int, signature: str | None = None) -> ExportFile | None:
        """The zip of the team's newest cases (up to EXPORT_LIMIT), or None when it has none;
        with the person's `signature` in signature.txt when given."""
        total = self.store.count_cases(team_id)
        if total == 0:
            return None
        # list_cases gives the newest first; the files read better oldest first.
        records = sorted(self.store.list_cases(team_id, limit=EXPORT_LIMIT), key=lambda c: c.id)
        ids = [c.id for c in records]
        with self.store.transaction() as conn:
            events = _events_by_case(conn, ids)
            items = _evidence_by_case(conn, ids)
        tz = self.followup.schedule(team_id).tz
        names = self.store.member_names(team_id)
        title = self.store.team_title(team_id)
        now = self.clock().astimezone(tz)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            _add(archive, "cases.csv", _csv(records, tz), now)
            # The figures of /stats (all time), from the same query.
            stats = StatsService(self.store, self.renderer, self.clock, self.followup)
            _add(archive, "stats.csv", stats.csv(team_id), now)
            if signature:
                _add(archive, "signature.txt", (signature + "\n").encode("utf-8"), now)
            for case in records:
                markdown = self._case_markdown(
                    case, events.get(case.id, []), items.get(case.id, []), tz, names, title, now
                )
                _add(archive, f"case-{case.id}.md", markdown.encode("utf-8"), now)
        return ExportFile(
            filename=f"refundbot-export-{now.date().isoformat()}.zip",
            content=buffer.getvalue(),
            count=len(records),
            total=total,
        )

    def _case_markdown(
        self,
        case: CaseRecord,
        events: list[CaseEvent],
        items: list[Mapping[str, Any]],
        tz: tzinfo,
        names: Mapping[int, tuple[str, str | None]],
        title: str | None,
        now: datetime,
    ) -> str:
        situation = self._situations.get(case.situation)
        rule = self._in_words(situation) if situation else None
        fence = _fence(case.message or "")
        context: dict[str, Any] = {
            "case": self.followup.case_view(case),
            "status": labels.STATUS_WORDS.get(case.status, case.status),
            "opened": case.created_at.astimezone(tz),
            "team": title,
            "exported": now,
            "tz": getattr(tz, "key", str(tz)),
            "owner": _person(case.owner_user_id, names),
            "assignee": _person(case.assignee_user_id, names) if case.assignee_user_id else None,
            "sent_at": case.sent_at.astimezone(tz) if case.sent_at else None,
            "facts": _facts(case.answers),
            "outcome": labels.OUTCOME_WORDS.get(case.outcome, case.outcome),
            # The rulebook entry the stored verdict came from, as the current policy has
            # it; `same_policy` says whether that is the version the verdict was made with.
            "rule": rule,
            "same_policy": case.policy_version == self.policy.version,
            "current_policy": self.policy.version,
            "sources": [(key, self.policy.sources.get(key, "")) for key in situation.sources]
            if situation
            else [],
            "message_body": _message_body(case),
            "fence": fence,
            "sent": case.sent_at is not None,
            "events": [
                {
                    "at": e.at.astimezone(tz),
                    "what": labels.EVENT_WORDS.get(e.what, e.what),
                    "detail": labels.event_detail(e.what, e.detail, e.person_user_id, names),
                    "by": _actor(e.actor_user_id, case, names),
                }
                for e in events
                if e.what not in labels.QUIET_EVENTS
            ],
            "evidence": [
                {
                    "kind": EVIDENCE_KINDS.get(item["kind"], item["kind"]),
                    "name": item["name"],
                    "caption": item["caption"],
                    "added_at": _utc(item["added_at"]).astimezone(tz),
                }
                for item in items
            ],
        }
        text = self.renderer.support.get_template("records/case.md.j2").render(**context)
        return _tidy(text, fence)

    def _in_words(self, situation: Situation) -> Situation:
        """The rulebook entry with its texts in the reader's language."""
        text = self.policy_texts.text
        return dataclasses.replace(
            situation,
            title=text(situation.title),
            reasons=tuple(text(line) for line in situation.reasons),
            instead=text(situation.instead) if situation.instead else situation.instead,
        )

    # --- /forget --------------------------------------------------------------------

    def forget(self, who: Who) -> list[Reply]:
        """Ask before deleting everything about the user (only in their private chat)."""
        if who.in_group:
            return [Reply(self.renderer.chat_text("forget_group"))]
        held = held_about(self.store, who.user_id)
        if not any(held.values()):
            return [Reply(self.renderer.chat_text("forget_done", deleted=[]))]
        return [self._confirmation(who, held, changed=False)]

    def forget_button(self, who: Who, data: str) -> ButtonResult:
        """Yes or No under the confirmation: only for the user who asked, only in their
        private chat, only for what they were shown (so a second press, or an old button
        pressed after new data arrived, deletes nothing unasked)."""
        parts = data.removeprefix(FORGET_PREFIX).split(":")
        asker = whole_number(parts[1], most_digits=18) if len(parts) >= 2 else None
        if asker is None or parts[0] not in ("yes", "no"):
            return ButtonResult(_("That button isn't one I know."), [])
        if who.in_group:
            return ButtonResult(_(ONLY_PRIVATE), [])
        if asker != who.user_id or who.chat_id != who.user_id:
            return ButtonResult(_(NOT_YOURS), [])
        if parts[0] == "no":
            return ButtonResult(None, [Reply(self.renderer.chat_text("forget_kept"))])
        held = held_about(self.store, who.user_id)
        if not any(held.values()):
            return ButtonResult(_("Already done: I hold nothing about you."), [])
        if len(parts) != 3 or parts[2] != _fingerprint(held):
            # Something was added or removed since the question: ask again with the new list.
            return ButtonResult(
                _("Something changed since you asked."),
                [self._confirmation(who, held, changed=True)],
            )
        deleted = forget_user(self.store, who.user_id)
        text = self.renderer.chat_text("forget_done", deleted=_phrases(deleted))
        return ButtonResult(_("Deleted."), [Reply(text)])

    def _confirmation(self, who: Who, held: Mapping[str, int], *, changed: bool) -> Reply:
        yes = f"{FORGET_PREFIX}yes:{who.user_id}:{_fingerprint(held)}"
        no = f"{FORGET_PREFIX}no:{who.user_id}"
        return Reply(
            self.renderer.chat_text("forget_confirm", held=_phrases(held), changed=changed),
            [[Button("🗑 " + _("Yes, delete everything"), yes), Button(_("No, keep it"), no)]],
        )

    def _today(self, who: Who) -> date:
        return self.clock().astimezone(self.followup.schedule(who.chat_id).tz).date()


# --- what /forget deletes ------------------------------------------------------------------


def forget_plan(user_id: int) -> list[tuple[str, Table, ColumnElement[bool]]]:
    """Every row /forget deletes, as (kind, table, which rows), children before parents, so
    it works whether or not the database enforces (or cascades) foreign keys."""
    own_cases = select(cases.c.id).where(cases.c.team_id == user_id)
    own_accounts = select(accounts.c.id).where(accounts.c.team_id == user_id)
    plan: list[tuple[str, Table, ColumnElement[bool]]] = []
    for name in PERSONAL_TABLES:
        table = metadata.tables.get(name)
        if table is None:
            continue
        columns = table.c
        mine: list[ColumnElement[bool]] = [columns.user_id == user_id]
        for key in ("chat_id", "team_id"):
            if key in columns:
                # Rows in the user's private chat, or belonging to their private team.
                mine.append(columns[key] == user_id)
        if "case_id" in columns:
            # Rows pointing at a case about to be deleted (they would dangle).
            mine.append(columns.case_id.in_(own_cases))
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


def held_about(store: Store, user_id: int) -> dict[str, int]:
    """How many rows of each kind /forget would delete now."""
    with store.transaction() as conn:
        return {
            kind: int(
                conn.execute(select(func.count()).select_from(table).where(where)).scalar_one()
            )
            for kind, table, where in forget_plan(user_id)
        }


def forget_user(store: Store, user_id: int) -> dict[str, int]:
    """Delete everything about the user in one transaction; return the count of each kind.

    Cases of a group stay the group's (their owner, assignee and timeline keep the user's
    id: a number the team needs to read its own history; the name shown for it was the
    membership's, which goes). What the user wrote into them goes: their files, and the
    file names their "evidence" timeline entries quoted. Once committed, the deleted
    rows' bytes are taken off the disk too (`Store.wipe_after_commit`).
    """
    own_accounts = select(accounts.c.id).where(accounts.c.team_id == user_id)
    own_charges = select(transactions.c.id).where(transactions.c.account_id.in_(own_accounts))
    deleted: dict[str, int] = {}
    with store.transaction() as conn:
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
    store.wipe_after_commit()
    return deleted


def _fingerprint(held: Mapping[str, int]) -> str:
    """A short digest of what the user was shown: a Yes deletes only that picture."""
    shown = ",".join(f"{kind}={held[kind]}" for kind in sorted(held) if kind in _CONFIRMED_KINDS)
    return hashlib.sha256(shown.encode()).hexdigest()[:10]


def _phrases(counts: Mapping[str, int]) -> list[str]:
    """`2 cases`, `1 ad account`…: the non-zero kinds in words, in FORGET_WORDS order."""
    out = []
    for kind, (one, many) in FORGET_WORDS.items():
        n = counts.get(kind, 0)
        if n:
            single = kind in ("teams", "users")  # one row each: never counted
            out.append(_(one) if single else ngettext(one, many, n) % {"num": n})
    # A kind added to the schema before it has words still gets counted.
    other = sum(n for kind, n in counts.items() if kind not in FORGET_WORDS)
    if other:
        out.append(
            ngettext("%(num)s other saved item", "%(num)s other saved items", other)
            % {"num": other}
        )
    return out


# --- export pieces -------------------------------------------------------------------------


def _events_by_case(conn: Connection, ids: Sequence[int]) -> dict[int, list[CaseEvent]]:
    """The timelines of many cases in one query (an export asks for up to 500)."""
    out: dict[int, list[CaseEvent]] = {}
    if not ids:
        return out
    rows = conn.execute(
        select(case_events)
        .where(case_events.c.case_id.in_(ids))
        .order_by(case_events.c.case_id, case_events.c.id)
    ).mappings()
    for r in rows:
        out.setdefault(r["case_id"], []).append(
            CaseEvent(
                _utc(r["at"]), r["actor_user_id"], r["what"], r["detail"], r["person_user_id"]
            )
        )
    return out


def _evidence_by_case(conn: Connection, ids: Sequence[int]) -> dict[int, list[Mapping[str, Any]]]:
    out: dict[int, list[Mapping[str, Any]]] = {}
    if not ids:
        return out
    rows = conn.execute(
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
    for r in rows:
        out.setdefault(r["case_id"], []).append(dict(r))
    return out


def _csv(records: Iterable[CaseRecord], tz: tzinfo) -> bytes:
    """cases.csv: one row a case, the header and the words (status, reason, verdict) in the
    reader's language; dates ISO, money as the exact decimal typed, ids as numbers."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([_(column) for column in CSV_HEADER])
    for case in records:
        a = case.answers
        writer.writerow(
            (
                case.id,
                case.created_at.astimezone(tz).date().isoformat(),
                labels.STATUS_WORDS.get(case.status, case.status),
                labels.REASONS.get(case.reason, case.reason),
                _cell(_account(a)),
                a.get("amount") or "",
                a.get("amount_currency") or "",
                a.get("charge_date") or "",
                labels.OUTCOME_WORDS.get(case.outcome, case.outcome),
                case.policy_version,
                _cell(case.ticket or ""),
                case.sent_at.astimezone(tz).isoformat(timespec="seconds") if case.sent_at else "",
                case.reply_due_on or "",
                case.owner_user_id,
                case.assignee_user_id or "",
            )
        )
    # With a byte-order mark, Excel reads the file as UTF-8 (names with accents, the "·").
    return text.getvalue().encode("utf-8-sig")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _account(a: Mapping[str, Any]) -> str:
    """`Northwind Apparel · 7289000011112221010`: the full ID (a spreadsheet is searched)."""
    advertiser_id = str(a.get("advertiser_id") or "")
    name = a.get("account_name")
    return f"{name} · {advertiser_id}" if name and advertiser_id else name or advertiser_id


def _add(archive: zipfile.ZipFile, name: str, content: bytes, now: datetime) -> None:
    info = zipfile.ZipInfo(name, date_time=now.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16  # a plain readable file once unpacked
    archive.writestr(info, content)


def _yes_no(step: Step) -> Callable[[Any], str]:
    choices = labels.CHOICES[step]
    return lambda value: choices["yes"] if value else choices["no"]


def _choice(step: Step) -> Callable[[Any], str]:
    return lambda value: labels.CHOICES[step].get(str(value), str(value))


def _when(day_key: str, time_key: str) -> Callable[[Mapping[str, Any]], str]:
    def shown(a: Mapping[str, Any]) -> str:
        at = a.get(time_key)
        return long_date(a[day_key]) + (f", {at}" if at else "")

    return shown


def _card(last4: Any) -> str:
    # Translators: the card's last four digits in the facts of an exported case file.
    return _("ending %(digits)s") % {"digits": last4}


# The answers as a reader of the case file sees them: (English label, answer key, how to
# show it, whether it is given the whole answers), in the order the intake asks. The label
# is translated when the file is built; the callable gets the whole answers when one value
# isn't enough (a date with its time, an amount with its currency).
_FACTS: tuple[tuple[str, str, Callable[[Any], str] | None, bool], ...] = (
    (
        labels.STEP_NAMES_ENGLISH[Step.ACCOUNT_BILLING],
        "billing",
        lambda v: labels.BILLING_WORDS.get(v, v),
        False,
    ),
    (labels.STEP_NAMES_ENGLISH[Step.ACCOUNT_BC], "in_bc", _yes_no(Step.ACCOUNT_BC), False),
    (labels.STEP_NAMES_ENGLISH[Step.ACCOUNT_BC_ID], "bc_id", None, False),
    (labels.STEP_NAMES_ENGLISH[Step.ACCOUNT_CURRENCY], "currency", None, False),
    (N_("Account status"), "account_status", _choice(Step.ACCOUNT_STATUS), False),
    (
        labels.STEP_NAMES_ENGLISH[Step.ACCOUNT_PAID_VIA],
        "paid_via",
        _choice(Step.ACCOUNT_PAID_VIA),
        False,
    ),
    (
        labels.STEP_NAMES_ENGLISH[Step.ACCOUNT_REGION],
        "region",
        lambda code: region_name(code, i18n.current()),
        False,
    ),
    (labels.STEP_NAMES_ENGLISH[Step.REASON], "reason", _choice(Step.REASON), False),
    (
        labels.STEP_NAMES_ENGLISH[Step.CHARGE_DATE],
        "charge_date",
        _when("charge_date", "charge_time"),
        True,
    ),
    (N_("Amount"), "amount", lambda a: money(a["amount"], a.get("amount_currency")), True),
    (labels.STEP_NAMES_ENGLISH[Step.CHARGE_CARD], "card_last4", _card, False),
    (labels.STEP_NAMES_ENGLISH[Step.CHARGE_INVOICE], "invoice_number", None, False),
    (labels.STEP_NAMES_ENGLISH[Step.CHARGE_CAMPAIGNS], "campaign_ids", ", ".join, False),
    (
        labels.STEP_NAMES_ENGLISH[Step.OTHER_CHARGE],
        "other_date",
        _when("other_date", "other_time"),
        True,
    ),
    (labels.STEP_NAMES_ENGLISH[Step.OTHER_INVOICE], "other_invoice", None, False),
    # A case started from an import's flag: every charge of it, and their total.
    (N_("Charges"), "charges", lambda c: _charges(c), False),
    (labels.STEP_NAMES_ENGLISH[Step.PAUSED_ON], "paused_on", long_date, False),
    (
        labels.STEP_NAMES_ENGLISH[Step.SPEND_AFTER_PAUSE],
        "spend_after_pause",
        _choice(Step.SPEND_AFTER_PAUSE),
        False,
    ),
    (labels.STEP_NAMES_ENGLISH[Step.WANT], "wants", _choice(Step.WANT), False),
    (labels.STEP_NAMES_ENGLISH[Step.APPEAL], "appeal", _choice(Step.APPEAL), False),
    (labels.STEP_NAMES_ENGLISH[Step.ADMIN], "is_admin", _yes_no(Step.ADMIN), False),
    (
        labels.STEP_NAMES_ENGLISH[Step.ADDED_BALANCE],
        "added_balance",
        _choice(Step.ADDED_BALANCE),
        False,
    ),
    (labels.STEP_NAMES_ENGLISH[Step.NOTICED], "noticed", long_date, False),
    # Free text last: it may run over several lines.
    (labels.STEP_NAMES_ENGLISH[Step.INVOICE_PROBLEM], "invoice_problem", None, False),
    (labels.STEP_NAMES_ENGLISH[Step.STORY], "story", None, False),
)


def _charges(charges: list[dict[str, Any]]) -> str:
    """One line per charge (`6 Nov 2026 09:10 · 40.00 USD · BDP1`), then the total."""
    lines = []
    for charge in charges:
        at = f" {charge['time']}" if charge.get("time") else ""
        document = f" · {charge['invoice']}" if charge.get("invoice") else ""
        shown = money(charge["amount"], charge["currency"])
        lines.append(f"{short_date(charge['date'])}{at} · {shown}{document}")
    typed = [Charge.of(charge) for charge in charges]
    lines.append(_("Total: %(amounts)s") % {"amounts": " + ".join(totals(typed))})
    return "\n".join(lines)


def _facts(a: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The case's answers in words; unanswered ones left out."""
    out: list[dict[str, Any]] = []
    if a.get("advertiser_id"):
        account = _account(a)
        out.append({"label": labels.STEP_NAMES[Step.ACCOUNT], "value": account, "lines": [account]})
    for label, key, show, whole in _FACTS:
        value = a.get(key)
        if value is None or value == "" or value == []:
            continue
        if key == "amount" and a.get("reason") in REASONS_ABOUT_THE_BALANCE:
            label = labels.STEP_NAMES[Step.BALANCE]  # the same answer key, asked differently
        else:
            label = _(label)
        text = show(a if whole else value) if show else str(value)
        # Free text may run over several lines: the case file quotes it as a block.
        out.append({"label": label, "value": text, "lines": text.splitlines()})
    return out


def _message_body(case: CaseRecord) -> str | None:
    """The message without its `Subject:` line (the case file shows the subject apart)."""
    if not case.message:
        return None
    first, _sep, rest = case.message.partition("\n")
    return rest.strip("\n") if first.startswith("Subject: ") else case.message.strip("\n")


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in `text`, so it can't close early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _person(user_id: int | None, names: Mapping[int, tuple[str, str | None]]) -> dict[str, Any]:
    first, username = names.get(user_id or 0, ("", None))
    return {"id": user_id, "name": first, "username": username}


def _actor(user_id: int, case: CaseRecord, names: Mapping[int, tuple[str, str | None]]) -> str:
    """Who did it, for a group's timeline (a private chat's is all the user's own)."""
    if user_id == SYSTEM_ACTOR:
        # Translators: who did it, in an exported case's timeline.
        return _("the bot")
    if user_id in names:
        return names[user_id][0]
    if user_id == case.owner_user_id and not names:
        return ""
    # Translators: someone the bot knows only by their Telegram user id.
    return _("user %(id)s") % {"id": user_id}


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _tidy(text: str, fence: str) -> str:
    """No runs of blank lines where optional sections were left out (but the message inside
    its fence stays exactly as sent); one final newline."""
    out: list[str] = []
    inside = False
    for line in text.strip("\n").splitlines():
        if line.startswith(fence):
            inside = not inside
        elif not inside:
            line = line.rstrip()
            if line == "" and out and out[-1] == "":
                continue
        out.append(line)
    return "\n".join(out) + "\n"

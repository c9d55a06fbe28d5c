"""Importing the Ads Manager transactions export: which account, which column, the
report, and the charges worth a look.

The transport downloads the file and runs the (pure, CPU-bound) parser off the event
loop; this module decides what to ask and what to store, and words the outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from bot.app.followup import SHOW_CASE_PREFIX
from bot.db.records import CaseRecord
from bot.db.store import Store
from bot.views.i18n import N_, Words, _
from bot.views.phrases import said
from bot.views.rendering import Renderer
from bot.views.replies import Button, Reply, Who, account_label
from conversations.anomalies import CHARGED_AFTER_PAUSE, DUPLICATE_CHARGE, Flag
from conversations.billing import (
    FAILED,
    FIELDS,
    REQUIRED_FIELDS,
    ChargeRow,
    ExportTitle,
    ImportReport,
)
from conversations.cases import CaseStatus
from conversations.inputs import whole_number
from conversations.policy import Policy

EXPORT_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")
PREFIX = "m:imp"
MAX_FLAGS_SHOWN = 5
MAX_FAILED_SHOWN = 5
# How long a chat's import claim holds without being renewed: an import renews it as it
# goes (every chunk of rows, every progress edit), so only a process that died stops
# renewing, and the chat can import again this long after.
CLAIM_LEASE = timedelta(minutes=3)
CHOICE_WORDS = Words(
    {
        "day_first": N_("Day first (03/11 = 3 Nov)"),
        "month_first": N_("Month first (03/11 = Mar 11)"),
    }
)


@dataclass
class ImportJob:
    """A file to read for an account, with the user's answers about its columns."""

    file_id: str
    filename: str
    account_id: int | None  # None: decided once the file's title lines are read
    currency: str
    mapping: dict[str, str] = field(default_factory=dict)
    # The user picked the account: what the file's title says doesn't change it.
    chosen: bool = False

    @property
    def account_ref(self) -> int:
        """The account, once decided (every step after `ImportService.decide`)."""
        if self.account_id is None:
            raise ValueError("the import's account isn't decided yet")
        return self.account_id


@dataclass(frozen=True)
class AccountFacts:
    """The account an export was imported into, as the checks of its charges need it."""

    account: dict[str, Any]
    today: date
    paused: dict[str, date]
    advertiser_id: str | None
    team_id: int = 0  # whose cases a flag may already have


@dataclass(frozen=True)
class ChargeKey:
    """What tells one charge from another across cases and imports: its document number,
    else its day, amount, currency and card."""

    account_ref: int | None
    document: str | None
    day: str | None  # ISO date
    amount: Decimal | None
    currency: str | None
    card: str | None

    def same(self, other: ChargeKey) -> bool:
        if self.account_ref != other.account_ref:
            return False
        if self.document and other.document:
            return self.document == other.document
        return (
            self.day is not None
            and self.amount is not None
            and bool(self.card)
            and (self.day, self.amount, self.currency, self.card)
            == (other.day, other.amount, other.currency, other.card)
        )


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def case_charges(answers: Mapping[str, Any]) -> list[ChargeKey]:
    """The charges a case is about: its charge, and the other one of a duplicate pair."""
    ref = answers.get("account_ref")
    account = int(ref) if isinstance(ref, int | str) and str(ref).isdigit() else None
    amount = _decimal(answers.get("amount"))
    currency = answers.get("amount_currency")
    card = answers.get("card_last4")
    keys = [
        ChargeKey(
            account,
            answers.get("invoice_number"),
            answers.get("charge_date"),
            amount,
            currency,
            card,
        )
    ]
    if answers.get("other_date") or answers.get("other_invoice"):
        keys.append(
            ChargeKey(
                account,
                answers.get("other_invoice"),
                answers.get("other_date"),
                amount,
                currency,
                card,
            )
        )
    # A case started from a flag of several charges (charges after a pause, a burst of
    # equal charges) is about every one of them.
    for charge in answers.get("charges") or []:
        if isinstance(charge, Mapping):
            keys.append(
                ChargeKey(
                    account,
                    charge.get("invoice"),
                    charge.get("date"),
                    _decimal(charge.get("amount")),
                    charge.get("currency"),
                    charge.get("card"),
                )
            )
    return keys


def stored_charge(account_id: int, row: ChargeRow) -> ChargeKey:
    """An imported row as `case_charges` sees a charge."""
    return ChargeKey(
        account_id,
        row.document,
        row.happened_at.date().isoformat(),
        row.amount,
        row.currency,
        row.card_last4,
    )


# A case that is still about its charge: anything but one cancelled before it was sent.
_FORGOTTEN = frozenset({CaseStatus.CANCELLED})


def cases_about(
    store: Store, team_id: int, charges: list[ChargeKey], *, besides: int | None = None
) -> list[CaseRecord]:
    """The team's open or sent cases about any of these charges (newest first)."""
    found = []
    for case in store.list_cases(team_id, limit=500):
        if case.id == besides or case.status in _FORGOTTEN:
            continue
        if any(k.same(c) for k in case_charges(case.answers) for c in charges):
            found.append(case)
    return found


def flag_reason(rule: str) -> str:
    """The reason code ("d", "p", "u": see service.FLAG_REASONS) a flag's case is about."""
    return {DUPLICATE_CHARGE: "d", CHARGED_AFTER_PAUSE: "p"}.get(rule, "u")


def short_id(account: Mapping[str, Any]) -> str:
    """`7289…1010`: an advertiser ID as a button shows it."""
    advertiser_id = str(account.get("advertiser_id") or "")
    return f"{advertiser_id[:4]}…{advertiser_id[-4:]}" if len(advertiser_id) > 8 else advertiser_id


def looks_like_export(filename: str | None) -> bool:
    return bool(filename) and PurePath(filename or "").suffix.casefold() in EXPORT_SUFFIXES


class ImportService:
    """/import and files sent to the bot that look like a billing export."""

    def __init__(
        self, store: Store, policy: Policy, renderer: Renderer, clock: Callable[[], datetime]
    ) -> None:
        self.store = store
        self.policy = policy
        self.renderer = renderer
        self.clock = clock

    # One import at a time per chat, across processes: a claim in the database.

    def claim(self, chat_id: int, holder: str) -> bool:
        """Claim the chat for an import; False while another one (in any process) holds it."""
        return self.store.claim_import(chat_id, holder, self._now(), CLAIM_LEASE)

    def renew(self, chat_id: int, holder: str) -> None:
        self.store.renew_import_claim(chat_id, holder, self._now(), CLAIM_LEASE)

    def release(self, chat_id: int, holder: str) -> None:
        self.store.release_import(chat_id, holder)

    def _now(self) -> datetime:
        now = self.clock()
        return now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)

    def explain(self, who: Who) -> list[Reply]:
        return [Reply(self.renderer.chat_text("import_help"))]

    def begin(self, who: Who, file_id: str, filename: str) -> ImportJob:
        """Start reading a file: for the team's one account, or (none or several saved)
        for the account its title lines name (`decide`, once it is downloaded)."""
        accounts = self.store.list_accounts(who.chat_id)
        if len(accounts) == 1:
            return self._job(file_id, filename, accounts[0], {})
        return ImportJob(file_id, filename, None, "")

    def decide(self, who: Who, job: ImportJob, title: ExportTitle) -> ImportJob | list[Reply]:
        """The account to import into, now that the file's title lines are read: the
        saved account the file names; else, for a file that names an account not saved
        here, an offer to save it; for a file that names none, the one saved account, or
        a question which (the file waits in `pending_imports` meanwhile, across a
        restart too). [] when no account is saved and the file names none: the caller
        asks for the account's details, and the import goes on once it is saved."""
        if job.chosen:
            return job
        accounts = self.store.list_accounts(who.chat_id)
        if title.advertiser_id:
            named = [a for a in accounts if a["advertiser_id"] == title.advertiser_id]
            if named:
                return self._job(job.file_id, job.filename, named[0], job.mapping)
            self._wait(who, job, {"kind": "account", **asdict(title)})
            found = {"advertiser_id": title.advertiser_id, "account_name": title.name}
            buttons = [
                [
                    Button(
                        "✅ " + _("Yes, save %(account)s") % {"account": short_id(found)},
                        f"{PREFIX}:new",
                    )
                ],
                [Button(_("Another account"), f"{PREFIX}:other")],
                [Button("✖️ " + _("Cancel"), f"{PREFIX}:x")],
            ]
            text = self.renderer.chat_text(
                "import_new_account",
                filename=job.filename,
                account=account_label(found),
                saved=[account_label(a) for a in accounts[:3]],
            )
            return [Reply(text, buttons)]
        if job.account_id is not None:
            return job
        if not accounts:
            self._wait(who, job, {"kind": "account"})
            return []
        self._wait(who, job, None)
        return [self.which_account(job.filename, accounts)]

    def which_account(self, filename: str, accounts: list[dict[str, Any]]) -> Reply:
        buttons = [[Button(account_label(a), f"{PREFIX}:acc:{a['ref']}")] for a in accounts[:10]]
        buttons.append([Button("➕ " + _("Add an account"), f"{PREFIX}:add")])
        buttons.append([Button("✖️ " + _("Cancel"), f"{PREFIX}:x")])
        return Reply(self.renderer.chat_text("import_which_account", filename=filename), buttons)

    def _wait(self, who: Who, job: ImportJob, question: dict[str, Any] | None) -> None:
        """Keep the file (its Telegram id) until the account is known."""
        self.store.save_pending_import(
            who.chat_id,
            who.user_id,
            file_id=job.file_id,
            filename=job.filename,
            account_id=None,
            mapping=job.mapping,
            question=question,
        )

    def found_account(self, who: Who) -> dict[str, Any] | None:
        """What the waiting import's file says about its account not saved yet (the
        answers the new-account questions start from), or None."""
        pending = self.store.pending_import(who.chat_id, who.user_id)
        question = pending["question"] if pending else None
        if not isinstance(question, dict) or question.get("kind") != "account":
            return None
        return {
            "advertiser_id": question.get("advertiser_id"),
            "account_name": question.get("name"),
            "currency": question.get("currency"),
        }

    def drop_waiting_for_account(self, who: Who) -> None:
        """The new-account questions were cancelled: the export that waited goes."""
        if self.found_account(who) is not None:
            self.store.clear_pending_import(who.chat_id, who.user_id)

    def account_saved(self, who: Who, account_ref: int) -> bool:
        """An account was just saved: when an import waits for one, it is for this
        account now (True: the caller goes on with it, see `resume`)."""
        pending = self.store.pending_import(who.chat_id, who.user_id)
        question = pending["question"] if pending else None
        if pending is None or not isinstance(question, dict) or question.get("kind") != "account":
            return False
        self.store.save_pending_import(
            who.chat_id,
            who.user_id,
            file_id=pending["file_id"],
            filename=pending["filename"],
            account_id=account_ref,
            mapping=dict(pending["mapping"]),
            question={"kind": "ready"},
        )
        return True

    def resume(self, who: Who) -> ImportJob | list[Reply]:
        """The waiting import whose account was just saved, to read now."""
        pending = self.store.pending_import(who.chat_id, who.user_id)
        question = pending["question"] if pending else None
        if pending is None or not isinstance(question, dict) or question.get("kind") != "ready":
            return []
        account = self.store.get_account(who.chat_id, int(pending["account_id"] or 0))
        if account is None:
            return [Reply(self.renderer.chat_text("import_expired"))]
        job = self._job(pending["file_id"], pending["filename"], account, dict(pending["mapping"]))
        job.chosen = True
        return job

    def on_button(self, who: Who, data: str) -> ImportJob | list[Reply]:
        """An answer about the waiting import: the account, or which column is which."""
        pending = self.store.pending_import(who.chat_id, who.user_id)
        parts = data.split(":")
        if pending is None or len(parts) < 3:
            return [Reply(self.renderer.chat_text("import_expired"))]
        if parts[2] == "x":
            self.store.clear_pending_import(who.chat_id, who.user_id)
            return [Reply(self.renderer.chat_text("import_cancelled"))]
        if parts[2] == "other":
            accounts = self.store.list_accounts(who.chat_id)
            return [self.which_account(pending["filename"], accounts)] if accounts else []
        mapping: dict[str, str] = dict(pending["mapping"])
        account_id = pending["account_id"]
        chosen = whole_number(parts[3]) if len(parts) == 4 else None
        if parts[2] == "acc" and chosen is not None:
            account_id = chosen
        elif parts[2] == "map" and len(parts) == 4 and isinstance(pending["question"], dict):
            question = pending["question"]
            candidates: list[str] = question.get("candidates") or []
            choice = parts[3]
            if "field" not in question:
                return [Reply(self.renderer.chat_text("import_expired"))]
            if choice == "-":
                mapping[question["field"]] = ""
            elif chosen is not None and chosen < len(candidates):
                mapping[question["field"]] = candidates[chosen]
            else:
                return [Reply(self.renderer.chat_text("import_expired"))]
        else:
            return [Reply(self.renderer.chat_text("import_expired"))]
        account = self.store.get_account(who.chat_id, account_id) if account_id else None
        if account is None:
            return [Reply(self.renderer.chat_text("import_expired"))]
        job = self._job(pending["file_id"], pending["filename"], account, mapping)
        job.chosen = True
        return job

    def _job(
        self, file_id: str, filename: str, account: dict[str, Any], mapping: dict[str, str]
    ) -> ImportJob:
        return ImportJob(file_id, filename, int(account["ref"]), str(account["currency"]), mapping)

    # An import after reading, in steps: the transport stores the rows a chunk at a time
    # and finds the charges worth a look off the event loop, between these calls.

    def question(self, who: Who, job: ImportJob, report: ImportReport) -> list[Reply]:
        """The question about a column the file needs answered, or [] when its rows can be
        stored (the waiting import is then done with)."""
        question = report.needs_mapping
        if question is None:
            self.store.clear_pending_import(who.chat_id, who.user_id)
            return []
        self.store.save_pending_import(
            who.chat_id,
            who.user_id,
            file_id=job.file_id,
            filename=job.filename,
            account_id=job.account_id,
            mapping=job.mapping,
            question={"field": question.field, "candidates": list(question.candidates)},
        )
        buttons = [
            [Button(said(CHOICE_WORDS.get(candidate, candidate))[:60], f"{PREFIX}:map:{i}")]
            for i, candidate in enumerate(question.candidates[:12])
        ]
        if question.field not in (*REQUIRED_FIELDS, "date_order"):
            buttons.append([Button(_("None of these"), f"{PREFIX}:map:-")])
        buttons.append([Button("✖️ " + _("Cancel"), f"{PREFIX}:x")])
        text = self.renderer.chat_text(
            "import_question",
            field=question.field,
            field_name=said(FIELDS.get(question.field, question.field)),
            sample=question.sample,
        )
        return [Reply(text, buttons)]

    def stored_fingerprints(self, job: ImportJob) -> set[str]:
        """The account's charges already stored, by fingerprint."""
        return self.store.transaction_fingerprints(job.account_ref)

    def store_chunk(self, job: ImportJob, rows: list[ChargeRow]) -> None:
        """Store new rows (not stored before) of the account, in one transaction."""
        self.store.add_transactions(job.account_ref, rows, self.clock())

    def account_facts(self, who: Who, job: ImportJob) -> AccountFacts:
        """What finding the charges worth a look needs to know about the account."""
        account = self.store.get_account(who.chat_id, job.account_ref) or {}
        return AccountFacts(
            account=account,
            today=self.clock().date(),
            paused=self._recorded_pauses(who.chat_id),
            advertiser_id=account.get("advertiser_id"),
            team_id=who.chat_id,
        )

    def report(
        self,
        job: ImportJob,
        report: ImportReport,
        facts: AccountFacts,
        added: int,
        already: int,
        flags: list[Flag],
    ) -> list[Reply]:
        """Say what happened: how many charges came in, what was skipped, what's worth a
        look."""
        summary = Reply(
            self.renderer.chat_text(
                "import_done",
                filename=job.filename,
                added=added,
                already=already,
                skipped=report.skipped[:5],
                skipped_count=len(report.skipped),
                # Failed payments are kept (a re-import stays "already here") but named, and
                # never offered as a charge to dispute: they took no money.
                failed=[row for row in report.rows if row.status == FAILED][:MAX_FAILED_SHOWN],
                failed_count=sum(1 for row in report.rows if row.status == FAILED),
                account=account_label(facts.account) if facts.account else "",
            )
        )
        return [summary, *self._flags(facts.team_id, job.account_ref, flags)]

    def _recorded_pauses(self, team_id: int) -> dict[str, date]:
        """Pause dates the team told the bot about ("Charged after I paused" cases), by
        advertiser ID: the earliest one counts."""
        paused: dict[str, date] = {}
        for case in self.store.list_cases(team_id, limit=500):
            answers = case.answers
            if answers.get("paused_on") and answers.get("advertiser_id"):
                day = date.fromisoformat(answers["paused_on"])
                key = str(answers["advertiser_id"])
                paused[key] = min(day, paused.get(key, day))
        return paused

    def _flags(self, team_id: int, account_id: int, flags: list[Flag]) -> list[Reply]:
        """Each charge worth a look, with its rule and rows, and a way to start a case — or,
        when a case is already about it (a re-import raises the same flag), that case."""
        shown = flags[:MAX_FLAGS_SHOWN]
        stored = self.store.transaction_ids(
            account_id, {r.fingerprint for flag in shown for r in flag.rows}
        )
        replies = []
        for flag in shown:
            ids = [stored[r.fingerprint] for r in flag.rows if r.fingerprint in stored]
            buttons = []
            existing = cases_about(
                self.store, team_id, [stored_charge(account_id, r) for r in flag.rows]
            )
            if existing:
                case = existing[-1]  # the first case about it
                text = self.renderer.chat_text("import_flag", flag=flag, case_id=case.id)
                label = _("Open case #%(id)s") % {"id": case.id}
                replies.append(Reply(text, [[Button(label, SHOW_CASE_PREFIX + str(case.token))]]))
                continue
            if ids:
                # Every charge of the flag and its pause date are kept with it: a button
                # has room for an id, not for the dozen charges a flag may group.
                flag_id = self.store.save_import_flag(
                    team_id,
                    account_id,
                    flag.rule,
                    ids,
                    flag.paused_on.isoformat() if flag.paused_on else None,
                )
                data = f"{PREFIX}:case:f:{flag_id}"
                buttons = [[Button(_("Start a case from this"), data)]]
            text = self.renderer.chat_text("import_flag", flag=flag, case_id=None)
            replies.append(Reply(text, buttons))
        return replies

    def refused(self, message: str) -> list[Reply]:
        return [Reply(self.renderer.chat_text("import_refused", message=message))]

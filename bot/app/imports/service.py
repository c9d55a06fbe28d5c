"""An import's steps as the transport calls them: the chat's claim, the questions before
the rows are stored (bot/app/imports/questions.py), the rows a chunk at a time, then the
report and the charges worth a look.

The transport downloads the file and runs the (pure, CPU-bound) parser off the event
loop; this module decides what to store and words the outcome (the screens are
bot/views/import_screens.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import PurePath
from typing import Any

from bot.app.imports.charges import cases_about, stored_charge
from bot.app.imports.questions import ImportJob, ImportQuestions
from bot.db.store import Store
from bot.views import import_screens
from bot.views.callbacks import Callback
from bot.views.rendering import Renderer
from bot.views.replies import Reply, Who
from conversations.anomalies import Flag
from conversations.billing import ChargeRow, ExportTitle, ImportReport
from conversations.policy import Policy

EXPORT_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")
MAX_FLAGS_SHOWN = 5
# How long a chat's import claim holds without being renewed: an import renews it as it
# goes (every chunk of rows, every progress edit), so only a process that died stops
# renewing, and the chat can import again this long after.
CLAIM_LEASE = timedelta(minutes=3)


@dataclass(frozen=True)
class AccountFacts:
    """The account an export was imported into, as the checks of its charges need it."""

    account: dict[str, Any]
    today: date
    paused: dict[str, date]
    advertiser_id: str | None
    team_id: int = 0  # whose cases a flag may already have


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
        self.questions = ImportQuestions(store, renderer)

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
        return [import_screens.help_screen(self.renderer)]

    # Before the rows: which account, which column (`ImportQuestions`, whose methods
    # these are; the transport and the intake reach them through this service).

    def begin(self, who: Who, file_id: str, filename: str) -> ImportJob:
        """See `ImportQuestions.begin`."""
        return self.questions.begin(who, file_id, filename)

    def decide(self, who: Who, job: ImportJob, title: ExportTitle) -> ImportJob | list[Reply]:
        """See `ImportQuestions.decide`."""
        return self.questions.decide(who, job, title)

    def found_account(self, who: Who) -> dict[str, Any] | None:
        """See `ImportQuestions.found_account`."""
        return self.questions.found_account(who)

    def drop_waiting_for_account(self, who: Who) -> None:
        """See `ImportQuestions.drop_waiting_for_account`."""
        self.questions.drop_waiting_for_account(who)

    def account_saved(self, who: Who, account_ref: int) -> bool:
        """See `ImportQuestions.account_saved`."""
        return self.questions.account_saved(who, account_ref)

    def resume(self, who: Who) -> ImportJob | list[Reply]:
        """See `ImportQuestions.resume`."""
        return self.questions.resume(who)

    def on_button(self, who: Who, button: Callback) -> ImportJob | list[Reply]:
        """See `ImportQuestions.on_button`."""
        return self.questions.on_button(who, button)

    def question(self, who: Who, job: ImportJob, report: ImportReport) -> list[Reply]:
        """See `ImportQuestions.question`."""
        return self.questions.question(who, job, report)

    # An import after reading, in steps: the transport stores the rows a chunk at a time
    # and finds the charges worth a look off the event loop, between these calls.

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
        summary = import_screens.done(
            self.renderer, job.filename, report, added, already, facts.account
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
            existing = cases_about(
                self.store, team_id, [stored_charge(account_id, r) for r in flag.rows]
            )
            if existing:
                case = existing[-1]  # the first case about it
                replies.append(
                    import_screens.flag_with_case(self.renderer, flag, case.id, str(case.token))
                )
                continue
            flag_id = None
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
            replies.append(import_screens.flag_to_start(self.renderer, flag, flag_id))
        return replies

    def refused(self, message: str) -> list[Reply]:
        return [import_screens.refused(self.renderer, message)]

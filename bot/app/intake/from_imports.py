"""Where an import meets the intake: a case started from an import's flag
(`m:imp:case:*`), and the account questions of an import that waits for its account."""

from __future__ import annotations

from typing import Any

from bot.app.imports import ImportJob, case_charges, cases_about, flag_reason
from bot.app.intake.accounts import Accounts
from bot.app.intake.common import (
    FLAG_REASONS,
    IntakeContext,
    charge_answers,
    listed_charge,
    new_row,
)
from bot.app.intake.questions import Questions
from bot.app.intake.review import already_a_case
from bot.views.callbacks import Callback
from bot.views.callbacks import Kind as ButtonKind
from bot.views.i18n import _
from bot.views.replies import ButtonResult, Reply, Who
from conversations.billing import ExportTitle
from conversations.facts import Reason
from conversations.inputs import whole_number
from conversations.intake import Step, attached


class ImportIntake:
    """Cases started from an import's flags, and accounts asked for an import."""

    def __init__(self, ctx: IntakeContext, questions: Questions, accounts: Accounts) -> None:
        self.ctx = ctx
        self.questions = questions
        self.accounts = accounts

    def start_from_charges(self, who: Who, pressed: Callback) -> ButtonResult:
        """ "Start a case from this" under an import's flag: the account, the reason and
        every charge of the flag filled in (and the pause date it was measured against);
        only what's missing is asked."""
        store = self.ctx.store
        # m:imp:case:f:<flag id>, or (buttons from before flags were kept)
        # m:imp:case:<reason>:<account>:<charge ids joined by ".">
        parts = pressed.parts if pressed.kind is ButtonKind.IMPORT else []
        paused_on: str | None = None
        if len(parts) == 2 and parts[0] == "f":
            flag_id = whole_number(parts[1])
            flag = store.import_flag(who.chat_id, flag_id) if flag_id is not None else None
            if flag is None:
                return ButtonResult(_("That charge isn't here any more."), [])
            reason = FLAG_REASONS.get(flag_reason(str(flag["rule"])))
            account_id: int | None = int(flag["account_id"])
            ids = [int(i) for i in flag["charge_ids"]]
            paused_on = flag["paused_on"]
        else:
            account_id = whole_number(parts[1]) if len(parts) == 3 else None
            if account_id is None:
                return ButtonResult(_("That button isn't one I know."), [])
            reason = FLAG_REASONS.get(parts[0])
            ids = [i for i in map(whole_number, parts[2].split(".")) if i is not None]
        account = store.get_account(who.chat_id, account_id) if account_id else None
        charges = store.transaction_rows(account["ref"], ids) if account else []
        if reason is None or account is None or not charges:
            return ButtonResult(_("That charge isn't here any more."), [])
        keys = [
            c
            for charge in charges
            for c in case_charges(charge_answers(charge) | {"account_ref": account["ref"]})
        ]
        earlier = cases_about(store, who.chat_id, keys)
        if earlier:  # a flag raised again by a re-import: its case is already there
            return ButtonResult(None, [already_a_case(earlier[-1])])
        return ButtonResult(None, self._case_of(who, reason, account, charges, paused_on))

    def _case_of(
        self,
        who: Who,
        reason: Reason,
        account: dict[str, Any],
        charges: list[dict[str, Any]],
        paused_on: str | None,
    ) -> list[Reply]:
        """A new intake about the flag's charges (the one in progress cancelled)."""
        replies: list[Reply] = []
        old = self.ctx.load_once(who)
        if old is not None and not old.intake.finished:
            replies += self.questions.cancel(old, who)
        row = new_row(who)
        with attached(row.intake):
            row.intake.choose(reason, self.ctx.today(who))
            values = charge_answers(charges[0])
            if len(charges) > 1:
                # Every charge of the flag, for the review, the message and the case.
                values["charges"] = [listed_charge(charge) for charge in charges]
            if reason == Reason.DUPLICATE and len(charges) > 1:
                values.update(charge_answers(charges[1], other=True))
            if reason == Reason.AFTER_PAUSE and paused_on:
                values["paused_on"] = paused_on  # changeable from "Change an answer"
            # The charges first, so that picking the account asks only the account facts
            # still missing (no currency: the charge has one) and passes over the rest.
            row.intake.prefill(values)
            row.intake.use_account(account)
            replies += self.questions.after_change(row, who, [], previous=Step.REASON)
        return replies

    def import_account(
        self, who: Who, job: ImportJob, title: ExportTitle
    ) -> ImportJob | list[Reply]:
        """The account a downloaded export goes into (see `ImportService.decide`); with no
        account saved and none named by the file, its questions, and the import goes on
        once it is saved."""
        decided = self.ctx.imports.decide(who, job, title)
        if isinstance(decided, ImportJob) or decided:
            return decided
        intro = self.ctx.reply("import_add_account", filename=job.filename)
        return [intro, *self._account_for_import(who, None)]

    def import_button(self, who: Who, pressed: Callback) -> ImportJob | list[Reply]:
        """A button of a waiting import: "Yes, save 7289…" and "Add an account" ask the
        new account's questions (from what the file says); the rest is the import's."""
        action = pressed.action
        imports = self.ctx.imports
        if action not in ("new", "add", "other"):
            return imports.on_button(who, pressed)
        store = self.ctx.store
        found = imports.found_account(who)
        pending = store.pending_import(who.chat_id, who.user_id)
        if pending is None:
            return [self.ctx.reply("import_expired")]
        if action == "other":
            answer = imports.on_button(who, pressed)
            if isinstance(answer, ImportJob) or answer:
                return answer  # the saved accounts to pick from
        if action != "new" or found is None:
            found = None
        # The file waits for the account; what the file said is kept for "Yes, save".
        question = {"kind": "account"}
        if found is not None:
            question |= {
                "advertiser_id": found["advertiser_id"],
                "name": found["account_name"],
                "currency": found["currency"],
            }
        store.save_pending_import(
            who.chat_id,
            who.user_id,
            file_id=pending["file_id"],
            filename=pending["filename"],
            account_id=None,
            mapping=dict(pending["mapping"]),
            question=question,
        )
        return self._account_for_import(who, found)

    def _account_for_import(self, who: Who, found: dict[str, Any] | None) -> list[Reply]:
        """The new-account questions for a waiting import, from what its file says (the
        advertiser ID, name and currency it names are not asked)."""
        known = {k: v for k, v in (found or {}).items() if v}
        return self.accounts.account_intake(who, None, known=known)

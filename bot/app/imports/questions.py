"""What an import asks before its rows can be stored: which account the file is for, and
which column is which. Meanwhile the file (its Telegram id) waits in `pending_inputs`,
across a restart too, with the answers given so far; the screens are
bot/views/import_screens.py.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bot.db.store import Store
from bot.views import import_screens
from bot.views.callbacks import Callback, Kind
from bot.views.rendering import Renderer
from bot.views.replies import Reply, Who
from conversations.billing import ExportTitle, ImportReport
from conversations.inputs import whole_number


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
        """The account, once decided (every step after `ImportQuestions.decide`)."""
        if self.account_id is None:
            raise ValueError("the import's account isn't decided yet")
        return self.account_id


class ImportQuestions:
    """The account and the columns of an import, asked and answered."""

    def __init__(self, store: Store, renderer: Renderer) -> None:
        self.store = store
        self.renderer = renderer

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
        a question which (the file waits in `pending_inputs` meanwhile, across a
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
            return [import_screens.new_account(self.renderer, job.filename, found, accounts)]
        if job.account_id is not None:
            return job
        if not accounts:
            self._wait(who, job, {"kind": "account"})
            return []
        self._wait(who, job, None)
        return [import_screens.which_account(self.renderer, job.filename, accounts)]

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
            return [import_screens.expired(self.renderer)]
        job = self._job(pending["file_id"], pending["filename"], account, dict(pending["mapping"]))
        job.chosen = True
        return job

    def on_button(self, who: Who, button: Callback) -> ImportJob | list[Reply]:
        """An answer about the waiting import: the account ("m:imp:acc:<ref>"), which
        column is which ("m:imp:map:<place>", "m:imp:map:-" for none), another account
        ("m:imp:other") or none ("m:imp:x")."""
        pending = self.store.pending_import(who.chat_id, who.user_id)
        if pending is None or button.kind is not Kind.IMPORT:
            return [import_screens.expired(self.renderer)]
        if button.action == "x":
            self.store.clear_pending_import(who.chat_id, who.user_id)
            return [import_screens.cancelled(self.renderer)]
        if button.action == "other":
            accounts = self.store.list_accounts(who.chat_id)
            if not accounts:
                return []
            return [import_screens.which_account(self.renderer, pending["filename"], accounts)]
        mapping: dict[str, str] = dict(pending["mapping"])
        account_id = pending["account_id"]
        # The value is one field: "m:imp:acc:1:2" is no button the bot made.
        choice = button.value if button.value and ":" not in button.value else None
        chosen = whole_number(choice) if choice is not None else None
        if button.action == "acc" and chosen is not None:
            account_id = chosen
        elif (
            button.action == "map" and choice is not None and isinstance(pending["question"], dict)
        ):
            question = pending["question"]
            candidates: list[str] = question.get("candidates") or []
            if "field" not in question:
                return [import_screens.expired(self.renderer)]
            if choice == "-":
                mapping[question["field"]] = ""
            elif chosen is not None and chosen < len(candidates):
                mapping[question["field"]] = candidates[chosen]
            else:
                return [import_screens.expired(self.renderer)]
        else:
            return [import_screens.expired(self.renderer)]
        account = self.store.get_account(who.chat_id, account_id) if account_id else None
        if account is None:
            return [import_screens.expired(self.renderer)]
        job = self._job(pending["file_id"], pending["filename"], account, mapping)
        job.chosen = True
        return job

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
        return [import_screens.column_question(self.renderer, question)]

    @staticmethod
    def _job(
        file_id: str, filename: str, account: dict[str, Any], mapping: dict[str, str]
    ) -> ImportJob:
        return ImportJob(file_id, filename, int(account["ref"]), str(account["currency"]), mapping)

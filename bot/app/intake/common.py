"""What the intake's use cases share: the services they work with (`IntakeContext`), the
intake row's loading and saving, and how an imported charge reads as answers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.app.cases.service import FollowUpService
from bot.app.imports import ImportService
from bot.db.records import IntakeRow, new_token
from bot.db.store import Store
from bot.views.formats import money
from bot.views.i18n import _
from bot.views.intake_screens import Asking
from bot.views.policy_texts import PolicyTexts
from bot.views.rendering import Renderer
from bot.views.replies import Reply, Who
from conversations.facts import ChargeStatus, Reason
from conversations.findings import NearbyCharge
from conversations.intake import Intake
from conversations.policy import Policy
from conversations.texts import N_

MAX_INPUT_CHARS = 4096
# The reason codes of an import's flags ("m:imp:case:<reason>:…" buttons, flag rules).
FLAG_REASONS = {"d": Reason.DUPLICATE, "u": Reason.UNRECOGNISED, "p": Reason.AFTER_PAUSE}


@dataclass
class IntakeContext:
    """The services every part of the intake works with, and what they all do with them."""

    store: Store
    policy: Policy
    renderer: Renderer
    clock: Callable[[], datetime]
    followup: FollowUpService
    imports: ImportService
    policy_texts: PolicyTexts

    def today(self, who: Who | None = None, team_id: int | None = None) -> date:
        """Today in the team's time zone (a group's case answered in private counts in the
        group's), else the chat's, else the default zone."""
        chat = team_id if team_id is not None else (who.chat_id if who else None)
        tz = (
            self.followup.schedule(chat).tz
            if chat is not None
            else ZoneInfo(self.followup.default_timezone)
        )
        return self.clock().astimezone(tz).date()

    def reply(self, name: str, /, **context: Any) -> Reply:
        """A screen without buttons: the template `chat/<name>` and its context."""
        return Reply(self.renderer.chat_text(name, **context))

    def load_once(self, who: Who) -> IntakeRow | None:
        """The intake row, marked with the update applied to it. (A redelivered update
        never gets here: the handler's transaction records every update's id, see
        `Store.run_update`.)"""
        row = self.store.load_intake(who.chat_id, who.user_id)
        update_id = who.known_update_id
        if row is not None and update_id:
            row.last_update = update_id
        return row

    def save(self, row: IntakeRow, who: Who) -> None:
        self.store.save_intake(who.chat_id, who.user_id, row)


def new_row(who: Who, team_id: int | None = None) -> IntakeRow:
    """A new intake, marked with the update that started it (so a redelivery of that
    update is recognised)."""
    return IntakeRow(
        intake=Intake(),
        token=new_token(),
        is_new=True,
        team_id=team_id,
        last_update=who.known_update_id,
    )


def bump(row: IntakeRow) -> None:
    """A new question: buttons of the previous one stop working."""
    row.seq += 1


def asking(row: IntakeRow) -> Asking:
    """What the row's buttons answer now (its token and step)."""
    return Asking(row.token, row.seq)


def team_of(row: IntakeRow, who: Who) -> int:
    """The team an intake's case belongs to: a group's, or the chat's own."""
    return row.team_id if row.team_id is not None else who.chat_id


# Translators: words a person may type instead of tapping a button (lower case, one word if
# you can): skip a question, go back, cancel the case, finish sending files.
TYPED_WORDS = (N_("skip"), N_("back"), N_("cancel"), N_("done"))


def typed(word: str) -> frozenset[str]:
    """A command word a person may type instead of tapping (skip, back, cancel, done): the
    English word always works, and so does its translation."""
    return frozenset({word, fold(_(word))})


def fold(text: str) -> str:
    return " ".join(text.casefold().replace("’", "'").split())


def imported_charge(row: Mapping[str, Any]) -> NearbyCharge:
    """A stored transaction as the duplicate check reads it."""
    at = time.fromisoformat(row["happened_at_time"]) if row.get("happened_at_time") else None
    return NearbyCharge(
        day=date.fromisoformat(row["happened_on"]) if row.get("happened_on") else None,
        at=at,
        amount=Decimal(str(row["amount"])),
        currency=str(row["currency"]),
        took_money=str(row.get("status") or "success") == ChargeStatus.SUCCESS
        and str(row.get("kind") or "") not in ("refund", "verification"),
    )


def charge_answers(charge: Mapping[str, Any], other: bool = False) -> dict[str, Any]:
    """An imported charge as the intake's answers (the other one of a duplicate pair)."""
    if other:
        return {
            "other_date": charge["happened_on"],
            "other_time": charge.get("happened_at_time"),
            "other_invoice": charge.get("invoice_number"),
        }
    return {
        "charge_date": charge["happened_on"],
        "charge_time": charge.get("happened_at_time"),
        "amount": charge["amount"],
        "amount_currency": charge["currency"],
        "amount_text": money(charge["amount"], charge["currency"]),
        "card_last4": charge.get("card_last4"),
        "invoice_number": charge.get("invoice_number"),
        "charge_status": charge.get("status"),
    }


def listed_charge(charge: Mapping[str, Any]) -> dict[str, Any]:
    """One of several imported charges a case is about, as kept in its answers."""
    return {
        "date": charge["happened_on"],
        "time": charge.get("happened_at_time"),
        "amount": charge["amount"],
        "currency": charge["currency"],
        "invoice": charge.get("invoice_number"),
        "card": charge.get("card_last4"),
    }

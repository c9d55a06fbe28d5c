"""The questions waiting for a user's next message or button beside their intake
(bot/db/pending.py): a case's ticket, evidence or refunded amount, and an export waiting
for its account or a column. One of each kind may wait at once, each answered in turn."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.db.store import Store
from bot.telegram.transport import InProcessBotApi
from tests.bot.test_imports import send_export, with_account
from tests.helpers import ChatDriver, saved_account, sent_case

App = Application[Any, Any, Any, Any, Any, Any]
CHAT = USER = 1001


def _wait_for_import(store: Store, question: dict[str, Any] | None) -> None:
    store.save_pending_import(
        CHAT,
        USER,
        file_id="BQAC-file",
        filename="billing.csv",
        account_id=None,
        mapping={"amount": "Amount (USD)"},
        question=question,
    )


def _case(store: Store) -> int:
    store.ensure_team(CHAT, "private", None)
    return store.save_draft_case(
        case_id=None,
        team_id=CHAT,
        owner_user_id=USER,
        answers={"reason": "duplicate"},
        outcome="needs_review",
        situation="duplicate_charge",
        policy_version="2026-11-26",
        subject=None,
        message=None,
    )


def test_a_case_question_and_a_waiting_import_are_kept_apart(store: Store) -> None:
    """Each kind is replaced only by a new one of its kind and cleared on its own; a case
    deleted takes its question with it, not the import's."""
    case_id = _case(store)
    store.set_case_input(CHAT, USER, case_id, "ticket")
    _wait_for_import(store, {"kind": "account"})
    assert store.case_input(CHAT, USER) == (case_id, "ticket")
    assert store.pending_import(CHAT, USER) == {
        "file_id": "BQAC-file",
        "filename": "billing.csv",
        "account_id": None,
        "mapping": {"amount": "Amount (USD)"},
        "question": {"kind": "account"},
    }
    store.set_case_input(CHAT, USER, case_id, "evidence")
    _wait_for_import(store, None)
    assert store.case_input(CHAT, USER) == (case_id, "evidence")
    waiting = store.pending_import(CHAT, USER)
    assert waiting is not None and waiting["question"] is None
    # Another user, or the same user in another chat, has questions of their own.
    assert store.case_input(CHAT, USER + 1) is None
    assert store.pending_import(CHAT + 1, USER) is None

    store.clear_case_input(CHAT, USER)
    assert store.case_input(CHAT, USER) is None
    assert store.pending_import(CHAT, USER) is not None
    store.set_case_input(CHAT, USER, case_id, "refund")
    store.clear_pending_import(CHAT, USER)
    assert store.pending_import(CHAT, USER) is None
    assert store.case_input(CHAT, USER) == (case_id, "refund")

    _wait_for_import(store, {"kind": "ready"})
    store.forget_user(USER)
    assert store.case_input(CHAT, USER) is None
    assert store.pending_import(CHAT, USER) is None


async def test_a_ticket_typed_while_an_export_waits_for_its_account(
    app: App, user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """An export waits for "which account?"; meanwhile a case's "Ticket number" takes the
    ticket typed; the account's button, pressed after, still reads the export."""
    await sent_case(user, ticket=None)
    await with_account(user)
    await saved_account(user, name="Acme", advertiser_id="7301234567890000042")
    await send_export(user, api, "billing_ambiguous_dates.csv")
    assert "Which ad account" in user.last_text()
    question = user.last_with_buttons()
    acme = next(data for label, data in question.buttons if "Acme" in label)

    await user.send("/case 1")
    await user.tap("Ticket number")
    await user.send("TT-777")
    case = store.get_case(user.chat_id, 1)
    assert case is not None and case.ticket == "TT-777"

    await user.press(acme, question.message_id or 1)
    assert "can be read two ways" in user.last_text()
    await user.tap("Day first")
    accounts = store.list_accounts(user.chat_id)
    ref = next(a["ref"] for a in accounts if a["account_name"] == "Acme")
    assert store.list_transactions(ref, month=None, offset=0, limit=10)[1] == 3


async def test_an_export_answered_while_a_ticket_is_asked(
    app: App, user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """With "Ticket number" asked, an export is still an import: its questions are
    answered with buttons, and the ticket typed after them is the case's."""
    await sent_case(user, ticket=None)
    await with_account(user)
    await saved_account(user, name="Acme", advertiser_id="7301234567890000042")
    await user.send("/case 1")
    await user.tap("Ticket number")
    await send_export(user, api, "billing_ambiguous_dates.csv")
    assert "Which ad account" in user.last_text()
    await user.tap("Acme")
    assert "can be read two ways" in user.last_text()
    question = user.last_with_buttons()
    day_first = next(data for label, data in question.buttons if "Day first" in label)
    await user.send("TT-778")
    case = store.get_case(user.chat_id, 1)
    assert case is not None and case.ticket == "TT-778"
    await user.press(day_first, question.message_id or 1)
    accounts = store.list_accounts(user.chat_id)
    ref = next(a["ref"] for a in accounts if a["account_name"] == "Acme")
    assert store.list_transactions(ref, month=None, offset=0, limit=10)[1] == 3

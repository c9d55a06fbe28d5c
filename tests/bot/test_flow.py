"""Issue 16 A: no dead ends in the flow, driven through the real Application as a user
would — drafts that stay drafts, buttons that fit the question, what is counted when,
and a reply whenever an update can't be applied."""

from __future__ import annotations

import itertools
from typing import Any

from telegram.ext import Application

from bot.app.reminders.sweep import ReminderSweep
from bot.db.store import Store
from tests.helpers import ChatDriver, Clock, add_account, no_sleep, plain, sent_case

App = Application[Any, Any, Any, Any, Any, Any]


async def drafted_case(user: ChatDriver) -> None:
    """A duplicate charge taken to its verdict and message, not sent."""
    await user.send("/new")
    if "Start over" in " ".join(user.button_labels()):
        await user.tap("Start over")
    await user.tap("charged twice")
    await add_account(user)
    await user.send("9 Nov 10:02")
    await user.send("189.90 USD")
    await user.send("1881")
    await user.send("BDUS2026550101")
    await user.tap("Skip")
    await user.send("9 Nov 10:08")
    await user.tap("Skip")
    await user.tap("My money back")
    await user.tap("Today")
    await user.tap("Skip")
    assert "I've sent it" in " ".join(user.button_labels())


# --- A.1: a drafted case stays a draft ---------------------------------------------------


async def test_new_after_a_draft_keeps_the_draft_and_case_n_can_send_it(
    app: App, user: ChatDriver, store: Store
) -> None:
    """/new at the verdict starts a new case at once (no "in progress"); the draft stays
    drafted, /cases lists it, and /case N opens it again or marks it sent."""
    await drafted_case(user)
    await user.send("/new")
    assert "in progress" not in user.last_text()
    assert "Pick the one closest to what happened" in user.last_text()
    assert store.load_track(1).status == "drafted"

    await user.send("/cases")
    assert "#1" in user.all_text().rsplit("/cases", 1)[-1] or "#1" in user.last_text()
    await user.send("/case 1")
    labels = " ".join(user.button_labels())
    assert "Open the draft" in labels and "I've sent it" in labels

    await user.tap("Open the draft")
    assert "Subject: " in user.all_text().rsplit("Case #1", 1)[-1]
    assert {"Write again", "Change an answer", "I've sent it"} <= {
        label.split(" ", 1)[1] for label in user.button_labels()
    }
    await user.send("/case 1")
    await user.tap("I've sent it")
    assert "Noted as sent" in user.last_text() and "ticket" in user.last_text()
    await user.send("TT-4242")
    assert "Ticket TT-4242 saved" in user.last_text()
    assert store.load_track(1).status == "awaiting_reply"
    case = store.get_case(user.chat_id, 1)
    assert case is not None and case.ticket == "TT-4242"


async def test_start_over_while_changing_an_answer_keeps_the_draft(
    app: App, user: ChatDriver, store: Store
) -> None:
    """Changing an answer of a drafted case is "in progress"; Start over ends the change,
    not the case."""
    await drafted_case(user)
    await user.tap("Change an answer")
    await user.tap("Amount")
    await user.send("/new")
    assert "in progress" in user.last_text()
    await user.tap("Start over")
    assert store.load_track(1).status == "drafted"
    await user.send("/case 1")
    assert "Open the draft" in " ".join(user.button_labels())


async def test_a_not_refundable_case_is_not_in_progress(app: App, user: ChatDriver) -> None:
    """A case whose verdict is "not refundable" doesn't hold up the next /new."""
    await user.send("/new")
    await user.tap("unhappy with the results")
    await add_account(user)
    assert "Close the case" in " ".join(user.button_labels())
    await user.send("/new")
    assert "in progress" not in user.last_text()
    assert "Pick the one closest to what happened" in user.last_text()


async def test_another_cases_ticket_button_works_while_a_draft_is_open(
    app: App, user: ChatDriver, store: Store
) -> None:
    """With a draft at its verdict, a sent case's "Ticket number" takes the ticket."""
    await sent_case(user, ticket=None)
    await drafted_case(user)
    await user.send("/case 1")
    await user.tap("Ticket number")
    assert "ticket number for case #1" in user.last_text()
    await user.send("TT-777")
    case = store.get_case(user.chat_id, 1)
    assert case is not None and case.ticket == "TT-777"
    # The draft is still there, at its verdict.
    assert store.load_track(2).status == "drafted"


# --- A.7: "Change an answer" offers this case's questions only ---------------------------


async def test_change_an_answer_offers_only_this_cases_questions(
    app: App, user: ChatDriver
) -> None:
    """A balance case offers "Balance left", not "Amount"; a charge case offers "Amount",
    not "Balance left" (both keep the sum under one key)."""
    await user.send("/new")
    await user.tap("unused balance back")
    await add_account(user, billing="Manual payment")
    await user.send("420 USD")
    await user.tap("Yes")
    await user.tap("Skip")
    await user.tap("Change an answer")
    balance_fields = [label for label in user.button_labels()]
    assert "Balance left" in balance_fields and "Amount" not in balance_fields

    await drafted_case(user)
    await user.tap("Change an answer")
    charge_fields = user.button_labels()
    assert "Amount" in charge_fields and "Balance left" not in charge_fields
    assert "The other charge" in charge_fields and "Pause date" not in charge_fields


# --- A.8: after sending -------------------------------------------------------------------


async def test_a_follow_up_counts_when_the_user_says_it_was_sent(
    app: App, user: ChatDriver, clock: Clock, store: Store
) -> None:
    """ "Send a follow-up" shows the follow-up with an "I've sent it" under it; only that
    button counts it (the case's timeline and count follow)."""
    await sent_case(user)
    clock.advance(days=8)
    sweep: ReminderSweep = app.bot_data.sweep
    sweep.sleep = no_sleep
    await sweep.run_once()
    await user.tap("Send a follow-up")
    assert "Follow-up #1 for case #1" in user.last_text()
    assert store.load_track(1).followups == 0
    assert store.load_track(1).status == "overdue"
    await user.tap("I've sent it")
    assert "Follow-up noted" in user.last_text()
    track = store.load_track(1)
    assert track.followups == 1 and track.status == "followed_up"


async def test_partly_refunded_asks_how_much_and_keeps_it(
    app: App, user: ChatDriver, store: Store
) -> None:
    """ "Partly refunded" asks how much came back (amount with currency, or the case's);
    a bad answer is asked again; the amount is kept on the case and in its timeline."""
    await sent_case(user)
    await user.send("/case 1")
    await user.tap("They replied")
    await user.tap("Partly refunded")
    assert "How much came back for case #1" in user.all_text()
    await user.send("about a hundred")
    assert "⚠️" in user.last_text()
    await user.send("120.50")
    assert "Noted: 120.50 USD refunded on case #1" in user.all_text()
    case = store.get_case(user.chat_id, 1)
    assert case is not None
    assert case.answers["refunded_amount"] == {"amount": "120.50", "currency": "USD"}
    await user.send("/case 1")
    assert "Amount refunded — 120.50 USD" in user.last_text()


async def test_cancel_at_the_ticket_question_keeps_the_reminder_line(
    app: App, user: ChatDriver
) -> None:
    """Sent, then Cancel at "ticket number?": the case is followed, and the reply still
    says when the reminder comes."""
    await drafted_case(user)
    await user.tap("I've sent it")
    await user.tap("Cancel")
    text = user.last_text()
    assert "This is case #1" in text
    assert "I'll remind you" in text and "Thu 3 Dec" in text


# --- A.13: an update is answered, unless it is the same update delivered again -----------


async def test_a_new_update_under_an_id_seen_before_is_answered(app: App, user: ChatDriver) -> None:
    """Telegram numbers updates at random after a week of quiet, and the terminal chat
    numbers them from a clock that may move back: a different update under a recorded id
    gets its reply. The same update delivered again still changes and sends nothing."""
    first = user.updates.text("/help")
    assert any(c.method == "sendMessage" for c in await user.deliver(first))
    assert not [c for c in await user.deliver(first) if c.method == "sendMessage"]

    user.updates._update_ids = itertools.count(first.update_id)  # the id comes back
    replies = [c for c in await user.send("/new") if c.method == "sendMessage"]
    assert replies and "Pick the one closest" in plain(replies[-1].text)

    user.updates._update_ids = itertools.count(first.update_id + 1)
    await user.send("7289000011112221010")
    # (A button's query id is taken from the same counter, just before the update's.)
    user.updates._update_ids = itertools.count(first.update_id - 1)
    cancel = user.updates.button(user.last_with_buttons().buttons[-1][1])
    assert cancel.update_id == first.update_id
    replies = [c for c in await user.deliver(cancel) if c.method == "sendMessage"]
    assert replies and "I've stopped" in plain(replies[-1].text), "a button press too"


async def test_the_ticket_after_sending_a_draft_is_that_drafts(
    app: App, user: ChatDriver, store: Store
) -> None:
    """Another case's "Ticket number" pressed and left unanswered while a draft is open:
    the ticket typed after "I've sent it" on the draft goes to the draft's case."""
    await sent_case(user, ticket=None)
    await drafted_case(user)
    await user.send("/case 1")
    await user.tap("Ticket number")
    await user.send("/case 2")
    await user.tap("I've sent it")
    await user.send("TT-2222")
    case_1, case_2 = store.get_case(user.chat_id, 1), store.get_case(user.chat_id, 2)
    assert case_1 is not None and case_2 is not None
    assert case_1.ticket is None and case_2.ticket == "TT-2222"


async def test_a_new_intake_ends_another_cases_add_evidence(
    app: App, user: ChatDriver, store: Store
) -> None:
    """ "Add evidence" on a case, then /new: a file sent at the new case's verdict is the
    new case's, not the earlier one's."""
    await sent_case(user)
    await user.send("/case 1")
    await user.tap("Add evidence")
    await drafted_case(user)
    await user.send_photo("screenshot-for-the-draft")
    assert "Added to case #1" not in user.last_text()
    assert store.case_input(user.chat_id, user.user_id) is None

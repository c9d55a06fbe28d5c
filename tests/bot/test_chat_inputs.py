"""Input as people type it, through the real Application: every bad answer gets a clear
reply, the question again, and nothing already answered is lost."""
# Over 400 lines: one behaviour's cases side by side (each step's bad answers).

from __future__ import annotations

import pytest

from bot.db.store import Store
from tests.helpers import ADVERTISER_ID, ChatDriver, add_account, plain


async def _at_amount(user: ChatDriver) -> None:
    await user.send("/new")
    await user.tap("charged twice")
    await add_account(user)
    await user.send("9 Nov 10:02")
    assert "How much" in user.last_text()


async def _to_the_evidence(user: ChatDriver) -> None:
    """From the card question to step 5, the evidence checklist."""
    await user.tap("Skip")  # card
    await user.tap("Skip")  # document number
    await user.tap("Skip")  # campaign IDs
    await user.send("9 Nov 10:08")
    await user.tap("Skip")  # other document number
    await user.tap("My money back")
    await user.tap("Today")


async def _finish_duplicate(user: ChatDriver) -> str:
    """From the card question to the message; returns the message as the user reads it."""
    await _to_the_evidence(user)
    replies = await user.tap("Skip")  # evidence
    return plain(replies[-1].text)


@pytest.mark.parametrize(
    ("typed", "expected_error"),
    [
        ("0", "more than zero"),
        ("-5", "minus"),
        ("1e9", "digits"),
        ("abc", "number"),
        ("   ", ""),
        ("12.3456 USD", ""),
        ("999999999999 USD", ""),
    ],
)
async def test_bad_amounts_are_refused_and_the_question_stays(
    user: ChatDriver, typed: str, expected_error: str
) -> None:
    """A bad amount gets a warning and the amount question again; the date is kept."""
    await _at_amount(user)
    await user.send(typed)
    text = user.last_text()
    assert text.startswith("⚠️")
    assert expected_error.casefold() in text.casefold()
    assert "How much" in text
    await user.send("189.90 USD")
    assert "last 4 digits" in user.last_text()
    message = await _finish_duplicate(user)
    assert "9 November 2026, 10:02" in message


@pytest.mark.parametrize(
    ("typed", "in_message"),
    [
        ("$120", "120.00 USD"),
        ("120 USD", "120.00 USD"),
        ("1.234,56 €", "1,234.56 EUR"),
        ("1,234.56", "1,234.56 USD"),
        ("R$ 1.234,56", "1,234.56 BRL"),
    ],
)
async def test_amounts_as_people_type_them(user: ChatDriver, typed: str, in_message: str) -> None:
    """Amounts in the usual local forms are understood; the chat and the message to TikTok
    write them unambiguously, with the currency's code (issue 16 A.11: not as typed)."""
    await _at_amount(user)
    await user.send(typed)
    await user.tap("Skip")
    await user.tap("Skip")
    await user.tap("Skip")
    await user.send("9 Nov 10:08")
    await user.tap("Skip")
    await user.tap("My money back")
    await user.tap("Today")
    replies = await user.tap("Skip")
    verdict, message = (plain(r.text) for r in replies if r.method == "sendMessage")
    assert in_message in verdict
    assert in_message in message


async def test_ambiguous_date_asks_which_was_meant(user: ChatDriver) -> None:
    """03/11/2026 offers 3 Nov and 11 Mar as buttons; the pick is what the message uses."""
    await user.send("/new")
    await user.tap("charged twice")
    await add_account(user)
    await user.send("03/11/2026")
    assert "Which date did you mean?" in user.last_text()
    labels = user.button_labels()
    assert "3 Nov 2026" in labels and "11 Mar 2026" in labels
    await user.tap("11 Mar 2026", exact=True)
    assert "How much" in user.last_text()
    await user.send("189.90 USD")
    message = await _finish_duplicate(user)
    assert "Duplicate charge of 189.90 USD on 11 March 2026" in message


@pytest.mark.parametrize(
    ("typed", "day"),
    [("last Monday 10:02", "23 November 2026"), ("3 days ago", "23 November 2026")],
)
async def test_a_weekday_or_days_ago_is_the_charge_date(
    user: ChatDriver, typed: str, day: str
) -> None:
    """ "last Monday" (today is Thursday 26 Nov) and "3 days ago" are read as the day they
    mean, and the message names that day."""
    await user.send("/new")
    await user.tap("charged twice")
    await add_account(user)
    await user.send(typed)
    assert "How much" in user.last_text()
    await user.send("189.90 USD")
    message = await _finish_duplicate(user)
    assert f"Duplicate charge of 189.90 USD on {day}" in message


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-12-24", "future"),
        ("1 Jan 2020", "3 years"),
        ("31 Feb 2026", ""),
        ("next tuesday-ish", "couldn't read"),
    ],
)
async def test_bad_dates_are_refused(user: ChatDriver, typed: str, expected: str) -> None:
    """Future, very old, impossible and unreadable dates are refused with a reason."""
    await user.send("/new")
    await user.tap("charged twice")
    await add_account(user)
    await user.send(typed)
    text = user.last_text()
    assert text.startswith("⚠️") and expected.casefold() in text.casefold()
    assert "When was the charge?" in text


@pytest.mark.parametrize("typed", ["abc123", "123", "72890000111122210101234"])
async def test_bad_advertiser_ids_are_refused(user: ChatDriver, typed: str) -> None:
    """An advertiser ID with letters or the wrong length is refused, with where to find it."""
    await user.send("/new")
    await user.tap("charged twice")
    await user.send(typed)
    text = user.last_text()
    assert text.startswith("⚠️")
    assert "advertiser ID" in text


async def test_advertiser_id_with_spaces_is_accepted(user: ChatDriver) -> None:
    """Spaces inside a pasted advertiser ID are ignored."""
    await user.send("/new")
    await user.tap("charged twice")
    await user.send("7289 0000 1111 2221 010")
    assert "Who do you pay for ads" in user.last_text()


async def test_a_sticker_gets_a_word_and_the_question_again(user: ChatDriver, store: Store) -> None:
    """A sticker (or a voice note, a location…) is not an answer: the bot says what it can
    read and asks the same question; nothing changes."""
    await user.send("/help")
    await user.app.process_update(user.updates.sticker())
    assert "can't read that kind of message" in user.last_text()
    assert "To look at a charge, send /new" in user.last_text()
    await _at_amount(user)
    before = store.load_intake(user.chat_id, user.user_id)
    await user.app.process_update(user.updates.sticker())
    text = user.last_text()
    assert text.startswith("⚠️") and "can't read that kind of message" in text
    assert "How much" in text
    after = store.load_intake(user.chat_id, user.user_id)
    assert before is not None and after is not None
    assert (after.intake.state, after.intake.answers, after.seq) == (
        before.intake.state,
        before.intake.answers,
        before.seq,
    )
    await user.send("189.90 USD")
    assert "Which card" in user.last_text()


async def test_overlong_text_is_refused_politely(user: ChatDriver) -> None:
    """More than 4,096 characters gets a friendly refusal and the same question."""
    await user.send("/new")
    await user.tap("charged twice")
    await user.send("7" * 5000)
    text = user.last_text()
    assert "too long" in text and "advertiser ID" in text


async def test_user_text_is_data_never_markup_or_template(user: ChatDriver, store: Store) -> None:
    """HTML, template syntax and a full card number in a story are shown literally, the card
    masked to its last 4 digits before it is stored or shown."""
    await user.send("/new")
    await user.tap("Something else")
    await add_account(user)
    await user.send("9 Nov")
    await user.send("50 USD")
    for _ in range(3):
        await user.tap("Skip")
    story = "<b>bold</b> & {{ 7*7 }} paid with 4111 1111 1111 1111 ‏שלום 🙂"
    await user.send(story)
    row = store.load_intake(user.chat_id, 1001)
    assert row is not None
    stored = row.intake.answers["story"]
    assert "4111 1111 1111 1111" not in stored and "•••• 1111" in stored
    await user.tap("My money back")
    await user.tap("Today")
    replies = await user.tap("Skip")
    raw = replies[-1].text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; {{ 7*7 }}" in raw
    message = plain(raw)
    assert "<b>bold</b> & {{ 7*7 }} paid with •••• 1111" in message
    assert "49" not in message
    assert "🙂" in message


async def test_button_from_an_earlier_step_has_expired(user: ChatDriver) -> None:
    """An old button says "from an earlier step", re-asks the question, changes nothing."""
    await user.send("/new")
    await user.tap("unused balance")
    await user.send(ADVERTISER_ID)
    await user.tap("TikTok directly")
    await user.tap("Active", exact=True)
    billing_message = user.last_with_buttons()
    await user.tap("Manual payment")
    manual = next(data for label, data in billing_message.buttons if "Monthly" in label)
    replies = await user.press(manual)
    assert any("earlier step" in t for t in user.toasts())
    assert "Business Center" in plain(replies[-1].text)


async def test_forged_button_is_refused(user: ChatDriver) -> None:
    """A callback that was never offered (wrong token) changes nothing."""
    await user.send("/new")
    await user.press("i:forged:1:c:duplicate")
    assert any("earlier step" in t for t in user.toasts())
    assert "Pick the one closest" in user.last_text()


async def test_back_returns_to_the_previous_question_keeping_answers(
    user: ChatDriver, store: Store
) -> None:
    """Back goes one question back; the earlier answers stay stored."""
    await _at_amount(user)
    await user.tap("Back")
    assert "When was the charge?" in user.last_text()
    row = store.load_intake(user.chat_id, 1001)
    assert row is not None and row.intake.answers["charge_date"] == "2026-11-09"
    assert row.intake.answers["advertiser_id"] == ADVERTISER_ID
    await user.send("10 Nov")
    assert "How much" in user.last_text()


async def test_change_an_answer_from_review_keeps_the_rest(user: ChatDriver) -> None:
    """From the review, changing the amount asks only for the amount, then shows the new
    message with every other answer kept."""
    await _at_amount(user)
    await user.send("189.90 USD")
    await user.send("1881")
    await user.tap("Skip")
    await user.tap("Skip")
    await user.send("9 Nov 10:08")
    await user.tap("Skip")
    await user.tap("My money back")
    await user.tap("Today")
    await user.tap("Skip")
    await user.tap("Change an answer")
    await user.tap("Amount", exact=True)
    assert "How much" in user.last_text()
    replies = await user.send("199.00 USD")
    message = plain(replies[-1].text)
    assert "Duplicate charge of 199.00 USD" in message
    assert "ending 1881" in message and "10:08" in message


async def test_changing_the_reason_asks_only_what_the_new_reason_needs(user: ChatDriver) -> None:
    """Switching from "charged twice" to "charged after I paused" asks the pause questions,
    then returns to the review."""
    await _at_amount(user)
    await user.send("189.90 USD")
    await _finish_duplicate(user)
    await user.tap("Change an answer")
    await user.tap("What went wrong")
    await user.tap("Charged after I paused")
    assert "pause" in user.last_text()
    await user.send("5 Nov")
    replies = await user.tap("Yes, I can show it")
    verdict, message = (plain(r.text) for r in replies if r.method == "sendMessage")
    assert "Track your billing threshold and bill date" in verdict
    assert "paused our campaign on 5 November 2026" in message


async def test_cancel_ends_politely(user: ChatDriver) -> None:
    """/cancel stops the intake; later text gets the idle hint, not a question."""
    await _at_amount(user)
    await user.send("/cancel")
    assert "Nothing was sent" in user.last_text()
    await user.send("189.90")
    assert "/new" in user.last_text()


async def test_new_during_an_intake_offers_continue_or_start_over(user: ChatDriver) -> None:
    """/new mid-intake asks before throwing anything away; Start over begins afresh with the
    saved account offered."""
    await _at_amount(user)
    await user.send("/new")
    assert "in progress" in user.last_text()
    await user.tap("Start over")
    assert "Pick the one closest" in user.last_text()
    await user.tap("charged twice")
    assert "Which ad account" in user.last_text()
    # A case asks no name for the account: it is offered by its advertiser ID.
    assert any("7289…1010" in label for label in user.button_labels())


async def test_typed_label_counts_as_a_tap(user: ChatDriver) -> None:
    """Typing a button's label answers the question; other text at a choice gets a hint."""
    await user.send("/new")
    await user.tap("unused balance")
    await user.send(ADVERTISER_ID)
    await user.tap("TikTok directly")
    await user.tap("Active", exact=True)
    await user.send("whatever")
    assert "tap one of the buttons" in user.last_text()
    await user.send("manual payment (prepaid)")
    assert "Business Center" in user.last_text()


async def test_file_sent_early_is_kept_for_the_evidence_step(user: ChatDriver) -> None:
    """A screenshot sent before step 5 is kept and counted there."""
    await _at_amount(user)
    await user.send_photo("early-photo")
    assert "kept" in user.last_text()
    await user.send("189.90 USD")
    await _to_the_evidence(user)
    assert "I have 1 so far" in user.last_text()


async def test_buttons_of_a_finished_intake_have_expired(user: ChatDriver) -> None:
    """After the case is closed, its old buttons say so and change nothing."""
    await user.send("/new")
    await user.tap("unhappy with the results")
    await add_account(user)
    review = user.last_with_buttons()
    await user.tap("Close the case")
    change = next(data for label, data in review.buttons if "Change" in label)
    await user.press(change)
    assert any("finished" in t for t in user.toasts())


async def test_evidence_checklist_ticks_what_was_sent(user: ChatDriver) -> None:
    """Each file is tagged with the checklist item it covers; the checklist shows what is
    still missing, and the message names each attachment by what it is."""
    await _at_amount(user)
    await user.send("189.90 USD")
    await _to_the_evidence(user)
    assert "☐ Screenshot of both charges" in user.last_text()
    await user.send_file("doc-1", "statement.pdf")
    assert "Which of these is it?" in user.last_text()
    await user.tap("Bank or card statement")
    checklist = user.last_text()
    assert "✅ Bank or card statement" in checklist
    assert "☐ Screenshot of both charges in Finance → Transactions" in checklist
    replies = await user.tap("Done")
    assert "- Bank or card statement (statement.pdf)" in plain(replies[-1].text)


async def test_a_screen_recording_is_evidence(user: ChatDriver, store: Store) -> None:
    """A video (a screen recording of Finance → Transactions) is kept like a screenshot,
    and the message calls it a screen recording."""
    await _at_amount(user)
    await user.send("189.90 USD")
    await _to_the_evidence(user)
    await user.app.process_update(user.updates.video("vid-1"))
    assert "Which of these is it?" in user.last_text()
    await user.tap("Something else")
    replies = await user.tap("Done")
    assert "- a screen recording (recording.mp4)" in plain(replies[-1].text)
    row = store.load_intake(user.chat_id, user.user_id)
    assert row is not None
    assert [(e["file_id"], e["kind"]) for e in row.intake.answers["evidence"]] == [
        ("vid-1", "video")
    ]


async def test_a_redelivered_update_is_applied_once(user: ChatDriver, store: Store) -> None:
    """Telegram delivering the same answer twice (same update_id) moves the intake once."""
    await _at_amount(user)
    update = user.updates.text("189.90 USD")
    await user.app.process_update(update)
    assert "last 4 digits" in user.last_text()
    before = len(user.api.calls)
    await user.app.process_update(update)
    assert [c for c in user.api.calls[before:] if c.method == "sendMessage"] == []
    row = store.load_intake(user.chat_id, 1001)
    assert row is not None and row.intake.step == "charge_card"

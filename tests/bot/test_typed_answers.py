"""Answers typed the way people type them, through the real Application (issue 16 A.10,
A.2, A.6): each is read at the question where it belongs, and the intake moves on."""

from __future__ import annotations

import pytest

from bot.db.store import Store
from tests.helpers import ADVERTISER_ID, ChatDriver, add_account, plain, to_the_charge_date


def _answers(store: Store, user: ChatDriver) -> dict[str, object]:
    row = store.load_intake(user.chat_id, user.user_id)
    assert row is not None
    return dict(row.intake.answers)


async def _at_charge_date(user: ChatDriver, reason: str = "charged twice") -> None:
    await user.send("/new")
    await user.tap(reason)
    await add_account(user)
    assert "When was the charge?" in user.last_text()


async def _at_other_charge(user: ChatDriver, first: str) -> None:
    await _at_charge_date(user)
    await user.send(first)
    await user.send("250 USD")
    for _step in range(3):  # card, document number, campaign IDs
        await user.tap("Skip")
    assert "other charge of the pair" in user.last_text()


async def test_a_charge_date_with_about_and_am(user: ChatDriver, store: Store) -> None:
    """`3 days ago around 10am`: "around" is filler; 23 Nov (today is 26 Nov), 10:00."""
    await _at_charge_date(user)
    await user.send("3 days ago around 10am")
    assert "How much" in user.last_text()
    answers = _answers(store, user)
    assert (answers["charge_date"], answers["charge_time"]) == ("2026-11-23", "10:00")


@pytest.mark.parametrize(
    ("typed", "amount", "currency"),
    [("$250 each", "250.00", "USD"), ("about 1.234,56 €", "1234.56", "EUR")],
)
async def test_amounts_with_filler_words(
    user: ChatDriver, store: Store, typed: str, amount: str, currency: str
) -> None:
    """ "each" and "about" say nothing about the amount: it is read, and the card is next."""
    await _at_charge_date(user)
    await user.send("9 Nov 10:02")
    await user.send(typed)
    assert "last 4 digits" in user.last_text()
    answers = _answers(store, user)
    assert (answers["amount"], answers["amount_currency"]) == (amount, currency)


async def test_an_advertiser_id_with_words_around_it(user: ChatDriver, store: Store) -> None:
    """`its 7289000011112221010` is the ID; the next question follows."""
    await user.send("/new")
    await user.tap("charged twice")
    await user.send(f"its {ADVERTISER_ID}")
    assert "⚠️" not in user.last_text()
    assert _answers(store, user)["advertiser_id"] == ADVERTISER_ID


async def test_the_pause_date_as_a_sentence_with_an_ordinal(user: ChatDriver, store: Store) -> None:
    """`i paused it on the 27th`: the latest 27th not after today (26 Nov) is 27 Oct."""
    await _at_charge_date(user, "Charged after I paused")
    await user.send("9 Nov 10:02")
    await user.send("120 USD")
    for _step in range(3):
        await user.tap("Skip")
    assert "When did you pause" in user.last_text()
    await user.send("i paused it on the 27th")
    assert "spend" in user.last_text() and "⚠️" not in user.last_text()
    assert _answers(store, user)["paused_on"] == "2026-10-27"


async def test_a_spanish_user_types_days_ago_a_las(user: ChatDriver, store: Store) -> None:
    """`hace 2 días a las 10`: two days ago (24 Nov) at 10:00."""
    user.updates.user["language_code"] = "es"
    await user.send("/new")
    await to_the_charge_date(user)
    await user.send("hace 2 días a las 10")
    answers = _answers(store, user)
    assert (answers["charge_date"], answers["charge_time"]) == ("2026-11-24", "10:00")


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("manila", "Asia/Manila"),
        ("new york", "America/New_York"),
        ("São Paulo", "America/Sao_Paulo"),
        ("ho chi minh", "Asia/Ho_Chi_Minh"),
        ("asia/manila", "Asia/Manila"),
    ],
)
async def test_settings_time_zone_by_city(user: ChatDriver, typed: str, zone: str) -> None:
    """A city's name sets its zone, named the way the zone database spells it."""
    await user.send(f"/settings tz {typed}")
    text = user.last_text()
    assert "Saved" in text and f"Time zone: {zone}" in text


async def test_settings_quiet_hours_on_the_12_hour_clock(user: ChatDriver) -> None:
    """`10pm-7am` is 22:00–07:00; a time that isn't one is still refused."""
    await user.send("/settings quiet 10pm-7am")
    assert "Quiet hours (no reminders): 22:00–07:00" in user.last_text()
    await user.send("/settings quiet 13pm-7am")
    assert "Type quiet hours like 22:00-08:00." in user.last_text()


# --- A.2: the other charge of a same-day pair -------------------------------------------


async def test_a_same_day_pair_without_times_is_a_normal_answer(
    user: ChatDriver, store: Store
) -> None:
    """First charge `yesterday`, other charge `yesterday`: neither has a time, which the
    verdict does not need; the intake goes on to the verdict and the message."""
    await _at_other_charge(user, "yesterday")
    await user.send("yesterday")
    assert "same date and time" not in user.last_text()
    assert "other charge's document number" in user.last_text()
    answers = _answers(store, user)
    assert (answers["other_date"], answers["other_time"]) == ("2026-11-25", None)
    await user.tap("Skip")  # other document number
    await user.tap("My money back")
    await user.tap("Today")
    replies = await user.tap("Skip")  # evidence
    verdict, message = (plain(r.text) for r in replies if r.method == "sendMessage")
    assert "Worth asking" in verdict
    assert "250.00 USD" in message


@pytest.mark.parametrize(
    ("first", "other", "other_time"),
    [
        ("yesterday", "yesterday, a few minutes later", None),
        ("yesterday", "same day, 10:06am", "10:06"),
        ("yesterday", "same day", None),
        ("yesterday 10:00", "6 minutes later", "10:06"),
        ("yesterday 10am", "yesterday, 6 minutes later", "10:06"),
    ],
)
async def test_the_other_charge_told_from_the_first(
    user: ChatDriver, store: Store, first: str, other: str, other_time: str | None
) -> None:
    """ "same day" and "N minutes later" are read from the first charge's day and time."""
    await _at_other_charge(user, first)
    await user.send(other)
    assert "other charge's document number" in user.last_text(), user.last_text()
    answers = _answers(store, user)
    assert (answers["other_date"], answers["other_time"]) == ("2026-11-25", other_time)


async def test_the_very_same_minute_is_still_the_same_charge(user: ChatDriver) -> None:
    """Both with a time, and the same one: that is the first charge again."""
    await _at_other_charge(user, "9 Nov 10:02")
    await user.send("same day 10:02")
    assert "same date and time as the first charge" in user.last_text()
    await user.send("a few days later")
    assert "couldn't read that date" in user.last_text()


# --- A.6: a closed account ------------------------------------------------------------


async def test_a_closed_account_asks_for_its_balance(user: ChatDriver) -> None:
    """An account already closed, its balance not refunded: the status is offered, the
    verdict says the refund usually comes within 60 days and to ask support otherwise,
    without the "a refund closes the account" warning, and the message says it is closed."""
    await user.send("/new")
    await user.tap("unused balance")
    await user.send(ADVERTISER_ID)
    await user.tap("TikTok directly")
    assert "active, suspended or closed" in user.last_text()
    assert "Closed, balance not refunded" in user.button_labels()
    await user.tap("Closed, balance not refunded", exact=True)
    await user.tap("Manual payment")
    await user.tap("No", exact=True)
    await user.tap("USD", exact=True)
    await user.send("420 USD")
    await user.tap("Yes, I'm an admin")
    replies = await user.tap("Skip")  # evidence
    verdict, message = (plain(r.text) for r in replies if r.method == "sendMessage")
    assert "the balance of a closed account usually comes back" in verdict
    assert "within 60 days" in verdict
    assert "closes the ad account" not in verdict.casefold()
    assert "The account is closed, but its unspent balance has not been refunded yet." in message
    await user.send("/accounts")
    assert "closed" in user.last_text()

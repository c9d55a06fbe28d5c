"""Amounts and dates typed the local way, through the real Application: the chat's
language decides how `1 234,56` and `09.11.2026` are read, and the answers are stored."""

from __future__ import annotations

from bot.db.store import Store
from tests.helpers import ChatDriver, to_the_charge_date


async def _at_charge_date(user: ChatDriver, telegram_language: str) -> None:
    """A duplicate-charge intake for a USD account, up to the charge's date. Buttons are
    tapped by callback data so the steps work whatever language the labels are in."""
    user.updates.user["language_code"] = telegram_language
    await user.send("/new")
    await to_the_charge_date(user)


def _answers(store: Store, user: ChatDriver) -> dict[str, object]:
    row = store.load_intake(user.chat_id, user.user_id)
    assert row is not None
    return dict(row.intake.answers)


async def test_a_russian_user_types_a_local_date_and_amount(user: ChatDriver, store: Store) -> None:
    """`09.11.2026 10:02` is 9 November, `1 234,56` is 1234.56 in the account's USD."""
    await _at_charge_date(user, "ru")
    await user.send("09.11.2026 10:02")
    answers = _answers(store, user)
    assert (answers["charge_date"], answers["charge_time"]) == ("2026-11-09", "10:02")
    await user.send("1 234,56")
    answers = _answers(store, user)
    assert (answers["amount"], answers["amount_currency"]) == ("1234.56", "USD")


async def test_a_russian_users_other_charge_and_noticed_day(user: ChatDriver, store: Store) -> None:
    """The other charge (`09.11 10.08`) and the day it was noticed (`вчера`) too."""
    await _at_charge_date(user, "ru")
    await user.send("3 ноября 2026 10:02")
    await user.send("12,5")
    for _step in range(3):  # card, document number, campaign IDs
        await user.tap_data(":s")
    await user.send("03.11 10.08")
    await user.tap_data(":s")  # other document number
    await user.tap_data(":c:money_back")
    await user.send("вчера")
    answers = _answers(store, user)
    assert answers["charge_date"] == "2026-11-03"
    assert answers["amount"] == "12.50"
    assert (answers["other_date"], answers["other_time"]) == ("2026-11-03", "10:08")
    assert answers["noticed"] == "2026-11-25"


async def test_a_portuguese_user_types_reais_and_a_month_name(
    user: ChatDriver, store: Store
) -> None:
    """`9 de novembro` needs no year; `R$ 1.234,56` is 1234.56 BRL (not the account's USD)."""
    await _at_charge_date(user, "pt-br")
    await user.send("9 de novembro")
    answers = _answers(store, user)
    assert (answers["charge_date"], answers["charge_time"]) == ("2026-11-09", None)
    await user.send("R$ 1.234,56")
    answers = _answers(store, user)
    assert (answers["amount"], answers["amount_currency"]) == ("1234.56", "BRL")


async def test_a_day_first_date_is_not_asked_about(user: ChatDriver, store: Store) -> None:
    """In Spanish, 03/11/2026 is 3 November: no "which one?" buttons, the answer is stored."""
    await _at_charge_date(user, "es")
    await user.send("03/11/2026")
    assert _answers(store, user)["charge_date"] == "2026-11-03"


async def test_english_still_asks_about_a_day_first_date(user: ChatDriver, store: Store) -> None:
    """In English, 03/11/2026 could be either: the bot still asks, nothing is stored yet."""
    await _at_charge_date(user, "en")
    await user.send("03/11/2026")
    answers = _answers(store, user)
    assert "charge_date" not in answers
    await user.send("1.234,56")  # while asking, typed text is not the amount
    assert "amount" not in _answers(store, user)

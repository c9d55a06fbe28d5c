"""The ad account's country (issue 16 B.10), through the chat: last among the account
questions, optional, and (the reason first) asked where a regional note of the verdict
depends on it — ad credits, a wrong invoice, a charge queried on monthly invoicing — and
always by /accounts; read in the bot's languages; kept with the account and editable from
/accounts; and POLICY.md's regional notes said for the account's region."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.db.store import Store
from bot.telegram.transport import InProcessBotApi
from tests.helpers import ADVERTISER_ID, ChatDriver, add_account, plain, saved_account

App = Application[Any, Any, Any, Any, Any, Any]


async def _verdict_and_message(replies: list[Any]) -> tuple[str, str]:
    texts = [plain(r.text) for r in replies if r.method == "sendMessage"]
    return texts[-2], texts[-1]


async def test_the_country_is_asked_last_read_in_any_language_and_kept(
    user: ChatDriver, store: Store
) -> None:
    """A wrong invoice on a new account: after the reason and the account's other
    questions, the country last: buttons for common ones and a Skip; an unknown name is
    asked again kindly; "Japón" is read as Japan, kept with the account, shown in /accounts
    and written into the message to TikTok."""
    await user.send("/new")
    await user.tap("Wrong invoice")
    await user.send(ADVERTISER_ID)
    await user.tap("TikTok directly")
    await user.tap("Automatic payment")
    await user.tap("USD", exact=True)
    question = user.last_text()
    assert "Which country or region is the ad account in?" in question
    # The reason, the advertiser ID, who is paid, the billing option, the currency: sixth.
    assert "Step 6 of " in question
    labels = user.button_labels()
    for country in ("United States", "Brazil", "Indonesia", "Vietnam", "Japan"):
        assert country in labels, country
    assert "Skip" in labels and any("Back" in label for label in labels)

    await user.send("Narnia")
    again = user.last_text()
    assert "I don't know that country" in again and "like Vietnam or VN" in again
    assert "Which country or region is the ad account in?" in again

    await user.send("Japón")
    assert "When was the charge?" in user.last_text()
    [account] = store.list_accounts(user.chat_id)
    assert account["region"] == "JP"

    await user.send("1 Nov")
    await user.send("5,000 USD")
    for _ in range(3):  # card, document number, campaign IDs
        await user.tap("Skip")
    await user.send("It bills a campaign we never ran")
    await user.tap("Today")
    replies = await user.tap("Skip")
    _verdict, message = await _verdict_and_message(replies)
    assert "Country or region of the ad account: Japan" in message

    await user.send("/cancel")
    await user.send("/accounts")
    # No name: a case asks only what its reason needs (/accounts asks the name).
    assert "Ad account · 7289000011112221010" in user.last_text()
    assert "· Japan" in user.last_text()


async def test_codes_and_own_language_names_are_read(user: ChatDriver, store: Store) -> None:
    """A 2-letter code and the country's own name ("Việt Nam") are answers too; a tapped
    button keeps its code."""
    for typed, code in (("VN", "VN"), ("Việt Nam", "VN"), ("Brasil", "BR"), ("Япония", "JP")):
        await user.send("/cancel")
        await user.send("/new")
        await user.tap("Wrong invoice")
        asked = await add_account(user, region=typed, saved=False)
        assert asked[-1] == "region", typed
        assert "When was the charge?" in user.last_text(), typed
        [account] = store.list_accounts(user.chat_id)
        assert account["region"] == code, typed
    await user.send("/cancel")
    await user.send("/new")
    await user.tap("Wrong invoice")
    asked = await add_account(user, region=None, saved=False)
    assert asked[-1] == "region"
    [account] = store.list_accounts(user.chat_id)
    assert account["region"] is None  # skipped: asked, not known


async def test_the_country_is_changed_from_accounts(user: ChatDriver, store: Store) -> None:
    """/accounts → the account → "Country or region" → a new one: kept, and shown."""
    await saved_account(user, region="US")
    await user.send("/accounts")
    await user.tap("Northwind Apparel")
    await user.tap("Country or region")
    assert "Which country or region is the ad account in?" in user.last_text()
    await user.send("Mexico")
    assert "Saved" in user.last_text()
    [account] = store.list_accounts(user.chat_id)
    assert account["region"] == "MX"
    await user.send("/accounts")
    assert "· Mexico" in user.last_text()


async def _ad_credits_verdict(user: ChatDriver, region: str | None) -> str:
    """Ad credits asks no account, only its country (optional), then the verdict."""
    await user.send("/cancel")
    await user.send("/new")
    await user.tap("Ad credits or a coupon")
    assert "Which country or region is the ad account in?" in user.last_text()
    replies = await (user.tap_data(":s") if region is None else user.send(region))
    return next(plain(r.text) for r in replies if r.method == "sendMessage")


async def test_promo_codes_are_self_serve_only_in_six_countries(user: ChatDriver) -> None:
    """POLICY.md: promo codes are self-serve only in VN, JP, TW, MY, ID and TH [T13]. The
    ad-credits verdict says so for the account's country, and hedges when it isn't known."""
    inside = await _ad_credits_verdict(user, "Vietnam")
    assert "Promo codes are self-serve in your account's country" in inside
    assert "If your account is in" not in inside

    outside = await _ad_credits_verdict(user, "United States")
    assert "Promo codes are self-serve only in Vietnam, Japan, Taiwan, Malaysia" in outside
    assert "your TikTok sales rep can usually activate one" in outside
    assert "self-serve in your account's country" not in outside

    unknown = await _ad_credits_verdict(user, None)
    assert (
        "If your account is in Vietnam, Japan, Taiwan, Malaysia, Indonesia or Thailand, "
        "you can activate a promo code yourself." in unknown
    )


async def _wrong_invoice_verdict(user: ChatDriver, region: str | None) -> tuple[str, str]:
    await user.send("/cancel")
    await user.send("/new")
    await user.tap("Wrong invoice")
    # A new account each time (the same advertiser ID, saved again): its country is asked.
    asked = await add_account(user, billing="Monthly invoicing", region=region, saved=False)
    assert asked[-1] == "region"
    await user.send("1 Nov")
    await user.send("5,000 USD")
    await user.tap("Skip")  # document number
    await user.tap("Skip")  # campaign IDs
    await user.send("It bills a campaign we never ran")
    await user.tap("Today")
    replies = await user.tap("Skip")
    return await _verdict_and_message(replies)


async def test_invoice_timing_differs_in_japan_and_latin_america(user: ChatDriver) -> None:
    """POLICY.md: invoices appear at the start of the month in Japan and around the 9th in
    Latin America [T10]: said for those accounts, neither for others, both as "if your
    account is in …" when the country isn't known. The message names the country."""
    japan, message = await _wrong_invoice_verdict(user, "JP")
    assert "In Japan, invoices appear at the start of the month" in japan
    assert "Latin America" not in japan
    assert "Country or region of the ad account: Japan" in message

    brazil, _message = await _wrong_invoice_verdict(user, "Brasil")
    assert "In Latin America, invoices appear around the 9th of the month" in brazil

    germany, message = await _wrong_invoice_verdict(user, "Germany")
    assert "Japan" not in germany and "Latin America" not in germany
    assert "Country or region of the ad account: Germany" in message

    unknown, message = await _wrong_invoice_verdict(user, None)
    assert unknown.count("If your account is in Japan") == 1  # the two notes share it
    assert "in Latin America, usually around the 9th" in unknown
    assert "Country or region" not in message


async def test_the_country_question_speaks_the_chat_language(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """In a Spanish chat the buttons name the countries in Spanish and "Japón" is typed."""
    user = ChatDriver(app, api)
    user.updates.user["language_code"] = "es"
    await user.send("/new")
    await user.tap_data(":c:wrong_invoice")
    await user.send(ADVERTISER_ID)
    await user.tap_data(":c:tiktok")
    await user.tap_data(":c:automatic")
    await user.tap_data(":c:USD")
    assert "Japón" in user.button_labels() and "Estados Unidos" in user.button_labels()
    await user.tap("Japón", exact=True)
    [account] = store.list_accounts(user.chat_id)
    assert account["region"] == "JP"


async def test_the_country_is_named_in_the_messages_language(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """The message to TikTok names the country in its own language: English by default,
    Spanish once asked for in Spanish; the verdict's regional note is in the chat's."""
    user = ChatDriver(app, api)
    user.updates.user["language_code"] = "es"
    await user.send("/new")
    await user.tap_data(":c:wrong_invoice")
    await user.send(ADVERTISER_ID)
    await user.tap_data(":c:tiktok")
    await user.tap_data(":c:invoicing")
    await user.tap_data(":c:USD")
    await user.send("Japón")
    await user.send("1 nov")
    await user.send("5000 USD")
    await user.tap_data(":s")  # document number
    await user.tap_data(":s")  # campaign IDs
    await user.send("Factura un anuncio que nunca se publicó")
    await user.tap_data(":c:today")
    replies = await user.tap_data(":s")  # evidence
    verdict, message = await _verdict_and_message(replies)
    assert "En Japón, las facturas aparecen a principios de mes" in verdict
    assert "Country or region of the ad account: Japan" in message
    await user.tap_data(":W:es")
    assert "País o región de la cuenta publicitaria: Japón" in plain(user.last_with_buttons().text)

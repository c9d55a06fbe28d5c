"""The advice agrees with the rulebook (POLICY.md), driven through the chat as a user would
(issue 16, B and A.11/A.12): what a verdict says, what a message claims, who it goes to."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.telegram.transport import ApiCall, InProcessBotApi
from tests.bot.test_i18n import _duplicate_intake
from tests.helpers import ADVERTISER_ID, ChatDriver, add_account, plain, saved_account

App = Application[Any, Any, Any, Any, Any, Any]


def shown(replies: list[ApiCall]) -> list[str]:
    return [plain(r.text) for r in replies if r.method == "sendMessage"]


async def new_case(user: ChatDriver, reason: str) -> None:
    """/new, the reason, then the saved automatic-payment account (added the first time);
    a draft left by an earlier intake of the test is set aside."""
    await user.send("/new")
    if any("Start over" in label for label in user.button_labels()):
        await user.tap("Start over")
    await user.tap(reason)
    await add_account(user)


async def unrecognised(user: ChatDriver, day: str, amount: str, noticed: str) -> list[str]:
    """A charge "I don't recognise" on an automatic-payment account, to the verdict."""
    await new_case(user, "don't recognise")
    await user.send(day)
    await user.send(amount)
    for _skip in range(3):  # card, document, campaigns
        await user.tap("Skip")
    await user.send("The card was charged and we don't know why")
    await user.tap("My money back")
    await user.tap(noticed)
    return shown(await user.tap("Skip"))


async def test_an_old_charge_is_not_called_raised_promptly(user: ChatDriver) -> None:
    """A 70-day-old charge noticed on the charge day: the message says when it was noticed
    but not that it is "raised promptly", under the bot's own "past the longest deadline"
    warning (B.1). A charge noticed today still says it."""
    verdict, message = await unrecognised(user, "17 Sep 2026", "87.40 USD", "On the charge day")
    assert "past the longest deadline" in verdict
    assert "We noticed this on 17 September 2026." in message
    assert "promptly" not in message
    _verdict, fresh = await unrecognised(user, "24 Nov 2026", "87.40 USD", "Today")
    assert "We noticed this on 26 November 2026 and are raising it promptly." in fresh


async def test_a_card_verification_charge_is_neither_claimed_nor_left_without_a_date(
    user: ChatDriver,
) -> None:
    """A 10 USD charge from yesterday: the message doesn't state that it was matched against
    a card-verification charge (nobody asked), and the verdict says when the 15 days of
    the reversal end (B.3). A fresh charge is told "within 7 days to be safe" (B.11)."""
    verdict, message = await unrecognised(user, "yesterday", "10 usd", "Today")
    assert "verification" not in message
    assert "If it's the card-verification charge, TikTok reverses it by 10 Dec 2026" in verdict
    assert "within 7 days to be safe" in verdict


async def test_amounts_are_shown_with_their_currency_in_capitals(user: ChatDriver) -> None:
    """`87.40 usd` is shown as 87.40 USD, and an amount typed without a currency gets the
    account's (A.11)."""
    verdict, _message = await unrecognised(user, "yesterday", "87.40 usd", "Today")
    assert "87.40 USD" in verdict and "usd" not in verdict
    verdict, _message = await unrecognised(user, "yesterday", "120", "Today")
    assert "· 120.00 USD ·" in verdict


async def test_failed_and_processing_charges_get_no_refund_request(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """An imported Processing row says so in the picker; picking it gives a verdict that no
    money was taken yet, and no message to send (B.4). A Failed row is not offered at all
    (C.1): it took no money, so there is nothing to dispute."""
    await saved_account(user)
    api.files["export"] = (
        b"Time,Payment method,Document number,Status,Amount,Currency\n"
        b"2026-11-20 09:00:00,Visa 1881,D1,Failed,80.00,USD\n"
        b"2026-11-21 09:00:00,Visa 1881,D2,Processing,90.00,USD\n"
        b"2026-11-22 09:00:00,Visa 1881,D3,Success,70.00,USD\n"
    )
    await user.send_file("export", "export.csv")
    for picked, words in (("90.00 USD", "still processing"),):
        await new_case(user, "don't recognise")
        await user.tap("Pick from imported charges")
        labels = user.button_labels()
        assert not any("80.00 USD" in label for label in labels)
        assert any("90.00 USD" in label and label.endswith("Processing") for label in labels)
        assert any(label.endswith("70.00 USD · ••1881") for label in labels)
        await user.tap(picked)
        await user.tap("Skip")  # campaigns
        await user.send("Not ours")
        await user.tap("My money back")
        await user.tap("Today")
        texts = shown(await user.tap("Skip"))
        assert words in texts[0] and "no money" in texts[0]
        assert "Subject:" not in "\n".join(texts)
        assert not any("I've sent it" in label for label in user.button_labels())


async def test_automatic_payment_asks_whether_money_was_added(user: ChatDriver) -> None:
    """An automatic-payment account asking for its balance is asked whether money was added
    to the balance; "No" is not "eligible" (B.5)."""
    await user.send("/new")
    await user.tap("unused balance")
    await add_account(user, billing="Automatic payment")
    await user.send("420.00 USD")
    await user.tap("Yes, I'm an admin")
    assert "Add balance" in user.last_text()
    await user.tap("No", exact=True)
    verdict = shown(await user.tap("Skip"))[0]  # no evidence
    assert "✅" not in verdict
    assert "🔎" in verdict and "usually no prepaid balance" in verdict


async def test_business_center_balance_fits_the_bc_route(user: ChatDriver) -> None:
    """A Business Center account's balance: no "closes the ad account for good" (moving the
    balance keeps it), the path Business Center → Finance → Payment Management, and a
    message that opens for the sales rep, the first place to send it (B.6). One voice in
    the letter: "we", never "I am an admin" (A.11)."""
    await user.send("/new")
    await user.tap("unused balance")
    await add_account(user, billing="Manual payment", in_bc=True)
    await user.send("420.00 USD")
    await user.tap("Yes, I'm an admin")
    verdict, message = shown(await user.tap("Skip"))
    assert "closes the ad account for good" not in verdict
    assert "keeps the ad account open" in verdict
    assert "Business Center → Finance → Payment Management" in verdict
    assert "Copy it into Your TikTok sales rep" in message or "sales rep" in message
    body = message.split("Subject:", 1)[1]
    assert "Hello TikTok Ads support team" not in body
    assert "\nHello,\n" in body
    assert "I am" not in body and "This request comes from an admin" in body


async def test_something_else_on_an_agency_account_goes_to_the_agency(user: ChatDriver) -> None:
    """An agency-paid account's "Something else" goes to the agency first (B.7)."""
    await user.send("/new")
    await user.tap("Something else")
    await add_account(user, paid_via="Through an agency")
    await user.send("yesterday")
    await user.send("55 USD")
    for _skip in range(3):
        await user.tap("Skip")
    await user.send("A fee we don't understand")
    await user.tap("My money back")
    await user.tap("Today")
    verdict, message = shown(await user.tap("Skip"))
    assert "Ask your agency first" in verdict
    assert "Here's your message to the agency." in message
    assert "We have a billing question about it." in message


async def test_a_non_admin_is_told_before_being_asked_for_evidence(user: ChatDriver) -> None:
    """Answering "No" to the admin question brings the verdict (only an admin can ask) at
    once, not the evidence question first (B.8)."""
    await user.send("/new")
    await user.tap("unused balance")
    await add_account(user, billing="Manual payment")
    await user.send("420.00 USD")
    texts = shown(await user.tap("No", exact=True))
    assert "Only an admin of the ad account can ask for the balance back." in texts[0]
    assert "anything to attach" not in "\n".join(texts)


async def test_a_duplicate_pair_is_explained_with_its_own_facts(
    user: ChatDriver, api: InProcessBotApi
) -> None:
    """Two imported charges of 250.00 USD six minutes apart, nothing else of that amount
    near them: the verdict says so in those words, not only the general rule (A.12)."""
    await saved_account(user)
    api.files["pair"] = (
        b"Time,Payment method,Document number,Status,Amount,Currency\n"
        b"2026-11-20 10:02:00,Visa 1881,D1,Success,250.00,USD\n"
        b"2026-11-20 10:08:00,Visa 1881,D2,Success,250.00,USD\n"
        b"2026-11-23 10:00:00,Visa 1881,D3,Success,99.00,USD\n"
    )
    await user.send_file("pair", "export.csv")
    await user.send("/new")
    await user.tap("charged twice")
    await user.tap("Northwind")
    await user.tap("Pick from imported charges")
    await user.tap("20 Nov 2026 10:02")
    await user.tap("Skip")  # campaigns
    await user.tap("Pick from imported charges")
    await user.tap("20 Nov 2026 10:08")
    await user.tap("My money back")
    await user.tap("Today")
    verdict, _message = shown(await user.tap("Skip"))
    assert (
        "Your two charges of 250.00 USD were 6 minutes apart, with no other charge of that "
        "amount around them in your imported transactions — billing at the threshold or bill "
        "date doesn't explain that." in verdict
    )
    assert ADVERTISER_ID not in verdict


async def test_a_language_name_inside_a_sentence_is_lower_case(
    app: App, api: InProcessBotApi
) -> None:
    """In a Spanish chat the button under the message reads "Escribirlo en español", not
    "… en Español" (A.11)."""
    user = ChatDriver(app, api, user_id=8001)
    user.updates.user["language_code"] = "es"
    await user.send("/new")
    await _duplicate_intake(user)
    labels = user.button_labels()
    assert any(label.endswith("Escribirlo en español") for label in labels), labels

"""The signature of the messages to TikTok (issue 16 A.11), through the chat: asked once
under the first drafted message, optional, kept with the person, under every later message
(follow-ups and escalations too), changed in /settings, checked like every other answer,
in /export and gone after /forget."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from telegram.ext import Application

from bot.db.store import Store
from bot.telegram.transport import InProcessBotApi
from tests.bot.test_records import ALEX, BOT, GROUP
from tests.helpers import (
    ChatDriver,
    Clock,
    add_account,
    plain,
    saved_account,
    sent_case,
    until_overdue,
)

App = Application[Any, Any, Any, Any, Any, Any]

SIGNATURE = "Liu Wen — billing@northwind-apparel.example"


async def _to_the_message(user: ChatDriver) -> list[Any]:
    """An unused-balance case to its drafted message; returns the replies of the last step.
    The account is saved from /accounts first, with its name (a case asks only the facts
    its reason needs, never the name), then picked."""
    await user.send("/accounts")
    if "Northwind Apparel" not in user.last_text():
        await user.tap("Add an account")
        await add_account(user, billing="Manual payment")
    await user.send("/new")
    await user.tap("unused balance")
    assert "Which ad account" in user.last_text()
    await user.tap("Northwind Apparel")
    await user.send("420 USD")
    await user.tap("Yes, I'm an admin")
    return await user.tap("Skip")  # evidence


def _message(user: ChatDriver) -> str:
    return plain(user.last_with_buttons().text)


async def test_signed_once_then_every_message_is_signed(user: ChatDriver, store: Store) -> None:
    """Under the first message: "Sign it with your name". Tapped, one question; the typed
    signature is kept for the person and the message is written again, signed under
    "Thank you,". The next case's message is signed at once, with no question."""
    await _to_the_message(user)
    message = _message(user)
    assert "Thank you,\nNorthwind Apparel (ad account 7289000011112221010)" in message
    assert "Sign it with your name" in " ".join(user.button_labels())

    await user.tap("Sign it with your name")
    question = user.last_text()
    assert "Type your name and a way for TikTok to reach you" in question
    assert "Don't sign my messages" in user.button_labels()
    replies = await user.send(SIGNATURE)
    texts = [plain(r.text) for r in replies if r.method == "sendMessage"]
    assert f"Signed: {SIGNATURE}." in texts[0]
    assert store.signature(user.user_id) == SIGNATURE
    signed = _message(user)
    assert f"Thank you,\n{SIGNATURE}\nNorthwind Apparel (ad account 7289000011112221010)" in signed
    assert "Sign it with your name" not in " ".join(user.button_labels())
    [case] = store.list_cases(user.chat_id)
    assert case.message is not None and SIGNATURE in case.message  # the draft kept is signed

    await user.tap("Cancel")
    await _to_the_message(user)
    assert f"Thank you,\n{SIGNATURE}\n" in _message(user)
    assert "Sign it with your name" not in " ".join(user.button_labels())


async def test_a_signature_is_checked_like_every_answer(user: ChatDriver, store: Store) -> None:
    """A card number in the signature is refused (nothing kept) and the question asked
    again; markup in it is shown as text, never as HTML."""
    await _to_the_message(user)
    await user.tap("Sign it with your name")
    await user.send("Liu Wen 4111 1111 1111 1111")
    again = user.last_text()
    assert "That looks like a card number" in again
    assert "Type your name and a way for TikTok to reach you" in again
    assert store.signature(user.user_id) is None
    assert "4111" not in "".join(str(r) for r in store.list_cases(user.chat_id))

    await user.send("<b>Liu</b> & Co <i>billing@x.example</i>")
    raw = user.last_with_buttons().text
    assert "&lt;b&gt;Liu&lt;/b&gt; &amp; Co &lt;i&gt;billing@x.example&lt;/i&gt;" in raw
    assert "<b>Liu</b>" not in raw


async def test_not_signing_is_asked_once(user: ChatDriver, store: Store) -> None:
    """ "Don't sign my messages": the message stays signed with the account's name, and the
    next message doesn't ask again."""
    await _to_the_message(user)
    await user.tap("Sign it with your name")
    await user.tap("Don't sign my messages")
    assert store.signature(user.user_id) == ""
    assert "Thank you,\nNorthwind Apparel (ad account" in _message(user)
    assert "Sign it with your name" not in " ".join(user.button_labels())
    await user.tap("Cancel")
    await _to_the_message(user)
    assert "Sign it with your name" not in " ".join(user.button_labels())


async def test_back_from_the_question_keeps_the_message(user: ChatDriver, store: Store) -> None:
    """ "Back to the message" shows the message again; typing there is no signature."""
    await _to_the_message(user)
    await user.tap("Sign it with your name")
    await user.tap("Back to the message")
    assert "Thank you,\nNorthwind Apparel" in _message(user)
    await user.send("Liu Wen")
    assert store.signature(user.user_id) is None


async def test_settings_set_show_and_remove_the_signature(user: ChatDriver, store: Store) -> None:
    """/settings shows the signature and its button; /settings sign … sets it (checked),
    /settings sign off removes it."""
    await user.send("/settings")
    assert "signed with the ad account's name only" in user.last_text()
    await user.tap("Signature")
    assert "/settings sign" in user.last_text()
    await user.send(f"/settings sign {SIGNATURE}")
    assert f"Your messages are signed: {SIGNATURE}" in user.last_text()
    assert store.signature(user.user_id) == SIGNATURE
    await user.send("/settings sign my card 4111111111111111")
    assert "That looks like a card number" in user.last_text()
    assert store.signature(user.user_id) == SIGNATURE
    await user.tap("Signature")
    await user.tap("Don't sign my messages")
    assert store.signature(user.user_id) == ""
    assert "signed with the ad account's name only" in user.last_text()


async def test_follow_ups_and_escalations_are_signed(
    app: App, user: ChatDriver, clock: Clock, store: Store
) -> None:
    """A signature given in /settings after the message was sent still signs the follow-up,
    the escalation and the "ask why" message."""
    await saved_account(user)  # named: a case asks no name
    await sent_case(user)
    await user.send(f"/settings sign {SIGNATURE}")
    await until_overdue(app, clock, store)
    await user.tap("Send a follow-up")
    assert f"Thank you,\n{SIGNATURE}\nNorthwind Apparel" in user.last_text()
    await user.send("/case 1")
    await user.tap("Denied")
    await user.tap("Ask why")
    assert f"Thank you,\n{SIGNATURE}\nNorthwind Apparel" in user.last_text()
    await user.tap("Escalation message")
    assert f"Thank you,\n{SIGNATURE}\nNorthwind Apparel" in user.last_text()


async def test_export_holds_the_signature(
    user: ChatDriver, api: InProcessBotApi, store: Store
) -> None:
    """/export in the private chat: signature.txt in the zip, and the summary names it."""
    await user.send(f"/settings sign {SIGNATURE}")
    await sent_case(user)
    await user.send("/export")
    _filename, content = api.sent("sendDocument")[-1].files["document"]
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.read("signature.txt").decode() == SIGNATURE + "\n"
    summary = user.last_text()
    assert "signature.txt" in summary and f"Your signature: {SIGNATURE}" in summary


async def test_a_teams_case_is_signed_by_the_member_who_writes_it(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """The signature is the person's, not the chat's: given once in private, it signs the
    message of a group's case that person answers (in private, from the group's link)."""
    alex = ChatDriver(app, api, ALEX, None, "Alex", "alex")
    alex_in_group = ChatDriver(app, api, ALEX, GROUP, "Alex", "alex")
    await alex.send(f"/settings sign {SIGNATURE}")
    await alex_in_group.send(f"/new@{BOT}")
    url = next(d for label, d in alex_in_group.last_with_buttons().buttons if "private" in label)
    await alex.send(f"/start {url.rsplit('=', 1)[1]}")
    await alex.tap("charged twice")
    await add_account(alex, name="Agency Client", advertiser_id="7289000022223333444")
    await alex.send("9 Nov 10:02")
    await alex.send("189.90 USD")
    for _ in range(3):  # card, document number, campaign IDs
        await alex.tap("Skip")
    await alex.send("9 Nov 10:08")
    await alex.tap("Skip")
    await alex.tap("My money back")
    await alex.tap("Today")
    await alex.tap("Skip")
    [case] = store.list_cases(GROUP)
    assert case.message is not None
    # A case asks no account name: the message is signed with the advertiser's ID.
    assert (
        f"Thank you,\n{SIGNATURE}\nThe advertiser (ad account 7289000022223333444)" in case.message
    )
    assert "Sign it with your name" not in " ".join(alex.button_labels())

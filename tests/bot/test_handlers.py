"""Complete intakes through the real PTB Application, with the in-process Bot API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from telegram.ext import Application

from bot.config import Settings
from bot.db.store import Store
from bot.telegram.handlers.buttons import ROUTES, kind_of
from bot.telegram.transport import InProcessBotApi
from bot.views import callbacks
from bot.views.callbacks import Kind
from conversations.policy import Policy
from tests.helpers import (
    ADVERTISER_ID,
    ChatDriver,
    Clock,
    add_account,
    bot_process,
    plain,
    saved_account,
)


async def test_start_greets_in_three_lines_and_help_lists_commands(user: ChatDriver) -> None:
    """/start explains the bot in three lines; /help names every command."""
    await user.send("/start")
    first_paragraph = user.last_text().split("\n\n")[0]
    assert len(first_paragraph.splitlines()) == 3
    assert "TikTok" in first_paragraph
    await user.send("/help")
    for command in ("/new", "/cases", "/case", "/board", "/cancel", "/help"):
        assert command in user.last_text()


async def test_command_menu_is_registered_at_start_up(
    app: Application[Any, Any, Any, Any, Any, Any], api: InProcessBotApi
) -> None:
    """The bot registers /new, /cases, /help and /cancel with Telegram when it starts
    (run_polling calls post_init; here we call it as it would)."""
    assert app.post_init is not None
    await app.post_init(app)
    calls = api.sent("setMyCommands")
    assert calls, "setMyCommands was not called"
    names = {c["command"] for c in calls[0].params["commands"]}
    assert names == {"new", "cases", "stats", "help", "cancel", "settings", "language"}


async def test_private_chats_menu_adds_the_board(
    app: Application[Any, Any, Any, Any, Any, Any], api: InProcessBotApi
) -> None:
    """Private chats get their own menu (Telegram's all_private_chats scope), in every
    language: the group menu's commands and /board, which opens the board there. Groups'
    menu (the default scope) has no /board."""
    assert app.post_init is not None
    await app.post_init(app)
    private: dict[str | None, list[str]] = {}
    default: dict[str | None, list[str]] = {}
    for call in api.sent("setMyCommands"):
        scope = call.params.get("scope")
        scope = json.loads(scope) if isinstance(scope, str) else scope
        names = [c["command"] for c in call.params["commands"]]
        (private if scope == {"type": "all_private_chats"} else default)[
            call.params.get("language_code")
        ] = names
    assert set(private) == set(default) == {None, "ru", "es", "pt", "id"}
    for code, names in private.items():
        assert "board" in names and "board" not in default[code]
        assert [n for n in names if n != "board"] == default[code]
    board = next(
        c
        for call in api.sent("setMyCommands")
        if call.params.get("language_code") == "ru"
        for c in call.params["commands"]
        if c["command"] == "board"
    )
    assert board["description"] != "Your cases on a board"  # translated


async def test_the_menu_button_opens_the_board_when_it_has_a_public_address(
    app: Application[Any, Any, Any, Any, Any, Any], api: InProcessBotApi
) -> None:
    """With the board's https:// address known, start-up sets the chat menu button to open
    it as a Mini App; without one, no menu button is set (Telegram keeps its own)."""
    assert app.post_init is not None
    await app.post_init(app)
    assert api.sent("setChatMenuButton") == []
    app.bot_data.board_url = "https://bot.example/board/"
    await app.post_init(app)
    (call,) = api.sent("setChatMenuButton")
    button = call.params["menu_button"]
    button = json.loads(button) if isinstance(button, str) else button
    assert button == {
        "type": "web_app",
        "text": "Board",
        "web_app": {"url": "https://bot.example/board/"},
    }


async def test_unused_balance_manual_no_bc_is_eligible(user: ChatDriver) -> None:
    """Unused balance on a manual-payment account outside a BC: eligible, T1/T3, a full message."""
    await user.send("/new")
    assert "Step 1 — what went wrong" in user.last_text()
    await user.tap("unused balance")
    assert "Step 2 of 11 — your ad account" in user.last_text()
    await add_account(user, billing="Manual payment")
    assert "Step 8 of 11 — the balance" in user.last_text()
    await user.send("420.00 USD")
    await user.tap("Yes, I'm an admin")
    assert "Step 10 of 11" in user.last_text()
    replies = await user.tap("Skip")
    verdict, message = (plain(r.text) for r in replies if r.method == "sendMessage")
    assert "✅" in verdict
    # The sources by the names of TikTok's pages, not the rulebook's keys (issue 16 A.11).
    assert "From TikTok's help pages: Request a refund · FAQs for Refund" in verdict
    assert "T1" not in verdict
    assert "closes the ad account for good" in verdict
    assert "Close Account and Refund" in message or "Close Account and Refund" in verdict
    # No account name: a case doesn't ask it (only /accounts does).
    for fact in (
        ADVERTISER_ID,
        "420.00 USD",
        "manual payment",
        "not in a Business Center",
        "excluding taxes",
        "within 60 days",
    ):
        assert fact in message, fact
    assert "I've sent it" in " ".join(user.button_labels())


async def test_poor_results_is_not_eligible_without_a_message(user: ChatDriver) -> None:
    """Poor results: not eligible (FAQs for Refund, the rebate page), no refund request
    written, nothing else asked."""
    await user.send("/new")
    replies = await user.tap("unhappy with the results")
    await add_account(user)
    texts = [plain(r.text) for r in replies if r.method == "sendMessage"]
    assert "❌" in texts[0]
    assert "FAQs for Refund · About the website conversions campaign rebate" in texts[0]
    assert "won't write a refund request" in texts[1]
    assert "Subject:" not in "\n".join(texts)
    labels = user.button_labels()
    assert any("Change an answer" in label for label in labels)
    assert not any("I've sent it" in label for label in labels)


async def test_duplicate_charge_on_automatic_payment_needs_review(user: ChatDriver) -> None:
    """A duplicate charge on automatic payment: needs review (T4, T5, T6) with every fact
    of both charges in the message."""
    await user.send("/new")
    await user.tap("charged twice")
    await add_account(user, billing="Automatic payment")
    await user.send("9 Nov 10:02")
    await user.send("$189.90")
    await user.send("1881")
    await user.send("BDUS2026550101")
    await user.send("1790000000000001, 1790000000000002")
    assert "other charge" in user.last_text()
    await user.send("9 Nov 10:08")
    await user.send("BDUS2026550102")
    await user.tap("My money back")
    await user.tap("Yesterday")
    await user.send_photo("photo-file-id-1", caption="Finance → Transactions")
    replies = await user.tap("Done")
    verdict, message = (plain(r.text) for r in replies if r.method == "sendMessage")
    assert "🔎" in verdict and "TikTok billing options · Automatic payment" in verdict
    assert "Don't start a chargeback" in verdict
    assert "Subject: Duplicate charge of 189.90 USD on 9 November 2026" in message
    for fact in (
        "9 November 2026, 10:02",
        "9 November 2026, 10:08",
        "BDUS2026550101",
        "BDUS2026550102",
        "ending 1881",
        "automatic payment",
        "1790000000000001, 1790000000000002",
        "25 November 2026",
        "a screenshot — Finance → Transactions",
    ):
        assert fact in message, fact
    assert "Advertiser Support" in message


async def test_suspended_account_is_blocked_until_the_appeal(user: ChatDriver) -> None:
    """A suspended account with its appeal pending: blocked, told to appeal first."""
    await user.send("/new")
    await user.tap("Account suspended")
    await add_account(user, status="Suspended", billing="Manual payment")
    await user.send("300 USD")
    replies = await user.tap("pending")
    texts = [plain(r.text) for r in replies if r.method == "sendMessage"]
    assert "⏸️" in texts[0]
    assert "Account Suspension Appeal" in texts[0]
    assert "Account suspension FAQ" in texts[0]
    assert "Subject:" not in "\n".join(texts)


async def test_sent_ticket_and_case_listing(user: ChatDriver) -> None:
    """After "I've sent it" and a ticket number the case is listed as sent with its ticket."""
    await user.send("/new")
    await user.tap("unused balance")
    await add_account(user, billing="Manual payment")
    await user.send("420 USD")
    await user.tap("Yes, I'm an admin")
    await user.tap("Skip")
    await user.tap("I've sent it")
    assert "ticket" in user.last_text().lower()
    await user.send("TT-0099123")
    done = user.last_text()
    assert "TT-0099123" in done and "case #1" in done
    assert "Thu 3 Dec" in done  # 5 business days after Thu 26 Nov 2026
    await user.send("/cases")
    listing = user.last_text()
    assert "#1" in listing and "Waiting for TikTok" in listing and "TT-0099123" in listing
    assert "Next reminder Thu 3 Dec" in listing
    await user.send("/case 1")
    shown = user.last_text()
    assert "Drafted" in shown and "Sent to TikTok" in shown and "Ticket — TT-0099123" in shown
    assert "26 Nov 2026 10:00 · Sent to TikTok" in shown  # the injected clock, not the wall
    assert "Subject: Refund of unspent balance" in shown


async def test_the_ticket_is_taken_out_of_what_was_typed(user: ChatDriver) -> None:
    """ "ticket is #10293847" keeps 10293847, in the chat and in the follow-up to TikTok;
    a reply that holds no ticket number is asked again, and the case waits for it."""
    await user.send("/new")
    await user.tap("unused balance")
    await add_account(user, billing="Manual payment")
    await user.send("420 USD")
    await user.tap("Yes, I'm an admin")
    await user.tap("Skip")
    await user.tap("I've sent it")
    await user.send("they said they'd look into it")
    asked = user.last_text()
    assert "doesn't look like a ticket or case number" in asked
    await user.send("ticket 123456 and 654321")
    assert "Which is the ticket?" in user.last_text()
    await user.send("ticket is #10293847")
    done = user.last_text()
    assert "Ticket 10293847 saved" in done
    assert "ticket is" not in done and "#10293847" not in done
    await user.send("/case 1")
    assert "Ticket — 10293847" in user.last_text()


async def test_file_of_the_message_is_offered(user: ChatDriver, api: InProcessBotApi) -> None:
    """ "Copy as file" sends the support message as a .txt document."""
    await user.send("/new")
    await user.tap("unused balance")
    await add_account(user, billing="Manual payment")
    await user.send("420 USD")
    await user.tap("Yes, I'm an admin")
    await user.tap("Skip")
    await user.tap("Copy as file")
    documents = api.sent("sendDocument")
    assert len(documents) == 1
    ((filename, content),) = documents[0].files.values()
    assert filename.endswith(".txt")
    assert content.decode().startswith("Subject: Refund of unspent balance")


async def test_saved_account_is_offered_next_time(user: ChatDriver) -> None:
    """An account added once is a button at the next /new, and picking it skips its questions."""
    await saved_account(user)
    await user.send("/new")
    await user.tap("charged twice")
    assert any("Northwind Apparel" in label for label in user.button_labels())
    await user.tap("Northwind Apparel")
    assert "When was the charge?" in user.last_text()
    assert "Step 3 of " in user.last_text()


async def test_restart_mid_intake_keeps_every_answer(
    settings: Settings, policy: Policy, clock: Clock, db_url: str
) -> None:
    """Stop the application mid-intake and start a new one on the same SQLite file:
    the user continues at the same question and the message has the earlier answers."""
    async with bot_process(settings, policy, clock, db_url) as (app1, api1):
        user1 = ChatDriver(app1, api1)
        await user1.send("/new")
        await user1.tap("charged twice")
        await add_account(user1)
        await user1.send("9 Nov 10:02")
        await user1.send("189.90 USD")
        old_buttons = user1.last_with_buttons()

    async with bot_process(settings, policy, clock, db_url) as (app2, api2):
        user2 = ChatDriver(app2, api2)
        await user2.send("/new")
        assert "in progress" in user2.last_text()
        await user2.tap("Continue")
        assert "last 4 digits" in user2.last_text()
        # A button from before the restart still belongs to the current question.
        skip = next(data for label, data in old_buttons.buttons if label == "Skip")
        await user2.press(skip)
        await user2.send("BDUS2026550101")
        await user2.tap("Skip")
        await user2.send("9 Nov 10:08")
        await user2.tap("Skip")
        await user2.tap("My money back")
        await user2.tap("Today")
        replies = await user2.tap("Skip")
        message = plain(replies[-1].text)
        assert "189.90 USD" in message and "9 November 2026, 10:02" in message
        assert ADVERTISER_ID in message


async def test_after_sending_there_is_no_way_back_and_cancel_keeps_the_case(
    user: ChatDriver, store: Store
) -> None:
    """At the ticket question the case is already sent: no Back button, and Cancel ends
    the questions without cancelling the case or its reminder."""
    await user.send("/new")
    await user.tap("unused balance")
    await add_account(user, billing="Manual payment")
    await user.send("420 USD")
    await user.tap("Yes, I'm an admin")
    await user.tap("Skip")
    await user.tap("I've sent it")
    assert not any("Back" in label for label in user.button_labels())
    await user.tap("Cancel")
    assert "case #1" in user.last_text()
    assert store.load_track(1).status == "awaiting_reply"
    assert [s for s, _, _ in store.reminder_states(1)] == ["pending"]


def test_every_kind_of_button_has_a_route() -> None:
    """The button handler routes by the codec's kinds: none is left without a route."""
    assert set(ROUTES) == set(Kind)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ("i:k3Fz9QaB:4:a:double", Kind.INTAKE),
        ("m:new", Kind.NEW),
        ("k:ab12:v", Kind.CASE),
        ("k:ab12", None),  # cut short: the codec refuses it, the handler answers
        ("m:case:ab12", Kind.SHOW_CASE),
        ("m:case:", None),
        ("m:cases:open", Kind.CASES),
        ("m:cases:", Kind.CASES),
        ("m:imp:case:f:3", Kind.IMPORT),
        ("m:set:menu:tz", Kind.SETTINGS),
        ("m:set", Kind.INTAKE),  # a menu's bare prefix was never a button: the intake's
        ("m:stats", Kind.INTAKE),
        ("m:nope:1", None),
        ("", None),
    ],
)
def test_a_button_is_routed_by_its_kind(data: str, kind: Kind | None) -> None:
    """The codec names a button's kind, and the handler routes by it; data the codec
    refuses (None here) has no route: the handler answers it itself."""
    pressed = callbacks.decode(data)
    assert (None if pressed is None else kind_of(data, pressed)) is kind


@pytest.mark.parametrize(
    "data",
    ["", "zz", "m:nope:1", "i:tok:x:a", "m:set", "m:imp", "m:cases", "x" * 80],
    ids=["empty", "no kind", "no menu", "no step", "set", "imp", "cases", "long"],
)
async def test_a_button_no_menu_of_ours_carries_has_expired(user: ChatDriver, data: str) -> None:
    """Data no button of ours carries (forged, cut short) and a menu's bare prefix get the
    intake's answer to a button it doesn't know: "This menu has expired." and the way to
    start again."""
    replies = await user.press(data)
    assert user.toasts() == ["This menu has expired."]
    assert [c.method for c in replies if c.method == "sendMessage"] == ["sendMessage"]


@pytest.mark.parametrize("data", ["k:tok", "k::a", "m:case:", "m:forget:yes:", "i:tok:3:a:"])
async def test_a_forged_button_of_a_known_kind_gets_the_one_answer(
    user: ChatDriver, data: str
) -> None:
    """A button of a known kind the codec can't read reaches no service: the handler gives
    it the one answer for data no button of ours carries ("This menu has expired." and the
    way to start again), and changes nothing."""
    replies = await user.press(data)
    assert user.toasts() == ["This menu has expired."]
    assert [c.method for c in replies if c.method == "sendMessage"] == ["sendMessage"]

"""End to end: the bot as a separate process (`python -m bot run`), long polling through
python-telegram-bot's real HTTP stack, against the telegram-test-api 4.2.1 emulator.

The chain is  bot process → repair proxy (this test process, 127.0.0.1) → emulator (node)
← scripted users (the emulator's client routes, over HTTP). Each test has its own bot
token, SQLite file and bot process; the emulator and the proxy serve the whole module.

The emulator deviates from the Bot API; the proxy (tests/e2e/repair_proxy.py) repairs, so that
production code runs unchanged:

- getMe has no `is_bot` (nor `can_join_groups`, …): added.
- dates are in milliseconds: divided by 1000.
- a sent message's `chat` is always `private`, it has no `from`, and it echoes the request
  (`chat_id`, `parse_mode`, …): the real chat (as seen in updates), the bot as sender, only
  the Bot API's fields.
- callback queries have no `chat_instance`: added.
- editMessageText / editMessageReplyMarkup answer null: the edited message is answered;
  other null results (answerCallbackQuery, deleteMessage, …) become `true`.
- errors are HTTP 200 with `ok: false`: sent with their `error_code` as the HTTP status;
  unknown methods (HTTP 500 with `{"message"}`) become `ok: false` with error_code 500.
- getUpdates ignores `offset` and forgets an update once answered, and never waits: the
  proxy keeps updates until an offset confirms them and waits up to a second for one.
- setMyCommands (and deleteMyCommands, setChatMenuButton) are missing, deleteWebhook is
  answered here too: `true`.
- getChatMember is missing: a plain member for whoever has written in the group, "left"
  for anyone else (the emulator keeps no member lists).
- edits show only in the emulator's history route: the scripted users read that route.
- getFile and the file route are missing: the proxy keeps the files the scripted users
  send and serves them as the official Bot API server does (a relative `file_path`, then
  GET /file/bot<token>/<file_path> on the same host), so a billing export sent as a
  document is downloaded from the server the bot is pointed at.

- sendPhoto is missing: the proxy reads the upload (multipart/form-data), keeps the picture
  for the tests (`RepairProxy.photos`), and hands the emulator the caption and buttons as
  a message, so the chat shows it and its buttons can be pressed; the bot is answered
  with a photo message (`photo` sizes from the PNG, `caption`).

Not covered here because the emulator lacks the methods (they answer HTTP 500): sendDocument
(the message as a .txt file, /export), getChat, createForumTopic, and
(my_)chat_member updates; nor are group admins (nobody is one here). getFile and the
file's bytes (billing imports) and getChatMember are answered by the repair proxy.
Those paths stay covered by the in-process flow tests (tests/bot/).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.telegram.miniapp_auth import make_init_data
from tests.e2e.harness import BotProcess, Emulator
from tests.e2e.repair_proxy import BOT_USERNAME, RepairProxy, SentPhoto, png_size
from tests.e2e.users import ChatUser
from tests.helpers import account_question

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="node and npm are needed to run the Telegram emulator (telegram-test-api)",
)

DATA = Path(__file__).resolve().parent.parent / "data"
ADVERTISER_ID = "7289000011112221010"
ALEX, SAM = 5001, 5002
GROUP = -100555


@pytest.fixture
def people(
    emulator: Emulator, token: str, bot_process: BotProcess
) -> Iterator[dict[str, ChatUser]]:
    """Alex and Sam, each in private with the bot and both in a group with it."""
    team = (GROUP, "Ads team")
    log = bot_process.log
    made = {
        "alex": ChatUser(emulator, token, ALEX, "Alex", "alex", describe=log),
        "sam": ChatUser(emulator, token, SAM, "Sam", "sam", describe=log),
        "alex_group": ChatUser(emulator, token, ALEX, "Alex", "alex", group=team, describe=log),
        "sam_group": ChatUser(emulator, token, SAM, "Sam", "sam", group=team, describe=log),
    }
    yield made
    for user in made.values():
        user.close()


def add_account(user: ChatUser, billing: str = "Automatic payment") -> None:
    """Answer the account questions the intake asks, in its order: after the reason only
    the facts that reason needs, from /accounts all of them (name included; the country,
    optional, skipped)."""
    answers = {
        "id": lambda: user.send(ADVERTISER_ID),
        "name": lambda: user.send("Northwind Apparel"),
        "paid_via": lambda: user.tap("TikTok directly"),
        "status": lambda: user.tap("Active", exact=True),
        "billing": lambda: user.tap(billing),
        "bc": lambda: user.tap("No", exact=True),
        "bc_id": lambda: user.tap("Skip"),
        "currency": lambda: user.tap("USD", exact=True),
        "region": lambda: user.tap("Skip"),
    }
    while (which := account_question(user.last_text())) is not None:
        answers[which]()


def unused_balance_to_verdict(user: ChatUser) -> tuple[str, str]:
    """An unused-balance case from its first question (what went wrong) on, for a new
    manual-payment account; returns (verdict, support message)."""
    assert "Step 1 — what went wrong" in user.last_text()
    user.tap("unused balance")
    assert "Step 2 of 11 — your ad account" in user.last_text()
    add_account(user, billing="Manual payment")
    assert "Step 8 of 11 — the balance" in user.last_text()
    user.send("420.00 USD")
    user.tap("Yes, I'm an admin")
    assert "Step 10 of 11 — anything to attach?" in user.last_text()
    return skip_evidence(user)


def skip_evidence(user: ChatUser) -> tuple[str, str]:
    """Skip the evidence (step 5); returns (verdict, support message)."""
    mark = user.mark()
    user.tap("Skip")
    replies = [m.plain for m in user.wait_for_button("I've sent it", after=mark)]
    assert len(replies) == 2, replies
    verdict, message = replies
    return verdict, message


def test_private_intake_from_start_to_the_support_message(
    people: dict[str, ChatUser], proxy: RepairProxy, token: str
) -> None:
    """A user alone: /start, /new, a new ad account, unused balance, the amount, evidence
    skipped; the verdict and the message to send arrive, with the advertiser ID and amount,
    and the follow-up buttons. The command menu was registered at start-up."""
    assert (token, "setMyCommands") in proxy.calls
    alex = people["alex"]
    alex.send("/start")
    assert "TikTok" in alex.last_text()
    alex.send("/new")
    verdict, message = unused_balance_to_verdict(alex)
    assert "✅" in verdict and "Request a refund · FAQs for Refund" in verdict
    assert ADVERTISER_ID in message and "420.00 USD" in message


def test_group_case_continues_in_private_with_the_deep_link(
    people: dict[str, ChatUser], proxy: RepairProxy, token: str
) -> None:
    """/new@bot in a group posts a card with a private deep link; another member can't use
    it; its member continues in private with /start <token>, and the group's case card shows
    the drafted case."""
    alex_group, alex, sam = people["alex_group"], people["alex"], people["sam"]
    alex_group.send(f"/new@{BOT_USERNAME}")
    assert "Alex is starting a refund case" in alex_group.last_text()
    # Alex's membership was checked (the proxy answers: a plain member).
    assert (token, "getChatMember") in proxy.calls
    url = next(data for label, data in alex_group.last_with_buttons().buttons if "private" in label)
    assert url.startswith(f"https://t.me/{BOT_USERNAME}?start=")
    link = url.rsplit("=", 1)[1]

    sam.send(f"/start {link}")
    assert "made for someone else" in sam.last_text()

    alex.send(f"/start {link}")
    assert "This case is for" in alex.all_text()
    _, message = unused_balance_to_verdict(alex)
    assert ADVERTISER_ID in message and "420.00 USD" in message
    card = alex_group.wait_for("Case #1")
    assert "Owner: Alex" in card.plain
    people["sam_group"].send(f"/cases@{BOT_USERNAME}")
    assert "#1" in people["sam_group"].last_text()


def test_restart_mid_intake_keeps_the_answers(
    people: dict[str, ChatUser], bot_process: BotProcess
) -> None:
    """The bot process is stopped (SIGTERM) in the middle of an intake and started again on
    the same database: the user is offered the case in progress, gets the same question,
    a button from before the restart still works, and the message has the earlier answers."""
    alex = people["alex"]
    day = datetime.now(UTC).date() - timedelta(days=5)  # the bot runs in UTC
    alex.send("/new")
    alex.tap("charged twice")
    add_account(alex)
    alex.send(f"{day.day} {day:%b} {day.year} 10:02")
    alex.send("189.90 USD")
    question = alex.last_text()
    assert "last 4 digits" in question
    old_buttons = alex.last_with_buttons()

    assert bot_process.stop() == 0, bot_process.log()
    bot_process.start()

    alex.send("/new")
    assert "in progress" in alex.last_text()
    alex.tap("Continue")
    assert alex.last_text() == question
    skip = next(data for label, data in old_buttons.buttons if label == "Skip")
    alex.press(skip, old_buttons)
    alex.send("BDUS2026550101")
    alex.tap("Skip")
    alex.send(f"{day.day} {day:%b} {day.year} 10:08")
    alex.tap("Skip")
    alex.tap("My money back")
    alex.tap("Today")
    _, message = skip_evidence(alex)
    assert ADVERTISER_ID in message and "189.90 USD" in message
    assert f"{day.day} {day:%B} {day.year}, 10:02" in message


def test_a_polling_bot_serves_healthz_and_metrics(
    people: dict[str, ChatUser], bot_process: BotProcess
) -> None:
    """The polling process answers /healthz (database reachable) and /metrics, which has
    counted the update a user sent; SIGTERM stops it cleanly (exit 0)."""
    alex = people["alex"]
    alex.send("/start")
    base = f"http://127.0.0.1:{bot_process.http_port}"
    health = httpx.get(f"{base}/healthz", timeout=10)
    assert health.status_code == 200
    assert health.json()["status"] == "ok" and health.json()["database"] is True
    metrics = httpx.get(f"{base}/metrics", timeout=10).text
    assert 'refundbot_updates_total{kind="message"} 1.0' in metrics
    assert bot_process.stop() == 0
    assert bot_process.token.split(":", 1)[1] not in bot_process.log()


def test_a_billing_export_sent_as_a_document_is_imported(
    people: dict[str, ChatUser], proxy: RepairProxy, token: str
) -> None:
    """A billing export sent as a document is fetched from the Bot API server the bot is
    pointed at (TELEGRAM_API_BASE_URL; the file URL follows it, as the official local
    server serves files on the same host), read, and reported. Before, the bot asked the
    public Telegram host and answered "I couldn't fetch that file from Telegram"."""
    alex = people["alex"]
    alex.send("/accounts")
    alex.tap("Add an account")
    add_account(alex)
    # The export of the account added above (its title line names it).
    data = (
        (DATA / "billing_title_lines.csv")
        .read_bytes()
        .replace(b"7301234567890123456", ADVERTISER_ID.encode())
    )
    proxy.add_file(token, "export-1", "documents/file_0.csv", data)
    alex.send_document("export-1", "billing_title_lines.csv", len(data))
    report = alex.wait_for("charges imported")
    assert "7 charges imported, 4 lines skipped" in report.plain
    assert "couldn't fetch" not in alex.all_text()
    assert (token, "getFile") in proxy.calls
    # The proxy serves every test's bot: this bot's downloads are the ones with its token.
    assert [d for d in proxy.downloads if d[0] == token] == [(token, "documents/file_0.csv")]


def test_stats_and_board_in_a_private_chat_and_a_group(
    people: dict[str, ChatUser], proxy: RepairProxy, token: str, bot_process: BotProcess
) -> None:
    """Alex sends a case of his own and one of the group's (started there, answered in
    private). /stats in private and in the group each arrive as a photo (a PNG uploaded
    with sendPhoto) with that chat's figures as the caption, and its period buttons work.
    With a board URL set, private /board is a button opening it as a Mini App (the group is
    told to ask in private), /board is in private chats' menu, and the board's chart is
    served by the bot's own HTTP server for the initData Telegram would sign."""
    bot_process.stop()
    bot_process.env["BOARD_URL"] = "https://board.example.com/board/"
    bot_process.start()
    alex, alex_group = people["alex"], people["alex_group"]

    alex.send("/new")
    unused_balance_to_verdict(alex)  # the reason first, then a new account's questions
    alex.tap("I've sent it")
    alex.send("TT-1001")
    alex_group.send(f"/new@{BOT_USERNAME}")
    url = next(data for label, data in alex_group.last_with_buttons().buttons if "private" in label)
    alex.send(f"/start {url.rsplit('=', 1)[1]}")
    unused_balance_to_verdict(alex)  # the team's own ad account, added after the reason
    alex.tap("I've sent it")
    alex.send("TT-1002")

    def photos_to(chat_id: int) -> list[SentPhoto]:
        return [p for p in proxy.photos.get(token, []) if p.chat_id == chat_id]

    alex.send("/stats")
    (mine,) = photos_to(ALEX)
    assert mine.filename == "stats.png" and png_size(mine.data)[0] >= 600
    assert "Last 30 days" in mine.plain_caption
    assert "Cases opened: 1 · sent: 1 · closed: 0" in mine.plain_caption
    assert "asked 420.00 USD" in mine.plain_caption
    alex.tap("Last 90 days")
    assert "• Last 90 days" in [label for label, _ in photos_to(ALEX)[-1].buttons]

    alex_group.send(f"/stats@{BOT_USERNAME}")
    (team,) = photos_to(GROUP)
    assert "Cases opened: 1 · sent: 1" in team.plain_caption
    assert "asked 420.00 USD" in team.plain_caption

    alex.send("/board")
    assert (
        "📋 Open the board",
        "https://board.example.com/board/",
    ) in alex.last_with_buttons().buttons
    alex_group.send(f"/board@{BOT_USERNAME}")
    assert "private chat" in alex_group.last_text()
    assert (token, "setMyCommands") in proxy.calls

    signed = make_init_data(token, {"id": ALEX, "first_name": "Alex", "username": "alex"})
    base = f"http://127.0.0.1:{bot_process.http_port}/board/api"
    headers = {"Authorization": f"tma {signed}"}
    chart = httpx.get(f"{base}/chart.png", params={"team": str(GROUP)}, headers=headers, timeout=30)
    assert chart.status_code == 200 and chart.content.startswith(b"\x89PNG")
    board = httpx.get(f"{base}/cases", headers=headers, timeout=30).json()
    teams = {c["team_id"] for column in board["columns"] for c in column["cases"]}
    assert teams == {ALEX, GROUP}

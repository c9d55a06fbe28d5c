"""Card numbers and numbers, through the real Application (issue 14, §3 and §8).

No full card number, however it is split, is kept in the database (file and WAL), shown
back, or exported; identifier fields refuse one with a question. Numbers in commands and
buttons never raise; an amount whose dot is unclear is asked about; a button without a
message and a strange update id don't break the chat."""
# Over 400 lines: issue 14's card-number cases at every step, side by side.

from __future__ import annotations

import io
import itertools
import json
import logging
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Update
from telegram.ext import Application

from bot.db.store import Store
from bot.telegram.terminal import TerminalScreen
from bot.telegram.transport import ApiCall, InProcessBotApi
from conversations.intake import ANSWER_KEYS, Step
from tests.bot.test_hostile import HYPOTHESIS, PATHS, Positioned, StepPath
from tests.helpers import ADVERTISER_ID, ChatDriver, plain, saved_account

App = Application[Any, Any, Any, Any, Any, Any]
CRASH = "Sorry — something went wrong"
CARD_EXAMPLES = int(os.environ.get("CARD_EXAMPLES", "30"))
GROUP = -100555
ALEX, KIM = 1001, 1003

# The ways people split a card number (issue 14), each a test number of its network.
WRITTEN = {
    "4111111111111111": "4111.1111.1111.1111",
    "5555555555554444": "5555 / 5555 / 5555 / 4444",
    "4012888888881881": "4012  8888  8888  1881",
    "378282246310005": "3782 - 822463 - 10005",
    "6011111111111117": "6011_1111_1111_1117",
    "3530111333300000": "3530\t1113\t3330\t0000",
    "6200000000000005": "6200\n0000\n0000\n0005",
}


def trace(number: str) -> re.Pattern[bytes]:
    """The number's digits in order with up to 6 other bytes between each two: the number
    as typed, compacted, or escaped in JSON ("\\t", "\\n")."""
    return re.compile(rb"\D{0,6}".join(re.escape(d.encode()) for d in number))


def found_in(blob: bytes, numbers: list[str] | tuple[str, ...] | Any) -> list[str]:
    return [n for n in numbers if trace(n).search(blob)]


def shown(calls: list[ApiCall]) -> bytes:
    """Everything the bot sent: texts, captions, button labels, toasts, file names."""
    parts = []
    for call in calls:
        parts.append(json.dumps(call.params, ensure_ascii=False, default=str))
        parts.extend(name for name, _content in call.files.values())
    return "\n".join(parts).encode()


def on_disk(db_url: str) -> bytes:
    """The SQLite database file and its write-ahead log, as bytes."""
    path = Path(db_url.removeprefix("sqlite:///"))
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def zip_text(content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return b"\n".join(archive.read(name) for name in archive.namelist())


def refused(calls: list[ApiCall]) -> str:
    texts = [plain(c.text) for c in calls if c.method in ("sendMessage", "editMessageText")]
    assert texts, "no reply"
    return texts[-1]


async def answer(user: ChatDriver, text: str, *, card: bool) -> None:
    """Type `text`; with `card`, it must be refused with the card question."""
    calls = await user.send(text)
    if card:
        reply = refused(calls)
        assert reply.startswith("⚠️ That looks like a card number"), reply
        assert "?" in reply


# --- §3: hostile card numbers everywhere ------------------------------------------------------


async def test_hostile_card_numbers_leave_no_trace(
    user: ChatDriver, api: InProcessBotApi, store: Store, db_url: str
) -> None:
    """A case walked with card numbers in every field (split by dots, slashes, double spaces,
    dashes, underscores, tabs, line breaks): ID fields ask again, free text keeps only the
    last 4 digits, and no full number is in any reply, the export, or the database file
    and its WAL."""
    numbers = list(WRITTEN)
    w = list(WRITTEN.values())
    # The account with every fact (its name and Business Center ID are asked by /accounts
    # only), then the case on it.
    await user.send("/accounts")
    await user.tap("Add an account")
    await answer(user, w[0], card=True)  # advertiser ID
    await answer(user, w[1], card=True)
    await user.send(ADVERTISER_ID)
    await user.send(f"Northwind {w[2]}")  # account name
    await user.tap_data(":c:tiktok")
    await user.tap_data(":c:active")
    await user.tap_data(":c:automatic")
    await user.tap_data(":c:yes")  # in a Business Center
    await answer(user, w[3], card=True)  # Business Center ID
    await user.tap("Skip")
    await user.tap_data(":c:USD")
    await user.tap_data(":s")  # the country: skipped
    await user.send("/new")
    await user.tap_data(":c:duplicate")
    await user.tap("Northwind")
    await user.send("9 Nov 10:02")
    await answer(user, f"{w[4]} USD", card=True)  # amount
    await user.send("189.90 USD")
    await user.send(f"my card {w[5]}")  # card: only the last 4 digits are kept
    await answer(user, w[6], card=True)  # invoice number
    await user.send("BDUS2026550101")
    campaigns = await user.send(w[0].replace(".", "-"))  # the old error quoted this
    assert "4111" not in refused(campaigns)
    await user.tap("Skip")
    await user.send("9 Nov 10:08")
    await answer(user, w[1], card=True)  # the other charge's invoice
    await user.tap("Skip")
    await user.tap("My money back")
    await user.tap("Today")
    await user.send_photo("photo-1", caption=f"receipt, card {w[2]}\nthanks")
    if "Which of these is it?" in user.last_text():
        await user.tap("Something else")
    await user.send_file("doc-1", f"{w[3].replace(' ', '')}.pdf", caption=w[4])
    if "Which of these is it?" in user.last_text():
        await user.tap("Something else")
    await user.tap("Done")
    await user.tap("I've sent it")
    await answer(user, w[5], card=True)  # ticket, at the end of the intake
    await user.send("TT-0099123")
    await user.send("/case 1")
    await user.tap("Ticket number")  # and again from the case card
    ticket = await user.send(f"ticket {w[0]}")
    assert "card number" in refused(ticket)
    await user.send("cancel")
    await user.send(f"/settings tz {numbers[1]}")
    await user.send(f"/case {numbers[2]}")
    await user.send(f"/assign {numbers[3]} @x")
    await user.send("/export")

    case = store.get_case(user.chat_id, 1)
    assert case is not None and case.ticket == "TT-0099123"
    assert case.answers["card_last4"] == "0000"
    assert "•••• 1881" in case.answers["account_name"]
    exported = zip_text(api.sent("sendDocument")[-1].files["document"][1])
    assert b"Northwind" in exported
    assert found_in(exported, numbers) == []
    assert found_in(shown(api.calls), numbers) == []
    assert CRASH not in plain(user.all_text())
    if db_url.startswith("sqlite"):
        assert found_in(on_disk(db_url), numbers) == []


async def test_a_group_ticket_is_never_echoed_with_a_card_number(
    app: App, api: InProcessBotApi, store: Store
) -> None:
    """The group ticket prompt answered with "4111.1111.1111.1111": asked again, nothing
    saved, and the group (everyone) never sees the number; a real ticket then saves."""
    from tests.bot.test_groups import GROUP_A, people, team_case

    p = people(app, api)
    await team_case(p)
    await p["kim_a"].tap("Ticket number")
    calls = await p["kim_a"].send("4111.1111.1111.1111")
    assert "card number" in refused(calls)
    assert found_in(shown(calls), ["4111111111111111"]) == []
    case = store.get_case(GROUP_A, 1)
    assert case is not None and case.ticket == "TT-1"
    await p["kim_a"].send("TT-777")
    case = store.get_case(GROUP_A, 1)
    assert case is not None and case.ticket == "TT-777"


async def test_names_and_file_names_are_masked_where_they_are_kept(
    app: App, api: InProcessBotApi, store: Store, db_url: str
) -> None:
    """A member's first name and a group's title holding a card number (kept for the team's
    lists, shown in the group), and a billing export's file name (shown while it is read):
    masked before they are stored or shown."""
    numbers = ["4111111111111111", "5555555555554444", "4012888888881881"]
    group = ChatDriver(app, api, KIM, GROUP, "Kim 4111.1111.1111.1111", "kim")
    group.updates.chat["title"] = "Team 5555_5555_5555_4444"
    await group.send("/new@refund_guide_bot")
    assert "Kim •••• 1111" in group.last_text()
    user = ChatDriver(app, api, user_id=4242)
    await saved_account(user)
    await user.send_file("doc-9", "4012.8888.8888.1881.csv")
    assert "Reading •••• 1881.csv" in shown(api.calls).decode()
    assert found_in(shown(api.calls), numbers) == []
    if db_url.startswith("sqlite"):
        assert found_in(on_disk(db_url), numbers) == []


# --- §3: the property, field by field --------------------------------------------------------

FIELDS = [
    path
    for path in PATHS
    if path.step
    in (
        Step.ACCOUNT_ID,
        Step.ACCOUNT_NAME,
        Step.ACCOUNT_BC_ID,
        Step.CHARGE_AMOUNT,
        Step.CHARGE_CARD,
        Step.CHARGE_INVOICE,
        Step.CHARGE_CAMPAIGNS,
        Step.OTHER_INVOICE,
        Step.INVOICE_PROBLEM,
        Step.STORY,
        Step.TICKET,
    )
]
SEPARATOR = st.one_of(
    st.sampled_from([" ", "  ", "-", " - ", ".", "/", " / ", "_", "\t", "\n", " \n ", "\u00a0"]),
    st.text(alphabet=" \t\n.,-_/|:*", min_size=1, max_size=4),
)


@st.composite
def card_text(draw: st.DrawFn) -> tuple[str, str]:
    """A card number, split anyhow, at the start, middle or end of a short text."""
    number = draw(st.sampled_from(list(WRITTEN)))
    cuts = sorted(draw(st.sets(st.integers(1, len(number) - 1), min_size=1, max_size=5)))
    groups = [number[a:b] for a, b in zip([0, *cuts], [*cuts, len(number)], strict=True)]
    same = draw(st.booleans())
    first = draw(SEPARATOR)
    written = groups[0]
    for group in groups[1:]:
        written += (first if same else draw(SEPARATOR)) + group
    before = draw(st.sampled_from(["", "paid with ", "card: ", "TT-1 ", "Northwind "]))
    after = draw(st.sampled_from(["", " thanks", ".", "\nplease refund", " USD"]))
    return number, f"{before}{written}{after}"


_field_users = itertools.count(70_000)


@pytest.fixture
async def at_step(path: StepPath, app: App, api: InProcessBotApi, store: Store) -> Positioned:
    """A new user standing at `path`'s step (as in test_hostile)."""
    user = ChatDriver(app, api, user_id=next(_field_users))
    for action in path.actions:
        await action(user)
    row = store.load_intake(user.chat_id, user.user_id)
    assert row is not None and row.intake.step is path.step, (path.step, user.last_text())
    return Positioned(user, store, path.step, path.then, row, user.last_text())


@pytest.mark.parametrize("path", FIELDS, ids=[p.step.value for p in FIELDS])
@settings(HYPOTHESIS, max_examples=CARD_EXAMPLES)
@given(typed=card_text())
async def test_no_full_card_number_survives_any_field(
    path: StepPath, at_step: Positioned, db_url: str, typed: tuple[str, str]
) -> None:
    """Whatever the separators and wherever the number sits, after typing it at a step the
    full number is in no reply, not in the stored answers, and not in the database."""
    number, text = typed
    at = at_step
    at.reset()
    calls = await at.user.send(text)
    assert found_in(shown(calls), [number]) == [], (at.step.value, text)
    row = at.store.load_intake(at.user.chat_id, at.user.user_id)
    assert row is not None
    stored = json.dumps(row.intake.answers, ensure_ascii=False).encode()
    assert found_in(stored, [number]) == [], (at.step.value, text)
    own = ANSWER_KEYS.get(at.step, ())
    if row.intake.step is at.step:  # refused: asked again, nothing of it kept
        assert all(row.intake.answers.get(k) == at.row.intake.answers.get(k) for k in own)
    if db_url.startswith("sqlite"):
        assert found_in(on_disk(db_url), [number]) == [], (at.step.value, text)


# --- §8: numbers read as numbers --------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/case ²", "Which case? Send its number"),
        ("/case ¹²", "Which case? Send its number"),
        ("/case 1_0", "Which case? Send its number"),
        ("/case 99999999999999999999999", "Which case? Send its number"),
        ("/case ٤٢", "I can't find case #42"),
        ("/settings reply ²", "Type the reply wait as a number of business days, 1 to 30."),
        ("/settings reply 1_0", "Type the reply wait as a number of business days, 1 to 30."),
        ("/settings quiet ²²:00-08:00", "Type quiet hours like 22:00-08:00."),
    ],
)
async def test_superscripts_and_odd_digits_get_a_friendly_reply(
    user: ChatDriver, command: str, expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Python's isdigit() takes "²" and int() then fails: each such command gets the
    command's own help, never the error reply or Python's message."""
    with caplog.at_level(logging.ERROR):
        await user.send(command)
    text = user.last_text()
    assert expected in text
    assert "invalid literal" not in text and CRASH not in user.all_text()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_assign_with_a_superscript_number_shows_how_to_use_it(
    app: App, api: InProcessBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    """/assign ¹ @x (and /assign@bot ¹4111111111111111 @x) in a group: the usage, no crash."""
    api.admins.add((GROUP, KIM))
    kim = ChatDriver(app, api, KIM, GROUP, "Kim", "kim")
    with caplog.at_level(logging.ERROR):
        await kim.send("/assign@refund_guide_bot ¹ @x")
        assert "/assign" in kim.last_text()
        await kim.send("/assign@refund_guide_bot ¹4111111111111111 @x")
        assert "/assign" in kim.last_text()
    assert CRASH not in kim.all_text()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "data",
    ["m:acc:ed:¹", "m:acc:rm:²", "m:acc:ed:1_0", "m:acc:ed:99999999999999999999999", "m:imp:acc:²"],
)
async def test_forged_buttons_with_odd_numbers_are_refused_politely(
    user: ChatDriver, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A forged press whose number isn't one is answered on the button, nothing breaks."""
    with caplog.at_level(logging.ERROR):
        await user.press(data)
    assert user.toasts() or user.messages()
    assert CRASH not in user.all_text()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_terminal_reads_a_superscript_as_no_button() -> None:
    """In the terminal chat, "²" is not button 2 (and does not crash the chat)."""
    screen = TerminalScreen(io.StringIO(), Path("."))
    screen.buttons = [("One", "d:1"), ("Two", "d:2")]
    assert screen.button_for("²") is None
    assert screen.button_for("2") == "d:2"


def _callback(user: ChatDriver, data: str, **where: Any) -> Update:
    query = {
        "id": "cb-1",
        "from": user.updates.user,
        "chat_instance": "ci",
        "data": data,
        **where,
    }
    update = Update.de_json({"update_id": next(_ids), "callback_query": query}, user.app.bot)
    assert update is not None
    return update


_ids = itertools.count(10**9)


async def test_a_button_without_a_message_is_answered_on_the_button(
    user: ChatDriver, caplog: pytest.LogCaptureFixture
) -> None:
    """A press under an inline-mode message (no message, no chat) gets a toast, no error."""
    start = len(user.api.calls)
    with caplog.at_level(logging.ERROR):
        await user.app.process_update(_callback(user, "m:cases:all", inline_message_id="im-1"))
    calls = user.api.calls[start:]
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert "too old" in str(calls[0].params.get("text"))
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_button_under_an_inaccessible_message_still_works(user: ChatDriver) -> None:
    """Telegram sends a very old message as inaccessible (date 0): the chat is known, so
    the press is handled as usual."""
    gone = {"chat": user.updates.chat, "message_id": 7, "date": 0}
    await user.app.process_update(_callback(user, "m:cases:all", message=gone))
    assert CRASH not in user.all_text()
    assert user.messages(), "the case list (or its empty message) is shown"


async def _at_amount(user: ChatDriver) -> None:
    from tests.helpers import to_the_charge_date

    await user.send("/new")
    await to_the_charge_date(user)
    await user.send("9 Nov 10:02")


async def test_a_huge_update_id_does_not_silence_the_chat(user: ChatDriver, store: Store) -> None:
    """An update with id 2^62 is handled, and the answers after it (with Telegram's usual
    ids) are too: before, every later answer was taken for a redelivery and ignored."""
    await _at_amount(user)
    normal = user.updates.text("189.90 USD")
    huge = Update.de_json({**normal.to_dict(), "update_id": 2**62}, user.app.bot)
    assert huge is not None
    await user.app.process_update(huge)
    assert "last 4 digits" in user.last_text()
    calls = await user.send("1881")
    assert [c for c in calls if c.method == "sendMessage"], "the next answer got no reply"
    row = store.load_intake(user.chat_id, user.user_id)
    assert row is not None and row.intake.step is Step.CHARGE_INVOICE


async def test_update_ids_that_start_afresh_are_new(user: ChatDriver, store: Store) -> None:
    """Telegram picks new update ids after a week without updates, possibly lower: an id
    far below the last one seen is a new update, not a redelivery."""
    await _at_amount(user)
    normal = user.updates.text("189.90 USD")
    lower = Update.de_json({**normal.to_dict(), "update_id": 12_345}, user.app.bot)
    assert lower is not None
    await user.app.process_update(lower)
    assert "last 4 digits" in user.last_text()
    row = store.load_intake(user.chat_id, user.user_id)
    assert row is not None and row.intake.step is Step.CHARGE_CARD


async def test_a_dot_before_three_digits_is_asked_about(user: ChatDriver, store: Store) -> None:
    """120.999 USD might be 120,999 or a mistyped 120.99: asked, nothing stored; the
    amount typed without the dot (or with a comma for thousands) is then taken."""
    await _at_amount(user)
    await user.send("120.999 USD")
    assert "Is that 120,999 USD?" in user.last_text()
    row = store.load_intake(user.chat_id, user.user_id)
    assert row is not None and row.intake.step is Step.CHARGE_AMOUNT
    assert "amount" not in row.intake.answers
    await user.send("120,999 USD")
    row = store.load_intake(user.chat_id, user.user_id)
    assert row is not None and row.intake.answers["amount"] == "120999.00"

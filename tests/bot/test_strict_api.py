"""The in-process Bot API refuses what Telegram refuses, so a message the bot could never
send on Telegram fails a test instead of a user (bot/telegram/api_rules.py)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.telegram.api_rules import Refused, check_markup, check_text, parse_html, utf16_length
from bot.telegram.transport import InProcessBotApi, UpdateFactory

CHAT = 4242


@pytest.fixture
async def bot() -> Any:
    api = InProcessBotApi()
    async with Bot("123:TEST", request=api, get_updates_request=api) as bot:
        api.open_chat(CHAT)
        yield bot


def keyboard(data: str) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": "Go", "callback_data": data}]]}


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("<b>Case #1</b> · 189.90 USD", "Case #1 · 189.90 USD"),
        ("a &lt;b&gt; &amp; &quot;q&quot; &#8364; &#x20AC;", 'a <b> & "q" € €'),
        ('<a href="https://ads.tiktok.com/">page</a>', "page"),
        ('<a href="tg://user?id=1001">a team member</a>', "a team member"),
        ("<b>bold <i>both</i></b> <code>x</code>", "bold both x"),
        ('<span class="tg-spoiler">s</span><blockquote expandable>q</blockquote>', "sq"),
    ],
)
def test_html_telegram_takes_is_read_as_it_shows(text: str, shown: str) -> None:
    assert parse_html(text) == shown


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1 < 2", "unsupported start tag"),
        ("<div>x</div>", "unsupported start tag"),
        ("<b>open", "can't find end tag"),
        ("<b><i>x</b></i>", "can't find start tag"),
        ("x</b>", "can't find start tag"),
        ("R&D", "unsupported HTML entity"),
        ("&nbsp;", "unsupported HTML entity"),
        ("a > b", "unexpected end tag"),
    ],
)
def test_html_telegram_refuses_is_refused(text: str, why: str) -> None:
    with pytest.raises(Refused, match=why):
        parse_html(text)


def test_length_is_counted_after_parsing_in_utf16_units() -> None:
    assert utf16_length("💸") == 2
    check_text("<b>" + "a" * 4096 + "</b>", "HTML")  # the tags don't count
    with pytest.raises(Refused, match="message is too long"):
        check_text("💸" * 2049, None)
    check_text("x" * 1024, None, caption=True)
    with pytest.raises(Refused, match="caption is too long"):
        check_text("x" * 1025, None, caption=True)
    with pytest.raises(Refused, match="text is empty"):
        check_text("<b> </b>", "HTML")


def test_callback_data_over_64_bytes_and_odd_buttons_are_refused() -> None:
    check_markup(keyboard("k:" + "x" * 62))
    with pytest.raises(Refused, match="BUTTON_DATA_INVALID"):
        check_markup(keyboard("é" * 33))  # 66 bytes in UTF-8
    with pytest.raises(Refused, match="BUTTON_DATA_INVALID"):
        check_markup(keyboard(""))
    with pytest.raises(Refused):
        check_markup({"inline_keyboard": [[{"text": "", "callback_data": "x"}]]})
    with pytest.raises(Refused):
        check_markup(
            json.dumps({"inline_keyboard": [[{"text": "Board", "web_app": {"url": "http://x"}}]]})
        )


async def test_the_fake_answers_400_as_telegram_does(bot: Bot) -> None:
    api: InProcessBotApi = bot.request  # type: ignore[assignment]
    sent = await bot.send_message(CHAT, "<b>hello</b>", parse_mode=ParseMode.HTML)
    # Made one at a time (lambdas), each awaited: PTB re-cases the descriptions.
    refusals: list[tuple[Callable[[], Awaitable[Any]], str]] = [
        (lambda: bot.send_message(CHAT, "x" * 4097), "too long"),
        (lambda: bot.send_message(CHAT, "<b>hello", parse_mode=ParseMode.HTML), "end tag"),
        (
            lambda: bot.send_message(CHAT, "ok", api_kwargs={"reply_markup": keyboard("x" * 65)}),
            "button_data_invalid",
        ),
        (lambda: bot.send_message(CHAT + 1, "who?"), "chat not found"),
        (
            lambda: bot.edit_message_text("new", chat_id=CHAT, message_id=999_999),
            "to edit not found",
        ),
        (
            lambda: bot.edit_message_text(
                "<b>hello</b>", chat_id=CHAT, message_id=sent.message_id, parse_mode="HTML"
            ),
            "not modified",
        ),
        (
            lambda: bot.edit_message_reply_markup(chat_id=CHAT, message_id=sent.message_id),
            "not modified",
        ),
    ]
    for call, why in refusals:
        with pytest.raises(BadRequest, match=rf"(?i){why}"):
            await call()
    assert len(api.bad_requests) == len(refusals)
    assert [c.method for c in api.calls if c.method != "getMe"] == ["sendMessage"]
    # A real change is taken, and remembered for the next edit's check.
    await bot.edit_message_text("changed", chat_id=CHAT, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("changed", chat_id=CHAT, message_id=sent.message_id)


async def test_a_chat_is_known_once_a_user_writes_from_it() -> None:
    api = InProcessBotApi()
    async with Bot("123:TEST", request=api, get_updates_request=api) as bot:
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(-100555, "hello team")
        UpdateFactory(bot, user_id=1001, chat_id=-100555)
        await bot.send_message(-100555, "hello team")

"""Test helpers: a scripted user that talks to the real Application through the fake API."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from telegram.ext import Application

from bot.app.reminders.sweep import ReminderSweep
from bot.config import Settings
from bot.db.store import Store
from bot.telegram.application import build_application, build_service
from bot.telegram.transport import ApiCall, InProcessBotApi, UpdateFactory
from conversations.policy import Policy

_TAGS = re.compile(r"<[^>]+>")
# The kinds of work a chat's update can leave running in the background
# (bot/telegram/background.py).
WORK_KINDS = ("import", "export")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


DEFAULT_NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def plain(text: str) -> str:
    """Telegram HTML as the user reads it."""
    return html.unescape(_TAGS.sub("", text))


class ChatDriver:
    """One user in one chat, typing and tapping like a person would."""

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        api: InProcessBotApi,
        user_id: int = 1001,
        chat_id: int | None = None,
        first_name: str = "Alex",
        username: str | None = None,
        *,
        member: bool = True,
    ) -> None:
        """`member`: in a group, Telegram's getChatMember says this user is in it (else,
        as for anyone the test never added, "left")."""
        self.app = app
        self.api = api
        if member and chat_id is not None and chat_id < 0:
            api.set_member(chat_id, user_id)
        self.updates = UpdateFactory(
            app.bot, user_id=user_id, chat_id=chat_id, first_name=first_name
        )
        if username:
            self.updates.user["username"] = username
        self.user_id = user_id
        self.chat_id = chat_id if chat_id is not None else user_id

    async def send(self, text: str) -> list[ApiCall]:
        """Type `text` (a /command or an answer) and return what the bot did in reply."""
        return await self.deliver(self.updates.text(text))

    async def send_file(self, file_id: str, name: str, caption: str | None = None) -> list[ApiCall]:
        return await self.deliver(self.updates.document(file_id, name, caption))

    async def send_photo(self, file_id: str, caption: str | None = None) -> list[ApiCall]:
        return await self.deliver(self.updates.photo(file_id, caption))

    async def tap(self, label: str, *, exact: bool = False) -> list[ApiCall]:
        """Tap the button whose label contains `label` in the newest message with buttons."""
        message = self.last_with_buttons()
        for text, data in message.buttons:
            if (text == label) if exact else (label.casefold() in text.casefold()):
                return await self.press(data, message.message_id or 1)
        labels = [text for text, _ in message.buttons]
        raise AssertionError(f"no button {label!r} in {labels}")

    async def tap_data(self, suffix: str) -> list[ApiCall]:
        """Tap the button whose callback data ends with `suffix` (labels vary by language)."""
        message = self.last_with_buttons()
        for _label, data in message.buttons:
            if data.endswith(suffix):
                return await self.press(data, message.message_id or 1)
        raise AssertionError(f"no button ending {suffix!r} in {message.buttons}")

    async def press(self, data: str, message_id: int = 1) -> list[ApiCall]:
        """Deliver a callback query with raw `data` (old or forged buttons included)."""
        return await self.deliver(self.updates.button(data, message_id))

    async def deliver(self, update: Any) -> list[ApiCall]:
        """Hand the update to the application and return what the bot did, including the
        import or export it started in the background (the driver waits for that work,
        as a person waits for the report; a second file meanwhile is answered at once)."""
        start = len(self.api.calls)
        background = self.app.bot_data.background
        before = {kind: background.running(kind, self.chat_id) for kind in WORK_KINDS}
        await self.app.process_update(update)
        for kind, earlier in before.items():
            started = background.running(kind, self.chat_id)
            if started is not None and started is not earlier:
                await asyncio.wait([started])
        return self.api.calls[start:]

    # --- what the user sees ----------------------------------------------------------

    def messages(self) -> list[ApiCall]:
        """What the chat shows: sent messages and files, each as last edited."""
        shown: dict[int, ApiCall] = {}
        order: list[int] = []
        for c in self.api.calls:
            if int(c.params.get("chat_id", 0)) != self.chat_id:
                continue
            if (
                c.method in ("sendMessage", "sendDocument", "sendPhoto")
                and c.message_id is not None
            ):
                shown[c.message_id] = c
                order.append(c.message_id)
            elif c.method == "editMessageText" and int(c.params["message_id"]) in shown:
                old = shown[int(c.params["message_id"])]
                shown[old.message_id or 0] = ApiCall(
                    "sendMessage", {**old.params, **c.params}, message_id=old.message_id
                )
            elif c.method == "editMessageReplyMarkup" and int(c.params["message_id"]) in shown:
                # The keyboard changed (or went: no reply_markup) and the text stayed.
                old = shown[int(c.params["message_id"])]
                params = {k: v for k, v in old.params.items() if k != "reply_markup"}
                if c.params.get("reply_markup"):
                    params["reply_markup"] = c.params["reply_markup"]
                shown[old.message_id or 0] = ApiCall(old.method, params, message_id=old.message_id)
        return [shown[i] for i in order]

    def last(self) -> ApiCall:
        return [m for m in self.messages() if m.method == "sendMessage"][-1]

    def last_text(self) -> str:
        return plain(self.last().text)

    def last_with_buttons(self) -> ApiCall:
        for message in reversed(self.messages()):
            if message.buttons:
                return message
        raise AssertionError("no message with buttons yet")

    def button_labels(self) -> list[str]:
        return [text for text, _ in self.last_with_buttons().buttons]

    def toasts(self) -> list[str]:
        return [
            str(c.params.get("text", ""))
            for c in self.api.calls
            if c.method == "answerCallbackQuery"
        ]

    def all_text(self) -> str:
        return "\n".join(plain(m.text) for m in self.messages() if m.method == "sendMessage")


ADVERTISER_ID = "7289000011112221010"


# The ad account's questions, told by their text (English).
_ACCOUNT_QUESTIONS = (
    ("advertiser ID", "id"),
    ("What should I call this account", "name"),
    ("Who do you pay for ads", "paid_via"),
    ("active, suspended or closed", "status"),
    ("How does this account pay", "billing"),
    ("owned by a Business Center", "bc"),
    ("Business Center ID", "bc_id"),
    ("Which currency is the account billed in", "currency"),
    ("Which country or region is the ad account in", "region"),
)


def account_question(text: str) -> str | None:
    """Which of the account's questions `text` asks, if any."""
    for words, which in _ACCOUNT_QUESTIONS:
        if words in text:
            return which
    return None


async def add_account(
    user: ChatDriver,
    *,
    name: str = "Northwind Apparel",
    billing: str = "Automatic payment",
    in_bc: bool = False,
    bc_id: str | None = None,
    currency: str = "USD",
    status: str = "Active",
    paid_via: str = "TikTok directly",
    advertiser_id: str = ADVERTISER_ID,
    region: str | None = None,
    saved: bool = True,
) -> list[str]:
    """Answer the ad account's questions, in whatever order and number the intake asks
    them: after the reason only the facts that reason needs, from /accounts all of them.
    At "Which ad account?" the saved account named `name` is picked (if `saved` and it is
    there; its missing facts are then answered from these), else a new one is added.
    The country (optional) is typed as `region` (a name or a code) when given, else
    skipped. Returns which questions were asked, in order."""
    asked: list[str] = []
    if "Which ad account" in user.last_text():
        labels = user.button_labels()
        if saved and any(label.startswith(name) for label in labels):
            await user.tap(name)
        else:
            await user.tap("Add an account")
    while True:
        which = account_question(user.last_text())
        if which is None or (asked and which == asked[-1]):
            return asked
        asked.append(which)
        if which == "id":
            await user.send(advertiser_id)
        elif which == "name":
            await user.send(name)
        elif which == "paid_via":
            await user.tap(paid_via)
        elif which == "status":
            await user.tap(status, exact=True)
        elif which == "billing":
            await user.tap(billing)
        elif which == "bc":
            await user.tap("Yes" if in_bc else "No", exact=not in_bc)
        elif which == "bc_id":
            if bc_id:
                await user.send(bc_id)
            else:
                await user.tap("Skip")
        elif which == "region":
            if region is None:
                await user.tap_data(":s")
            else:
                await user.send(region)
        else:
            await user.tap(currency, exact=True)


async def saved_account(user: ChatDriver, **facts: Any) -> None:
    """Add an ad account with every fact known, the way /accounts does (a case asks only
    what its reason needs)."""
    await user.send("/accounts")
    await user.tap("Add an account")
    await add_account(user, **facts)


async def to_the_charge_date(user: ChatDriver) -> None:
    """From the first question after /new to "when was the charge?" of a duplicate charge on
    a new USD account, tapping by callback data so it works in every language: the reason
    first, then the account's advertiser ID, who is paid, the billing option and the
    currency (what a duplicate charge's verdict and message need)."""
    await user.tap_data(":c:duplicate")
    if any(data.endswith(":n") for _label, data in user.last_with_buttons().buttons):
        await user.tap_data(":n")  # add an account
    await user.send("7289000011112221010")
    await user.tap_data(":c:tiktok")
    await user.tap_data(":c:automatic")
    await user.tap_data(":c:USD")


async def no_sleep(seconds: float) -> None:
    """Stand-in for asyncio.sleep in sweeps: tests move the clock by hand."""
    return None


async def sent_case(user: ChatDriver, ticket: str | None = "TT-0099123") -> None:
    """Take a duplicate-charge intake all the way to "I've sent it" (and the ticket)."""
    await user.send("/new")
    await user.tap("charged twice")
    await add_account(user)
    await user.send("9 Nov 10:02")
    await user.send("189.90 USD")
    await user.send("1881")
    await user.send("BDUS2026550101")
    await user.tap("Skip")
    await user.send("9 Nov 10:08")
    await user.tap("Skip")
    await user.tap("My money back")
    await user.tap("Today")
    await user.tap("Skip")
    await user.tap("I've sent it")
    if ticket:
        await user.send(ticket)
    else:
        await user.tap("Skip")


@asynccontextmanager
async def bot_process(
    settings: Settings,
    policy: Policy,
    clock: Clock,
    db_url: str,
    api: InProcessBotApi | None = None,
) -> AsyncIterator[tuple[Application[Any, Any, Any, Any, Any, Any], InProcessBotApi]]:
    """One run of the bot on `db_url`, with its own store (its own engine, as a process has)
    and its own API unless one is shared: leaving the block is stopping the process (the
    next block is a restart on the same database)."""
    api = api or InProcessBotApi()
    store = Store.open(db_url)
    app = build_application(
        settings,
        build_service(settings, store, policy, clock),
        request=api,
        token="123:TEST",
        rate_limited=False,
    )
    try:
        async with app:
            yield app, api
    finally:
        await store.aclose()


# --- what a test reads back: rows, timeline entries, the newest buttons ----------------


def count(store: Store, table: Any, *where: Any) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def events(store: Store, case_id: int, what: str) -> int:
    return [e.what for e in store.case_events(case_id)].count(what)


def button(driver: ChatDriver, label: str) -> tuple[str, int]:
    """(callback data, message id) of the newest button whose label contains `label`."""
    message = driver.last_with_buttons()
    data = next(d for text, d in message.buttons if label in text)
    return data, message.message_id or 1


async def until_overdue(app: Any, clock: Clock, store: Store) -> None:
    """Let the days pass, sweeping each hour, until the case's first reminder went out."""
    sweep: ReminderSweep = app.bot_data.sweep
    sweep.sleep = no_sleep
    for _ in range(24 * 14):
        clock.advance(hours=1)
        await sweep.run_once()
        if store.load_track(1).status == "overdue":
            return
    raise AssertionError("the case never became overdue")

"""The intake's chat screens with the contexts production builds for them (for
tests/bot/screen_contexts.py, and so test_rendering.py and test_i18n.py).

People talk to the real `RefundService` of tests/bot/screen_world.py (a SQLite store, the
recording renderer): /start, /new, typed answers, taps on the buttons it answered with,
files, /cancel, /accounts, /language. Each intake template the service renders is kept
with the context it passed, once it is seen in the replies the person got. The question
of every step the intake asks is added in tests/bot/test_rendering.py, from
`intake_screens.question_context` on the intakes the shared machine walks to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from itertools import count

from bot.app.imports import ImportJob
from bot.app.intake.service import RefundService
from bot.views import callbacks, i18n, review_screens
from bot.views.callbacks import Kind
from bot.views.intake_screens import Asking
from bot.views.rendering import Renderer
from bot.views.replies import Button, ButtonResult, Reply, Who
from conversations.billing import ExportTitle
from tests.bot.screen_world import SIGNATURE, Screen, flag, world
from tests.helpers import ADVERTISER_ID, DEFAULT_NOW

# The intake's own templates (the others come from tests/bot/screen_contexts.py).
INTAKE_TEMPLATES = frozenset(
    {
        "cancelled",
        "signature",
        "signature_saved",
        "case_usage",
        "closed",
        "done",
        "expired_idle",
        "file_kept",
        "file_without_case",
        "help",
        "accounts",
        "evidence_which",
        "import_add_account",
        "charge_list",
        "account_saved",
        "group_start",
        "group_new",
        "team_intake",
        "link_refused",
        "language",
        "idle",
        "in_progress",
        "message",
        "message_long",
        "no_message",
        "no_message_file",
        "notes",
        "nothing_to_cancel",
        "question",
        "start",
        "verdict",
    }
)
PRIVATE = Who(chat_id=6001, user_id=6001, first_name="Liu", is_admin=True)
_FILES = count(1)
TEAM = -100700800  # a group that adds the bot here
# The service's method for each kind of button these flows tap (as the handler routes them).
_ROUTES = {
    Kind.ACCOUNTS: "account_button",
    Kind.LANGUAGE: "language_button",
    Kind.CASE: "case_button",
}


class Chat:
    """One person in one chat, talking to the world's service; keeps every intake screen
    the service rendered for them."""

    def __init__(self, who: Who, kept: dict[str, list[Screen]]) -> None:
        self.who = who
        self.kept = kept
        self.last: list[Reply] = []

    @property
    def service(self) -> RefundService:
        return world().service

    def run(self, call: Callable[[], list[Reply] | ButtonResult]) -> list[Reply]:
        renderer = world().renderer
        start = len(renderer.chats)
        result = call()
        replies = result.replies if isinstance(result, ButtonResult) else result
        rendered = renderer.chats[start:]
        for name, context in rendered:
            if name not in INTAKE_TEMPLATES:
                continue
            text = Renderer.chat_text(renderer, name, **context)  # not recorded again
            # Kept when the person got it (a group's question after their name, a refused
            # answer's question under the error); not a screen built and then left out
            # (the verdict above a question asked again, a message too long that goes
            # as a file).
            if any(text in reply.text for reply in replies):
                self.kept.setdefault(name, []).append(Screen(name, context, text))
        if any(reply.buttons for reply in replies):
            self.last = replies  # what the next tap presses
        return replies

    def send(self, text: str) -> list[Reply]:
        return self.run(lambda: self.service.on_text(self.who, text))

    def file(self, caption: str | None = None) -> list[Reply]:
        file_id = f"file-{next(_FILES)}"
        return self.run(lambda: self.service.on_file(self.who, file_id, "photo", caption, None))

    def command(self, name: str, *args: str) -> list[Reply]:
        return self.run(lambda: getattr(self.service, name)(self.who, *args))

    def button(self, label: str) -> Button:
        """The button labelled `label`, else the last one whose label has it."""
        shown = [b for r in self.last for row in r.buttons for b in row]
        for button in shown:
            if button.label == label:
                return button
        for reply in reversed(self.last):
            for row in reply.buttons:
                for button in row:
                    if label in button.label:
                        return button
        raise AssertionError(f"no button {label!r} in {[b.label for b in shown]}")

    def tap(self, label: str) -> list[Reply]:
        return self.tap_in(self, label)

    def tap_in(self, seen: Chat, label: str) -> list[Reply]:
        """Tap a button of what `seen` (this chat, or someone else in it) was answered."""
        pressed = callbacks.decode(seen.button(label).data)
        assert pressed is not None
        route = _ROUTES.get(pressed.kind, "on_button")
        if pressed.kind is Kind.IMPORT and pressed.action == "case":
            route = "start_from_charges"
        return self.run(lambda: getattr(self.service, route)(self.who, pressed))


DUPLICATE = (
    ("tap", "charged twice"),
    ("send", ADVERTISER_ID),
    ("tap", "TikTok directly"),
    ("tap", "Automatic"),
    ("tap", "USD"),
    ("send", "9 Nov 10:02"),
    ("send", "189.90 USD"),
    ("send", "1881"),
    ("tap", "Skip"),
    ("tap", "Skip"),
    ("send", "9 Nov 10:08"),
    ("tap", "Skip"),
    ("tap", "My money back"),
    ("tap", "Today"),
)


def _tap_through(chat: Chat, *choices: str) -> None:
    """Tap the first of `choices` the last question offers, until it offers none."""
    for _n in range(12):
        labels = [b.label for r in chat.last for row in r.buttons for b in row]
        choice = next((c for c in choices if any(c in label for label in labels)), None)
        if choice is None:
            return
        asked = chat.last
        chat.tap(choice)
        if chat.last is asked:  # answered without a question (the account saved)
            return


def _answer(chat: Chat, answers: tuple[tuple[str, str], ...]) -> None:
    for how, what in answers:
        getattr(chat, how)(what)


def _flows(kept: dict[str, list[Screen]]) -> None:
    private = Chat(PRIVATE, kept)
    private.command("start")
    private.command("help")
    private.command("cancel")
    private.send("hello")
    private.command("on_unreadable")  # a sticker, say
    private.file()
    private.command("show_case", "")
    private.command("new")
    _answer(private, DUPLICATE[:6])
    private.command("new")  # in progress: continue
    private.tap("Continue")
    _answer(private, DUPLICATE[6:])
    for _n in range(2):
        private.file()
        private.tap("Something else")
    private.tap("Done")
    private.tap("Sign it")
    private.send("4111 1111 1111 1111")
    private.send(SIGNATURE)
    private.file()  # at the review: kept for the case
    private.tap("Change an answer")
    private.tap("Card")
    private.send("**** 1881")
    private.tap("Change an answer")
    private.tap("Card")
    private.send("4111 1111 1111 1881")  # a whole card number: only its end is kept
    old = private.last
    private.tap("I've sent it")
    private.send("TT-0099123")
    private.last = old
    private.tap("Write again")  # a finished intake's button
    private.command("accounts")
    private.tap("Add an account")
    private.send("7289000011112221011")
    private.send("Northwind <Shoes>")
    _tap_through(private, "TikTok directly", "Automatic", "No", "USD", "Active", "Skip")
    unhappy = Chat(Who(chat_id=6002, user_id=6002), kept)
    unhappy.command("new")
    unhappy.tap("unhappy with the results")
    # "Copy as file" pressed where the screen offers none (a client showing old buttons).
    row = world().store.load_intake(unhappy.who.chat_id, unhappy.who.user_id)
    assert row is not None
    pressed = callbacks.decode(Asking(row.token, row.seq).data("f"))
    assert pressed is not None
    unhappy.run(lambda: world().service.on_button(unhappy.who, pressed))
    unhappy.tap("Close the case")
    unhappy.command("new")
    unhappy.command("cancel")
    unhappy.command("language")
    unhappy.tap("English")
    _groups(kept)
    _imported(kept)


def _imported(kept: dict[str, list[Screen]]) -> None:
    """An export with no account to go into; the charges imported for an account, to
    pick from; a message too long for one Telegram message."""
    w = world()
    newcomer = Chat(Who(chat_id=6006, user_id=6006, is_admin=True), kept)
    newcomer.command("accounts")  # none yet
    job = ImportJob("file-2", "export <1>.csv", None, "USD")

    def add_account_first() -> list[Reply]:
        asked = w.service.import_account(newcomer.who, job, ExportTitle())
        assert isinstance(asked, list), "the file names no account, and none is saved"
        return asked

    newcomer.run(add_account_first)
    private = Chat(PRIVATE, kept)
    ref = int(w.store.list_accounts(PRIVATE.chat_id)[0]["ref"])
    rows = list(flag().rows)
    rows.append(dataclasses.replace(rows[0], amount=Decimal("50.00"), document="BDUS3", line=3))
    w.store.add_transactions(ref, rows, DEFAULT_NOW)
    private.command("new")
    private.tap("charged twice")
    private.tap("7289")
    private.tap("Pick from imported charges")
    private.tap("Nov 2026")
    private.tap("50.00 USD")
    private.tap("Type it instead")
    private.send("03/11/2026 10:02")  # which day is it? (asked with a button each)
    private.tap("3 Nov 2026, 10:02")
    row = w.store.load_intake(PRIVATE.chat_id, PRIVATE.user_id)
    assert row is not None
    verdict = w.service.review.verdict(row.intake, PRIVATE)
    message = w.service.review.support_message(row.intake, verdict, PRIVATE)
    assert message is not None
    long = dataclasses.replace(message, body=message.body + "Case notes.\n" * 400)
    shown = w.service.policy_texts.verdict(verdict)
    at = Asking("tok", 1)
    private.run(
        lambda: [review_screens.message(w.renderer, at, long, shown, 7, ask_signature=False)]
    )


def _groups(kept: dict[str, list[Screen]]) -> None:
    """A team's group: the bot added, /new's link to the private chat (used, used again,
    someone else's, unknown), then questions answered in the group itself."""
    team = Who(chat_id=TEAM, user_id=0, chat_kind="supergroup", chat_title="Agency <Team>")
    admin = dataclasses.replace(team, user_id=6003, first_name="Alex & Co", is_admin=True)
    group = Chat(admin, kept)
    group.command("bot_added")
    group.command("help")
    (link,) = (b.url for r in group.command("new", "refundbot") for row in r.buttons for b in row)
    assert link is not None
    token = link.rpartition("start=")[2]
    member = Chat(Who(chat_id=6003, user_id=6003), kept)
    member.command("start", token)
    member.file()  # sent while asked which charge: kept for the case
    member.file("card 4111 1111 1111 1111")  # a card number in its caption: warned
    # An account in euros, the charge typed in dollars (noted under the next question).
    _answer(member, tuple(("tap", "EUR") if a == ("tap", "USD") else a for a in DUPLICATE))
    member.tap("Done")
    member.tap("I've sent it")
    member.command("cancel")  # only the ticket's question ends: the case is followed
    member.command("start", token)
    Chat(Who(chat_id=6004, user_id=6004), kept).command("start", token)
    member.command("start", "nope")
    world().followup.chat_settings.settings(admin, "answers group")
    group.command("new")
    group.tap("charged twice")
    group.send(ADVERTISER_ID)
    group.command("language")
    Chat(dataclasses.replace(team, user_id=6005), kept).tap_in(group, "English")


@cache
def intake_screens_kept() -> dict[str, list[Screen]]:
    """Every intake template the people above were shown, with the contexts the service
    passed (driven once, in English: the taps find their buttons by label)."""
    kept: dict[str, list[Screen]] = {}
    with i18n.speaking("en"):
        _flows(kept)
    assert set(kept) == INTAKE_TEMPLATES, f"never shown: {INTAKE_TEMPLATES - set(kept)}"
    return kept

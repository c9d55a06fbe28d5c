"""The screens of /accounts, /language and /case: one function a screen, from plain data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any, Protocol

from bot.views import callbacks, i18n, labels
from bot.views.callbacks import Kind
from bot.views.i18n import _
from bot.views.intake_screens import MAX_MESSAGE_CHARS
from bot.views.rendering import Renderer
from bot.views.replies import Button, Document, Reply, account_label


def accounts(renderer: Renderer, listed: Sequence[dict[str, Any]], *, is_admin: bool) -> Reply:
    """The team's ad accounts, each to edit (and for admins, to remove), and one to add."""
    buttons: list[list[Button]] = []
    for a in listed[:10]:
        ref = str(a["ref"])
        row = [Button(f"✏️ {account_label(a)}", callbacks.menu(Kind.ACCOUNTS, "ed", ref))]
        if is_admin:
            row.append(Button("🗑 " + _("Remove"), callbacks.menu(Kind.ACCOUNTS, "rm", ref)))
        buttons.append(row)
    buttons.append([Button("➕ " + _("Add an account"), callbacks.menu(Kind.ACCOUNTS, "add"))])
    return Reply(renderer.chat_text("accounts", **accounts_context(listed, is_admin)), buttons)


def accounts_context(listed: Sequence[dict[str, Any]], is_admin: bool) -> dict[str, Any]:
    """What /accounts shows: the accounts, in the words of their billing."""
    return {"accounts": listed, "labels": labels.BILLING_WORDS, "is_admin": is_admin}


def languages(
    renderer: Renderer, *, is_group: bool, changed: bool = False, refused: bool = False
) -> Reply:
    """/language: the languages, each in its own name; after a change (or a refusal) the
    words alone."""
    current = i18n.current()
    buttons = [
        [Button(("• " if code == current else "") + lang.name, callbacks.menu(Kind.LANGUAGE, code))]
        for code, lang in i18n.LANGUAGES.items()
    ]
    text = renderer.chat_text("language", **language_context(is_group, changed, refused))
    return Reply(text, [] if changed or refused else buttons)


def language_context(is_group: bool, changed: bool, refused: bool) -> dict[str, Any]:
    """What /language says: the chat's language, and whether it just changed."""
    name = i18n.LANGUAGES[i18n.current()].name
    return {"name": name, "changed": changed, "refused": refused, "is_group": is_group}


class Event(Protocol):
    """One line of a case's timeline, as the database keeps it."""

    @property
    def at(self) -> datetime: ...
    @property
    def what(self) -> str: ...
    @property
    def detail(self) -> str | None: ...
    @property
    def person_user_id(self) -> int | None: ...


class Track(Protocol):
    """Where a case stands: the screen shows when the next reminder is due."""

    @property
    def next_ping_at(self) -> datetime | None: ...


def case(
    renderer: Renderer,
    view: Mapping[str, Any],
    *,
    case_id: int,
    message: str | None,
    events: Sequence[Event],
    names: Mapping[int, tuple[str, str | None]],
    track: Track,
    tz: tzinfo,
    buttons: list[list[Button]],
) -> Reply:
    """/case N: its answers, verdict, message, timeline (in the chat's time zone, people
    named as the team knows them now) and what can be done now. A message too long for one
    Telegram message goes as a file."""
    context = case_context(events, names, track, tz)
    reply = Reply(renderer.chat_text("case", case=view, **context), buttons)
    if len(reply.text) > MAX_MESSAGE_CHARS and message:
        # Too long for one Telegram message: the support message goes as a file.
        text = renderer.chat_text("case", case={**view, "message": None}, **context)
        reply = Reply(text, buttons)
        reply.document = Document(
            filename=f"refund-request-case-{case_id}.txt",
            content=message.encode("utf-8"),
            caption=_("Case #%(id)s: the message that was sent.") % {"id": case_id},
        )
    return reply


def case_context(
    events: Sequence[Event],
    names: Mapping[int, tuple[str, str | None]],
    track: Track,
    tz: tzinfo,
) -> dict[str, Any]:
    """What /case N shows besides the case: its timeline and when the next reminder is due."""
    return {
        "events": [
            {
                "at": e.at.astimezone(tz),
                "what": labels.EVENT_WORDS.get(e.what, e.what),
                "detail": labels.event_detail(e.what, e.detail, e.person_user_id, names),
            }
            for e in events
            if e.what not in labels.QUIET_EVENTS
        ],
        "next_ping": track.next_ping_at.astimezone(tz) if track.next_ping_at else None,
    }

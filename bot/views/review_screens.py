"""The review's screens: the verdict, the message to send to TikTok with what can be done
with it, the signature question, and the word that a charge already has a case.

The review is judged and its draft case kept in bot/app/intake/review.py; these only show it.
"""

from __future__ import annotations

from typing import Any

from bot.views import callbacks, i18n
from bot.views.i18n import _
from bot.views.intake_screens import MAX_MESSAGE_CHARS, Asking
from bot.views.rendering import Renderer, SupportMessage
from bot.views.replies import Button, Document, Reply
from conversations.answers import IntakeAnswers
from conversations.facts import Verdict


def verdict(
    renderer: Renderer,
    shown: Verdict,
    answers: IntakeAnswers,
    *,
    reason_label: str,
    pages: list[tuple[str, str | None]],
    progress: tuple[int, int | None] | None,
) -> Reply:
    """The verdict on the answers (`shown`: its texts in the reader's language)."""
    text = renderer.chat_text(
        "verdict", **verdict_context(shown, answers, reason_label, pages, progress)
    )
    return Reply(text)


def verdict_context(
    shown: Verdict,
    answers: IntakeAnswers,
    reason_label: str,
    pages: list[tuple[str, str | None]],
    progress: tuple[int, int | None] | None,
) -> dict[str, Any]:
    """What the verdict shows: the answers judged, the verdict and the help pages."""
    return {
        "verdict": shown,
        "answers": answers,
        "reason_label": reason_label,
        "pages": pages,
        "progress": progress,
    }


def message(
    renderer: Renderer,
    at: Asking,
    message: SupportMessage,
    shown: Verdict,
    case_id: int | None,
    *,
    ask_signature: bool,
) -> Reply:
    """The message to send, with its buttons (in a file when too long for one message)."""
    actions = [
        [
            at.button("📄 " + _("Copy as file"), "f"),
            at.button("🔄 " + _("Write again"), "r"),
        ],
        [
            at.button("✏️ " + _("Change an answer"), "e"),
            at.button("✅ " + _("I've sent it"), "S"),
        ],
    ]
    if ask_signature:
        # Asked once, optional: a name and a way to reach them under every message.
        actions.insert(1, [at.button("✍️ " + _("Sign it with your name"), "G")])
    actions.append([at.button("✖️ " + _("Cancel"), "x")])
    # The message in the chat's language, or back in English (see i18n.message_switch).
    switch = i18n.message_switch(message.language)
    if switch is not None:
        target, label = switch
        actions.insert(0, [at.button(label, "W", target)])
    text = renderer.chat_text("message", **message_context(message, shown, case_id))
    if len(text) > MAX_MESSAGE_CHARS:
        long = renderer.chat_text("message_long", **case_verdict_context(shown, case_id))
        return Reply(long, actions, message_file(case_id, message))
    return Reply(text, actions)


def message_context(message: SupportMessage, shown: Verdict, case_id: int | None) -> dict[str, Any]:
    """What the message screen shows: the message, under its verdict and case."""
    return {"message": message, **case_verdict_context(shown, case_id)}


def case_verdict_context(shown: Verdict, case_id: int | None) -> dict[str, Any]:
    """The verdict and the case of a screen without the message (too long, or none)."""
    return {"verdict": shown, "case_id": case_id}


def no_message(renderer: Renderer, at: Asking, shown: Verdict, case_id: int | None) -> Reply:
    """A verdict with nothing to send: change an answer, or close the case."""
    actions = [
        [
            at.button("✏️ " + _("Change an answer"), "e"),
            at.button("👍 " + _("Close the case"), "C"),
        ]
    ]
    text = renderer.chat_text("no_message", **case_verdict_context(shown, case_id))
    return Reply(text, actions)


def message_file(case_id: int | None, message: SupportMessage) -> Document:
    """The message as a .txt file."""
    return Document(
        filename=f"refund-request-case-{case_id}.txt",
        content=message.as_text().encode("utf-8"),
        caption=_("Case #%(id)s: the message to send, as a file.") % {"id": case_id},
    )


def signature_question(
    renderer: Renderer, at: Asking, *, in_group: bool, error: str | None = None
) -> Reply:
    """Ask for the signature (one question), with a way not to sign and a way back."""
    reply = Reply(
        renderer.chat_text("signature", **signature_context(error, in_group)),
        [
            [at.button(_("Don't sign my messages"), "G", "no")],
            [at.button("⬅️ " + _("Back to the message"), "k")],
        ],
    )
    if in_group:
        # Privacy mode shows the bot only replies to itself.
        reply.force_reply = True
        reply.buttons = []
    return reply


def signature_context(error: str | None, in_group: bool) -> dict[str, Any]:
    """What the signature question shows: why the last answer was refused, if it was."""
    return {"error": error, "is_group": in_group}


def already_a_case(case_id: int, token: str) -> Reply:
    """A word that this charge already has a case, with a way to open it."""
    text = "📂 " + _(
        "Case #%(id)s is already about this charge. Open it to carry on there; "
        "a second request for the same charge can slow both down."
    ) % {"id": case_id}
    label = _("Open case #%(id)s") % {"id": case_id}
    return Reply(text, [[Button(label, callbacks.show_case(token))]])

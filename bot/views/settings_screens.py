"""/settings' screens: the settings and their buttons, one setting's choices, the signature."""

from __future__ import annotations

from typing import Any

from bot.views import callbacks
from bot.views.callbacks import Kind
from bot.views.i18n import _
from bot.views.rendering import Renderer
from bot.views.replies import Button, Reply, in_rows


def _button(label: str, action: str, value: str = "") -> Button:
    # "m:set:menu:tz", "m:set:tz:Asia/Jakarta", "m:set:show"
    return Button(label, callbacks.menu(Kind.SETTINGS, action, value))


def settings_menu(
    renderer: Renderer,
    *,
    is_group: bool,
    flags: dict[str, bool],
    copy_on: bool,
    **context: Any,
) -> Reply:
    """The chat's settings (`context`: the template's values), a button per setting, and in
    a group its switches, each offered the other way from how it is now."""
    buttons = [
        [
            _button("🕘 " + _("Time zone"), "menu", "tz"),
            _button("🌙 " + _("Quiet hours"), "menu", "quiet"),
        ],
        [
            _button("⏳ " + _("Reply wait"), "menu", "reply"),
            _button("✍️ " + _("Signature"), "menu", "sign"),
        ],
    ]
    if is_group:
        buttons += [
            [
                _button("🔒 " + _("Answer questions in private"), "answers", "private")
                if flags["answer_in_group"]
                else _button("💬 " + _("Answer questions here in the group"), "answers", "group")
            ],
            [
                _button("🧵 " + _("Turn off the topic per case"), "topics", "off")
                if flags["topic_per_case"]
                else _button("🧵 " + _("Turn on a topic per case"), "topics", "on")
            ],
            [
                _button("📊 " + _("Turn off the monthly summary"), "summary", "off")
                if flags["monthly_summary"]
                else _button("📊 " + _("Turn on the monthly summary"), "summary", "on")
            ],
            [
                _button("📬 " + _("Stop my private reminders"), "copy", "off")
                if copy_on
                else _button("📬 " + _("Also send my reminders in private"), "copy", "on")
            ],
        ]
    text = renderer.chat_text(
        "settings", is_group=is_group, flags=flags, copy_on=copy_on, **context
    )
    return Reply(text, buttons)


def settings_choices(
    renderer: Renderer, which: str, current: str, choices: list[tuple[str, str]]
) -> Reply:
    """One setting's common choices (label, value), the current one marked; anything else
    is typed (/settings tz Pacific/Auckland)."""
    buttons = in_rows(
        [
            _button(("• " if label == current else "") + label, which, value)
            for label, value in choices
        ]
    )
    buttons.append([_button("⬅️ " + _("Back"), "show")])
    text = renderer.chat_text("settings_choices", which=which, current=current)
    return Reply(text, buttons)


def signature_choices(renderer: Renderer, current: str | None) -> Reply:
    """The signature: how to set it (typed: it is the user's own text), and a way to
    sign with the account's name only."""
    text = renderer.chat_text("settings_choices", which="sign", current=current or "—")
    buttons = [
        [_button(_("Don't sign my messages"), "sign", "off")],
        [_button("⬅️ " + _("Back"), "show")],
    ]
    return Reply(text, buttons)

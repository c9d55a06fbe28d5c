"""Turns the service's buttons into Telegram inline keyboards."""

from __future__ import annotations

from typing import Any

from bot.views.replies import Button

# Telegram rejects callback_data over 64 bytes; the service's are far shorter.
MAX_CALLBACK_BYTES = 64


def inline_keyboard(rows: list[list[Button]]) -> dict[str, Any] | None:
    """The inline keyboard for `rows` as the Bot API's JSON object, or None when there are
    no buttons.

    It goes to Telegram as a raw parameter (`markup_kwargs`), not as PTB's
    InlineKeyboardMarkup: PTB builds a frozen object per button and walks each back into
    a dict to send it, about 30 µs a button, which on a question with five buttons cost
    more than loading and saving the intake.
    """
    if not rows:
        return None
    keyboard: list[list[dict[str, Any]]] = []
    for row in rows:
        line: list[dict[str, Any]] = []
        for button in row:
            if button.web_app:
                line.append({"text": button.label, "web_app": {"url": button.web_app}})
                continue
            if button.url:
                line.append({"text": button.label, "url": button.url})
                continue
            if len(button.data.encode()) > MAX_CALLBACK_BYTES:
                raise ValueError(f"callback_data too long: {button.data!r}")
            line.append({"text": button.label, "callback_data": button.data})
        keyboard.append(line)
    return {"inline_keyboard": keyboard}


def markup_kwargs(rows: list[list[Button]]) -> dict[str, Any] | None:
    """`api_kwargs` for a send or an edit carrying the keyboard for `rows` (PTB's documented
    way to pass a parameter as is), or None when there are no buttons."""
    keyboard = inline_keyboard(rows)
    return None if keyboard is None else {"reply_markup": keyboard}

"""Turns the service's buttons into Telegram inline keyboards."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.replies import Button

# Telegram rejects callback_data over 64 bytes; the service's are far shorter.
MAX_CALLBACK_BYTES = 64


def inline_keyboard(rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    """The keyboard for `rows`, or None when there are no buttons."""
    if not rows:
        return None
    for row in rows:
        for button in row:
            if button.url is None and len(button.data.encode()) > MAX_CALLBACK_BYTES:
                raise ValueError(f"callback_data too long: {button.data!r}")
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(b.label, callback_data=b.data)
                for b in row
            ]
            for row in rows
        ]
    )

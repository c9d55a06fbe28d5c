"""Telegram handlers: turn each update into one service call and send what it returns.

Handlers stay thin: no SQL, no state-machine calls, no wording — those live in the
service, the domain and the templates. The modules, from the bottom up: `context` (who
sent an update), `served` (running a service call once per update, in the chat's
language, for members only), `sending` (one reply to Telegram), `files` (imports and
exports in the background), then the handlers — `commands`, `messages`, `buttons`,
`groups` — and `registration`, which registers them in order.
"""

from bot.telegram.handlers.context import BotContext, BotData
from bot.telegram.handlers.files import IMPORT_CHUNK_ROWS
from bot.telegram.handlers.registration import (
    add_handlers,
    close_database,
    forget_handled_updates,
    register_commands,
    sweep_reminders,
)
from bot.telegram.handlers.sending import send_reply, telegram_sender

__all__ = [
    "IMPORT_CHUNK_ROWS",
    "BotContext",
    "BotData",
    "add_handlers",
    "close_database",
    "forget_handled_updates",
    "register_commands",
    "send_reply",
    "sweep_reminders",
    "telegram_sender",
]

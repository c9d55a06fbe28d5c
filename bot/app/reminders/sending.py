"""What can become of a message the sweeps send, and who sends it.

The transport turns Telegram's refusals into these exceptions; the reminder sweep
(`sweep.py`) and the monthly summaries (`summaries.py`) each decide what to do about
them: try again later, stop writing to the chat, or give up on the message.
"""

from __future__ import annotations

from typing import Protocol

from bot.views.replies import Reply


class RetryLater(Exception):
    """Telegram asked us to slow down (429): try again after `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class TransientSendError(Exception):
    """A network error, a time-out or a server error: worth trying again later."""


class PermanentSendError(Exception):
    """Telegram refused the message itself (a bad request): trying again won't help."""


class ChatUnreachable(Exception):
    """The user blocked the bot, or the bot left or was removed from the chat."""


class Sender(Protocol):
    """Sends one reply into a chat, raising one of the errors above when it can't."""

    async def __call__(self, chat_id: int, reply: Reply) -> None: ...

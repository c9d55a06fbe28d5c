"""A Bot API that lives in this process, and updates built the way Telegram sends them.

The terminal chat and the flow tests run the real PTB `Application` against
`InProcessBotApi` instead of the network: it answers each method as Telegram
would (with just enough of a result for PTB to parse) and records every call.
"""

from bot.telegram.transport.api import InProcessBotApi
from bot.telegram.transport.calls import ApiCall, Fault
from bot.telegram.transport.shapes import BOT_USER
from bot.telegram.transport.update_factory import UpdateFactory

__all__ = ["BOT_USER", "ApiCall", "Fault", "InProcessBotApi", "UpdateFactory"]

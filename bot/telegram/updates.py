"""Handling updates of different chats at the same time, and each chat's in order.

PTB handles one update at a time by default: a Bot API call takes tens of milliseconds,
so that caps the whole bot at a few dozen updates a second, and one slow update stalls
every chat. `ChatOrderedProcessor` lets updates of different chats run concurrently while
the updates of one chat wait for each other, in the order they arrived:

- a private chat's updates are keyed by the chat (its id is the user's);
- a group's updates by the group: its members share its cases, its card and its settings;
- a private chat answering a group's case (the *Answer in private* link) shares that
  group's team, and its case card, so it also waits for the group: it takes its own key
  first (which orders it after the chat's earlier updates, including the /start that made
  the link's intake), then the group's. A group update never waits for a private chat's
  key, so two updates can't each hold the key the other waits for.

Each key's lock lives only while an update holds it or waits for it, so memory follows
the updates in flight, not the number of chats ever seen.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

# Updates handled at once. An update waiting for its chat's earlier one counts too, so this
# is well above what one chat can have in flight; it bounds memory under a flood.
MAX_CONCURRENT_UPDATES = 256

FlowTeam = Callable[[int], Awaitable[int | None]]


class _Turn:
    """One key's lock and how many updates hold it or wait for it."""

    __slots__ = ("holders", "lock")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.holders = 0


def chat_key(update: object) -> int | None:
    """The key an update is ordered by: its chat, else its user (a button under an inline
    message has no chat); None for anything else, which runs unordered."""
    if not isinstance(update, Update):
        return None
    chat = update.effective_chat
    if chat is not None:
        return chat.id
    user = update.effective_user
    return user.id if user is not None else None


def _is_private(update: object) -> bool:
    return (
        isinstance(update, Update)
        and update.effective_chat is not None
        and update.effective_chat.type == ChatType.PRIVATE
    )


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in order within a chat (see the module's docstring).

    `flow_team(user_id)` tells which group's case the user is answering in private, if
    any (None when the bot is not wired to a store, e.g. in a bare test).
    """

    def __init__(
        self,
        max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
        flow_team: FlowTeam | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.flow_team = flow_team
        self._turns: dict[int, _Turn] = {}

    async def initialize(self) -> None:
        """Nothing to open: the locks are made as updates arrive."""

    async def shutdown(self) -> None:
        """Nothing to close: PTB waits for the updates in flight before shutting down."""

    @property
    def keys_in_use(self) -> int:
        """How many chats have an update running or waiting (for tests: no lock outlives
        its updates)."""
        return len(self._turns)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run `coroutine` once the update's chat (and a linked group) is free."""
        key = chat_key(update)
        if key is None:
            await coroutine
            return
        # Taken before any other await: updates reach this point in the order they arrived,
        # and asyncio's Lock hands itself to its waiters first come, first served.
        turn = self._enter(key)
        try:
            async with turn.lock:
                group = await self._linked_group(update, key)
                if group is None:
                    await coroutine
                    return
                second = self._enter(group)
                try:
                    async with second.lock:
                        await coroutine
                finally:
                    self._leave(group, second)
        finally:
            self._leave(key, turn)

    def _enter(self, key: int) -> _Turn:
        turn = self._turns.get(key)
        if turn is None:
            turn = self._turns[key] = _Turn()
        turn.holders += 1
        return turn

    def _leave(self, key: int, turn: _Turn) -> None:
        turn.holders -= 1
        if turn.holders == 0:
            del self._turns[key]

    async def _linked_group(self, update: object, key: int) -> int | None:
        if self.flow_team is None or not _is_private(update):
            return None
        try:
            team = await self.flow_team(key)
        except Exception:  # the update itself will meet (and report) a broken database
            log.warning("Could not tell whether chat %s answers a group's case", key)
            return None
        return team if team is not None and team != key else None

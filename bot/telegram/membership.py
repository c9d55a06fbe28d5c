"""Who may read or change a team's data from its group: the group's current members, as
Telegram says (getChatMember), each answer kept for a minute.

A public supergroup's messages can be read, and their buttons pressed, by people who are
not in it; being seen in the group proves nothing. A `chat_member` update (someone joined,
left or was removed) drops the kept answer, so a departure takes effect at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Bot, ChatMember, ChatMemberRestricted
from telegram.error import BadRequest, Forbidden, TelegramError

# How long Telegram's answer is trusted: a press or two a second in a busy group costs one
# call a minute per person, and someone removed without a chat_member update (the bot is
# not an admin there) loses access within a minute.
MEMBER_TTL_SECONDS = 60.0
# Past this many kept answers, the expired ones are dropped (strangers pressing buttons
# must not grow the process without bound).
PRUNE_ABOVE = 10_000


@dataclass(frozen=True)
class Standing:
    """A person's place in a group: a current member, and an administrator."""

    member: bool
    admin: bool = False


OUTSIDER = Standing(member=False)


def standing_of(member: ChatMember) -> Standing:
    """Telegram's status read as membership: creator, administrator and member are in;
    restricted is in only while `is_member`; left and kicked are out."""
    if member.status in (ChatMember.OWNER, ChatMember.ADMINISTRATOR):
        return Standing(member=True, admin=True)
    if member.status == ChatMember.MEMBER:
        return Standing(member=True)
    if isinstance(member, ChatMemberRestricted):
        return Standing(member=member.is_member)
    return OUTSIDER


class Memberships:
    """getChatMember's answers per (chat, user), each kept `ttl` seconds."""

    def __init__(
        self, ttl: float = MEMBER_TTL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.clock = clock
        self._known: dict[tuple[int, int], tuple[float, Standing]] = {}

    async def standing(self, bot: Bot, chat_id: int, user_id: int) -> tuple[Standing, bool]:
        """The user's standing in the group, and whether it was asked of Telegram just now.

        Telegram refusing to say (no such user, the bot was removed) counts as "not a
        member". A network failure keeps the last answer if there is one, else it is
        raised: the error handler says "try again", which is true, where "you're not a
        member" would not be.
        """
        key = (chat_id, user_id)
        now = self.clock()
        kept = self._known.get(key)
        if kept is not None and kept[0] > now:
            return kept[1], False
        try:
            found = standing_of(await bot.get_chat_member(chat_id, user_id))
        except (BadRequest, Forbidden):
            found = OUTSIDER
        except TelegramError:  # a time-out, 5xx, flood control
            if kept is None:
                raise
            return kept[1], False
        if len(self._known) > PRUNE_ABOVE:
            self._known = {k: v for k, v in self._known.items() if v[0] > now}
        self._known[key] = (now + self.ttl, found)
        return found, True

    def forget(self, chat_id: int, user_id: int | None = None) -> None:
        """Drop the kept answer for one person in the chat (or everyone in it): the next
        check asks Telegram."""
        if user_id is not None:
            self._known.pop((chat_id, user_id), None)
            return
        for key in [k for k in self._known if k[0] == chat_id]:
            del self._known[key]

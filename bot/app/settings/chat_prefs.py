"""A chat's schedule (time zone, quiet hours, reply wait) and language, read for each update."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.db.store import Store
from bot.views import i18n
from bot.views.i18n import _
from bot.views.replies import Who
from conversations.cases import QUIET_END, QUIET_START, Schedule
from conversations.inputs import mask_card_numbers, whole_number
from conversations.policy import Policy


class ChatPrefs:
    """What a chat chose: its schedule and its language (or the defaults)."""

    def __init__(self, store: Store, policy: Policy, default_timezone: str = "UTC") -> None:
        self.store = store
        self.policy = policy
        self.default_timezone = default_timezone

    def schedule(self, team_id: int) -> Schedule:
        """The chat's time zone, quiet hours and reply wait (or the defaults).

        Read from the database for each update (another process's /settings counts from
        the next update on), and once only within the update's transaction, which may ask
        for it several times (`Store.memo`).
        """
        memo = self.store.memo()
        key = ("schedule", team_id)
        if memo is not None and key in memo:
            found: Schedule = memo[key]
            return found
        settings = self.store.schedule_settings(team_id)
        schedule = Schedule(
            timing=self.policy.timing,
            tz=zone(settings.timezone or self.default_timezone),
            quiet_start=_hhmm(settings.quiet_start) or QUIET_START,
            quiet_end=_hhmm(settings.quiet_end) or QUIET_END,
            reply_business_days=settings.reply_days,
        )
        if memo is not None:
            memo[key] = schedule
        return schedule

    def forget(self, what: str, chat_id: int) -> None:
        """This update changed it: read it again if it is asked for again."""
        memo = self.store.memo()
        if memo is not None:
            memo.pop((what, chat_id), None)

    def local_date(self, moment: datetime, team_id: int) -> str:
        return moment.astimezone(self.schedule(team_id).tz).date().isoformat()

    def chat_language(self, chat_id: int, telegram_code: str | None = None) -> str:
        """The language the bot speaks in a chat. On first contact it is the closest one to
        the user's Telegram language (`telegram_code`), and kept; a chat never met (a
        member's private chat for a reminder copy) gets the default.

        Read from the database for each update, like the schedule (one prepared
        statement), so another process's /language counts from the next update on.
        """
        return self._language(chat_id, telegram_code, None)

    def first_contact(self, who: Who) -> str:
        """The chat's language, choosing and keeping it from the user's Telegram language
        the first time the chat talks to the bot."""
        return self._language(who.chat_id, who.language_code, who)

    def _language(self, chat_id: int, telegram_code: str | None, who: Who | None) -> str:
        memo = self.store.memo()
        key = ("language", chat_id)
        if memo is not None and key in memo:
            found: str = memo[key]
            return found
        stored = self.store.chat_language(chat_id)
        if stored is None and who is not None and (telegram_code or not who.in_group):
            stored = i18n.best_language(telegram_code)
            self.store.set_chat_language(chat_id, who.chat_kind, who.chat_title, stored)
        code = i18n.known(stored) if stored else i18n.best_language(telegram_code)
        if memo is not None and stored is not None:
            memo[key] = code
        return code

    def set_language(self, who: Who, code: str) -> None:
        self.store.set_chat_language(who.chat_id, who.chat_kind, who.chat_title, code)
        self.forget("language", who.chat_id)


def zone(name: str, strict: bool = False) -> ZoneInfo:
    """The time zone `name`; UTC for an unknown one, or with `strict` a ValueError saying so."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if strict:
            raise ValueError(
                _("I don't know the time zone %(name)s. Use a name like Europe/Berlin.")
                % {"name": repr(mask_card_numbers(name)[:40])}
            ) from None
        return ZoneInfo("UTC")


def _hhmm(text: str | None) -> time | None:
    if not text:
        return None
    hours, sep, minutes = text.strip().partition(":")
    h = whole_number(hours, most_digits=2)
    m = whole_number(minutes, most_digits=2) if sep else 0
    if h is None or m is None or not (0 <= h <= 23 and 0 <= m <= 59):
        return None
    return time(h, m)

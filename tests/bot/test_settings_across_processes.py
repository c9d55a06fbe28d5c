"""Several bot processes on one database (the scale path): a chat's /settings and
/language changed through one process count for the very next update, whichever process
it lands on. Nothing is kept between updates (issue 15: the per-process cache of a
minute showed the old ones)."""

from __future__ import annotations

from bot.config import Settings
from conversations.policy import Policy
from tests.bot.test_i18n import language_of
from tests.helpers import ChatDriver, Clock, bot_process, plain


async def test_a_time_zone_set_through_one_process_is_used_by_the_others_next_update(
    settings: Settings, policy: Policy, clock: Clock, db_url: str
) -> None:
    """Two processes on one database; the other one has just shown the chat's settings
    (so it has read them). The time zone set through the first one is what the other
    shows and uses at the next update, and the quiet hours set back through the other
    are what the first one shows."""
    async with (
        bot_process(settings, policy, clock, db_url) as (first_app, first_api),
        bot_process(settings, policy, clock, db_url) as (other_app, other_api),
    ):
        first = ChatDriver(first_app, first_api)
        other = ChatDriver(other_app, other_api)
        await other.send("/settings")
        assert "UTC" in plain(other.last_text()), other.last_text()
        await first.send("/settings tz Asia/Jakarta")
        assert "Asia/Jakarta" in plain(first.last_text()), first.last_text()
        await other.send("/settings")
        shown = plain(other.last_text())
        assert "Asia/Jakarta" in shown, shown
        await other.send("/settings quiet 23:00-07:00")
        await first.send("/settings")
        shown = plain(first.last_text())
        assert "Asia/Jakarta" in shown and "23:00" in shown, shown


async def test_a_language_chosen_through_one_process_is_spoken_by_the_others_next_update(
    settings: Settings, policy: Policy, clock: Clock, db_url: str
) -> None:
    """The other process has just answered the chat in English; /language → Русский
    through the first one, and the other's very next answer is in Russian."""
    async with (
        bot_process(settings, policy, clock, db_url) as (first_app, first_api),
        bot_process(settings, policy, clock, db_url) as (other_app, other_api),
    ):
        first = ChatDriver(first_app, first_api)
        other = ChatDriver(other_app, other_api)
        await other.send("/language")
        assert language_of(other) == "en"
        await first.send("/language")
        await first.tap("Русский")
        await other.send("/language")
        assert language_of(other) == "ru"
        await other.send("/help")
        assert any("\u0400" <= ch <= "\u04ff" for ch in other.last_text()), other.last_text()
        # And back, through the other one this time.
        await other.send("/language")
        await other.tap("English")
        await first.send("/language")
        assert language_of(first) == "en"

"""/settings: a chat's time zone, quiet hours and reply wait, a group's switches, and each
person's signature and private reminder copies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.app.settings.chat_prefs import ChatPrefs, zone
from bot.db.store import Store
from bot.views import settings_screens
from bot.views.callbacks import Callback, Kind
from bot.views.i18n import _, ngettext
from bot.views.phrases import said
from bot.views.rendering import Renderer
from bot.views.replies import ButtonResult, Reply, Who
from conversations.inputs import whole_number
from conversations.signatures import parse_signature
from conversations.texts import InputError
from conversations.zones import parse_quiet_hours, zone_named

# The common choices under each setting's button; anything else is typed
# (/settings tz Pacific/Auckland).
ZONE_CHOICES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Jakarta",
    "Asia/Singapore",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Mexico_City",
    "America/Sao_Paulo",
)
QUIET_CHOICES = ("21:00-09:00", "22:00-08:00", "20:00-08:00", "23:00-07:00")
REPLY_CHOICES = (3, 5, 7, 10)


class Settings:
    """/settings and its buttons."""

    def __init__(
        self, store: Store, renderer: Renderer, clock: Callable[[], datetime], prefs: ChatPrefs
    ) -> None:
        self.store = store
        self.renderer = renderer
        self.clock = clock
        self.prefs = prefs

    def settings(self, who: Who, argument: str) -> list[Reply]:
        """Show or change the chat's time zone, quiet hours and reply wait."""
        words = argument.split()
        error = None
        self.store.ensure_team(who.chat_id, who.chat_kind, who.chat_title)
        if words:
            key, value = words[0].casefold(), " ".join(words[1:])
            try:
                self._change_setting(who, key, value)
            except ValueError as problem:
                error = str(problem)
            self.prefs.forget("schedule", who.chat_id)
        schedule = self.prefs.schedule(who.chat_id)
        flags = self.store.team_flags(who.chat_id)
        copy_on = who.user_id in self.store.members_wanting_copies(who.chat_id)
        return [
            settings_screens.settings_menu(
                self.renderer,
                is_group=who.in_group,
                flags=flags,
                copy_on=copy_on,
                error=error,
                changed=bool(words) and error is None,
                tz=schedule.tz.key,
                quiet_start=schedule.quiet_start.strftime("%H:%M"),
                quiet_end=schedule.quiet_end.strftime("%H:%M"),
                reply_days=schedule.reply_wait,
                signature=self.store.signature(who.user_id),
            )
        ]

    def settings_button(self, who: Who, button: Callback) -> ButtonResult:
        """A /settings button: the choices for one setting, a choice (applied as if typed,
        so a group's settings stay an admin's), or back to the settings."""
        if button.kind is not Kind.SETTINGS:
            return ButtonResult(_("That button isn't one I know."), [])
        kind, value = button.action, button.value
        if kind == "menu" and value in ("tz", "quiet", "reply"):
            return ButtonResult(None, [self._settings_choices(who, value)])
        if kind == "menu" and value == "sign":
            current = self.store.signature(who.user_id)
            return ButtonResult(None, [settings_screens.signature_choices(self.renderer, current)])
        if kind == "sign" and value == "off":
            return ButtonResult(None, self.settings(who, "sign off"))
        if kind == "show":
            return ButtonResult(None, self.settings(who, ""))
        if kind in ("tz", "quiet", "reply", "answers", "topics", "summary", "copy") and value:
            return ButtonResult(None, self.settings(who, f"{kind} {value}"))
        return ButtonResult(_("That button isn't one I know."), [])

    def _settings_choices(self, who: Who, which: str) -> Reply:
        schedule = self.prefs.schedule(who.chat_id)
        choices: list[tuple[str, str]]
        if which == "tz":
            current = schedule.tz.key
            choices = [(name, name) for name in ZONE_CHOICES]
        elif which == "quiet":
            current = f"{schedule.quiet_start:%H:%M}–{schedule.quiet_end:%H:%M}"
            choices = [(span.replace("-", "–"), span) for span in QUIET_CHOICES]
        else:
            current = _business_days(schedule.reply_wait)
            choices = [(_business_days(days), str(days)) for days in REPLY_CHOICES]
        return settings_screens.settings_choices(self.renderer, which, current, choices)

    def _change_setting(self, who: Who, key: str, value: str) -> None:
        team_id = who.chat_id
        if key in ("sign", "signature"):
            # The person's own, in any chat: their name under the messages they send.
            if value.strip().casefold() in ("off", "none", "-", _("off")):
                self.store.set_signature(who.user_id, "", self.clock())
                return
            try:
                signature = parse_signature(value)
            except InputError as error:
                raise ValueError(said(error)) from error
            self.store.set_signature(who.user_id, signature, self.clock())
            return
        if key == "copy" and who.in_group:
            # Each member's own choice: their reminders also in their private chat.
            self.store.set_private_copy(team_id, who.user_id, value.strip().casefold() == "on")
            return
        if who.in_group and not who.is_admin:
            raise ValueError(_("Only a group admin can change the group's settings."))
        if key in ("answers", "topics", "summary") and who.in_group:
            self._switch(team_id, key, value.strip().casefold())
        elif key in ("tz", "timezone", "zone"):
            # "manila", "new york", "asia/manila": the zone's name as IANA spells it.
            name = zone_named(value) or value.strip()
            zone(name, strict=True)
            self.store.update_team_settings(team_id, timezone=name)
        elif key in ("quiet", "quiet_hours"):
            hours = parse_quiet_hours(value)
            if hours is None:
                raise ValueError(_("Type quiet hours like 22:00-08:00."))
            start_t, end_t = hours
            self.store.update_team_settings(
                team_id, quiet_start=start_t.strftime("%H:%M"), quiet_end=end_t.strftime("%H:%M")
            )
        elif key in ("reply", "reply_days"):
            days = whole_number(value, most_digits=2)
            if days is None or not 1 <= days <= 30:
                raise ValueError(_("Type the reply wait as a number of business days, 1 to 30."))
            self.store.update_team_settings(team_id, reply_days=days)
        else:
            raise ValueError(_("I can change tz, quiet, reply or sign."))

    def _switch(self, team_id: int, key: str, choice: str) -> None:
        """A group's switch: where questions are answered, a topic per case, the summary."""
        if key == "answers" and choice in ("group", "private"):
            self.store.set_team_flags(team_id, answer_in_group=choice == "group")
            return
        if key == "topics" and choice in ("on", "off"):
            self.store.set_team_flags(team_id, topic_per_case=choice == "on")
            return
        if key == "summary" and choice in ("on", "off"):
            self.store.set_team_flags(team_id, monthly_summary=choice == "on")
            return
        raise ValueError(
            _(
                "Type /settings answers group|private, /settings topics on|off "
                "or /settings summary on|off."
            )
        )


def _business_days(days: int) -> str:
    return ngettext("%(num)s business day", "%(num)s business days", days) % {"num": days}

"""Following a sent case: reminders, their buttons, follow-up messages, settings, /cases.

Like the intake service, this knows nothing of Telegram: it takes who did what,
loads the case's track, fires the domain trigger, saves, and returns `Reply`s.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.db.records import CaseRecord
from bot.db.store import Store
from bot.views import i18n, labels
from bot.views.formats import money, short_date, weekday_date
from bot.views.i18n import N_, _, ngettext
from bot.views.phrases import error_text
from bot.views.rendering import Renderer, SupportMessage
from bot.views.replies import Button, ButtonResult, Reply, Who, account_label, in_rows
from conversations.answers import IntakeAnswers
from conversations.cases import (
    OPEN,
    QUIET_END,
    QUIET_START,
    SYSTEM_ACTOR,
    CaseError,
    CaseStatus,
    CaseTrack,
    Ping,
    PingKind,
    Schedule,
    fire,
    ping_for,
)
from conversations.errors import InputError
from conversations.inputs import mask_card_numbers, parse_ticket, whole_number
from conversations.money import parse_amount
from conversations.policy import Policy
from conversations.signatures import parse_signature
from conversations.zones import parse_quiet_hours, zone_named

CASE_PREFIX = "k"

# Case buttons: action letter -> (domain trigger, button label). Order is display order.
# The labels are English (marked for the catalogue); `action_label` shows them translated.
ACTIONS: dict[str, tuple[str, str]] = {
    "f": ("follow_up", N_("Send a follow-up")),
    "r": ("reply", N_("They replied")),
    "a": ("approve", N_("Approved")),
    "R": ("refund_arrived", N_("Refunded")),
    "P": ("partly_refunded", N_("Partly refunded")),
    "D": ("deny", N_("Denied")),
    "z": ("snooze", N_("Snooze 2 days")),
    "x": ("close", N_("Close")),
    "o": ("reopen", N_("Reopen")),
}
ACTION_ICONS = {
    "f": "✉️",
    "r": "💬",
    "a": "👍",
    "R": "💰",
    "P": "🪙",
    "D": "👎",
    "z": "⏰",
    "x": "✖️",
}
ACTION_ICONS["o"] = "↩️"
# A drafted case's buttons (applied by the intake, see `RefundService.case_button`): the
# draft back at its verdict, and "I've sent it".
OPEN_DRAFT = "O"
SENT_DRAFT = "S"
# "I've sent it" under a follow-up: only then is the follow-up counted ("f" shows it).
FOLLOW_UP_SENT = "fS"
# "Ask why" after a denial: a message asking support for the reason (not a trigger).
ASK_WHY = "w"
# "Assign to…" on a group card ("M"), and a member picked from it ("M<user id>"): not a
# letter of ACTIONS.
ASSIGN_MENU = "M"


def picks_member(data: str) -> bool:
    """Whether a case button lists the team's members ("Assign to…") or gives the case to
    one of them: the transport checks those people are still in the group first."""
    parts = data.split(":")
    return len(parts) == 3 and parts[0] == CASE_PREFIX and parts[2][:1] == ASSIGN_MENU


def action_label(action: str) -> str:
    """A case button's label in the reader's language, with its icon."""
    return f"{ACTION_ICONS[action]} {_(ACTIONS[action][1])}"


# Which buttons a case offers in each state.
OFFERED: dict[CaseStatus, tuple[str, ...]] = {
    CaseStatus.AWAITING_REPLY: ("r", "a", "R", "D", "x"),
    CaseStatus.OVERDUE: ("f", "r", "R", "D", "z", "x"),
    CaseStatus.FOLLOWED_UP: ("r", "a", "R", "D", "x"),
    CaseStatus.ANSWERED: ("a", "R", "P", "D", "x"),
    CaseStatus.APPROVED: ("R", "P", "x"),
    CaseStatus.REFUNDED: ("o", "x"),
    CaseStatus.PARTLY_REFUNDED: ("o", "x"),
    CaseStatus.DENIED: ("o", "x"),
    CaseStatus.CLOSED: ("o",),
}
FILTERS = ("open", "overdue", "closed", "all")
# Cases that can still take a ticket number or more evidence.
TAKES_INPUT = frozenset(
    {
        CaseStatus.AWAITING_REPLY,
        CaseStatus.OVERDUE,
        CaseStatus.FOLLOWED_UP,
        CaseStatus.ANSWERED,
        CaseStatus.APPROVED,
    }
)
ASSIGN_CHOICES = 20  # members offered under "Assign to…"
# /cases' buttons that open a case ("m:case:<token>"): random tokens, never case numbers.
SHOW_CASE_PREFIX = "m:case:"
LISTED_CASE_BUTTONS = 8
# /settings' buttons ("m:set:menu:tz", "m:set:tz:Asia/Jakarta", "m:set:show"), with the
# common choices; anything else is typed (/settings tz Pacific/Auckland).
SETTINGS_PREFIX = "m:set:"
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
# The case's version on a status button ("k:<token>:a:3"): ASCII digits only.
VERSION = re.compile(r"[0-9]{1,9}")
NOT_ALLOWED = N_("Only the case's owner, its assignee or a group admin can do that.")


class FollowUpService:
    """Cases after "I've sent it": until the money arrives or TikTok says no."""

    def __init__(
        self,
        store: Store,
        policy: Policy,
        renderer: Renderer,
        clock: Callable[[], datetime],
        default_timezone: str = "UTC",
    ) -> None:
        self.store = store
        self.policy = policy
        self.renderer = renderer
        self.clock = clock
        self.default_timezone = default_timezone

    # --- schedule ------------------------------------------------------------------

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
            tz=_zone(settings.timezone or self.default_timezone),
            quiet_start=_hhmm(settings.quiet_start) or QUIET_START,
            quiet_end=_hhmm(settings.quiet_end) or QUIET_END,
            reply_business_days=settings.reply_days,
        )
        if memo is not None:
            memo[key] = schedule
        return schedule

    def _forget(self, what: str, chat_id: int) -> None:
        """This update changed it: read it again if it is asked for again."""
        memo = self.store.memo()
        if memo is not None:
            memo.pop((what, chat_id), None)

    # --- language -------------------------------------------------------------------------

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
        self._forget("language", who.chat_id)

    def start(self, case_id: int, who: Who, team_id: int) -> CaseTrack:
        """The user sent the message: start waiting for TikTok and queue the reminder
        (in the team's chat: a group's reminders go to the group)."""
        track = self.store.load_track(case_id)
        track.send(self.clock(), who.user_id, self.schedule(team_id))
        self.store.save_track(case_id, team_id, track)
        return track

    def local_date(self, moment: datetime, team_id: int) -> str:
        return moment.astimezone(self.schedule(team_id).tz).date().isoformat()

    # --- the sweep's side ------------------------------------------------------------

    def ping(self, case_id: int, chat_id: int, now: datetime) -> Reply | None:
        """The reminder for a due case, or None if nothing is due (the case moved on), in
        the language of the chat it goes to."""
        with i18n.speaking(self.chat_language(chat_id)):
            return self._ping(case_id, chat_id, now)

    def _ping(self, case_id: int, chat_id: int, now: datetime) -> Reply | None:
        track = self.store.load_track(case_id)
        due = ping_for(track, now, self.policy)
        case = self.store.get_case(chat_id, case_id)
        if due is None or case is None:
            return None
        # The buttons are those of the case once the reminder is recorded (e.g. overdue);
        # this copy is not saved: `pinged` records it afresh after the send.
        status = track.status
        track.remind(now, SYSTEM_ACTOR, self.schedule(chat_id))
        return self._ping_reply(_recorded(case, status, track), track, due)

    def pinged(self, case_id: int, chat_id: int, now: datetime) -> CaseTrack | None:
        """After a reminder went out: the case's track with the reminder recorded, read
        afresh (the user may have pressed a button while it was being sent), or None when
        the case no longer waits for that reminder."""
        track = self.store.load_track(case_id)
        if ping_for(track, now, self.policy) is None:
            return None
        track.remind(now, SYSTEM_ACTOR, self.schedule(chat_id))
        return track

    def statuses(self, case_ids: list[int]) -> dict[int, str]:
        """Each case's status now (the sweep compares them after its reminders)."""
        return {case_id: str(self.store.load_track(case_id).status) for case_id in case_ids}

    def cards_after_reminders(self, chat_id: int, before: dict[int, str]) -> list[Reply]:
        """The group cards of the cases whose status the sweep's reminders changed (a card
        that said "Waiting for TikTok" now says "Overdue"), to edit in place. A card whose
        status didn't change is left alone: each edit counts toward the group's limit."""
        cards: list[Reply] = []
        for case_id, status in before.items():
            case = self.store.get_case(chat_id, case_id)
            if case is None or case.card_message_id is None:
                continue
            if str(self.store.load_track(case_id).status) != status:
                cards.append(self.card(case))
        return cards

    def _ping_reply(self, case: CaseRecord, track: CaseTrack, due: Ping) -> Reply:
        buttons = self.buttons(case, track, extras=False)
        if due.suggest_escalation:
            buttons.insert(0, [Button("📣 " + _("Escalation message"), self._data(case, "e"))])
        text = self.renderer.chat_text(
            "ping",
            case=self.case_view(case),
            ping=due,
            kinds=PingKind,
            track=track,
            next_rung=self._next_rung(case),
        )
        return Reply(text, buttons)

    # --- buttons -----------------------------------------------------------------------

    def on_button(self, who: Who, data: str) -> ButtonResult:
        """Apply a case button: only for a case this chat may see, only by someone who may
        change it, only if the case allows it. In a group the card is edited in place.

        A status button carries the case's version it was shown with: pressed after the
        case changed (someone else pressed first), or losing a race to such a press, it
        changes nothing and shows the case as it is now."""
        parts = data.split(":")
        seen: int | None = None  # the version the button was shown with
        if len(parts) == 4 and VERSION.fullmatch(parts[3]):
            seen = int(parts[3])
            parts = parts[:3]
        if len(parts) != 3 or parts[0] != CASE_PREFIX:
            return ButtonResult(_("That button isn't one I know."), [])
        _prefix, token, action = parts
        case = self.visible_case(who, token)
        if case is None:
            return ButtonResult(_("That case isn't here."), [])
        if action == "v":
            return ButtonResult(None, [self.case_card(case, self.store.load_track(case.id))])
        if not self.may_change(who, case):
            return ButtonResult(_(NOT_ALLOWED), [])
        if action == "e":
            # Beside the reminder, which keeps its buttons.
            return ButtonResult(
                None,
                self._in_topic(who, case, [self._escalation(case, signer=who.user_id)]),
                keep_buttons=True,
            )
        if action == ASK_WHY:
            # After "Denied": a message asking support for the reason (nothing recorded).
            return ButtonResult(
                None,
                self._in_topic(who, case, [self._ask_why(case, signer=who.user_id)]),
                keep_buttons=True,
            )
        if action[:1] in ("F", "E", "W") and action[1:] in i18n.LANGUAGES:
            # The follow-up or escalation message again, in another language (English
            # unless asked): shown again, nothing recorded.
            language = action[1:]
            if action[0] == "E":
                shown = self._escalation(case, language, signer=who.user_id)
            elif action[0] == "W":
                shown = self._ask_why(case, language, signer=who.user_id)
            else:
                preview = self._follow_up_preview(case, self.store.load_track(case.id), who)
                if isinstance(preview, ButtonResult):
                    return preview
                shown = self._follow_up(case, preview, language, signer=who.user_id)
            return ButtonResult(i18n.LANGUAGES[language].name, self._in_topic(who, case, [shown]))
        now = self.clock()
        if action in ("t", "p"):
            if self.store.has_open_intake(who.chat_id, who.user_id):
                return ButtonResult(_("Finish or /cancel the case you're answering first."), [])
            what = "ticket" if action == "t" else "evidence"
            self.store.set_case_input(who.chat_id, who.user_id, case.id, what)
            prompt = Reply(
                self.renderer.chat_text("case_input", what=what, case=self.case_view(case)),
                force_reply=who.in_group,
            )
            # In a group the card is the team's: it keeps its buttons for the others.
            return ButtonResult(
                None, self._in_topic(who, case, [prompt]), keep_buttons=who.in_group
            )
        if action == "A":
            self.store.assign_case(case.id, who.user_id, who.user_id, now)
            case = self.store.get_case(case.team_id, case.id) or case
            return ButtonResult(
                _("Assigned to you."),
                [self.card(case)]
                if who.in_group
                else [self.case_card(case, self.store.load_track(case.id), done="assigned")],
            )
        if action == ASSIGN_MENU:
            # Beside the card, which keeps its buttons.
            menu = self._assign_choices(case)
            return ButtonResult(None, self._in_topic(who, case, [menu]), keep_buttons=True)
        member = whole_number(action[1:], most_digits=18) if action[:1] == ASSIGN_MENU else None
        if member is not None:
            return self._assign_to(who, case, member, now)
        if action == "f":
            # The follow-up to send, shown: counted when the user says it was sent.
            if seen is not None and seen != case.version:
                return self._changed_meanwhile(who, case)
            preview = self._follow_up_preview(case, self.store.load_track(case.id), who)
            if isinstance(preview, ButtonResult):
                return preview
            return ButtonResult(
                None,
                self._in_topic(who, case, [self._follow_up(case, preview, signer=who.user_id)]),
                keep_buttons=True,
            )
        if action == FOLLOW_UP_SENT:
            action = "f"
        if action not in ACTIONS:
            return ButtonResult(_("That button isn't one I know."), [])
        trigger = ACTIONS[action][0]
        if seen is not None and seen != case.version:
            return self._changed_meanwhile(who, case)
        track = self.store.load_track(case.id)
        try:
            fire(track, trigger, now, who.user_id, self.schedule(case.team_id))
        except CaseError as error:
            current = self.store.get_case(case.team_id, case.id)
            if current is not None and current.version != case.version:
                # The other press committed between reading the case and its track.
                return self._changed_meanwhile(who, current)
            return ButtonResult(error_text(error), [self.case_card(case, track)])
        if not self.store.save_track(case.id, case.team_id, track, version=case.version):
            return self._changed_meanwhile(who, case)
        case = self.store.get_case(case.team_id, case.id) or case
        replies: list[Reply] = []
        asks: list[Reply] = []
        if trigger == "partly_refunded":
            # How much came back: asked last (the question is what is answered next), kept
            # on the case and its timeline.
            self.store.set_case_input(who.chat_id, who.user_id, case.id, "refund")
            prompt = Reply(
                self.renderer.chat_text("case_input", what="refund", case=self.case_view(case)),
                force_reply=who.in_group,
            )
            asks = self._in_topic(who, case, [prompt])
        if case.team_id != who.chat_id or who.in_group:
            # A team case: its one card in the group follows the change.
            replies.append(self.card(case))
            if not who.in_group:
                replies.append(self.case_card(case, track, done=trigger))
            return ButtonResult(
                _("%(action)s — noted.") % {"action": _(ACTIONS[action][1])}, replies + asks
            )
        replies.append(self.case_card(case, track, done=trigger))
        return ButtonResult(None, replies + asks)

    def _offered(self, team_id: int) -> list[tuple[int, tuple[str, str | None]]]:
        """The members "Assign to…" offers, in its order: (user id, (first name, username))."""
        names = self.store.member_names(team_id)
        return sorted(names.items(), key=lambda m: m[1][0])[:ASSIGN_CHOICES]

    def assign_candidates(self, who: Who, data: str) -> tuple[int, list[int]]:
        """The case's team, and the people this "Assign to…" press would offer or give the
        case to (none if the case isn't this chat's to see)."""
        _prefix, token, action = data.split(":")
        case = self.visible_case(who, token)
        if case is None or not self.may_change(who, case):
            return 0, []
        if action == ASSIGN_MENU:
            return case.team_id, [user_id for user_id, _names in self._offered(case.team_id)]
        picked = whole_number(action[1:], most_digits=18)
        return case.team_id, [] if picked is None else [picked]

    def named_member(self, who: Who, argument: str) -> list[int]:
        """The member `/assign N @name` names, if the team knows one by that name."""
        words = argument.split()
        if len(words) != 2:
            return []
        user_id = self.store.member_by_username(who.chat_id, words[1])
        return [] if user_id is None else [user_id]

    def members_left(self, team_id: int, user_ids: list[int]) -> None:
        """These people are no longer in the team's group: no longer its members (offered,
        assignable, sent private copies). Their cases and the timeline stay the team's."""
        self.store.forget_members(team_id, user_ids)

    def _changed_meanwhile(self, who: Who, case: CaseRecord) -> ButtonResult:
        """A press that lost to another change of the case: nothing applied; the case as it
        is now, with the buttons it offers now (in a group, its card edited in place)."""
        case = self.store.get_case(case.team_id, case.id) or case
        line = _("Someone changed this case meanwhile, so I didn't apply that.")
        if who.in_group:
            return ButtonResult(line, [self.card(case)])
        now = self.case_card(case, self.store.load_track(case.id))
        return ButtonResult(line, [replace(now, text=f"🔄 {html.escape(line)}\n\n{now.text}")])

    def _assign_choices(self, case: CaseRecord) -> Reply:
        """The team's known members as buttons: who should take the case?"""
        people = [
            Button(
                (first + (f" @{username}" if username else ""))[:48],
                self._data(case, f"{ASSIGN_MENU}{user_id}"),
            )
            for user_id, (first, username) in self._offered(case.team_id)
        ]
        buttons = in_rows(people)
        text = self.renderer.chat_text("assign_pick", case=self.case_view(case))
        return Reply(text, buttons)

    def _assign_to(self, who: Who, case: CaseRecord, user_id: int, now: datetime) -> ButtonResult:
        names = self.store.member_names(case.team_id)
        if user_id not in names:
            return ButtonResult(_("That person isn't in this team any more."), [])
        first = names[user_id][0]
        self.store.assign_case(case.id, user_id, who.user_id, now)
        case = self.store.get_case(case.team_id, case.id) or case
        return ButtonResult(_("Assigned to %(name)s.") % {"name": first}, [self.card(case)])

    def _in_topic(self, who: Who, case: CaseRecord, replies: list[Reply]) -> list[Reply]:
        """Replies in a group go to the case's forum topic, when it has one."""
        if who.in_group and case.topic_id is not None:
            return [replace(r, thread_id=case.topic_id) for r in replies]
        return replies

    def on_case_text(self, who: Who, text: str) -> list[Reply] | None:
        """A message that answers "send the ticket number" (or ends adding evidence);
        None when this user isn't adding to a case here."""
        pending = self.store.case_input(who.chat_id, who.user_id)
        if pending is None:
            return None
        case_id, what = pending
        case = self.store.get_case_any(case_id)
        if case is None:
            self.store.clear_case_input(who.chat_id, who.user_id)
            return None
        now = self.clock()
        word = " ".join(text.casefold().split())
        if what == "refund" and word not in {"skip", "cancel", _("skip"), _("cancel")}:
            return self._refunded_amount(who, case, text, now)
        if what in ("evidence", "refund") or word in {"cancel", "done", _("cancel"), _("done")}:
            self.store.clear_case_input(who.chat_id, who.user_id)
            if who.in_group:
                noted = "👍 " + _("Case #%(id)s: noted.") % {"id": case.id}
                return self._in_topic(who, case, [Reply(noted)])
            return [self.case_card(case, self.store.load_track(case.id))]
        try:
            ticket = parse_ticket(text)
        except InputError as error:
            return [Reply(f"⚠️ {html.escape(error_text(error))}", force_reply=who.in_group)]
        self.store.set_case_ticket(case.id, who.user_id, ticket, now)
        self.store.clear_case_input(who.chat_id, who.user_id)
        case = self.store.get_case_any(case.id) or case
        if who.in_group:
            # The group keeps one card per case: confirm briefly and update the card.
            saved = Reply(
                "🎫 "
                + _("Ticket %(ticket)s saved for case #%(id)s.")
                % {"ticket": html.escape(ticket), "id": case.id}
            )
            return self._in_topic(who, case, [saved, self.card(case)])
        replies = [self.case_card(case, self.store.load_track(case.id), done="ticket")]
        if case.team_id != who.chat_id:
            replies.append(self.card(case))
        return replies

    def _refunded_amount(self, who: Who, case: CaseRecord, text: str, now: datetime) -> list[Reply]:
        """The amount of a partial refund, read as the intake reads amounts (the case's
        currency when none is typed): kept on the case and its timeline."""
        currency = case.answers.get("amount_currency") or case.answers.get("currency")
        try:
            amount = parse_amount(text, currency, i18n.current(), ask_when_unclear=True)
        except InputError as error:
            return [Reply(f"⚠️ {html.escape(error_text(error))}", force_reply=who.in_group)]
        shown = money(amount.amount, amount.currency)
        self.store.set_refunded_amount(
            case.id, who.user_id, str(amount.amount), amount.currency, shown, now
        )
        self.store.clear_case_input(who.chat_id, who.user_id)
        case = self.store.get_case_any(case.id) or case
        noted = Reply(
            "🪙 "
            + _("Noted: %(amount)s refunded on case #%(id)s.")
            % {"amount": html.escape(shown), "id": case.id}
        )
        if who.in_group:
            return self._in_topic(who, case, [noted, self.card(case)])
        replies = [noted, self.case_card(case, self.store.load_track(case.id))]
        if case.team_id != who.chat_id:
            replies.append(self.card(case))
        return replies

    def on_case_file(
        self, who: Who, file_id: str, kind: str, caption: str | None, name: str | None
    ) -> list[Reply] | None:
        """A file sent after "Add evidence" on a case; None when not adding to one."""
        pending = self.store.case_input(who.chat_id, who.user_id)
        if pending is None or pending[1] != "evidence":
            return None
        case = self.store.get_case_any(pending[0])
        if case is None:
            return None
        item = {
            "file_id": file_id,
            "kind": kind,
            "caption": mask_card_numbers(caption)[:300] if caption else None,
            "name": mask_card_numbers(name)[:120] if name else None,
        }
        count = self.store.add_case_evidence(case.id, who.user_id, item, self.clock())
        text = self.renderer.chat_text(
            "case_input", what="evidence_added", case=self.case_view(case), count=count
        )
        return self._in_topic(who, case, [Reply(text, force_reply=False)])

    def visible_case(self, who: Who, token: str) -> CaseRecord | None:
        """The case, if this chat may see it: its own team's, or in a private chat the
        cases its user owns or is assigned. Anything else is "not found"."""
        case = self.store.case_by_token_any(token)
        if case is None:
            return None
        if case.team_id == who.chat_id:
            return case
        if not who.in_group and who.user_id in (case.owner_user_id, case.assignee_user_id):
            return case
        return None

    def may_change(self, who: Who, case: CaseRecord) -> bool:
        """Owner, assignee, or an admin of the case's own group."""
        if who.user_id in (case.owner_user_id, case.assignee_user_id):
            return True
        return who.is_admin and case.team_id == who.chat_id

    def card(self, case: CaseRecord) -> Reply:
        """The case's one card in its team's group: posted once, then edited; in the
        group's language."""
        with i18n.speaking(self.chat_language(case.team_id)):
            return self._card(case)

    def _card(self, case: CaseRecord) -> Reply:
        track = self.store.load_track(case.id)
        names = self.store.member_names(case.team_id)
        # A draft is opened and sent from a private chat (/case N), not from the group.
        buttons = self.buttons(case, track, drafts=False)
        buttons.insert(
            0,
            [
                Button("🙋 " + _("Assign to me"), self._data(case, "A")),
                Button("👥 " + _("Assign to…"), self._data(case, ASSIGN_MENU)),
            ],
        )
        text = self.renderer.chat_text(
            "card",
            case=self.case_view(case),
            status=labels.STATUS_WORDS.get(track.status, str(track.status)),
            owner=_person(case.owner_user_id, names),
            assignee=_person(case.assignee_user_id, names) if case.assignee_user_id else None,
        )
        topic = None
        if case.topic_id is None and self.store.team_flags(case.team_id)["topic_per_case"]:
            reason = labels.REASONS.get(case.reason, case.reason)
            topic = _("Case #%(id)s") % {"id": case.id}
            topic = f"{topic} · {reason}"
        return Reply(
            text,
            buttons,
            chat_id=case.team_id,
            edit_message_id=case.card_message_id,
            card_case_id=case.id,
            thread_id=case.topic_id,
            create_topic=topic,
        )

    def card_posted(self, case_id: int, message_id: int) -> None:
        self.store.set_card(case_id, message_id)

    def topic_created(self, case_id: int, thread_id: int) -> None:
        self.store.set_topic(case_id, thread_id)

    def assign(self, who: Who, argument: str) -> list[Reply]:
        """/assign N @member: give a case of this group to a member."""
        words = argument.split()
        number = whole_number(words[0].lstrip("#"), most_digits=9) if len(words) == 2 else None
        if number is None:
            return [Reply(self.renderer.chat_text("assign_usage"))]
        case = self.store.get_case(who.chat_id, number)
        if case is None:
            return [Reply(self.renderer.chat_text("case_not_found", number=number))]
        if not self.may_change(who, case):
            return [Reply(self.renderer.chat_text("not_allowed"))]
        assignee = self.store.member_by_username(who.chat_id, words[1])
        if assignee is None:
            # Quoted back, so never a card number typed where the @name goes.
            username = mask_card_numbers(words[1].lstrip("@"))
            return [Reply(self.renderer.chat_text("unknown_member", username=username))]
        self.store.assign_case(case.id, assignee, who.user_id, self.clock())
        case = self.store.get_case(who.chat_id, case.id) or case
        return [self.card(case)]

    def digest(
        self, chat_id: int, case_ids: list[int], now: datetime
    ) -> tuple[list[Reply], list[Reply]]:
        """The group's digest in the group's language (see `_digest`)."""
        with i18n.speaking(self.chat_language(chat_id)):
            return self._digest(chat_id, case_ids, now)

    def _digest(
        self, chat_id: int, case_ids: list[int], now: datetime
    ) -> tuple[list[Reply], list[Reply]]:
        """A group's due reminders: one digest mentioning who should act (cases with a
        forum topic get their reminder in the topic instead), and private copies for
        members who asked for them. Both empty when nothing is due any more."""
        names = self.store.member_names(chat_id)
        copies_for = self.store.members_wanting_copies(chat_id)
        items: list[dict[str, Any]] = []
        main: list[Reply] = []
        copies: list[Reply] = []
        for case_id in case_ids:
            case = self.store.get_case(chat_id, case_id)
            track = self.store.load_track(case_id)
            due = ping_for(track, now, self.policy)
            if case is None or due is None:
                continue
            person = case.assignee_user_id or case.owner_user_id
            after = copy.deepcopy(track)
            after.remind(now, SYSTEM_ACTOR, self.schedule(chat_id))
            case = _recorded(case, track.status, after)
            if person in copies_for:
                # The copy goes to the member's private chat: in their language.
                with i18n.speaking(self.chat_language(person)):
                    copy_reply = self._ping_reply(case, after, due)
                copies.append(replace(copy_reply, chat_id=person))
            if case.topic_id is not None:
                main.append(replace(self._ping_reply(case, after, due), thread_id=case.topic_id))
                continue
            items.append(
                {
                    "case": self.case_view(case),
                    "ping": due,
                    "who": _person(person, names),
                    "token": case.token,
                }
            )
        if items:
            text = self.renderer.chat_text("digest", items=items)
            buttons = [
                [
                    Button(
                        _("Case #%(id)s") % {"id": item["case"]["id"]} + " ›",
                        f"{CASE_PREFIX}:{item['token']}:v",
                    )
                ]
                for item in items[:20]
            ]
            main.insert(0, Reply(text, buttons))
        return main, copies

    def case_card(self, case: CaseRecord, track: CaseTrack, done: str | None = None) -> Reply:
        """Where the case stands, when the next reminder is due, and what can be done."""
        tz = self.schedule(case.team_id).tz
        text = self.renderer.chat_text(
            "case_update",
            case=self.case_view(case),
            track=track,
            done=done or "",
            status_words=labels.STATUS_WORDS,
            next_ping=track.next_ping_at.astimezone(tz) if track.next_ping_at else None,
            next_rung=self._next_rung(case),
            chargeback=_(self.policy.warnings.get("chargeback", "")),
        )
        return Reply(text, self.buttons(case, track))

    def buttons(
        self, case: CaseRecord, track: CaseTrack, *, extras: bool = True, drafts: bool = True
    ) -> list[list[Button]]:
        """The case's action buttons; with `extras`, also Ticket and Evidence; with
        `drafts`, a draft's "Open the draft" and "I've sent it"."""
        rows = self._action_buttons(case, track)
        if drafts and track.status is CaseStatus.DRAFTED:
            # Not sent: open it again (write again, change an answer…), or say it was sent.
            draft = [Button("📝 " + _("Open the draft"), self._data(case, OPEN_DRAFT))]
            if case.message:
                draft.append(Button("✅ " + _("I've sent it"), self._data(case, SENT_DRAFT)))
            rows.append(draft)
        if track.status is CaseStatus.DENIED:
            # The next rung after a "no" (POLICY.md §3, §6): ask why, then escalate.
            rows.insert(
                0,
                [
                    Button("❓ " + _("Ask why"), self._data(case, ASK_WHY)),
                    Button("📣 " + _("Escalation message"), self._data(case, "e")),
                ],
            )
        if extras and track.status in TAKES_INPUT:
            rows.append(
                [
                    Button("🎫 " + _("Ticket number"), self._data(case, "t")),
                    Button("📎 " + _("Add evidence"), self._data(case, "p")),
                ]
            )
        return rows

    def _action_buttons(self, case: CaseRecord, track: CaseTrack) -> list[list[Button]]:
        # Each with the version it is shown for (see `on_button`).
        return in_rows(
            [
                Button(action_label(action), self._data(case, f"{action}:{case.version}"))
                for action in OFFERED.get(track.status, ())
            ]
        )

    def _data(self, case: CaseRecord, action: str) -> str:
        return f"{CASE_PREFIX}:{case.token}:{action}"

    def _follow_up(
        self,
        case: CaseRecord,
        track: CaseTrack,
        language: str = i18n.DEFAULT_LANGUAGE,
        *,
        signer: int,
    ) -> Reply:
        message = self._support(case, track, "follow_up", language, signer)
        text = self.renderer.chat_text(
            "follow_up", message=message, case=self.case_view(case), track=track
        )
        sent = Button(
            "✅ " + _("I've sent it"), self._data(case, f"{FOLLOW_UP_SENT}:{case.version}")
        )
        return Reply(text, [*self._language_button(case, "F", message), [sent]])

    def _follow_up_preview(
        self, case: CaseRecord, track: CaseTrack, who: Who
    ) -> CaseTrack | ButtonResult:
        """The case as it will be once this follow-up is sent (numbered, and its message
        worded, as the next one), on a copy: nothing is recorded until "I've sent it"."""
        preview = copy.deepcopy(track)
        try:
            fire(preview, "follow_up", self.clock(), who.user_id, self.schedule(case.team_id))
        except CaseError as error:
            return ButtonResult(error_text(error), [self.case_card(case, track)])
        return preview

    def _escalation(
        self, case: CaseRecord, language: str = i18n.DEFAULT_LANGUAGE, *, signer: int
    ) -> Reply:
        track = self.store.load_track(case.id)
        message = self._support(case, track, "escalation", language, signer)
        text = self.renderer.chat_text(
            "escalation",
            message=message,
            case=self.case_view(case),
            next_rung=self._next_rung(case),
        )
        return Reply(text, self._language_button(case, "E", message))

    def _ask_why(
        self, case: CaseRecord, language: str = i18n.DEFAULT_LANGUAGE, *, signer: int
    ) -> Reply:
        track = self.store.load_track(case.id)
        message = self._support(case, track, "ask_reason", language, signer)
        text = self.renderer.chat_text("ask_reason", message=message, case=self.case_view(case))
        return Reply(text, self._language_button(case, "W", message))

    def _language_button(
        self, case: CaseRecord, action: str, message: SupportMessage
    ) -> list[list[Button]]:
        """Like the first message's (see i18n.message_switch)."""
        switch = i18n.message_switch(message.language)
        if switch is None:
            return []
        target, label = switch
        return [[Button(label, self._data(case, action + target))]]

    def _support(
        self,
        case: CaseRecord,
        track: CaseTrack,
        template: str,
        language: str = i18n.DEFAULT_LANGUAGE,
        signer: int | None = None,
    ) -> SupportMessage:
        """A later message on the case, signed by `signer` (who asked for it) when they
        have a signature."""
        tz = self.schedule(case.team_id).tz
        signature = self.store.signature(signer) if signer is not None else None
        # Written in English by default, like the first message: TikTok support reads
        # English everywhere; the user may ask for it in their own language.
        with i18n.speaking(language):
            return self._render_support(case, track, template, tz, signature or None)

    def _render_support(
        self,
        case: CaseRecord,
        track: CaseTrack,
        template: str,
        tz: ZoneInfo,
        signature: str | None = None,
    ) -> SupportMessage:
        return self.renderer.support_message(
            template,
            folder="followup",
            a=IntakeAnswers.of(case.answers),
            case=self.case_view(case),
            track=track,
            sent_on=track.sent_at.astimezone(tz).date() if track.sent_at else None,
            approved_on=track.approved_at.astimezone(tz).date() if track.approved_at else None,
            today=self.clock().astimezone(tz).date(),
            refund_overdue=track.status is CaseStatus.APPROVED,
            denied=track.status is CaseStatus.DENIED,
            billing_words=labels.BILLING_WORDS,
            reason_phrase=labels.REASON_PHRASES.get(case.reason, ""),
            timing=self.policy.timing,
            signature=signature,
        )

    def _next_rung(self, case: CaseRecord) -> str:
        """Who to turn to when support does not answer (POLICY.md §2, "Where to ask")."""
        billing = case.answers.get("billing")
        if case.answers.get("paid_via") == "agency":
            return _("your agency's account manager")
        if billing == "invoicing":
            return _("your TikTok account manager")
        return _("your TikTok sales rep or account manager, if you have one")

    # --- /cases and /case ----------------------------------------------------------------

    def list_cases(self, who: Who, argument: str = "") -> list[Reply]:
        """The chat's cases, what needs attention first, optionally filtered."""
        wanted = argument.strip().casefold() or "all"
        if wanted not in FILTERS:
            wanted = "all"
        records = self.store.list_cases(who.chat_id, limit=200)
        failed = self.store.failed_reminder_cases(who.chat_id)
        rows = []
        for case in records:
            track = self.store.load_track(case.id) if case.track else None
            status = track.status if track else CaseStatus(_status_of(case))
            if not _matches(wanted, status):
                continue
            rows.append((_attention(status, track), case, status, track))
        rows.sort(key=lambda r: (r[0], -r[1].id))
        views = [
            {
                **self.case_view(case),
                "status": labels.STATUS_WORDS.get(status, str(status)),
                "overdue": status is CaseStatus.OVERDUE,
                "undelivered": case.id in failed,
                "next_ping": (
                    weekday_date(
                        track.next_ping_at.astimezone(self.schedule(who.chat_id).tz).date()
                    )
                    if track and track.next_ping_at
                    else ""
                ),
            }
            for _, case, status, track in rows[:20]
        ]
        # The first few cases open with a tap (as /case N does), two to a row.
        opens = [
            Button(_("Case #%(id)s") % {"id": case.id} + " ›", f"{SHOW_CASE_PREFIX}{case.token}")
            for _rank, case, _status, _track in rows[:LISTED_CASE_BUTTONS]
            if case.token
        ]
        buttons = in_rows(opens)
        buttons.append(
            [
                Button(("• " if f == wanted else "") + labels.FILTER_WORDS[f], f"m:cases:{f}")
                for f in FILTERS
            ]
        )
        text = self.renderer.chat_text(
            "cases",
            cases=views,
            total=len(rows),
            filter=wanted,
            filter_word=labels.FILTER_WORDS[wanted],
        )
        return [Reply(text, buttons)]

    def case_view(self, case: CaseRecord) -> dict[str, Any]:
        a = case.answers
        return {
            "id": case.id,
            "status": labels.STATUS_WORDS.get(case.status, case.status),
            "outcome": labels.OUTCOME_WORDS.get(case.outcome, case.outcome),
            "reason": labels.REASONS.get(case.reason, case.reason),
            # As the user wrote it ("$189.90"); formatted when only the number is known.
            "amount": a.get("amount_text")
            or (money(a.get("amount"), a.get("amount_currency")) if a.get("amount") else "—"),
            "charge_date": short_date(a.get("charge_date")) if a.get("charge_date") else "—",
            "created": short_date(case.created_at),
            "ticket": case.ticket,
            "account": account_label(a) if a.get("advertiser_id") else "—",
            "message": case.message,
            "subject": case.subject,
            "policy_version": case.policy_version,
            "reply_due_on": case.reply_due_on,
            "situation": case.situation,
        }

    # --- /settings -----------------------------------------------------------------------

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
            self._forget("schedule", who.chat_id)
        schedule = self.schedule(who.chat_id)
        buttons = [
            [
                Button("🕘 " + _("Time zone"), f"{SETTINGS_PREFIX}menu:tz"),
                Button("🌙 " + _("Quiet hours"), f"{SETTINGS_PREFIX}menu:quiet"),
            ],
            [
                Button("⏳ " + _("Reply wait"), f"{SETTINGS_PREFIX}menu:reply"),
                Button("✍️ " + _("Signature"), f"{SETTINGS_PREFIX}menu:sign"),
            ],
        ]
        flags = self.store.team_flags(who.chat_id)
        copy_on = who.user_id in self.store.members_wanting_copies(who.chat_id)
        if who.in_group:
            # The group's switches, each offered the other way from how it is now.
            buttons += [
                [
                    Button(
                        "🔒 " + _("Answer questions in private"),
                        f"{SETTINGS_PREFIX}answers:private",
                    )
                    if flags["answer_in_group"]
                    else Button(
                        "💬 " + _("Answer questions here in the group"),
                        f"{SETTINGS_PREFIX}answers:group",
                    )
                ],
                [
                    Button("🧵 " + _("Turn off the topic per case"), f"{SETTINGS_PREFIX}topics:off")
                    if flags["topic_per_case"]
                    else Button(
                        "🧵 " + _("Turn on a topic per case"), f"{SETTINGS_PREFIX}topics:on"
                    )
                ],
                [
                    Button(
                        "📊 " + _("Turn off the monthly summary"), f"{SETTINGS_PREFIX}summary:off"
                    )
                    if flags["monthly_summary"]
                    else Button(
                        "📊 " + _("Turn on the monthly summary"), f"{SETTINGS_PREFIX}summary:on"
                    )
                ],
                [
                    Button("📬 " + _("Stop my private reminders"), f"{SETTINGS_PREFIX}copy:off")
                    if copy_on
                    else Button(
                        "📬 " + _("Also send my reminders in private"), f"{SETTINGS_PREFIX}copy:on"
                    )
                ],
            ]
        text = self.renderer.chat_text(
            "settings",
            error=error,
            changed=bool(words) and error is None,
            tz=schedule.tz.key,
            quiet_start=schedule.quiet_start.strftime("%H:%M"),
            quiet_end=schedule.quiet_end.strftime("%H:%M"),
            reply_days=schedule.reply_wait,
            is_group=who.in_group,
            flags=flags,
            copy_on=copy_on,
            signature=self.store.signature(who.user_id),
        )
        return [Reply(text, buttons)]

    def settings_button(self, who: Who, data: str) -> ButtonResult:
        """A /settings button: the choices for one setting, a choice (applied as if typed,
        so a group's settings stay an admin's), or back to the settings."""
        kind, _sep, value = data.removeprefix(SETTINGS_PREFIX).partition(":")
        if kind == "menu" and value in ("tz", "quiet", "reply"):
            return ButtonResult(None, [self._settings_choices(who, value)])
        if kind == "menu" and value == "sign":
            return ButtonResult(None, [self._signature_choices(who)])
        if kind == "sign" and value == "off":
            return ButtonResult(None, self.settings(who, "sign off"))
        if kind == "show":
            return ButtonResult(None, self.settings(who, ""))
        if kind in ("tz", "quiet", "reply", "answers", "topics", "summary", "copy") and value:
            return ButtonResult(None, self.settings(who, f"{kind} {value}"))
        return ButtonResult(_("That button isn't one I know."), [])

    def _settings_choices(self, who: Who, which: str) -> Reply:
        schedule = self.schedule(who.chat_id)
        choices: list[tuple[str, str]]
        if which == "tz":
            current = schedule.tz.key
            choices = [(zone, zone) for zone in ZONE_CHOICES]
        elif which == "quiet":
            current = f"{schedule.quiet_start:%H:%M}–{schedule.quiet_end:%H:%M}"
            choices = [(span.replace("-", "–"), span) for span in QUIET_CHOICES]
        else:
            current = _business_days(schedule.reply_wait)
            choices = [(_business_days(days), str(days)) for days in REPLY_CHOICES]
        buttons = in_rows(
            [
                Button(
                    ("• " if label == current else "") + label, f"{SETTINGS_PREFIX}{which}:{value}"
                )
                for label, value in choices
            ]
        )
        buttons.append([Button("⬅️ " + _("Back"), f"{SETTINGS_PREFIX}show")])
        text = self.renderer.chat_text("settings_choices", which=which, current=current)
        return Reply(text, buttons)

    def _signature_choices(self, who: Who) -> Reply:
        """The signature: how to set it (typed: it is the user's own text), and a way to
        sign with the account's name only."""
        current = self.store.signature(who.user_id)
        text = self.renderer.chat_text("settings_choices", which="sign", current=current or "—")
        buttons = [
            [Button(_("Don't sign my messages"), f"{SETTINGS_PREFIX}sign:off")],
            [Button("⬅️ " + _("Back"), f"{SETTINGS_PREFIX}show")],
        ]
        return Reply(text, buttons)

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
                raise ValueError(error_text(error)) from error
            self.store.set_signature(who.user_id, signature, self.clock())
            return
        if key == "copy" and who.in_group:
            # Each member's own choice: their reminders also in their private chat.
            self.store.set_private_copy(team_id, who.user_id, value.strip().casefold() == "on")
            return
        if who.in_group and not who.is_admin:
            raise ValueError(_("Only a group admin can change the group's settings."))
        if key in ("answers", "topics", "summary") and who.in_group:
            choice = value.strip().casefold()
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
        if key in ("tz", "timezone", "zone"):
            # "manila", "new york", "asia/manila": the zone's name as IANA spells it.
            name = zone_named(value) or value.strip()
            _zone(name, strict=True)
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


def _recorded(case: CaseRecord, status: CaseStatus, track: CaseTrack) -> CaseRecord:
    """`case` as it will be once `track` (which was at `status`) is saved: its version moves
    on when the status changes, and buttons sent now must carry that version."""
    return replace(case, version=case.version + 1) if track.status != status else case


def _business_days(days: int) -> str:
    return ngettext("%(num)s business day", "%(num)s business days", days) % {"num": days}


def _zone(name: str, strict: bool = False) -> ZoneInfo:
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


def _status_of(case: CaseRecord) -> str:
    # Cases without a track are drafts, or drafts that were closed or cancelled.
    return case.status if case.status in set(CaseStatus) else CaseStatus.DRAFTED


def _matches(wanted: str, status: CaseStatus) -> bool:
    if wanted == "open":
        return status in OPEN or status is CaseStatus.DRAFTED
    if wanted == "overdue":
        return status is CaseStatus.OVERDUE
    if wanted == "closed":
        return status not in OPEN and status is not CaseStatus.DRAFTED
    return True


def _attention(status: CaseStatus, track: CaseTrack | None) -> int:
    """Sort key: what needs the user first."""
    order = {
        CaseStatus.OVERDUE: 0,
        CaseStatus.ANSWERED: 1,
        CaseStatus.DRAFTED: 2,
        CaseStatus.FOLLOWED_UP: 3,
        CaseStatus.AWAITING_REPLY: 3,
        CaseStatus.APPROVED: 4,
    }
    return order.get(status, 9)


def _person(user_id: int | None, names: dict[int, tuple[str, str | None]]) -> dict[str, Any]:
    """A member for a template: a mention link that works without a username."""
    first, username = names.get(user_id or 0, (_("a team member"), None))
    return {"id": user_id, "name": first, "username": username}

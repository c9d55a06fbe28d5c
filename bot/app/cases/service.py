"""Following a sent case: one door to the use cases after "I've sent it".

`FollowUpService` is what the handlers, the reminder sweep and the other services hold
(`service.followup`); each of its methods hands over to the module that does the work:

    chat_prefs.py      a chat's schedule and language
    cases.py           a case's buttons and status changes (case_access.py: who may)
    case_inputs.py     the ticket number, evidence and refunded amount typed for a case
    case_texts.py      a case's card and the letters to support
    team_cards.py      a group's case cards and topics, assigning
    reminder_texts.py  reminders and a group's digest
    case_list.py       /cases
    settings.py        /settings

Like the intake service, none of them knows Telegram: they take who did what, load the
case's track, fire the domain trigger, save, and return `Reply`s (built in bot/views).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.app.cases.access import may_change, visible_case
from bot.app.cases.buttons import CaseButtons
from bot.app.cases.inputs import CaseInputs
from bot.app.cases.listing import CaseList
from bot.app.cases.team_cards import TeamCards
from bot.app.cases.texts import CaseTexts
from bot.app.reminders.texts import ReminderTexts
from bot.app.settings.chat_prefs import ChatPrefs
from bot.app.settings.service import Settings
from bot.db.records import CaseRecord
from bot.db.store import Store
from bot.views import case_screens
from bot.views.callbacks import Callback
from bot.views.rendering import Renderer
from bot.views.replies import Button, ButtonResult, Reply, Who
from conversations.cases import CaseTrack, Schedule
from conversations.policy import Policy


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
        self.prefs = ChatPrefs(store, policy, default_timezone)
        self.texts = CaseTexts(store, policy, renderer, clock, self.prefs)
        self.cards = TeamCards(store, renderer, clock, self.prefs, self.texts)
        self.inputs = CaseInputs(store, renderer, clock, self.texts, self.cards)
        self.case_buttons = CaseButtons(
            store, clock, self.prefs, self.texts, self.cards, self.inputs
        )
        self.reminder_texts = ReminderTexts(store, policy, self.prefs, self.texts, self.cards)
        self.case_list = CaseList(store, renderer, self.prefs)
        self.chat_settings = Settings(store, renderer, clock, self.prefs)

    @property
    def default_timezone(self) -> str:
        return self.prefs.default_timezone

    # --- a chat's schedule and language (chat_prefs.py) ---------------------------------

    def schedule(self, team_id: int) -> Schedule:
        return self.prefs.schedule(team_id)

    def local_date(self, moment: datetime, team_id: int) -> str:
        return self.prefs.local_date(moment, team_id)

    def chat_language(self, chat_id: int, telegram_code: str | None = None) -> str:
        return self.prefs.chat_language(chat_id, telegram_code)

    def first_contact(self, who: Who) -> str:
        return self.prefs.first_contact(who)

    def set_language(self, who: Who, code: str) -> None:
        self.prefs.set_language(who, code)

    # --- a case: its buttons, inputs, texts (cases.py, case_inputs.py, case_texts.py) ---

    def start(self, case_id: int, who: Who, team_id: int) -> CaseTrack:
        return self.case_buttons.start(case_id, who, team_id)

    def on_button(self, who: Who, button: Callback) -> ButtonResult:
        return self.case_buttons.on_button(who, button)

    def on_case_text(self, who: Who, text: str) -> list[Reply] | None:
        return self.inputs.on_case_text(who, text)

    def on_case_file(
        self, who: Who, file_id: str, kind: str, caption: str | None, name: str | None
    ) -> list[Reply] | None:
        return self.inputs.on_case_file(who, file_id, kind, caption, name)

    def visible_case(self, who: Who, token: str) -> CaseRecord | None:
        return visible_case(self.store, who, token)

    def may_change(self, who: Who, case: CaseRecord) -> bool:
        return may_change(who, case)

    def case_card(self, case: CaseRecord, track: CaseTrack, done: str | None = None) -> Reply:
        return self.texts.case_card(case, track, done)

    def buttons(
        self, case: CaseRecord, track: CaseTrack, *, extras: bool = True, drafts: bool = True
    ) -> list[list[Button]]:
        return case_screens.case_buttons(case, track.status, extras=extras, drafts=drafts)

    def case_view(self, case: CaseRecord) -> dict[str, Any]:
        return case_screens.case_context(case)

    # --- a team's group (team_cards.py) ---------------------------------------------------

    def card(self, case: CaseRecord) -> Reply:
        return self.cards.card(case)

    def card_posted(self, case_id: int, message_id: int) -> None:
        self.cards.card_posted(case_id, message_id)

    def topic_created(self, case_id: int, thread_id: int) -> None:
        self.cards.topic_created(case_id, thread_id)

    def assign(self, who: Who, argument: str) -> list[Reply]:
        return self.cards.assign(who, argument)

    def assign_candidates(self, who: Who, button: Callback) -> tuple[int, list[int]]:
        return self.cards.assign_candidates(who, button)

    def named_member(self, who: Who, argument: str) -> list[int]:
        return self.cards.named_member(who, argument)

    def members_left(self, team_id: int, user_ids: list[int]) -> None:
        self.cards.members_left(team_id, user_ids)

    # --- the reminder sweep's side (reminder_texts.py) --------------------------------------

    def ping(self, case_id: int, chat_id: int, now: datetime) -> Reply | None:
        return self.reminder_texts.ping(case_id, chat_id, now)

    def pinged(self, case_id: int, chat_id: int, now: datetime) -> CaseTrack | None:
        return self.reminder_texts.pinged(case_id, chat_id, now)

    def statuses(self, case_ids: list[int]) -> dict[int, str]:
        return self.reminder_texts.statuses(case_ids)

    def cards_after_reminders(self, chat_id: int, before: dict[int, str]) -> list[Reply]:
        return self.reminder_texts.cards_after_reminders(chat_id, before)

    def digest(
        self, chat_id: int, case_ids: list[int], now: datetime
    ) -> tuple[list[Reply], list[Reply]]:
        return self.reminder_texts.digest(chat_id, case_ids, now)

    # --- /cases and /settings (case_list.py, settings.py) ---------------------------------

    def list_cases(self, who: Who, argument: str = "") -> list[Reply]:
        return self.case_list.list_cases(who, argument)

    def settings(self, who: Who, argument: str) -> list[Reply]:
        return self.chat_settings.settings(who, argument)

    def settings_button(self, who: Who, button: Callback) -> ButtonResult:
        return self.chat_settings.settings_button(who, button)

"""A case's buttons: status changes (with the version they were shown for), the letters to
support, assigning, and asking for its ticket or evidence; and starting the wait once the
first message was sent."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from bot.app.cases.access import NOT_ALLOWED, may_change, visible_case
from bot.app.cases.inputs import CaseInputs
from bot.app.cases.team_cards import TeamCards
from bot.app.cases.texts import CaseTexts, in_topic
from bot.app.settings.chat_prefs import ChatPrefs
from bot.db.records import CaseRecord
from bot.db.store import Store
from bot.views import i18n
from bot.views.callbacks import Callback, Kind
from bot.views.case_actions import ACTIONS, CaseAction, InLanguage
from bot.views.i18n import _
from bot.views.phrases import said
from bot.views.replies import ButtonResult, Reply, Who
from conversations.cases import CaseError, CaseTrack, fire
from conversations.inputs import whole_number

# The case's version on a status button ("k:<token>:a:3"): ASCII digits only.
VERSION = re.compile(r"[0-9]{1,9}")


class CaseButtons:
    """Cases after "I've sent it": until the money arrives or TikTok says no."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        prefs: ChatPrefs,
        texts: CaseTexts,
        cards: TeamCards,
        inputs: CaseInputs,
    ) -> None:
        self.store = store
        self.clock = clock
        self.prefs = prefs
        self.texts = texts
        self.cards = cards
        self.inputs = inputs

    def start(self, case_id: int, who: Who, team_id: int) -> CaseTrack:
        """The user sent the message: start waiting for TikTok and queue the reminder
        (in the team's chat: a group's reminders go to the group)."""
        track = self.store.load_track(case_id)
        track.send(self.clock(), who.user_id, self.prefs.schedule(team_id))
        self.store.save_track(case_id, team_id, track)
        return track

    def on_button(self, who: Who, button: Callback) -> ButtonResult:
        """Apply a case button: only for a case this chat may see, only by someone who may
        change it, only if the case allows it. In a group the card is edited in place.

        A status button carries the case's version it was shown with: pressed after the
        case changed (someone else pressed first), or losing a race to such a press, it
        changes nothing and shows the case as it is now."""
        if button.kind is not Kind.CASE:
            return ButtonResult(_("That button isn't one I know."), [])
        seen: int | None = None  # the version the button was shown with
        if button.value:
            if not VERSION.fullmatch(button.value):
                return ButtonResult(_("That button isn't one I know."), [])
            seen = int(button.value)
        action = button.action
        case = visible_case(self.store, who, button.token)
        if case is None:
            return ButtonResult(_("That case isn't here."), [])
        if action == CaseAction.VIEW:
            return ButtonResult(None, [self.texts.case_card(case, self.store.load_track(case.id))])
        if not may_change(who, case):
            return ButtonResult(_(NOT_ALLOWED), [])
        shown = self._letter(who, case, action)
        if shown is not None:
            return shown
        now = self.clock()
        if action in (CaseAction.TICKET, CaseAction.EVIDENCE):
            return self.inputs.ask(who, case, action)
        if action == CaseAction.ASSIGN_ME:
            return self.cards.assign_to_me(who, case, now)
        if action == CaseAction.ASSIGN_MENU:
            return self.cards.assign_menu(who, case)
        member = (
            whole_number(action[1:], most_digits=18)
            if action[:1] == CaseAction.ASSIGN_MENU
            else None
        )
        if member is not None:
            return self.cards.assign_to(who, case, member, now)
        if action == CaseAction.FOLLOW_UP:
            # The follow-up to send, shown: counted when the user says it was sent.
            if seen is not None and seen != case.version:
                return self._changed_meanwhile(who, case)
            preview = self.texts.follow_up_preview(case, self.store.load_track(case.id), who)
            if isinstance(preview, ButtonResult):
                return preview
            letter = self.texts.follow_up(case, preview, signer=who.user_id)
            return ButtonResult(None, in_topic(who, case, [letter]), keep_buttons=True)
        if action == CaseAction.FOLLOW_UP_SENT:
            action = CaseAction.FOLLOW_UP
        if action not in ACTIONS:
            return ButtonResult(_("That button isn't one I know."), [])
        if seen is not None and seen != case.version:
            return self._changed_meanwhile(who, case)
        return self._change_status(who, case, CaseAction(action), now)

    def _letter(self, who: Who, case: CaseRecord, action: str) -> ButtonResult | None:
        """A message for support, shown beside the case (which keeps its buttons), nothing
        recorded: the escalation, "Ask why" after a denial, or one of them (or the
        follow-up) again in another language (English unless asked). None for another
        button."""
        if action == CaseAction.ESCALATE:
            letter = self.texts.escalation(case, signer=who.user_id)
            return ButtonResult(None, in_topic(who, case, [letter]), keep_buttons=True)
        if action == CaseAction.ASK_WHY:
            letter = self.texts.ask_why(case, signer=who.user_id)
            return ButtonResult(None, in_topic(who, case, [letter]), keep_buttons=True)
        if action[:1] not in set(InLanguage) or action[1:] not in i18n.LANGUAGES:
            return None
        language = action[1:]
        if action[0] == InLanguage.ESCALATION:
            letter = self.texts.escalation(case, language, signer=who.user_id)
        elif action[0] == InLanguage.ASK_WHY:
            letter = self.texts.ask_why(case, language, signer=who.user_id)
        else:
            preview = self.texts.follow_up_preview(case, self.store.load_track(case.id), who)
            if isinstance(preview, ButtonResult):
                return preview
            letter = self.texts.follow_up(case, preview, language, signer=who.user_id)
        return ButtonResult(i18n.LANGUAGES[language].name, in_topic(who, case, [letter]))

    def _change_status(
        self, who: Who, case: CaseRecord, action: CaseAction, now: datetime
    ) -> ButtonResult:
        """A status button: the domain trigger fired and saved, unless another press
        changed the case first."""
        trigger = ACTIONS[action][0]
        track = self.store.load_track(case.id)
        try:
            fire(track, trigger, now, who.user_id, self.prefs.schedule(case.team_id))
        except CaseError as error:
            current = self.store.get_case(case.team_id, case.id)
            if current is not None and current.version != case.version:
                # The other press committed between reading the case and its track.
                return self._changed_meanwhile(who, current)
            return ButtonResult(said(error), [self.texts.case_card(case, track)])
        if not self.store.save_track(case.id, case.team_id, track, version=case.version):
            return self._changed_meanwhile(who, case)
        case = self.store.get_case(case.team_id, case.id) or case
        replies: list[Reply] = []
        asks: list[Reply] = []
        if trigger == "partly_refunded":
            # How much came back: asked last (the question is what is answered next).
            asks = self.inputs.ask_refund(who, case)
        if case.team_id != who.chat_id or who.in_group:
            # A team case: its one card in the group follows the change.
            replies.append(self.cards.card(case))
            if not who.in_group:
                replies.append(self.texts.case_card(case, track, done=trigger))
            return ButtonResult(
                _("%(action)s — noted.") % {"action": _(ACTIONS[action][1])}, replies + asks
            )
        replies.append(self.texts.case_card(case, track, done=trigger))
        return ButtonResult(None, replies + asks)

    def _changed_meanwhile(self, who: Who, case: CaseRecord) -> ButtonResult:
        """A press that lost to another change of the case: nothing applied; the case as it
        is now, with the buttons it offers now (in a group, its card edited in place)."""
        case = self.store.get_case(case.team_id, case.id) or case
        line = _("Someone changed this case meanwhile, so I didn't apply that.")
        if who.in_group:
            return ButtonResult(line, [self.cards.card(case)])
        now = self.texts.case_card(case, self.store.load_track(case.id))
        return ButtonResult(line, [replace(now, text=f"🔄 {html.escape(line)}\n\n{now.text}")])

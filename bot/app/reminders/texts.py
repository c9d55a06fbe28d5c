"""The reminder sweep's side of a case: the reminder for a due case (alone, or in a group's
digest with private copies), and the group cards its reminders changed."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.app.cases.team_cards import TeamCards, person
from bot.app.cases.texts import CaseTexts, recorded
from bot.app.settings.chat_prefs import ChatPrefs
from bot.db.records import CaseRecord
from bot.db.store import Store
from bot.views import case_screens, i18n
from bot.views.replies import Reply
from conversations.cases import SYSTEM_ACTOR, CaseTrack, Ping, ping_for
from conversations.policy import Policy


class ReminderTexts:
    """Reminders of due cases, in the language of the chat each goes to."""

    def __init__(
        self, store: Store, policy: Policy, prefs: ChatPrefs, texts: CaseTexts, cards: TeamCards
    ) -> None:
        self.store = store
        self.policy = policy
        self.prefs = prefs
        self.texts = texts
        self.cards = cards

    def ping(self, case_id: int, chat_id: int, now: datetime) -> Reply | None:
        """The reminder for a due case, or None if nothing is due (the case moved on), in
        the language of the chat it goes to."""
        with i18n.speaking(self.prefs.chat_language(chat_id)):
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
        track.remind(now, SYSTEM_ACTOR, self.prefs.schedule(chat_id))
        return self.texts.ping_reply(recorded(case, status, track), track, due)

    def pinged(self, case_id: int, chat_id: int, now: datetime) -> CaseTrack | None:
        """After a reminder went out: the case's track with the reminder recorded, read
        afresh (the user may have pressed a button while it was being sent), or None when
        the case no longer waits for that reminder."""
        track = self.store.load_track(case_id)
        if ping_for(track, now, self.policy) is None:
            return None
        track.remind(now, SYSTEM_ACTOR, self.prefs.schedule(chat_id))
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
                cards.append(self.cards.card(case))
        return cards

    def digest(
        self, chat_id: int, case_ids: list[int], now: datetime
    ) -> tuple[list[Reply], list[Reply]]:
        """The group's digest in the group's language (see `_digest`)."""
        with i18n.speaking(self.prefs.chat_language(chat_id)):
            return self._digest(chat_id, case_ids, now)

    def _digest(
        self, chat_id: int, case_ids: list[int], now: datetime
    ) -> tuple[list[Reply], list[Reply]]:
        """A group's due reminders: one digest mentioning who should act (cases with a
        forum topic get their reminder in the topic instead), and private copies for
        members who asked for them. Both empty when nothing is due any more."""
        names = self.store.member_names(chat_id)
        copies_for = self.store.members_wanting_copies(chat_id)
        items: list[tuple[CaseRecord, Ping, dict[str, Any]]] = []
        main: list[Reply] = []
        copies: list[Reply] = []
        for case_id in case_ids:
            case = self.store.get_case(chat_id, case_id)
            track = self.store.load_track(case_id)
            due = ping_for(track, now, self.policy)
            if case is None or due is None:
                continue
            member = case.assignee_user_id or case.owner_user_id
            after = copy.deepcopy(track)
            after.remind(now, SYSTEM_ACTOR, self.prefs.schedule(chat_id))
            case = recorded(case, track.status, after)
            if member in copies_for:
                # The copy goes to the member's private chat: in their language.
                with i18n.speaking(self.prefs.chat_language(member)):
                    copy_reply = self.texts.ping_reply(case, after, due)
                copies.append(replace(copy_reply, chat_id=member))
            if case.topic_id is not None:
                main.append(
                    replace(self.texts.ping_reply(case, after, due), thread_id=case.topic_id)
                )
                continue
            items.append((case, due, person(member, names)))
        if items:
            main.insert(0, case_screens.digest(self.texts.renderer, items))
        return main, copies

"""A team's group: each case's one card there (and its forum topic), and who the case is
assigned to ("Assign to me", "Assign to…", /assign N @member)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.app.cases.access import may_change, visible_case
from bot.app.cases.texts import CaseTexts, in_topic
from bot.app.settings.chat_prefs import ChatPrefs
from bot.db.records import CaseRecord
from bot.db.store import Store
from bot.views import case_screens, i18n
from bot.views.callbacks import Callback
from bot.views.case_actions import CaseAction
from bot.views.i18n import _
from bot.views.rendering import Renderer
from bot.views.replies import ButtonResult, Reply, Who
from conversations.inputs import mask_card_numbers, whole_number

ASSIGN_CHOICES = 20  # members offered under "Assign to…"


class TeamCards:
    """The cards of a team's cases in its group, and assigning them."""

    def __init__(
        self,
        store: Store,
        renderer: Renderer,
        clock: Callable[[], datetime],
        prefs: ChatPrefs,
        texts: CaseTexts,
    ) -> None:
        self.store = store
        self.renderer = renderer
        self.clock = clock
        self.prefs = prefs
        self.texts = texts

    def card(self, case: CaseRecord) -> Reply:
        """The case's one card in its team's group: posted once, then edited; in the
        group's language."""
        with i18n.speaking(self.prefs.chat_language(case.team_id)):
            return self._card(case)

    def _card(self, case: CaseRecord) -> Reply:
        track = self.store.load_track(case.id)
        names = self.store.member_names(case.team_id)
        return case_screens.team_card(
            self.renderer,
            case,
            track,
            owner=person(case.owner_user_id, names),
            assignee=person(case.assignee_user_id, names) if case.assignee_user_id else None,
            topic_per_case=case.topic_id is None
            and self.store.team_flags(case.team_id)["topic_per_case"],
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
        if not may_change(who, case):
            return [Reply(self.renderer.chat_text("not_allowed"))]
        assignee = self.store.member_by_username(who.chat_id, words[1])
        if assignee is None:
            # Quoted back, so never a card number typed where the @name goes.
            username = mask_card_numbers(words[1].lstrip("@"))
            return [Reply(self.renderer.chat_text("unknown_member", username=username))]
        self.store.assign_case(case.id, assignee, who.user_id, self.clock())
        case = self.store.get_case(who.chat_id, case.id) or case
        return [self.card(case)]

    def assign_to_me(self, who: Who, case: CaseRecord, now: datetime) -> ButtonResult:
        """ "Assign to me": in a group its card follows; in a private chat, the case."""
        self.store.assign_case(case.id, who.user_id, who.user_id, now)
        case = self.store.get_case(case.team_id, case.id) or case
        return ButtonResult(
            _("Assigned to you."),
            [self.card(case)]
            if who.in_group
            else [self.texts.case_card(case, self.store.load_track(case.id), done="assigned")],
        )

    def assign_menu(self, who: Who, case: CaseRecord) -> ButtonResult:
        """ "Assign to…": the team's known members as buttons, beside the card (which keeps
        its buttons)."""
        menu = case_screens.assign_pick(self.renderer, case, self._offered(case.team_id))
        return ButtonResult(None, in_topic(who, case, [menu]), keep_buttons=True)

    def assign_to(self, who: Who, case: CaseRecord, user_id: int, now: datetime) -> ButtonResult:
        """A member picked under "Assign to…"."""
        names = self.store.member_names(case.team_id)
        if user_id not in names:
            return ButtonResult(_("That person isn't in this team any more."), [])
        first = names[user_id][0]
        self.store.assign_case(case.id, user_id, who.user_id, now)
        case = self.store.get_case(case.team_id, case.id) or case
        return ButtonResult(_("Assigned to %(name)s.") % {"name": first}, [self.card(case)])

    def _offered(self, team_id: int) -> list[tuple[int, tuple[str, str | None]]]:
        """The members "Assign to…" offers, in its order: (user id, (first name, username))."""
        names = self.store.member_names(team_id)
        return sorted(names.items(), key=lambda m: m[1][0])[:ASSIGN_CHOICES]

    def assign_candidates(self, who: Who, button: Callback) -> tuple[int, list[int]]:
        """The case's team, and the people this "Assign to…" press would offer or give the
        case to (none if the case isn't this chat's to see)."""
        case = visible_case(self.store, who, button.token)
        if case is None or not may_change(who, case):
            return 0, []
        if button.action == CaseAction.ASSIGN_MENU:
            return case.team_id, [user_id for user_id, _names in self._offered(case.team_id)]
        picked = whole_number(button.action[1:], most_digits=18)
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


def person(user_id: int | None, names: dict[int, tuple[str, str | None]]) -> dict[str, Any]:
    """A member for a template: a mention link that works without a username."""
    first, username = names.get(user_id or 0, (_("a team member"), None))
    return {"id": user_id, "name": first, "username": username}

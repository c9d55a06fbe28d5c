"""Showing one case as /case N shows it: from the command, or from a "Case #12 ›" button
(`m:case:<token>`) of the /cases list."""

from __future__ import annotations

from bot.app.intake.common import IntakeContext
from bot.db.records import CaseRecord
from bot.views import menu_screens
from bot.views.callbacks import Callback
from bot.views.callbacks import Kind as ButtonKind
from bot.views.i18n import _
from bot.views.replies import ButtonResult, Reply, Who
from conversations.inputs import whole_number


class CaseDisplay:
    """One case: answers, verdict, message, timeline, and what can be done now."""

    def __init__(self, ctx: IntakeContext) -> None:
        self.ctx = ctx

    def show_case_button(self, who: Who, pressed: Callback) -> ButtonResult:
        """A case tapped in the /cases list: shown as /case N shows it, if this chat may
        see it."""
        shown = pressed.kind is ButtonKind.SHOW_CASE
        case = self.ctx.followup.visible_case(who, pressed.token) if shown else None
        if case is None:
            return ButtonResult(_("That case isn't here."), [])
        return ButtonResult(None, self.case_replies(who, case))

    def show_case(self, who: Who, argument: str) -> list[Reply]:
        """/case N, if this chat may see case N."""
        number = whole_number(argument.strip().lstrip("#"), most_digits=9)
        if number is None:
            return [self.ctx.reply("case_usage")]
        store = self.ctx.store
        case = store.get_case(who.chat_id, number)
        if case is None and not who.in_group:
            # In private, also the team cases this user owns or is assigned.
            other = store.get_case_any(number)
            if other is not None and who.user_id in (other.owner_user_id, other.assignee_user_id):
                case = other
        if case is None:
            return [self.ctx.reply("case_not_found", number=number)]
        return self.case_replies(who, case)

    def case_replies(self, who: Who, case: CaseRecord) -> list[Reply]:
        """The case as /case N shows it (the caller made sure this chat may see it)."""
        store = self.ctx.store
        followup = self.ctx.followup
        events = store.case_events(case.id)
        # People in the timeline are stored by id and named as the team knows them now.
        names = store.member_names(case.team_id)
        track = store.load_track(case.id)
        tz = followup.schedule(who.chat_id).tz
        view = followup.case_view(case)
        buttons = followup.buttons(case, track, drafts=not who.in_group)
        reply = menu_screens.case(
            self.ctx.renderer,
            view,
            case_id=case.id,
            message=case.message,
            events=events,
            names=names,
            track=track,
            tz=tz,
            buttons=buttons,
        )
        return [reply]

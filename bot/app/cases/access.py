"""Who may see a case, and who may change it."""

from __future__ import annotations

from bot.db.records import CaseRecord
from bot.db.store import Store
from bot.views.replies import Who
from conversations.texts import N_

NOT_ALLOWED = N_("Only the case's owner, its assignee or a group admin can do that.")


def visible_case(store: Store, who: Who, token: str) -> CaseRecord | None:
    """The case, if this chat may see it: its own team's, or in a private chat the
    cases its user owns or is assigned. Anything else is "not found"."""
    case = store.case_by_token_any(token)
    if case is None:
        return None
    if case.team_id == who.chat_id:
        return case
    if not who.in_group and who.user_id in (case.owner_user_id, case.assignee_user_id):
        return case
    return None


def may_change(who: Who, case: CaseRecord) -> bool:
    """Owner, assignee, or an admin of the case's own group."""
    if who.user_id in (case.owner_user_id, case.assignee_user_id):
        return True
    return who.is_admin and case.team_id == who.chat_id

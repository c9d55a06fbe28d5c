"""/cases: the chat's cases, what needs attention first, optionally filtered."""

from __future__ import annotations

from bot.app.settings.chat_prefs import ChatPrefs
from bot.db.records import CaseRecord
from bot.db.store import Store
from bot.views import case_screens, labels
from bot.views.case_screens import FILTERS
from bot.views.formats import weekday_date
from bot.views.rendering import Renderer
from bot.views.replies import Reply, Who
from conversations.cases import OPEN, CaseStatus, CaseTrack


class CaseList:
    """/cases (and its filter buttons)."""

    def __init__(self, store: Store, renderer: Renderer, prefs: ChatPrefs) -> None:
        self.store = store
        self.renderer = renderer
        self.prefs = prefs

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
            status = track.status if track else CaseStatus(status_of(case))
            if not _matches(wanted, status):
                continue
            rows.append((_attention(status, track), case, status, track))
        rows.sort(key=lambda r: (r[0], -r[1].id))
        views = [
            {
                **case_screens.case_context(case),
                "status": labels.STATUS_WORDS.get(status, str(status)),
                "overdue": status is CaseStatus.OVERDUE,
                "undelivered": case.id in failed,
                "next_ping": (
                    weekday_date(
                        track.next_ping_at.astimezone(self.prefs.schedule(who.chat_id).tz).date()
                    )
                    if track and track.next_ping_at
                    else ""
                ),
            }
            for _, case, status, track in rows[:20]
        ]
        opens = [case for _rank, case, _status, _track in rows]
        return [
            case_screens.case_list(
                self.renderer, views, total=len(rows), wanted=wanted, opens=opens
            )
        ]


def status_of(case: CaseRecord) -> str:
    """A case's status (cases without a track are drafts, or drafts that were closed or
    cancelled)."""
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

"""A case's texts: its card, its reminder, and the letters to support (follow-up,
escalation, "why was it denied?"), each in the language asked for."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.app.settings.chat_prefs import ChatPrefs
from bot.db.records import CaseRecord
from bot.db.store import Store
from bot.views import case_screens, i18n, labels
from bot.views.i18n import _
from bot.views.phrases import said
from bot.views.rendering import Renderer, SupportMessage
from bot.views.replies import ButtonResult, Reply, Who
from conversations.answers import IntakeAnswers
from conversations.cases import CaseError, CaseStatus, CaseTrack, Ping, fire
from conversations.policy import Policy


class CaseTexts:
    """What the bot shows of a case, and the messages it writes for the user to send."""

    def __init__(
        self,
        store: Store,
        policy: Policy,
        renderer: Renderer,
        clock: Callable[[], datetime],
        prefs: ChatPrefs,
    ) -> None:
        self.store = store
        self.policy = policy
        self.renderer = renderer
        self.clock = clock
        self.prefs = prefs

    def case_card(self, case: CaseRecord, track: CaseTrack, done: str | None = None) -> Reply:
        """Where the case stands, when the next reminder is due, and what can be done."""
        tz = self.prefs.schedule(case.team_id).tz
        return case_screens.case_update(
            self.renderer,
            case,
            track,
            done=done or "",
            next_ping=track.next_ping_at.astimezone(tz) if track.next_ping_at else None,
            next_rung=self.next_rung(case),
            chargeback=said(self.policy.warnings.get("chargeback", "")),
        )

    def ping_reply(self, case: CaseRecord, track: CaseTrack, due: Ping) -> Reply:
        return case_screens.ping(self.renderer, case, track, due, self.next_rung(case))

    def follow_up(
        self,
        case: CaseRecord,
        track: CaseTrack,
        language: str = i18n.DEFAULT_LANGUAGE,
        *,
        signer: int,
    ) -> Reply:
        message = self._support(case, track, "follow_up", language, signer)
        return case_screens.follow_up(self.renderer, case, track, message)

    def follow_up_preview(
        self, case: CaseRecord, track: CaseTrack, who: Who
    ) -> CaseTrack | ButtonResult:
        """The case as it will be once this follow-up is sent (numbered, and its message
        worded, as the next one), on a copy: nothing is recorded until "I've sent it"."""
        preview = copy.deepcopy(track)
        try:
            fire(preview, "follow_up", self.clock(), who.user_id, self.prefs.schedule(case.team_id))
        except CaseError as error:
            return ButtonResult(said(error), [self.case_card(case, track)])
        return preview

    def escalation(
        self, case: CaseRecord, language: str = i18n.DEFAULT_LANGUAGE, *, signer: int
    ) -> Reply:
        track = self.store.load_track(case.id)
        message = self._support(case, track, "escalation", language, signer)
        return case_screens.escalation(self.renderer, case, message, self.next_rung(case))

    def ask_why(
        self, case: CaseRecord, language: str = i18n.DEFAULT_LANGUAGE, *, signer: int
    ) -> Reply:
        track = self.store.load_track(case.id)
        message = self._support(case, track, "ask_reason", language, signer)
        return case_screens.ask_why(self.renderer, case, message)

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
        tz = self.prefs.schedule(case.team_id).tz
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
            case=case_screens.case_context(case),
            track=track,
            sent_on=track.sent_at.astimezone(tz).date() if track.sent_at else None,
            approved_on=track.approved_at.astimezone(tz).date() if track.approved_at else None,
            refund_overdue=track.status is CaseStatus.APPROVED,
            denied=track.status is CaseStatus.DENIED,
            reason_phrase=labels.REASON_PHRASES.get(case.reason, ""),
            timing=self.policy.timing,
            signature=signature,
        )

    def next_rung(self, case: CaseRecord) -> str:
        """Who to turn to when support does not answer (POLICY.md §2, "Where to ask")."""
        billing = case.answers.get("billing")
        if case.answers.get("paid_via") == "agency":
            return _("your agency's account manager")
        if billing == "invoicing":
            return _("your TikTok account manager")
        return _("your TikTok sales rep or account manager, if you have one")


def in_topic(who: Who, case: CaseRecord, replies: list[Reply]) -> list[Reply]:
    """Replies in a group go to the case's forum topic, when it has one."""
    if who.in_group and case.topic_id is not None:
        return [replace(r, thread_id=case.topic_id) for r in replies]
    return replies


def recorded(case: CaseRecord, status: CaseStatus, track: CaseTrack) -> CaseRecord:
    """`case` as it will be once `track` (which was at `status`) is saved: its version moves
    on when the status changes, and buttons sent now must carry that version."""
    return replace(case, version=case.version + 1) if track.status != status else case

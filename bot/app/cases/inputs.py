"""What a user types or sends for a case after its buttons asked: the ticket number, more
evidence, or how much a partial refund brought back."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime

from bot.app.cases.team_cards import TeamCards
from bot.app.cases.texts import CaseTexts, in_topic
from bot.db.records import CaseRecord
from bot.db.store import Store
from bot.views import case_screens, i18n
from bot.views.case_actions import CaseAction
from bot.views.formats import money
from bot.views.i18n import _
from bot.views.phrases import said
from bot.views.rendering import Renderer
from bot.views.replies import ButtonResult, Reply, Who
from conversations.inputs import mask_card_numbers, parse_ticket
from conversations.money import parse_amount
from conversations.texts import InputError


class CaseInputs:
    """A case's pending input (one per chat and user): asked for, then answered."""

    def __init__(
        self,
        store: Store,
        renderer: Renderer,
        clock: Callable[[], datetime],
        texts: CaseTexts,
        cards: TeamCards,
    ) -> None:
        self.store = store
        self.renderer = renderer
        self.clock = clock
        self.texts = texts
        self.cards = cards

    def ask(self, who: Who, case: CaseRecord, action: str) -> ButtonResult:
        """ "Ticket number" or "Add evidence": the next message (or file) is for the case."""
        if self.store.has_open_intake(who.chat_id, who.user_id):
            return ButtonResult(_("Finish or /cancel the case you're answering first."), [])
        what = "ticket" if action == CaseAction.TICKET else "evidence"
        self.store.set_case_input(who.chat_id, who.user_id, case.id, what)
        prompt = case_screens.case_input(self.renderer, case, what, force_reply=who.in_group)
        # In a group the card is the team's: it keeps its buttons for the others.
        return ButtonResult(None, in_topic(who, case, [prompt]), keep_buttons=who.in_group)

    def ask_refund(self, who: Who, case: CaseRecord) -> list[Reply]:
        """After "Partly refunded": how much came back (kept on the case and its timeline)."""
        self.store.set_case_input(who.chat_id, who.user_id, case.id, "refund")
        prompt = case_screens.case_input(self.renderer, case, "refund", force_reply=who.in_group)
        return in_topic(who, case, [prompt])

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
                return in_topic(who, case, [Reply(noted)])
            return [self.texts.case_card(case, self.store.load_track(case.id))]
        try:
            ticket = parse_ticket(text)
        except InputError as error:
            return [Reply(f"⚠️ {html.escape(said(error))}", force_reply=who.in_group)]
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
            return in_topic(who, case, [saved, self.cards.card(case)])
        replies = [self.texts.case_card(case, self.store.load_track(case.id), done="ticket")]
        if case.team_id != who.chat_id:
            replies.append(self.cards.card(case))
        return replies

    def _refunded_amount(self, who: Who, case: CaseRecord, text: str, now: datetime) -> list[Reply]:
        """The amount of a partial refund, read as the intake reads amounts (the case's
        currency when none is typed): kept on the case and its timeline."""
        currency = case.answers.get("amount_currency") or case.answers.get("currency")
        try:
            amount = parse_amount(text, currency, i18n.current(), ask_when_unclear=True)
        except InputError as error:
            return [Reply(f"⚠️ {html.escape(said(error))}", force_reply=who.in_group)]
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
            return in_topic(who, case, [noted, self.cards.card(case)])
        replies = [noted, self.texts.case_card(case, self.store.load_track(case.id))]
        if case.team_id != who.chat_id:
            replies.append(self.cards.card(case))
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
        reply = case_screens.case_input(
            self.renderer, case, "evidence_added", force_reply=False, count=count
        )
        return in_topic(who, case, [reply])

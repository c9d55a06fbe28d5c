"""A case's screens: its card in a chat, its card in the team's group, reminders, digests,
the follow-up letters, "Assign to…" and /cases. One function per screen: plain data in
(a case's fields, its track), a `Reply` out (template, context and buttons)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.views import callbacks, i18n, labels
from bot.views.case_actions import (
    OFFERED,
    TAKES_INPUT,
    CaseAction,
    InLanguage,
    action_label,
)
from bot.views.formats import money, short_date
from bot.views.i18n import _
from bot.views.rendering import Renderer, SupportMessage
from bot.views.replies import Button, Reply, account_label, in_rows
from conversations.cases import CaseStatus, CaseTrack, Ping, PingKind

FILTERS = ("open", "overdue", "closed", "all")
# /cases' buttons that open a case: random tokens, never case numbers.
LISTED_CASE_BUTTONS = 8


class CaseFields(Protocol):
    """What a screen reads of a case (the database's `CaseRecord` has them)."""

    @property
    def id(self) -> int: ...
    @property
    def team_id(self) -> int: ...
    @property
    def reason(self) -> str: ...
    @property
    def answers(self) -> dict[str, Any]: ...
    @property
    def outcome(self) -> str: ...
    @property
    def situation(self) -> str: ...
    @property
    def policy_version(self) -> str: ...
    @property
    def subject(self) -> str | None: ...
    @property
    def message(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def ticket(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def reply_due_on(self) -> str | None: ...
    @property
    def token(self) -> str | None: ...
    @property
    def card_message_id(self) -> int | None: ...
    @property
    def topic_id(self) -> int | None: ...
    @property
    def version(self) -> int: ...


def case_context(case: CaseFields) -> dict[str, Any]:
    """The case as the templates show it."""
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


def case_data(case: CaseFields, action: str, value: str = "") -> str:
    """A button of this case (`callbacks.case`)."""
    return callbacks.case(str(case.token), action, value)


def case_buttons(
    case: CaseFields, status: CaseStatus, *, extras: bool = True, drafts: bool = True
) -> list[list[Button]]:
    """The case's action buttons; with `extras`, also Ticket and Evidence; with
    `drafts`, a draft's "Open the draft" and "I've sent it"."""
    # Each status button with the version it is shown for (see `CaseButtons.on_button`).
    rows = in_rows(
        [
            Button(action_label(action), case_data(case, action, str(case.version)))
            for action in OFFERED.get(status, ())
        ]
    )
    if drafts and status is CaseStatus.DRAFTED:
        # Not sent: open it again (write again, change an answer…), or say it was sent.
        draft = [Button("📝 " + _("Open the draft"), case_data(case, CaseAction.OPEN_DRAFT))]
        if case.message:
            draft.append(Button("✅ " + _("I've sent it"), case_data(case, CaseAction.SENT_DRAFT)))
        rows.append(draft)
    if status is CaseStatus.DENIED:
        # The next rung after a "no" (POLICY.md §3, §6): ask why, then escalate.
        rows.insert(
            0,
            [
                Button("❓ " + _("Ask why"), case_data(case, CaseAction.ASK_WHY)),
                Button("📣 " + _("Escalation message"), case_data(case, CaseAction.ESCALATE)),
            ],
        )
    if extras and status in TAKES_INPUT:
        rows.append(
            [
                Button("🎫 " + _("Ticket number"), case_data(case, CaseAction.TICKET)),
                Button("📎 " + _("Add evidence"), case_data(case, CaseAction.EVIDENCE)),
            ]
        )
    return rows


def case_update(
    renderer: Renderer,
    case: CaseFields,
    track: CaseTrack,
    *,
    done: str,
    next_ping: datetime | None,
    next_rung: str,
    chargeback: str,
) -> Reply:
    """Where the case stands, when the next reminder is due, and what can be done."""
    text = renderer.chat_text(
        "case_update",
        case=case_context(case),
        track=track,
        done=done,
        status_words=labels.STATUS_WORDS,
        next_ping=next_ping,
        next_rung=next_rung,
        chargeback=chargeback,
    )
    return Reply(text, case_buttons(case, track.status))


def ping(
    renderer: Renderer, case: CaseFields, track: CaseTrack, due: Ping, next_rung: str
) -> Reply:
    """A reminder of a due case, with the case's buttons."""
    buttons = case_buttons(case, track.status, extras=False)
    if due.suggest_escalation:
        escalate = Button("📣 " + _("Escalation message"), case_data(case, CaseAction.ESCALATE))
        buttons.insert(0, [escalate])
    text = renderer.chat_text(
        "ping",
        case=case_context(case),
        ping=due,
        kinds=PingKind,
        track=track,
        next_rung=next_rung,
    )
    return Reply(text, buttons)


def team_card(
    renderer: Renderer,
    case: CaseFields,
    track: CaseTrack,
    *,
    owner: dict[str, Any],
    assignee: dict[str, Any] | None,
    topic_per_case: bool,
) -> Reply:
    """The case's one card in its team's group (posted once, then edited)."""
    # A draft is opened and sent from a private chat (/case N), not from the group.
    buttons = case_buttons(case, track.status, drafts=False)
    buttons.insert(
        0,
        [
            Button("🙋 " + _("Assign to me"), case_data(case, CaseAction.ASSIGN_ME)),
            Button("👥 " + _("Assign to…"), case_data(case, CaseAction.ASSIGN_MENU)),
        ],
    )
    text = renderer.chat_text(
        "card",
        case=case_context(case),
        status=labels.STATUS_WORDS.get(track.status, str(track.status)),
        owner=owner,
        assignee=assignee,
    )
    topic = None
    if case.topic_id is None and topic_per_case:
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


def assign_pick(
    renderer: Renderer, case: CaseFields, members: list[tuple[int, tuple[str, str | None]]]
) -> Reply:
    """The team's known members as buttons: who should take the case?"""
    people = [
        Button(
            (first + (f" @{username}" if username else ""))[:48],
            case_data(case, f"{CaseAction.ASSIGN_MENU}{user_id}"),
        )
        for user_id, (first, username) in members
    ]
    text = renderer.chat_text("assign_pick", case=case_context(case))
    return Reply(text, in_rows(people))


def digest(renderer: Renderer, items: Sequence[tuple[CaseFields, Ping, dict[str, Any]]]) -> Reply:
    """A group's due reminders in one message: each case, and who should act."""
    text = renderer.chat_text(
        "digest",
        items=[
            {"case": case_context(case), "ping": due, "who": who, "token": case.token}
            for case, due, who in items
        ],
    )
    buttons = [
        [Button(_("Case #%(id)s") % {"id": case.id} + " ›", case_data(case, CaseAction.VIEW))]
        for case, _due, _who in items[:20]
    ]
    return Reply(text, buttons)


def case_input(
    renderer: Renderer, case: CaseFields, what: str, *, force_reply: bool, **more: Any
) -> Reply:
    """Asking for the ticket number, evidence or the refunded amount (or: evidence added)."""
    text = renderer.chat_text("case_input", what=what, case=case_context(case), **more)
    return Reply(text, force_reply=force_reply)


def follow_up(
    renderer: Renderer, case: CaseFields, track: CaseTrack, message: SupportMessage
) -> Reply:
    """The follow-up to send support, and "I've sent it" (with the case's version)."""
    text = renderer.chat_text("follow_up", message=message, case=case_context(case), track=track)
    sent = Button(
        "✅ " + _("I've sent it"),
        case_data(case, CaseAction.FOLLOW_UP_SENT, str(case.version)),
    )
    return Reply(text, [*_language_button(case, InLanguage.FOLLOW_UP, message), [sent]])


def escalation(
    renderer: Renderer, case: CaseFields, message: SupportMessage, next_rung: str
) -> Reply:
    text = renderer.chat_text(
        "escalation", message=message, case=case_context(case), next_rung=next_rung
    )
    return Reply(text, _language_button(case, InLanguage.ESCALATION, message))


def ask_why(renderer: Renderer, case: CaseFields, message: SupportMessage) -> Reply:
    text = renderer.chat_text("ask_reason", message=message, case=case_context(case))
    return Reply(text, _language_button(case, InLanguage.ASK_WHY, message))


def _language_button(
    case: CaseFields, letter: InLanguage, message: SupportMessage
) -> list[list[Button]]:
    """Like the first message's (see i18n.message_switch)."""
    switch = i18n.message_switch(message.language)
    if switch is None:
        return []
    target, label = switch
    return [[Button(label, case_data(case, letter + target))]]


def case_list(
    renderer: Renderer,
    cases: list[dict[str, Any]],
    *,
    total: int,
    wanted: str,
    opens: Sequence[CaseFields],
) -> Reply:
    """/cases: the chat's cases (`cases`, already in their templates' shape), the first few
    (`opens`) opening with a tap as /case N does, and the filters."""
    buttons = in_rows(
        [
            Button(_("Case #%(id)s") % {"id": case.id} + " ›", callbacks.show_case(case.token))
            for case in opens[:LISTED_CASE_BUTTONS]
            if case.token
        ]
    )
    buttons.append(
        [
            Button(
                ("• " if f == wanted else "") + labels.FILTER_WORDS[f],
                callbacks.menu(callbacks.Kind.CASES, f),
            )
            for f in FILTERS
        ]
    )
    text = renderer.chat_text(
        "cases",
        cases=cases,
        total=total,
        filter=wanted,
        filter_word=labels.FILTER_WORDS[wanted],
    )
    return Reply(text, buttons)

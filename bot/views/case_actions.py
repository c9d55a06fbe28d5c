"""A case's buttons: what each one does (`CaseAction`), its label, and which a case offers.

The actions are the `action` field of a case's button (`callbacks.case`), one or two
letters each, as the bot has always sent them, so a button from yesterday still works.
No two share a letter: "Assign to…" once took the letter of "Partly refunded", and that
button opened the member list (tests/bot/test_case_actions.py checks it stays so).
"""

from __future__ import annotations

from enum import StrEnum, unique

from bot.views.callbacks import Callback, Kind
from bot.views.i18n import _
from conversations.cases import CaseStatus
from conversations.texts import N_


@unique
class CaseAction(StrEnum):
    """What a case's button does: its value is the letter(s) on the wire."""

    # A status change (a domain trigger, see ACTIONS).
    FOLLOW_UP = "f"
    REPLIED = "r"
    APPROVED = "a"
    REFUNDED = "R"
    PARTLY_REFUNDED = "P"
    DENIED = "D"
    SNOOZE = "z"
    CLOSE = "x"
    REOPEN = "o"
    # "I've sent it" under a follow-up: only then is the follow-up counted ("f" shows it).
    FOLLOW_UP_SENT = "fS"
    # A drafted case's buttons (applied by the intake, see `RefundService.case_button`):
    # the draft back at its verdict, and "I've sent it".
    OPEN_DRAFT = "O"
    SENT_DRAFT = "S"
    # Show the case ("Case #12 ›" under a digest).
    VIEW = "v"
    # The escalation message, and "Ask why" after a denial (a message asking support for
    # the reason): shown, nothing recorded.
    ESCALATE = "e"
    ASK_WHY = "w"
    # Ask for the ticket number, or for more evidence.
    TICKET = "t"
    EVIDENCE = "p"
    # "Assign to me", and "Assign to…" on a group card ("M"); a member picked from its list
    # is "M<user id>" (see `assign_to`).
    ASSIGN_ME = "A"
    ASSIGN_MENU = "M"


class InLanguage(StrEnum):
    """A message shown again in another language: the letter, then the language's code
    ("Fru"), see `i18n.message_switch`."""

    FOLLOW_UP = "F"
    ESCALATION = "E"
    ASK_WHY = "W"


# Status buttons: action -> (domain trigger, button label). Order is display order.
# The labels are English (marked for the catalogue); `action_label` shows them translated.
ACTIONS: dict[CaseAction, tuple[str, str]] = {
    CaseAction.FOLLOW_UP: ("follow_up", N_("Send a follow-up")),
    CaseAction.REPLIED: ("reply", N_("They replied")),
    CaseAction.APPROVED: ("approve", N_("Approved")),
    CaseAction.REFUNDED: ("refund_arrived", N_("Refunded")),
    CaseAction.PARTLY_REFUNDED: ("partly_refunded", N_("Partly refunded")),
    CaseAction.DENIED: ("deny", N_("Denied")),
    CaseAction.SNOOZE: ("snooze", N_("Snooze 2 days")),
    CaseAction.CLOSE: ("close", N_("Close")),
    CaseAction.REOPEN: ("reopen", N_("Reopen")),
}
ACTION_ICONS: dict[CaseAction, str] = {
    CaseAction.FOLLOW_UP: "✉️",
    CaseAction.REPLIED: "💬",
    CaseAction.APPROVED: "👍",
    CaseAction.REFUNDED: "💰",
    CaseAction.PARTLY_REFUNDED: "🪙",
    CaseAction.DENIED: "👎",
    CaseAction.SNOOZE: "⏰",
    CaseAction.CLOSE: "✖️",
    CaseAction.REOPEN: "↩️",
}

_A = CaseAction
# Which status buttons a case offers in each state.
OFFERED: dict[CaseStatus, tuple[CaseAction, ...]] = {
    CaseStatus.AWAITING_REPLY: (_A.REPLIED, _A.APPROVED, _A.REFUNDED, _A.DENIED, _A.CLOSE),
    CaseStatus.OVERDUE: (
        _A.FOLLOW_UP,
        _A.REPLIED,
        _A.REFUNDED,
        _A.DENIED,
        _A.SNOOZE,
        _A.CLOSE,
    ),
    CaseStatus.FOLLOWED_UP: (_A.REPLIED, _A.APPROVED, _A.REFUNDED, _A.DENIED, _A.CLOSE),
    CaseStatus.ANSWERED: (_A.APPROVED, _A.REFUNDED, _A.PARTLY_REFUNDED, _A.DENIED, _A.CLOSE),
    CaseStatus.APPROVED: (_A.REFUNDED, _A.PARTLY_REFUNDED, _A.CLOSE),
    CaseStatus.REFUNDED: (_A.REOPEN, _A.CLOSE),
    CaseStatus.PARTLY_REFUNDED: (_A.REOPEN, _A.CLOSE),
    CaseStatus.DENIED: (_A.REOPEN, _A.CLOSE),
    CaseStatus.CLOSED: (_A.REOPEN,),
}
# Cases that can still take a ticket number or more evidence.
TAKES_INPUT = frozenset(
    {
        CaseStatus.AWAITING_REPLY,
        CaseStatus.OVERDUE,
        CaseStatus.FOLLOWED_UP,
        CaseStatus.ANSWERED,
        CaseStatus.APPROVED,
    }
)


def action_label(action: CaseAction) -> str:
    """A case button's label in the reader's language, with its icon."""
    return f"{ACTION_ICONS[action]} {_(ACTIONS[action][1])}"


def picks_member(button: Callback) -> bool:
    """Whether a case button lists the team's members ("Assign to…") or gives the case to
    one of them: the transport checks those people are still in the group first."""
    return (
        button.kind is Kind.CASE
        and not button.value
        and button.action[:1] == CaseAction.ASSIGN_MENU
    )

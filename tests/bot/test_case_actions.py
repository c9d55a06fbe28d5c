"""A case's buttons: one letter per action, the letters the bot has always sent, and every
button a case can show made and read by the callback codec."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.db.records import CaseRecord, new_token
from bot.views import callbacks
from bot.views.callbacks import Kind
from bot.views.case_actions import (
    ACTION_ICONS,
    ACTIONS,
    OFFERED,
    CaseAction,
    InLanguage,
    picks_member,
)
from bot.views.case_screens import case_buttons
from bot.views.i18n import LANGUAGES
from conversations.cases import CaseStatus

# The letters on the wire before the enum: a button sent then must still mean this.
SENT_BEFORE = {
    "FOLLOW_UP": "f",
    "REPLIED": "r",
    "APPROVED": "a",
    "REFUNDED": "R",
    "PARTLY_REFUNDED": "P",
    "DENIED": "D",
    "SNOOZE": "z",
    "CLOSE": "x",
    "REOPEN": "o",
    "FOLLOW_UP_SENT": "fS",
    "OPEN_DRAFT": "O",
    "SENT_DRAFT": "S",
    "VIEW": "v",
    "ESCALATE": "e",
    "ASK_WHY": "w",
    "TICKET": "t",
    "EVIDENCE": "p",
    "ASSIGN_ME": "A",
    "ASSIGN_MENU": "M",
}


def test_no_two_case_actions_share_a_letter() -> None:
    """ "Assign to…" once took the letter of "Partly refunded": an alias would hide that."""
    values = [member.value for member in CaseAction.__members__.values()]
    assert len(values) == len(set(values)), values
    assert len(CaseAction.__members__) == len(list(CaseAction))


def test_no_action_reads_as_a_member_picked_or_a_letter_in_another_language() -> None:
    """ "M<user id>" gives the case to a member, "F"/"E"/"W" + a language shows a letter
    again: no other action may start like those."""
    for action in CaseAction:
        if action is not CaseAction.ASSIGN_MENU:
            assert not action.startswith(CaseAction.ASSIGN_MENU), action
        assert not (action[:1] in set(InLanguage) and action[1:] in LANGUAGES), action
    assert not set(InLanguage) & set(CaseAction)
    made = {f"{letter}{code}" for letter in InLanguage for code in LANGUAGES}
    assert not made & set(CaseAction)


def test_the_letters_are_those_sent_before() -> None:
    assert {member.name: member.value for member in CaseAction} == SENT_BEFORE
    assert set(ACTION_ICONS) == set(ACTIONS)
    assert {a for offered in OFFERED.values() for a in offered} <= set(ACTIONS)


def _case(status: CaseStatus, message: str | None = "Hello") -> CaseRecord:
    return CaseRecord(
        id=12,
        team_id=1,
        owner_user_id=1,
        reason="r",
        answers={},
        outcome="o",
        situation="s",
        policy_version="1",
        subject=None,
        message=message,
        status=str(status),
        ticket=None,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        sent_at=None,
        reply_due_on=None,
        token=max((new_token() for _ in range(50)), key=len),
        version=999_999_999,
    )


@pytest.mark.parametrize("status", list(CaseStatus))
def test_every_button_a_case_shows_reads_back_as_a_case_action(status: CaseStatus) -> None:
    case = _case(status)
    for row in case_buttons(case, status):
        for button in row:
            read = callbacks.decode(button.data)
            assert read is not None and read.kind is Kind.CASE, button
            assert read.token == case.token
            assert CaseAction(read.action) in CaseAction
            assert read.value in ("", str(case.version)), button
            assert not picks_member(read)


def _picks_member(data: str) -> bool:
    button = callbacks.decode(data)
    assert button is not None, data
    return picks_member(button)


def test_picks_member_reads_the_assign_buttons_only() -> None:
    assert _picks_member("k:tok:M")
    assert _picks_member("k:tok:M123456789")
    assert not _picks_member("k:tok:M:3")
    assert not _picks_member("k:tok:P")
    assert not _picks_member("k:tok:P:3")
    assert not _picks_member("m:set:M")
    assert not _picks_member("i:tok:3:M")

"""The intake machine's answers: Back, Skip, editing and cancelling, the other charge, refusals,
and intakes begun by an older version carrying on."""

from __future__ import annotations

from datetime import date

import pytest

from conversations.facts import AccountStatus, Billing, PaidVia, Reason, SpendAfterPause
from conversations.intake import (
    MACHINE,
    SPECS,
    TRANSITIONS,
    Intake,
    Kind,
    Purpose,
    Step,
    attached,
)
from conversations.texts import InputError
from tests.intake_walk import ANSWERS, TODAY, started, walk, where


def test_an_intake_begun_in_the_old_order_carries_on() -> None:
    """An intake stored by the old order (account first) mid-account, without a reason: its
    step still loads; the next answer leads to the reason, then what the reason still needs."""
    intake = Intake(
        state=Step.ACCOUNT_STATUS,
        answers={
            "advertiser_id": "7289000011112221010",
            "account_name": "Northwind",
            "billing": "automatic",
            "in_bc": False,
            "bc_id": None,
            "currency": "USD",
        },
        history=[
            "account",
            "account_id",
            "account_name",
            "account_billing",
            "account_bc",
            "account_currency",
        ],
    )
    with attached(intake):
        intake.choose(AccountStatus.ACTIVE, TODAY)
        assert where(intake) is Step.REASON
        intake.choose(Reason.DUPLICATE, TODAY)
        assert where(intake) is Step.ACCOUNT_PAID_VIA
        intake.choose(PaidVia.TIKTOK, TODAY)
        assert where(intake) is Step.CHARGE_DATE
        assert intake.back() and where(intake) is Step.ACCOUNT_PAID_VIA
        assert intake.back() and where(intake) is Step.REASON


def test_unknown_currency_code_is_refused() -> None:
    """A made-up currency code is refused and the question stays."""
    intake = Intake(state=Step.ACCOUNT_CURRENCY)
    with attached(intake), pytest.raises(InputError):
        intake.submit_text("XYZQ", TODAY)
    assert where(intake) is Step.ACCOUNT_CURRENCY


def test_back_keeps_answers_and_stops_at_the_first_question() -> None:
    """Back returns step by step without losing answers; at the start it says so."""
    intake = started(Reason.DUPLICATE)
    with attached(intake):
        intake.submit_text("9 Nov 10:02", TODAY)
        assert intake.back() is True
        assert where(intake) is Step.CHARGE_DATE
        assert intake.answers["charge_date"] == "2026-11-09"
        assert intake.back() is True
        assert where(intake) is Step.ACCOUNT
        assert intake.back() is True
        assert where(intake) is Step.REASON
        assert intake.back() is False
    assert intake.answers["reason"] == Reason.DUPLICATE


def test_skip_only_where_optional() -> None:
    """A required question can't be skipped; an optional one records None."""
    intake = started(Reason.DUPLICATE)
    with attached(intake):
        with pytest.raises(InputError):
            intake.skip()
        intake.submit_text("9 Nov", TODAY)
        intake.submit_text("10 USD", TODAY)
        intake.skip()
    assert intake.answers["card_last4"] is None
    assert where(intake) is Step.CHARGE_INVOICE


def test_full_card_number_keeps_only_last_four() -> None:
    """A full card number typed at the card question keeps only its last 4 digits."""
    intake = started(Reason.DUPLICATE)
    with attached(intake):
        intake.submit_text("9 Nov", TODAY)
        intake.submit_text("10 USD", TODAY)
        notes = intake.submit_text("4111 1111 1111 1111", TODAY)
    assert intake.answers["card_last4"] == "1111"
    assert [n.key for n in notes] == ["card_masked"]


def test_ambiguous_date_waits_for_a_pick() -> None:
    """03/11/2026 keeps the question open with two readings until one is picked."""
    intake = started(Reason.DUPLICATE)
    with attached(intake):
        notes = intake.submit_text("03/11/2026", TODAY)
        assert [n.key for n in notes] == ["ambiguous_date"]
        assert where(intake) is Step.CHARGE_DATE
        assert intake.pending is not None
        with pytest.raises(InputError):
            intake.submit_text("189 USD", TODAY)
        intake.choose("1", TODAY)
    assert intake.answers["charge_date"] == "2026-03-11"
    assert where(intake) is Step.CHARGE_AMOUNT


def test_the_other_charge_cannot_be_the_first_one() -> None:
    """The other charge of a duplicate pair must differ from the first."""
    intake = started(Reason.DUPLICATE)
    walk_until = [Step.OTHER_CHARGE]
    with attached(intake):
        while intake.step not in walk_until:
            kind, value = ANSWERS[intake.step]
            if kind == "text":
                intake.submit_text(value, TODAY)
            else:
                intake.skip()
        with pytest.raises(InputError):
            intake.submit_text("9 Nov 10:02", TODAY)
    assert where(intake) is Step.OTHER_CHARGE


def test_edit_fast_forwards_over_answered_questions() -> None:
    """Changing the amount from the review asks only the amount, then returns to review."""
    intake = started(Reason.DUPLICATE)
    walk(intake)
    with attached(intake):
        intake.start_edit()
        assert Step.CHARGE_AMOUNT in intake.editable_steps()
        intake.edit_step(Step.CHARGE_AMOUNT)
        intake.submit_text("199 USD", TODAY)
    assert where(intake) is Step.REVIEW
    assert intake.answers["amount"] == "199.00"
    assert intake.answers["other_date"] == "2026-11-09"


def test_edit_reason_asks_the_new_reasons_questions() -> None:
    """Changing the reason asks the questions the new reason needs and no others."""
    intake = started(Reason.DUPLICATE)
    walk(intake)
    with attached(intake):
        intake.start_edit()
        intake.edit_step(Step.REASON)
        intake.choose(Reason.AFTER_PAUSE, TODAY)
        assert where(intake) is Step.PAUSED_ON
        intake.submit_text("5 Nov", TODAY)
        intake.choose(SpendAfterPause.YES, TODAY)
    assert where(intake) is Step.REVIEW
    assert intake.facts().spend_after_pause is SpendAfterPause.YES


def test_facts_are_typed_from_the_answers() -> None:
    """facts() turns stored answers into the engine's typed Facts."""
    intake = started(Reason.AFTER_PAUSE)
    walk(intake)
    facts = intake.facts()
    assert facts.reason is Reason.AFTER_PAUSE
    assert facts.billing is Billing.AUTOMATIC
    assert facts.charge_date == date(2026, 11, 9)
    assert facts.charge_amount is not None and str(facts.charge_amount.amount) == "189.90"
    assert facts.paused_on == date(2026, 11, 5)
    assert facts.spend_after_pause is SpendAfterPause.NO


def test_cancel_from_any_unfinished_step() -> None:
    """Cancel is possible from every question and ends the intake."""
    for step in Step:
        if step in (Step.DONE, Step.CANCELLED):
            continue
        intake = Intake(state=step)
        with attached(intake):
            intake.abandon()
        assert intake.finished


def test_every_state_is_reachable_and_specified() -> None:
    """Each state has a spec and appears in the transition table."""
    named = {t["dest"] for t in TRANSITIONS} | {Step.ACCOUNT, Step.EDIT}
    for step in Step:
        assert step in SPECS
        assert step in named or step is Step.ACCOUNT, step
    assert all(SPECS[s].kind is Kind.CHOICE for s in (Step.REASON, Step.APPEAL))


def test_attach_is_reentrant_and_detaches() -> None:
    """Nested attach of the same intake is harmless and leaves the machine empty."""
    intake = Intake()
    with attached(intake), attached(intake):
        assert intake in MACHINE.models
    assert intake not in MACHINE.models


def _at_other_charge(first: str) -> Intake:
    intake = started(Reason.DUPLICATE)
    with attached(intake):
        intake.submit_text(first, TODAY)
        intake.submit_text("250 USD", TODAY)
        for _step in range(3):  # card, document number, campaign IDs
            intake.skip()
    assert where(intake) is Step.OTHER_CHARGE
    return intake


@pytest.mark.parametrize(
    ("first", "other", "other_time"),
    [
        ("yesterday", "yesterday", None),
        ("yesterday", "same day", None),
        ("yesterday", "yesterday, a few minutes later", None),
        ("yesterday", "same day, 10:06am", "10:06"),
        ("yesterday 10:00", "6 minutes later", "10:06"),
    ],
)
def test_a_same_day_pair_needs_no_times(first: str, other: str, other_time: str | None) -> None:
    """Issue 16 A.2: two charges on one day without times are a pair (the verdict does not
    need the times); "same day" and "minutes later" are read from the first charge."""
    intake = _at_other_charge(first)
    with attached(intake):
        intake.submit_text(other, TODAY)
    assert where(intake) is Step.OTHER_INVOICE
    assert (intake.answers["other_date"], intake.answers["other_time"]) == (
        "2026-11-25",
        other_time,
    )
    facts = intake.facts()
    assert facts.other_charge_date == facts.charge_date


def test_the_same_minute_twice_is_refused() -> None:
    intake = _at_other_charge("yesterday 10:00")
    with attached(intake), pytest.raises(InputError, match="same date and time"):
        intake.submit_text("same day 10:00", TODAY)
    assert where(intake) is Step.OTHER_CHARGE


def test_an_intake_of_the_previous_version_takes_its_bookkeeping_out_of_its_answers() -> None:
    """An intake (or case) saved when the bookkeeping lived among the answers: each key
    sets its field (unless the field is set already), and leaves the answers."""
    old = {
        "reason": "duplicate",
        "_purpose": "account",
        "_saved_accounts": True,
        "_message_language": "id",
        "_signing": True,
    }
    intake = Intake(state=Step.REVIEW, answers=old)
    assert intake.answers == {"reason": "duplicate"}
    assert intake.purpose is Purpose.ACCOUNT and intake.only_account
    assert intake.saved_accounts_offered and intake.signing
    assert intake.message_language == "id"
    assert "_purpose" in old, "the dict handed in is left as it was"
    kept = Intake(answers={"_message_language": "es"}, message_language="ru")
    assert (kept.message_language, kept.answers) == ("ru", {})
    assert Intake().purpose is None and not Intake().saved_accounts_offered

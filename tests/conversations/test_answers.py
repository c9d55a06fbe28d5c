"""Typed answers: what the intake stores reads into named fields, and a key no question
writes is caught."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from decimal import Decimal

import pytest

from conversations.answers import _READERS, Charge, IntakeAnswers
from conversations.facts import Money, Reason


def test_stored_answers_read_as_typed_fields() -> None:
    answers = IntakeAnswers.of(
        {
            "reason": "duplicate",
            "charge_date": "2026-10-29",
            "amount": "189.90",
            "amount_currency": "USD",
            "campaign_ids": ["17", "18"],
            "charges": [{"date": "2026-11-02", "time": None, "amount": "5", "currency": "EUR"}],
            "refunded_amount": {"amount": "20.00", "currency": "USD"},
            "_purpose": "case",
        }
    )
    assert answers.reason is Reason.DUPLICATE
    assert answers.charge_date == date(2026, 10, 29)
    assert answers.money == Money(Decimal("189.90"), "USD")
    assert answers.campaign_ids == ("17", "18")
    assert answers.charges == (Charge(date(2026, 11, 2), None, Decimal(5), "EUR"),)
    assert answers.refunded_amount == Money(Decimal("20.00"), "USD")
    assert answers.story is None


def test_a_key_no_question_writes_is_refused_in_tests_and_left_out_for_old_rows() -> None:
    with pytest.raises(ValueError, match="other_invoice_number"):
        IntakeAnswers.of({"other_invoice_number": "BD1"}, strict=True)
    assert IntakeAnswers.of({"other_invoice_number": "BD1"}) == IntakeAnswers()


def test_every_field_has_a_reader() -> None:
    assert set(_READERS) == {f.name for f in fields(IntakeAnswers)}


def test_the_test_helpers_cases_hold_only_answers_the_intake_writes() -> None:
    from tests.stored_cases import ANSWERS

    IntakeAnswers.of(ANSWERS, strict=True)


def test_the_intakes_bookkeeping_is_not_an_answer() -> None:
    """ "_purpose" and its kind are the intake's own fields now: a test fixture holding
    one is refused; an old row that still has it shows (the key left out)."""
    with pytest.raises(ValueError, match="_purpose"):
        IntakeAnswers.of({"reason": "duplicate", "_purpose": "account"}, strict=True)
    old = {"reason": "duplicate", "_message_language": "es", "_saved_accounts": True}
    assert IntakeAnswers.of(old) == IntakeAnswers(reason=Reason.DUPLICATE)

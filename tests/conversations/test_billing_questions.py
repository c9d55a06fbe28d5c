"""Reading transactions exports: the questions asked when a column or the date order is
unclear, and the refusal of files that are not exports."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.billing import (
    DATE_ORDER,
    DAY_FIRST,
    MONTH_FIRST,
    ColumnQuestion,
    ExportError,
    Skipped,
)
from tests.billing_files import HEADER, parse_text, read

# --- questions for the person ---------------------------------------------------------------


def test_ambiguous_dates_are_asked_then_read_as_answered() -> None:
    """Dates that read both ways ask for the order; the answer decides how they are read."""
    report = read("billing_ambiguous_dates.csv")
    assert report.needs_mapping == ColumnQuestion(
        DATE_ORDER, (DAY_FIRST, MONTH_FIRST), "03/11/2026 10:02"
    )
    assert report.rows == []
    assert report.skipped == []
    day_first = read("billing_ambiguous_dates.csv", mapping={DATE_ORDER: DAY_FIRST})
    assert day_first.rows[0].happened_at == datetime(2026, 11, 3, 10, 2)
    assert day_first.date_order == DAY_FIRST
    month_first = read("billing_ambiguous_dates.csv", mapping={DATE_ORDER: MONTH_FIRST})
    assert month_first.rows[0].happened_at == datetime(2026, 3, 11, 10, 2)


def test_dates_disagreeing_about_their_order_are_asked() -> None:
    """13/11 and 11/13 in one file: asked; the answer skips the dates that can't be read so."""
    text = "Time,Amount,Currency\n13/11/2026 10:02,50.00,USD\n11/14/2026 10:02,50.00,USD\n"
    assert parse_text(text).needs_mapping == ColumnQuestion(
        DATE_ORDER, (DAY_FIRST, MONTH_FIRST), "13/11/2026 10:02"
    )
    report = parse_text(text, mapping={DATE_ORDER: DAY_FIRST})
    assert [row.line for row in report.rows] == [2]
    assert report.skipped == [
        Skipped(
            3,
            "The date “11/14/2026 10:02” doesn't exist read day-first, "
            "the way the other dates in the file are written.",
        )
    ]


def test_two_headers_for_one_field_ask_which() -> None:
    """ "Payment method" and "Card" both fit: the person picks one, or none."""
    text = (
        "Time,Payment method,Card,Amount,Currency\n"
        "2026-11-09 10:02,Credit card,Visa ••1881,50.00,USD\n"
    )
    report = parse_text(text)
    assert report.needs_mapping == ColumnQuestion("payment_method", ("Payment method", "Card"))
    assert report.rows == []
    answered = parse_text(text, mapping={"payment_method": "Card"})
    assert answered.columns["payment_method"] == "Card"
    assert answered.rows[0].card_last4 == "1881"
    neither = parse_text(text, mapping={"payment_method": ""})
    assert "payment_method" not in neither.columns
    assert neither.rows[0].payment_method is None


def test_missing_time_column_is_asked_for() -> None:
    """A header without a recognisable time column asks which column it is."""
    text = "When,Amount,Currency,Campaign\n2026-11-09 10:02,50.00,USD,Winter sale\n"
    report = parse_text(text)
    assert report.needs_mapping == ColumnQuestion("happened_at", ("When", "Campaign"))
    answered = parse_text(text, mapping={"happened_at": "When"})
    assert answered.rows[0].happened_at == datetime(2026, 11, 9, 10, 2)
    assert answered.columns["happened_at"] == "When"


def test_more_specific_header_wins_without_a_question() -> None:
    """ "Amount (incl. tax)" beats "Amount"; "Amount (excl. tax)" is never the amount."""
    report = parse_text(
        "Time,Amount (excl. tax),Amount,Amount (incl. tax),Currency\n"
        "2026-11-09 10:02,100.00,110.00,121.00,USD\n"
    )
    assert report.columns["amount"] == "Amount (incl. tax)"
    assert report.rows[0].amount == Decimal("121.00")


def test_same_header_twice_gets_told_apart_by_column() -> None:
    """Two columns both named "Amount" are offered as "Amount (column 2)" and "(column 3)"."""
    text = "Time,Amount,Amount,Currency\n2026-11-09 10:02,1.00,2.00,USD\n"
    question = parse_text(text).needs_mapping
    assert question == ColumnQuestion("amount", ("Amount (column 2)", "Amount (column 3)"))
    answered = parse_text(text, mapping={"amount": "Amount (column 3)"})
    assert answered.rows[0].amount == Decimal("2.00")


def test_answers_naming_no_column_are_refused() -> None:
    """An answer that names a column the file doesn't have, or no time at all, is refused."""
    with pytest.raises(ExportError, match="There's no column “Datum”"):
        parse_text(HEADER, mapping={"happened_at": "Datum"})
    with pytest.raises(ExportError, match="without a Time column"):
        parse_text(HEADER, mapping={"happened_at": ""})


def test_caller_mistakes_are_value_errors() -> None:
    """A mapping key or default currency the bot got wrong is a ValueError, not a user error."""
    with pytest.raises(ValueError, match="unknown mapping key"):
        parse_text(HEADER, mapping={"time": "Time"})
    with pytest.raises(ValueError, match="date_order"):
        parse_text(HEADER, mapping={DATE_ORDER: "iso"})
    with pytest.raises(ValueError, match="ISO 4217"):
        parse_text(HEADER, default_currency="dollars")


# --- refusing what isn't an export ------------------------------------------------------------


def test_files_over_the_row_limit_are_refused() -> None:
    """More than max_rows rows below the header is refused, not cut short."""
    text = HEADER + "2026-11-09 10:02,Visa ••1881,D,Success,50.00,USD,Payment\n" * 6
    assert len(parse_text(text, max_rows=6).rows) == 6
    with pytest.raises(ExportError, match="more than 5 rows"):
        parse_text(text, max_rows=5)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet='0123456789 ,;.:/-+()$€£TZAPMUSDEURNovtal"\n\t', max_size=400))
def test_arbitrary_rows_under_a_real_header_never_crash(body: str) -> None:
    """Any CSV-ish text under a real header gives a report (rows or skipped lines) or
    ExportError; every row read has a positive amount and a currency."""
    try:
        report = parse_text(HEADER + body)
    except ExportError:
        return
    for row in report.rows:
        assert row.amount > 0
        assert len(row.currency) == 3

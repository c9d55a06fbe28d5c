"""Reading transactions exports cell by cell: date formats, offsets and amounts, and the lines
skipped with a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.billing import (
    Skipped,
)
from conversations.money import parse_amount
from conversations.texts import InputError
from tests.billing_files import HEADER, parse_text

# --- date formats and amounts, cell by cell ---------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-11-09 10:02:33", datetime(2026, 11, 9, 10, 2, 33)),
        ("2026/11/09 10:02", datetime(2026, 11, 9, 10, 2)),
        ("2026-11-09T10:02:33", datetime(2026, 11, 9, 10, 2, 33)),
        ("2026-11-09", datetime(2026, 11, 9)),
        ("13/11/2026 10:02", datetime(2026, 11, 13, 10, 2)),
        ("09.11.2026 10:02", datetime(2026, 11, 9, 10, 2)),
        ('"Nov 9, 2026 10:02 AM"', datetime(2026, 11, 9, 10, 2)),
        ('"Nov 9, 2026, 10:02 PM"', datetime(2026, 11, 9, 22, 2)),
        ("9 November 2026 10:02", datetime(2026, 11, 9, 10, 2)),
        ("09-Nov-2026 10:02:33", datetime(2026, 11, 9, 10, 2, 33)),
        ('"Mon, Nov 9, 2026 10:02 AM"', datetime(2026, 11, 9, 10, 2)),
        ("46335.41875", datetime(2026, 11, 9, 10, 3)),
        # Month names in the bot's other languages (conversations/dates/'s one set).
        ("9 ноября 2026 10:02", datetime(2026, 11, 9, 10, 2)),
        ("09-нояб-2026 10:02:33", datetime(2026, 11, 9, 10, 2, 33)),
        ("9 de noviembre de 2026 10:02", datetime(2026, 11, 9, 10, 2)),
        ('"9 set. 2026, 10:02"', datetime(2026, 9, 9, 10, 2)),
        ("9 de março de 2026 10:02", datetime(2026, 3, 9, 10, 2)),
        ("9 Agustus 2026 10:02", datetime(2026, 8, 9, 10, 2)),
        ('"Dez 9, 2026 10:02"', datetime(2026, 12, 9, 10, 2)),
    ],
)
def test_date_formats(cell: str, expected: datetime) -> None:
    """Each date style real exports use is read to the same moment."""
    report = parse_text(f"Time,Amount,Currency\n{cell},50.00,USD\n")
    assert [row.happened_at for row in report.rows] == [expected]


@pytest.mark.parametrize("cell", ["9 Brumaire 2026 10:02", "9 de de 2026", "9 janv 2026"])
def test_unknown_month_names_are_skipped(cell: str) -> None:
    """A word that is no month's name in any of the bot's languages is not a date."""
    report = parse_text(f"Time,Amount,Currency\n{cell},50.00,USD\n")
    assert report.rows == []
    assert [skip.reason for skip in report.skipped] == [f"Couldn't read the time “{cell}”."]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-11-09T10:02:33Z", datetime(2026, 11, 9, 10, 2, 33, tzinfo=UTC)),
        (
            "2026-11-09 10:02:33 +05:30",
            datetime(2026, 11, 9, 10, 2, 33, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        ),
        (
            "2026-11-09 10:02 (UTC-05:00)",
            datetime(2026, 11, 9, 10, 2, tzinfo=timezone(timedelta(hours=-5))),
        ),
    ],
)
def test_offsets_in_cells_give_aware_times(cell: str, expected: datetime) -> None:
    """A time with a UTC offset (Z, +05:30, "(UTC-05:00)") is kept aware, at that offset."""
    report = parse_text(f"Time,Amount,Currency\n{cell},50.00,USD\n")
    assert [row.happened_at for row in report.rows] == [expected]
    assert report.rows[0].happened_at.utcoffset() == expected.utcoffset()


def test_times_with_and_without_offset_are_not_mixed() -> None:
    """When some times carry an offset and others don't, the fewer are skipped, with a reason."""
    report = parse_text(
        "Time,Amount,Currency\n"
        "2026-11-09 10:02:33Z,50.00,USD\n"
        "2026-11-09 11:02:33Z,50.00,USD\n"
        "2026-11-09 12:02:33,50.00,USD\n"
    )
    assert [row.line for row in report.rows] == [2, 3]
    assert report.skipped == [
        Skipped(4, "The time has no UTC offset, unlike the rest of the file.")
    ]


@pytest.mark.parametrize(
    ("cell", "amount", "currency", "kind"),
    [
        ("50.00", "50.00", "USD", None),
        ('"1,234.56"', "1234.56", "USD", None),
        ('"1.234,56"', "1234.56", "USD", None),
        ("$50", "50.00", "USD", None),
        ("-50.00", "50.00", "USD", "refund"),
        ("(50.00)", "50.00", "USD", "refund"),
        ("50.00-", "50.00", "USD", "refund"),
        ("USD -50.00", "50.00", "USD", "refund"),
        ("+50.00", "50.00", "USD", None),
        ("189.90 EUR", "189.90", "EUR", None),
        ("1500 JPY", "1500", "JPY", None),
    ],
)
def test_amount_forms(cell: str, amount: str, currency: str, kind: str | None) -> None:
    """Signs, separators, symbols and codes in an amount cell are read like a typed amount."""
    report = parse_text(f"Time,Amount\n2026-11-09 10:02,{cell}\n", default_currency="USD")
    assert [(row.amount, row.currency, row.kind) for row in report.rows] == [
        (Decimal(amount), currency, kind)
    ]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 999_999_999), st.sampled_from(".,"), st.integers(0, 99))
def test_plain_amounts_are_read_as_parse_amount_reads_them(
    units: int, separator: str, cents: int
) -> None:
    """ "1234.56" and "1234,56" (read without parse_amount, for speed) give what it gives."""
    text = f"{units}{separator}{cents:02d}"
    report = parse_text(f"Time;Amount;Currency\n2026-11-09 10:02;{text};USD\n")
    try:
        expected = parse_amount(text, "USD").amount
    except InputError:
        assert report.rows == []
        assert len(report.skipped) == 1
    else:
        assert [row.amount for row in report.rows] == [expected]


def test_amount_without_any_currency_is_skipped_with_a_reason() -> None:
    """With no currency in the file and none given, rows are skipped saying so."""
    report = parse_text("Time,Amount\n2026-11-09 10:02,50.00\n")
    assert report.rows == []
    assert report.skipped == [
        Skipped(2, "No currency for the amount “50.00”: the file names none and none was given.")
    ]


def test_currency_column_and_amount_disagreeing_is_skipped() -> None:
    """An amount in EUR in a row whose currency column says USD is not guessed at."""
    report = parse_text("Time,Amount,Currency\n2026-11-09 10:02,50.00 EUR,USD\n")
    assert report.skipped == [
        Skipped(2, "The amount “50.00 EUR” is in EUR, but the currency column says USD.")
    ]


def test_zero_and_impossible_values_are_skipped() -> None:
    """A zero amount, an impossible date and an unknown currency each get their reason."""
    report = parse_text(
        "Time,Amount,Currency\n"
        "2026-11-09 10:02,0.00,USD\n"
        "2026-02-30 10:02,50.00,USD\n"
        "2026-11-09 10:02,50.00,XYZ\n"
    )
    assert report.skipped == [
        Skipped(2, "The amount is zero."),
        Skipped(3, "The date “2026-02-30 10:02” doesn't exist."),
        Skipped(4, "The currency “XYZ” isn't a currency code I know."),
    ]


def test_repeated_header_lines_are_skipped() -> None:
    """Two exports pasted into one file: the second header line is skipped, not an error."""
    report = parse_text(
        HEADER
        + "2026-11-09 10:02,Visa ••1881,D1,Success,50.00,USD,Payment\n"
        + HEADER
        + "2026-11-10 10:02,Visa ••1881,D2,Success,50.00,USD,Payment\n"
    )
    assert [row.document for row in report.rows] == ["D1", "D2"]
    assert report.skipped == [Skipped(3, "The header line again.")]


def test_blank_lines_in_a_row_are_one_entry_and_trailing_ones_none() -> None:
    """A run of blank lines is reported once; blank lines at the end are not reported."""
    report = parse_text(
        "Time,Amount,Currency\n2026-11-09 10:02,50.00,USD\n\n,,\n\n2026-11-10 10:02,50.00,USD\n\n\n"
    )
    assert len(report.rows) == 2
    assert report.skipped == [Skipped(3, "Blank lines 3–5.")]


def test_kind_comes_from_a_description_when_there_is_no_type() -> None:
    """Without a type column, a description naming a verification or refund gives the kind."""
    report = parse_text(
        "Time,Amount,Currency,Description\n"
        "2026-11-09 10:02,10.00,USD,Card verification charge\n"
        "2026-11-10 10:02,50.00,USD,Spend for campaign 42\n"
    )
    assert [row.kind for row in report.rows] == ["verification", None]


def test_ad_account_id_is_taken_from_a_name_and_id_cell() -> None:
    """ "Acme (7301234567890123456)" in an ad account column gives the advertiser ID."""
    report = parse_text(
        "Time,Amount,Currency,Ad account\n2026-11-09 10:02,50.00,USD,Acme (7301234567890123456)\n"
    )
    assert report.rows[0].ad_account == "7301234567890123456"

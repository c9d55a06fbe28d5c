"""Reading transactions exports: the shapes real exports come in (title lines, `;` and tab
separators, decimal commas, BOMs, UTF-16, cp1252, XLSX), the questions asked when a column
or the date order is unclear, the skipped-line report, de-duplication on re-import, and the
refusal of files that are not exports.

The files are in tests/data/. The XLSX ones are written by `build_xlsx_export` below:
regenerate them with `python -m tests.conversations.test_billing`.
"""
# Over 400 lines: every export shape the importer reads, side by side.

from __future__ import annotations

import io
from collections.abc import Generator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.exports import parse_export
from conversations.billing import (
    DATE_ORDER,
    DAY_FIRST,
    MONTH_FIRST,
    BrokenLine,
    ChargeRow,
    ColumnQuestion,
    ExportError,
    ImportReport,
    RowSource,
    Skipped,
    new_rows,
    read_export,
    read_title,
)
from conversations.money import parse_amount
from conversations.texts import InputError

DATA = Path(__file__).resolve().parent.parent / "data"
HEADER = "Time,Payment method,Document number,Status,Amount,Currency,Type\n"


def read(name: str, *, mapping: dict[str, str] | None = None) -> ImportReport:
    """Parse a file from tests/data."""
    return parse_export((DATA / name).read_bytes(), name, mapping=mapping)


def parse_text(
    text: str,
    *,
    mapping: dict[str, str] | None = None,
    default_currency: str | None = None,
    max_rows: int = 200_000,
) -> ImportReport:
    """Parse CSV text given inline."""
    return parse_export(
        text.encode(),
        "export.csv",
        mapping=mapping,
        default_currency=default_currency,
        max_rows=max_rows,
    )


def build_xlsx_export() -> bytes:
    """The workbook behind tests/data/billing_export.xlsx: a notes sheet first, then the
    transactions under a title, with real datetime cells, an Excel serial number, a text
    date, numbers as amounts, a numeric document number, a blank row and a total row."""
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Notes"
    notes.append(["Exported from TikTok Ads Manager → Finance → Transactions"])
    sheet = book.create_sheet("Transactions")
    sheet.append(["Transactions"])
    sheet.append(["Ad account: Acme Shoes (7301234567890123456)"])
    sheet.append([])
    sheet.append(
        ["Time (UTC+08:00)", "Payment method", "Document", "Status", "Amount", "Currency", "Type"]
    )
    sheet.append(
        [
            datetime(2026, 11, 9, 10, 2, 33),
            "Visa ••1881",
            "BDUS2026110901",
            "Success",
            189.9,
            "USD",
            "Automatic payment",
        ]
    )
    # 2026-11-10 14:30:05 as Excel stores a date in a cell without a date format.
    sheet.append([46336.60422454, "Visa ••1881", "BDUS2026111001", "Success", 50, "USD", None])
    sheet.append(["2026-11-12 08:30", "Visa ••1881", 2026111201, "Processing", 50.0, "USD", None])
    sheet.append([])
    sheet.append(
        [datetime(2026, 11, 14, 9, 0), "Visa ••1881", "BDUS2026111401", "Success", -50.0, "USD"]
    )
    sheet.append(["Total", None, None, None, 239.9, "USD"])
    created = datetime(2026, 11, 26, 9, 0)
    book.properties.created = created
    book.properties.modified = created
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_xlsx_files() -> None:
    """Write tests/data/billing_export.xlsx and the truncated copy from the generator."""
    data = build_xlsx_export()
    (DATA / "billing_export.xlsx").write_bytes(data)
    (DATA / "billing_truncated.xlsx").write_bytes(data[: len(data) // 2])


# --- the realistic shapes ---------------------------------------------------------------


def test_title_lines_above_the_header_are_passed_over() -> None:
    """The header is found below a title, an account line, a date range and a blank line."""
    report = read("billing_title_lines.csv")
    assert report.needs_mapping is None
    assert report.columns == {
        "happened_at": "Time",
        "amount": "Amount (incl. tax)",
        "currency": "Currency",
        "payment_method": "Payment method",
        "document": "Document number",
        "status": "Status",
        "kind": "Transaction type",
    }
    assert [row.line for row in report.rows] == [6, 7, 8, 9, 11, 12, 13]
    assert report.rows[0] == ChargeRow(
        happened_at=datetime(2026, 11, 2, 9, 14, 5),
        amount=Decimal("10.00"),
        currency="USD",
        card_last4="1881",
        document="BDUS2026110201",
        status="success",
        payment_method="Visa ••1881",
        kind="verification",
        line=6,
    )


def test_skipped_lines_are_reported_with_reasons() -> None:
    """Blank, unreadable and total lines are listed by line number, each with a reason."""
    report = read("billing_title_lines.csv")
    assert report.skipped == [
        Skipped(10, "A blank line."),
        Skipped(14, "Couldn't read the time “2026-11-13 soon”."),
        Skipped(15, "Couldn't read the amount “n/a”: I couldn't find a number in that."),
        Skipped(16, "A total line."),
    ]


def test_amounts_with_thousands_separators_and_statuses_are_read() -> None:
    """ "1,189.90" is 1189.90; "Failed" becomes "failed"; types become payment/refund."""
    rows = read("billing_title_lines.csv").rows
    assert [row.amount for row in rows[4:6]] == [Decimal("1189.90")] * 2
    assert [row.status for row in rows[1:4]] == ["success", "failed", "success"]
    assert {row.kind for row in rows[1:6]} == {"payment"}


def test_negative_amount_is_a_positive_refund() -> None:
    """A reversal shown as -10.00 is kept as 10.00 with kind "refund"."""
    refund = read("billing_title_lines.csv").rows[-1]
    assert (refund.amount, refund.kind) == (Decimal("10.00"), "refund")


def test_semicolons_decimal_commas_and_cp1252() -> None:
    """A `;`-separated cp1252 file with "1.234,56" amounts and day-first dates reads right."""
    report = read("billing_semicolon_cp1252.csv")
    assert report.date_order == DAY_FIRST
    assert [(row.happened_at, row.amount, row.status) for row in report.rows] == [
        (datetime(2026, 11, 3, 9, 15), Decimal("1234.56"), "success"),
        (datetime(2026, 11, 9, 10, 2), Decimal("189.90"), "success"),
        # "75,00 €" in a file with a currency column: the column decides the currency.
        (datetime(2026, 11, 13, 18, 40), Decimal("75.00"), "processing"),
        (datetime(2026, 11, 21, 7, 5), Decimal("189.90"), "success"),
    ]
    assert {row.currency for row in report.rows} == {"EUR"}
    assert report.rows[-1].kind == "refund"
    assert report.rows[0].document == "INV-DE-0001"
    assert report.rows[0].ad_account == "7301234567890123457"
    assert report.rows[0].card_last4 == "4444"
    assert report.skipped == [Skipped(7, "A total line.")]


def test_bom_month_names_and_currency_inside_the_amount() -> None:
    """A UTF-8 BOM is ignored; "Nov 9, 2026 2:15 PM" and "189.90 USD" / "$45.00" are read."""
    report = read("billing_bom.csv")
    assert report.columns["happened_at"] == "Date"
    assert [(row.happened_at, row.amount, row.currency) for row in report.rows] == [
        (datetime(2026, 11, 9, 10, 2), Decimal("189.90"), "USD"),
        (datetime(2026, 11, 9, 14, 15), Decimal("45.00"), "USD"),
        (datetime(2026, 11, 10, 0, 0), Decimal("10.00"), "USD"),
        (datetime(2026, 11, 9, 23, 59), Decimal("25.00"), "EUR"),
    ]
    assert [row.status for row in report.rows] == ["success", "success", "success", "failed"]
    assert report.rows[2].kind == "verification"


def test_full_card_numbers_are_never_kept() -> None:
    """A full card number in the export is masked to its last 4 digits everywhere."""
    report = read("billing_bom.csv")
    first = report.rows[0]
    assert first.payment_method == "Mastercard •••• 4444"
    assert first.card_last4 == "4444"
    assert "5555 5555" not in repr(report)


def test_tabs_month_first_dates_and_currency_in_the_header() -> None:
    """A tab-separated file with 11/13/2026 dates reads month-first; "Amount (USD)" gives USD."""
    report = read("billing_tab.tsv")
    assert report.date_order == MONTH_FIRST
    assert [row.happened_at for row in report.rows] == [
        datetime(2026, 11, 2, 9, 5),
        datetime(2026, 11, 5, 16, 40),
        datetime(2026, 11, 13, 11, 15),
        datetime(2026, 11, 20, 20, 0),
    ]
    assert {row.currency for row in report.rows} == {"USD"}
    assert report.rows[-1].status == "processing"
    assert report.rows[0].document == "RC-1001"


def test_xlsx_export() -> None:
    """An XLSX is read from the sheet with the header: datetime cells, an Excel serial, a text
    date, numbers as amounts; the header's UTC offset makes the times aware."""
    report = read("billing_export.xlsx")
    plus8 = timezone(timedelta(hours=8))
    assert [(row.line, row.happened_at, row.amount) for row in report.rows] == [
        (5, datetime(2026, 11, 9, 10, 2, 33, tzinfo=plus8), Decimal("189.90")),
        (6, datetime(2026, 11, 10, 14, 30, 5, tzinfo=plus8), Decimal("50.00")),
        (7, datetime(2026, 11, 12, 8, 30, tzinfo=plus8), Decimal("50.00")),
        (9, datetime(2026, 11, 14, 9, 0, tzinfo=plus8), Decimal("50.00")),
    ]
    assert [(row.document, row.status, row.kind) for row in report.rows] == [
        ("BDUS2026110901", "success", "payment"),
        ("BDUS2026111001", "success", None),
        ("2026111201", "processing", None),  # a document number typed in as a number
        ("BDUS2026111401", "success", "refund"),
    ]
    assert report.skipped == [Skipped(8, "A blank line."), Skipped(10, "A total line.")]


def test_committed_xlsx_matches_its_generator() -> None:
    """tests/data/billing_export.xlsx reads exactly like a fresh build_xlsx_export()."""
    fresh = parse_export(build_xlsx_export(), "fresh.xlsx")
    assert read("billing_export.xlsx") == fresh


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


# --- re-imports -----------------------------------------------------------------------------------


def test_fingerprint_is_the_document_number_else_time_and_card() -> None:
    """With a document number the fingerprint ignores the time; without, it includes it."""
    row = ChargeRow(
        happened_at=datetime(2026, 11, 9, 10, 2, 33),
        amount=Decimal("50.00"),
        currency="USD",
        card_last4="1881",
        document="BDUS2026110901",
        kind="payment",
    )
    assert row.fingerprint == "doc|BDUS2026110901|50.00|USD|payment"
    no_document = ChargeRow(
        happened_at=datetime(2026, 11, 9, 10, 2, 33),
        amount=Decimal("50.00"),
        currency="USD",
        card_last4="1881",
    )
    assert no_document.fingerprint == "at|2026-11-09T10:02:33|50.00|USD|1881|"
    refund = ChargeRow(
        happened_at=datetime(2026, 11, 12),
        amount=Decimal("50.00"),
        currency="USD",
        document="BDUS2026110901",
        kind="refund",
    )
    assert refund.fingerprint != row.fingerprint  # a refund may share its payment's number


def test_overlapping_reimport_keeps_only_new_rows() -> None:
    """Importing 8–15 Nov after 1–10 Nov adds only the 13 and 15 Nov charges, though the
    second export shows the overlapping times without seconds."""
    first = read("billing_overlap_1.csv").rows
    second = read("billing_overlap_2.csv").rows
    stored = {row.fingerprint for row in first}
    added = new_rows(second, seen=stored)
    assert [row.document for row in added] == ["BDUS2026111301", "BDUS2026111501"]
    assert new_rows(first + second) == first + added


# --- scale ---------------------------------------------------------------------------------------


def test_a_hundred_thousand_rows_are_read() -> None:
    """A 100,000-row export (about 9 MB) is read in full, within the default limits."""
    start = datetime(2026, 1, 1)
    lines = [HEADER]
    for index in range(100_000):
        moment = start + timedelta(minutes=7 * index)
        cents = 1000 + index % 99_000
        lines.append(
            f"{moment:%Y-%m-%d %H:%M:%S},Visa ••1881,BD{index:010d},Success,"
            f"{cents // 100}.{cents % 100:02d},USD,Automatic payment\n"
        )
    data = "".join(lines).encode()
    assert len(data) < 10 * 1024 * 1024
    report = parse_export(data, "year.csv")
    assert len(report.rows) == 100_000
    assert report.skipped == []
    assert report.rows[-1].document == "BD0000099999"


if __name__ == "__main__":
    write_xlsx_files()


# --- the domain's own entry: rows of cells, no bytes ------------------------------------------


def rows_source(rows: list[list[object]]) -> RowSource:
    def source() -> Generator[tuple[int, Sequence[object]], None, None]:
        yield from enumerate(rows, start=1)

    return source


def broken_source() -> RowSource:
    def source() -> Generator[tuple[int, Sequence[object]], None, None]:
        yield 1, ["Transactions"]
        raise BrokenLine("Line 2 of that file is broken.")

    return source


def test_read_export_takes_rows_of_cells_from_the_best_source() -> None:
    """The domain reads decoded rows (as the adapter, bot/exports/, hands them over):
    a source that breaks while the header is looked for is passed over, the one with the
    header is read, its cells typed or text alike; the title lines name the account."""
    rows: list[list[object]] = [
        ["Ad account: Acme Shoes (7301234567890123456)"],
        ["Time", "Amount", "Currency", "Status"],
        [datetime(2026, 11, 9, 10, 2, 33), 189.9, "USD", "Success"],
        ["9 ноября 2026 11:00", "50,00", "USD", "Успешно"],
        ["Total", 239.9, "USD", None],
    ]
    sources = [broken_source(), rows_source(rows)]
    report = read_export(sources)
    assert [(row.happened_at, row.amount, row.status, row.line) for row in report.rows] == [
        (datetime(2026, 11, 9, 10, 2, 33), Decimal("189.90"), "success", 3),
        (datetime(2026, 11, 9, 11, 0), Decimal("50.00"), "success", 4),
    ]
    assert [skip.line for skip in report.skipped] == [5]
    title = read_title(sources)
    assert (title.advertiser_id, title.name) == ("7301234567890123456", "Acme Shoes")
    with pytest.raises(ValueError, match="unknown mapping key"):
        read_export(sources, mapping={"amount_column": "Amount"})

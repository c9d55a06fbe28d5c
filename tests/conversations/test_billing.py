"""Reading transactions exports: the shapes real exports come in (title lines, `;` and tab
separators, decimal commas, BOMs, UTF-16, cp1252, XLSX), the skipped-line report,
de-duplication on re-import, scale, and the domain's own entry. Cell by cell readings are in
test_billing_cells.py; the questions and refusals in test_billing_questions.py.

The files are in tests/data/. The XLSX ones are written by `build_xlsx_export` below:
regenerate them with `python -m tests.conversations.test_billing`.
"""

from __future__ import annotations

import io
from collections.abc import Generator, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import openpyxl
import pytest

from bot.exports import parse_export
from conversations.billing import (
    DAY_FIRST,
    MONTH_FIRST,
    BrokenLine,
    ChargeRow,
    RowSource,
    Skipped,
    new_rows,
    read_export,
    read_title,
)
from tests.billing_files import DATA, HEADER, read


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

"""Billing-export files as the adapter decodes them (bot/exports/files.py): encodings,
what isn't an export at all, the size caps, broken lines, and arbitrary bytes. The rows'
reading is tested in tests/conversations/test_billing*.py, whose helpers (tests/billing_files.py)
these use."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.exports import parse_export
from conversations.billing import ExportError, ImportReport
from conversations.texts import InputError
from tests.billing_files import HEADER, parse_text, read
from tests.child_reader import assert_cheap, read_in_child


def test_utf16_text_export() -> None:
    """Excel's UTF-16 "Unicode text" is read; yen amounts have no decimals."""
    report = read("billing_utf16.txt")
    assert [(row.happened_at, row.amount, row.currency, row.card_last4) for row in report.rows] == [
        (datetime(2026, 11, 9, 10, 2), Decimal("12000"), "JPY", "3530"),
        (datetime(2026, 11, 10, 8, 30), Decimal("8500"), "JPY", "3530"),
    ]


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("billing_junk.bin", "doesn't look like a CSV or Excel file"),
        ("billing_wrong_columns.csv", "couldn't find the columns of a transactions export"),
        ("billing_truncated.xlsx", "couldn't open that Excel file"),
        ("billing_empty.csv", "That file is empty"),
    ],
)
def test_malformed_files_are_refused(name: str, fragment: str) -> None:
    """Junk, a CSV of something else, a cut-off XLSX and an empty file raise ExportError."""
    with pytest.raises(ExportError) as raised:
        read(name)
    assert fragment in raised.value.message
    assert isinstance(raised.value, InputError)


def test_old_xls_and_non_workbook_files_are_refused() -> None:
    """An old .xls, a zip that isn't a workbook and text named .xlsx each say what's wrong."""
    with pytest.raises(ExportError, match=r"old-style \.xls"):
        parse_export(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "export.xls")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("readme.txt", "not a workbook")
    with pytest.raises(ExportError, match="couldn't open that Excel file"):
        parse_export(archive.getvalue(), "export.xlsx")
    with pytest.raises(ExportError, match="couldn't open that Excel file"):
        parse_export(HEADER.encode(), "export.xlsx")


def test_files_over_the_size_limit_are_refused() -> None:
    """A file over max_bytes is refused before it is read, saying the sizes."""
    with pytest.raises(ExportError, match=r"That file is 2,000 bytes; .* up to 1,000 bytes"):
        parse_export(b"x" * 2000, "export.csv", max_bytes=1000)


def test_a_broken_line_refuses_the_whole_file() -> None:
    """A line the csv module can't read fails the import: never half a report."""
    huge = '"' + "x" * 200_000 + '"'
    text = HEADER + "2026-11-09 10:02,Visa ••1881,D,Success,50.00,USD,Payment\n" + huge + "\n"
    with pytest.raises(ExportError, match="Line 3 of that file is broken"):
        parse_text(text)


def test_a_real_sized_csv_of_200000_rows_imports_in_bounded_memory(tmp_path: Path) -> None:
    """200,000 rows in 8.6 MB (the size of a real export) are all read, and the process
    reading them stays far under the ~300 MB any accepted file may take."""
    start = datetime(2025, 1, 1, 8, 0)
    lines = ["Time,Amount,Currency,Document number,Status"]
    for i in range(200_000):
        at = start + timedelta(minutes=7 * i)
        lines.append(f"{at:%Y-%m-%d %H:%M},{10 + i % 990}.{i % 100:02d},USD,BD{i:08d},Paid")
    data = ("\n".join(lines) + "\n").encode()
    assert 8_000_000 < len(data) < 9_000_000
    outcome = read_in_child(tmp_path, data, "export.csv")
    assert outcome["rows"] == 200_000
    assert outcome["peak_rss_mb"] < 300, outcome


def test_a_row_of_millions_of_tiny_cells_is_refused_while_it_is_read(tmp_path: Path) -> None:
    """A 10 MB line of "ab," (3.4 million cells, ~350 MB once split into Python strings) is
    a broken line, refused before the csv module has built the row."""
    data = (HEADER + "2026-11-09 10:02,Visa ••1881,D,Success,50.00,USD,Payment\n").encode()
    data += b"ab," * 3_400_000 + b"\n"
    outcome = read_in_child(tmp_path, data, "export.csv")
    assert "Line 3 of that file is broken" in outcome["refused"]
    assert_cheap(outcome)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_give_a_report_or_the_domain_error(data: bytes) -> None:
    """parse_export on any bytes returns a report or raises ExportError, nothing else."""
    try:
        report = parse_export(data, "upload.csv")
    except ExportError as error:
        assert error.message
    else:
        assert isinstance(report, ImportReport)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_zip_like_bytes_give_the_domain_error(data: bytes) -> None:
    """Bytes that start like a zip (an XLSX) but are junk raise ExportError, nothing else."""
    with pytest.raises(ExportError):
        parse_export(b"PK\x03\x04" + data, "upload.xlsx")

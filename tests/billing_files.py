"""Shared by the export-reading tests (test_billing*.py): the files in tests/data and CSV text
given inline, read through the adapter's parse_export."""

from __future__ import annotations

from pathlib import Path

from bot.exports import parse_export
from conversations.billing import (
    ImportReport,
)

DATA = Path(__file__).resolve().parent / "data"
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

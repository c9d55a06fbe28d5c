"""The entry points over decoded rows: `read_export` (a whole report, or a question) and
`read_title`. The adapter (bot/exports/) turns a file's bytes into the row sources."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from conversations.billing.headers import _known_codes
from conversations.billing.model import (
    DATE_ORDER,
    DAY_FIRST,
    FIELDS,
    MONTH_FIRST,
    ImportReport,
    RowSource,
)
from conversations.billing.reader import _Reader
from conversations.billing.title import ExportTitle


def read_export(
    sources: Sequence[RowSource],
    *,
    mapping: Mapping[str, str] | None = None,
    default_currency: str | None = None,
    max_rows: int = 200_000,
    progress: Callable[[int, int | None], None] | None = None,
) -> ImportReport:
    """Read the rows of an export, from whichever of `sources` (one per way of reading the
    file: each CSV separator, each XLSX sheet) has the best header.

    `mapping` holds the person's answers to earlier `ColumnQuestion`s: a `FIELDS` key →
    a column label ("" for none), and `DATE_ORDER` → `DAY_FIRST` or `MONTH_FIRST`.
    `default_currency` (the ad account's) is used for rows and files that name none.
    Raises `ExportError` for more than `max_rows` rows below the header or no header;
    `ValueError` for a `mapping` key or `default_currency` the caller got wrong.
    `progress`, when given, is called now and then as the rows below the header are read,
    with how many were read and how many lines the file has below the header (None when
    that isn't known before reading: a workbook's declared size can't be trusted).
    """
    answers = checked_mapping(mapping)
    currency = checked_default_currency(default_currency)
    return _Reader(sources, answers, currency, max_rows, progress).report()


def read_title(sources: Sequence[RowSource], *, max_rows: int = 200_000) -> ExportTitle:
    """What the lines above the header say about the ad account (`ExportError` when no
    source has a header)."""
    return _Reader(sources, {}, None, max_rows).title()


def checked_mapping(mapping: Mapping[str, str] | None) -> dict[str, str]:
    """The answers, or `ValueError` for a key or a date order the caller got wrong."""
    answers = dict(mapping or {})
    for key, value in answers.items():
        if key not in FIELDS and key != DATE_ORDER:
            raise ValueError(f"unknown mapping key {key!r}; expected {DATE_ORDER} or {[*FIELDS]}")
        if key == DATE_ORDER and value not in (DAY_FIRST, MONTH_FIRST):
            raise ValueError(f"{DATE_ORDER} must be {DAY_FIRST!r} or {MONTH_FIRST!r}")
    return answers


def checked_default_currency(code: str | None) -> str | None:
    """The ISO 4217 code, upper-case, or `ValueError`."""
    if code is None:
        return None
    upper = code.strip().upper()
    if upper not in _known_codes():
        raise ValueError(f"default_currency {code!r} is not an ISO 4217 code")
    return upper

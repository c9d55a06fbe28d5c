"""The entry points: `parse_export` (a whole report, or a question) and `export_title`."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from conversations.billing.files import (
    _OLE_MAGIC,
    _ZIP_MAGIC,
    _csv_sources,
    _decode,
    _workbook_sources,
)
from conversations.billing.headers import _known_codes
from conversations.billing.model import (
    _BROKEN_XLSX,
    _EMPTY,
    _OLD_XLS,
    DATE_ORDER,
    DAY_FIRST,
    FIELDS,
    MONTH_FIRST,
    ExportError,
    ImportReport,
)
from conversations.billing.reader import _Reader
from conversations.billing.title import ExportTitle


def export_title(
    data: bytes, filename: str, *, max_bytes: int = 10 * 1024 * 1024, max_rows: int = 200_000
) -> ExportTitle:
    """The ad account an export names above its header, read without reading its rows.
    A file that can't be read says nothing here (`parse_export` says why)."""
    try:
        if len(data) > max_bytes or not data.strip() or data.startswith(_OLE_MAGIC):
            return ExportTitle()
        if data.startswith(_ZIP_MAGIC):
            with _workbook_sources(data, max_bytes, max_rows) as sheets:
                return _Reader(sheets, {}, None, max_rows).title()
        if filename.lower().endswith((".xlsx", ".xlsm")):
            return ExportTitle()
        return _Reader(_csv_sources(_decode(data)), {}, None, max_rows).title()
    except ExportError:
        return ExportTitle()


# Title-line labels, folded (see _fold), in the languages the bot speaks.


def parse_export(
    data: bytes,
    filename: str,
    *,
    mapping: Mapping[str, str] | None = None,
    default_currency: str | None = None,
    max_bytes: int = 10 * 1024 * 1024,
    max_rows: int = 200_000,
    progress: Callable[[int, int | None], None] | None = None,
) -> ImportReport:
    """Read a transactions export, CSV or XLSX (told apart by content; the name only helps).

    `mapping` holds the person's answers to earlier `ColumnQuestion`s: a `FIELDS` key →
    a column label ("" for none), and `DATE_ORDER` → `DAY_FIRST` or `MONTH_FIRST`.
    `default_currency` (the ad account's) is used for rows and files that name none.
    Raises `ExportError` for a file over `max_bytes`, with more than `max_rows` rows below
    the header, or that is not a readable CSV/XLSX transactions export; `ValueError` for
    a `mapping` key or `default_currency` the caller got wrong.
    `progress`, when given, is called now and then as the rows below the header are read,
    with how many were read and how many lines the file has below the header (None when
    that isn't known before reading: a workbook's declared size can't be trusted).
    """
    answers = dict(mapping or {})
    for key, value in answers.items():
        if key not in FIELDS and key != DATE_ORDER:
            raise ValueError(f"unknown mapping key {key!r}; expected {DATE_ORDER} or {[*FIELDS]}")
        if key == DATE_ORDER and value not in (DAY_FIRST, MONTH_FIRST):
            raise ValueError(f"{DATE_ORDER} must be {DAY_FIRST!r} or {MONTH_FIRST!r}")
    currency = _checked_default_currency(default_currency)
    if len(data) > max_bytes:
        raise ExportError(
            f"That file is {_size(len(data))}; I can read exports up to {_size(max_bytes)}. "
            "Export a shorter date range and send it again."
        )
    if not data.strip():
        raise ExportError(_EMPTY)

    if data.startswith(_ZIP_MAGIC):
        with _workbook_sources(data, max_bytes, max_rows) as sheets:
            return _Reader(sheets, answers, currency, max_rows, progress).report()
    if data.startswith(_OLE_MAGIC):
        raise ExportError(_OLD_XLS)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise ExportError(_BROKEN_XLSX)
    return _Reader(_csv_sources(_decode(data)), answers, currency, max_rows, progress).report()


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB" if count >= 1024 * 1024 else f"{count:,} bytes"


def _checked_default_currency(code: str | None) -> str | None:
    if code is None:
        return None
    upper = code.strip().upper()
    if upper not in _known_codes():
        raise ValueError(f"default_currency {code!r} is not an ISO 4217 code")
    return upper

"""Reading an export file: `parse_export` (a whole report, or a question) and
`export_title`. The bytes are decoded here (bot/exports/files.py); the rows are read by
the domain (conversations/billing/)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from bot.exports.files import (
    _BROKEN_XLSX,
    _EMPTY,
    _OLD_XLS,
    _OLE_MAGIC,
    _ZIP_MAGIC,
    csv_sources,
    decode,
    workbook_sources,
)
from conversations.billing import ExportError, ExportTitle, ImportReport
from conversations.billing.entry import (
    checked_default_currency,
    checked_mapping,
    read_export,
    read_title,
)
from conversations.billing.model import RowSource


def export_title(
    data: bytes, filename: str, *, max_bytes: int = 10 * 1024 * 1024, max_rows: int = 200_000
) -> ExportTitle:
    """The ad account an export names above its header, read without reading its rows.
    A file that can't be read says nothing here (`parse_export` says why)."""
    try:
        if len(data) > max_bytes or not data.strip() or data.startswith(_OLE_MAGIC):
            return ExportTitle()
        if data.startswith(_ZIP_MAGIC):
            with workbook_sources(data, max_bytes, max_rows) as sheets:
                return read_title(sheets, max_rows=max_rows)
        if filename.lower().endswith((".xlsx", ".xlsm")):
            return ExportTitle()
        return read_title(csv_sources(decode(data)), max_rows=max_rows)
    except ExportError:
        return ExportTitle()


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
    # The caller's mistakes first, whatever the file holds.
    checked_mapping(mapping)
    checked_default_currency(default_currency)
    if len(data) > max_bytes:
        raise ExportError(
            f"That file is {_size(len(data))}; I can read exports up to {_size(max_bytes)}. "
            "Export a shorter date range and send it again."
        )
    if not data.strip():
        raise ExportError(_EMPTY)

    def read(sources: Sequence[RowSource]) -> ImportReport:
        return read_export(
            sources,
            mapping=mapping,
            default_currency=default_currency,
            max_rows=max_rows,
            progress=progress,
        )

    if data.startswith(_ZIP_MAGIC):
        with workbook_sources(data, max_bytes, max_rows) as sheets:
            return read(sheets)
    if data.startswith(_OLE_MAGIC):
        raise ExportError(_OLD_XLS)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise ExportError(_BROKEN_XLSX)
    return read(csv_sources(decode(data)))


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB" if count >= 1024 * 1024 else f"{count:,} bytes"

"""An export's bytes as rows of cells: the text's encoding, CSV separators, and the sheets
of an XLSX (bot/exports/xlsx.py), within the size caps. The rows are read by the domain
(conversations/billing/)."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
from collections.abc import Generator, Iterator
from itertools import islice

from charset_normalizer import from_bytes

from bot.exports.xlsx import (
    SheetRows,
    TooManyRows,
    Workbook,
    WorkbookError,
    WorkbookTooLarge,
)
from conversations.billing.model import (
    MAX_COLUMNS,
    BrokenLine,
    ExportError,
    Row,
    RowSource,
    too_many_rows,
)
from conversations.texts import N_

# --- messages ---------------------------------------------------------------------------

_EMPTY = N_(
    "That file is empty. Export it from Ads Manager → Finance → Transactions (CSV or XLSX) "
    "and send the file again."
)
_NOT_A_TABLE = N_(
    "That doesn't look like a CSV or Excel file. Export it from Ads Manager → Finance → "
    "Transactions (CSV or XLSX) and send that file."
)
_UNDECODABLE = N_(
    "I couldn't read the text of that file. Save it as CSV (UTF-8) and send it again."
)
_OLD_XLS = N_(
    "That's an old-style .xls file. Open it and save it as .xlsx or CSV, "
    "or export the transactions again as CSV."
)
_BROKEN_XLSX = N_(
    "I couldn't open that Excel file — it may be damaged or only partly downloaded. "
    "Export it from Ads Manager → Finance → Transactions (CSV or XLSX) again."
)

# --- limits -----------------------------------------------------------------------------

# csv.Sniffer's regexes are quadratic on quote-heavy text (16 KB of crafted quotes: ~2 s);
# it only orders the separators to try, and the header is in the first lines anyway.
_SNIFF_LINES = 12
# A CSV row (an export's is ~100 characters) longer than this is refused as broken.
_MAX_ROW_CHARS = 1024 * 1024
_SNIFF_CHARS = 4096


# An XLSX is a zip of XML, which compresses about tenfold; far beyond that is a zip bomb.
# (200,000 rows of seven columns unpack to about 82 MB, from 7 MB.) Counted as it is read.
_XLSX_EXPANSION = 30
# Row elements a sheet may have beyond max_rows: title, header, blank and total lines.
_XLSX_ROW_SLACK = 1_000
# XML elements read per allowed row: a row of 16 text cells written inline (<c><is><t>) is
# about 50. This bounds the time a file of tiny elements can take, not just its bytes.
_XLSX_ELEMENTS_PER_ROW = 50
# Memory the shared strings may take (about 600,000 distinct texts of 20 characters).
_XLSX_SHARED_TEXT = 64 * 1024 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the pre-2007 .xls container
_ZIP_MAGIC = b"PK\x03\x04"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAX_CONTROL_SHARE = 0.01  # text files have none; a few stray ones are tolerated


def decode(data: bytes) -> str:
    """The file's text: BOMs honoured, UTF-16 recognised, then UTF-8, then cp1252."""
    if data.startswith(codecs.BOM_UTF8):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        encodings = ("utf-32",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    elif _looks_utf16(data, odd=True):
        encodings = ("utf-16-le",)
    elif _looks_utf16(data, odd=False):
        encodings = ("utf-16-be",)
    else:
        # Valid UTF-8 is almost never anything else. Excel on Windows saves "CSV" in the
        # system's code page: cp1252 in the West, cp1251 in Russia... The bytes alone don't
        # say which, so a detector weighs the letters they make; cp1252 is the last resort.
        encodings = ("utf-8", *_detected(data), "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not text.strip():
            raise ExportError(_EMPTY)
        head = text[:65536]
        if "\x00" in text or len(_CONTROL.findall(head)) > _MAX_CONTROL_SHARE * len(head):
            raise ExportError(_NOT_A_TABLE)
        return text
    binary = b"\x00" in data
    raise ExportError(_NOT_A_TABLE if binary else _UNDECODABLE)


_DETECT_BYTES = 64 * 1024  # the header and a few hundred rows are plenty to tell by


def _detected(data: bytes) -> tuple[str, ...]:
    """The single-byte code page the text's letters fit best, if it isn't plain ASCII."""
    sample = data[:_DETECT_BYTES]
    if sample.isascii():
        return ()
    # Cut at the last line break so the sample doesn't end in half a character.
    cut = sample.rfind(b"\n")
    best = from_bytes(sample[: cut + 1] if cut > 0 else sample).best()
    return (best.encoding,) if best is not None else ()


def _looks_utf16(data: bytes, *, odd: bool) -> bool:
    """UTF-16 text without a BOM: mostly ASCII, so every other byte is zero."""
    sample = data[:4096]
    zeros = sample[1::2] if odd else sample[0::2]
    others = sample[0::2] if odd else sample[1::2]
    return len(sample) >= 4 and zeros.count(0) > 0.9 * len(zeros) and others.count(0) == 0


def csv_sources(text: str) -> list[RowSource]:
    """One way of reading the text per plausible separator, csv.Sniffer's guess first.

    The Sniffer is easily fooled by a title line above the header, so every separator is
    tried and the one that yields the best header wins (ties go to the Sniffer).
    """
    delimiters = [",", ";", "\t", "|"]
    sample = "".join(islice(io.StringIO(text[:_SNIFF_CHARS], newline=""), _SNIFF_LINES))
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(delimiters))
    except csv.Error:
        pass
    else:
        if sniffed.delimiter in delimiters:
            delimiters.remove(sniffed.delimiter)
            delimiters.insert(0, sniffed.delimiter)
    return [_csv_source(text, delimiter) for delimiter in delimiters]


class _RowTooLong(Exception):
    """A CSV row longer than any export's (see _MAX_ROW_CHARS)."""


def _csv_source(text: str, delimiter: str) -> RowSource:
    def rows() -> Generator[tuple[int, Row], None, None]:
        read = 0  # characters of the row being read, over all its lines

        def lines() -> Iterator[str]:
            # csv.reader builds a whole row before it hands it over, and a row of tiny
            # cells costs ~50 bytes of memory a character: stop it while it reads.
            nonlocal read
            for line in io.StringIO(text, newline=""):
                read += len(line)
                if read > _MAX_ROW_CHARS:
                    raise _RowTooLong
                yield line

        reader = csv.reader(lines(), delimiter=delimiter)
        ended_at = 0  # a quoted cell can span lines: a row starts after the last one ended
        try:
            for cells in reader:
                read = 0
                yield ended_at + 1, cells
                ended_at = reader.line_num
        except (csv.Error, _RowTooLong):
            raise BrokenLine(
                N_(
                    "Line %(line)s of that file is broken (a quote that never closes, or a "
                    "cell far too long). Export it from Ads Manager → Finance → Transactions "
                    "(CSV or XLSX) again."
                ),
                line=ended_at + 1,
            ) from None

    # Lines below which there is only padding: what reading "all of it" means, for
    # progress. (A quoted cell spanning lines makes it a little more than the rows.)
    rows.lines = text.rstrip().count("\n") + 1  # type: ignore[attr-defined]
    return rows


@contextlib.contextmanager
def workbook_sources(data: bytes, max_bytes: int, max_rows: int) -> Iterator[list[RowSource]]:
    """The sheets of an XLSX as row sources, open while the caller reads them."""
    try:
        with Workbook(
            data,
            max_unpacked=_XLSX_EXPANSION * max_bytes,
            max_rows=max_rows + _XLSX_ROW_SLACK,
            max_elements=(max_rows + _XLSX_ROW_SLACK) * _XLSX_ELEMENTS_PER_ROW,
            max_shared_text=_XLSX_SHARED_TEXT,
            max_columns=MAX_COLUMNS,
        ) as workbook:
            yield [_sheet_source(sheet, max_rows) for sheet in workbook.sheets()]
    except WorkbookError as error:
        raise _workbook_error(error, max_rows) from None


def _workbook_error(error: WorkbookError, max_rows: int) -> ExportError:
    if isinstance(error, TooManyRows):
        return too_many_rows(max_rows)
    if isinstance(error, WorkbookTooLarge):
        return ExportError(
            N_(
                "That Excel file unpacks to far more data than a transactions export "
                "holds. Export it from Ads Manager → Finance → Transactions (CSV or XLSX) "
                "again."
            )
        )
    return ExportError(_BROKEN_XLSX)


def _sheet_source(sheet: SheetRows, max_rows: int) -> RowSource:
    def rows() -> Generator[tuple[int, Row], None, None]:
        last = 0
        try:
            for line, cells in sheet():
                if line > last + 1:
                    # Rows the file leaves out are blank. Their first and last stand for the
                    # run (the skipped-lines report names it), without making every one.
                    yield last + 1, ()
                    if line - 1 > last + 1:
                        yield line - 1, ()
                yield line, cells
                last = line
        except WorkbookError as error:
            raise _workbook_error(error, max_rows) from None

    return rows

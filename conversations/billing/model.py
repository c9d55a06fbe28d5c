"""The public types of an import (rows, skipped lines, questions, the report), and the
messages and limits the other modules of the package share.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from conversations.texts import N_, InputError, Phrase

# --- the public types ------------------------------------------------------------------

# ChargeRow.status values (besides the export's own words, lower-cased).
SUCCESS: Final = "success"
PROCESSING: Final = "processing"
FAILED: Final = "failed"
# ChargeRow.kind values (besides the export's own words, lower-cased).
PAYMENT: Final = "payment"
REFUND: Final = "refund"  # money back: a refund, a reversal, a negative amount
VERIFICATION: Final = "verification"  # the charge made when a card is added

# The columns an export can have, our name → how to name it to a person. These names are
# the keys of `ImportReport.columns` and of the `mapping` passed to `read_export`.
FIELDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "happened_at": Phrase("Time"),
        "amount": Phrase("Amount"),
        "currency": Phrase("Currency"),
        "payment_method": Phrase("Payment method / card"),
        "document": Phrase("Document or invoice number"),
        "status": Phrase("Status"),
        "ad_account": Phrase("Ad account"),
        "kind": Phrase("Type"),
        # Read only to tell the kind of a row when there is no type column.
        "description": Phrase("Description"),
    }
)
REQUIRED_FIELDS: Final = ("happened_at", "amount")

# The pseudo-field of the question "which way round are the dates written?", and its answers.
DATE_ORDER: Final = "date_order"
DAY_FIRST: Final = "day_first"
MONTH_FIRST: Final = "month_first"


class ExportError(InputError):
    """A file that cannot be read as a transactions export; `message` says why, for the chat."""


@dataclass(frozen=True, slots=True)
class ChargeRow:
    """One line of a transactions export.

    `happened_at` is naive local time as exported, or aware when the export gives an
    offset (see the module docstring). `amount` is always positive; a refund or reversal
    has `kind == "refund"`. `status` is "success", "processing", "failed" or the export's
    own word, lower-cased. `kind` is "payment", "refund", "verification", the export's own
    word lower-cased, or None when the export doesn't say. `payment_method` is the export's
    text with any full card number masked ("Visa ••1881"). `ad_account` is the advertiser
    ID found in the cell, else the cell's text. `line` is the line (CSV) or row (XLSX)
    number in the file, counting from 1.
    """

    happened_at: datetime
    amount: Decimal
    currency: str
    card_last4: str | None = None
    document: str | None = None
    status: str | None = None
    ad_account: str | None = None
    payment_method: str | None = None
    kind: str | None = None
    line: int = 0

    @property
    def fingerprint(self) -> str:
        """The same transaction in two exports has the same fingerprint (for re-imports).

        With a document number: the number, amount, currency and kind — not the time, which
        one export may show with seconds and another without, and not the number alone,
        which a payment and its refund can share. Without one: time, amount, currency,
        card and kind.
        """
        kind = self.kind or ""
        if self.document:
            return f"doc|{self.document}|{self.amount}|{self.currency}|{kind}"
        card = self.card_last4 or self.payment_method or ""
        moment = self.happened_at.isoformat()
        return f"at|{moment}|{self.amount}|{self.currency}|{card}|{kind}"


@dataclass(frozen=True)
class Skipped:
    """A line that was not read as a charge, and why, in words for a person."""

    line: int
    reason: str  # a `Phrase` (conversations/texts.py): English, translated where shown


@dataclass(frozen=True)
class ColumnQuestion:
    """Something only the person can answer before the rows can be read.

    For a column (`field` is a key of `FIELDS`): which of `candidates` (column labels as
    the file has them) holds it; for a field not in `REQUIRED_FIELDS` the answer may also
    be "" (none of them). For the date order (`field == DATE_ORDER`): `candidates` are
    `DAY_FIRST` and `MONTH_FIRST`, and `sample` is a date from the file to show.
    Answer by reading the export again (`read_export`; `bot.exports.parse_export`) with
    `mapping={field: answer, ...}`.
    """

    field: str
    candidates: tuple[str, ...]
    sample: str | None = None


@dataclass
class ImportReport:
    """What an export held.

    When `needs_mapping` is set, `rows` and `skipped` are empty: ask the question and parse
    again with the answer added to `mapping`.
    """

    rows: list[ChargeRow] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # in line order
    columns: dict[str, str] = field(default_factory=dict)  # our field → column label used
    needs_mapping: ColumnQuestion | None = None
    date_order: str | None = None  # DAY_FIRST / MONTH_FIRST when numeric dates were read


def new_rows(rows: Iterable[ChargeRow], seen: Iterable[str] = ()) -> list[ChargeRow]:
    """The rows whose fingerprint is not in `seen` (e.g. kept from earlier imports).

    Order is kept; a fingerprint repeated within `rows` is kept once, as the first.
    """
    known = set(seen)
    fresh: list[ChargeRow] = []
    for row in rows:
        fingerprint = row.fingerprint
        if fingerprint not in known:
            known.add(fingerprint)
            fresh.append(row)
    return fresh


# --- messages ---------------------------------------------------------------------------

_NO_HEADER = N_(
    "I couldn't find the columns of a transactions export in that file (like Time, Amount, "
    "Currency). Export it from Ads Manager → Finance → Transactions (CSV or XLSX) and send it "
    "without editing."
)


# --- limits -----------------------------------------------------------------------------

_HEADER_SEARCH_ROWS = 10  # exports put a title line or two above the header
_MIN_HEADER_FIELDS = 2  # one matching word could be a title; two columns make a header
MAX_COLUMNS = 100  # an export has about ten; more is something else
_MAX_CELL = 200  # longest cell text kept (documents, payment methods); longer is cut
_SHOWN = 40  # how much of a bad cell to quote back in a skipped-line reason

_PROGRESS_EVERY = 1_000  # rows between two calls of read_export's `progress`


# --- the file as rows of cells -------------------------------------------------------------
# What the adapter (bot/exports/) hands the reader: it decodes the bytes (encodings, CSV
# separators, XLSX sheets) into row sources; the reader never sees bytes.

Row = Sequence[object]
# A way to read a file's rows from the top, as (line number, cells); called once per pass.
RowSource = Callable[[], Generator[tuple[int, Row], None, None]]


class BrokenLine(ExportError):
    """Raised by a row source for a line it can't read (a CSV line with the wrong
    separator): while the header is looked for, the reader tries the next source."""


def too_many_rows(max_rows: int) -> ExportError:
    """The error for a file with more than `max_rows` rows (the reader's count, or an
    XLSX's as it is unpacked)."""
    return ExportError(
        N_(
            "That file has more than %(rows)s rows. Export a shorter date range "
            "(Finance → Transactions lets you pick the dates) and send it again."
        ),
        rows=f"{max_rows:,}",
    )

"""Reading a TikTok Ads transactions export (Finance → Transactions) into charge rows.

This package owns turning the rows of cells of an exported CSV or XLSX file into
`ChargeRow`s: finding the header row and which column holds what, reading what real
exports contain (headers in the bot's languages, decimal commas, several date styles,
Excel dates, title, blank and total lines), and reporting every line it skipped with a
reason. The file's bytes are decoded by the adapter (bot/exports/: byte-order marks,
UTF-16, code pages told apart by a charset detector, `;` and tab separators, the XLSX
zip), which calls `read_export` with the rows. It never guesses silently where a person
can answer: a missing or ambiguous column, or dates that read both day-first and
month-first, come back as a `ColumnQuestion` for the bot to ask, and the export is read
again with the answer.

Either a whole `ImportReport` comes back or an `ExportError` (an `InputError`, so the chat
shows its `message`); never half a report.

Times are what the export shows. TikTok shows transactions in the ad account's time zone,
so `ChargeRow.happened_at` is naive (local to that time zone) unless the export states an
offset — in the cell ("2026-11-09T10:02:33+08:00") or the header ("Time (UTC+08:00)") —
in which case it is aware. The caller attaches the account's time zone to naive times.
Within one report, times are all naive or all aware.

Amounts are always positive. Money going back to the advertiser (a negative amount, or a
type such as "Refund" or "Reversal") has `kind == "refund"`.

The package, by what each module does:

- `model`: the public types (`ChargeRow`, `ImportReport`, `ColumnQuestion`…, and
  `RowSource`, what the adapter hands in), the messages and limits the others share;
- `headers`: which column holds what (header words in the bot's languages, units and
  offsets in a header);
- `times`, `cells`: one cell at a time (times; amounts, statuses, types, cards, IDs);
- `reader`: the header found, every row read;
- `order`: the file's date order settled, one clock kept;
- `title`: what the lines above the header say about the ad account;
- `entry`: `read_export` and `read_title`, the entry points.
"""

from conversations.billing.entry import read_export, read_title
from conversations.billing.model import (
    DATE_ORDER,
    DAY_FIRST,
    FAILED,
    FIELDS,
    MONTH_FIRST,
    PAYMENT,
    PROCESSING,
    REFUND,
    REQUIRED_FIELDS,
    SUCCESS,
    VERIFICATION,
    BrokenLine,
    ChargeRow,
    ColumnQuestion,
    ExportError,
    ImportReport,
    RowSource,
    Skipped,
    new_rows,
)
from conversations.billing.title import ExportTitle

__all__ = [
    "DATE_ORDER",
    "DAY_FIRST",
    "FAILED",
    "FIELDS",
    "MONTH_FIRST",
    "PAYMENT",
    "PROCESSING",
    "REFUND",
    "REQUIRED_FIELDS",
    "SUCCESS",
    "VERIFICATION",
    "BrokenLine",
    "ChargeRow",
    "ColumnQuestion",
    "ExportError",
    "ExportTitle",
    "ImportReport",
    "RowSource",
    "Skipped",
    "new_rows",
    "read_export",
    "read_title",
]

"""The file's date order: numeric dates that read both ways are settled once every row
is read (day-first or month-first, from what the dates allow, or a question), and one
clock is kept (all times naive, or all with a UTC offset).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from conversations.billing.cells import _shown
from conversations.billing.model import (
    DATE_ORDER,
    DAY_FIRST,
    MONTH_FIRST,
    ChargeRow,
    ColumnQuestion,
    Skipped,
)
from conversations.texts import Phrase


@dataclass(slots=True)
class Pending:
    """A row whose numeric date reads two ways until the whole file decides.

    `row` carries the day-first reading when there is one, else the month-first one.
    """

    row: ChargeRow
    day_first: datetime | None
    month_first: datetime | None
    time_text: str  # the cell as exported: quote it through _shown


def date_order(
    pending: list[ChargeRow | Pending], answer: str | None
) -> tuple[str | None, ColumnQuestion | None]:
    """Day-first or month-first for the file's numeric dates, from what the dates allow.

    A date that exists only one way round (13/11/2026) votes for that order. If all vote
    one way, that's the order; if none vote, or they disagree, the person is asked.
    """
    day_only = month_only = either = 0
    sample: str | None = None
    for item in pending:
        if isinstance(item, Pending):
            if item.day_first is not None and item.month_first is not None:
                either += 1
                sample = sample or _shown(item.time_text)
            elif item.day_first is not None:
                day_only += 1
            else:
                month_only += 1
    if answer is not None:
        return answer, None
    if day_only and not month_only:
        return DAY_FIRST, None
    if month_only and not day_only:
        return MONTH_FIRST, None
    if not (day_only or month_only or either):
        return None, None  # no numeric dates, or only ones like 09/09/2026
    if sample is None:  # the votes disagree: show a date of each kind's first row
        sample = next(_shown(i.time_text) for i in pending if isinstance(i, Pending))
    return None, ColumnQuestion(DATE_ORDER, (DAY_FIRST, MONTH_FIRST), sample)


def settled(
    pending: list[ChargeRow | Pending], order: str | None, skipped: list[Skipped]
) -> list[ChargeRow]:
    rows: list[ChargeRow] = []
    for item in pending:
        if isinstance(item, ChargeRow):
            rows.append(item)
            continue
        reading = item.day_first if order == DAY_FIRST else item.month_first
        if reading is None:
            if order == DAY_FIRST:
                reason = Phrase(
                    "The date “%(text)s” doesn't exist read day-first, the way the other "
                    "dates in the file are written.",
                    text=_shown(item.time_text),
                )
            else:
                reason = Phrase(
                    "The date “%(text)s” doesn't exist read month-first, the way the other "
                    "dates in the file are written.",
                    text=_shown(item.time_text),
                )
            skipped.append(Skipped(item.row.line, reason))
        elif reading == item.row.happened_at:
            rows.append(item.row)
        else:
            rows.append(replace(item.row, happened_at=reading))
    return _one_clock(rows, skipped)


def _one_clock(rows: list[ChargeRow], skipped: list[Skipped]) -> list[ChargeRow]:
    """Keep times comparable: when some carry an offset and others don't, the fewer go."""
    aware = sum(1 for row in rows if row.happened_at.tzinfo is not None)
    if aware in (0, len(rows)):
        return rows
    keep_aware = aware > len(rows) - aware
    reason = (
        Phrase("The time has no UTC offset, unlike the rest of the file.")
        if keep_aware
        else Phrase("The time has a UTC offset, unlike the rest of the file.")
    )
    kept: list[ChargeRow] = []
    for row in rows:
        if (row.happened_at.tzinfo is not None) == keep_aware:
            kept.append(row)
        else:
            skipped.append(Skipped(row.line, reason))
    return kept

"""Reading the rows below the header into a report: the header found in one of the sources
(and each field's column, columns.py), each row read, the file's date order decided, one
clock kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timezone
from decimal import Decimal

from conversations.billing.cells import (
    _ad_account,
    _identifier,
    _is_blank,
    _is_total,
    _kind,
    _numeric_amount,
    _payment_method,
    _RowProblem,
    _shown,
    _status,
    _text,
    _text_amount,
)
from conversations.billing.columns import _assign_columns, _find_header, _labels
from conversations.billing.headers import (
    _header_currency,
    _header_offset,
    _known_codes,
)
from conversations.billing.model import (
    _MAX_CELL,
    _PROGRESS_EVERY,
    DATE_ORDER,
    FIELDS,
    PAYMENT,
    REFUND,
    VERIFICATION,
    ChargeRow,
    ImportReport,
    Row,
    RowSource,
    Skipped,
    too_many_rows,
)
from conversations.billing.order import Pending, date_order, settled
from conversations.billing.times import _read_time
from conversations.billing.title import ExportTitle, _read_title
from conversations.texts import Phrase


class _Reader:
    """Finds the header in one of the sources (columns.py), then reads its rows into a
    report."""

    def __init__(
        self,
        sources: Sequence[RowSource],
        answers: dict[str, str],
        default_currency: str | None,
        max_rows: int,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> None:
        self.sources = sources
        self.progress = progress
        self.answers = answers
        self.default_currency = default_currency
        self.max_rows = max_rows
        self.columns: dict[str, int] = {}
        self.header_texts: list[str] = []
        self.indices: list[int] = []  # column of each FIELDS entry, -1 for none
        self.column_currency: str | None = None
        self.offset: timezone | None = None
        # Exports repeat the same few texts thousands of times: read each once.
        self.amounts: dict[tuple[str, str | None, str | None], tuple[Decimal, str, bool]] = {}
        self.methods: dict[str, tuple[str | None, str]] = {}
        self.words: dict[tuple[Callable[[str], str], str], str] = {}

    def report(self) -> ImportReport:
        source, header_line, header = _find_header(self.sources)
        labels = _labels(header)
        self.columns, question = _assign_columns(header, labels, self.answers)
        named = {name: labels[index] for name, index in self.columns.items()}
        if question is not None:
            return ImportReport(columns=named, needs_mapping=question)
        self.header_texts = [_text(cell) for cell in header]
        self.indices = [self.columns.get(name, -1) for name in FIELDS]
        self.column_currency = _header_currency(labels[self.columns["amount"]])
        self.offset = _header_offset(labels[self.columns["happened_at"]])

        pending, skipped = self._read_rows(source, header_line)
        order, question = date_order(pending, self.answers.get(DATE_ORDER))
        if question is not None:
            return ImportReport(columns=named, needs_mapping=question)
        rows = settled(pending, order, skipped)
        skipped.sort(key=lambda item: item.line)
        return ImportReport(rows=rows, skipped=skipped, columns=named, date_order=order)

    def title(self) -> ExportTitle:
        """What the lines above the header say about the ad account."""
        source, header_line, _header = _find_header(self.sources)
        lines: list[str] = []
        produced = source()
        try:
            for line, cells in produced:
                if line >= header_line:
                    break
                text = " ".join(_text(cell) for cell in cells if _text(cell)).strip()
                if text:
                    lines.append(text[:_MAX_CELL])
        finally:
            produced.close()
        return _read_title(lines)

    # --- the rows ------------------------------------------------------------------------

    def _read_rows(
        self, source: RowSource, header_line: int
    ) -> tuple[list[ChargeRow | Pending], list[Skipped]]:
        pending: list[ChargeRow | Pending] = []
        skipped: list[Skipped] = []
        blank_from: int | None = None
        blank_to = 0
        counted = 0
        lines = getattr(source, "lines", None)
        total = max(0, lines - header_line) if isinstance(lines, int) else None
        for line, cells in source():
            if line <= header_line:
                continue
            if self.progress is not None and line % _PROGRESS_EVERY == 0:
                self.progress(min(line - header_line, total or line), total)
            if _is_blank(cells):
                blank_from = line if blank_from is None else blank_from
                blank_to = line
                continue
            if blank_from is not None:
                skipped.append(_blank_lines(blank_from, blank_to))
                blank_from = None
            counted += 1
            if counted > self.max_rows:
                raise too_many_rows(self.max_rows)
            try:
                pending.append(self._read_row(line, cells))
            except _RowProblem as problem:
                skipped.append(Skipped(line, problem.reason))
        if self.progress is not None:
            self.progress(counted, counted)  # all read: the lines that were rows
        # Blank lines at the very end are padding, nothing the person needs to hear about.
        return pending, skipped

    def _read_row(self, line: int, cells: Row) -> ChargeRow | Pending:
        # One pass over the row for all fields, in FIELDS order (the hot loop of an import).
        width = len(cells)
        (
            time_cell,
            amount_cell,
            currency_cell,
            method_cell,
            document_cell,
            status_cell,
            account_cell,
            kind_cell,
            description_cell,
        ) = [cells[i] if 0 <= i < width else None for i in self.indices]
        try:
            moment = _read_time(time_cell, self.offset)
        except _RowProblem:
            # Only a row whose time can't be read can be a header or a total line.
            if [_text(cell) for cell in cells[: len(self.header_texts)]] == self.header_texts:
                raise _RowProblem(Phrase("The header line again.")) from None
            if _is_total(cells):
                raise _RowProblem(Phrase("A total line.")) from None
            raise
        amount, currency, negative = self._read_amount(amount_cell, currency_cell)
        card_last4, method = self._read_method(method_cell)
        kind = self._read_word(kind_cell, _kind)
        if kind is None:
            described = self._read_word(description_cell, _kind)
            # A description tells the kind only when it names one of ours.
            kind = described if described in (PAYMENT, REFUND, VERIFICATION) else None
        if negative:
            kind = REFUND
        if isinstance(moment, tuple):
            happened_at = moment[0] or moment[1]
            assert happened_at is not None  # _read_time never returns two impossible readings
        else:
            happened_at = moment
        row = ChargeRow(
            happened_at=happened_at,
            amount=amount,
            currency=currency,
            card_last4=card_last4,
            document=_identifier(document_cell),
            status=self._read_word(status_cell, _status),
            ad_account=_ad_account(account_cell),
            payment_method=method,
            kind=kind,
            line=line,
        )
        if isinstance(moment, tuple):
            return Pending(row, moment[0], moment[1], _text(time_cell))
        return row

    def _read_amount(self, cell: object, currency_cell: object) -> tuple[Decimal, str, bool]:
        """The positive amount, its currency, and whether the export showed it negative."""
        stated = _text(currency_cell).upper() or None
        if stated is not None and stated not in _known_codes():
            raise _RowProblem(
                Phrase("The currency “%(text)s” isn't a currency code I know.", text=_shown(stated))
            )
        currency = stated or self.column_currency or self.default_currency
        if isinstance(cell, bool) or cell is None or cell == "":
            raise _RowProblem(Phrase("No amount."))
        if isinstance(cell, int | float):
            return _numeric_amount(cell, currency)
        text = _text(cell)
        key = (text, currency, stated)
        known = self.amounts.get(key)
        if known is None:
            known = _text_amount(text, currency, stated)
            self.amounts[key] = known
        return known

    def _read_method(self, cell: object) -> tuple[str | None, str | None]:
        text = _text(cell)
        if not text:
            return None, None
        known = self.methods.get(text)
        if known is None:
            known = _payment_method(text)
            self.methods[text] = known
        return known

    def _read_word(self, cell: object, reader: Callable[[str], str]) -> str | None:
        text = _text(cell)
        if not text:
            return None
        known = self.words.get((reader, text))
        if known is None:
            known = reader(text)
            self.words[(reader, text)] = known
        return known


def _blank_lines(first: int, last: int) -> Skipped:
    if first == last:
        return Skipped(first, Phrase("A blank line."))
    return Skipped(first, Phrase("Blank lines %(first)s–%(last)s.", first=first, last=last))

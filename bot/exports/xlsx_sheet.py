"""One worksheet of the streaming XLSX reader (bot/exports/xlsx.py): the expat handlers
that turn its XML into rows of cell values."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from openpyxl.utils.datetime import from_excel

from bot.exports.xlsx_parts import (
    _MAX_COLUMN,
    _MAX_ROW,
    BrokenWorkbook,
    Row,
    SheetSource,
    TooManyRows,
    _column,
    _int,
    _number,
    _Part,
)

_DIGITS: Final = "0123456789"


class _SheetPart(_Part):
    """A worksheet being parsed: the expat handlers that turn its XML into rows.

    This is the hot loop of an XLSX import (about twenty elements a row), so the handlers
    test the commonest elements first and keep to plain attribute updates.
    """

    def __init__(self, book: SheetSource) -> None:
        super().__init__()
        self.book = book
        self.max_rows = book.max_rows
        self.max_columns = book.max_columns
        self.done: list[tuple[int, Row]] = []  # rows finished since the last chunk
        self.rows_seen = 0
        self.row_number = 0
        self.cells: dict[int, object] = {}
        self.columns: dict[str, int] = {}  # "AB" → 28, learnt as met
        self.column = 0
        self.kind = "n"
        self.style = "0"
        self.value: str | None = None  # the cell's <v>
        self.inline: str | None = None  # the cell's <is>, an inline string
        self.in_inline = False
        self.phonetic = 0
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.elements += 1
        local = self.names[name]
        if local == "c":
            reference = attrs.get("r")
            if reference:
                letters = reference.rstrip(_DIGITS)
                column = self.columns.get(letters)
                if column is None:
                    column = self.columns[letters] = _column(letters)
            else:
                column = self.column + 1
            if not 0 < column <= _MAX_COLUMN:
                raise BrokenWorkbook("a cell past Excel's last column")
            self.column = column
            self.kind = attrs.get("t", "n")
            self.style = attrs.get("s", "0")
            self.value = self.inline = None
        elif local == "v":
            self.text.begin()
        elif local == "row":
            self.start_row(attrs.get("r"))
        elif local == "t":
            if self.in_inline and not self.phonetic:
                self.text.begin()
        elif local == "is":
            self.in_inline = True
            self.inline = ""
        elif local == "rPh":
            self.phonetic += 1

    def end(self, name: str) -> None:
        local = self.names[name]
        if local == "c":
            if self.column <= self.max_columns:
                value = self.cell_value()
                if value is not None:
                    self.cells[self.column] = value
        elif local == "v":
            self.value = self.text.end()
        elif local == "row":
            cells = self.cells
            width = max(cells, default=0)
            self.done.append((self.row_number, tuple([cells.get(i) for i in range(1, width + 1)])))
            self.cells = {}
        elif local == "t":
            if self.in_inline and not self.phonetic:
                self.inline = (self.inline or "") + self.text.end()
        elif local == "is":
            self.in_inline = False
        elif local == "rPh":
            self.phonetic -= 1

    def start_row(self, given: str | None) -> None:
        self.rows_seen += 1
        if self.rows_seen > self.max_rows:
            raise TooManyRows("more rows than allowed")
        number = _int(given) if given is not None else self.row_number + 1
        # Rows come in order: openpyxl drops one that doesn't, silently; this refuses.
        if not self.row_number < number <= _MAX_ROW:
            raise BrokenWorkbook("rows out of order or past Excel's last row")
        self.row_number = number
        self.column = 0

    def cell_value(self) -> object:
        """The cell as openpyxl's read-only, data-only mode gives it."""
        kind, text = self.kind, self.value
        if kind == "inlineStr":
            return self.inline
        if not text:
            return None
        if kind == "n":
            number = _number(text)
            if self.style not in self.book.date_styles:
                return number
            try:
                moment: datetime | timedelta = from_excel(
                    number, self.book.epoch, timedelta=self.style in self.book.timedelta_styles
                )
            except (OverflowError, ValueError):
                return "#VALUE!"  # what openpyxl shows for a date outside the calendar
            return moment
        if kind == "s":
            index = _int(text)
            strings = self.book.strings
            if not 0 <= index < len(strings):
                raise BrokenWorkbook("a shared string that isn't there")
            return strings[index]
        if kind == "b":
            return _int(text) != 0
        if kind == "d":  # ISO 8601 (strict OOXML); billing reads the text if Python can't
            try:
                return datetime.fromisoformat(text.strip())
            except ValueError:
                return text
        return text  # "str" (a formula's text result), "e" (an error such as "#N/A")

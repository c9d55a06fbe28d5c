"""Reading the rows of an XLSX workbook as they stream out of the zip, within limits.

An XLSX is a zip of XML parts. This module owns turning one into rows of cell values for
the billing-export reader (bot/exports/files.py, then `conversations.billing`), the way
openpyxl's read-only mode gives them with `data_only=True`
(shared strings resolved, numbers as int or float, date-formatted numbers as datetimes,
the cached result of a formula), but without trusting the file:

- Only the rows the sheet holds are read; the `<dimension>` a sheet declares is ignored
  (openpyxl pads up to it: one declared "A1:XFD1048576" meant a million rows of 16,384
  cells, about 12 minutes).
- Every part is parsed by expat as it is decompressed, 64 KB at a time. Nothing keeps the
  elements already seen (openpyxl's parser keeps every cleared row element), and text is
  only gathered inside a value, so a run of whitespace or of unknown elements costs time,
  never memory.
- Decompressed bytes, XML elements, rows, cell text and the shared strings are counted as
  they are read, against budgets for the whole workbook; past one, reading stops with
  `WorkbookTooLarge` or `TooManyRows`. A damaged or malformed file raises `BrokenWorkbook`.

A DOCTYPE is refused outright: no workbook has one, and it is how entity bombs start.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from types import TracebackType
from typing import Final
from xml.parsers import expat

from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

__all__ = [
    "BrokenWorkbook",
    "Row",
    "SheetRows",
    "TooManyRows",
    "Workbook",
    "WorkbookError",
    "WorkbookTooLarge",
]

Row = tuple[object, ...]
# A sheet, read from its first row each time it is called: (row number, cells) for each row
# the file holds, in order; cells[i] is column i + 1 (None where the row has no cell).
SheetRows = Callable[[], Iterator[tuple[int, Row]]]


class WorkbookError(Exception):
    """The workbook can't be read; the subclass says why."""


class BrokenWorkbook(WorkbookError):
    """Not a readable XLSX: damaged, cut short, or not shaped like one."""


class WorkbookTooLarge(WorkbookError):
    """More decompressed data, XML elements or text than the budgets allow."""


class TooManyRows(WorkbookError):
    """A sheet has more rows than allowed."""


_CHUNK: Final = 64 * 1024  # decompressed bytes handed to expat at a time
_MAX_ROW: Final = 1_048_576  # Excel's last row
_MAX_COLUMN: Final = 16_384  # Excel's last column, XFD
_MAX_TEXT: Final = 32_767  # Excel's longest cell text
_MAX_TOKEN: Final = 1024 * 1024  # bytes of one tag or comment (Excel's: under a kilobyte)
# What a shared string costs in memory, roughly: the str's header and the list's pointer,
# plus up to two bytes a character (non-Latin text).
_STRING_OVERHEAD: Final = 64
_OFFICE_DOCUMENT: Final = "/officeDocument"
_WORKSHEET: Final = "/worksheet"
_SHARED_STRINGS: Final = "/sharedStrings"
_STYLES: Final = "/styles"


class _Budget:
    """What the whole workbook may still cost, counted as it is read (every pass counts)."""

    def __init__(self, unpacked: int, elements: int, shared_text: int) -> None:
        self.unpacked = unpacked
        self.elements = elements
        self.shared_text = shared_text

    def spend_bytes(self, count: int) -> None:
        self.unpacked -= count
        if self.unpacked < 0:
            raise WorkbookTooLarge("more decompressed data than allowed")

    def spend_string(self, text: str) -> None:
        self.shared_text -= 2 * len(text) + _STRING_OVERHEAD
        if self.shared_text < 0:
            raise WorkbookTooLarge("more shared text than allowed")


class _Text:
    """The text of the element being read: gathered only between `begin` and `end`.

    The parser hands text to `parts.append` directly (no Python frame per piece); a text
    still open is measured after each chunk, so it never grows past the cap by more than
    one chunk.
    """

    def __init__(self, parser: expat.XMLParserType) -> None:
        self.parser = parser
        self.parts: list[str] = []

    def begin(self) -> None:
        self.parts.clear()
        self.parser.CharacterDataHandler = self.parts.append

    def end(self) -> str:
        self.parser.CharacterDataHandler = None
        text = "".join(self.parts)
        self.parts.clear()
        if len(text) > _MAX_TEXT:
            raise BrokenWorkbook("a cell's text is longer than Excel allows")
        return text

    def check(self) -> None:
        if len(self.parts) > 1 and sum(map(len, self.parts)) > _MAX_TEXT:
            raise BrokenWorkbook("a cell's text is longer than Excel allows")


class _Names(dict[str, str]):
    """Element and attribute names as written ("x:row") → without their prefix ("row")."""

    def __missing__(self, name: str) -> str:
        local = self[name] = name.rpartition(":")[2]
        return local


def _refuse_doctype(*_: object) -> None:
    raise BrokenWorkbook("a DOCTYPE in a workbook part")


def _new_parser() -> expat.XMLParserType:
    # No namespace processing: the parts are read by their elements' local names, which
    # is faster and reads strict-OOXML and prefixed ("x:row") files alike.
    parser = expat.ParserCreate()
    parser.buffer_text = True  # one call per run of text, not one per line
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    return parser


class _Part:
    """One part being parsed: its parser, the elements it has seen since the budget was
    last charged, and the text it is gathering."""

    def __init__(self) -> None:
        self.parser = _new_parser()
        self.names = _Names()
        self.elements = 0
        self.text = _Text(self.parser)

    def after_chunk(self, budget: _Budget) -> None:
        """Charge the budget for the chunk just parsed (at most 64 KB late)."""
        budget.elements -= self.elements
        self.elements = 0
        if budget.elements < 0:
            raise WorkbookTooLarge("more XML elements than allowed")
        self.text.check()


class Workbook:
    """An XLSX held in memory, its worksheets readable as rows. Use it as a context manager.

    `max_unpacked`: decompressed bytes read, over every part and every pass. `max_rows`:
    row elements in one pass over a sheet. `max_elements`: XML elements parsed, over every
    part and every pass. `max_shared_text`: about how many bytes of memory the shared
    strings may take. `max_columns`: cells to the right of it are not kept.

    zipfile documents only BadZipFile, but damaged data also raises zlib.error, EOFError,
    struct.error, NotImplementedError (an unknown compression) and RuntimeError (a
    password): every failure of the zip becomes BrokenWorkbook.
    """

    def __init__(
        self,
        data: bytes,
        *,
        max_unpacked: int,
        max_rows: int,
        max_elements: int,
        max_shared_text: int,
        max_columns: int,
    ) -> None:
        self.max_rows = max_rows
        self.max_columns = max_columns
        self.budget = _Budget(max_unpacked, max_elements, max_shared_text)
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
        except Exception as error:
            raise BrokenWorkbook("not a zip") from error
        try:
            declared = sum(info.file_size for info in self.archive.infolist())
            if declared > max_unpacked:
                # The sizes a zip declares are what it unpacks to (zipfile stops there), so
                # a bomb is refused here without reading it; the counting below is for the
                # parts read more than once and for any reader that trusted them less.
                raise WorkbookTooLarge("the parts declare more data than allowed")
            self._open()
        except BaseException:
            self.archive.close()
            raise

    def __enter__(self) -> Workbook:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.archive.close()

    def sheets(self) -> list[SheetRows]:
        """The worksheets in the order the workbook lists them (chart sheets left out)."""
        return [self._sheet_rows(path) for path in self.sheet_paths]

    # --- the parts that say where things are ----------------------------------------------

    def _open(self) -> None:
        root = self._relationships("_rels/.rels", "")
        documents = [target for kind, target in root.values() if kind.endswith(_OFFICE_DOCUMENT)]
        if not documents:
            raise BrokenWorkbook("no workbook part")
        workbook = documents[0]
        folder = posixpath.dirname(workbook)
        rels_path = posixpath.join(folder, "_rels", posixpath.basename(workbook) + ".rels")
        parts = self._relationships(rels_path, folder)
        sheet_ids, date1904 = self._workbook(workbook)
        self.epoch = MAC_EPOCH if date1904 else WINDOWS_EPOCH
        self.sheet_paths = [
            parts[rid][1]
            for rid in sheet_ids
            if rid in parts and parts[rid][0].endswith(_WORKSHEET)
        ]
        styles = [target for kind, target in parts.values() if kind.endswith(_STYLES)]
        self.date_styles, self.timedelta_styles = (
            self._styles(styles[0]) if styles else (frozenset(), frozenset())
        )
        strings = [target for kind, target in parts.values() if kind.endswith(_SHARED_STRINGS)]
        self.strings = self._shared_strings(strings[0]) if strings else []

    def _relationships(self, path: str, folder: str) -> dict[str, tuple[str, str]]:
        """A .rels part: relationship id → (type, target path inside the zip)."""
        found: dict[str, tuple[str, str]] = {}
        part = _Part()

        def start(name: str, attrs: dict[str, str]) -> None:
            part.elements += 1
            if part.names[name] != "Relationship" or attrs.get("TargetMode") == "External":
                return
            target = attrs.get("Target", "")
            if target.startswith("/"):
                target = target[1:]
            else:
                target = posixpath.normpath(posixpath.join(folder, target))
            found[attrs.get("Id", "")] = (attrs.get("Type", ""), target)

        part.parser.StartElementHandler = start
        self._parse(path, part)
        return found

    def _workbook(self, path: str) -> tuple[list[str], bool]:
        """The relationship ids of the sheets, in order, and whether dates count from 1904."""
        ids: list[str] = []
        date1904 = False
        part = _Part()

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal date1904
            part.elements += 1
            local = part.names[name]
            if local == "sheet":
                ids.extend(value for key, value in attrs.items() if part.names[key] == "id")
            elif local == "workbookPr":
                date1904 = attrs.get("date1904", "").strip().lower() in ("1", "true")

        part.parser.StartElementHandler = start
        self._parse(path, part)
        return ids, date1904

    def _styles(self, path: str) -> tuple[frozenset[str], frozenset[str]]:
        """The cell styles (their `s` as written) whose number format shows a date, and
        those showing a duration."""
        custom: dict[int, str] = {}
        formats: list[int] = []
        in_cell_formats = 0
        part = _Part()

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal in_cell_formats
            part.elements += 1
            local = part.names[name]
            if local == "numFmt":
                custom[_int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
            elif local == "cellXfs":
                in_cell_formats += 1
            elif local == "xf" and in_cell_formats:
                formats.append(_int(attrs.get("numFmtId", "0")))

        def end(name: str) -> None:
            nonlocal in_cell_formats
            if part.names[name] == "cellXfs":
                in_cell_formats -= 1

        part.parser.StartElementHandler = start
        part.parser.EndElementHandler = end
        self._parse(path, part)
        dates: set[str] = set()
        durations: set[str] = set()
        for index, number in enumerate(formats):
            code = custom[number] if number in custom else builtin_format_code(number)
            if is_date_format(code):
                dates.add(str(index))
            if is_timedelta_format(code):
                durations.add(str(index))
        return frozenset(dates), frozenset(durations)

    def _shared_strings(self, path: str) -> list[str]:
        """The shared string table: each <si>'s text, its phonetic guide (<rPh>) left out."""
        strings: list[str] = []
        pieces: list[str] = []
        phonetic = 0
        part = _Part()

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal phonetic
            part.elements += 1
            local = part.names[name]
            if local == "t" and not phonetic:
                part.text.begin()
            elif local == "rPh":
                phonetic += 1

        def end(name: str) -> None:
            nonlocal phonetic
            local = part.names[name]
            if local == "t" and not phonetic:
                pieces.append(part.text.end())
            elif local == "rPh":
                phonetic -= 1
            elif local == "si":
                # openpyxl drops this escape's prefix ("_x005F_" stands for "_").
                value = "".join(pieces).replace("x005F_", "")
                pieces.clear()
                if len(value) > _MAX_TEXT:
                    raise BrokenWorkbook("a text longer than Excel allows")
                self.budget.spend_string(value)
                strings.append(value)

        part.parser.StartElementHandler = start
        part.parser.EndElementHandler = end
        self._parse(path, part)
        return strings

    # --- the sheets --------------------------------------------------------------------------

    def _sheet_rows(self, path: str) -> SheetRows:
        def rows() -> Iterator[tuple[int, Row]]:
            sheet = _SheetPart(self)
            for _ in self._feed(path, sheet):
                yield from sheet.done
                sheet.done.clear()

        return rows

    # --- reading a part ----------------------------------------------------------------------

    def _parse(self, path: str, part: _Part) -> None:
        for _ in self._feed(path, part):
            pass

    def _feed(self, path: str, part: _Part) -> Iterator[None]:
        """Parse a part chunk by chunk, pausing after each so that rows can be taken."""
        try:
            stream = self.archive.open(path)
        except Exception as error:
            raise BrokenWorkbook("a part is missing or can't be opened") from error
        fed = 0
        with stream:
            while True:
                try:
                    chunk = stream.read(_CHUNK)
                except Exception as error:
                    raise BrokenWorkbook("a part can't be decompressed") from error
                self.budget.spend_bytes(len(chunk))
                fed += len(chunk)
                try:
                    part.parser.Parse(chunk, not chunk)
                except expat.ExpatError as error:
                    raise BrokenWorkbook("a part isn't well-formed XML") from error
                # Expat holds a tag, comment or processing instruction whole until it ends
                # (text it hands over as it goes): a huge one would be held in memory.
                if fed - max(part.parser.CurrentByteIndex, 0) > _MAX_TOKEN:
                    raise BrokenWorkbook("a tag or comment longer than any workbook's")
                part.after_chunk(self.budget)
                yield
                if not chunk:
                    return


_DIGITS: Final = "0123456789"


class _SheetPart(_Part):
    """A worksheet being parsed: the expat handlers that turn its XML into rows.

    This is the hot loop of an XLSX import (about twenty elements a row), so the handlers
    test the commonest elements first and keep to plain attribute updates.
    """

    def __init__(self, book: Workbook) -> None:
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


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        try:
            number = float(text)  # openpyxl accepts a row number written "5.0"
        except ValueError:
            raise BrokenWorkbook(f"not a number: {text[:20]!r}") from None
        if not number.is_integer():
            raise BrokenWorkbook(f"not a whole number: {text[:20]!r}") from None
        return int(number)


def _number(text: str) -> int | float:
    """A number cell's value, as openpyxl casts it: a float if it has a point or exponent."""
    try:
        if "." in text or "e" in text or "E" in text:
            return float(text)
        return int(text)
    except ValueError:
        raise BrokenWorkbook(f"not a number: {text[:20]!r}") from None


def _column(letters: str) -> int:
    """The column number of a cell reference's letters ("AB" → 28): 0 when they aren't
    letters, past Excel's last column when they go beyond it."""
    number = 0
    for char in letters.upper():
        if not "A" <= char <= "Z":
            return 0
        number = number * 26 + ord(char) - 64
        if number > _MAX_COLUMN:
            break
    return number

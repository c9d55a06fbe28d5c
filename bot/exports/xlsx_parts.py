"""The pieces of the streaming XLSX reader (bot/exports/xlsx.py) that the workbook and its
sheets share: the errors, the budgets counted as the zip is read, and one XML part being
parsed by expat, a chunk at a time."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import datetime
from typing import Final, Protocol
from xml.parsers import expat

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


class SheetSource(Protocol):
    """What a sheet reads of its workbook (bot/exports/xlsx.py's `Workbook`): its limits,
    its date system, which styles (their `s` as written) are dates and durations, and its
    shared strings."""

    @property
    def max_rows(self) -> int: ...
    @property
    def max_columns(self) -> int: ...
    @property
    def epoch(self) -> datetime: ...
    @property
    def date_styles(self) -> Collection[str]: ...
    @property
    def timedelta_styles(self) -> Collection[str]: ...
    @property
    def strings(self) -> Sequence[str]: ...

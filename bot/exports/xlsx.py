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
from collections.abc import Iterator
from types import TracebackType
from xml.parsers import expat

from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH

__all__ = [
    "BrokenWorkbook",
    "Row",
    "SheetRows",
    "TooManyRows",
    "Workbook",
    "WorkbookError",
    "WorkbookTooLarge",
]

from bot.exports.xlsx_parts import (
    _CHUNK,
    _MAX_TEXT,
    _MAX_TOKEN,
    _OFFICE_DOCUMENT,
    _SHARED_STRINGS,
    _STYLES,
    _WORKSHEET,
    BrokenWorkbook,
    Row,
    SheetRows,
    TooManyRows,
    WorkbookError,
    WorkbookTooLarge,
    _Budget,
    _int,
    _Part,
)
from bot.exports.xlsx_sheet import _SheetPart


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

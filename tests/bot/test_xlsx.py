"""Reading XLSX exports by the rows they hold, streaming, within limits (bot/exports/xlsx.py
through bot.exports.parse_export).

The hostile workbooks are built here, a few hundred KB each, and each is read in a child
process (tests.child_reader.read_in_child), so that its time can be bounded (a timeout, where
the reader before this one ran for minutes) and its peak memory measured on its own.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from bot.exports import parse_export
from bot.exports.xlsx import Row, Workbook
from conversations.billing import ExportError, Skipped
from tests.child_reader import assert_cheap, read_in_child

# --- building workbooks by hand ---------------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS_NS}">'
    f'<Relationship Id="rId1" Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN_NS}" xmlns:r="{_DOC_RELS}">'
    '<sheets><sheet name="Transactions" sheetId="1" r:id="rId1"/></sheets></workbook>'
)


def _workbook_rels(shared_strings: bool) -> str:
    strings = (
        f'<Relationship Id="rId2" Type="{_DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
        if shared_strings
        else ""
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS_NS}">'
        f'<Relationship Id="rId1" Type="{_DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f"{strings}</Relationships>"
    )


def _text_cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def _row(number: int, texts: Iterable[str]) -> str:
    cells = "".join(_text_cell(f"{'ABC'[i]}{number}", text) for i, text in enumerate(texts))
    return f'<row r="{number}">{cells}</row>'


def _charges(first: int, count: int) -> str:
    """`count` rows of charges, 50.00 USD each, from row `first`."""
    return "".join(
        _row(first + i, (f"2026-11-{1 + i % 28:02d} 10:{i % 60:02d}", "50.00", "USD"))
        for i in range(count)
    )


HEADER_ROW = _row(1, ("Time", "Amount", "Currency"))


def build_workbook(
    sheet_parts: Iterable[str | bytes],
    *,
    dimension: str | None = None,
    shared_strings: Iterable[str | bytes] | None = None,
) -> bytes:
    """An XLSX of one sheet whose sheetData is `sheet_parts`, written as it is produced and
    deflated at the highest level, so that hundreds of MB of XML make a small file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(shared_strings is not None))
        _write_part(
            archive,
            "xl/worksheets/sheet1.xml",
            [
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN_NS}">',
                f'<dimension ref="{dimension}"/>' if dimension else "",
                "<sheetData>",
                *sheet_parts,
                "</sheetData></worksheet>",
            ],
        )
        if shared_strings is not None:
            _write_part(
                archive,
                "xl/sharedStrings.xml",
                [
                    f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN_NS}">',
                    *shared_strings,
                    "</sst>",
                ],
            )
    return buffer.getvalue()


def _write_part(archive: zipfile.ZipFile, name: str, parts: Iterable[str | bytes]) -> None:
    with archive.open(name, "w", force_zip64=True) as part:
        for piece in parts:
            part.write(piece.encode() if isinstance(piece, str) else piece)


def _repeated(piece: bytes, total_mb: int) -> Iterator[bytes]:
    """`piece` repeated to about `total_mb` MB, in 1 MB blocks."""
    block = piece * max(1, (1 << 20) // len(piece))
    for _ in range(total_mb):
        yield block


# --- hostile workbooks ------------------------------------------------------------------------


def test_a_sheet_declaring_the_whole_grid_is_read_by_the_rows_it_has(tmp_path: Path) -> None:
    """A 2 KB sheet that declares A1:XFD1048576 and has a cell at XFD1048576 is two charges,
    read at once: the reader before this one filled a million rows of 16,384 cells (~12
    minutes)."""
    data = build_workbook(
        [HEADER_ROW, _charges(2, 2), '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'],
        dimension="A1:XFD1048576",
    )
    assert len(data) < 2048
    outcome = read_in_child(tmp_path, data)
    assert outcome["rows"] == 2
    assert outcome["skipped"] == []  # the blank run down to the far cell is trailing padding
    assert_cheap(outcome)


def test_a_zip_bomb_of_blank_rows_is_refused_as_too_many_rows(tmp_path: Path) -> None:
    """~290 MB of blank rows in ~600 KB (the issue's bomb: 262 s, 4.3 GB and "1 charge
    imported") is refused once its rows pass the limit, in bounded memory."""
    data = build_workbook(
        [HEADER_ROW, _charges(2, 1), *_repeated(b"<row><c/></row>", 290)],
    )
    assert len(data) < 1_000_000
    outcome = read_in_child(tmp_path, data)
    assert "more than 200,000 rows" in outcome["refused"]
    assert_cheap(outcome)


def test_a_zip_bomb_of_whitespace_is_read_in_bounded_memory(tmp_path: Path) -> None:
    """250 MB of whitespace between rows (under the unpacked-size cap) streams through:
    the charges around it are read, and the whitespace is never held (the reader before
    this one kept it whole as one string, past 300 MB)."""
    data = build_workbook(
        [HEADER_ROW, _charges(2, 12), *_repeated(b" " * 64, 250), _charges(14, 1)],
    )
    assert len(data) < 1_000_000
    outcome = read_in_child(tmp_path, data)
    assert outcome["rows"] == 13
    assert_cheap(outcome)


def test_a_zip_bomb_of_tiny_elements_is_refused_as_too_much_data(tmp_path: Path) -> None:
    """Millions of elements that are not rows cost parsing time, so they are counted
    against what the row limit allows (50 a row): past that, the file is refused."""
    data = build_workbook([HEADER_ROW, _charges(2, 2), *_repeated(b"<x/>", 80)])
    outcome = read_in_child(tmp_path, data, max_rows=1_000)
    assert "unpacks to far more data than a transactions export holds" in outcome["refused"]
    assert_cheap(outcome)


def test_a_cell_of_hundreds_of_megabytes_is_refused_as_damaged(tmp_path: Path) -> None:
    """One inline text of 200 MB is no export (Excel holds 32,767 characters a cell): it
    is refused while it is read, not gathered."""
    data = build_workbook(
        [
            HEADER_ROW,
            '<row r="2"><c r="A2" t="inlineStr"><is><t>',
            *_repeated(b"a", 200),
            "</t></is></c></row>",
        ]
    )
    outcome = read_in_child(tmp_path, data)
    assert "couldn't open that Excel file" in outcome["refused"]
    assert_cheap(outcome)


@pytest.mark.parametrize(
    ("opening", "closing"),
    [(b'<row r="2"><c r="A2" x="', b'"/></row>'), (b"<!--", b"-->")],
    ids=["attribute", "comment"],
)
def test_a_tag_or_comment_of_hundreds_of_megabytes_is_refused_as_damaged(
    tmp_path: Path, opening: bytes, closing: bytes
) -> None:
    """The XML parser holds a tag (or a comment) whole until it closes: one of 200 MB is
    refused once it passes a megabyte, instead of being held (~600 MB before)."""
    data = build_workbook([HEADER_ROW, opening, *_repeated(b"a", 200), closing])
    outcome = read_in_child(tmp_path, data)
    assert "couldn't open that Excel file" in outcome["refused"]
    assert_cheap(outcome)


def test_a_shared_string_table_of_millions_is_refused_as_too_much_data(tmp_path: Path) -> None:
    """Six million shared strings (~100 MB in 100 KB) would each cost a Python object:
    the table's memory is counted as it is read, and it stops at the budget."""
    data = build_workbook(
        [HEADER_ROW, _charges(2, 2)],
        shared_strings=_repeated(b"<si><t>a</t></si>", 100),
    )
    outcome = read_in_child(tmp_path, data)
    assert "unpacks to far more data than a transactions export holds" in outcome["refused"]
    assert_cheap(outcome)


def test_parts_declaring_more_than_the_cap_are_refused_before_reading(tmp_path: Path) -> None:
    """A workbook whose parts unpack to more than 30 times the size limit is refused from
    the sizes the zip declares, without decompressing it."""
    data = build_workbook([HEADER_ROW, *_repeated(b" " * 64, 40)])
    with pytest.raises(ExportError, match="unpacks to far more data"):
        parse_export(data, "export.xlsx", max_bytes=1024 * 1024)


def test_rows_out_of_order_or_a_doctype_are_refused_as_damaged() -> None:
    """A row numbered before the one above it (openpyxl silently dropped it) and a DOCTYPE
    (how entity bombs start; no workbook has one) make the file unreadable, not half read."""
    backwards = build_workbook([HEADER_ROW, _charges(5, 1), _charges(3, 1)])
    with pytest.raises(ExportError, match="couldn't open that Excel file"):
        parse_export(backwards, "export.xlsx")
    plain = build_workbook([HEADER_ROW, _charges(2, 1)])
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"?>", b'?><!DOCTYPE w [<!ENTITY a "aaaa">]>', 1
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    with pytest.raises(ExportError, match="couldn't open that Excel file"):
        parse_export(buffer.getvalue(), "export.xlsx")


def test_gaps_between_rows_are_reported_as_one_blank_run() -> None:
    """Rows the sheet leaves out are blank lines, reported as one run between charges."""
    data = build_workbook([HEADER_ROW, _charges(2, 1), _charges(9000, 1)])
    report = parse_export(data, "export.xlsx")
    assert [row.line for row in report.rows] == [2, 9000]
    assert report.skipped == [Skipped(3, "Blank lines 3–8999.")]


# --- reading what openpyxl reads ------------------------------------------------------------------


def _every_kind_of_cell(*, date1904: bool) -> bytes:
    """A workbook written by openpyxl with each kind of cell an export can hold."""
    book = openpyxl.Workbook()
    if date1904:
        book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    assert sheet is not None
    sheet.title = "Transactions"
    sheet.append(
        [
            "text",
            1,
            2.5,
            True,
            False,
            None,
            "=1+1",
            datetime(2026, 1, 2, 3, 4, 5),
            date(2026, 5, 6),
            time(10, 2, 3),
            timedelta(hours=30),
        ]
    )
    sheet["C5"] = "far below"
    sheet["Z9"] = 7
    rich: list[str | TextBlock] = ["plain ", TextBlock(InlineFont(b=True), "bold")]
    sheet["B3"] = CellRichText(rich)
    sheet["D3"] = 45000.25
    sheet["D3"].number_format = "yyyy-mm-dd hh:mm"
    sheet["E3"] = 1.5
    sheet["E3"].number_format = "[h]:mm:ss"
    sheet["F3"] = "#N/A"
    notes = book.create_sheet("Notes")
    notes.append(["x_x005F_y", "ünïcødé ••", "Visa ••1881"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _openpyxl_rows(data: bytes) -> list[list[tuple[int, Row]]]:
    """Each sheet's non-empty rows as openpyxl's read-only, data-only mode reads them."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheets = []
    for sheet in book.worksheets:
        rows: list[tuple[int, Row]] = []
        for number, values in enumerate(sheet.values, start=1):
            cells: Row = tuple(values)
            while cells and cells[-1] is None:
                cells = cells[:-1]
            if cells:
                rows.append((number, cells))
        sheets.append(rows)
    book.close()
    return sheets


def _streamed_rows(data: bytes) -> list[list[tuple[int, Row]]]:
    with Workbook(
        data,
        max_unpacked=10**8,
        max_rows=10**4,
        max_elements=10**6,
        max_shared_text=10**7,
        max_columns=100,
    ) as book:
        return [[(number, cells) for number, cells in sheet() if cells] for sheet in book.sheets()]


@pytest.mark.parametrize("date1904", [False, True])
def test_cells_read_as_openpyxl_reads_them(date1904: bool) -> None:
    """Shared and inline strings, rich text, numbers, booleans, formulas, errors, dates,
    times and durations in either calendar come out as openpyxl's read-only mode gave
    them, row numbers included."""
    data = _every_kind_of_cell(date1904=date1904)
    assert _streamed_rows(data) == _openpyxl_rows(data)


def test_a_large_export_written_by_openpyxl_reads_whole() -> None:
    """2,000 rows written by openpyxl's write-only mode (inline strings, date cells) read
    to the same charges as the CSV of the same rows."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Transactions")
    sheet.append(["Time", "Payment method", "Document number", "Amount", "Currency"])
    lines = ["Time,Payment method,Document number,Amount,Currency"]
    start = datetime(2026, 1, 1, 8, 0)
    for i in range(2_000):
        at = start + timedelta(minutes=7 * i)
        amount = Decimal(10 + i % 990) + Decimal(i % 100) / 100
        sheet.append([at, "Visa ••1881", f"BDUS{i:010d}", float(amount), "USD"])
        lines.append(f"{at:%Y-%m-%d %H:%M:%S},Visa ••1881,BDUS{i:010d},{amount:.2f},USD")
    buffer = io.BytesIO()
    book.save(buffer)
    from_xlsx = parse_export(buffer.getvalue(), "export.xlsx")
    from_csv = parse_export("\n".join(lines).encode(), "export.csv")
    assert len(from_xlsx.rows) == 2_000
    assert from_xlsx.rows == from_csv.rows

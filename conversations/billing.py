"""Reading a TikTok Ads transactions export (Finance → Transactions) into charge rows.

This module owns turning the bytes of an exported CSV or XLSX file into `ChargeRow`s:
finding the header row and which column holds what, reading what real exports contain
(byte-order marks, UTF-16, cp1252, cp1251 and other code pages told apart by a
charset detector, `;` and tab separators, decimal commas, several date
styles, Excel dates, title, blank and total lines), and reporting every line it skipped
with a reason. It never guesses silently where a person can answer: a missing or
ambiguous column, or dates that read both day-first and month-first, come back as a
`ColumnQuestion` for the bot to ask, and `parse_export` is called again with the answer.

Either a whole `ImportReport` comes back or an `ExportError` (an `InputError`, so the chat
shows its `message`); never half a report.

Times are what the export shows. TikTok shows transactions in the ad account's time zone,
so `ChargeRow.happened_at` is naive (local to that time zone) unless the export states an
offset — in the cell ("2026-11-09T10:02:33+08:00") or the header ("Time (UTC+08:00)") —
in which case it is aware. The caller attaches the account's time zone to naive times.
Within one report, times are all naive or all aware.

Amounts are always positive. Money going back to the advertiser (a negative amount, or a
type such as "Refund" or "Reversal") has `kind == "refund"`.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import cache
from itertools import islice
from types import MappingProxyType
from typing import Final

from babel.numbers import list_currencies
from charset_normalizer import from_bytes
from openpyxl.utils.datetime import from_excel

from conversations.currencies import minor_digits
from conversations.errors import N_, InputError, Phrase
from conversations.inputs import contains_card_number, mask_card_numbers
from conversations.money import MAX_AMOUNT, parse_amount
from conversations.xlsx import (
    SheetRows,
    TooManyRows,
    Workbook,
    WorkbookError,
    WorkbookTooLarge,
)

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
    "ChargeRow",
    "ColumnQuestion",
    "ExportError",
    "ImportReport",
    "Skipped",
    "new_rows",
    "parse_export",
]

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
# the keys of `ImportReport.columns` and of the `mapping` passed to `parse_export`.
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
    reason: str  # a `Phrase` (conversations/errors.py): English, translated where shown


@dataclass(frozen=True)
class ColumnQuestion:
    """Something only the person can answer before the rows can be read.

    For a column (`field` is a key of `FIELDS`): which of `candidates` (column labels as
    the file has them) holds it; for a field not in `REQUIRED_FIELDS` the answer may also
    be "" (none of them). For the date order (`field == DATE_ORDER`): `candidates` are
    `DAY_FIRST` and `MONTH_FIRST`, and `sample` is a date from the file to show.
    Answer by calling `parse_export` again with `mapping={field: answer, ...}`.
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


@dataclass(frozen=True)
class ExportTitle:
    """What an export's lines above its header say about its ad account ("Ad account:
    Acme Shoes (7301234567890123456)", "Advertiser ID: …", "Currency: USD"): each None
    when they don't say."""

    advertiser_id: str | None = None
    name: str | None = None
    currency: str | None = None


def export_title(
    data: bytes, filename: str, *, max_bytes: int = 10 * 1024 * 1024, max_rows: int = 200_000
) -> ExportTitle:
    """The ad account an export names above its header, read without reading its rows.
    A file that can't be read says nothing here (`parse_export` says why)."""
    try:
        if len(data) > max_bytes or not data.strip() or data.startswith(_OLE_MAGIC):
            return ExportTitle()
        if data.startswith(_ZIP_MAGIC):
            with _workbook_sources(data, max_bytes, max_rows) as sheets:
                return _Reader(sheets, {}, None, max_rows).title()
        if filename.lower().endswith((".xlsx", ".xlsm")):
            return ExportTitle()
        return _Reader(_csv_sources(_decode(data)), {}, None, max_rows).title()
    except ExportError:
        return ExportTitle()


# Title-line labels, folded (see _fold), in the languages the bot speaks.
_NAME_LABELS = ("name", "nombre", "nome", "название", "имя", "nama")
_CURRENCY_LABELS = ("currency", "moneda", "moeda", "валюта", "matauang")
_TITLE_ID = re.compile(r"(?<!\d)\d{15,20}(?!\d)")


def _read_title(lines: list[str]) -> ExportTitle:
    advertiser_id = name = currency = None
    for line in lines:
        label, colon, value = line.partition(":")
        label_key = _fold(label) if colon else ""
        found = _TITLE_ID.search(line)
        if found and advertiser_id is None and not contains_card_number(found.group()):
            advertiser_id = found.group()
            # "Ad account: Acme Shoes (7301234567890123456)": the name before the ID.
            before = (value if colon else line)[: max(0, found.start() - len(label) - 1)]
            named = before.strip(" \t-–—(|,").strip() if colon else ""
            if named and not named.isdigit():
                name = _identifier(mask_card_numbers(named)[:120])
            continue
        if not colon or not value.strip():
            continue
        if name is None and any(word in label_key for word in _NAME_LABELS):
            name = _identifier(mask_card_numbers(value.strip())[:120])
        elif currency is None and any(word in label_key for word in _CURRENCY_LABELS):
            code = value.strip().upper()[:3]
            if code in _known_codes():
                currency = code
    return ExportTitle(advertiser_id, name, currency)


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
_NO_HEADER = N_(
    "I couldn't find the columns of a transactions export in that file (like Time, Amount, "
    "Currency). Export it from Ads Manager → Finance → Transactions (CSV or XLSX) and send it "
    "without editing."
)

# --- limits -----------------------------------------------------------------------------

_HEADER_SEARCH_ROWS = 10  # exports put a title line or two above the header
_MIN_HEADER_FIELDS = 2  # one matching word could be a title; two columns make a header
_MAX_COLUMNS = 100  # an export has about ten; more is something else
_MAX_CELL = 200  # longest cell text kept (documents, payment methods); longer is cut
_SHOWN = 40  # how much of a bad cell to quote back in a skipped-line reason
# csv.Sniffer's regexes are quadratic on quote-heavy text (16 KB of crafted quotes: ~2 s);
# it only orders the separators to try, and the header is in the first lines anyway.
_SNIFF_LINES = 12
# A CSV row (an export's is ~100 characters) longer than this is refused as broken.
_MAX_ROW_CHARS = 1024 * 1024
_SNIFF_CHARS = 4096
_PROGRESS_EVERY = 1_000  # rows between two calls of parse_export's `progress`
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

# --- finding the columns --------------------------------------------------------------------

# Header words (lower-case letters and digits only) → (field, rank). The highest rank wins;
# two columns with the same best rank for one field are a question for the person. Rank 4
# is a specific name ("Transaction time"), 3 the plain word ("Time"), 2 a loose one ("Date").
_SYNONYM_TABLE: tuple[tuple[str, int, str], ...] = (
    (
        "happened_at",
        4,
        "transactiontime transactiondate transactiondatetime transactiondateandtime "
        "dateoftransaction paymenttime paymentdate paymentdatetime chargetime chargedate "
        "billingtime billingdate createdtime createtime creationtime datetime dateandtime "
        "timestamp",
    ),
    ("happened_at", 3, "time"),
    ("happened_at", 2, "date created createdat createddate paidat paidon"),
    (
        "amount",
        4,
        "amountincltax amountincludingtax amountinctax amountinclusiveoftax amountinclvat "
        "amounttaxincluded totalamount totalamountincltax totalincltax totalincludingtax "
        "paymentamount transactionamount chargeamount chargedamount amountcharged amountpaid "
        "paidamount grossamount billedamount",
    ),
    ("amount", 3, "amount"),
    ("amount", 2, "total sum value"),
    ("currency", 3, "currency currencycode paymentcurrency transactioncurrency billingcurrency"),
    ("currency", 2, "curr ccy"),
    (
        "payment_method",
        4,
        "cardnumber cardno cardlast4 cardlast4digits last4 last4digits lastfourdigits cardending",
    ),
    (
        "payment_method",
        3,
        "paymentmethod card paymentcard paymentaccount creditcard paymentinstrument paidwith",
    ),
    ("payment_method", 2, "method"),
    (
        "document",
        4,
        "documentnumber documentno documentid invoicenumber invoiceno invoiceid receiptnumber "
        "receiptno billnumber billno",
    ),
    ("document", 3, "document invoice receipt"),
    (
        "document",
        2,
        "transactionid transactionnumber transactionno referencenumber referenceno reference "
        "paymentid orderid orderno ordernumber",
    ),
    ("status", 4, "transactionstatus paymentstatus chargestatus"),
    ("status", 3, "status"),
    ("status", 2, "state result"),
    ("ad_account", 4, "advertiserid adaccountid adaccountnumber advertiseraccountid"),
    ("ad_account", 3, "adaccount accountid advertiseraccount advertiser"),
    ("ad_account", 2, "account adaccountname advertisername accountname"),
    ("kind", 4, "transactiontype paymenttype chargetype billingtype"),
    ("kind", 3, "type"),
    ("kind", 2, "category kind transactioncategory"),
    (
        "description",
        3,
        "description details detail remark remarks note notes memo comment comments",
    ),
)
# The same columns as exports in the other languages the bot speaks name them (Russian,
# Spanish, Portuguese, Indonesian): phrases separated by "|", written as people write them;
# they are folded like a header (accents off, letters and digits only) when the table is
# built. Same ranks as above.
_LANGUAGE_SYNONYM_TABLE: tuple[tuple[str, int, str], ...] = (
    (
        "happened_at",
        4,
        "время транзакции|дата транзакции|дата и время|дата и время операции|время операции|"
        "дата операции|время платежа|дата платежа|"
        "hora de la transacción|fecha de la transacción|fecha de transacción|fecha y hora|"
        "fecha de pago|hora de pago|"
        "hora da transação|data da transação|data e hora|data do pagamento|hora do pagamento|"
        "waktu transaksi|tanggal transaksi|tanggal dan waktu|waktu pembayaran|"
        "tanggal pembayaran",
    ),
    ("happened_at", 3, "время|hora|horário|waktu"),
    ("happened_at", 2, "дата|fecha|data|tanggal"),
    (
        "amount",
        4,
        "сумма с налогом|сумма включая налог|сумма с ндс|итоговая сумма|сумма платежа|"
        "сумма операции|сумма списания|"
        "importe con impuestos|monto con impuestos|importe total|monto total|importe del pago|"
        "monto del pago|"
        "valor com impostos|valor total|valor do pagamento|valor da transação|"
        "jumlah termasuk pajak|jumlah total|total pembayaran|jumlah pembayaran",
    ),
    ("amount", 3, "сумма|importe|monto|valor|montante|jumlah|nominal"),
    ("amount", 2, "итого|cantidad|quantia"),
    ("currency", 3, "валюта|валюта платежа|moneda|divisa|moeda|mata uang"),
    (
        "payment_method",
        4,
        "номер карты|последние 4 цифры|número de tarjeta|últimos 4 dígitos|número do cartão|"
        "nomor kartu|4 digit terakhir",
    ),
    (
        "payment_method",
        3,
        "способ оплаты|метод оплаты|платежный метод|карта|método de pago|forma de pago|"
        "medio de pago|tarjeta|forma de pagamento|método de pagamento|meio de pagamento|"
        "cartão|metode pembayaran|cara pembayaran|kartu",
    ),
    (
        "document",
        4,
        "номер документа|номер счета|номер счета-фактуры|número de documento|"
        "número de factura|número do documento|número da fatura|nomor dokumen|nomor faktur|"
        "nomor invoice",
    ),
    ("document", 3, "документ|счет|documento|factura|recibo|fatura|dokumen|faktur|kuitansi"),
    (
        "document",
        2,
        "номер транзакции|идентификатор транзакции|id de transacción|referencia|"
        "id da transação|referência|id transaksi|nomor referensi|referensi",
    ),
    (
        "status",
        4,
        "статус транзакции|статус платежа|estado de la transacción|estado del pago|"
        "status da transação|status do pagamento|situação do pagamento|status transaksi|"
        "status pembayaran",
    ),
    ("status", 3, "статус|состояние|estado|situação"),
    (
        "ad_account",
        4,
        "id рекламодателя|идентификатор рекламодателя|id рекламного аккаунта|"
        "id del anunciante|id de la cuenta publicitaria|id de cuenta publicitaria|"
        "id do anunciante|id da conta de anúncios|id pengiklan|id akun iklan",
    ),
    (
        "ad_account",
        3,
        "рекламный аккаунт|рекламодатель|cuenta publicitaria|anunciante|conta de anúncios|"
        "akun iklan|pengiklan",
    ),
    ("ad_account", 2, "аккаунт|cuenta|conta|akun"),
    (
        "kind",
        4,
        "тип транзакции|тип платежа|тип операции|tipo de transacción|tipo de pago|"
        "tipo de transação|tipo de pagamento|jenis transaksi|tipe transaksi|jenis pembayaran",
    ),
    ("kind", 3, "тип|tipo|jenis|tipe"),
    (
        "description",
        3,
        "описание|примечание|комментарий|descripción|detalles|nota|descrição|detalhes|"
        "observação|deskripsi|keterangan|catatan",
    ),
)


def _fold(text: str) -> str:
    """Text as header and status words are compared: NFKC, accents off (é → e, ё → е), case
    folded, letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub("", bare.casefold())


_NON_ALNUM = re.compile(r"[\W_]+")
_SYNONYMS: dict[str, tuple[str, int]] = {
    word: (name, rank) for name, rank, words in _SYNONYM_TABLE for word in words.split()
} | {
    _fold(phrase): (name, rank)
    for name, rank, phrases in _LANGUAGE_SYNONYM_TABLE
    for phrase in phrases.split("|")
}
# Headers that look like one of ours but are not; never matched.
_NOT_OURS = frozenset(
    {
        "amountexcltax",
        "amountexcludingtax",
        "amountbeforetax",
        "netamount",
        "tax",
        "taxamount",
        "vat",
        "vatamount",
        "subtotal",
        "balance",
        "balanceafter",
        "remainingbalance",
        "accountbalance",
        "exchangerate",
        "timezone",
        "documenttype",
        "invoicetype",
        "invoicedate",
        "invoicestatus",
        # The same in the bot's other languages (folded: no accents).
        "налог",
        "ндс",
        "суммабезналога",
        "суммабезндс",
        "баланс",
        "остаток",
        "impuesto",
        "impuestos",
        "iva",
        "saldo",
        "importesinimpuestos",
        "imposto",
        "impostos",
        "valorsemimpostos",
        "pajak",
        "ppn",
        "jumlahsebelumpajak",
        "zonawaktu",
        "zonahoraria",
        "fusohorario",
    }
)

_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_CODE_IN_HEADER = re.compile(r"\b([A-Z]{3})\b")
_TRAILING_CODE = re.compile(r"\s*(?:in\s+)?\b([A-Z]{3})\s*$")
_OFFSET_TEXT = r"(?P<sign>[+-])\s*(?P<oh>\d{1,2})(?::?(?P<om>\d{2}))?"
_HEADER_OFFSET = re.compile(r"\b(?:utc|gmt)\s*(?:" + _OFFSET_TEXT + r")?", re.IGNORECASE)
_TRAILING_OFFSET = re.compile(
    r"\s*\b(?:utc|gmt)\s*(?:[+-]\s*\d{1,2}(?::?\d{2})?)?\s*$", re.IGNORECASE
)


def _header_key(text: str) -> tuple[str, str]:
    """The header as bare lower-case letters and digits; and again without its units.

    "Amount (incl. tax)" → ("amountincltax", "amount"); "Time UTC+8" → ("timeutc8", "time").
    """
    text = unicodedata.normalize("NFKC", text).strip()
    full = _fold(text)
    base = _TRAILING_OFFSET.sub("", _BRACKETED.sub(" ", text))
    code = _TRAILING_CODE.search(base)
    if code is not None and code.group(1) in _known_codes():
        base = base[: code.start()]
    return full, _fold(base)


def _header_match(text: str) -> tuple[str, int] | None:
    """The field a header names and how surely, or None."""
    full, base = _header_key(text)
    if full in _NOT_OURS:
        return None
    return _SYNONYMS.get(full) or (None if base in _NOT_OURS else _SYNONYMS.get(base))


def _header_score(cells: _Row) -> tuple[int, int]:
    """How much a row looks like the header: distinct fields named, then their ranks."""
    best: dict[str, int] = {}
    for cell in cells[:_MAX_COLUMNS]:
        if isinstance(cell, str) and (match := _header_match(cell)) is not None:
            name, rank = match
            best[name] = max(rank, best.get(name, 0))
    return len(best), sum(best.values())


def _header_currency(text: str) -> str | None:
    """The currency a header names: "Amount (USD)" → "USD"."""
    for code in _CODE_IN_HEADER.findall(unicodedata.normalize("NFKC", text)):
        if code in _known_codes():
            return str(code)
    return None


def _header_offset(text: str) -> timezone | None:
    """The UTC offset a header names: "Time (UTC+08:00)" → UTC+8."""
    match = _HEADER_OFFSET.search(unicodedata.normalize("NFKC", text))
    if match is None:
        return None
    return _offset(match["sign"], match["oh"], match["om"])


def _offset(sign: str | None, hours: str | None, minutes: str | None) -> timezone | None:
    """A fixed offset ("+", "08", "00"), UTC when no sign, None when no such offset exists."""
    if sign is None or hours is None:
        return UTC
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    if delta > timedelta(hours=14):  # the widest offset in use
        return None
    return timezone(-delta if sign == "-" else delta)


@cache
def _known_codes() -> frozenset[str]:
    return frozenset(code.upper() for code in list_currencies())


# --- the file as rows of cells -------------------------------------------------------------

_Row = Sequence[object]
# A way to read a file's rows from the top, as (line number, cells); called once per pass.
_RowSource = Callable[[], Generator[tuple[int, _Row], None, None]]


def parse_export(
    data: bytes,
    filename: str,
    *,
    mapping: Mapping[str, str] | None = None,
    default_currency: str | None = None,
    max_bytes: int = 10 * 1024 * 1024,
    max_rows: int = 200_000,
    progress: Callable[[int, int | None], None] | None = None,
) -> ImportReport:
    """Read a transactions export, CSV or XLSX (told apart by content; the name only helps).

    `mapping` holds the person's answers to earlier `ColumnQuestion`s: a `FIELDS` key →
    a column label ("" for none), and `DATE_ORDER` → `DAY_FIRST` or `MONTH_FIRST`.
    `default_currency` (the ad account's) is used for rows and files that name none.
    Raises `ExportError` for a file over `max_bytes`, with more than `max_rows` rows below
    the header, or that is not a readable CSV/XLSX transactions export; `ValueError` for
    a `mapping` key or `default_currency` the caller got wrong.
    `progress`, when given, is called now and then as the rows below the header are read,
    with how many were read and how many lines the file has below the header (None when
    that isn't known before reading: a workbook's declared size can't be trusted).
    """
    answers = dict(mapping or {})
    for key, value in answers.items():
        if key not in FIELDS and key != DATE_ORDER:
            raise ValueError(f"unknown mapping key {key!r}; expected {DATE_ORDER} or {[*FIELDS]}")
        if key == DATE_ORDER and value not in (DAY_FIRST, MONTH_FIRST):
            raise ValueError(f"{DATE_ORDER} must be {DAY_FIRST!r} or {MONTH_FIRST!r}")
    currency = _checked_default_currency(default_currency)
    if len(data) > max_bytes:
        raise ExportError(
            f"That file is {_size(len(data))}; I can read exports up to {_size(max_bytes)}. "
            "Export a shorter date range and send it again."
        )
    if not data.strip():
        raise ExportError(_EMPTY)

    if data.startswith(_ZIP_MAGIC):
        with _workbook_sources(data, max_bytes, max_rows) as sheets:
            return _Reader(sheets, answers, currency, max_rows, progress).report()
    if data.startswith(_OLE_MAGIC):
        raise ExportError(_OLD_XLS)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise ExportError(_BROKEN_XLSX)
    return _Reader(_csv_sources(_decode(data)), answers, currency, max_rows, progress).report()


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB" if count >= 1024 * 1024 else f"{count:,} bytes"


def _checked_default_currency(code: str | None) -> str | None:
    if code is None:
        return None
    upper = code.strip().upper()
    if upper not in _known_codes():
        raise ValueError(f"default_currency {code!r} is not an ISO 4217 code")
    return upper


def _decode(data: bytes) -> str:
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


def _csv_sources(text: str) -> list[_RowSource]:
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


class _BrokenLine(ExportError):
    """A CSV line that can't be read with this separator (another one may read it)."""


def _csv_source(text: str, delimiter: str) -> _RowSource:
    def rows() -> Generator[tuple[int, _Row], None, None]:
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
            raise _BrokenLine(
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
def _workbook_sources(data: bytes, max_bytes: int, max_rows: int) -> Iterator[list[_RowSource]]:
    """The sheets of an XLSX as row sources, open while the caller reads them."""
    try:
        with Workbook(
            data,
            max_unpacked=_XLSX_EXPANSION * max_bytes,
            max_rows=max_rows + _XLSX_ROW_SLACK,
            max_elements=(max_rows + _XLSX_ROW_SLACK) * _XLSX_ELEMENTS_PER_ROW,
            max_shared_text=_XLSX_SHARED_TEXT,
            max_columns=_MAX_COLUMNS,
        ) as workbook:
            yield [_sheet_source(sheet, max_rows) for sheet in workbook.sheets()]
    except WorkbookError as error:
        raise _workbook_error(error, max_rows) from None


def _workbook_error(error: WorkbookError, max_rows: int) -> ExportError:
    if isinstance(error, TooManyRows):
        return _too_many_rows(max_rows)
    if isinstance(error, WorkbookTooLarge):
        return ExportError(
            N_(
                "That Excel file unpacks to far more data than a transactions export "
                "holds. Export it from Ads Manager → Finance → Transactions (CSV or XLSX) "
                "again."
            )
        )
    return ExportError(_BROKEN_XLSX)


def _sheet_source(sheet: SheetRows, max_rows: int) -> _RowSource:
    def rows() -> Generator[tuple[int, _Row], None, None]:
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


# --- reading the rows ---------------------------------------------------------------------

# A row's time: a datetime, or a numeric date's (day-first, month-first) readings when they
# differ — either may be impossible (None) — decided per file once every row is read.
_Moment = datetime | tuple[datetime | None, datetime | None]


@dataclass(slots=True)
class _Pending:
    """A row whose numeric date reads two ways until the whole file decides.

    `row` carries the day-first reading when there is one, else the month-first one.
    """

    row: ChargeRow
    day_first: datetime | None
    month_first: datetime | None
    time_text: str  # the cell as exported: quote it through _shown


class _RowProblem(Exception):
    """This row can't be read; the reason is for the skipped-lines report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Reader:
    """Finds the header in one of the sources, then reads its rows into a report."""

    def __init__(
        self,
        sources: Sequence[_RowSource],
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
        source, header_line, header = self._find_header()
        labels = _labels(header)
        self.columns, question = self._assign(header, labels)
        named = {name: labels[index] for name, index in self.columns.items()}
        if question is not None:
            return ImportReport(columns=named, needs_mapping=question)
        self.header_texts = [_text(cell) for cell in header]
        self.indices = [self.columns.get(name, -1) for name in FIELDS]
        self.column_currency = _header_currency(labels[self.columns["amount"]])
        self.offset = _header_offset(labels[self.columns["happened_at"]])

        pending, skipped = self._read_rows(source, header_line)
        order, question = self._date_order(pending)
        if question is not None:
            return ImportReport(columns=named, needs_mapping=question)
        rows = self._finish(pending, order, skipped)
        skipped.sort(key=lambda item: item.line)
        return ImportReport(rows=rows, skipped=skipped, columns=named, date_order=order)

    def title(self) -> ExportTitle:
        """What the lines above the header say about the ad account."""
        source, header_line, _header = self._find_header()
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

    # --- the header ----------------------------------------------------------------------

    def _find_header(self) -> tuple[_RowSource, int, list[object]]:
        """The source and row that look most like a transactions header."""
        best: tuple[tuple[int, int], _RowSource, int, _Row] | None = None
        for source in self.sources:
            produced = source()
            rows = (item for item in produced if not _is_blank(item[1]))
            try:
                for line, cells in islice(rows, _HEADER_SEARCH_ROWS):
                    score = _header_score(cells)
                    if best is None or score > best[0]:
                        best = (score, source, line, cells)
            except _BrokenLine:
                # One wrong separator can make a long line one oversized cell; another
                # separator may still read the file, and a broken line below the header
                # is reported when the rows are read.
                continue
            finally:
                # Let go of this reading's buffers (a copy of the text, an open zip part)
                # before the next one is made, not whenever the generator is collected.
                produced.close()
        if best is None or best[0][0] < _MIN_HEADER_FIELDS:
            raise ExportError(_NO_HEADER)
        return best[1], best[2], list(best[3])[:_MAX_COLUMNS]

    def _assign(
        self, header: list[object], labels: list[str]
    ) -> tuple[dict[str, int], ColumnQuestion | None]:
        """Each field's column, from the answers and then the header words; or a question."""
        columns: dict[str, int] = {}
        taken: set[int] = set()
        for name, answer in self.answers.items():
            if name == DATE_ORDER:
                continue
            if not answer.strip():
                if name in REQUIRED_FIELDS:
                    raise ExportError(
                        N_("I can't read the transactions without a %(column)s column."),
                        column=FIELDS[name],
                    )
                continue
            if answer.strip() not in labels:
                raise ExportError(
                    N_("There's no column “%(column)s” in that file."), column=_shown(answer)
                )
            columns[name] = labels.index(answer.strip())
            taken.add(columns[name])

        ranked: dict[str, list[tuple[int, int]]] = {}
        for index, cell in enumerate(header):
            if index not in taken and isinstance(cell, str):
                match = _header_match(cell)
                if match is not None:
                    ranked.setdefault(match[0], []).append((match[1], index))

        questions: list[ColumnQuestion] = []
        for name in FIELDS:
            if name in columns or name in self.answers:
                continue
            found = ranked.get(name, [])
            top = max((rank for rank, _ in found), default=0)
            best = [index for rank, index in found if rank == top]
            if len(best) == 1:
                columns[name] = best[0]
                taken.add(best[0])
            elif len(best) > 1:
                questions.append(ColumnQuestion(name, tuple(labels[i] for i in best)))
        for name in REQUIRED_FIELDS:
            if name not in columns and not any(q.field == name for q in questions):
                free = tuple(
                    label
                    for index, label in enumerate(labels)
                    if index not in taken and _text(header[index])
                )
                if not free:
                    raise ExportError(
                        N_(
                            "I couldn't find the %(column)s column in that file. Export it from "
                            "Ads Manager → Finance → Transactions (CSV or XLSX) and send it "
                            "without editing."
                        ),
                        column=FIELDS[name],
                    )
                questions.append(ColumnQuestion(name, free))
        questions.sort(key=lambda q: q.field not in REQUIRED_FIELDS)  # stable: FIELDS order
        return columns, (questions[0] if questions else None)

    # --- the rows ------------------------------------------------------------------------

    def _read_rows(
        self, source: _RowSource, header_line: int
    ) -> tuple[list[ChargeRow | _Pending], list[Skipped]]:
        pending: list[ChargeRow | _Pending] = []
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
                raise _too_many_rows(self.max_rows)
            try:
                pending.append(self._read_row(line, cells))
            except _RowProblem as problem:
                skipped.append(Skipped(line, problem.reason))
        if self.progress is not None:
            self.progress(counted, counted)  # all read: the lines that were rows
        # Blank lines at the very end are padding, nothing the person needs to hear about.
        return pending, skipped

    def _read_row(self, line: int, cells: _Row) -> ChargeRow | _Pending:
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
            return _Pending(row, moment[0], moment[1], _text(time_cell))
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

    # --- the whole file ----------------------------------------------------------------------

    def _date_order(
        self, pending: list[ChargeRow | _Pending]
    ) -> tuple[str | None, ColumnQuestion | None]:
        """Day-first or month-first for the file's numeric dates, from what the dates allow.

        A date that exists only one way round (13/11/2026) votes for that order. If all vote
        one way, that's the order; if none vote, or they disagree, the person is asked.
        """
        day_only = month_only = either = 0
        sample: str | None = None
        for item in pending:
            if isinstance(item, _Pending):
                if item.day_first is not None and item.month_first is not None:
                    either += 1
                    sample = sample or _shown(item.time_text)
                elif item.day_first is not None:
                    day_only += 1
                else:
                    month_only += 1
        answer = self.answers.get(DATE_ORDER)
        if answer is not None:
            return answer, None
        if day_only and not month_only:
            return DAY_FIRST, None
        if month_only and not day_only:
            return MONTH_FIRST, None
        if not (day_only or month_only or either):
            return None, None  # no numeric dates, or only ones like 09/09/2026
        if sample is None:  # the votes disagree: show a date of each kind's first row
            sample = next(_shown(i.time_text) for i in pending if isinstance(i, _Pending))
        return None, ColumnQuestion(DATE_ORDER, (DAY_FIRST, MONTH_FIRST), sample)

    def _finish(
        self, pending: list[ChargeRow | _Pending], order: str | None, skipped: list[Skipped]
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


def _labels(header: list[object]) -> list[str]:
    """A name per column to show and answer with: the header text, made unique if needed."""
    texts = [_text(cell) for cell in header]
    return [
        text
        if text and texts.count(text) == 1
        else Phrase("%(name)s (column %(number)s)", name=text or Phrase("Column"), number=number)
        for number, text in enumerate(texts, start=1)
    ]


def _too_many_rows(max_rows: int) -> ExportError:
    return ExportError(
        N_(
            "That file has more than %(rows)s rows. Export a shorter date range "
            "(Finance → Transactions lets you pick the dates) and send it again."
        ),
        rows=f"{max_rows:,}",
    )


def _blank_lines(first: int, last: int) -> Skipped:
    if first == last:
        return Skipped(first, Phrase("A blank line."))
    return Skipped(first, Phrase("Blank lines %(first)s–%(last)s.", first=first, last=last))


def _text(cell: object) -> str:
    """A cell as stripped text (a whole number stored as a float without its ".0")."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e20:
        return str(int(cell))
    return str(cell).strip()


def _shown(text: str) -> str:
    """A cell quoted back to the person: short, and never a full card number (masked before
    it is cut, so not even part of one)."""
    masked = mask_card_numbers(text)
    return masked if len(masked) <= _SHOWN else masked[: _SHOWN - 1] + "…"


def _is_blank(cells: _Row) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


_TOTAL = re.compile(r"(?:grand\s*)?(?:sub\s*)?totals?\b|sum\b|summary\b", re.IGNORECASE)


def _is_total(cells: _Row) -> bool:
    return any(isinstance(cell, str) and _TOTAL.match(cell.strip()) for cell in cells)


# --- one cell at a time ------------------------------------------------------------------------

_MONTH_NAMES = (
    "jan january",
    "feb february",
    "mar march",
    "apr april",
    "may",
    "jun june",
    "jul july",
    "aug august",
    "sep sept september",
    "oct october",
    "nov november",
    "dec december",
)
_MONTHS = {
    name: number for number, names in enumerate(_MONTH_NAMES, start=1) for name in names.split()
}
_CLOCK = (
    r"(?:(?:[\sT,]+|\s+at\s+)(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,]\d{1,9})?)?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?)?"
)
_ZONE = r"(?:\s*(?:(?P<z>Z)|(?:UTC|GMT)?\s*" + _OFFSET_TEXT + r"|(?P<u>UTC|GMT)))?"
_END = _CLOCK + _ZONE
_ISO_TIME = re.compile(
    r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})" + _END, re.I
)
_NUMERIC_TIME = re.compile(
    r"(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})" + _END, re.I
)
_MONTH_DAY_TIME = re.compile(
    r"(?P<mon>[a-z]{3,9})\.?[\s-]+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?[\s-]+(?P<y>\d{4})" + _END,
    re.I,
)
_DAY_MONTH_TIME = re.compile(
    r"(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s-]+(?P<mon>[a-z]{3,9})\.?,?[\s-]+(?P<y>\d{4}|\d{2})" + _END,
    re.I,
)
_WEEKDAY = re.compile(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.I)
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
# Excel serial numbers for 1954–2119: wide enough for any export, narrow enough that an
# amount or an ID in the wrong column is not taken for a date.
_SERIAL_RANGE = (20_000, 80_000)
_YEARS = range(2000, 2101)  # a transaction outside these years is a misread cell


def _read_time(cell: object, offset: timezone | None) -> _Moment:
    """A cell's date and time; a pair of readings for a numeric date that reads both ways."""
    if isinstance(cell, datetime):
        return _with_offset(cell, offset)
    if isinstance(cell, date):
        return _with_offset(datetime.combine(cell, time()), offset)
    if isinstance(cell, bool):
        raise _RowProblem(Phrase("Couldn't read the time."))
    if isinstance(cell, int | float):
        return _with_offset(_serial(cell, _text(cell)), offset)
    text = _text(cell)
    if not text:
        raise _RowProblem(Phrase("No time."))
    # NFKC for full-width digits and no-break spaces; most exports are plain ASCII.
    cleaned = text if text.isascii() else unicodedata.normalize("NFKC", text)
    cleaned = _WEEKDAY.sub("", cleaned.replace("(", " ").replace(")", " ").strip()).strip()
    if _SERIAL.fullmatch(cleaned):
        return _with_offset(_serial(float(cleaned), text), offset)
    if (match := _ISO_TIME.fullmatch(cleaned)) is not None:
        return _at(int(match["y"]), int(match["m"]), int(match["d"]), match, text, offset)
    if (match := _NUMERIC_TIME.fullmatch(cleaned)) is not None:
        first, second, year = int(match["a"]), int(match["b"]), _year(match["y"])
        if match["sep"] == ".":  # dotted dates are day-first wherever they are used
            return _at(year, second, first, match, text, offset)
        day_first = _maybe(year, second, first, match, text, offset)
        month_first = _maybe(year, first, second, match, text, offset)
        if day_first is None and month_first is None:
            raise _RowProblem(Phrase("The date “%(text)s” doesn't exist.", text=_shown(text)))
        if day_first == month_first:  # 09/09/2026 reads the same both ways
            assert day_first is not None
            return day_first
        return day_first, month_first
    for pattern in (_MONTH_DAY_TIME, _DAY_MONTH_TIME):
        if (match := pattern.fullmatch(cleaned)) is not None:
            month = _MONTHS.get(match["mon"].lower())
            if month is not None:
                return _at(_year(match["y"]), month, int(match["d"]), match, text, offset)
    raise _RowProblem(Phrase("Couldn't read the time “%(text)s”.", text=_shown(text)))


def _serial(value: float, text: str) -> datetime:
    """An Excel serial date (days since 1899-12-30), to the second."""
    if not _SERIAL_RANGE[0] < value < _SERIAL_RANGE[1]:
        raise _RowProblem(Phrase("Couldn't read the time “%(text)s”.", text=_shown(text)))
    moment = from_excel(value)
    if not isinstance(moment, datetime):
        raise _RowProblem(Phrase("Couldn't read the time “%(text)s”.", text=_shown(text)))
    # Serials are binary fractions of a day: 10:02:33 comes back as 10:02:32.999996.
    return (moment + timedelta(microseconds=500_000)).replace(microsecond=0)


def _year(digits: str) -> int:
    return 2000 + int(digits) if len(digits) == 2 else int(digits)


def _maybe(
    year: int, month: int, day: int, match: re.Match[str], text: str, offset: timezone | None
) -> datetime | None:
    """One reading of a numeric date, or None when it can't be one."""
    if month > 12:  # the usual impossible reading: skip building the reason nobody sees
        return None
    try:
        return _at(year, month, day, match, text, offset)
    except _RowProblem:
        return None


def _at(
    year: int, month: int, day: int, match: re.Match[str], text: str, offset: timezone | None
) -> datetime:
    """The moment a matched date, clock and zone stand for, or a _RowProblem saying why not."""
    if year not in _YEARS:
        raise _RowProblem(
            Phrase(
                "The date “%(text)s” is outside the years an export can hold.", text=_shown(text)
            )
        )
    hour = int(match["h"] or 0)
    minute = int(match["mi"] or 0)
    second = int(match["s"] or 0)
    ampm = match["ampm"]
    if ampm:
        if not 1 <= hour <= 12:
            raise _RowProblem(Phrase("The time “%(text)s” doesn't exist.", text=_shown(text)))
        hour = hour % 12 + (12 if ampm[0] in "pP" else 0)
    try:
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise _RowProblem(Phrase("The date “%(text)s” doesn't exist.", text=_shown(text))) from None
    if match["z"] or match["u"]:
        return moment.replace(tzinfo=UTC)
    if match["sign"]:
        zone = _offset(match["sign"], match["oh"], match["om"])
        if zone is None:
            raise _RowProblem(
                Phrase("The time zone in “%(text)s” doesn't exist.", text=_shown(text))
            )
        return moment.replace(tzinfo=zone)
    return _with_offset(moment, offset)


def _with_offset(moment: datetime, offset: timezone | None) -> datetime:
    if offset is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=offset)


_LEADING_MINUS = re.compile(r"(?<!\d)[-−–](?=\D{0,5}\d)")  # "-12", "USD -12", "-$12"
_TRAILING_MINUS = re.compile(r"(?<=\d)\s*[-−–]$")  # "12.00-", as some ledgers write it


def _numeric_amount(value: float, currency: str | None) -> tuple[Decimal, str, bool]:
    """An amount held in a number cell: its value as Excel holds it, to the minor unit."""
    if currency is None:
        raise _RowProblem(_no_currency(_text(value)))
    try:
        exact = Decimal(repr(value))
        if not exact.is_finite():
            raise InvalidOperation
        # A float is a binary fraction: 189.9 may be 189.89999999999998, which Excel
        # shows, and bills, as 189.90.
        amount = exact.quantize(Decimal(1).scaleb(-minor_digits(currency)))
    except InvalidOperation:
        raise _RowProblem(
            Phrase("Couldn't read the amount “%(text)s”.", text=_shown(_text(value)))
        ) from None
    if amount == 0:
        raise _RowProblem(Phrase("The amount is zero."))
    if abs(amount) > MAX_AMOUNT:
        raise _RowProblem(
            Phrase("The amount “%(text)s” is too large to be a charge.", text=_shown(_text(value)))
        )
    return abs(amount), currency, amount < 0


def _text_amount(text: str, currency: str | None, stated: str | None) -> tuple[Decimal, str, bool]:
    """An amount as text, read like a typed one, after taking off the signs exports add."""
    negative = False
    body = text
    if body.startswith("(") and body.endswith(")"):  # accounting notation
        body, negative = body[1:-1], True
    else:
        body, count = _LEADING_MINUS.subn("", body, count=1)
        if not count:
            body, count = _TRAILING_MINUS.subn("", body)
        negative = bool(count)
    body = body.strip().removeprefix("+")
    if stated is not None and ("$" in body or not body.isascii()):
        # A currency column outranks a "$" or "€" in the amount: symbols are ambiguous.
        body = "".join(ch for ch in body if unicodedata.category(ch) != "Sc")
    if currency is not None and _PLAIN_CENTS.fullmatch(body) and minor_digits(currency) == 2:
        # What nearly every export writes ("1234.56", "1234,56"): parse_amount reads these
        # the same way (two digits after the only separator are cents), only slower.
        amount = Decimal(body.replace(",", "."))
        if 0 < amount <= MAX_AMOUNT:
            return amount, currency, negative
    try:
        money = parse_amount(body, currency)
    except InputError as error:
        if currency is None and error.message.startswith("Which currency"):
            raise _RowProblem(_no_currency(text)) from None
        if "more than zero" in error.message:
            raise _RowProblem(Phrase("The amount is zero.")) from None
        raise _RowProblem(
            Phrase(
                "Couldn't read the amount “%(text)s”: %(why)s",
                text=_shown(text),
                why=Phrase.of_error(error, first_sentence=True),
            )
        ) from None
    if stated is not None and money.currency != stated:
        raise _RowProblem(
            Phrase(
                "The amount “%(text)s” is in %(found)s, but the currency column says %(stated)s.",
                text=_shown(text),
                found=money.currency,
                stated=stated,
            )
        )
    return money.amount, money.currency, negative


_PLAIN_CENTS = re.compile(r"\d{1,9}[.,]\d\d")


def _no_currency(text: str) -> Phrase:
    return Phrase(
        "No currency for the amount “%(text)s”: the file names none and none was given.",
        text=_shown(text),
    )


_STATUS_WORDS: dict[str, str] = {
    _fold(word): status
    for status, words in (
        (
            SUCCESS,
            "success successful succeeded completed complete paid approved settled "
            # Russian, Spanish, Portuguese, Indonesian
            "успешно успешный успех выполнено оплачено проведено "
            "exitoso exitosa completado completada pagado pagada aprobado aprobada "
            "sucesso concluído concluída pago aprovado aprovada "
            "berhasil sukses selesai lunas",
        ),
        (
            PROCESSING,
            "processing pending inprogress awaiting "
            "вобработке обрабатывается обработка ожидание "
            "procesando pendiente enproceso "
            "processando pendente emprocessamento "
            "diproses menunggu tertunda",
        ),
        (
            FAILED,
            "failed fail failure declined unsuccessful rejected error "
            "ошибка неудачно неуспешно отклонено отклонен отказ "
            "fallido fallida rechazado rechazada "
            "falhou falha recusado recusada "
            "gagal ditolak",
        ),
    )
    for word in words.split()
}


def _status(text: str) -> str:
    folded = " ".join(text.casefold().split())
    return _STATUS_WORDS.get(_fold(folded), folded)


# Beginnings of words, accents off (see _kind), in English, Russian, Spanish, Portuguese and
# Indonesian.
_REFUND_WORDS = (
    "refund",
    "revers",
    "returned",
    "возврат",
    "reembols",
    "devoluc",
    "estorn",
    "pengembalian",
)
_VERIFICATION_WORDS = ("verif", "authoriz", "authoris", "провер", "верифик", "авториз")
_PAYMENT_WORDS = (
    "платеж",
    "оплат",
    "списан",
    "pago",
    "cargo",
    "pagamento",
    "cobranca",
    "pembayaran",
    "tagihan",
    "payment",
    "charge",
    "top up",
    "top-up",
    "topup",
    "add balance",
    "recharge",
    "deduct",
    "bill",
    "purchase",
)


def _kind(text: str) -> str:
    folded = " ".join(text.casefold().split())
    bare = folded
    if not folded.isascii():  # "Devolución", "Возврат платежа": compare without accents
        decomposed = unicodedata.normalize("NFKD", folded)
        bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Order matters: "Verification reversal" is money back; a "chargeback" is no payment.
    if any(word in bare for word in _REFUND_WORDS):
        return REFUND
    if "chargeback" in bare:
        return folded
    if any(word in bare for word in _VERIFICATION_WORDS):
        return VERIFICATION
    if any(word in bare for word in _PAYMENT_WORDS):
        return PAYMENT
    return folded


_LAST4 = re.compile(r"(?<![\d/])(\d{4})(?!\d)")  # not the year of an expiry date "12/2027"


def _payment_method(text: str) -> tuple[str | None, str]:
    """(card last 4, the payment method as shown, with any full card number masked)."""
    masked = " ".join(mask_card_numbers(text).split())[:_MAX_CELL]
    found = _LAST4.findall(masked)
    return (found[-1] if found else None), masked


# Fewer than 12 digits (in groups split by a few separators) can't hold a card number: skip
# the slower masking for those.
_CARD_LIKE = re.compile(r"(?:\d[\W_]{0,5}){11}\d")


def _identifier(cell: object) -> str | None:
    text = _text(cell)
    if not text:
        return None
    return (mask_card_numbers(text) if _CARD_LIKE.search(text) else text)[:_MAX_CELL]


_ACCOUNT_ID = re.compile(r"(?<!\d)\d{10,20}(?!\d)")


def _ad_account(cell: object) -> str | None:
    """The advertiser ID in the cell ("Acme (7301234567890123456)"), else its text."""
    text = _text(cell)
    if not text:
        return None
    match = _ACCOUNT_ID.search(text)
    return match.group() if match else _identifier(text)

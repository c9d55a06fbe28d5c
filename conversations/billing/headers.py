"""Which column holds what: header words in the bot's languages, ranked, and the currency
or UTC offset a header names.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, timedelta, timezone
from functools import cache

from babel.numbers import list_currencies

from conversations.billing.model import MAX_COLUMNS, Row

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


def _header_score(cells: Row) -> tuple[int, int]:
    """How much a row looks like the header: distinct fields named, then their ranks."""
    best: dict[str, int] = {}
    for cell in cells[:MAX_COLUMNS]:
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

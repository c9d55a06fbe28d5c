"""Cells other than times: amounts, statuses, transaction types, cards, documents and
ad accounts, and how a cell is shown back to the person.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from conversations.billing.headers import _fold
from conversations.billing.model import (
    _MAX_CELL,
    _SHOWN,
    FAILED,
    PAYMENT,
    PROCESSING,
    REFUND,
    SUCCESS,
    VERIFICATION,
    Row,
)
from conversations.currencies import minor_digits
from conversations.inputs import mask_card_numbers
from conversations.money import MAX_AMOUNT, NoCurrency, ZeroAmount, parse_amount, plain_amount
from conversations.texts import InputError, Phrase


class _RowProblem(Exception):
    """This row can't be read; the reason is for the skipped-lines report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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


def _is_blank(cells: Row) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


_TOTAL = re.compile(r"(?:grand\s*)?(?:sub\s*)?totals?\b|sum\b|summary\b", re.IGNORECASE)


def _is_total(cells: Row) -> bool:
    return any(isinstance(cell, str) and _TOTAL.match(cell.strip()) for cell in cells)


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
    if currency is not None and (amount := plain_amount(body, currency)) is not None:
        return amount, currency, negative  # what nearly every export writes, read quickly
    try:
        money = parse_amount(body, currency)
    except NoCurrency:
        raise _RowProblem(_no_currency(text)) from None
    except ZeroAmount:
        raise _RowProblem(Phrase("The amount is zero.")) from None
    except InputError as error:
        raise _RowProblem(
            Phrase(
                "Couldn't read the amount “%(text)s”: %(why)s",
                text=_shown(text),
                why=error.phrase.first_sentence_only(),
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

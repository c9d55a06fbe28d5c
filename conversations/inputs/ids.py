"""Identifiers as people type them: advertiser, Business Center and campaign IDs, a
card's last 4 digits, invoice and ticket numbers, and whole numbers typed or carried by
buttons. Identifier fields refuse a card number."""

from __future__ import annotations

import re
import unicodedata

from conversations.inputs.cards import (
    _CARD_MAX,
    _CARD_MIN,
    _ID_MAX,
    _ID_MIN,
    _MASKED,
    contains_card_number,
    is_card_number,
    mask_card_numbers,
)
from conversations.inputs.text import _visible
from conversations.texts import N_, NP_, InputError

_MAX_CAMPAIGNS = 50
_SHOWN_ITEM = 20  # how much of a bad campaign ID to quote back

_ID_SEPARATORS = re.compile(r"[\s.\-]+")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_LIST_SEPARATORS = re.compile(r"[,;\s]+")
_INVOICE = re.compile(r"[A-Za-z0-9._/\-]+")
# A number standing apart from the words around it (digit groups joined by spaces, dots or
# dashes); digits glued to letters are not an ID ("abc123").
_ID_AMONG_WORDS = re.compile(r"(?<![^\W_])[0-9]+(?:[\s.\-]+[0-9]+)*(?![^\W_])")

# Identifiers are short; a cap keeps the regexes cheap on whatever gets pasted.
_MAX_ID_TEXT = 100
_MAX_LIST_TEXT = 5_000


_CARD_MASKS = "*•·…xX#"
# "Visa ending in 1881", "•••• 1881", "XXXX-XXXX-XXXX-1881": words, then masks, then 4 digits.
_LAST4_LABELLED = re.compile(
    r"(?:[^\W\d_]+(?:[\s:.,\-]+[^\W\d_]+)*)?[\s:.,#*•·…\-]*(?P<last4>\d{4})"
)
# A receipt-style masked number: "411111******1881", "4111 **** **** 1881".
_LAST4_MASKED_PAN = re.compile(
    rf"\d{{4,6}}[\s\-]*[{_CARD_MASKS}][{_CARD_MASKS}\s\-]*(?P<last4>\d{{4}})"
)


_FULL_CARD_MIN = 13  # in the card field, taken as a full card number even if not card-shaped


def parse_advertiser_id(text: str) -> str:
    """A TikTok advertiser ID: 10–20 digits once spaces, dashes and dots are removed."""
    return _numeric_id(
        text,
        empty=N_("Type the advertiser ID — you'll find it under the account name in Ads Manager."),
        card=N_(
            "That looks like a card number, and I never keep those. What's the advertiser ID? "
            "It's the long number under the account name in Ads Manager."
        ),
        not_digits=N_(
            "An advertiser ID is only digits — "
            "you'll find it under the account name in Ads Manager."
        ),
        wrong_length=NP_(
            "That's %(count)s digit; an advertiser ID has 10 to 20 (usually 19) — "
            "you'll find it under the account name in Ads Manager.",
            "That's %(count)s digits; an advertiser ID has 10 to 20 (usually 19) — "
            "you'll find it under the account name in Ads Manager.",
        ),
    )


def parse_business_center_id(text: str) -> str:
    """A Business Center ID: 10–20 digits once spaces, dashes and dots are removed."""
    return _numeric_id(
        text,
        empty=N_(
            "Type the Business Center ID — "
            "you'll find it in Business Center → Business Center info."
        ),
        card=N_(
            "That looks like a card number, and I never keep those. What's the Business "
            "Center ID? You'll find it in Business Center → Business Center info."
        ),
        not_digits=N_(
            "A Business Center ID is only digits — "
            "you'll find it in Business Center → Business Center info."
        ),
        wrong_length=NP_(
            "That's %(count)s digit; a Business Center ID has 10 to 20 — "
            "you'll find it in Business Center → Business Center info.",
            "That's %(count)s digits; a Business Center ID has 10 to 20 — "
            "you'll find it in Business Center → Business Center info.",
        ),
    )


def parse_card_last4(text: str) -> tuple[str, bool]:
    """The last 4 digits of a card, and whether a full card number was typed to get them.

    The flag lets the caller say it kept only the last 4 digits.
    """
    cleaned = _ascii_digits(unicodedata.normalize("NFKC", text)).strip()
    if len(cleaned) > _MAX_ID_TEXT:
        raise InputError(N_("Type just the last 4 digits of the card, like 1881."))
    compact = _ID_SEPARATORS.sub("", cleaned)
    if _ASCII_DIGITS.fullmatch(compact):
        if len(compact) == 4:
            return compact, False
        if is_card_number(compact) or _FULL_CARD_MIN <= len(compact) <= _CARD_MAX:
            return compact[-4:], True
        raise InputError(
            *NP_(
                "That's %(count)s digit — type just the last 4 digits of the card, like 1881.",
                "That's %(count)s digits — type just the last 4 digits of the card, like 1881.",
            ),
            count=len(compact),
        )
    # "my card 4111.1111.1111.1111", split any way the detector knows: its last 4 digits.
    masked = mask_card_numbers(cleaned)
    if masked != cleaned:
        return _MASKED.findall(masked)[-1], True
    match = _LAST4_LABELLED.fullmatch(cleaned) or _LAST4_MASKED_PAN.fullmatch(cleaned)
    if match is None:
        raise InputError(N_("Type the last 4 digits of the card, like 1881."))
    return match["last4"], False


def parse_invoice_number(text: str) -> str:
    """An invoice or document number as printed: letters, digits and - _ / . (4–40 long)."""
    # A leading "#" ("#INV-0042") is how people write "number", not part of it.
    cleaned = unicodedata.normalize("NFKC", text).strip().removeprefix("#").strip()
    if not cleaned:
        raise InputError(
            N_("Type the invoice number as it appears on the invoice, like BDUS2026550101.")
        )
    if contains_card_number(cleaned):
        raise InputError(
            N_(
                "That looks like a card number, and I never keep those. What's the invoice "
                "number? It's in the Document column of Finance → Transactions, like "
                "BDUS2026550101."
            )
        )
    if not _INVOICE.fullmatch(cleaned) or not any(ch.isalnum() for ch in cleaned):
        raise InputError(
            N_(
                "An invoice number has only letters, digits and - _ / . with no spaces — "
                "type it as it appears on the invoice, like BDUS2026550101."
            )
        )
    if len(cleaned) < 4:
        raise InputError(
            N_(
                "That's too short for an invoice number — type it as it appears on the "
                "invoice, like BDUS2026550101."
            )
        )
    if len(cleaned) > 40:
        raise InputError(
            N_(
                "That's %(count)s characters; an invoice number has at most 40 — "
                "type it as it appears on the invoice, like BDUS2026550101."
            ),
            count=len(cleaned),
        )
    return cleaned


def parse_campaign_ids(text: str) -> tuple[str, ...]:
    """One or more campaign IDs (10–20 digits each), deduplicated, in the order typed."""
    cleaned = _ascii_digits(unicodedata.normalize("NFKC", text))
    if len(cleaned) > _MAX_LIST_TEXT:
        raise InputError(
            N_("That's too long; please send at most %(most)s campaign IDs."), most=_MAX_CAMPAIGNS
        )
    if contains_card_number(cleaned):
        raise InputError(
            N_(
                "That looks like a card number, and I never keep those. Which campaigns were "
                "charged? Type their IDs, like 1790000000000000000 — separate several with commas."
            )
        )
    items = [item for item in _LIST_SEPARATORS.split(cleaned) if item]
    if not items:
        raise InputError(
            N_(
                "Type one or more campaign IDs, like 1790000000000000000 — "
                "separate several with commas."
            )
        )
    for item in items:
        if not (_ASCII_DIGITS.fullmatch(item) and _ID_MIN <= len(item) <= _ID_MAX):
            # Masked before it is cut, so no card number is quoted even in part.
            masked = mask_card_numbers(item)
            shown = masked if len(masked) <= _SHOWN_ITEM else masked[: _SHOWN_ITEM - 1] + "…"
            raise InputError(
                N_("“%(item)s” isn't a campaign ID — campaign IDs are 10 to 20 digits."),
                item=shown,
            )
    unique = tuple(dict.fromkeys(items))
    if len(unique) > _MAX_CAMPAIGNS:
        raise InputError(
            N_("That's %(count)s campaign IDs; please send at most %(most)s."),
            count=len(unique),
            most=_MAX_CAMPAIGNS,
        )
    return unique


# A ticket or case number as TikTok writes it: letters, digits and joiners ("10293847",
# "TT-0099123", "7-1234567", "TT-1"), with a digit. A leading "#" is not part of it.
_TICKET_TOKEN = re.compile(r"[^\W_](?:[\w./-]*[^\W_])?")
_LONG_TICKET = 5  # digits: among several numbers, the one this long is the ticket
_NUMBER_SIGN = re.compile(r"^(?:no|nr|n)\.", re.IGNORECASE)  # "No.10293847"
_TICKET_MAX = 40


def parse_ticket(text: str) -> str:
    """TikTok's ticket or case number, taken out of what was typed ("ticket is #10293847"
    is 10293847); never a card number. Asks again when the text holds none, or several."""
    # "№" would fold into "No": a number sign, like "#", is not part of the number.
    visible = unicodedata.normalize("NFKC", _visible(text).replace("№", " "))
    if contains_card_number(visible):
        raise InputError(
            N_(
                "That looks like a card number, and I never keep those. What's TikTok's "
                "ticket or case number? It's in their reply to you."
            )
        )
    found = list(
        dict.fromkeys(
            _NUMBER_SIGN.sub("", token)
            for token in _TICKET_TOKEN.findall(visible)
            if any(ch.isdecimal() for ch in token) and len(token) <= _TICKET_MAX
        )
    )
    if len(found) > 1:
        # "ticket 10293847, sent on 5 Dec": the long number is the ticket.
        long = [token for token in found if sum(ch.isdecimal() for ch in token) >= _LONG_TICKET]
        found = long if len(long) == 1 else found
    if not found:
        raise InputError(
            N_(
                "That doesn't look like a ticket or case number. Type just the number from "
                "TikTok's reply, like 10293847."
            )
        )
    if len(found) > 1:
        raise InputError(
            N_(
                "I see more than one number there (%(first)s and %(second)s). "
                "Which is the ticket? Type just that one."
            ),
            first=found[0],
            second=found[1],
        )
    return found[0]


def whole_number(text: str, *, most_digits: int = 12) -> int | None:
    """The whole number 0, 1, 2… written in `text` (a command's argument, a part of a
    button's data), or None: never an exception.

    Digits of any script count (٤٢ is 42); superscripts, fractions and signs do not, nor
    Python's own spellings (``1_000``, ``+5``), which `int()` would take. `most_digits`
    bounds the number so that it fits a database integer.
    """
    digits = text.strip()
    if not digits or len(digits) > most_digits or not digits.isdecimal():
        return None
    # isdecimal() is exactly what unicodedata.decimal() reads: no ValueError is possible.
    return int("".join(str(unicodedata.decimal(ch)) for ch in digits))


def _numeric_id(
    text: str, *, empty: str, card: str, not_digits: str, wrong_length: tuple[str, str]
) -> str:
    cleaned = _ascii_digits(unicodedata.normalize("NFKC", text))
    if len(cleaned) > _MAX_ID_TEXT:
        raise InputError(not_digits)
    compact = _ID_SEPARATORS.sub("", cleaned)
    if not compact:
        raise InputError(empty)
    # An ID that is card-shaped is refused with a question: kept, it would be a card number
    # stored in full (and shown in every message to TikTok). Longer digit strings are
    # refused for their length anyway, without a word about cards.
    digits = "".join(_ASCII_DIGITS.findall(compact))
    if _CARD_MIN <= len(digits) <= _ID_MAX and (
        is_card_number(digits) or contains_card_number(cleaned)
    ):
        raise InputError(card)
    if not _ASCII_DIGITS.fullmatch(compact):
        # "its 7289000011112221010", "ID: 7289 0000 …": one number among words is the ID.
        numbers = _ID_AMONG_WORDS.findall(cleaned)
        if len(numbers) != 1:
            raise InputError(not_digits)
        compact = _ID_SEPARATORS.sub("", numbers[0])
    if not _ID_MIN <= len(compact) <= _ID_MAX:
        raise InputError(*wrong_length, count=len(compact))
    return compact


def _ascii_digits(text: str) -> str:
    """Arabic-Indic, Devanagari and other decimal digits as 0-9, so IDs compare equal."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)

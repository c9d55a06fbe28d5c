"""Reading identifiers and free text that advertisers type.

This module owns the rules for advertiser, Business Center and campaign IDs, card
last-4 digits, invoice and ticket numbers, whole numbers typed or carried by buttons, and
the cleaning of free text before it is stored: invisible characters removed, card numbers
masked, length bounded. It leaves HTML and template syntax alone: escaping is the
renderer's job.

It also owns the one card-number detector (`mask_card_numbers`, `contains_card_number`):
every piece of text a person gives the bot passes through it before it is stored, shown
back, logged or exported, and identifier fields refuse what it finds.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from conversations.errors import N_, NP_, InputError

__all__ = [
    "clean_text",
    "contains_card_number",
    "is_card_number",
    "mask_card_numbers",
    "parse_advertiser_id",
    "parse_business_center_id",
    "parse_campaign_ids",
    "parse_card_last4",
    "parse_invoice_number",
    "parse_ticket",
    "storable",
    "whole_number",
]

_ID_MIN, _ID_MAX = 10, 20
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

_MASK = "•••• "
_CARD_MASKS = "*•·…xX#"
# "Visa ending in 1881", "•••• 1881", "XXXX-XXXX-XXXX-1881": words, then masks, then 4 digits.
_LAST4_LABELLED = re.compile(
    r"(?:[^\W\d_]+(?:[\s:.,\-]+[^\W\d_]+)*)?[\s:.,#*•·…\-]*(?P<last4>\d{4})"
)
# A receipt-style masked number: "411111******1881", "4111 **** **** 1881".
_LAST4_MASKED_PAN = re.compile(
    rf"\d{{4,6}}[\s\-]*[{_CARD_MASKS}][{_CARD_MASKS}\s\-]*(?P<last4>\d{{4}})"
)

# Digit groups joined by short runs of anything but letters and digits: card numbers are
# written and pasted as "4111 1111 1111 1111", "4111.1111.1111.1111", "5555 / 5555 / …",
# with tabs, line breaks, underscores or several spaces. Letters end a run: words between
# numbers make them separate numbers. (The two classes share no character, so the pattern
# cannot backtrack badly.)
_DIGIT_RUN = re.compile(r"\d+(?:[\W_]{1,5}\d+)*")
_DIGIT_GROUP = re.compile(r"\d+")
_CARD_MIN, _CARD_MAX = 12, 19
_FULL_CARD_MIN = 13  # in the card field, taken as a full card number even if not card-shaped

# Card networks by the first digits of the number (prefixes of one length compare as text),
# with the lengths their numbers have. A number is card-shaped when a network matches and
# the Luhn check passes. Requiring both keeps long identifiers that are not cards, such as
# TikTok's 19-digit advertiser IDs (which start with 6 or 7) and campaign IDs (with 1), as
# they are.
_ANY_LENGTH = frozenset(range(_CARD_MIN, _CARD_MAX + 1))
_NETWORKS: tuple[tuple[str, str, frozenset[int]], ...] = (
    ("4", "4", frozenset({13, 16, 19})),  # Visa, Visa Electron
    ("51", "55", frozenset({16})),  # Mastercard
    ("2221", "2720", frozenset({16})),  # Mastercard's 2-series
    ("2200", "2205", frozenset(range(16, 20))),  # Mir, Borica
    ("34", "34", frozenset({15})),  # American Express
    ("37", "37", frozenset({15})),
    ("6011", "6011", frozenset(range(16, 20))),  # Discover
    ("644", "649", frozenset(range(16, 20))),
    ("65", "65", frozenset(range(16, 20))),  # Discover, RuPay
    ("3528", "3589", frozenset(range(16, 20))),  # JCB
    ("300", "305", frozenset(range(14, 20))),  # Diners Club
    ("3095", "3095", frozenset(range(14, 20))),
    ("36", "36", frozenset(range(14, 20))),
    ("38", "39", frozenset(range(14, 20))),
    ("62", "62", frozenset(range(16, 20))),  # UnionPay
    ("81", "82", frozenset(range(16, 20))),  # UnionPay, RuPay
    ("60", "60", frozenset(range(16, 20))),  # RuPay
    ("508", "508", frozenset({16})),
    ("637", "639", frozenset({16})),  # InstaPayment
    ("50", "50", _ANY_LENGTH),  # Maestro (12 to 19 digits), Verve
    ("56", "58", _ANY_LENGTH),
    ("5893", "5893", _ANY_LENGTH),
    ("6304", "6304", _ANY_LENGTH),
    ("6706", "6706", _ANY_LENGTH),  # Laser
    ("6709", "6709", _ANY_LENGTH),
    ("6759", "6759", _ANY_LENGTH),
    ("6761", "6763", _ANY_LENGTH),
    ("6771", "6771", _ANY_LENGTH),
    ("9792", "9792", frozenset({16})),  # Troy
)
_NO_LENGTHS: frozenset[int] = frozenset()
_MASKED = re.compile(r"•••• (\d{4})")

_ZWJ, _ZWNJ = "\u200d", "\u200c"
_TAG_BASE = "\U0001f3f4"  # waving black flag: subdivision flags follow it with tag characters
_NEWLINES = re.compile(r"\r\n|[\r\x85\u2028\u2029]")
_TOO_MANY_BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n){3,}")

# What no database stores in text: NUL (PostgreSQL refuses it) and lone surrogates (not
# encodable as UTF-8; a JSON "\ud800" escape decodes to one).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

_EMPTY_TEXT = N_("That looks empty — type a few words, or tap Skip.")


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


def mask_card_numbers(text: str) -> str:
    """Replace every card number in the text with •••• and its last 4 digits.

    A card number is 12–19 digits that start like a card network's numbers, have one of
    that network's lengths and pass the Luhn check. Its digits may be split into groups by
    short runs of spaces, tabs, line breaks or punctuation; a longer unbroken run of digits
    (two numbers pasted together) is searched at every position. Other numbers, such as
    advertiser IDs, are left as they are.
    """
    # Masking leaves the last 4 digits, which can join the digits after them into a new
    # card-like run; repeat until nothing changes (each pass removes digits, so it ends).
    while True:
        masked = _DIGIT_RUN.sub(_mask_run, text)
        if masked == text:
            return masked
        text = masked


def contains_card_number(text: str) -> bool:
    """Whether the text holds something that looks like a full card number."""
    return mask_card_numbers(text) != text


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


def storable(text: str) -> str:
    """`text` without the characters a database can't store (NUL, lone surrogates).

    Applied to everything a Telegram update brings (text, captions, file names, names)
    where it enters the bot, so that nothing a user sends can fail a database write.
    """
    return _UNSTORABLE.sub("", text) if _UNSTORABLE.search(text) else text


def clean_text(text: str, *, max_len: int = 1000) -> str:
    """Free text made safe to store: invisible characters gone, card numbers masked.

    Raises `InputError` when nothing is left or the text is longer than `max_len`.
    """
    collapsed = _visible(text)
    if not collapsed:
        raise InputError(_EMPTY_TEXT)
    # Masking only ever shortens text, so a text far over the limit fails without the work.
    if len(collapsed) > 2 * max_len:
        raise InputError(_TOO_LONG, count=f"{len(collapsed):,}", most=f"{max_len:,}")
    masked = mask_card_numbers(collapsed)
    if len(masked) > max_len:
        raise InputError(_TOO_LONG, count=f"{len(masked):,}", most=f"{max_len:,}")
    return masked


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


def _visible(text: str) -> str:
    """The text as it reads: one kind of line break, invisible characters gone, accents
    composed, at most three blank lines in a row, no surrounding blanks."""
    unified = _NEWLINES.sub("\n", text)
    # Normalise after removing invisible characters: one sitting between a letter and its
    # accent would otherwise block composition until the next pass.
    visible = unicodedata.normalize("NFC", _drop_invisible(unified))
    return _TOO_MANY_BLANK_LINES.sub("\n\n\n", visible).strip()


def _ascii_digits(text: str) -> str:
    """Arabic-Indic, Devanagari and other decimal digits as 0-9, so IDs compare equal."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


_TOO_LONG = N_("That's %(count)s characters; please keep it under %(most)s.")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, ch in enumerate(reversed(digits)):
        digit = ord(ch) - 48
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


@cache
def _card_lengths(prefix: str) -> frozenset[int]:
    """The lengths a card number starting with these 4 digits can have (none: not a card)."""
    lengths: set[int] = set()
    for low, high, allowed in _NETWORKS:
        if low <= prefix[: len(low)] <= high:
            lengths |= allowed
    return frozenset(lengths) if lengths else _NO_LENGTHS


def is_card_number(digits: str) -> bool:
    """Whether these ASCII digits (and nothing else) are a card number: a network's prefix,
    one of its lengths, and the Luhn check."""
    return len(digits) in _card_lengths(digits[:4]) and _luhn_ok(digits)


def _mask_run(match: re.Match[str]) -> str:
    """Mask the card numbers inside one run of digit groups."""
    run = match.group()
    if len(run) < _CARD_MIN:
        return run
    digits: list[str] = []  # ASCII
    where: list[int] = []  # each digit's index in `run`
    can_start: list[bool] = []
    can_end: list[bool] = []  # a number may end with this digit
    for group in _DIGIT_GROUP.finditer(run):
        size = group.end() - group.start()
        # Numbers start and end where groups do; inside a run of digits longer than any
        # identifier, anywhere (two numbers pasted together). An identifier's own digits are
        # never searched inside: an advertiser ID holds card-shaped stretches by chance.
        anywhere = size > _ID_MAX
        for offset, ch in enumerate(group.group()):
            digits.append(str(unicodedata.decimal(ch)))
            where.append(group.start() + offset)
            can_start.append(anywhere or offset == 0)
            can_end.append(anywhere or offset == size - 1)
    if len(digits) < _CARD_MIN:
        return run
    # Every card number found, overlapping ones merged: a number that only looked like a
    # card must not keep, as "its" last 4 digits, the first digits of a real one beside it.
    spans: list[tuple[int, int]] = []
    for first in range(len(digits) - _CARD_MIN + 1):
        end = _card_at(digits, first, can_start, can_end)
        if end is None:
            continue
        if spans and first < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((first, end))
    pieces: list[str] = []
    copied_to = 0
    for first, end in spans:
        pieces.append(run[copied_to : where[first]])
        if where[first] > 0 and run[where[first] - 1].isdecimal():
            # Numbers pasted together stay apart: "•••• 1111 •••• 4444".
            pieces.append(" ")
        pieces.append(_MASK + "".join(digits[end - 4 : end]))
        copied_to = where[end - 1] + 1
    pieces.append(run[copied_to:])
    return "".join(pieces)


def _card_at(
    digits: list[str], first: int, can_start: list[bool], can_end: list[bool]
) -> int | None:
    """The end (exclusive) of the longest card number starting at digit `first`, if any."""
    if not can_start[first]:
        return None
    lengths = _card_lengths("".join(digits[first : first + 4]))
    for length in sorted(lengths, reverse=True):
        end = first + length
        if end <= len(digits) and can_end[end - 1] and _luhn_ok("".join(digits[first:end])):
            return end
    return None


def _drop_invisible(text: str) -> str:
    """Remove control and format characters, except those that shape visible text."""
    kept: list[str] = []
    for index, ch in enumerate(text):
        if ch in "\n\t":
            kept.append(ch)
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs"):
            continue
        if category == "Cf":
            before = kept[-1] if kept else ""
            after = text[index + 1] if index + 1 < len(text) else ""
            if _shapes_text(ch, before, after):
                kept.append(ch)
            continue
        kept.append(ch)
    return "".join(kept)


def _shapes_text(ch: str, before: str, after: str) -> bool:
    """Whether an invisible format character is doing visible work where it stands.

    A zero-width joiner builds emoji such as 👩‍💻 and joins letters in Indic scripts; a
    zero-width non-joiner is spelling in Persian; tag characters make subdivision flags
    (🏴 England). Anywhere else they only hide things, so they go.
    """
    if ch == _ZWJ:
        return (_is_emoji_part(before) and _is_emoji_part(after)) or (
            _is_letter(before) and _is_letter(after)
        )
    if ch == _ZWNJ:
        return _is_letter(before) and _is_letter(after)
    if "\U000e0020" <= ch <= "\U000e007f":
        return before == _TAG_BASE or "\U000e0020" <= before <= "\U000e007f"
    return False


def _is_letter(ch: str) -> bool:
    return bool(ch) and unicodedata.category(ch)[0] in "LM"


def _is_emoji_part(ch: str) -> bool:
    if not ch:
        return False
    # Cn: emoji newer than this Python's Unicode tables are still emoji to the person.
    return unicodedata.category(ch) in ("So", "Sk", "Cn") or ch == "\ufe0f"

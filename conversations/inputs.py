"""Reading identifiers and free text that advertisers type.

This module owns the rules for advertiser, Business Center and campaign IDs, card
last-4 digits and invoice numbers, and the cleaning of free text before it is stored:
invisible characters removed, card numbers masked, length bounded. It leaves HTML and
template syntax alone: escaping is the renderer's job.
"""

from __future__ import annotations

import re
import unicodedata

from conversations.errors import N_, NP_, InputError

__all__ = [
    "clean_text",
    "contains_card_number",
    "mask_card_numbers",
    "parse_advertiser_id",
    "parse_business_center_id",
    "parse_campaign_ids",
    "parse_card_last4",
    "parse_invoice_number",
    "storable",
]

_ID_MIN, _ID_MAX = 10, 20
_MAX_CAMPAIGNS = 50
_SHOWN_ITEM = 20  # how much of a bad campaign ID to quote back

_ID_SEPARATORS = re.compile(r"[\s.\-]+")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_LIST_SEPARATORS = re.compile(r"[,;\s]+")
_INVOICE = re.compile(r"[A-Za-z0-9._/\-]+")

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

# A digit run possibly broken by single spaces (of any width) or dashes, as card numbers are
# written. Matches are maximal because the pattern is greedy and scanned left to right.
_DIGIT_RUN = re.compile(r"\d(?:[ \u00a0\u2009\u202f\-]?\d)*")
_DIGIT_GROUP = re.compile(r"\d+")
_CARD_MIN, _CARD_MAX = 13, 19

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
        if _CARD_MIN <= len(compact) <= _CARD_MAX:
            return compact[-4:], True
        raise InputError(
            *NP_(
                "That's %(count)s digit — type just the last 4 digits of the card, like 1881.",
                "That's %(count)s digits — type just the last 4 digits of the card, like 1881.",
            ),
            count=len(compact),
        )
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
            shown = item if len(item) <= _SHOWN_ITEM else item[: _SHOWN_ITEM - 1] + "…"
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


def mask_card_numbers(text: str) -> str:
    """Replace every Luhn-valid 13–19 digit run with •••• and its last 4 digits.

    Runs may be broken by single spaces or dashes ("4111 1111 1111 1111"). Runs that fail
    the Luhn check, such as most advertiser IDs, are left as they are.
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
    unified = _NEWLINES.sub("\n", text)
    # Normalise after removing invisible characters: one sitting between a letter and its
    # accent would otherwise block composition until the next pass.
    visible = unicodedata.normalize("NFC", _drop_invisible(unified))
    collapsed = _TOO_MANY_BLANK_LINES.sub("\n\n\n", visible).strip()
    if not collapsed:
        raise InputError(_EMPTY_TEXT)
    # Masking only ever shortens text, so a text far over the limit fails without the work.
    if len(collapsed) > 2 * max_len:
        raise InputError(_TOO_LONG, count=f"{len(collapsed):,}", most=f"{max_len:,}")
    masked = mask_card_numbers(collapsed)
    if len(masked) > max_len:
        raise InputError(_TOO_LONG, count=f"{len(masked):,}", most=f"{max_len:,}")
    return masked


def _numeric_id(text: str, *, empty: str, not_digits: str, wrong_length: tuple[str, str]) -> str:
    cleaned = _ascii_digits(unicodedata.normalize("NFKC", text))
    if len(cleaned) > _MAX_ID_TEXT:
        raise InputError(not_digits)
    compact = _ID_SEPARATORS.sub("", cleaned)
    if not compact:
        raise InputError(empty)
    if not _ASCII_DIGITS.fullmatch(compact):
        raise InputError(not_digits)
    if not _ID_MIN <= len(compact) <= _ID_MAX:
        raise InputError(*wrong_length, count=len(compact))
    return compact


def _ascii_digits(text: str) -> str:
    """Arabic-Indic, Devanagari and other decimal digits as 0-9, so IDs compare equal."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


_TOO_LONG = N_("That's %(count)s characters; please keep it under %(most)s.")


def _luhn_ok(digits: list[int]) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _mask_run(match: re.Match[str]) -> str:
    """Mask the card numbers inside one digit run, trying windows that start and end on groups."""
    run = match.group()
    groups = [
        (g.start(), g.end(), [int(ch) for ch in g.group()]) for g in _DIGIT_GROUP.finditer(run)
    ]
    pieces: list[str] = []
    copied_to = 0
    i = 0
    while i < len(groups):
        window = _card_window(groups, i)
        if window is None:
            i += 1
            continue
        digits = [d for _, _, group in groups[i : window + 1] for d in group]
        pieces.append(run[copied_to : groups[i][0]])
        pieces.append(_MASK + "".join(str(d) for d in digits[-4:]))
        copied_to = groups[window][1]
        i = window + 1
    pieces.append(run[copied_to:])
    return "".join(pieces)


def _card_window(groups: list[tuple[int, int, list[int]]], first: int) -> int | None:
    """The last group of the longest Luhn-valid 13–19 digit window starting at `first`."""
    found: int | None = None
    digits: list[int] = []
    for last in range(first, len(groups)):
        digits = digits + groups[last][2]
        if len(digits) > _CARD_MAX:
            break
        if len(digits) >= _CARD_MIN and _luhn_ok(digits):
            found = last
    return found


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

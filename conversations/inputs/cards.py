"""The one card-number detector (`mask_card_numbers`, `contains_card_number`,
`is_card_number`): card networks, their lengths and the Luhn check. Every piece of text
a person gives the bot passes through it before it is stored, shown back, logged or
exported."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_MASK = "•••• "


# Digit groups joined by short runs of anything but letters and digits: card numbers are
# written and pasted as "4111 1111 1111 1111", "4111.1111.1111.1111", "5555 / 5555 / …",
# with tabs, line breaks, underscores or several spaces. Letters end a run: words between
# numbers make them separate numbers. (The two classes share no character, so the pattern
# cannot backtrack badly.)
_DIGIT_RUN = re.compile(r"\d+(?:[\W_]{1,5}\d+)*")
_DIGIT_GROUP = re.compile(r"\d+")
_CARD_MIN, _CARD_MAX = 12, 19
# How many digits an ID has (ids.py); a longer run of digits is searched for cards anywhere.
_ID_MIN, _ID_MAX = 10, 20


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

"""Free text before it is stored: invisible characters removed, line breaks unified,
card numbers masked, length bounded (`clean_text`, `storable`)."""

from __future__ import annotations

import re
import unicodedata

from conversations.inputs.cards import mask_card_numbers
from conversations.texts import N_, InputError

_ZWJ, _ZWNJ = "\u200d", "\u200c"
_TAG_BASE = "\U0001f3f4"  # waving black flag: subdivision flags follow it with tag characters
_NEWLINES = re.compile(r"\r\n|[\r\x85\u2028\u2029]")
_TOO_MANY_BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n){3,}")

# What no database stores in text: NUL (PostgreSQL refuses it) and lone surrogates (not
# encodable as UTF-8; a JSON "\ud800" escape decodes to one).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

_EMPTY_TEXT = N_("That looks empty — type a few words, or tap Skip.")


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


def _visible(text: str) -> str:
    """The text as it reads: one kind of line break, invisible characters gone, accents
    composed, at most three blank lines in a row, no surrounding blanks."""
    unified = _NEWLINES.sub("\n", text)
    # Normalise after removing invisible characters: one sitting between a letter and its
    # accent would otherwise block composition until the next pass.
    visible = unicodedata.normalize("NFC", _drop_invisible(unified))
    return _TOO_MANY_BLANK_LINES.sub("\n\n\n", visible).strip()


_TOO_LONG = N_("That's %(count)s characters; please keep it under %(most)s.")


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

"""Tests for conversations.inputs.text: free text cleaning and what a database can store."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.inputs import (
    clean_text,
    storable,
)
from conversations.texts import InputError

ADVERTISER_ID = "7012345678901234567"  # 19 digits, fails the Luhn check
VISA = "4111111111111111"  # the classic Luhn-valid test number
ENGLAND_FLAG = "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"  # tag sequence


# --- free text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  hello  ", "hello"),
        ("he\u200bllo", "hello"),
        ("\ufeffhello\u2060", "hello"),
        ("a\u200eb\u200fc", "abc"),
        ("bidi \u202eevil\u202c", "bidi evil"),
        ("soft\u00adhyphen", "softhyphen"),
        ("a\x00b\x07c\x1bd", "abcd"),
        ("tab\there", "tab\there"),
        ("line\r\nbreak\rmore", "line\nbreak\nmore"),
        ("a\u2028b", "a\nb"),
        ("one\n\n\ntwo", "one\n\n\ntwo"),
        ("one\n\n\n\n\n\ntwo", "one\n\n\ntwo"),
        ("one\n  \n \n\t\n\ntwo", "one\n\n\ntwo"),
        ("e\u0301", "é"),
        ("e\u200b\u0301", "é"),
        ("مرحبا بالعالم", "مرحبا بالعالم"),
        ("שלום", "שלום"),
        ("می\u200cخواهم", "می\u200cخواهم"),
        ("👍🏽 thanks 🎉", "👍🏽 thanks 🎉"),
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),
        ("🏳️\u200d🌈", "🏳️\u200d🌈"),
        (ENGLAND_FLAG, ENGLAND_FLAG),
        ("stray\u200d joiner", "stray joiner"),
        ("stray \U000e0067tag", "stray tag"),
        ("<b>bold</b> {{ 7*7 }} {% if %}", "<b>bold</b> {{ 7*7 }} {% if %}"),
        (f"paid with {VISA}", "paid with •••• 1111"),
        (f"account {ADVERTISER_ID}", f"account {ADVERTISER_ID}"),
    ],
)
def test_clean_text(text: str, expected: str) -> None:
    """Invisible characters go, visible text (RTL, emoji, markup) stays, cards are masked."""
    assert clean_text(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t", "\u200b\u200c\u200d\ufeff", "\x00\x01"])
def test_clean_text_rejects_empty(text: str) -> None:
    """Text that is empty after cleaning is refused, offering Skip."""
    with pytest.raises(InputError) as caught:
        clean_text(text)
    assert caught.value.message == "That looks empty — type a few words, or tap Skip."


def test_clean_text_length_limit_is_inclusive() -> None:
    """Text exactly max_len long is kept; one more character is refused with both numbers."""
    assert clean_text("x" * 1000) == "x" * 1000
    with pytest.raises(InputError) as caught:
        clean_text("x" * 1001)
    assert caught.value.message == "That's 1,001 characters; please keep it under 1,000."


def test_clean_text_custom_max_len() -> None:
    """max_len is respected and worded in the message."""
    assert clean_text("abc", max_len=3) == "abc"
    with pytest.raises(InputError) as caught:
        clean_text("abcd", max_len=3)
    assert caught.value.message == "That's 4 characters; please keep it under 3."


def test_clean_text_measures_length_after_cleaning() -> None:
    """Invisible characters and surrounding spaces don't count towards the limit."""
    assert clean_text("  " + "x\u200b" * 10 + "  ", max_len=10) == "x" * 10


def test_clean_text_huge_input_is_refused_quickly() -> None:
    """A very long paste is refused with its length, without masking it first."""
    with pytest.raises(InputError) as caught:
        clean_text("4111 1111 1111 1111 " * 5000)
    assert "characters" in caught.value.message


_REMOVED = frozenset("\u200b\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u00ad")


@settings(max_examples=200)
@given(st.text(max_size=200))
def test_clean_text_output_has_no_control_characters(text: str) -> None:
    """Cleaned text has no control characters, surrogates or stray invisible characters."""
    try:
        cleaned = clean_text(text)
    except InputError as error:
        assert error.message
        return
    assert cleaned == cleaned.strip()
    assert cleaned == unicodedata.normalize("NFC", cleaned)
    assert "\r" not in cleaned
    assert "\n\n\n\n" not in cleaned
    for ch in cleaned:
        category = unicodedata.category(ch)
        assert ch in "\n\t" or category not in ("Cc", "Cs"), repr(ch)
        assert ch not in _REMOVED, repr(ch)
        if category == "Cf":
            # Only the joiners and tag characters that build visible text may remain.
            assert ch in "\u200c\u200d" or "\U000e0020" <= ch <= "\U000e007f", repr(ch)
    cleaned.encode("utf-8")  # storable: no lone surrogates


@settings(max_examples=200)
@given(
    st.text(
        alphabet=st.sampled_from(
            [*"ab 1\n\t\r", "\u200b", "\u200c", "\u200d", "\ufeff", "\x00", "👩", "ی", "é"]
        ),
        max_size=60,
    )
)
def test_clean_text_is_idempotent(text: str) -> None:
    """Cleaning already-cleaned text changes nothing."""
    try:
        cleaned = clean_text(text)
    except InputError:
        return
    assert clean_text(cleaned) == cleaned


def test_storable_drops_only_what_no_database_stores() -> None:
    """NUL (PostgreSQL refuses it in text) and lone surrogates (not UTF-8) go; everything
    else, other control characters, emoji and joiners included, is left for `clean_text`
    to judge."""
    assert storable("a\x00b\ud800c\udfffd") == "abcd"
    kept = "Zoë 👩\u200d💻 \t\x01 ٣"
    assert storable(kept) is kept

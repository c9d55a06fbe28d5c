"""Tests for conversations.inputs.cards: the card-number detector and masker, and the
identifier fields that refuse card numbers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.inputs import (
    contains_card_number,
    is_card_number,
    mask_card_numbers,
    parse_advertiser_id,
    parse_business_center_id,
    parse_campaign_ids,
    parse_invoice_number,
    parse_ticket,
)
from conversations.texts import InputError

ADVERTISER_ID = "7012345678901234567"  # 19 digits, fails the Luhn check
VISA = "4111111111111111"  # the classic Luhn-valid test number


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, ch in enumerate(reversed(digits)):
        digit = int(ch)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _with_check_digit(body: str) -> str:
    """Append the digit that makes `body` pass the Luhn check."""
    return next(body + d for d in "0123456789" if _luhn_ok(body + d))


def test_luhn_helpers_agree_with_known_numbers() -> None:
    """The test's own Luhn helper accepts the Visa test number and rejects the sample ID."""
    assert _luhn_ok(VISA)
    assert not _luhn_ok(ADVERTISER_ID)


# --- card masking ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"card {VISA} thanks", "card •••• 1111 thanks"),
        ("pay 4111 1111 1111 1111 ok", "pay •••• 1111 ok"),
        ("4111-1111-1111-1111", "•••• 1111"),
        ("5500 0000 0000 0004", "•••• 0004"),
        ("amex 3782 822463 10005", "amex •••• 0005"),
        ("4111\u00a01111\u00a01111\u00a01111", "•••• 1111"),
        ("ref 123 4111 1111 1111 1111", "ref 123 •••• 1111"),
        (f"{VISA} and {VISA}", "•••• 1111 and •••• 1111"),
        (f"id {ADVERTISER_ID}", f"id {ADVERTISER_ID}"),
        ("4111 1111 1111 1112", "4111 1111 1111 1112"),
        ("4111  1111  1111  1111", "•••• 1111"),
        # Every way of splitting the groups that people use (issue 14).
        ("4111.1111.1111.1111", "•••• 1111"),
        ("5555 / 5555 / 5555 / 4444", "•••• 4444"),
        ("4012  8888  8888  1881", "•••• 1881"),
        ("3782 - 822463 - 10005", "•••• 0005"),
        ("6011_1111_1111_1117", "•••• 1117"),
        ("4111\t1111\t1111\t1111", "•••• 1111"),
        ("4111\n1111\n1111\n1111", "•••• 1111"),
        ("4111\r\n1111 \n 1111\n1111 end", "•••• 1111 end"),
        ("41111111111111115555555555554444", "•••• 1111 •••• 4444"),
        ("x4111111111111111y", "x•••• 1111y"),
        ("3530 1113 3330 0000", "•••• 0000"),  # JCB
        ("3056 9309 0259 04", "•••• 5904"),  # Diners Club, 14 digits
        ("6200 0000 0000 0005", "•••• 0005"),  # UnionPay
        ("6759 6498 2643 8453", "•••• 8453"),  # Maestro
        ("2223 0031 2200 3222", "•••• 3222"),  # Mastercard 2-series
        # Luhn-valid but no card network starts so (or not at that length): not cards.
        ("1790 0000 0000 0000 3", "1790 0000 0000 0000 3"),
        ("7000 0000 0000 0005", "7000 0000 0000 0005"),
        ("5105 1051 0510 5", "5105 1051 0510 5"),
        # Dates, times, amounts and words between numbers stay as they are.
        ("on 2026-11-09 10:02, 2026-11-09 10:08", "on 2026-11-09 10:02, 2026-11-09 10:08"),
        ("4111 and 1111 and 1111 and 1111", "4111 and 1111 and 1111 and 1111"),
        ("4111      1111 1111 1111", "4111      1111 1111 1111"),
        ("call 555-0100", "call 555-0100"),
        ("no digits here", "no digits here"),
    ],
)
def test_mask_card_numbers(text: str, expected: str) -> None:
    """Luhn-valid 13–19 digit runs become •••• + last 4; other numbers are untouched."""
    assert mask_card_numbers(text) == expected


def test_mask_card_numbers_leaves_advertiser_id() -> None:
    """A typical 19-digit advertiser ID that fails Luhn is not mistaken for a card."""
    assert mask_card_numbers(ADVERTISER_ID) == ADVERTISER_ID
    assert not contains_card_number(ADVERTISER_ID)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"my card is {VISA}", True),
        ("4111 1111 1111 1111", True),
        (ADVERTISER_ID, False),
        ("1881", False),
        ("", False),
    ],
)
def test_contains_card_number(text: str, expected: bool) -> None:
    """contains_card_number is true exactly when masking would change the text."""
    assert contains_card_number(text) is expected


# --- the card detector, against a brute-force reading of its rules ---------------------------

# Test numbers of each network the detector knows (all pass the Luhn check).
CARDS = (
    "4111111111111111",  # Visa
    "4012888888881881",
    "4222222222222",  # Visa, 13 digits
    "5555555555554444",  # Mastercard
    "2223003122003222",  # Mastercard 2-series
    "378282246310005",  # American Express
    "6011111111111117",  # Discover
    "6500000000000002",
    "3530111333300000",  # JCB
    "30569309025904",  # Diners Club
    "36227206271667",
    "6200000000000005",  # UnionPay
    "6759649826438453",  # Maestro
    "501800000009",  # Maestro, 12 digits
    "2200000000000004",  # Mir
)
_RUN = re.compile(r"\d+(?:[\W_]{1,5}\d+)*")


def _card_shaped_windows(text: str) -> list[str]:
    """Every stretch of digits the detector's rules call a card number: whole groups of one
    run (split by at most 5 non-alphanumerics), or anywhere inside a group over 20 digits."""
    found = []
    for run in _RUN.finditer(text):
        digits = ""
        starts, ends = set(), set()
        for group in re.finditer(r"\d+", run.group()):
            size = len(group.group())
            inside = range(len(digits), len(digits) + size + 1)
            starts |= set(inside[:-1]) if size > 20 else {len(digits)}
            ends |= set(inside[1:]) if size > 20 else {len(digits) + size}
            digits += _ascii(group.group())
        for first in starts:
            for last in ends:
                window = digits[first:last]
                if 12 <= len(window) <= 19 and is_card_number(window):
                    found.append(window)
    return found


@pytest.mark.parametrize("number", CARDS)
def test_is_card_number_knows_each_network(number: str) -> None:
    """Each network's test number is a card number; with its last digit changed, it isn't."""
    assert is_card_number(number)
    assert not is_card_number(number[:-1] + str((int(number[-1]) + 1) % 10))


@pytest.mark.parametrize(
    "number",
    [
        ADVERTISER_ID,
        "7289000011112221010",
        "1790000000000000003",  # a campaign ID's shape, Luhn-valid
        "7000000000000005",
        "5105105105105",  # Mastercard's prefix, but 13 digits
        "378282246310",  # American Express's prefix, but 12 digits
        "202611091002",  # a date and a time
    ],
)
def test_is_card_number_refuses_other_numbers(number: str) -> None:
    """Numbers no network issues, even Luhn-valid ones, are not card numbers."""
    assert not is_card_number(number)


_SEPARATORS = st.one_of(
    st.sampled_from([" ", "  ", "-", " - ", ".", "/", " / ", "_", "\t", "\n", " \n", "\u00a0"]),
    st.text(alphabet=" \t\n.,-_/\\|:•*", min_size=1, max_size=5),
)


@st.composite
def written_card(draw: st.DrawFn) -> tuple[str, str]:
    """A card number and how someone wrote it: split into groups, any separators."""
    number = draw(st.sampled_from(CARDS))
    cuts = sorted(draw(st.sets(st.integers(1, len(number) - 1), max_size=6)))
    groups = [number[a:b] for a, b in zip([0, *cuts], [*cuts, len(number)], strict=True)]
    same = draw(st.booleans())
    separator = draw(_SEPARATORS)
    written = groups[0]
    for group in groups[1:]:
        written += (separator if same else draw(_SEPARATORS)) + group
    return number, written


_WORDS = st.text(alphabet="abc xyz€$.,!?()<>&\n", max_size=15)
_NEIGHBOURS = st.sampled_from(
    ["", "my card ", "paid with ", f"account {ADVERTISER_ID}, card ", "189.90 USD on "]
)


@settings(max_examples=300)
@given(written_card(), _NEIGHBOURS, _WORDS, st.sampled_from(["start", "middle", "end"]))
def test_mask_card_numbers_masks_cards_however_written(
    card: tuple[str, str], before: str, words: str, position: str
) -> None:
    """A card number split by any short separators, at the start, middle or end of a text,
    leaves only its last 4 digits; what is around it stays."""
    number, written = card
    text = {
        "start": f"{written} {words}",
        "middle": f"{before}{written} {words}",
        "end": f"{words} {before}{written}",
    }[position]
    masked = mask_card_numbers(text)
    assert number not in re.sub(r"\D", "", _ascii_all(masked))
    assert f"•••• {number[-4:]}" in masked
    assert words.strip() in masked


@settings(max_examples=200)
@given(st.lists(written_card(), min_size=2, max_size=3), _SEPARATORS)
def test_mask_card_numbers_masks_numbers_side_by_side(
    cards: list[tuple[str, str]], separator: str
) -> None:
    """Several card numbers in a row, however split, all lose their full digits."""
    text = separator.join(written for _number, written in cards)
    masked = mask_card_numbers(text)
    assert not _card_shaped_windows(masked)
    digits = re.sub(r"\D", "", masked)
    for number, _written in cards:
        assert number not in digits


_NUMBERISH = st.lists(
    st.one_of(
        st.sampled_from([*CARDS, ADVERTISER_ID, "1234", " ", "-", ". ", "\t", "x", "  /  "]),
        st.text(alphabet="0123456789 -._/\n", max_size=8),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=300)
@given(_NUMBERISH)
def test_mask_card_numbers_leaves_no_card_number(text: str) -> None:
    """After masking, no stretch of digits that the rules call a card number is left."""
    masked = mask_card_numbers(text)
    assert not _card_shaped_windows(masked)
    assert mask_card_numbers(masked) == masked


@settings(max_examples=300)
@given(st.text(alphabet="0123456789 -._/\nabc", max_size=60))
def test_mask_card_numbers_keeps_text_without_cards(text: str) -> None:
    """Text without a card-shaped stretch of digits comes back unchanged."""
    if not _card_shaped_windows(text):
        assert mask_card_numbers(text) == text


@settings(max_examples=200)
@given(st.sampled_from(["4", "51", "2221", "34", "6011", "3528", "36", "62", "6759"]), st.data())
def test_mask_card_numbers_masks_any_card_shaped_number(prefix: str, data: st.DataObject) -> None:
    """Any number with a network's prefix and length that passes Luhn is masked to its last 4."""
    length = data.draw(
        st.sampled_from(sorted(n for n in range(12, 20) if is_card_number_length(prefix, n)))
    )
    body = prefix + data.draw(
        st.text(
            alphabet="0123456789",
            min_size=length - len(prefix) - 1,
            max_size=length - len(prefix) - 1,
        )
    )
    number = _with_check_digit(body)
    assert mask_card_numbers(f"card: {number}.") == f"card: •••• {number[-4:]}."


def is_card_number_length(prefix: str, length: int) -> bool:
    """Whether some Luhn-valid number of this length with this prefix is a card number."""
    return is_card_number(_with_check_digit(prefix + "0" * (length - len(prefix) - 1)))


def _ascii_all(text: str) -> str:
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def _ascii(digits: str) -> str:
    return "".join(str(unicodedata.decimal(ch)) for ch in digits)


# --- identifier fields refuse card numbers ----------------------------------------------------

CARD_WRITINGS = (
    "4111111111111111",
    "4111-1111-1111-1111",
    "4111.1111.1111.1111",
    "5555 / 5555 / 5555 / 4444",
    "4012  8888  8888  1881",
    "3782 - 822463 - 10005",
    "6011_1111_1111_1117",
    "4111\t1111\t1111\t1111",
)


@pytest.mark.parametrize("written", CARD_WRITINGS)
@pytest.mark.parametrize(
    "parse",
    [parse_advertiser_id, parse_business_center_id, parse_invoice_number, parse_campaign_ids],
    ids=["advertiser", "business_center", "invoice", "campaigns"],
)
def test_identifier_fields_refuse_a_card_number_with_a_question(
    parse: Callable[[str], object], written: str
) -> None:
    """A card number typed where an ID goes is refused with a question that never quotes it."""
    with pytest.raises(InputError) as caught:
        parse(written)
    message = caught.value.message
    assert message.startswith("That looks like a card number")
    assert "?" in message
    assert not re.search(
        r"\d{4}\D{0,3}\d{4}\D{0,3}\d{4}", message.replace("1790000000000000000", "")
    )


def test_a_card_shaped_id_is_refused_but_real_ids_pass() -> None:
    """Advertiser IDs that fail the card rules pass; one that happens to be card-shaped is
    asked about rather than kept."""
    for real in (ADVERTISER_ID, "7289000011112221010", "6812345678901234567", "1234567890"):
        assert parse_advertiser_id(real) == real
    with pytest.raises(InputError, match="card number"):
        parse_advertiser_id("4000000000000000006")  # Visa, 19 digits, Luhn-valid


@pytest.mark.parametrize("written", CARD_WRITINGS)
def test_parse_ticket_refuses_a_card_number(written: str) -> None:
    """A ticket is free text, but never a card number."""
    with pytest.raises(InputError, match="ticket or case number"):
        parse_ticket(f"ticket {written}")


def test_parse_ticket_keeps_real_tickets() -> None:
    assert parse_ticket("  TT-0099123 ") == "TT-0099123"
    assert parse_ticket("Case 7289000011112221010") == "7289000011112221010"


@pytest.mark.parametrize(
    ("typed", "ticket"),
    [
        ("ticket is #10293847", "10293847"),
        ("#10293847.", "10293847"),
        ("<b>123</b>", "123"),
        ("my case: 7-1234567, thanks", "7-1234567"),
        ("Тикет №10293847", "10293847"),
        ("caso No.10293847", "10293847"),
        ("TT-0099123", "TT-0099123"),
        ("ticket 10293847 (ticket 10293847)", "10293847"),
        ("TT-1", "TT-1"),
        ("ticket 10293847, sent on 5 Dec", "10293847"),
    ],
)
def test_parse_ticket_takes_the_number_out_of_what_was_typed(typed: str, ticket: str) -> None:
    assert parse_ticket(typed) == ticket


@pytest.mark.parametrize(
    ("typed", "asks"),
    [
        ("they said they'd look into it", "doesn't look like a ticket"),
        ("no ticket yet, sorry", "doesn't look like a ticket"),
        ("ticket 123456 and 654321", "Which is the ticket?"),
    ],
)
def test_parse_ticket_asks_again_when_there_is_none_or_several(typed: str, asks: str) -> None:
    with pytest.raises(InputError, match=asks):
        parse_ticket(typed)


def test_a_card_number_inside_a_campaign_list_is_never_quoted() -> None:
    """Before any "“…” isn't a campaign ID", a card number anywhere in the list is asked
    about (the old error quoted “4111-1111-1111-1111” to the whole group)."""
    for text in ("4111-1111-1111-1111", "1790000000000000001, x4111111111111111"):
        with pytest.raises(InputError) as caught:
            parse_campaign_ids(text)
        assert "4111" not in caught.value.message
        assert "card number" in caught.value.message

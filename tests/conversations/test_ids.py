"""Tests for conversations.inputs.ids: advertiser, Business Center, card-last-4, invoice and
campaign IDs, and whole numbers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.inputs import (
    parse_advertiser_id,
    parse_business_center_id,
    parse_campaign_ids,
    parse_card_last4,
    parse_invoice_number,
    whole_number,
)
from conversations.texts import InputError

ADVERTISER_ID = "7012345678901234567"  # 19 digits, fails the Luhn check


# --- advertiser and Business Center IDs -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ADVERTISER_ID, ADVERTISER_ID),
        (f"  {ADVERTISER_ID}  ", ADVERTISER_ID),
        ("7012 3456 7890 1234 567", ADVERTISER_ID),
        ("7012-3456-7890-1234-567", ADVERTISER_ID),
        ("7012.3456.7890.1234.567", ADVERTISER_ID),
        ("1234567890", "1234567890"),
        ("12345678901234567890", "12345678901234567890"),
        ("７０１２３４５６７８９０１２３４５６７", ADVERTISER_ID),
        ("٧٠١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧", ADVERTISER_ID),
        # Issue 16 A.10: words around the one number.
        (f"its {ADVERTISER_ID}", ADVERTISER_ID),
        (f"ID: {ADVERTISER_ID}.", ADVERTISER_ID),
        ("it's 7012 3456 7890 1234 567, thanks", ADVERTISER_ID),
        (f"мой ID {ADVERTISER_ID}", ADVERTISER_ID),
    ],
)
def test_parse_advertiser_id_accepts(text: str, expected: str) -> None:
    """10–20 digits, with spaces, dashes or dots removed, come back as plain ASCII digits."""
    assert parse_advertiser_id(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("70123456789O1234567", "only digits"),
        ("ID 123 or 7012345678901234567", "only digits"),
        ("ID7012345678901234567", "only digits"),
        ("abc", "only digits"),
        ("123456789", "That's 9 digits"),
        ("1", "That's 1 digit;"),
        ("123456789012345678901", "That's 21 digits"),
        ("", "Type the advertiser ID"),
        ("  - . ", "Type the advertiser ID"),
    ],
)
def test_parse_advertiser_id_rejects(text: str, fragment: str) -> None:
    """Letters and wrong lengths are refused, saying how many digits were typed."""
    with pytest.raises(InputError) as caught:
        parse_advertiser_id(text)
    assert fragment in caught.value.message


def test_parse_advertiser_id_letters_message_says_where_to_look() -> None:
    """The letters message says IDs are digits and where to find the real one."""
    with pytest.raises(InputError) as caught:
        parse_advertiser_id("my account")
    assert caught.value.message == (
        "An advertiser ID is only digits — you'll find it under the account name in Ads Manager."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7012345678901234567", "7012345678901234567"),
        ("7012 3456-7890.1234567", "7012345678901234567"),
        ("1234567890", "1234567890"),
    ],
)
def test_parse_business_center_id_accepts(text: str, expected: str) -> None:
    """Business Center IDs follow the same digit rules as advertiser IDs."""
    assert parse_business_center_id(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("BC-12345", "That's 5 digits"),
        ("BC12345", "only digits"),
        ("12345", "That's 5 digits"),
        ("", "Type the Business"),
    ],
)
def test_parse_business_center_id_rejects(text: str, fragment: str) -> None:
    """Bad Business Center IDs are refused and the message says where to find the ID."""
    with pytest.raises(InputError) as caught:
        parse_business_center_id(text)
    assert fragment in caught.value.message
    assert "Business Center → Business Center info" in caught.value.message


# --- card last 4 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1881", ("1881", False)),
        (" 1881 ", ("1881", False)),
        ("•••• 1881", ("1881", False)),
        ("****1881", ("1881", False)),
        ("**** 1881", ("1881", False)),
        ("ending 1881", ("1881", False)),
        ("ending in 1881", ("1881", False)),
        ("Visa 1881", ("1881", False)),
        ("Visa •••• 1881", ("1881", False)),
        ("Mastercard ending 1881", ("1881", False)),
        ("XXXX-XXXX-XXXX-1881", ("1881", False)),
        ("411111******1881", ("1881", False)),
        ("4111 **** **** 1881", ("1881", False)),
        ("4111111111111881", ("1881", True)),
        ("4111 1111 1111 1881", ("1881", True)),
        ("4111-1111-1111-1881", ("1881", True)),
        ("4111111111111", ("1111", True)),  # 13 digits
        ("4111111111111111881", ("1881", True)),  # 19 digits
        ("１８８１", ("1881", False)),
    ],
)
def test_parse_card_last4_accepts(text: str, expected: tuple[str, bool]) -> None:
    """Four digits, masked forms and full card numbers all give the last 4 digits."""
    assert parse_card_last4(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("188", "That's 3 digits"),
        ("18811", "That's 5 digits"),
        ("123456789012", "That's 12 digits"),
        ("12345678901234567890", "That's 20 digits"),
        ("Visa", "last 4 digits"),
        ("", "last 4 digits"),
        ("1881 Visa", "last 4 digits"),
        ("Visa 188", "last 4 digits"),
        ("Visa 18812", "last 4 digits"),
        ("12345 ending 1881", "last 4 digits"),
        ("1" * 200, "last 4 digits"),
    ],
)
def test_parse_card_last4_rejects(text: str, fragment: str) -> None:
    """Anything that isn't 4 digits, a masked number or a full card number is refused."""
    with pytest.raises(InputError) as caught:
        parse_card_last4(text)
    assert fragment in caught.value.message


# --- invoice numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BDUS2026550101", "BDUS2026550101"),
        ("INV-2026-0042", "INV-2026-0042"),
        ("  INV-2026-0042  ", "INV-2026-0042"),
        ("inv-2026-0042", "inv-2026-0042"),
        ("Inv_2026/07.A", "Inv_2026/07.A"),
        ("#INV-0042", "INV-0042"),
        ("ABCD", "ABCD"),
        ("A" * 40, "A" * 40),
        ("ＩＮＶ－１２３", "INV-123"),
    ],
)
def test_parse_invoice_number_accepts(text: str, expected: str) -> None:
    """Invoice numbers keep letters as typed and only lose surrounding spaces."""
    assert parse_invoice_number(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "Type the invoice number"),
        ("   ", "Type the invoice number"),
        ("INV", "too short"),
        ("A" * 41, "That's 41 characters"),
        ("INV 2026 0042", "no spaces"),
        ("INV#2026", "only letters, digits"),
        ("<b>1234</b>", "only letters, digits"),
        ("----", "only letters, digits"),
        ("Счёт-123", "only letters, digits"),
    ],
)
def test_parse_invoice_number_rejects(text: str, fragment: str) -> None:
    """Wrong characters or lengths are refused with an example of the expected form."""
    with pytest.raises(InputError) as caught:
        parse_invoice_number(text)
    assert fragment in caught.value.message
    assert "BDUS2026550101" in caught.value.message


# --- campaign IDs ----------------------------------------------------------------------------

C1, C2, C3 = "1790000000000000001", "1790000000000000002", "1790000000000000003"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (C1, (C1,)),
        (f"{C1},{C2}", (C1, C2)),
        (f"{C1}, {C2}", (C1, C2)),
        (f"{C1};{C2}", (C1, C2)),
        (f"{C1} {C2}", (C1, C2)),
        (f"{C1}\n{C2}\n{C3}", (C1, C2, C3)),
        (f" {C2} ,, {C1} ;\n", (C2, C1)),
        (f"{C1}, {C2}, {C1}", (C1, C2)),
        ("1234567890", ("1234567890",)),
    ],
)
def test_parse_campaign_ids_accepts(text: str, expected: tuple[str, ...]) -> None:
    """IDs split on commas, semicolons, spaces or newlines, deduplicated in typed order."""
    assert parse_campaign_ids(text) == expected


def test_parse_campaign_ids_allows_fifty() -> None:
    """Exactly 50 distinct IDs are accepted."""
    ids = [str(1790000000000000000 + n) for n in range(50)]
    assert parse_campaign_ids(", ".join(ids)) == tuple(ids)


def test_parse_campaign_ids_counts_after_deduplication() -> None:
    """Repeats don't count towards the limit of 50."""
    ids = [str(1790000000000000000 + n) for n in range(50)]
    assert len(parse_campaign_ids(" ".join(ids + ids))) == 50


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "one or more campaign IDs"),
        (" ,; \n", "one or more campaign IDs"),
        ("12345", "“12345” isn't a campaign ID"),
        (f"{C1}, abc", "“abc” isn't a campaign ID"),
        (f"{C1} 179-000", "“179-000” isn't a campaign ID"),
        # 21 digits: searched for a card anywhere (none here: nothing starts like one).
        ("179000000000000000001", "“1790000000000000000…” isn't"),
        ("abcdefghijklmnopqrstuvwxyz", "“abcdefghijklmnopqrs…” isn't"),
        (
            " ".join(str(1790000000000000000 + n) for n in range(51)),
            "That's 51 campaign IDs; please send at most 50.",
        ),
    ],
)
def test_parse_campaign_ids_rejects(text: str, fragment: str) -> None:
    """A bad item is named (cut to 20 characters); more than 50 IDs is refused."""
    with pytest.raises(InputError) as caught:
        parse_campaign_ids(text)
    assert fragment in caught.value.message


# --- whole numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("42", 42),
        (" 7 ", 7),
        ("٤٢", 42),  # Arabic-Indic digits
        ("４２", 42),  # full-width
        ("123456789012", 123456789012),
        ("²", None),
        ("¹", None),
        ("1²", None),
        ("½", None),
        ("1_000", None),
        ("+5", None),
        ("-1", None),
        ("1.0", None),
        ("", None),
        ("   ", None),
        ("1 2", None),
        ("1234567890123", None),
        ("x", None),
    ],
)
def test_whole_number(text: str, expected: int | None) -> None:
    """Digits of any script are a number; superscripts, signs and Python's spellings aren't."""
    assert whole_number(text) == expected


@settings(max_examples=500)
@given(st.text(max_size=20))
def test_whole_number_never_raises(text: str) -> None:
    """Any text gives a number or None, never an exception; the number fits the bound."""
    number = whole_number(text, most_digits=4)
    assert number is None or 0 <= number <= 9999

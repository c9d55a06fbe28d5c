"""Tests for conversations.money: reading amounts the way advertisers type them."""
# Over 400 lines: one parser's accepted and refused amount writings side by side.

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.facts import Money
from conversations.money import (
    MAX_AMOUNT,
    NoCurrency,
    ZeroAmount,
    parse_amount,
    plain_amount,
)
from conversations.texts import InputError

NBSP = "\u00a0"
NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("$120", "120.00", "USD"),
        ("120 USD", "120.00", "USD"),
        ("usd 120", "120.00", "USD"),
        ("US$ 120", "120.00", "USD"),
        ("120$", "120.00", "USD"),
        ("1.234,56 €", "1234.56", "EUR"),
        ("€1.234,56", "1234.56", "EUR"),
        ("1,234.56 USD", "1234.56", "USD"),
        ("1 234,56 EUR", "1234.56", "EUR"),
        (f"1{NBSP}234,56 EUR", "1234.56", "EUR"),
        (f"1{NNBSP}234,56 EUR", "1234.56", "EUR"),
        ("1'234.50 CHF", "1234.50", "CHF"),
        ("1’234.50 CHF", "1234.50", "CHF"),
        ("1234,5 EUR", "1234.50", "EUR"),
        ("189.90 USD", "189.90", "USD"),
        ("R$ 1.234,56", "1234.56", "BRL"),
        ("Rp 150.000", "150000", "IDR"),
        ("150.000 Rp", "150000", "IDR"),
        ("1 500 ₽", "1500.00", "RUB"),
        ("1500 руб", "1500.00", "RUB"),
        ("1500 руб.", "1500.00", "RUB"),
        ("£45.10", "45.10", "GBP"),
        ("¥12,000", "12000", "JPY"),
        ("₹2,500", "2500.00", "INR"),
        ("₫250.000", "250000", "VND"),
        ("₱1,500.75", "1500.75", "PHP"),
        ("120 eur", "120.00", "EUR"),
        ("120EUR", "120.00", "EUR"),
        ("USD120", "120.00", "USD"),
        ("99.5 sgd", "99.50", "SGD"),
        ("300 AED", "300.00", "AED"),
        ("12.345 KWD", "12.345", "KWD"),
        ("₹1,23,456.78", "123456.78", "INR"),
        ("$120 USD", "120.00", "USD"),
        ("120.00 JPY", "120", "JPY"),
        ("100000000 USD", "100000000.00", "USD"),
        ("1.234.567,89 EUR", "1234567.89", "EUR"),
        ("1,234,567 USD", "1234567.00", "USD"),
        ("１２０ USD", "120.00", "USD"),
    ],
)
def test_parse_amount_reads_common_forms(text: str, amount: str, currency: str) -> None:
    """Symbols, codes and local number styles all read as the same exact Decimal amount."""
    money = parse_amount(text, None)
    assert money == Money(Decimal(amount), currency)
    # Same value and the same number of decimal places: quantized to the currency.
    assert str(money.amount) == amount


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("120", "120.00"),
        ("1,234", "1234.00"),
        ("1.234", "1234.00"),
        ("1,234.56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1234,5", "1234.50"),
        ("189.90", "189.90"),
        ("12,34", "12.34"),
        ("0.5", "0.50"),
        ("0,50", "0.50"),
    ],
)
def test_parse_amount_uses_default_currency(text: str, amount: str) -> None:
    """Text without a currency takes the default, with the separator rules applied."""
    assert parse_amount(text, "USD") == Money(Decimal(amount), "USD")


def test_parse_amount_default_currency_is_upper_cased() -> None:
    """A lower-case default currency code is stored upper case."""
    assert parse_amount("5", "eur") == Money(Decimal("5.00"), "EUR")


def test_parse_amount_currency_in_text_beats_default() -> None:
    """A currency written in the text wins over the account's default currency."""
    assert parse_amount("€5", "USD") == Money(Decimal("5.00"), "EUR")


def test_parse_amount_single_separator_before_three_digits_groups_thousands() -> None:
    """`12.345 USD` is 12,345 dollars: a lone separator before exactly 3 digits groups thousands."""
    # The separator rules win over reading it as three decimals: Europeans write 12.345 for
    # twelve thousand. Too many decimals is pinned by test_parse_amount_rejects_too_many_decimals.
    assert parse_amount("12.345 USD", None) == Money(Decimal("12345.00"), "USD")


def test_parse_amount_three_decimal_currency_reads_three_digits_as_decimals() -> None:
    """For currencies with 3 minor digits (KWD, BHD), `1,234` is 1.234, not 1234."""
    assert parse_amount("1,234 BHD", None) == Money(Decimal("1.234"), "BHD")


def test_parse_amount_leading_zero_is_never_thousands() -> None:
    """`0.500` cannot be five hundred, so the separator is a decimal mark."""
    assert parse_amount("0.500 USD", None) == Money(Decimal("0.50"), "USD")


def test_parse_amount_never_returns_float() -> None:
    """The amount is a Decimal, never a float."""
    assert isinstance(parse_amount("$0.10", None).amount, Decimal)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "Type the amount"),
        ("   ", "Type the amount"),
        ("abc", "couldn't find a number"),
        ("USD", "couldn't find a number"),
        ("0", "more than zero"),
        ("0.00 USD", "more than zero"),
        ("$0", "more than zero"),
        ("-5", "negative"),
        ("-5 USD", "negative"),
        ("$-5", "negative"),
        ("−5 EUR", "negative"),
        ("(5)", "negative"),
        ("(5 USD)", "negative"),
        ("1e9", "plain digits"),
        ("1E3", "plain digits"),
        ("2.5e3 USD", "plain digits"),
        ("100000001 USD", "check the amount"),
        ("200,000,000 USD", "check the amount"),
        ("$120 EUR", "two currencies"),
        ("120 USD EUR", "two currencies"),
        ("€ 5 £", "two currencies"),
        ("120 XYZ", "don't know the currency"),
        ("120XYZ", "don't know the currency"),
        ("abc 120", "don't know the currency"),
        ("12abc", "couldn't read that amount"),
        ("1.2.3,4,5", "couldn't read that amount"),
        ("1,2,3.4.5 USD", "couldn't read that amount"),
        ("12 34 USD", "couldn't read that amount"),
        ("1.234 567 USD", "couldn't read that amount"),
        ("12.345.67 USD", "couldn't read that amount"),
        ("0,123,456 USD", "couldn't read that amount"),
        ("about 120 dollars maybe", "couldn't read that amount"),
        ("120 USD and 30 USD", "more than one number"),
        ("120 USD 30", "more than one number"),
        ("120 30", "couldn't read that amount"),
        ("5-", "couldn't read that amount"),
        ("120", "Which currency?"),
        ("12.50", "Which currency?"),
        ("1" * 200, "couldn't read that amount"),
    ],
)
def test_parse_amount_rejects(text: str, fragment: str) -> None:
    """Unusable amounts raise InputError with a message saying what went wrong."""
    with pytest.raises(InputError) as caught:
        parse_amount(text, None)
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    "text",
    ["12.3456 USD", "0.001 USD", "1,2345 USD", "12.5 JPY", "1,5 JPY", "¥12.5", "₫100,5"],
)
def test_parse_amount_rejects_too_many_decimals(text: str) -> None:
    """More decimals than the currency has minor units is an error, not a silent rounding."""
    with pytest.raises(InputError) as caught:
        parse_amount(text, None)
    assert "decimals" in caught.value.message


def test_parse_amount_zero_decimal_currency_says_whole_number() -> None:
    """For JPY the message asks for a whole number rather than counting decimals."""
    with pytest.raises(InputError) as caught:
        parse_amount("12.5 JPY", None)
    assert "whole number" in caught.value.message


def test_parse_amount_limit_is_in_the_currency_units() -> None:
    """The 100,000,000 ceiling applies in the currency's own units, names it, and is inclusive."""
    assert parse_amount("100000000 VND", None).amount == MAX_AMOUNT
    with pytest.raises(InputError) as caught:
        parse_amount("100.000.001 ₫", None)
    assert "100,000,000 VND" in caught.value.message


def test_parse_amount_messages_are_distinct() -> None:
    """Each kind of problem gets its own message, so the user knows what to fix."""
    samples = ["", "abc", "0", "-5", "1e9", "200000000 USD", "$5 EUR", "5 XYZ", "12abc", "120"]
    messages = set()
    for text in samples:
        with pytest.raises(InputError) as caught:
            parse_amount(text, None)
        messages.add(caught.value.message)
    assert len(messages) == len(samples)


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_parse_amount_only_raises_input_error(text: str) -> None:
    """Arbitrary text either parses or raises InputError: never any other exception."""
    try:
        money = parse_amount(text, "USD")
    except InputError as error:
        assert error.message
    else:
        assert Decimal(0) < money.amount <= MAX_AMOUNT


@settings(max_examples=200)
@given(
    st.text(alphabet="0123456789.,' $€£¥₹USDEURusdeur-()\u00a0\u202f", max_size=20),
    st.sampled_from(["USD", "JPY", "KWD", None]),
)
def test_parse_amount_only_raises_input_error_on_amount_like_text(
    text: str, default: str | None
) -> None:
    """Text made of amount-like characters also never raises anything but InputError."""
    with contextlib.suppress(InputError):
        parse_amount(text, default)


def _format(amount: Decimal, places: int, thousands: str, decimal: str, indian: bool) -> str:
    """Write an amount the way a person might, with the given separators."""
    whole, _, fraction = f"{amount:.{places}f}".partition(".")
    if indian and len(whole) > 3:
        head, tail = whole[:-3], whole[-3:]
        pairs: list[str] = []
        while head:
            pairs.insert(0, head[-2:])
            head = head[:-2]
        groups = [*pairs, tail]
    else:
        groups = []
        while whole:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
    text = thousands.join(groups)
    return f"{text}{decimal}{fraction}" if fraction else text


_STYLES = st.sampled_from(
    [
        (",", ".", False),
        (".", ",", False),
        (" ", ",", False),
        ("\u00a0", ",", False),
        ("\u202f", ",", False),
        ("'", ".", False),
        ("", ".", False),
        ("", ",", False),
        (",", ".", True),
    ]
)


@settings(max_examples=200)
@given(
    st.sampled_from([("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3), ("IDR", 0), ("HUF", 0)]),
    st.integers(min_value=1, max_value=10**8),
    st.integers(min_value=0, max_value=999),
    _STYLES,
    st.booleans(),
)
def test_parse_amount_round_trips_formatted_amounts(
    currency_places: tuple[str, int],
    units: int,
    minor: int,
    style: tuple[str, str, bool],
    code_first: bool,
) -> None:
    """Any amount written with a consistent thousands/decimal style reads back exactly."""
    currency, places = currency_places
    thousands, decimal, indian = style
    fraction = Decimal(minor % 10**places).scaleb(-places)
    amount = Decimal(units) if units == 10**8 else Decimal(units) + fraction
    # Three-decimal currencies always show their decimals; whole amounts elsewhere may not.
    shown_places = places if places == 3 or amount != amount.to_integral_value() else 0
    written = _format(amount, shown_places, thousands, decimal, indian)
    text = f"{currency} {written}" if code_first else f"{written} {currency}"
    assert parse_amount(text, None) == Money(amount.quantize(Decimal(1).scaleb(-places)), currency)


@pytest.mark.parametrize("text", ["120.999 USD", "$120.999", "12.345 EUR", "1.234"])
def test_a_lone_dot_before_three_digits_is_asked_about_when_asked_to(text: str) -> None:
    """Where a dot marks decimals and the currency has two, "120.999" might be 120,999 or a
    mistyped 120.99: a reader who can ask (the chat) gets a question naming both readings;
    nothing is guessed."""
    with pytest.raises(InputError) as caught:
        parse_amount(text, "USD", "en", ask_when_unclear=True)
    assert caught.value.message.startswith("Is that ")
    assert "without the dot" in caught.value.message


@pytest.mark.parametrize(
    ("text", "locale", "amount"),
    [
        ("1,234 USD", "en", "1234.00"),  # comma thousands: clear
        ("1,234.56 USD", "en", "1234.56"),
        ("1.234.567 USD", "en", "1234567.00"),  # repeated: grouping
        ("0.500 USD", "en", "0.50"),  # can't be thousands
        ("12.345 KWD", "en", "12.345"),  # three decimals
        ("Rp 150.000", "en", "150000"),  # no decimals
        ("120.999 USD", "pt_BR", "120999.00"),  # a dot groups thousands there
        ("189.90 USD", "en", "189.90"),
    ],
)
def test_clear_amounts_are_not_asked_about(text: str, locale: str, amount: str) -> None:
    """Only the unclear shape is asked about; everything else reads as before."""
    money = parse_amount(text, "USD", locale, ask_when_unclear=True)
    assert money == parse_amount(text, "USD", locale)
    assert str(money.amount) == amount


@pytest.mark.parametrize(
    ("text", "locale", "amount", "currency"),
    [
        ("$250 each", "en", "250.00", "USD"),
        ("about 1.234,56 €", "en", "1234.56", "EUR"),
        ("approx. 120 USD", "en", "120.00", "USD"),
        ("~120", "en", "120.00", "USD"),
        ("around 99.90 usd in total", "en", "99.90", "USD"),
        ("около 1 234,56 ₽", "ru", "1234.56", "RUB"),
        ("по 250 долларов", "ru", "250.00", "USD"),
        ("unos 250 dólares cada uno", "es", "250.00", "USD"),
        ("cerca de R$ 1.234,56", "pt_BR", "1234.56", "BRL"),
        ("Rp 150.000 masing-masing", "id", "150000", "IDR"),
        ("sekitar Rp 150.000", "id", "150000", "IDR"),
    ],
)
def test_parse_amount_passes_over_filler_words(
    text: str, locale: str, amount: str, currency: str
) -> None:
    """Issue 16 A.10: "each", "about", "около", "cada uno", "sekitar" say nothing about the
    amount."""
    assert parse_amount(text, "USD", locale) == Money(Decimal(amount), currency)


@pytest.mark.parametrize(
    ("text", "fragment"), [("each", "Type the amount"), ("about 2 or 3", "more than one")]
)
def test_filler_alone_is_still_no_amount(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_amount(text, "USD")
    assert fragment in caught.value.message


def test_zero_and_no_currency_are_told_by_type() -> None:
    """Callers (the billing-export reader) tell these two apart by the error's type, not by
    reading its English message."""
    with pytest.raises(ZeroAmount):
        parse_amount("0.00", "USD")
    with pytest.raises(NoCurrency):
        parse_amount("12.50", None)
    with pytest.raises(InputError) as other:
        parse_amount("1.2.3", "USD")
    assert not isinstance(other.value, ZeroAmount | NoCurrency)


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("1234.56", "USD", Decimal("1234.56")),
        ("1234,56", "EUR", Decimal("1234.56")),
        ("0,50", "USD", Decimal("0.50")),
        ("0.00", "USD", None),  # zero: parse_amount says why
        ("1234.56", "JPY", None),  # no decimals in yen
        ("1234.5", "USD", None),  # not the plain form
        ("1,234.56", "USD", None),
        ("$12.00", "USD", None),
        ("999999999.99", "USD", None),  # over MAX_AMOUNT
    ],
)
def test_plain_amount(text: str, currency: str, expected: Decimal | None) -> None:
    assert plain_amount(text, currency) == expected


@settings(max_examples=300)
@given(
    text=st.from_regex(r"\A\d{1,9}[.,]\d\d\Z"),
    currency=st.sampled_from(["USD", "EUR", "BRL", "IDR", "JPY", "KWD"]),
)
def test_plain_amount_reads_as_parse_amount_does(text: str, currency: str) -> None:
    """The quick reading never differs from the full one, in any of the bot's locales."""
    quick = plain_amount(text, currency)
    if quick is None:
        return
    for locale in ("en", "ru", "es", "pt_BR", "id"):
        assert parse_amount(text, currency, locale).amount == quick, locale

"""The product decides how many decimals a currency has (conversations/currencies.toml), and
reading and showing an amount follow that, whatever Babel's currency data of the day says."""

from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from bot.exports import parse_export
from bot.views import i18n
from bot.views.formats import money
from conversations.currencies import CURRENCIES_PATH, example_amount, minor_digits
from conversations.money import parse_amount
from conversations.texts import InputError

WHOLE_UNITS = ["IDR", "JPY", "KRW", "VND", "CLP", "HUF", "TWD", "ISK"]


@pytest.mark.parametrize("currency", WHOLE_UNITS)
def test_currencies_billed_in_whole_units_have_no_decimals(currency: str) -> None:
    assert minor_digits(currency) == 0
    assert minor_digits(currency.lower()) == 0


@pytest.mark.parametrize(
    ("currency", "digits"),
    [("USD", 2), ("EUR", 2), ("BRL", 2), ("RUB", 2), ("KWD", 3), ("BHD", 3), ("XYZ", 2)],
)
def test_other_currencies_follow_iso_4217_or_two(currency: str, digits: int) -> None:
    assert minor_digits(currency) == digits


def test_the_table_names_each_currency_once_with_a_reason() -> None:
    data = tomllib.loads(CURRENCIES_PATH.read_text(encoding="utf-8"))
    codes = [code for rule in data["rule"] for code in rule["currencies"]]
    assert len(codes) == len(set(codes))
    assert all(len(code) == 3 and code.isupper() for code in codes)
    assert all(rule["why"] for rule in data["rule"])
    assert "Sources:" in CURRENCIES_PATH.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("Rp 1.500.000", "en"),
        ("Rp 1.500.000", "id"),
        ("1500000 IDR", "en"),
        ("1500000.00 IDR", "en"),
        ("1.500.000,00 IDR", "id"),
        ("1,500,000 IDR", "en"),
        ("IDR 1 500 000", "ru"),
        ("1.500.000 rupiah", "id"),
    ],
)
def test_rupiah_typed_either_way_read_the_same(text: str, locale: str) -> None:
    parsed = parse_amount(text, None, locale)
    assert (parsed.amount, parsed.currency) == (Decimal(1_500_000), "IDR")
    assert str(parsed.amount) == "1500000"


@pytest.mark.parametrize("text", ["1500000.50 IDR", "12.5 HUF", "NT$ 30.5 TWD", "¥12.5"])
def test_a_fraction_of_a_whole_unit_currency_is_refused_with_a_question(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_amount(text.replace("NT$ ", ""), None)
    assert "whole number" in caught.value.message


@pytest.mark.parametrize(
    ("code", "amount", "currency", "expected"),
    [
        ("en", "1500000", "IDR", "1,500,000 IDR"),
        ("en", "1500000.00", "IDR", "1,500,000 IDR"),
        ("en", "3000", "HUF", "3,000 HUF"),
        ("en", "12.345", "KWD", "12.345 KWD"),
        ("en", "189.9", "USD", "189.90 USD"),
        ("id", "1500000", "IDR", "Rp1.500.000"),
        ("ru", "3000", "HUF", "3 000 HUF"),
        ("es", "250000", "CLP", "250.000 CLP"),
        ("pt_BR", "189.9", "USD", "US$ 189,90"),
    ],
)
def test_shown_with_the_products_decimals_in_every_language(
    code: str, amount: str, currency: str, expected: str
) -> None:
    with i18n.speaking(code):
        assert money(Decimal(amount), currency) == expected


def test_an_imported_rupiah_export_reads_whole_amounts() -> None:
    export = (
        b"Transaction time,Amount,Currency,Payment status\n"
        b"2026-11-09 10:02,150.000,IDR,Success\n"
        b"2026-11-10 08:30,1500000.00,IDR,Success\n"
    )
    report = parse_export(export, "billing.csv")
    assert report.skipped == []
    assert [(row.amount, row.currency) for row in report.rows] == [
        (Decimal(150_000), "IDR"),
        (Decimal(1_500_000), "IDR"),
    ]


@pytest.mark.parametrize("currency", WHOLE_UNITS)
def test_a_questions_example_is_a_real_charge_in_whole_unit_currencies(currency: str) -> None:
    """ "Like 190 IDR" read as a typo: whole-unit currencies get an example the size of a
    real charge, which reads back as an amount in that currency."""
    example = example_amount(currency, "189.90")
    assert example != "189.90" and example.isdigit() and int(example) >= 3000
    assert parse_amount(f"{example} {currency}", None).amount == Decimal(example)
    assert example_amount("USD", "189.90") == "189.90"
    assert example_amount("EUR", "420.00") == "420.00"

"""How many decimals each currency has: the product's rule, kept in `currencies.toml`.

Reading (`conversations.money`, `conversations.billing`) and showing (`bot.views.rendering`) an
amount both ask `minor_digits`, so what a person types and what the bot shows agree, and a
new release of Babel's currency data can't change either.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["CURRENCIES_PATH", "example_amount", "minor_digits"]

CURRENCIES_PATH = Path(__file__).resolve().parent / "currencies.toml"


@cache
def _data() -> dict[str, Any]:
    with CURRENCIES_PATH.open("rb") as file:
        return tomllib.load(file)


@cache
def _table() -> tuple[int, dict[str, int]]:
    data = _data()
    default = data["default"]
    digits: dict[str, int] = {}
    for rule in data["rule"]:
        for code in rule["currencies"]:
            if code in digits:
                raise ValueError(f"{CURRENCIES_PATH.name}: {code} is in two rules")
            digits[code] = rule["digits"]
    return default, digits


@cache
def minor_digits(currency: str) -> int:
    """The decimals an amount in `currency` (an ISO 4217 code) is billed and shown with."""
    default, digits = _table()
    return digits.get(currency.upper(), default)


def example_amount(currency: str, usual: str) -> str:
    """The amount a question shows as its example in `currency`: `usual` (an amount as
    in USD, "189.90"), or one the size of a real charge where the currency's unit is
    small ("1500000" for IDR)."""
    examples: dict[str, str] = _data().get("examples", {})
    return examples.get(currency.upper(), usual)

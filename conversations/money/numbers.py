"""Reading the number of an amount: which separators group thousands and which one
marks decimals, what the currency's minor units allow; and the messages for amounts
that cannot be read."""

from __future__ import annotations

import re
from decimal import Decimal

from conversations.texts import N_, InputError

# Anything bigger is almost certainly a typo (an ID pasted into the amount, an extra zero).
MAX_AMOUNT = Decimal(100_000_000)


# One number: digit runs joined by single separators. Spaces and apostrophes only ever group
# thousands ("1 234,56", "1'234.50"); "." and "," may be either role and are decided below.
_NUMBER = re.compile(r"\d+(?:[.,'’ ]\d+)*")
_SCIENTIFIC = re.compile(r"\d\s*e[+-]?\d", re.IGNORECASE)
_LETTERS = re.compile(r"[^\W\d_]+")
_MINUS = frozenset("-−–—")  # people type every kind of dash as a minus

_EMPTY = N_("Type the amount, like 120.50 USD or $120.")
_NO_DIGITS = N_("I couldn't find a number in that. Type it like 120.50 USD or $120.")
_UNREADABLE = N_("I couldn't read that amount. Type it like 120.50 USD or $120.")
_TWO_NUMBERS = N_("I see more than one number there. Type just one amount, like 120.50 USD.")
_NEGATIVE = N_("The amount can't be negative — type it without a minus, like 120.50 USD.")
_SCIENTIFIC_MSG = N_("Please type the amount in plain digits, like 1000000 USD (not 1e6).")
_ZERO = N_("The amount must be more than zero. Type it like 120.50 USD or $120.")
_NO_CURRENCY = N_("Which currency? Type it like 120 USD.")


class ZeroAmount(InputError):
    """The amount read is zero (so a caller can tell it from other errors without reading
    the English message)."""


class NoCurrency(InputError):
    """The text names no currency and no default was given."""


def _read_number(raw: str, precision: int, *, decimal_comma: bool) -> Decimal:
    """Decide which separators group thousands and which one marks decimals."""
    parts = re.split(r"([.,'’ ])", raw)
    groups, seps = parts[0::2], parts[1::2]
    if not seps:
        return Decimal(raw)

    decimal_at = _decimal_separator_index(groups, seps, precision, decimal_comma=decimal_comma)
    thousand_seps = seps if decimal_at is None else seps[:decimal_at]
    int_groups = groups if decimal_at is None else groups[: decimal_at + 1]
    if len(set(thousand_seps)) > 1:
        # "1.234 567" mixes two thousands styles: no reading is safe.
        raise InputError(_UNREADABLE)
    if thousand_seps and not _valid_grouping(int_groups, thousand_seps[0]):
        raise InputError(_UNREADABLE)

    integer = "".join(int_groups)
    if decimal_at is None:
        return Decimal(integer)
    return Decimal(f"{integer}.{groups[-1]}")


def _decimal_separator_index(
    groups: list[str], seps: list[str], precision: int, *, decimal_comma: bool
) -> int | None:
    """Index in `seps` of the decimal separator, or None when every separator groups thousands."""
    marks = [i for i, sep in enumerate(seps) if sep in ".,"]
    kinds = {seps[i] for i in marks}
    if not marks:
        return None
    last = marks[-1]
    if len(kinds) == 2:
        # Both occur: the last one marks decimals and must be the only one of its kind.
        if seps.count(seps[last]) > 1 or last != len(seps) - 1:
            raise InputError(_UNREADABLE)
        return last
    if len(marks) > 1:
        return None  # "1.234.567": repeated, so grouping
    if last != len(seps) - 1:
        return None  # "1,234 567" style: a decimal mark can only come last
    if decimal_comma:
        # Where a comma marks decimals, a lone comma always does ("12,5", "1,234" is 1.234);
        # a lone dot groups thousands before exactly three digits ("1.234"), and is read as
        # a decimal point otherwise ("189.90" is still typed that way, "0.500" too).
        if seps[last] == ",":
            return last
        if len(groups[-1]) == 3 and not groups[0].startswith("0"):
            return None
        return last
    if len(groups[-1]) == 3 and precision != 3 and not groups[0].startswith("0"):
        # "1,234" is one thousand two hundred thirty-four. Not so where the currency itself
        # has three decimals (KWD, BHD, ...) or the number starts with 0 ("0.500").
        return None
    return last


def _valid_grouping(int_groups: list[str], sep: str) -> bool:
    if not int_groups[0] or len(int_groups[0]) > 3 or int_groups[0].startswith("0"):
        return False
    if all(len(g) == 3 for g in int_groups[1:]):
        return True
    # Indian lakh/crore grouping, "1,23,456.78", is common for INR.
    return (
        sep == ","
        and len(int_groups[0]) <= 2
        and len(int_groups[-1]) == 3
        and all(len(g) == 2 for g in int_groups[1:-1])
    )


def _checked(amount: Decimal, currency: str, precision: int) -> Decimal:
    """Refuse amounts the currency cannot hold, then quantize to its minor units."""
    # Trailing zeros are harmless: "120.00 JPY" is 120 yen.
    exponent = amount.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite: built from digits only
    if -exponent > precision:
        if precision == 0:
            raise InputError(
                N_(
                    "%(currency)s amounts have no decimals — type a whole number, "
                    "like 1200 %(currency)s."
                ),
                currency=currency,
            )
        raise InputError(
            N_("%(currency)s amounts have at most %(digits)s decimals — check the amount?"),
            currency=currency,
            digits=precision,
        )
    if amount > MAX_AMOUNT:
        raise InputError(
            N_("That's more than 100,000,000 %(currency)s — check the amount?"), currency=currency
        )
    return amount.quantize(Decimal(1).scaleb(-precision))

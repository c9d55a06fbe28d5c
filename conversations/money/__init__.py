"""Reading an amount of money the way advertisers type it.

This package owns turning free text such as ``$120``, ``1.234,56 €`` or ``Rp 150.000``
into a `Money` (a `Decimal` plus an ISO 4217 code), and the friendly `InputError`
messages for text that cannot be read as one amount in one currency.

The reader's locale (a plain code such as ``ru`` or ``pt_BR``) decides the one case the
separators alone cannot: where a comma is the decimal mark, ``1,5`` and ``1,234`` are
decimals and a lone dot before three digits (``1.234``) groups thousands. It also adds
the currency words and symbols people write in that language (``руб.``, ``reais``, ``MXN$``).

The package's parts: `reading` (what callers use), `numbers` (the number and its
checks) and `words` (currency words and symbols by language). Underscored names are
private to the package.
"""

from conversations.money.numbers import MAX_AMOUNT, NoCurrency, ZeroAmount
from conversations.money.reading import parse_amount, plain_amount

__all__ = ["MAX_AMOUNT", "NoCurrency", "ZeroAmount", "parse_amount", "plain_amount"]

"""What an export's lines above its header say about its ad account."""

from __future__ import annotations

import re
from dataclasses import dataclass

from conversations.billing.cells import _identifier
from conversations.billing.headers import _fold, _known_codes
from conversations.inputs import contains_card_number, mask_card_numbers


@dataclass(frozen=True)
class ExportTitle:
    """What an export's lines above its header say about its ad account ("Ad account:
    Acme Shoes (7301234567890123456)", "Advertiser ID: …", "Currency: USD"): each None
    when they don't say."""

    advertiser_id: str | None = None
    name: str | None = None
    currency: str | None = None


_NAME_LABELS = ("name", "nombre", "nome", "название", "имя", "nama")
_CURRENCY_LABELS = ("currency", "moneda", "moeda", "валюта", "matauang")
_TITLE_ID = re.compile(r"(?<!\d)\d{15,20}(?!\d)")


def _read_title(lines: list[str]) -> ExportTitle:
    advertiser_id = name = currency = None
    for line in lines:
        label, colon, value = line.partition(":")
        label_key = _fold(label) if colon else ""
        found = _TITLE_ID.search(line)
        if found and advertiser_id is None and not contains_card_number(found.group()):
            advertiser_id = found.group()
            # "Ad account: Acme Shoes (7301234567890123456)": the name before the ID.
            before = (value if colon else line)[: max(0, found.start() - len(label) - 1)]
            named = before.strip(" \t-–—(|,").strip() if colon else ""
            if named and not named.isdigit():
                name = _identifier(mask_card_numbers(named)[:120])
            continue
        if not colon or not value.strip():
            continue
        if name is None and any(word in label_key for word in _NAME_LABELS):
            name = _identifier(mask_card_numbers(value.strip())[:120])
        elif currency is None and any(word in label_key for word in _CURRENCY_LABELS):
            code = value.strip().upper()[:3]
            if code in _known_codes():
                currency = code
    return ExportTitle(advertiser_id, name, currency)

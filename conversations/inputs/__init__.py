"""Reading identifiers and free text that advertisers type.

This package owns the rules for advertiser, Business Center and campaign IDs, card
last-4 digits, invoice and ticket numbers, whole numbers typed or carried by buttons, and
the cleaning of free text before it is stored: invisible characters removed, card numbers
masked, length bounded. It leaves HTML and template syntax alone: escaping is the
renderer's job.

It also owns the one card-number detector (`mask_card_numbers`, `contains_card_number`):
every piece of text a person gives the bot passes through it before it is stored, shown
back, logged or exported, and identifier fields refuse what it finds.

The package's parts: `ids` (identifiers and numbers), `cards` (the card-number detector)
and `text` (free text). Underscored names are private to the package.
"""

from conversations.inputs.cards import contains_card_number, is_card_number, mask_card_numbers
from conversations.inputs.ids import (
    parse_advertiser_id,
    parse_business_center_id,
    parse_campaign_ids,
    parse_card_last4,
    parse_invoice_number,
    parse_ticket,
    whole_number,
)
from conversations.inputs.text import clean_text, storable

__all__ = [
    "clean_text",
    "contains_card_number",
    "is_card_number",
    "mask_card_numbers",
    "parse_advertiser_id",
    "parse_business_center_id",
    "parse_campaign_ids",
    "parse_card_last4",
    "parse_invoice_number",
    "parse_ticket",
    "storable",
    "whole_number",
]

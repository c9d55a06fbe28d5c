"""The signature under a person's messages to TikTok: a name and a way to reach them.

It is user text that goes into every message they send, so it passes the same card
detector as every other answer: a card number is refused (never kept, not even masked:
a signature has no business holding one), and what is kept is cleaned like free text.
"""

from __future__ import annotations

from conversations.inputs import clean_text, contains_card_number
from conversations.texts import N_, InputError

MAX_SIGNATURE = 120  # a name, a role and an email or phone fit easily

_CARD = N_(
    "That looks like a card number, and I never keep those. Type your name and an email "
    "or phone number instead."
)


def parse_signature(text: str) -> str:
    """The signature as it will be printed: one line, cleaned; InputError if unusable."""
    if contains_card_number(text):
        raise InputError(_CARD)
    # One line: it sits under "Thank you," in the message.
    return clean_text(" ".join(text.split()), max_len=MAX_SIGNATURE)

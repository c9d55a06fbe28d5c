"""Telegram Mini App `initData`: checked as Telegram's documentation specifies, and made.

"Validating data received via the Mini App": the data-check-string is every received
field except `hash`, as `key=value` lines sorted by key and joined by a line feed;
`secret_key = HMAC_SHA256(key="WebAppData", msg=bot_token)`; the data is Telegram's when
`hex(HMAC_SHA256(key=secret_key, msg=data_check_string))` equals `hash`. `auth_date` says
when Telegram signed it: older than the allowed age, it is refused (a leaked link must
not open the board for ever).

No Telegram library here: the board's HTTP handlers and the terminal's development link
use it, and the tests check it on its own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

# Signed in the future by more than this: a clock skew we forgive, beyond it a forgery.
CLOCK_SKEW_SECONDS = 60


class InitDataError(Exception):
    """initData that isn't Telegram's, or is too old; the text says which (for logs)."""


@dataclass(frozen=True)
class MiniAppUser:
    """The person Telegram vouches for, from validated initData only."""

    id: int
    first_name: str
    username: str | None
    language_code: str | None
    auth_date: int


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: Mapping[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign(fields: Mapping[str, str], bot_token: str) -> str:
    """The `hash` Telegram puts on these fields for this bot."""
    check = data_check_string(fields).encode()
    return hmac.new(secret_key(bot_token), check, hashlib.sha256).hexdigest()


def make_init_data(
    bot_token: str,
    user: Mapping[str, Any],
    auth_date: int | None = None,
    extra: Mapping[str, str] | None = None,
) -> str:
    """initData as Telegram would hand it to the page (a query string): for the terminal's
    development link and for tests."""
    fields = {
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
        "user": json.dumps(dict(user), separators=(",", ":"), ensure_ascii=False),
        **(extra or {}),
    }
    fields["hash"] = sign(fields, bot_token)
    return urlencode(fields)


def validate(
    init_data: str, bot_token: str, max_age_seconds: float, now: float | None = None
) -> MiniAppUser:
    """The user initData names, if Telegram signed it for this bot within `max_age_seconds`;
    otherwise InitDataError."""
    if not init_data:
        raise InitDataError("no initData")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError as error:
        raise InitDataError("initData is not a query string") from error
    fields = dict(pairs)
    if len(fields) != len(pairs):
        # A repeated key: which one was signed would be ambiguous.
        raise InitDataError("a field is repeated")
    given = fields.get("hash", "")
    if not given:
        raise InitDataError("no hash")
    expected = sign(fields, bot_token)
    if not hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode()):
        raise InitDataError("the hash does not match")
    try:
        auth_date = int(fields["auth_date"])
    except (KeyError, ValueError) as error:
        raise InitDataError("no auth_date") from error
    moment = time.time() if now is None else now
    if moment - auth_date > max_age_seconds:
        raise InitDataError("auth_date is too old")
    if auth_date - moment > CLOCK_SKEW_SECONDS:
        raise InitDataError("auth_date is in the future")
    try:
        user = json.loads(fields["user"])
        user_id = user["id"]
    except (KeyError, ValueError, TypeError) as error:
        raise InitDataError("no user") from error
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise InitDataError("the user id is not a number")
    username = user.get("username")
    language = user.get("language_code")
    return MiniAppUser(
        id=user_id,
        first_name=str(user.get("first_name") or ""),
        username=username if isinstance(username, str) else None,
        language_code=language if isinstance(language, str) else None,
        auth_date=auth_date,
    )

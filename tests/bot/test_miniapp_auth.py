"""initData checked as Telegram's Mini App documentation says (bot.telegram.miniapp_auth)."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.telegram.miniapp_auth import InitDataError, make_init_data, validate

TOKEN = "7012345678:AAHq3Zr9xYk2LmN0pQ4sT6uV8wX1yZ3aB5c"
NOW = 1_800_000_000
USER = {"id": 4242, "first_name": "Rita", "username": "rita", "language_code": "es"}


def telegram_hash(fields: dict[str, str], token: str) -> str:
    """The documentation's recipe, written out here independently of the module."""
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "hash")
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()


def signed(**fields: str) -> str:
    fields.setdefault("auth_date", str(NOW - 10))
    fields.setdefault("user", '{"id":4242,"first_name":"Rita","username":"rita"}')
    fields["hash"] = telegram_hash(fields, TOKEN)
    return urlencode(fields)


def test_valid_init_data_names_the_user() -> None:
    data = signed(query_id="AAE1", chat_type="private")
    user = validate(data, TOKEN, 3600, now=NOW)
    assert (user.id, user.first_name, user.username) == (4242, "Rita", "rita")


def test_made_init_data_is_what_telegram_would_sign() -> None:
    data = make_init_data(TOKEN, USER, auth_date=NOW - 5)
    fields = dict(parse_qsl(data))
    assert fields["hash"] == telegram_hash(fields, TOKEN)
    assert validate(data, TOKEN, 3600, now=NOW).language_code == "es"


def test_a_forged_hash_is_refused() -> None:
    fields = dict(parse_qsl(signed()))
    fields["hash"] = telegram_hash(fields, "7012345678:another-bots-token-entirely-xx")
    with pytest.raises(InitDataError, match="hash"):
        validate(urlencode(fields), TOKEN, 3600, now=NOW)


def test_a_changed_field_is_refused() -> None:
    fields = dict(parse_qsl(signed()))
    fields["user"] = fields["user"].replace("4242", "4243")
    with pytest.raises(InitDataError, match="hash"):
        validate(urlencode(fields), TOKEN, 3600, now=NOW)


def test_an_added_field_is_refused() -> None:
    with pytest.raises(InitDataError, match="hash"):
        validate(signed() + "&start_param=x", TOKEN, 3600, now=NOW)


def test_stale_init_data_is_refused() -> None:
    data = signed(auth_date=str(NOW - 3601))
    with pytest.raises(InitDataError, match="too old"):
        validate(data, TOKEN, 3600, now=NOW)
    assert validate(data, TOKEN, 7200, now=NOW).id == 4242


def test_init_data_from_the_future_is_refused() -> None:
    with pytest.raises(InitDataError, match="future"):
        validate(signed(auth_date=str(NOW + 3600)), TOKEN, 3600, now=NOW)


@pytest.mark.parametrize(
    "data",
    [
        "",
        "auth_date=1&user=%7B%7D",  # no hash
        "garbage",
        signed(user="not json"),
        signed(user='{"id":"4242"}'),
        signed(user='{"first_name":"Nobody"}'),
    ],
)
def test_missing_or_broken_init_data_is_refused(data: str) -> None:
    with pytest.raises(InitDataError):
        validate(data, TOKEN, 3600, now=NOW)


def test_a_repeated_field_is_refused() -> None:
    with pytest.raises(InitDataError):
        validate(signed() + "&auth_date=" + str(NOW), TOKEN, 3600, now=NOW)

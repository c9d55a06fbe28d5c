"""What a button says when it is pressed: one codec for every button the bot makes.

A button's `callback_data` is a `Callback` written as colon-separated fields, its kind
first. The wire format is the one the bot has always sent, so a button from yesterday
still means what it said:

    i:<token>:<seq>:<action>[:<value>]   a question of the intake: its token and step
    k:<token>:<action>[:<value>]          a case's button (the value: the case's version)
    m:case:<token>                        "Case #12 ›": show a case
    m:<menu>[:<action>[:<value>]]         a menu: imports, settings, languages, accounts…

The value is the last field and may itself hold colons ("m:forget:yes:<user>:<print>");
the other fields never do. Telegram refuses `callback_data` over 64 bytes, so `encode`
refuses to make one (every button is checked where it is made, not when Telegram says no).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Telegram rejects callback_data over 64 bytes (Bot API, InlineKeyboardButton).
MAX_CALLBACK_BYTES = 64


class Kind(StrEnum):
    """What a button belongs to: its value is the wire prefix."""

    INTAKE = "i"
    CASE = "k"
    SHOW_CASE = "m:case"
    NEW = "m:new"
    IMPORT = "m:imp"
    FORGET = "m:forget"
    SETTINGS = "m:set"
    LANGUAGE = "m:lang"
    ACCOUNTS = "m:acc"
    STATS = "m:stats"
    CASES = "m:cases"


# The fields each kind carries after its prefix, in order; the last may hold colons.
_LAYOUT: dict[Kind, tuple[str, ...]] = {
    Kind.INTAKE: ("token", "seq", "action", "value"),
    Kind.CASE: ("token", "action", "value"),
    Kind.SHOW_CASE: ("token",),
}
_MENU_LAYOUT = ("action", "value")
# The kinds by their wire prefix, as plain strings (looked up once per button pressed).
_BY_WIRE: dict[str, Kind] = {kind.value: kind for kind in Kind}


class CallbackTooLong(ValueError):
    """A button whose data Telegram would refuse."""


@dataclass(frozen=True, slots=True)
class Callback:
    """One button's meaning. `token` names an intake or a case, `seq` the intake's step the
    button was shown at; `action` is what to do and `value` what with."""

    kind: Kind
    token: str = ""
    seq: int | None = None
    action: str = ""
    value: str = ""

    def encode(self) -> str:
        """The `callback_data` for this button (at most 64 bytes). Every field but the last
        must be there and free of colons, so that `decode` reads the button back as itself
        (tests/bot/test_callbacks.py checks that for any button)."""
        kind = self.kind
        if kind is Kind.INTAKE:
            fixed = [self.token, "" if self.seq is None else str(self.seq), self.action]
        elif kind is Kind.CASE:
            fixed = [self.token, self.action]
        elif kind is Kind.SHOW_CASE:
            fixed = [self.token]
        else:
            fixed = [self.action] if self.action else []
        for text in fixed:
            if not text or ":" in text:
                raise ValueError(f"a button that would not read back as itself: {self!r}")
        if kind is Kind.SHOW_CASE and (self.value or self.action or self.seq is not None):
            raise ValueError(f"a button that would not read back as itself: {self!r}")
        if kind in _LAYOUT and kind is not Kind.INTAKE and self.seq is not None:
            raise ValueError(f"a button that would not read back as itself: {self!r}")
        if kind not in _LAYOUT and (self.token or self.seq is not None):
            raise ValueError(f"{kind.name} is a menu: it carries no token or step")
        if self.value:
            if kind is Kind.SHOW_CASE or (kind not in _LAYOUT and not self.action):
                raise ValueError(f"a button that would not read back as itself: {self!r}")
            fixed.append(self.value)
        data = ":".join([kind.value, *fixed])
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise CallbackTooLong(f"callback_data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
        return data

    @property
    def parts(self) -> list[str]:
        """The value's own colon-separated parts ("yes:42:ab12" → ["yes", "42", "ab12"])."""
        return self.value.split(":") if self.value else []


def decode(data: str) -> Callback | None:
    """The button `data` stands for, or None for data no button of the bot ever carried
    (forged, or cut short). Never raises: the data comes from a client."""
    if not data or len(data) > MAX_CALLBACK_BYTES or len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    head, _sep, rest = data.partition(":")
    if head == "m":
        name, _sep, rest = rest.partition(":")
        head = "m:" + name
    kind = _BY_WIRE.get(head)
    if kind is None:
        return None
    if kind is Kind.INTAKE:
        fields = rest.split(":", 3)
        if len(fields) < 3:
            return None
        token, seq, action = fields[0], fields[1], fields[2]
        if not token or not action or not seq.isascii() or not seq.isdigit():
            return None
        if len(fields) > 3 and not fields[3]:
            return None  # a separator before an empty value: no button ends so
        return Callback(kind, token, int(seq), action, fields[3] if len(fields) > 3 else "")
    if kind is Kind.CASE:
        fields = rest.split(":", 2)
        if len(fields) < 2 or not fields[0] or not fields[1] or fields[2:] == [""]:
            return None
        return Callback(
            kind, fields[0], action=fields[1], value=fields[2] if len(fields) > 2 else ""
        )
    if kind is Kind.SHOW_CASE:
        return Callback(kind, rest) if rest and ":" not in rest else None
    action, _sep, value = rest.partition(":")
    if _sep and not (action and value):
        return None
    return Callback(kind, action=action, value=value)


def intake(token: str, seq: int, action: str, value: str = "") -> str:
    """An intake question's button: what `Callback(Kind.INTAKE, …).encode()` writes, made
    without the object (a question has up to a dozen buttons, every update makes them)."""
    if not token or not action or ":" in token or ":" in action or seq < 0:
        raise ValueError(f"an intake button can't be {(token, seq, action)!r}")
    data = f"i:{token}:{seq}:{action}:{value}" if value else f"i:{token}:{seq}:{action}"
    if len(data) > MAX_CALLBACK_BYTES // 4 and len(data.encode()) > MAX_CALLBACK_BYTES:
        raise CallbackTooLong(f"callback_data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def case(token: str, action: str, value: str = "") -> str:
    """A case's button."""
    return Callback(Kind.CASE, token, action=action, value=value).encode()


def menu(kind: Kind, action: str = "", value: str = "") -> str:
    """A menu's button ("m:set:menu:tz" is `menu(Kind.SETTINGS, "menu", "tz")`)."""
    if kind in _LAYOUT:
        raise ValueError(f"{kind.name} is not a menu")
    return Callback(kind, action=action, value=value).encode()


def show_case(token: str) -> str:
    """ "Case #12 ›": the button that shows a case."""
    return Callback(Kind.SHOW_CASE, token).encode()

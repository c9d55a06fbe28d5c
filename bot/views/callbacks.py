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
# Longest prefix first, so "m:cases" is not read as "m:case" and "s".
_BY_PREFIX = sorted(Kind, key=lambda kind: -len(kind.value))


class CallbackTooLong(ValueError):
    """A button whose data Telegram would refuse."""


@dataclass(frozen=True)
class Callback:
    """One button's meaning. `token` names an intake or a case, `seq` the intake's step the
    button was shown at; `action` is what to do and `value` what with."""

    kind: Kind
    token: str = ""
    seq: int | None = None
    action: str = ""
    value: str = ""

    def encode(self) -> str:
        """The `callback_data` for this button (at most 64 bytes)."""
        fields = [self.kind.value]
        layout = _LAYOUT.get(self.kind, _MENU_LAYOUT)
        values = [self._field(name) for name in layout]
        # Trailing empty fields are left off ("m:new", "i:…:a" without a value).
        while values and values[-1] == "":
            values.pop()
        for name, text in zip(layout[:-1], values[:-1], strict=False):
            if ":" in text or text == "":
                raise ValueError(f"a button's {name} can't be {text!r}")
        data = ":".join([*fields, *values])
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise CallbackTooLong(f"callback_data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
        if decode(data) != self:
            raise ValueError(f"a button that would not read back as itself: {self!r}")
        return data

    def _field(self, name: str) -> str:
        if name == "seq":
            return "" if self.seq is None else str(self.seq)
        value: str = getattr(self, name)
        return value

    @property
    def parts(self) -> list[str]:
        """The value's own colon-separated parts ("yes:42:ab12" → ["yes", "42", "ab12"])."""
        return self.value.split(":") if self.value else []


def decode(data: str) -> Callback | None:
    """The button `data` stands for, or None for data no button of the bot ever carried
    (forged, or cut short). Never raises: the data comes from a client."""
    if not data or len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    kind = next((k for k in _BY_PREFIX if data == k.value or data.startswith(k.value + ":")), None)
    if kind is None:
        return None
    rest = data[len(kind.value) + 1 :]
    layout = _LAYOUT.get(kind, _MENU_LAYOUT)
    values = rest.split(":", len(layout) - 1) if rest else []
    fields = dict(zip(layout, values, strict=False))
    seq: int | None = None
    if "seq" in fields:
        if not fields["seq"].isascii() or not fields["seq"].isdigit():
            return None
        seq = int(fields["seq"])
    callback = Callback(
        kind,
        token=fields.get("token", ""),
        seq=seq,
        action=fields.get("action", ""),
        value=fields.get("value", ""),
    )
    if kind in _LAYOUT and (
        not callback.token or (kind is not Kind.SHOW_CASE and not callback.action)
    ):
        return None
    if kind is Kind.INTAKE and seq is None:
        return None
    return callback


def intake(token: str, seq: int, action: str, value: str = "") -> str:
    """An intake question's button."""
    return Callback(Kind.INTAKE, token, seq, action, value).encode()


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

"""The button codec: every button reads back as itself, fits Telegram's 64 bytes, and the
buttons sent before the codec existed still mean what they said."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.db.records import new_token
from bot.views import callbacks
from bot.views.callbacks import MAX_CALLBACK_BYTES, Callback, CallbackTooLong, Kind, decode

FIELD = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters=":", exclude_categories=["Cs"]),
    min_size=1,
    max_size=8,
)
VALUE = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


@st.composite
def any_callback(draw: st.DrawFn) -> Callback:
    kind = draw(st.sampled_from(list(Kind)))
    if kind is Kind.INTAKE:
        return Callback(kind, draw(FIELD), draw(st.integers(0, 10**9)), draw(FIELD), draw(VALUE))
    if kind is Kind.CASE:
        return Callback(kind, draw(FIELD), action=draw(FIELD), value=draw(VALUE))
    if kind is Kind.SHOW_CASE:
        return Callback(kind, draw(FIELD))
    action = draw(st.one_of(st.just(""), FIELD))
    return Callback(kind, action=action, value=draw(VALUE) if action else "")


@given(any_callback())
def test_every_button_reads_back_as_itself(callback: Callback) -> None:
    try:
        data = callback.encode()
    except CallbackTooLong:
        return
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    assert decode(data) == callback


@given(st.text(max_size=80))
def test_any_data_from_a_client_decodes_or_is_refused_without_raising(data: str) -> None:
    callback = decode(data)
    if callback is not None:
        assert callback.encode() == data


@given(
    st.sampled_from(["i", "k", "m", "m:case", "m:cases", "m:new", "m:imp", "m:set", "x"]),
    st.text(alphabet="a1:", max_size=12),
)
@example("i", "t:2:L:0:")
@example("m:stats", "all:")
@example("k", "t:r:")
def test_data_close_to_a_button_reads_back_exactly_or_is_refused(prefix: str, rest: str) -> None:
    data = f"{prefix}:{rest}" if rest else prefix
    callback = decode(data)
    if callback is not None:
        assert callback.encode() == data


def test_a_value_may_end_with_an_empty_part_but_is_never_empty_after_a_colon() -> None:
    # "Older ›" in a charge list: page 0, no month or amount filter.
    assert decode("i:t:2:L:0::") == Callback(Kind.INTAKE, "t", 2, "L", "0::")
    assert decode("m:stats:all:") is None
    assert decode("k:t:r:") is None


@given(FIELD, st.integers(0, 10**9), FIELD, VALUE)
def test_an_intake_button_made_quickly_is_the_one_the_codec_writes(
    token: str, seq: int, action: str, value: str
) -> None:
    try:
        expected = Callback(Kind.INTAKE, token, seq, action, value).encode()
    except CallbackTooLong:
        with pytest.raises(CallbackTooLong):
            callbacks.intake(token, seq, action, value)
        return
    assert callbacks.intake(token, seq, action, value) == expected


def test_the_buttons_sent_before_the_codec_keep_their_meaning() -> None:
    assert decode("i:AbC-d_12:7:a:3") == Callback(Kind.INTAKE, "AbC-d_12", 7, "a", "3")
    assert decode("i:tok:7:L:2:2026-11:120.00") == Callback(
        Kind.INTAKE, "tok", 7, "L", "2:2026-11:120.00"
    )
    assert decode("k:tok:r:12") == Callback(Kind.CASE, "tok", action="r", value="12")
    assert decode("k:tok:M") == Callback(Kind.CASE, "tok", action="M")
    assert decode("m:case:tok") == Callback(Kind.SHOW_CASE, "tok")
    assert decode("m:cases:open") == Callback(Kind.CASES, action="open")
    assert decode("m:new") == Callback(Kind.NEW)
    assert decode("m:imp:case:f:42") == Callback(Kind.IMPORT, action="case", value="f:42")
    assert decode("m:forget:yes:42:ab12") == Callback(Kind.FORGET, action="yes", value="42:ab12")
    assert decode("m:set:menu:tz").parts == ["tz"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "data",
    ["", "x", "i", "i:tok", "i:tok:seven:a", "i:tok:7", "k:tok", "k::r", "m:case", "m:cases2:x"],
)
def test_data_no_button_carried_is_refused(data: str) -> None:
    assert decode(data) is None


def test_a_button_over_64_bytes_is_refused_where_it_is_made() -> None:
    with pytest.raises(CallbackTooLong):
        callbacks.menu(Kind.IMPORT, "map", "é" * 40)
    assert decode("m:imp:map:" + "9" * 60) is None


def test_a_field_that_would_not_read_back_is_refused() -> None:
    with pytest.raises(ValueError):
        callbacks.case("to:k", "r")
    with pytest.raises(ValueError):
        callbacks.menu(Kind.SETTINGS, "", "tz")
    with pytest.raises(ValueError):
        callbacks.menu(Kind.CASE, "r")


def test_the_longest_buttons_the_bot_makes_fit() -> None:
    """Each button with the longest values it can carry: a token, a step far into a long
    intake, 19-digit Telegram user ids and database ids, the /forget fingerprint."""
    token = max((new_token() for _ in range(50)), key=len)
    big = str(2**63 - 1)
    made = [
        callbacks.intake(token, 99_999, "L", f"9999:2026-12:{'9' * 15}.99"),
        callbacks.intake(token, 99_999, "V", f"99:{'x' * 24}"),
        callbacks.intake(token, 99_999, "a", big),
        callbacks.case(token, "M" + big),
        callbacks.case(token, "r", "99999999"),
        callbacks.show_case(token),
        callbacks.menu(Kind.FORGET, "yes", f"{big}:{'f' * 10}"),
        callbacks.menu(Kind.IMPORT, "case", f"f:{big}"),
        callbacks.menu(Kind.IMPORT, "acc", big),
        callbacks.menu(Kind.ACCOUNTS, "rm", big),
        callbacks.menu(Kind.SETTINGS, "menu", "quiet"),
        callbacks.menu(Kind.LANGUAGE, "pt_BR"),
    ]
    for data in made:
        assert len(data.encode()) <= MAX_CALLBACK_BYTES, data

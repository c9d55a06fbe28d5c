"""Tests for conversations.dates: reading charge dates and counting working days."""
# Over 400 lines: one grammar's accepted and refused date writings side by side.

from __future__ import annotations

import contextlib
from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.dates import (
    Ambiguous,
    When,
    add_business_days,
    days_between,
    full_year,
    month_number,
    parse_after,
    parse_when,
)
from conversations.texts import InputError

TODAY = date(2026, 11, 26)  # a Thursday


@pytest.mark.parametrize(
    ("text", "day", "at"),
    [
        ("2026-11-03", date(2026, 11, 3), None),
        ("2026/11/03", date(2026, 11, 3), None),
        ("2026.11.03", date(2026, 11, 3), None),
        ("2026-11-03 10:02", date(2026, 11, 3), time(10, 2)),
        ("2026-11-03T10:02:00", date(2026, 11, 3), time(10, 2)),
        ("2026-11-03T10:02:30", date(2026, 11, 3), time(10, 2, 30)),
        ("3 Nov", date(2026, 11, 3), None),
        ("3 nov", date(2026, 11, 3), None),
        ("3 NOV", date(2026, 11, 3), None),
        ("3 November 2026", date(2026, 11, 3), None),
        ("Nov 3", date(2026, 11, 3), None),
        ("November 3, 2026", date(2026, 11, 3), None),
        ("3rd Nov", date(2026, 11, 3), None),
        ("1st Nov", date(2026, 11, 1), None),
        ("22nd Oct", date(2026, 10, 22), None),
        ("3rd of November", date(2026, 11, 3), None),
        ("Nov. 3", date(2026, 11, 3), None),
        ("3-Nov-2026", date(2026, 11, 3), None),
        ("9 Nov 10:02", date(2026, 11, 9), time(10, 2)),
        ("9 Nov, 10:02", date(2026, 11, 9), time(10, 2)),
        ("10:02 9 Nov", date(2026, 11, 9), time(10, 2)),
        ("9 Nov at 10:02", date(2026, 11, 9), time(10, 2)),
        ("Tuesday, November 3, 2026 at 10:02", date(2026, 11, 3), time(10, 2)),
        ("Mon 9 Nov", date(2026, 11, 9), None),
        ("9 Nov 10am", date(2026, 11, 9), time(10, 0)),
        ("9 Nov 10 am", date(2026, 11, 9), time(10, 0)),
        ("9 Nov 3:05 pm", date(2026, 11, 9), time(15, 5)),
        ("9 Nov 3:05PM", date(2026, 11, 9), time(15, 5)),
        ("9 Nov 12am", date(2026, 11, 9), time(0, 0)),
        ("9 Nov 12pm", date(2026, 11, 9), time(12, 0)),
        ("9 Nov 0:00", date(2026, 11, 9), time(0, 0)),
        ("9 Nov 23:59", date(2026, 11, 9), time(23, 59)),
        ("03.11.2026", date(2026, 11, 3), None),
        ("3.11.26", date(2026, 11, 3), None),
        ("3 Nov 26", date(2026, 11, 3), None),
        ("Nov 3 26", date(2026, 11, 3), None),
        ("03.11.2026 10:02", date(2026, 11, 3), time(10, 2)),
        ("3/3/2026", date(2026, 3, 3), None),
        ("23/11/2026", date(2026, 11, 23), None),
        ("11/23/2026", date(2026, 11, 23), None),
        ("23-11-2026", date(2026, 11, 23), None),
        ("today", TODAY, None),
        ("Today", TODAY, None),
        ("yesterday", date(2026, 11, 25), None),
        ("yesterday 10:02", date(2026, 11, 25), time(10, 2)),
        ("Monday", date(2026, 11, 23), None),
        ("last Monday", date(2026, 11, 23), None),
        ("on Tuesday at 3pm", date(2026, 11, 24), time(15, 0)),
        ("this past Friday", date(2026, 11, 20), None),
        ("last Thursday", date(2026, 11, 19), None),  # today is Thursday: a week ago
        ("wed.", date(2026, 11, 25), None),
        ("Sun 10:02", date(2026, 11, 22), time(10, 2)),
        ("3 days ago", date(2026, 11, 23), None),
        ("1 day ago", date(2026, 11, 25), None),
        ("0 days ago", TODAY, None),
        ("1 Jan", date(2026, 1, 1), None),
        ("Sept 3", date(2026, 9, 3), None),
        ("sep 3", date(2026, 9, 3), None),
        ("September 3", date(2026, 9, 3), None),
        ("26 Nov", TODAY, None),
        ("27 Nov", date(2025, 11, 27), None),
        ("3 Dec", date(2025, 12, 3), None),
        ("June 5", date(2026, 6, 5), None),
        ("5 jul", date(2026, 7, 5), None),
        ("٣ Nov", date(2026, 11, 3), None),
        ("  3 Nov.  ", date(2026, 11, 3), None),
    ],
)
def test_parse_when_reads_common_forms(text: str, day: date, at: time | None) -> None:
    """Every supported way of writing a date (and optional time) gives one exact When."""
    assert parse_when(text, TODAY) == When(day, at)


def test_parse_when_month_without_year_is_most_recent_past() -> None:
    """A day-and-month is the latest such date not after today (3 Dec on 26 Nov is last year)."""
    assert parse_when("3 Dec", date(2026, 11, 26)) == When(date(2025, 12, 3), None)
    assert parse_when("3 Dec", date(2026, 12, 3)) == When(date(2026, 12, 3), None)


def test_parse_when_29_february_without_year_looks_back_to_a_leap_year() -> None:
    """29 Feb without a year is the latest 29 Feb that existed."""
    assert parse_when("29 Feb", TODAY) == When(date(2024, 2, 29), None)


@pytest.mark.parametrize(
    ("text", "first", "second"),
    [
        ("03/11/2026", date(2026, 11, 3), date(2026, 3, 11)),
        ("3/11/26", date(2026, 11, 3), date(2026, 3, 11)),
        ("3-11-2026", date(2026, 11, 3), date(2026, 3, 11)),
        ("04/05/2026", date(2026, 5, 4), date(2026, 4, 5)),
        ("04/05/2026 10:02", date(2026, 5, 4), date(2026, 4, 5)),
    ],
)
def test_parse_when_numeric_dates_can_be_ambiguous(text: str, first: date, second: date) -> None:
    """Slash/dash dates readable both ways offer both readings, day-first first."""
    parsed = parse_when(text, TODAY)
    assert isinstance(parsed, Ambiguous)
    assert [option.day for option in parsed.options] == [first, second]


def test_parse_when_ambiguous_options_carry_the_time() -> None:
    """Both readings of an ambiguous date keep the time the person typed."""
    parsed = parse_when("04/05/2026 10:02", TODAY)
    assert parsed == Ambiguous(
        (When(date(2026, 5, 4), time(10, 2)), When(date(2026, 4, 5), time(10, 2)))
    )


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("12/11/2026", date(2026, 11, 12)),  # 11 Dec 2026 would be in the future
        ("11/12/2026", date(2026, 11, 12)),  # 11 Dec 2026 would be in the future
        ("01/12/2023", date(2023, 12, 1)),  # 12 Jan 2023 is more than 3 years ago
        ("3/3/2026", date(2026, 3, 3)),  # both readings are the same day
    ],
)
def test_parse_when_only_valid_readings_are_offered(text: str, day: date) -> None:
    """When only one reading of a numeric date is acceptable, it is returned as a When."""
    assert parse_when(text, TODAY) == When(day, None)


def test_parse_when_dotted_dates_are_day_first() -> None:
    """Dots mean day-first everywhere, so 03.11.2026 is never ambiguous."""
    assert parse_when("03.11.2026", TODAY) == When(date(2026, 11, 3), None)


def test_parse_when_two_digit_year_is_this_century() -> None:
    """A two-digit year YY means 20YY."""
    assert parse_when("23/11/25", TODAY) == When(date(2025, 11, 23), None)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "couldn't read that date"),
        ("   ", "couldn't read that date"),
        ("soon", "couldn't read that date"),
        ("blah 3", "couldn't read that date"),
        ("3 Foo", "couldn't read that date"),
        ("2026-11", "couldn't read that date"),
        ("10.02", "couldn't read that date"),
        ("9 Nov 10:02 11:00", "couldn't read that date"),
        ("2026-11-03T10:02:00Z", "couldn't read that date"),
        ("x" * 200, "couldn't read that date"),
        ("31 Feb", "doesn't exist"),
        ("31 Feb 2026", "doesn't exist"),
        ("30/02/2026", "doesn't exist"),
        ("2026-13-01", "doesn't exist"),
        ("0 Nov", "doesn't exist"),
        ("13/13/2026", "doesn't exist"),
        ("0000-01-01", "doesn't exist"),
        ("27 Nov 2026", "in the future"),
        ("2026-12-01", "in the future"),
        ("12/12/2026", "in the future"),
        ("1 Jan 2020", "more than 3 years ago"),
        ("2023-11-25", "more than 3 years ago"),
        ("9 Nov 25:00", "no 25:00"),
        ("9 Nov 10:60", "no 10:60"),
        ("9 Nov 13pm", "no 13pm"),
        ("9 Nov 0am", "no 0am"),
        ("10:02", "which day"),
        ("last week", "couldn't read that date"),
        ("Monday Tuesday", "couldn't read that date"),
        ("last", "couldn't read that date"),
        ("2000 days ago", "more than 3 years ago"),
    ],
)
def test_parse_when_rejects(text: str, fragment: str) -> None:
    """Dates that can't be used raise InputError saying what's wrong."""
    with pytest.raises(InputError) as caught:
        parse_when(text, TODAY)
    assert fragment in caught.value.message


@pytest.mark.parametrize("text", ["soon", "31 Feb", "9 Nov 25:00", "10:02", "13/13/2026"])
def test_parse_when_errors_show_the_expected_form(text: str) -> None:
    """Format errors show an example of what to type."""
    with pytest.raises(InputError) as caught:
        parse_when(text, TODAY)
    assert "like" in caught.value.message


def test_parse_when_future_message() -> None:
    """A date after today gets the plain future-date message."""
    with pytest.raises(InputError) as caught:
        parse_when("2026-12-01", TODAY)
    assert caught.value.message == "That date is in the future — check it?"


def test_parse_when_oldest_allowed_day_is_inclusive() -> None:
    """A date exactly max_age_days ago is accepted; one day more is not."""
    limit = TODAY - timedelta(days=3 * 365)
    assert parse_when(limit.isoformat(), TODAY) == When(limit, None)
    with pytest.raises(InputError):
        parse_when((limit - timedelta(days=1)).isoformat(), TODAY)


@pytest.mark.parametrize(
    ("max_age_days", "wording"),
    [
        (3 * 365, "That's more than 3 years ago — check the year?"),
        (365, "That's more than a year ago — check the year?"),
        (730, "That's more than 2 years ago — check the year?"),
        (90, "That's more than 90 days ago — check the date?"),
    ],
)
def test_parse_when_too_old_message_words_the_limit(max_age_days: int, wording: str) -> None:
    """The too-old message states the limit in words taken from max_age_days."""
    with pytest.raises(InputError) as caught:
        parse_when("1 Jan 2000", TODAY, max_age_days=max_age_days)
    assert caught.value.message == wording


@pytest.mark.parametrize("text", ["9 Nov 10:02", "10am 9 Nov", "2026-11-03T10:02:00"])
def test_parse_when_time_refused_when_not_allowed(text: str) -> None:
    """With allow_time=False a time in the answer is an error, not silently dropped."""
    with pytest.raises(InputError) as caught:
        parse_when(text, TODAY, allow_time=False)
    assert "without the time" in caught.value.message


def test_parse_when_date_only_fine_when_time_not_allowed() -> None:
    """With allow_time=False a plain date still parses."""
    assert parse_when("9 Nov", TODAY, allow_time=False) == When(date(2026, 11, 9), None)


def test_parse_when_ambiguity_with_both_readings_rejected_reports_day_first_problem() -> None:
    """If neither reading of a numeric date is valid, the day-first reading's problem is shown."""
    with pytest.raises(InputError) as caught:
        parse_when("05/12/2026", date(2026, 1, 1))
    assert "future" in caught.value.message


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_parse_when_only_raises_input_error(text: str) -> None:
    """Arbitrary text either parses or raises InputError: never any other exception."""
    try:
        parsed = parse_when(text, TODAY)
    except InputError as error:
        assert error.message
    else:
        options = parsed.options if isinstance(parsed, Ambiguous) else (parsed,)
        assert all(option.day <= TODAY for option in options)


@settings(max_examples=200)
@given(st.text(alphabet="0123456789/-.: apmNovJanDecT", max_size=24))
def test_parse_when_only_raises_input_error_on_date_like_text(text: str) -> None:
    """Text made of date-like characters also never raises anything but InputError."""
    with contextlib.suppress(InputError):
        parse_when(text, TODAY)


@settings(max_examples=200)
@given(st.dates(min_value=TODAY - timedelta(days=3 * 365), max_value=TODAY))
def test_parse_when_round_trips_iso_and_named_month(day: date) -> None:
    """Any acceptable date written as ISO or as "D Month YYYY" reads back as itself."""
    assert parse_when(day.isoformat(), TODAY) == When(day, None)
    assert parse_when(day.strftime("%d %B %Y"), TODAY) == When(day, None)
    assert parse_when(day.strftime("%b %d, %Y"), TODAY) == When(day, None)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Fri + 1 -> Mon
        (date(2026, 11, 28), 1, date(2026, 11, 30)),  # Sat + 1 -> Mon
        (date(2026, 11, 29), 1, date(2026, 11, 30)),  # Sun + 1 -> Mon
        (date(2026, 11, 23), 1, date(2026, 11, 24)),  # Mon + 1 -> Tue
        (date(2026, 11, 23), 5, date(2026, 11, 30)),  # Mon + 5 -> next Mon
        (date(2026, 11, 23), 6, date(2026, 12, 1)),
        (date(2026, 11, 28), 5, date(2026, 12, 4)),  # Sat + 5 -> Fri
        (date(2026, 11, 26), 10, date(2026, 12, 10)),
        (date(2026, 11, 26), 0, date(2026, 11, 26)),  # weekday + 0 -> itself
        (date(2026, 11, 28), 0, date(2026, 11, 30)),  # Sat + 0 -> Mon
        (date(2026, 11, 29), 0, date(2026, 11, 30)),  # Sun + 0 -> Mon
    ],
)
def test_add_business_days(start: date, days: int, expected: date) -> None:
    """Working days count Monday to Friday; weekends are skipped."""
    assert add_business_days(start, days) == expected


def test_add_business_days_refuses_negative() -> None:
    """Counting backwards is not supported: a negative count is a programming error."""
    with pytest.raises(ValueError):
        add_business_days(TODAY, -1)


@settings(max_examples=200)
@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    st.integers(min_value=1, max_value=400),
)
def test_add_business_days_counts_weekdays(start: date, days: int) -> None:
    """The result is a weekday with exactly `days` weekdays after start up to and including it."""
    result = add_business_days(start, days)
    assert result.weekday() < 5
    span = [start + timedelta(days=n) for n in range(1, days_between(start, result) + 1)]
    assert sum(1 for day in span if day.weekday() < 5) == days


@pytest.mark.parametrize(
    ("earlier", "later", "expected"),
    [
        (date(2026, 11, 3), date(2026, 11, 26), 23),
        (date(2026, 11, 26), date(2026, 11, 26), 0),
        (date(2025, 12, 31), date(2026, 1, 1), 1),
        (date(2024, 2, 28), date(2024, 3, 1), 2),
        (date(2026, 11, 26), date(2026, 11, 3), -23),
    ],
)
def test_days_between(earlier: date, later: date, expected: int) -> None:
    """Calendar days from earlier to later, negative when reversed."""
    assert days_between(earlier, later) == expected


# --- issue 16 A.10: filler, ordinals, hour words, lead-ins ------------------------------


@pytest.mark.parametrize(
    ("text", "locale", "day", "at"),
    [
        ("3 days ago around 10am", "en", date(2026, 11, 23), time(10, 0)),
        ("about 3 days ago", "en", date(2026, 11, 23), None),
        ("approximately 9 Nov 10:02", "en", date(2026, 11, 9), time(10, 2)),
        ("the 27th", "en", date(2026, 10, 27), None),
        ("on the 1st", "en", date(2026, 11, 1), None),
        ("2nd", "en", date(2026, 11, 2), None),
        ("the 3rd at 10 pm", "en", date(2026, 11, 3), time(22, 0)),
        ("31st", "en", date(2026, 10, 31), None),
        ("i paused it on the 27th", "en", date(2026, 10, 27), None),
        ("it was yesterday", "en", date(2026, 11, 25), None),
        ("we paused on Monday", "en", date(2026, 11, 23), None),
        ("9 Nov at 10", "en", date(2026, 11, 9), time(10, 0)),
        ("at 9 Nov", "en", date(2026, 11, 9), None),
        ("hace 2 días a las 10", "es", date(2026, 11, 24), time(10, 0)),
        ("ayer a eso de las 10", "es", date(2026, 11, 25), time(10, 0)),
        ("el día 3", "es", date(2026, 11, 3), None),
        ("dia 3 às 10", "pt_BR", date(2026, 11, 3), time(10, 0)),
        ("ontem por volta das 10", "pt_BR", date(2026, 11, 25), time(10, 0)),
        ("27-го в 10", "ru", date(2026, 10, 27), time(10, 0)),
        ("вчера около 10:00", "ru", date(2026, 11, 25), time(10, 0)),
        ("tanggal 3 pukul 10", "id", date(2026, 11, 3), time(10, 0)),
        ("kemarin sekitar pukul 10", "id", date(2026, 11, 25), time(10, 0)),
    ],
)
def test_parse_when_reads_dates_as_people_type_them(
    text: str, locale: str, day: date, at: time | None
) -> None:
    """Filler ("around", "около"), a day alone ("the 27th": the latest 27th not after
    today), an hour after its small word ("a las 10", "в 10") and a lead-in of words."""
    assert parse_when(text, TODAY, locale=locale) == When(day, at)


@pytest.mark.parametrize(
    "text", ["not yesterday", "before the 27th", "Monday Tuesday", "blah 3", "the 32nd"]
)
def test_a_lead_in_never_changes_the_meaning(text: str) -> None:
    """Words that change what a date means are not passed over; nor are two dates."""
    with pytest.raises(InputError):
        parse_when(text, TODAY)


@pytest.mark.parametrize("text", ["0ND", "the 0th", "0th"])
def test_a_day_zero_alone_is_no_date(text: str) -> None:
    """ "The 0th" is refused like "the 32nd" (it raised ValueError: found by the property
    test below, "0ND")."""
    with pytest.raises(InputError):
        parse_when(text, TODAY)


FIRST = When(date(2026, 11, 25), time(10, 0))
FIRST_DAY = When(date(2026, 11, 25), None)


@pytest.mark.parametrize(
    ("text", "first", "locale", "expected"),
    [
        ("same day", FIRST_DAY, "en", FIRST_DAY),
        ("same day, 10:06am", FIRST_DAY, "en", When(FIRST.day, time(10, 6))),
        ("yesterday, a few minutes later", FIRST_DAY, "en", FIRST_DAY),
        ("a few minutes later", FIRST, "en", FIRST_DAY),
        ("6 minutes later", FIRST, "en", When(FIRST.day, time(10, 6))),
        ("6 minutes later", FIRST_DAY, "en", FIRST_DAY),
        ("an hour later", FIRST, "en", When(FIRST.day, time(11, 0))),
        ("yesterday, 6 mins later", FIRST, "en", When(FIRST.day, time(10, 6))),
        ("5 minutos después", FIRST, "es", When(FIRST.day, time(10, 5))),
        ("el mismo día a las 11", FIRST_DAY, "es", When(FIRST.day, time(11, 0))),
        ("no mesmo dia", FIRST_DAY, "pt_BR", FIRST_DAY),
        ("через 5 минут", FIRST, "ru", When(FIRST.day, time(10, 5))),
        ("в тот же день в 10:06", FIRST_DAY, "ru", When(FIRST.day, time(10, 6))),
        ("5 menit kemudian", FIRST, "id", When(FIRST.day, time(10, 5))),
        ("same day, a few minutes later", FIRST, "en", FIRST_DAY),
        ("the same day, 6 minutes later", FIRST, "en", When(FIRST.day, time(10, 6))),
        ("el mismo día, 5 minutos después", FIRST, "es", When(FIRST.day, time(10, 5))),
        ("9 Nov 10:08", FIRST, "en", None),
    ],
)
def test_parse_after_reads_the_other_charge_from_the_first(
    text: str, first: When, locale: str, expected: When | None
) -> None:
    """ "same day" and "N minutes later" are told from the first charge; other text is
    left to parse_when (None)."""
    assert parse_after(text, first, TODAY, locale=locale) == expected


def test_parse_after_crosses_midnight_and_refuses_the_future() -> None:
    late = When(date(2026, 11, 24), time(23, 58))
    assert parse_after("5 minutes later", late, TODAY) == When(date(2026, 11, 25), time(0, 3))
    tonight = When(TODAY, time(23, 58))
    with pytest.raises(InputError, match="future"):
        parse_after("5 minutes later", tonight, TODAY)


def test_parse_after_refuses_a_date_that_is_not_the_first_ones() -> None:
    with pytest.raises(InputError, match="doesn't fit the first charge's date"):
        parse_after("9 Nov, a few minutes later", FIRST_DAY, TODAY)


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("Nov", 11),
        ("november", 11),
        ("Sept.", 9),
        ("ноября", 11),
        ("Нояб", 11),
        ("май", 5),
        ("noviembre", 11),
        ("setiembre", 9),
        ("março", 3),
        ("marco", 3),
        ("dez", 12),
        ("Agt", 8),
        ("agustus", 8),
        ("mei", 5),
    ],
)
def test_month_number_knows_every_language_the_bot_speaks(name: str, number: int) -> None:
    """One set of month names (the billing-export reader's too), English everywhere."""
    assert month_number(name) == number


@pytest.mark.parametrize("name", ["", "xyz", "janv", "brumaire", "monday"])
def test_month_number_is_none_for_other_words(name: str) -> None:
    assert month_number(name) is None


@pytest.mark.parametrize(("digits", "year"), [("26", 2026), ("2026", 2026), ("99", 2099)])
def test_full_year(digits: str, year: int) -> None:
    """Two digits are this century (the same rule in typed dates and export cells)."""
    assert full_year(digits) == year

"""Tests for conversations.zones: time zones by city and quiet hours as people type them
(issue 16 A.10)."""

from __future__ import annotations

from datetime import time

import pytest

from conversations.zones import parse_quiet_hours, zone_named


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("manila", "Asia/Manila"),
        ("Manila", "Asia/Manila"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("sao paulo", "America/Sao_Paulo"),
        ("São Paulo", "America/Sao_Paulo"),
        ("ho chi minh", "Asia/Ho_Chi_Minh"),
        ("HoChiMinh", "Asia/Ho_Chi_Minh"),
        ("asia/manila", "Asia/Manila"),
        ("buenos aires", "America/Buenos_Aires"),
        ("  jakarta ", "Asia/Jakarta"),
    ],
)
def test_zone_named_by_city_or_name(text: str, zone: str) -> None:
    assert zone_named(text) == zone


@pytest.mark.parametrize("text", ["", "atlantis", "new", "x" * 200, "Etc", "GMT+3 city"])
def test_zone_named_none_for_no_zone(text: str) -> None:
    assert zone_named(text) is None


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("22:00-08:00", (time(22), time(8))),
        ("22:00–08:00", (time(22), time(8))),
        ("10pm-7am", (time(22), time(7))),
        ("10 pm - 7 am", (time(22), time(7))),
        ("10:30pm to 6:45am", (time(22, 30), time(6, 45))),
        ("12am-6AM", (time(0), time(6))),
        ("22-8", (time(22), time(8))),
        ("9 p.m.-9 a.m.", (time(21), time(9))),
    ],
)
def test_quiet_hours_24_and_12_hour(text: str, hours: tuple[time, time]) -> None:
    assert parse_quiet_hours(text) == hours


@pytest.mark.parametrize(
    "text", ["", "22:00", "13pm-7am", "0am-7am", "25:00-08:00", "22:60-08:00", "10m-7am", "a-b"]
)
def test_quiet_hours_refused(text: str) -> None:
    assert parse_quiet_hours(text) is None

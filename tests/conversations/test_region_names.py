"""Reading an ad account's country as people type it (conversations/regions.py; named apart
from tests/bot/test_regions.py, as the test folders are not packages)."""

from __future__ import annotations

import pytest

from conversations.regions import COMMON_REGIONS, known_regions, parse_region, region_name
from conversations.texts import InputError


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Vietnam", "VN"),
        ("VN", "VN"),
        ("vn", "VN"),
        ("Việt Nam", "VN"),
        ("Viet Nam", "VN"),
        ("Japón", "JP"),
        ("Japon", "JP"),
        ("Япония", "JP"),
        ("Jepang", "JP"),
        ("日本", "JP"),
        ("Brasil", "BR"),
        ("Brazil", "BR"),
        ("Tailândia", "TH"),
        ("México", "MX"),
        ("the Philippines", "PH"),
        ("in Indonesia", "ID"),
        ("USA", "US"),
        ("Estados Unidos", "US"),
        ("  united   kingdom ", "GB"),
        ("UK", "GB"),
        ("Россия", "RU"),
        ("Taiwan", "TW"),
        ("Malaysia", "MY"),
    ],
)
def test_names_and_codes_in_the_bots_languages_and_the_countrys_own(typed: str, code: str) -> None:
    """Names in en, ru, es, pt_BR and id, the country's own name, and ISO codes are read,
    without regard to case, accents or extra spaces."""
    assert parse_region(typed) == code


@pytest.mark.parametrize(
    "typed", ["Narnia", "XX", "EU", "", "   ", "4111 1111 1111 1111", "x" * 500]
)
def test_unknown_names_are_refused_kindly(typed: str) -> None:
    """Anything that names no country is refused with a re-ask that shows how to answer."""
    with pytest.raises(InputError, match="I don't know that country"):
        parse_region(typed)


def test_the_buttons_and_names() -> None:
    """The offered countries are real codes, and each has a name in every spoken language."""
    assert set(COMMON_REGIONS) <= known_regions()
    assert {"VN", "JP", "TW", "MY", "ID", "TH"} <= set(COMMON_REGIONS)
    assert region_name("JP", "es") == "Japón"
    assert region_name("VN", "ru") == "Вьетнам"
    assert region_name("BR", "pt_BR") == "Brasil"
    assert region_name("jp") == "Japan"

"""Typography and locale in English, French and Spanish: the zone as people say it, 24-hour times,
Babel's dates, and French's no-break spaces before : ; ! ? in text built outside the catalogs."""

from datetime import UTC, date, datetime

import pytest

from idmevents import i18n


@pytest.fixture
def speak():
    tokens = []

    def use(language: str) -> None:
        tokens.append(i18n.set_language(language))

    yield use
    for token in reversed(tokens):
        i18n.reset_language(token)


@pytest.mark.parametrize(
    ("language", "new_york", "zurich_winter", "amman"),
    [
        ("en", "New York time (UTC−4)", "Zurich time (UTC+1)", "Amman time (UTC+3)"),
        ("fr", "heure de New York (UTC−4)", "heure de Zurich (UTC+1)", "heure d’Amman (UTC+3)"),
        ("es", "hora de Nueva York (UTC−4)", "hora de Zúrich (UTC+1)", "hora de Ammán (UTC+3)"),
    ],
)
def test_zone_named_by_its_city_with_the_offset_of_that_day(
    speak, language, new_york, zurich_winter, amman
):
    speak(language)
    assert i18n.zone_name("America/New_York", date(2027, 4, 20)) == new_york
    assert i18n.zone_name("Europe/Zurich", date(2027, 1, 20)) == zurich_winter
    assert i18n.zone_name("Asia/Amman", date(2027, 1, 20)) == amman


def test_offsets_use_a_real_minus_and_minutes():
    summer = datetime(2027, 7, 1, 12, tzinfo=UTC)
    assert i18n.utc_offset(summer, "America/Sao_Paulo") == "UTC\u22123"
    assert i18n.utc_offset(summer, "Asia/Kolkata") == "UTC+5:30"
    assert i18n.utc_offset(summer, "Atlantic/Reykjavik") == "UTC"
    assert i18n.zone_abbreviation(summer, "America/Sao_Paulo") == "UTC\u22123"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Jul 1, 2027, 14:30 CEST"),
        ("fr", "1 juil. 2027, 14:30 CEST"),
        ("es", "1 jul 2027, 14:30 CEST"),
    ],
)
def test_times_are_24_hour_and_dates_through_babel(speak, language, expected):
    speak(language)
    moment = datetime(2027, 7, 1, 12, 30, tzinfo=UTC)
    assert i18n.local_datetime(moment, "Europe/Zurich") == expected
    assert i18n.local_time(moment, "America/New_York", with_zone=False) == "08:30"


@pytest.mark.parametrize(
    ("language", "colon", "question"),
    [("en", ":", "?"), ("es", ":", "?"), ("fr", "\u00a0:", "\u202f?")],
)
def test_punctuation_spaced_as_each_language_sets_it(speak, language, colon, question):
    speak(language)
    assert i18n.colon() == colon
    assert i18n.punctuation("?") == question

"""Local times labelled with their zone, and the choice of language."""

from datetime import UTC, date, datetime

from idmevents import i18n


def test_local_time_names_the_zone_in_daylight_time():
    moment = datetime(2027, 4, 20, 14, 0, tzinfo=UTC)
    assert i18n.local_time(moment, "America/New_York") == "10:00 EDT"
    assert i18n.local_time(datetime(2027, 7, 20, 8, 0, tzinfo=UTC), "Europe/Zurich") == "10:00 CEST"


def test_local_time_names_the_zone_in_standard_time():
    assert (
        i18n.local_time(datetime(2027, 1, 12, 15, 0, tzinfo=UTC), "America/New_York") == "10:00 EST"
    )
    assert i18n.local_time(datetime(2027, 1, 12, 9, 0, tzinfo=UTC), "Europe/Zurich") == "10:00 CET"


def test_local_date_follows_the_zone_not_utc():
    late_evening = datetime(2027, 4, 21, 2, 0, tzinfo=UTC)  # 22:00 on the 20th in New York
    assert i18n.local_date(late_evening, "America/New_York") == "Tuesday, April 20, 2027"


def test_date_formatting_follows_the_current_language():
    token = i18n.set_language("fr")
    try:
        assert i18n.local_date(date(2027, 7, 20)) == "mardi 20 juillet 2027"
    finally:
        i18n.reset_language(token)
    assert i18n.local_date(date(2027, 7, 20)) == "Tuesday, July 20, 2027"


def test_pick_language_prefers_query_then_accept_language():
    assert i18n.pick_language("fr-CH, en;q=0.8", None) == "fr"
    assert i18n.pick_language("de-DE, es;q=0.5, en;q=0.4", None) == "es"
    assert i18n.pick_language("fr", "es") == "es"
    assert i18n.pick_language("de", "xx") == "en"
    assert i18n.pick_language(None, None) == "en"


def test_english_catalog_is_loaded():
    assert i18n.translations("en").gettext("Meetings") == "Meetings"

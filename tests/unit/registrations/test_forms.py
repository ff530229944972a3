"""What the registration form accepts as an email, a name, a country."""

import pytest

from idmevents.registrations.countries import COUNTRY_CODES, country_choices, country_name
from idmevents.registrations.services import normalize_email, single_line


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("ana@example.org", "ana@example.org"),
        ("  Ana.Rojas+idm@Example.ORG ", "Ana.Rojas+idm@example.org"),
        ("o'brien@mission.gov.ie", "o'brien@mission.gov.ie"),
        ("jose@exämple.org", "jose@xn--exmple-cua.org"),
    ],
)
def test_email_addresses_we_can_write_to(typed, kept):
    assert normalize_email(typed) == kept


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "ana",
        "ana@",
        "@example.org",
        "ana@example",
        "ana@@example.org",
        "ana..rojas@example.org",
        ".ana@example.org",
        "ana rojas@example.org",
        "ana@exa mple.org",
        "ana@-example.org",
        "ana@example.123",
        "Ana <ana@example.org>",
        "ana@example.org\r\nBcc: victim@example.com",
        "a" * 65 + "@example.org",
    ],
)
def test_email_addresses_we_refuse(typed):
    assert normalize_email(typed) is None


def test_single_line_folds_white_space_and_drops_control_characters():
    assert single_line(" Ana\r\n\tMaría\x00\x1b  Rojas ") == "Ana María Rojas"


def test_countries_are_the_249_iso_codes():
    assert len(COUNTRY_CODES) == 249
    assert {"CH", "US", "PS", "VA", "SS"} <= COUNTRY_CODES
    assert not {"EU", "UN", "XK", "ZZ", "001"} & COUNTRY_CODES


def test_country_names_follow_the_readers_language_and_alphabet():
    french = country_choices("fr")
    names = [name for _, name in french]
    assert ("CH", "Suisse") in french
    assert names.index("Égypte") < names.index("Érythrée") < names.index("Espagne")
    assert country_name("DE", "es") == "Alemania"
    assert country_name("", "en") == ""

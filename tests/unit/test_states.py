"""The States on UNTERM's list, their names in three languages and their order in each."""

import importlib.util
import json
from collections import Counter

import pytest

from idmevents.registrations.countries import COUNTRY_CODES
from idmevents.states import (
    STATE_CODES,
    iom_status,
    is_state,
    state_choices,
    state_name,
    un_status,
)
from tests.support.environment import ROOT

STATES_JSON = ROOT / "src" / "idmevents" / "data" / "states.json"


def neighbours(language: str, name: str) -> tuple[str, str, str]:
    names = [choice_name for _, choice_name in state_choices(language)]
    at = names.index(name)
    return names[at - 1], names[at], names[at + 1]


def test_states_are_the_un_members_and_observers():
    assert len(STATE_CODES) == 195
    assert {code for code in STATE_CODES if un_status(code) == "observer"} == {"PS", "VA"}


def test_states_file_has_one_entry_per_state_sorted_by_code():
    codes = [entry["code"] for entry in json.loads(STATES_JSON.read_text("utf-8"))]
    assert codes == sorted(STATE_CODES)


@pytest.mark.parametrize(
    ("code", "english", "french", "spanish"),
    [
        (
            "BO",
            "Bolivia (Plurinational State of)",
            "Bolivie (État plurinational de)",
            "Bolivia (Estado Plurinacional de)",
        ),
        ("TR", "Türkiye", "Türkiye", "Türkiye"),
        ("CI", "Côte d'Ivoire", "Côte d'Ivoire", "Côte d'Ivoire"),
        ("KR", "Republic of Korea", "République de Corée", "República de Corea"),
        ("PS", "State of Palestine", "État de Palestine", "Estado de Palestina"),
        ("VA", "Holy See", "Saint-Siège", "Santa Sede"),
    ],
)
def test_state_name_in_each_language(code, english, french, spanish):
    assert (state_name(code, "en"), state_name(code, "fr"), state_name(code, "es")) == (
        english,
        french,
        spanish,
    )


def test_state_name_regional_locale_uses_its_language():
    assert (state_name("VA", "fr_CH"), state_name("VA", "es-MX")) == ("Saint-Siège", "Santa Sede")


def test_state_name_language_without_names_falls_back_to_english():
    assert state_name("VA", "ru") == "Holy See"


def test_state_name_unknown_code_raises_key_error():
    with pytest.raises(KeyError):
        state_name("TW", "en")


def test_every_state_is_named_in_english_french_and_spanish():
    unnamed = {
        (code, language)
        for code in STATE_CODES
        for language in ("en", "fr", "es")
        if not state_name(code, language).strip()
    }
    assert unnamed == set()


def test_territories_and_unrecognised_states_are_not_states():
    # Taiwan, Hong Kong, Antarctica, Bouvet Island, Kosovo; Cook Islands and Niue (UNTERM lists
    # them, but they are neither UN Members nor observer States).
    outside = {"TW", "HK", "AQ", "BV", "XK", "CK", "NU"}
    assert {code for code in outside if is_state(code)} == set()


def test_state_codes_are_all_iso_3166_country_codes():
    not_in_cldr = STATE_CODES - COUNTRY_CODES
    assert not_in_cldr == set()


def test_iom_status_holy_see_member_palestine_neither():
    assert (iom_status("VA"), iom_status("PS"), iom_status("FR")) == ("member", None, "member")


def test_iom_status_values():
    assert {iom_status(code) for code in STATE_CODES} == {"member", "observer", None}


def _make_states():
    spec = importlib.util.spec_from_file_location(
        "make_states", ROOT / "scripts" / "make_states.py"
    )
    make_states = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_states)
    return make_states


def test_iom_counts_are_those_the_script_documents():
    """173 Members, 8 observers and 14 neither among the 195 States (scripts/make_states.py cites
    the sources): with the Cook Islands, not a State here, IOM's 175 Members of 2022-2025, less
    Nicaragua, whose withdrawal took effect on 31 December 2025."""
    counts = Counter(iom_status(code) for code in STATE_CODES)
    assert (counts["member"], counts["observer"], counts[None]) == (173, 8, 14)
    observers = {code for code in STATE_CODES if iom_status(code) == "observer"}
    assert observers == {"BH", "BT", "ID", "KW", "MY", "QA", "SA", "SM"}
    # The admissions since 2011 that the count rests on, and the States still outside.
    joined = ("VA", "NR", "LC", "KN", "KI", "ER", "ST", "CN", "CU", "UZ", "RU", "BB")
    assert {code: iom_status(code) for code in joined} == dict.fromkeys(joined, "member")
    outside = ("IQ", "SY", "LB", "NI", "PS", "AD")
    assert {code: iom_status(code) for code in outside} == dict.fromkeys(outside)


def test_every_member_iom_lists_for_its_development_fund_is_a_member():
    """iom.int/eligible-member-states-line-2 (August 2024) names these as IOM Member States."""
    confirmed = _make_states().IOM_LINE_2_MEMBERS
    assert len(confirmed) == 103
    assert {code for code in confirmed if iom_status(code) != "member"} == set()


def test_state_choices_french_ignores_accents_and_apostrophes():
    assert neighbours("fr", "Côte d'Ivoire") == ("Costa Rica", "Côte d'Ivoire", "Croatie")
    assert neighbours("fr", "Égypte") == ("Dominique", "Égypte", "El Salvador")
    assert neighbours("fr", "État de Palestine") == (
        "Eswatini",
        "État de Palestine",
        "États-Unis d'Amérique",
    )


def test_state_choices_english_order():
    assert neighbours("en", "Côte d'Ivoire") == ("Costa Rica", "Côte d'Ivoire", "Croatia")
    assert neighbours("en", "Türkiye") == ("Tunisia", "Türkiye", "Turkmenistan")


def test_state_choices_spanish_order():
    assert neighbours("es", "Türkiye") == ("Túnez", "Türkiye", "Turkmenistán")
    assert neighbours("es", "Egipto") == ("Ecuador", "Egipto", "El Salvador")
    assert neighbours("es", "España") == ("Eslovenia", "España", "Estado de Palestina")


def test_state_choices_spanish_enye_sorts_after_n():
    from idmevents.states import _collation_key

    words = ["Ñandú", "Nueva", "Oso", "Nabo"]
    assert sorted(words, key=lambda word: _collation_key(word, "es")) == [
        "Nabo",
        "Nueva",
        "Ñandú",
        "Oso",
    ]


def test_state_choices_every_state_once():
    assert sorted(code for code, _ in state_choices("fr")) == sorted(STATE_CODES)


def test_state_choices_regional_locale_is_its_language():
    assert state_choices("fr_CA") is state_choices("fr")


def test_make_states_reproduces_the_file_byte_for_byte():
    pytest.importorskip(
        "hdx.location.country",
        reason="hdx-python-country is not installed (pip install -e '.[dev]')",
    )
    make_states = _make_states()
    assert make_states.render(make_states.build_states()) == STATES_JSON.read_text("utf-8")

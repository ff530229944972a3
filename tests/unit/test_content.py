"""The content resolver: which text a reader gets, and the language it is really in."""

import pytest

from idmevents import content

MEETING = {
    "title": "Strengthening cooperation",
    "theme": "",
    "original_language": "en",
    "translations": '{"fr": {"title": "Renforcer la coopération"}, "es": {}}',
}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ("Strengthening cooperation", "en")),
        ("fr", ("Renforcer la coopération", "fr")),
        ("es", ("Strengthening cooperation", "en")),  # no Spanish: the original, marked English
    ],
)
def test_resolve_meeting_title_by_reader_language(lang, expected):
    assert content.resolve(MEETING, "title", lang) == expected


def test_resolve_uses_the_meetings_original_language_for_other_rows():
    session = {"title": "Séance d'ouverture", "translations": {"en": {"title": "Opening"}}}
    assert content.resolve(session, "title", "en", original="fr") == ("Opening", "en")
    assert content.resolve(session, "title", "es", original="fr") == ("Séance d'ouverture", "fr")
    assert content.resolve(session, "title", "fr", original="fr") == ("Séance d'ouverture", "fr")


def test_resolve_reads_objects_and_ignores_broken_json():
    class Item:
        title = "Panel"
        translations = "not json"

    assert content.resolve(Item(), "title", "fr") == ("Panel", "en")


def test_localized_copies_only_the_fields_named():
    assert content.localized(MEETING, ("title", "theme"), "fr") == MEETING | {
        "title": "Renforcer la coopération",
        "theme": "",
    }


def test_clean_translations_applies_the_text_rules_to_each_language():
    errors: dict = {}
    cleaned = content.clean_translations(
        errors,
        {"fr": {"title": "  Titre  "}, "es": {"title": "a\nb", "colour": "x"}, "de": {}},
        content.SESSION_TEXT,
        original="en",
    )
    assert cleaned is None
    assert set(errors) == {"translations.es.title", "translations.es.colour", "translations.de"}


def test_clean_translations_refuses_the_original_language_and_trims():
    errors: dict = {}
    assert (
        content.clean_translations(
            errors, {"en": {"title": "x"}}, content.SESSION_TEXT, original="en"
        )
        is None
    )
    assert list(errors) == ["translations.en"]
    errors = {}
    assert content.clean_translations(
        errors, {"fr": {"title": "  Titre  "}}, content.SESSION_TEXT, original="en"
    ) == {"fr": {"title": "Titre"}}
    assert errors == {}


def test_merge_replaces_adds_and_removes():
    current = '{"fr": {"title": "A", "description": "B"}, "es": {"title": "C"}}'
    assert content.merge(
        current, {"fr": {"title": "A2", "description": ""}, "es": {"title": ""}}
    ) == {"fr": {"title": "A2"}}

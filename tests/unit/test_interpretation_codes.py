"""Interpretation languages: which codes are accepted, how they are stored and named."""

from __future__ import annotations

import pytest

from idmevents import i18n
from idmevents.validation import check_language_codes, language_codes


def checked(value) -> tuple[dict, dict]:
    errors: dict = {}
    values = {"interpretation": value}
    check_language_codes(errors, values)
    return errors, values


def test_codes_are_lower_cased_kept_once_in_order_and_joined_as_stored():
    assert checked(["AR", "zh", " en ", "fr", "ru", "es", "en", "ase"]) == (
        {},
        {"interpretation": "ar,zh,en,fr,ru,es,ase"},
    )
    assert checked([]) == ({}, {"interpretation": ""})
    assert checked("ar,en") == ({}, {"interpretation": "ar,en"})  # the stored text again
    assert language_codes("ar,zh,en") == ("ar", "zh", "en")
    assert language_codes("") == ()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["en", "xx"], "Unknown language code: xx."),
        (["english"], "Unknown language code: english."),
        (["en_GB"], "Unknown language code: en_gb."),
        ([1, 2], "A list of language codes"),
        ({"en": True}, "A list of language codes"),
        (
            ["en"]
            + [code for code in ("fr", "es", "ar", "zh", "ru", "pt", "de", "it", "ja")] * 3
            + ["ko", "hi", "sw", "tr", "nl", "pl", "sv", "fi", "da", "el", "he", "fa"],
            "At most 20 languages.",
        ),
    ],
)
def test_unknown_codes_and_other_shapes_are_refused(value, message):
    errors, values = checked(value)
    assert message in errors["interpretation"]
    assert values["interpretation"] == value  # left as it was


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("en", "Arabic, Chinese, English, French, Russian, and Spanish"),
        ("fr", "arabe, chinois, anglais, français, russe et espagnol"),
        ("es", "árabe, chino, inglés, francés, ruso y español"),
    ],
)
def test_languages_are_named_in_the_readers_language(language, names):
    token = i18n.set_language(language)
    try:
        assert i18n.language_names(i18n.UN_LANGUAGES) == names
    finally:
        i18n.reset_language(token)

"""The French and Spanish catalogs translate every message, keep its placeholders, and the French
one puts a non-breaking space before its colons, semicolons, question and exclamation marks."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from babel.messages.pofile import read_po

from tests.support.catalogs import catalog_ids, untranslated
from tests.support.environment import ROOT

LOCALE = ROOT / "locale"

# %(name)s, %(num)d, %(role)r, %s, %d, %% and {name}: what the code fills in or needs escaped.
PLACEHOLDER = re.compile(r"%\([^)]*\)[a-z]|%[sdr%]|\{[A-Za-z_][A-Za-z0-9_]*\}")


def catalog(language: str) -> list:
    with (LOCALE / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return [message for message in read_po(handle, locale=language) if message.id]


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


def placeholder_mismatches(language: str) -> list[str]:
    """Messages whose translation drops, adds or changes a placeholder of the English."""
    wrong = []
    for message in catalog(language):
        if isinstance(message.id, tuple):
            singular, plural = (placeholders(text) for text in message.id)
            first, *others = [placeholders(text) for text in message.string if text] or [singular]
            # The first form may follow the English singular or plural, the others the plural.
            if first not in (singular, plural) or any(form != plural for form in others):
                wrong.append(message.id[0])
        elif message.string and placeholders(message.string) != placeholders(message.id):
            wrong.append(message.id)
    return wrong


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_message_is_translated(language):
    english = catalog_ids(LOCALE / "en" / "LC_MESSAGES" / "messages.po")
    assert untranslated(english, language) == []


@pytest.mark.parametrize("language", ["fr", "es"])
def test_translations_keep_the_placeholders(language):
    assert placeholder_mismatches(language) == []


# Not French prose, so left alone: placeholders, addresses (http://…), an HTTP header as typed.
LITERAL = re.compile(PLACEHOLDER.pattern + r"|[a-z][a-z0-9+.-]*://\S*|Authorization: Bearer")
# A plain space before : ; ! ? or none at all after a letter, a placeholder or a closing mark; a
# colon between digits (a time, 10:00) is not punctuation.
BAD_SPACE = re.compile(r" [:;!?]|(?<=[^\s\d])[:;!?]|(?<=\d)[;!?]|(?<=\d):(?!\d)")
BAD_GUILLEMET = re.compile(r"«(?!\u00a0)|(?<!\u00a0)»")


def french_spacing_faults(text: str) -> list[str]:
    prose = LITERAL.sub("x", text)
    return [match.group(0) for match in BAD_SPACE.finditer(prose)] + [
        match.group(0) for match in BAD_GUILLEMET.finditer(prose)
    ]


def test_the_spacing_check_tells_right_from_wrong():
    assert french_spacing_faults("Statut: confirmée")
    assert french_spacing_faults("Statut : confirmée")
    assert french_spacing_faults("Annuler ?")
    assert french_spacing_faults("la catégorie « %(category)s »")
    assert french_spacing_faults("Programme : %(url)s")
    assert french_spacing_faults("%(name)s: confirmé")
    assert french_spacing_faults("Statut\u00a0: confirmée") == []
    assert french_spacing_faults("Annuler\u202f? Oui\u202f; non\u00a0!") == []
    assert french_spacing_faults("la catégorie «\u00a0%(category)s\u00a0»") == []
    assert french_spacing_faults("Programme\u00a0: https://example.org/a?b=1:2") == []
    assert french_spacing_faults("Une heure comme 10:00, p. ex. 2027-04-20T10:00-04:00.") == []
    assert french_spacing_faults("sous la forme Authorization: Bearer <token>.") == []


def test_french_puts_a_non_breaking_space_before_high_punctuation():
    faults = {}
    for message in catalog("fr"):
        for text in message.string if isinstance(message.string, tuple) else [message.string]:
            if found := french_spacing_faults(text):
                faults[text] = found
    assert faults == {}

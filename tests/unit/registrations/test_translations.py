"""The registration form, pages and emails exist in French and Spanish, not only in English."""

import pytest

from tests.support.catalogs import extracted, untranslated


@pytest.fixture(scope="module")
def registration_messages(tmp_path_factory) -> set:
    """Every message in the registration templates and code, as the extractor finds them."""
    return extracted(
        tmp_path_factory.mktemp("catalog"),
        "src/idmevents/registrations",
        "templates/registrations",
        "templates/email/registration",
    )


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_registration_message_is_translated(registration_messages, language):
    assert untranslated(registration_messages, language) == []

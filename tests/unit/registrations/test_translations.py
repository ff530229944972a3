"""The registration form, pages and emails exist in French and Spanish, not only in English."""

import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def registration_messages(tmp_path_factory) -> set:
    """Every message in the registration templates and code, as the extractor finds them."""
    template = tmp_path_factory.mktemp("catalog") / "registration.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_",
            "-k",
            "gettext",
            "-k",
            "ngettext:1,2",
            "-o",
            str(template),
            "--omit-header",
            "src/idmevents/registrations",
            "templates/registrations",
            "templates/email/registration",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_registration_message_is_translated(registration_messages, language):
    path = ROOT / "locale" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = {m.id: m for m in read_po(handle, locale=language) if m.id}
    untranslated = sorted(
        str(message_id)
        for message_id in registration_messages
        if message_id not in catalog
        or not all(
            catalog[message_id].string
            if isinstance(message_id, tuple)
            else [catalog[message_id].string]
        )
        or catalog[message_id].fuzzy
    )
    assert untranslated == []

"""The feeds' texts (calendar names, labels, the subscribe block, the panelist page) exist in French
and Spanish: the participant's private page and the meeting page are offered in both."""

import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def feed_messages(tmp_path_factory) -> set:
    template = tmp_path_factory.mktemp("catalog") / "feeds.pot"
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
            "-o",
            str(template),
            "--omit-header",
            "src/idmevents/feeds",
            "templates/feeds",
            "templates/panelists",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_feed_message_is_translated(feed_messages, language):
    path = ROOT / "locale" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = {m.id: m for m in read_po(handle, locale=language) if m.id}
    untranslated = sorted(
        message_id
        for message_id in feed_messages
        if message_id not in catalog or not catalog[message_id].string or catalog[message_id].fuzzy
    )
    assert (len(feed_messages) > 30, untranslated) == (True, [])

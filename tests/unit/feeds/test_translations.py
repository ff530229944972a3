"""The feeds' texts (calendar names, labels, the subscribe block, the panelist page) exist in French
and Spanish: the participant's private page and the meeting page are offered in both."""

import pytest

from tests.support.catalogs import extracted, untranslated


@pytest.fixture(scope="module")
def feed_messages(tmp_path_factory) -> set:
    return extracted(
        tmp_path_factory.mktemp("catalog"),
        "src/idmevents/feeds",
        "src/idmevents/meetings/labels.py",
        "templates/feeds",
        "templates/panelists",
    )


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_feed_message_is_translated(feed_messages, language):
    assert (len(feed_messages) > 30, untranslated(feed_messages, language)) == (True, [])

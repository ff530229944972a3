"""Every user-facing message in code and templates is in the catalogs translators work from."""

from tests.support.catalogs import catalog_ids, extracted
from tests.support.environment import ROOT


def first_ids(ids: set) -> set[str]:
    """Plural messages by their singular id, as the English catalog lists them."""
    return {message_id if isinstance(message_id, str) else message_id[0] for message_id in ids}


def test_english_catalog_has_every_message(tmp_path):
    found = first_ids(extracted(tmp_path, "src", "templates"))
    english = first_ids(catalog_ids(ROOT / "locale" / "en" / "LC_MESSAGES" / "messages.po"))
    assert found - english == set(), "run `make messages`"

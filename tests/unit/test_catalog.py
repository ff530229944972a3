"""Every user-facing message in code and templates is in the catalogs translators work from."""

import subprocess
import sys

from babel.messages.pofile import read_po

from tests.conftest import ROOT


def msgids(path) -> set[str]:
    with open(path, "rb") as handle:
        return {
            message.id if isinstance(message.id, str) else message.id[0]
            for message in read_po(handle)
            if message.id
        }


def test_english_catalog_has_every_message(tmp_path):
    template = tmp_path / "messages.pot"
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
            "--no-location",
            "--omit-header",
            "src",
            "templates",
        ],
        cwd=ROOT,
        check=True,
    )
    missing = msgids(template) - msgids(ROOT / "locale" / "en" / "LC_MESSAGES" / "messages.po")
    assert missing == set(), "run `make messages`"

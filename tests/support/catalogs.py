"""The messages the extractor finds, and which of them a language's catalog lacks: the one way the
catalog tests read them (with the keywords `make messages` uses)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from tests.support.environment import ROOT


def extracted(directory: Path, *sources: str) -> set:
    """Every message id in `sources` (paths under the repository), plural ids as tuples."""
    template = directory / "messages.pot"
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
            *sources,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return catalog_ids(template)


def catalog_ids(path: Path) -> set:
    with path.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def untranslated(messages: set, language: str) -> list[str]:
    """The messages `language`'s catalog has no (or only a fuzzy, or a partly plural) translation for."""
    path = ROOT / "locale" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = {m.id: m for m in read_po(handle, locale=language) if m.id}

    def translated(message_id) -> bool:
        entry = catalog.get(message_id)
        if entry is None or entry.fuzzy:
            return False
        strings = entry.string if isinstance(message_id, tuple) else [entry.string]
        return all(strings)

    return sorted(str(message_id) for message_id in messages if not translated(message_id))

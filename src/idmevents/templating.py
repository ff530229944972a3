"""The Jinja environments that render outside a request (emails, badges, the printable programme):
the templates folder, strict undefined values, translations and the date filters, set once."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from idmevents import content, i18n
from idmevents.settings import TEMPLATES_DIR


def environment(**options: Any) -> Environment:
    """An environment over templates/ with gettext, the date filters, `colon` and `meeting_zone`; `options`
    override the defaults (HTML escaped in .html.jinja2 files only; emails' plain text never)."""
    settings: dict[str, Any] = {
        "loader": FileSystemLoader(TEMPLATES_DIR),
        "autoescape": select_autoescape(enabled_extensions=("html.jinja2",)),
        "undefined": StrictUndefined,
        "extensions": ["jinja2.ext.i18n"],
        "trim_blocks": True,
        "lstrip_blocks": True,
    }
    env = Environment(**(settings | options))
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    env.filters.update(i18n.TEMPLATE_FILTERS)
    env.globals.update(colon=i18n.colon, meeting_zone=content.meeting_zone)
    return env

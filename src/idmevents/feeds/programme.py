"""The printable programme: a meeting's agenda as a PDF (WeasyPrint), in the reader's language.

A pure function of the agenda, like the other feeds, rendered from `templates/feeds/programme.html
.jinja2` through its own Jinja environment (no request, no url_for); times are the meeting's wall
clock. CPU-bound (about a second): the caller runs it in a thread and keeps the bytes.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict

from jinja2 import Environment

from idmevents import content, i18n, templating, urls
from idmevents.feeds.labels import kind_label, role_label
from idmevents.meetings.services import Agenda
from idmevents.settings import STATIC_DIR


@functools.cache
def pdf_environment() -> Environment:
    """The Jinja environment of every printed document (programme, list of participants, visa
    letters): templates/, translated, with the dates, times and labels filters and the meeting's
    content in the reader's language."""
    env = templating.environment()
    env.filters.update(
        kind_label=kind_label, role_label=role_label, language_list=i18n.language_names
    )
    # The meeting's content in the reader's language, as the pages show it (t, tx, tlang).
    env.globals.update(content.TEMPLATE_GLOBALS)
    return env


def programme_html(agenda: Agenda, *, base_url: str) -> str:
    meeting = agenda.meeting
    return (
        pdf_environment()
        .get_template("feeds/programme.html.jinja2")
        .render(
            meeting=meeting,
            agenda=agenda,
            language=i18n.current_language(),
            page_url=urls.meeting_page(meeting["slug"], base_url=base_url),
        )
    )


def programme_pdf(agenda: Agenda, *, base_url: str) -> bytes:
    """The programme as PDF, in the current language."""
    return write_pdf(programme_html(agenda, base_url=base_url))


def write_pdf(html: str) -> bytes:
    """A printed document's HTML as PDF (WeasyPrint; the static folder is its base)."""
    from weasyprint import HTML  # imported here: it loads Pango, which the web pages never need

    return HTML(string=html, base_url=str(STATIC_DIR)).write_pdf()


# The PDFs made, by what they show (the meeting's state, the language, the base URL): a programme
# is rebuilt only when the agenda changes.
_CACHE_SIZE = 64
_cache: OrderedDict[tuple, bytes] = OrderedDict()
_lock = threading.Lock()


def cached_programme_pdf(agenda: Agenda, *, base_url: str, key: tuple) -> bytes:
    full_key = (key, i18n.current_language(), base_url)
    with _lock:
        if full_key in _cache:
            _cache.move_to_end(full_key)
            return _cache[full_key]
    data = programme_pdf(agenda, base_url=base_url)
    with _lock:
        _cache[full_key] = data
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return data

"""Every page and every registration email read in French and Spanish carries no English sentence
of our own: text a person reads goes through the catalogs, and a missing translation shows here.

English content that organizers typed and did not translate is marked `lang="en"` (WCAG 3.1.2)
and is left out of the check; everything else the page says is ours.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from idmevents.meetings.tables import Meeting, MeetingSession
from idmevents.registrations import emails
from idmevents.registrations.tables import Registration
from idmevents.registrations.views import meeting_span
from tests.browser.organizers.test_page_widths import fill, html_page_routes, values_for_parameters
from tests.factories.registrations import desk_meeting
from tests.support.environment import ROOT

LANGUAGES = ("fr", "es")
# What the services hand some emails beside the registration (a reason, who cancelled...).
EMAIL_EXTRAS = {
    "by_organizer": True,
    "reason": "Complet.",
    "message": "Merci.",
    "new_link": True,
    "registration_open": True,
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
# Names that read the same in every language.
SAME_EVERYWHERE = {"IDM", "IOM", "A6", "OK"}


def english_sentences(language: str) -> set[str]:
    """Runs of three or more words from our English messages whose `language` text differs."""
    with (ROOT / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    found = set()
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            if text in strings:
                continue
            for piece in PLACEHOLDER.split(text):
                piece = " ".join(piece.split()).strip(" .,:;!?()«»\"'")
                if len(piece.split()) >= 3:
                    found.add(piece)
    return found


class _Text(HTMLParser):
    """The text a reader sees, without scripts, styles and elements marked English."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "col", "area", "base", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        marked = dict(attrs).get("lang", "")
        if self.skipping or tag in ("script", "style", "title") or marked.startswith("en"):
            self.skipping.append(tag)

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def readable(html: str) -> str:
    parser = _Text()
    body = html[html.find("<body") :] if "<body" in html else html
    parser.feed(body)
    return " ".join(" ".join(parser.parts).split())


def english_in(text: str, sentences: set[str]) -> list[str]:
    return sorted(sentence for sentence in sentences if sentence in text)


def test_templates_say_nothing_outside_the_catalogs():
    """A word typed straight into a template would reach every reader in English."""
    leftovers = {}
    for path in sorted((ROOT / "templates").rglob("*.jinja2")):
        source = path.read_text(encoding="utf-8")
        for pattern in (r"\{#.*?#\}", r"\{%.*?%\}", r"\{\{.*?\}\}"):
            source = re.sub(pattern, " ", source, flags=re.S)
        source = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S | re.I)
        source = re.sub(r"<code>.*?</code>", " ", source, flags=re.S)
        source = re.sub(r"<[^>]*>", " ", source, flags=re.S)
        source = re.sub(r"&#?\w+;", " ", source)
        words = set(re.findall(r"[A-Za-zÀ-ÿ]{2,}", source)) - SAME_EVERYWHERE
        # Attributes split by a Jinja expression leave their names behind: not prose.
        words -= {"aria", "describedby", "invalid", "true", "error", "hint"}
        if words:
            leftovers[str(path.relative_to(ROOT))] = sorted(words)
    assert leftovers == {}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_page_reads_without_english(client, demo, make_user, login, language):
    await desk_meeting()
    admin, password = await make_user("admin", display_name="Ada Admin")
    values = await values_for_parameters(admin)
    await Registration.update({Registration.language: language}).where(Registration.id > 0)
    response = await login(client, admin["email"], password)
    assert response.status_code in (200, 303)
    # Organizer pages show what organizers typed as they typed it (the demo's English titles, the
    # subjects of emails sent to English readers): their own words, not ours, are left out.
    typed = {row["title"] for row in await Meeting.select(Meeting.title)}
    sentences = {
        sentence
        for sentence in english_sentences(language)
        if not any(sentence in title for title in typed)
    }
    found = {}
    for path in html_page_routes():
        if path == "/admin/outbox":  # each email as its recipient read it
            continue
        for url in fill(path, values):
            page = await client.get(url, params={"lang": language})
            if page.status_code >= 400 or "text/html" not in page.headers.get("content-type", ""):
                continue
            if leftover := english_in(readable(page.text), sentences):
                found[url] = leftover
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_registration_email_reads_without_english(demo, language):
    meeting = await Meeting.select().where(Meeting.slug == "idm-geneva").first()
    now = datetime.now(UTC)
    registration = {
        "id": 1,
        "token": "t" * 43,
        "feed_token": "f" * 43,
        "given_name": "Ana",
        "family_name": "Silva",
        "email": "ana@example.org",
        "organization": "Ministère",
        "position": "Conseillère",
        "category": "member-state",
        "country": "BO",
        "language": language,
        "status": "confirmed",
        "attendance": "in_person",
        "accessibility_needs": "",
        "reason": "",
        "honorific": "",
    }
    span = await meeting_span(meeting)
    session = await MeetingSession.select().where(MeetingSession.meeting == meeting["id"]).first()
    sentences = english_sentences(language)
    found = {}
    for kind in emails.KINDS:
        email = emails.compose(
            kind,
            registration,
            meeting,
            span=span,
            now=now,
            position=3,
            session=session,
            **EMAIL_EXTRAS,
        )
        text = f"{email.subject}\n{email.text}"
        if leftover := english_in(" ".join(text.split()), sentences):
            found[kind] = leftover
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_english_sentences_finds_an_untranslated_message():
    """The check itself: an English sentence of ours is found in a page that carries it."""
    sentences = english_sentences("fr")
    assert "Change my details" in sentences or any("details" in s for s in sentences)
    page = "<html><body><p>Votre inscription</p><p>Change my details now please</p></body></html>"
    assert english_in(readable(page), {"Change my details now"}) == ["Change my details now"]
    marked = '<html><body><p lang="en">Change my details now</p></body></html>'
    assert english_in(readable(marked), {"Change my details now"}) == []

"""Every page and every email read in French and Spanish carries no English sentence of our own
(registration emails, the agenda-changed notice, reminders, account emails, visa letters): text a
person reads goes through the catalogs, and a missing translation shows here.

English content that organizers typed and did not translate is marked `lang="en"` (WCAG 3.1.2)
and is left out of the check; everything else the page says is ours.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from idmevents import i18n
from idmevents.audit import SYSTEM
from idmevents.auth import reset
from idmevents.delegations import visa_requests
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings import builder
from idmevents.meetings.tables import Meeting, MeetingSession
from idmevents.registrations import emails, reminders
from idmevents.registrations.tables import Registration, SessionAttendance
from idmevents.registrations.views import meeting_span
from tests.browser.organizers.test_page_widths import fill, html_page_routes, values_for_parameters
from tests.factories.registrations import desk_meeting
from tests.support.environment import ROOT
from tests.support.notices import notify
from tests.support.outbox import body_text, outbox_messages

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


async def _participant(meeting: dict, language: str, given: str, session_id: int) -> dict:
    rows = await Registration.insert(
        Registration(
            meeting=meeting["id"],
            token=secrets.token_urlsafe(32),
            feed_token=secrets.token_urlsafe(32),
            given_name=given,
            family_name="Silva",
            email=f"{given.lower()}@example.org",
            email_key=f"{given.lower()}@example.org",
            category="member-state",
            country="BO",
            status="confirmed",
            language=language,
        )
    ).returning(Registration.id)
    await SessionAttendance.insert(
        SessionAttendance(registration=rows[0]["id"], meeting_session=session_id)
    )
    return await Registration.select().where(Registration.id == rows[0]["id"]).first()


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_other_email_reads_without_english(demo, make_user, language):
    """The agenda-changed notice, every kind of reminder, the account emails and the visa
    letter emails, each made by the code that sends it, read in `language`."""
    now = datetime.now(UTC)
    meeting = await Meeting.select().where(Meeting.slug == "idm-geneva").first()
    session = await MeetingSession.select().where(MeetingSession.meeting == meeting["id"]).first()
    ana = await _participant(meeting, language, "Ana", session["id"])
    bea = await _participant(meeting, language, "Bea", session["id"])
    texts: dict[str, str] = {}

    # The agenda-changed notice: a session moved an hour later and renamed.
    await notify(meeting["slug"], now=now)
    await OutboxMessage.delete().where(OutboxMessage.id > 0)
    await builder.update_session(
        session["id"],
        {
            "starts_at": session["starts_at"] + timedelta(hours=1),
            "ends_at": session["ends_at"] + timedelta(hours=1),
        },
        by=SYSTEM,
        now=now,
    )
    await notify(meeting["slug"], now=now)
    [notice, *_] = await outbox_messages("agenda-changed")
    texts["agenda-changed"] = f"{notice['Subject']}\n{body_text(notice)}"

    # Reminders: before the meeting, after it (a follow-up), and to someone waiting.
    for offset, status in (("-P7D", "confirmed"), ("P1D", "confirmed"), ("-P7D", "waitlisted")):
        email = await reminders.compose_reminder(
            ana | {"status": status},
            meeting,
            offset=offset,
            position=2 if status == "waitlisted" else None,
        )
        texts[f"reminder {offset} {status}"] = f"{email.subject}\n{email.text}"

    # Account emails, in the language of the person who asked.
    user, _ = await make_user("organizer", display_name="Ada")
    token = i18n.set_language(language)
    try:
        for kind, lifetime in (
            ("password-reset", reset.RESET_LIFETIME),
            ("account-invitation", reset.INVITE_LIFETIME),
        ):
            await reset.issue_link(user, kind=kind, lifetime=lifetime, now=now)
            [account] = await outbox_messages(kind)
            texts[kind] = f"{account['Subject']}\n{body_text(account)}"
    finally:
        i18n.reset_language(token)

    # The visa letter emails: approved, and declined with a reason.
    request = {
        "passport_name": "ANA SILVA",
        "nationality": "BO",
        "birth_date": "1980-01-01",
        "passport_number": "BO1234567",
        "passport_expiry": "2040-01-01",
        "arrival": meeting["starts_on"].isoformat(),
        "departure": meeting["ends_on"].isoformat(),
        "purpose": visa_requests.default_purpose(meeting, language),
    }
    for person in (ana, bea):
        await visa_requests.ask(person, request, by=SYSTEM, now=now)
    await visa_requests.approve(ana["id"], by=SYSTEM, now=now)
    await visa_requests.decline(bea["id"], "Complet.", by=SYSTEM, now=now)
    for kind in ("visa-approved", "visa-declined"):
        [visa] = await outbox_messages(kind)
        texts[kind] = f"{visa['Subject']}\n{body_text(visa)}"

    sentences = english_sentences(language)
    found = {
        kind: leftover
        for kind, text in texts.items()
        if (leftover := english_in(" ".join(text.split()), sentences))
    }
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
    assert len(texts) == 8


def test_english_sentences_finds_an_untranslated_message():
    """The check itself: an English sentence of ours is found in a page that carries it."""
    sentences = english_sentences("fr")
    assert "Change my details" in sentences or any("details" in s for s in sentences)
    page = "<html><body><p>Votre inscription</p><p>Change my details now please</p></body></html>"
    assert english_in(readable(page), {"Change my details now"}) == ["Change my details now"]
    marked = '<html><body><p lang="en">Change my details now</p></body></html>'
    assert english_in(readable(marked), {"Change my details now"}) == []

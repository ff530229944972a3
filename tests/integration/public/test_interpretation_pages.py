"""What people read of a session's interpretation: the meeting page, a panelist's page and the
printed programme, in the reader's language; a confirmation and a reminder list it with the
sessions."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email.policy import default

from icalendar import Calendar

from idmevents.audit import SYSTEM
from idmevents.mail import recipes
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings import builder
from idmevents.meetings.tables import Meeting, MeetingSession, SessionPanelist
from idmevents.registrations import reminders, services
from tests.factories.registrations import form
from tests.integration.public.test_programme_pdf import pdf_text
from tests.integration.public.test_public_pages import text_of

# As text_of and pdf_text read them back: white space folded, the French no-break space too.
LINE = {
    "en": "Interpretation: Arabic, English, and French",
    "fr": "Interprétation : arabe, anglais et français",
    "es": "Interpretación: árabe, inglés y francés",
}


async def interpreted_session(slug: str = "idm-geneva") -> dict:
    """The meeting's first session with a panelist, interpreted into Arabic, English and French."""
    meeting = await Meeting.select().where(Meeting.slug == slug).first()
    row = (
        await SessionPanelist.select(SessionPanelist.meeting_session)
        .where(SessionPanelist.meeting_session.meeting == meeting["id"])
        .first()
    )
    return await builder.update_session(
        row["meeting_session"],
        {"interpretation": ["ar", "en", "fr"]},
        by=SYSTEM,
        now=datetime.now(UTC),
    )


async def test_meeting_and_panelist_pages_name_the_languages(client, demo):
    session = await interpreted_session()
    for language, line in LINE.items():
        page = text_of(
            (await client.get("/meetings/idm-geneva", headers={"Accept-Language": language})).text
        )
        assert page.count(line) == 1, (language, line)
    panelist = (
        await SessionPanelist.select(SessionPanelist.panelist.slug.as_alias("slug"))
        .where(SessionPanelist.meeting_session == session["id"])
        .first()
    )
    page = text_of((await client.get(f"/panelists/{panelist['slug']}")).text)
    assert LINE["en"] in page
    # A cancelled session is struck out: no interpretation is offered for it.
    await builder.set_session_status(session["id"], "cancelled", by=SYSTEM, now=datetime.now(UTC))
    assert LINE["en"] not in text_of((await client.get("/meetings/idm-geneva")).text)


async def test_the_registration_form_and_private_page_say_it_beside_the_session(client, demo):
    session = await interpreted_session()
    meeting = await Meeting.select().where(Meeting.slug == "idm-geneva").first()
    form_page = text_of(
        (await client.get("/meetings/idm-geneva/register", headers={"Accept-Language": "es"})).text
    )
    assert LINE["es"] in form_page
    result = await services.register(
        meeting, form(2, sessions=[session["id"]]), now=datetime.now(UTC)
    )
    private = text_of((await client.get(f"/r/{result.registration['token']}")).text)
    assert LINE["en"] in private


async def test_the_programme_prints_it(client, demo):
    await interpreted_session()
    for language in ("en", "fr"):
        response = await client.get(
            "/meetings/idm-geneva/programme.pdf", headers={"Accept-Language": language}
        )
        assert response.status_code == 200
        assert LINE[language] in " ".join(pdf_text(response.content).split())


async def test_confirmation_and_reminder_list_it_with_the_sessions(demo):
    session = await interpreted_session()
    meeting = await Meeting.select().where(Meeting.slug == "idm-geneva").first()
    await Meeting.update({Meeting.reminders: '["-P1D"]'}).where(Meeting.id == meeting["id"])
    now = datetime.now(UTC)
    result = await services.register(
        meeting, form(1, language="fr", sessions=[session["id"]]), now=now
    )
    assert result.registration["status"] == "confirmed"
    first_day = (
        await MeetingSession.select(MeetingSession.starts_at)
        .where(MeetingSession.meeting == meeting["id"])
        .order_by(MeetingSession.starts_at)
        .first()
    )
    await reminders.queue_due_reminders(first_day["starts_at"] - timedelta(hours=1))
    rows = await OutboxMessage.select(OutboxMessage.id, OutboxMessage.kind)
    kinds = {row["kind"]: row["id"] for row in rows}
    assert {"registration-confirmed", reminders.KIND} <= set(kinds), kinds
    for kind in ("registration-confirmed", reminders.KIND):
        message = email.message_from_string(await recipes.rendered_raw(kinds[kind]), policy=default)
        for part in ("plain", "html"):
            body = message.get_body((part,)).get_content()
            assert LINE["fr"] in text_of(body), (kind, part)
        # The calendar attached says it too, in French, and for programs.
        calendars = [
            Calendar.from_ical(p.get_content())
            for p in message.iter_attachments()
            if p.get_content_type() == "text/calendar"
        ]
        event = next(
            e for c in calendars for e in c.walk("VEVENT") if str(e["UID"]) == session["uid"]
        )
        assert "Interprétation\u00a0: arabe, anglais et français" in event["DESCRIPTION"], kind
        assert [str(code) for code in event["X-IDM-INTERPRETATION"]] == ["ar", "en", "fr"]

"""The agenda builder pages through HTTP: guards, forms with errors, clashes, publish, notify,
cancel."""

import email
import re
import secrets
from email.policy import default
from zoneinfo import ZoneInfo

import pytest

from idmevents.audit import PARTICIPANT
from idmevents.jobs.worker import run_one
from idmevents.mail.recipes import render_waiting
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings.tables import Meeting, MeetingSession, Room
from idmevents.registrations import services
from idmevents.registrations.tables import Registration
from tests.factories.meetings import NOW, make_meeting
from tests.factories.registrations import form
from tests.support.outbox import body_text, outbox_messages


@pytest.fixture
async def organizer_client(client, make_user, login):
    user, password = await make_user("organizer")
    response = await login(client, user["email"], password)
    assert response.status_code == 303
    return client


async def post_form(client, url: str, data: dict, *, form_url: str | None = None):
    """GET the page holding the form (CSRF cookie), then POST it."""
    await client.get(form_url or url)
    return await client.post(
        url, data=data | {"_csrf_token": client.cookies.get("csrftoken")}, follow_redirects=False
    )


async def test_admin_meetings_anonymous_is_sent_to_login(client):
    response = await client.get("/admin/meetings/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login?next=")


async def test_admin_checkin_editing_agenda_gets_403(client, make_user, login, demo):
    user, password = await make_user("checkin")
    await login(client, user["email"], password)
    assert (await client.get("/admin/meetings/idm-new-york")).status_code == 403
    await client.get("/admin/")  # any page: the CSRF cookie
    response = await client.post(
        "/admin/meetings/idm-new-york/sessions",
        data={
            "title": "Sneaked in",
            "day": "2027-04-20",
            "starts_at": "10:00",
            "ends_at": "11:00",
            "_csrf_token": client.cookies.get("csrftoken"),
        },
    )
    assert response.status_code == 403
    assert await MeetingSession.count().where(MeetingSession.title == "Sneaked in") == 0


async def test_admin_create_meeting_keeps_values_and_names_errors(organizer_client):
    response = await post_form(
        organizer_client,
        "/admin/meetings/new",
        {
            "title": "IDM Geneva",
            "slug": "Not a slug",
            "timezone": "Europe/Zurich",
            "starts_on": "2027-07-21",
            "ends_on": "2027-07-20",
        },
    )
    assert response.status_code == 422
    page = response.text
    assert 'value="IDM Geneva"' in page
    assert 'value="Not a slug"' in page
    assert "Lower-case letters, digits and single hyphens" in page
    assert "The last day cannot come before the first." in page
    assert await Meeting.count() == 0

    response = await post_form(
        organizer_client,
        "/admin/meetings/new",
        {
            "title": "IDM Geneva",
            "slug": "idm-geneva-2027",
            "timezone": "Europe/Zurich",
            "starts_on": "2027-07-20",
            "ends_on": "2027-07-21",
            "registration_opens_at": "2027-03-01T09:00",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/meetings/idm-geneva-2027?done=created"
    meeting = await Meeting.select(Meeting.status, Meeting.registration_opens_at).first()
    assert meeting["status"] == "draft"
    # 09:00 in Geneva on 1 March (CET, UTC+1) is 08:00 UTC.
    assert meeting["registration_opens_at"].isoformat() == "2027-03-01T08:00:00+00:00"


async def test_admin_session_in_dst_gap_is_refused(organizer_client, demo):
    # 28 March 2027: clocks in Zurich jump from 02:00 to 03:00.
    await Meeting.update({Meeting.status: "draft"}).where(Meeting.slug == "idm-geneva")
    response = await post_form(
        organizer_client,
        "/admin/meetings/idm-geneva/sessions",
        {"title": "Night owl", "day": "2027-03-28", "starts_at": "02:30", "ends_at": "04:00"},
        form_url="/admin/meetings/idm-geneva",
    )
    assert response.status_code == 422
    assert "02:30 does not exist on March 28, 2027 in Europe/Zurich" in response.text
    assert 'value="Night owl"' in response.text


async def test_admin_builder_warns_of_a_clash_and_publish_asks_to_confirm(organizer_client, demo):
    meeting = await Meeting.select().where(Meeting.slug == "idm-new-york").first()
    await Meeting.update({Meeting.status: "draft"}).where(Meeting.id == meeting["id"])
    room = await Room.select().where(Room.meeting == meeting["id"]).first()
    opening = (
        await MeetingSession.select()
        .where(MeetingSession.meeting == meeting["id"])
        .where(MeetingSession.room == room["id"])
        .order_by(MeetingSession.starts_at)
        .first()
    )
    day = opening["starts_at"].astimezone(ZoneInfo(meeting["timezone"]))
    response = await post_form(
        organizer_client,
        "/admin/meetings/idm-new-york/sessions",
        {
            "title": "Clashing briefing",
            "kind": "side-event",
            "day": day.date().isoformat(),
            "starts_at": day.strftime("%H:%M"),
            "ends_at": (day.replace(minute=30)).strftime("%H:%M"),
            "room_id": str(room["id"]),
        },
        form_url="/admin/meetings/idm-new-york",
    )
    assert response.status_code == 303
    page = (await organizer_client.get("/admin/meetings/idm-new-york")).text
    warning = re.search(r'<section class="notice notice-warn clashes".*?</section>', page, re.S)
    assert warning is not None
    assert f"{room['name']} holds two sessions at once" in warning.group(0)
    assert "Clashing briefing" in warning.group(0) and opening["title"] in warning.group(0)

    confirm = await post_form(
        organizer_client,
        "/admin/meetings/idm-new-york/publish",
        {},
        form_url="/admin/meetings/idm-new-york",
    )
    assert confirm.status_code == 200
    assert "Publish anyway" in confirm.text and "Clashing briefing" in confirm.text
    assert (await Meeting.select(Meeting.status).where(Meeting.id == meeting["id"]).first())[
        "status"
    ] == "draft"
    done = await post_form(
        organizer_client,
        "/admin/meetings/idm-new-york/publish",
        {"confirm": "yes"},
        form_url="/admin/meetings/idm-new-york",
    )
    assert done.status_code == 303
    assert (await Meeting.select(Meeting.status).where(Meeting.id == meeting["id"]).first())[
        "status"
    ] == "published"


async def test_admin_retime_then_notify_queues_one_email(organizer_client, demo):
    meeting = await Meeting.select().where(Meeting.slug == "idm-geneva").first()
    await Registration.insert(
        Registration(
            meeting=meeting["id"],
            token=secrets.token_urlsafe(16),
            feed_token=secrets.token_urlsafe(16),
            given_name="Ana",
            family_name="Tester",
            email="ana@example.org",
            email_key="ana@example.org",
            category="member-state",
            status="confirmed",
            language="en",
        )
    )
    session = (
        await MeetingSession.select()
        .where(MeetingSession.meeting == meeting["id"])
        .where(MeetingSession.kind == "panel")
        .order_by(MeetingSession.starts_at)
        .first()
    )
    edit_url = f"/admin/sessions/{session['id']}"
    page = (await organizer_client.get(edit_url)).text
    day = re.search(r'name="day" value="([^"]+)"', page).group(1)
    response = await post_form(
        organizer_client,
        edit_url,
        {
            "title": session["title"],
            "kind": "panel",
            "day": day,
            "starts_at": "17:00",
            "ends_at": "18:15",
            "room_id": str(session["room"] or ""),
        },
    )
    assert response.status_code == 303, response.text
    public = (await organizer_client.get("/meetings/idm-geneva")).text
    assert "What changed" in public
    assert "17:00–18:15 CEST" in public

    builder_page = (await organizer_client.get("/admin/meetings/idm-geneva")).text
    assert 'href="/admin/meetings/idm-geneva/notify"' in builder_page
    preview = await organizer_client.get("/admin/meetings/idm-geneva/notify")
    assert preview.status_code == 200
    changes = re.search(r'name="changes" value="([^"]+)"', preview.text).group(1)
    assert await OutboxMessage.count() == 0  # the preview sends nothing
    notify = await post_form(
        organizer_client,
        "/admin/meetings/idm-geneva/notify",
        {"changes": changes},
        form_url="/admin/meetings/idm-geneva/notify",
    )
    assert notify.status_code == 303
    assert "/admin/meetings/idm-geneva/jobs/" in notify.headers["location"]
    assert await run_one()
    await render_waiting()
    again = await post_form(
        organizer_client,
        "/admin/meetings/idm-geneva/notify",
        {},
        form_url="/admin/meetings/idm-geneva",
    )
    assert "done=nothing-to-notify" in again.headers["location"]
    rows = await OutboxMessage.select(OutboxMessage.to_address, OutboxMessage.raw)
    assert [r["to_address"] for r in rows] == ["ana@example.org"]
    message = email.message_from_string(rows[0]["raw"], policy=default)
    assert "17:00–18:15 CEST" in message.get_body(("plain",)).get_content()
    calendar = next(
        p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"
    )
    assert f"UID:{session['uid']}" in calendar.get_content()
    sequence = int(re.search(r"SEQUENCE:(\d+)", calendar.get_content()).group(1))
    assert sequence > 1  # above the invitation's


async def test_admin_panelist_pages_create_and_unavailability(organizer_client):
    response = await post_form(
        organizer_client,
        "/admin/panelists/new",
        {"name": "", "honorific": "Dr", "email": "not-an-email"},
    )
    assert response.status_code == 422
    assert 'value="Dr"' in response.text
    response = await post_form(
        organizer_client,
        "/admin/panelists/new",
        {"name": "Jürg Lauber", "honorific": "H.E. Mr", "organization": "Switzerland"},
    )
    assert response.status_code == 303
    url = response.headers["location"].split("?")[0]
    response = await post_form(
        organizer_client,
        f"{url}/unavailable",
        {
            "starts_at": "2027-04-20T09:00",
            "ends_at": "2027-04-20T12:00",
            "timezone": "UTC",
            "note": "Flight",
        },
        form_url=url,
    )
    assert response.status_code == 303
    page = (await organizer_client.get(url)).text
    assert "Flight" in page
    listing = (await organizer_client.get("/admin/panelists/?q=jurg")).text
    assert "H.E. Mr Jürg Lauber" in listing


async def test_admin_unknown_ids_are_404(organizer_client):
    for url in ("/admin/sessions/2147483648", "/admin/panelists/99999999999", "/admin/sessions/7"):
        assert (await organizer_client.get(url)).status_code == 404, url


async def meeting_with_three_registered() -> dict:
    """One seat: a confirmed person, a waiting one (in French), one who cancelled."""
    meeting = await make_meeting(capacity=1)
    await services.register(meeting, form(1), now=NOW)
    await services.register(meeting, form(2, language="fr"), now=NOW)
    gone = await services.register(meeting, form(3), now=NOW)
    await services.cancel(gone.registration["id"], by=PARTICIPANT, now=NOW)
    return meeting


async def meeting_status(slug: str) -> str:
    return (await Meeting.select(Meeting.status).where(Meeting.slug == slug).first())["status"]


async def test_admin_cancel_meeting_says_who_will_hear_then_emails_them(organizer_client):
    await meeting_with_three_registered()
    edit = (await organizer_client.get("/admin/meetings/test-meeting/edit")).text
    assert 'href="/admin/meetings/test-meeting/cancel"' in edit
    confirm = await organizer_client.get("/admin/meetings/test-meeting/cancel")
    assert confirm.status_code == 200
    assert "2 participants will be emailed that the meeting is cancelled." in confirm.text

    # Without the CSRF token the form is refused, and nothing happens.
    forged = await organizer_client.post(
        "/admin/meetings/test-meeting/cancel", data={"message": "Hi"}, follow_redirects=False
    )
    assert forged.status_code == 403
    assert await meeting_status("test-meeting") == "published"
    assert await outbox_messages("registration-meeting-cancelled") == []

    # A control character in the message is named on the page; nothing is cancelled.
    bell = await post_form(
        organizer_client, "/admin/meetings/test-meeting/cancel", {"message": "Closed\x1b[31m."}
    )
    assert bell.status_code == 422
    assert "Contains a character that cannot be shown." in bell.text
    assert await meeting_status("test-meeting") == "published"
    assert await outbox_messages("registration-meeting-cancelled") == []

    response = await post_form(
        organizer_client,
        "/admin/meetings/test-meeting/cancel",
        {"message": "The venue is closed.\r\nWe are sorry."},
    )
    assert (response.status_code, response.headers["location"]) == (
        303,
        "/admin/meetings/test-meeting?done=cancelled&emails=2",
    )
    page = (await organizer_client.get(response.headers["location"])).text
    assert "The meeting is cancelled; 2 participants were emailed." in page
    assert await meeting_status("test-meeting") == "cancelled"
    messages = await outbox_messages("registration-meeting-cancelled")
    assert [(str(m["To"]), str(m["Subject"])) for m in messages] == [
        ("Ana Person 1 <person1@example.org>", "Meeting cancelled: Test workshop"),
        ("Ana Person 2 <person2@example.org>", "Réunion annulée\u00a0: Test workshop"),
    ]
    assert "The venue is closed.\nWe are sorry.\n" in body_text(messages[0])

    # A second press (a double click, another organizer) emails nobody again.
    again = await post_form(organizer_client, "/admin/meetings/test-meeting/cancel", {})
    assert again.headers["location"] == "/admin/meetings/test-meeting?done=already-cancelled"
    page = (await organizer_client.get(again.headers["location"])).text
    assert "The meeting was already cancelled: nobody was emailed again." in page
    assert len(await outbox_messages("registration-meeting-cancelled")) == 2
    assert (
        "is already cancelled"
        in (await organizer_client.get("/admin/meetings/test-meeting/cancel")).text
    )


async def test_admin_cancel_meeting_message_too_long_is_shown_with_the_form(organizer_client):
    await meeting_with_three_registered()
    response = await post_form(
        organizer_client, "/admin/meetings/test-meeting/cancel", {"message": "x" * 2001}
    )
    assert response.status_code == 422
    assert "At most 2000 characters." in response.text
    assert "x" * 2001 + "</textarea>" in response.text
    assert await meeting_status("test-meeting") == "published"
    assert await outbox_messages("registration-meeting-cancelled") == []


async def test_admin_checkin_cannot_cancel_a_meeting(client, make_user, login):
    await meeting_with_three_registered()
    user, password = await make_user("checkin")
    await login(client, user["email"], password)
    assert (await client.get("/admin/meetings/test-meeting/cancel")).status_code == 403
    await client.get("/admin/")  # a page they may see: a valid CSRF cookie, so 403 is the role
    response = await client.post(
        "/admin/meetings/test-meeting/cancel",
        data={"_csrf_token": client.cookies.get("csrftoken")},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert await meeting_status("test-meeting") == "published"
    assert await outbox_messages("registration-meeting-cancelled") == []

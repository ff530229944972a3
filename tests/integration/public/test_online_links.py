"""Hybrid meetings in public: the webcast shows everywhere, the remote-participation link nowhere
but in what belongs to a registered online participant."""

from __future__ import annotations

import email
import re
from collections import Counter
from datetime import UTC, datetime
from email.policy import default

import vobject
from icalendar import Calendar

from idmevents.audit import SYSTEM
from idmevents.mail import recipes
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings import builder
from idmevents.meetings.tables import MeetingSession
from idmevents.registrations import services
from idmevents.registrations.tables import Registration
from tests.factories.registrations import form
from tests.integration.public.test_public_cache import cached_client, public_cache  # noqa: F401
from tests.support.icaljs import read_with_icaljs

SECRET = "https://meet.example.org/j/idm-geneva-7f3a9c"
WEBCAST = "https://webtv.un.org/idm-geneva"
SESSION_WEBCAST = "https://webtv.un.org/idm-geneva/opening"


async def hybrid_geneva() -> tuple[dict, dict]:
    now = datetime.now(UTC)
    meeting = await builder.update_meeting(
        "idm-geneva",
        {
            "mode": "hybrid",
            "capacity": 100,
            "capacity_online": 100,
            "webcast_url": WEBCAST,
            "remote_url": SECRET,
        },
        by=SYSTEM,
        now=now,
    )
    first = await MeetingSession.select().where(MeetingSession.meeting == meeting["id"]).first()
    await builder.update_session(first["id"], {"webcast_url": SESSION_WEBCAST}, by=SYSTEM, now=now)
    online = await services.register(meeting, form(1, attendance="online"), now=now)
    in_room = await services.register(meeting, form(2, attendance="in_person"), now=now)
    return online.registration, in_room.registration


def same_site_links(html: str) -> set[str]:
    return {
        link
        for link in re.findall(r'href="(/[^"#?]*)', html)
        if not link.startswith(("/admin", "/r/", "/static", "/schema", "/api"))
    }


async def test_remote_link_is_in_no_public_page_feed_cache_or_export(demo, cached_client):  # noqa: F811
    client = cached_client
    online, in_room = await hybrid_geneva()
    slug = "idm-geneva"
    sessions = await MeetingSession.select(MeetingSession.id)
    to_visit = {
        "/",
        f"/meetings/{slug}",
        f"/meetings/{slug}/panelists",
        f"/meetings/{slug}/register",
        f"/meetings/{slug}/agenda.ics",
        f"/meetings/{slug}/agenda.json",
        f"/meetings/{slug}/schedule.xml",
        "/meetings/idm-new-york/agenda.ics",
        "/meetings/idm-new-york/schedule.xml",
        *(f"/meetings/{slug}/sessions/{s['id']}/event.ics" for s in sessions),
    }
    seen: dict[str, str] = {}
    while to_visit:
        path = to_visit.pop()
        for _ in range(2):  # the second answer may come from the page cache
            response = await client.get(path)
            assert response.status_code in (200, 404), (path, response.status_code)
            assert SECRET not in response.text, path
            assert "7f3a9c" not in response.text, path
        seen[path] = response.text
        if "html" in response.headers.get("content-type", ""):
            to_visit |= {link for link in same_site_links(response.text) if link not in seen} - set(
                seen
            )
    # The crawl reached the panelists' pages, and through them their feeds.
    assert sum(p.startswith("/panelists/") for p in seen) >= 5, sorted(seen)
    assert len(seen) >= 20, sorted(seen)
    assert WEBCAST in seen[f"/meetings/{slug}"] and SESSION_WEBCAST in seen[f"/meetings/{slug}"]
    assert WEBCAST in seen[f"/meetings/{slug}/agenda.ics"].replace("\r\n ", "")

    # What belongs to the online participant has it; what belongs to the one in the room has not.
    private = (await client.get(f"/r/{online['token']}")).text
    assert SECRET in private
    assert SECRET not in (await client.get(f"/r/{in_room['token']}")).text
    feed = (await client.get(f"/r/{online['feed_token']}/agenda.ics")).text.replace("\r\n ", "")
    assert "CONFERENCE;FEATURE=VIDEO" in feed and SECRET in feed
    room_feed = (await client.get(f"/r/{in_room['feed_token']}/agenda.ics")).text
    assert SECRET not in room_feed.replace("\r\n ", "")
    # And the public feeds asked for after the personal one still do not (the event cache).
    assert SECRET not in (await client.get(f"/meetings/{slug}/agenda.ics")).text.replace(
        "\r\n ", ""
    )
    rows = await OutboxMessage.select(OutboxMessage.id, OutboxMessage.registration)
    assert {row["registration"] for row in rows} >= {online["id"], in_room["id"]}
    invited: Counter[int] = Counter()
    for row in rows:
        message = email.message_from_string(await recipes.rendered_raw(row["id"]), policy=default)
        parts = message_parts(message)
        mine = row["registration"] == online["id"]
        # The text, the HTML and every calendar attached: all of them, or none of them.
        assert all((SECRET in part) == mine for part in parts.values()), (row, list(parts))
        assert all(WEBCAST in part.replace("\r\n ", "") for part in parts.values()), list(parts)
        calendars = [part for name, part in parts.items() if name.endswith(".ics")]
        invited[row["registration"]] += len(calendars)
        for part in calendars:
            found = {
                (str(conference), conference.params["FEATURE"])
                for event in Calendar.from_ical(part).walk("VEVENT")
                for conference in _as_list(event.get("CONFERENCE"))
            }
            assert (WEBCAST, "VIDEO") in found and ((SECRET, "VIDEO") in found) == mine
    assert invited[online["id"]] >= 1 and invited[in_room["id"]] >= 1, invited


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value] if value is not None else []


def message_parts(message) -> dict[str, str]:
    """The text of each leaf part of an email: "text/plain", "text/html", or an attachment's
    file name."""
    parts = {}
    for part in message.walk():
        if part.is_multipart():
            continue
        name = part.get_filename() or part.get_content_type()
        content = part.get_content()
        parts[name] = content.decode() if isinstance(content, bytes) else content
    assert "text/plain" in parts and "text/html" in parts, list(parts)
    return parts


async def test_webcast_is_a_conference_in_icalendar_vobject_and_icaljs(demo, client):
    await hybrid_geneva()
    body = (await client.get("/meetings/idm-geneva/agenda.ics")).content
    events = Calendar.from_ical(body).walk("VEVENT")
    conferences = [str(e["CONFERENCE"]) for e in events if "CONFERENCE" in e]
    assert SESSION_WEBCAST in conferences and WEBCAST in conferences
    first = next(e for e in events if str(e.get("CONFERENCE")) == SESSION_WEBCAST)
    assert first["CONFERENCE"].params["FEATURE"] == "VIDEO"
    assert first["CONFERENCE"].params["VALUE"] == "URI"
    parsed = vobject.readOne(body.decode())
    found = {
        (event.conference.value, event.conference.params["FEATURE"][0])
        for event in parsed.vevent_list
        if hasattr(event, "conference")
    }
    assert (SESSION_WEBCAST, "VIDEO") in found and (WEBCAST, "VIDEO") in found
    by_icaljs = {
        (e["conference"], e["conference_feature"])
        for e in read_with_icaljs(body)["events"]
        if e["conference"]
    }
    assert by_icaljs == {(url, "VIDEO") for url, _ in found}
    assert (SESSION_WEBCAST, "VIDEO") in by_icaljs and (WEBCAST, "VIDEO") in by_icaljs


async def test_registering_online_in_an_in_person_meeting_is_refused(demo, client):
    await client.get("/meetings/idm-new-york/register")
    response = await client.post(
        "/api/v1/meetings/idm-new-york/registrations", json=form(5, attendance="online")
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"attendance"}
    bad = await client.post(
        "/api/v1/meetings/idm-new-york/registrations", json=form(6, attendance="balcony")
    )
    assert bad.status_code == 422
    assert await Registration.count() == 0


async def test_hybrid_form_asks_where_and_private_page_switches(demo, client):
    from tests.integration.public.test_public_pages import text_of
    from tests.integration.public.test_registration_pages import html_form, submit

    await hybrid_geneva()
    path = "/meetings/idm-geneva/register"
    page = (await client.get(path)).text
    assert 'name="attendance" value="online"' in page and "How will you take part?" in page
    response = await submit(client, html_form(9, attendance="online"), path=path)
    assert response.status_code == 303, text_of(response.text)
    # The private link goes by email (the form answers the same for every address).
    token = (
        await Registration.select(Registration.token)
        .where(Registration.email_key == "person9@example.org")
        .first()
    )["token"]
    private = f"/r/{token}"
    text = text_of((await client.get(private)).text)
    assert "You take part online." in text and SECRET in text
    assert "Print your badge" not in text
    switched = await submit(
        client, {"attendance": "in_person"}, path=private, action=private + "/attendance"
    )
    assert switched.status_code == 303
    assert "done=attendance#" in switched.headers["location"]
    text = text_of((await client.get(private)).text)
    assert "You take part in the room." in text and SECRET not in text
    row = await Registration.select(Registration.attendance).where(
        Registration.email_key == "person9@example.org"
    )
    assert row == [{"attendance": "in_person"}]

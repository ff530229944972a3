"""Calendar feeds through HTTP: content, caching and conditional requests, changes, personal secrets."""

from __future__ import annotations

import gzip
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from zoneinfo import ZoneInfo

import vobject
from icalendar import Calendar

from idmevents.feeds.schedule import event_guid
from idmevents.feeds.services import cache
from idmevents.meetings.tables import Meeting, MeetingSession
from idmevents.registrations.tables import Registration
from tests.factories.feeds import (
    add_session,
    cancel_session,
    make_registration,
    retime_session,
    session_id,
)
from tests.integration.public.test_public_pages import text_of
from tests.support.frab import json_problems, xml_problems

NEW_YORK_FEED = "/meetings/idm-new-york/agenda.ics"
IDENTITY = {"accept-encoding": "identity"}
NEW_YORK = ZoneInfo("America/New_York")


def events(response) -> dict[str, dict]:
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


async def sessions_of(slug: str) -> list[dict]:
    meeting = await Meeting.select(Meeting.id).where(Meeting.slug == slug).first()
    return (
        await MeetingSession.select()
        .where(MeetingSession.meeting == meeting["id"])
        .order_by(MeetingSession.starts_at)
    )


async def test_meeting_feed_is_the_whole_agenda_at_the_right_instants(client, demo):
    response = await client.get(NEW_YORK_FEED, headers=IDENTITY)
    assert response.status_code == 200
    found = {
        uid: (e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC), str(e["STATUS"]))
        for uid, e in events(response).items()
    }
    expected = {
        s["uid"]: (s["starts_at"].astimezone(UTC), s["ends_at"].astimezone(UTC), "CONFIRMED")
        for s in await sessions_of("idm-new-york")
    }
    assert found == expected and len(found) == 9
    opening = events(response)["idm-new-york-opening@idmevents"]
    # New York in April: 10:00 local is 14:00 UTC.
    assert opening["DTSTART"].dt.astimezone(UTC).hour == 14
    assert opening["DTSTART"].params["TZID"] == "America/New_York"


async def test_meeting_feed_headers(client, demo):
    response = await client.get(NEW_YORK_FEED, headers=IDENTITY)
    meeting = await Meeting.select().where(Meeting.slug == "idm-new-york").first()
    changed = max(meeting["agenda_changed_at"], meeting["updated_at"]).replace(microsecond=0)
    assert {
        name: response.headers.get(name)
        for name in (
            "content-type",
            "cache-control",
            "last-modified",
            "content-disposition",
            "content-encoding",
            "vary",
            "access-control-allow-origin",
        )
    } == {
        "content-type": "text/calendar; charset=utf-8",
        "cache-control": "public, max-age=300",
        "last-modified": format_datetime(changed.astimezone(UTC), usegmt=True),
        "content-disposition": 'inline; filename="idm-new-york.ics"',
        "content-encoding": None,
        "vary": "Accept-Encoding, Accept-Language, Cookie",
        "access-control-allow-origin": "*",
    }
    etag = response.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert response.headers["content-length"] == str(len(response.content))
    assert "set-cookie" not in response.headers
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\n")


async def test_if_none_match_gets_304_without_body(client, demo):
    first = await client.get(NEW_YORK_FEED, headers=IDENTITY)
    again = await client.get(
        NEW_YORK_FEED, headers=IDENTITY | {"if-none-match": first.headers["etag"]}
    )
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == "public, max-age=300"
    assert again.headers["last-modified"] == first.headers["last-modified"]
    listed = await client.get(
        NEW_YORK_FEED,
        headers=IDENTITY | {"if-none-match": f'"other", W/{first.headers["etag"]}'},
    )
    assert listed.status_code == 304
    star = await client.get(NEW_YORK_FEED, headers=IDENTITY | {"if-none-match": "*"})
    assert star.status_code == 304
    other = await client.get(NEW_YORK_FEED, headers=IDENTITY | {"if-none-match": '"stale"'})
    assert (other.status_code, other.content) == (200, first.content)


async def test_if_modified_since_gets_304_unless_if_none_match_disagrees(client, demo):
    first = await client.get(NEW_YORK_FEED, headers=IDENTITY)
    modified = first.headers["last-modified"]
    same = await client.get(NEW_YORK_FEED, headers=IDENTITY | {"if-modified-since": modified})
    assert (same.status_code, same.content) == (304, b"")
    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(seconds=1), usegmt=True)
    older = await client.get(NEW_YORK_FEED, headers=IDENTITY | {"if-modified-since": earlier})
    assert older.status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    both = await client.get(
        NEW_YORK_FEED,
        headers=IDENTITY | {"if-modified-since": modified, "if-none-match": '"stale"'},
    )
    assert both.status_code == 200
    garbage = await client.get(NEW_YORK_FEED, headers=IDENTITY | {"if-modified-since": "soon"})
    assert garbage.status_code == 200


async def test_head_has_the_headers_of_get_and_no_body(client, demo):
    got = await client.get(NEW_YORK_FEED, headers=IDENTITY)
    head = await client.head(NEW_YORK_FEED, headers=IDENTITY)
    assert (head.status_code, head.content) == (200, b"")
    for name in ("etag", "last-modified", "content-type", "content-length", "cache-control"):
        assert head.headers[name] == got.headers[name], name
    conditional = await client.head(
        NEW_YORK_FEED, headers=IDENTITY | {"if-none-match": got.headers["etag"]}
    )
    assert (conditional.status_code, conditional.content) == (304, b"")


async def test_gzip_when_asked_with_its_own_etag(client, demo):
    plain = await client.get(NEW_YORK_FEED, headers=IDENTITY)
    zipped = await client.get(NEW_YORK_FEED, headers={"accept-encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["vary"]
    # httpx has already decompressed it: the same calendar, carried in fewer bytes.
    assert zipped.content == plain.content
    assert int(zipped.headers["content-length"]) < len(plain.content) / 2
    assert zipped.headers["etag"] != plain.headers["etag"]
    assert gzip.decompress(gzip.compress(plain.content)) == zipped.content
    unchanged = await client.get(
        NEW_YORK_FEED,
        headers={"accept-encoding": "gzip", "if-none-match": zipped.headers["etag"]},
    )
    assert (unchanged.status_code, unchanged.headers["etag"]) == (304, zipped.headers["etag"])
    refused = await client.get(NEW_YORK_FEED, headers={"accept-encoding": "gzip;q=0, br"})
    assert "content-encoding" not in refused.headers


async def test_feed_is_built_once_per_agenda_change(client, demo):
    before = cache.builds
    for _ in range(3):
        assert (await client.get(NEW_YORK_FEED)).status_code == 200
    assert cache.builds == before + 1
    uid = "idm-new-york-panel-1@idmevents"
    session = await session_id(uid)
    await cancel_session(session, now=datetime.now(UTC))
    for _ in range(2):
        assert (await client.get(NEW_YORK_FEED)).status_code == 200
    assert cache.builds == before + 2


async def test_retimed_session_keeps_uid_and_raises_sequence_and_last_modified(client, demo):
    uid = "idm-new-york-panel-1@idmevents"
    first = await client.get(NEW_YORK_FEED, headers=IDENTITY)
    old = events(first)[uid]
    session = await session_id(uid)
    now = datetime.now(UTC) + timedelta(seconds=2)
    starts = datetime.combine(old["DTSTART"].dt.date(), datetime.min.time(), NEW_YORK).replace(
        hour=16
    )
    await retime_session(session, starts_at=starts, ends_at=starts + timedelta(hours=1), now=now)

    second = await client.get(
        NEW_YORK_FEED, headers=IDENTITY | {"if-none-match": first.headers["etag"]}
    )
    assert second.status_code == 200
    assert second.headers["etag"] != first.headers["etag"]
    assert parsedate_to_datetime(second.headers["last-modified"]) > parsedate_to_datetime(
        first.headers["last-modified"]
    )
    new = events(second)[uid]
    assert sorted(events(second)) == sorted(events(first))
    assert (old["SEQUENCE"] + 1, new["SEQUENCE"]) == (new["SEQUENCE"], old["SEQUENCE"] + 1)
    assert new["LAST-MODIFIED"].dt == new["DTSTAMP"].dt == now.replace(microsecond=0)
    assert new["LAST-MODIFIED"].dt > old["LAST-MODIFIED"].dt
    assert new["DTSTART"].dt.astimezone(UTC) == starts.astimezone(UTC)
    assert new["DTSTART"].dt.astimezone(NEW_YORK).hour == 16
    # The old copy is stale now: the old validator gets the new feed, the new one a 304.
    fresh = await client.get(
        NEW_YORK_FEED, headers=IDENTITY | {"if-none-match": second.headers["etag"]}
    )
    assert fresh.status_code == 304


async def test_cancelled_session_stays_in_the_feed_as_cancelled(client, demo):
    uid = "idm-new-york-side-event@idmevents"
    old = events(await client.get(NEW_YORK_FEED))[uid]
    await cancel_session(await session_id(uid), now=datetime.now(UTC) + timedelta(seconds=1))
    after = events(await client.get(NEW_YORK_FEED))
    assert len(after) == 9
    assert str(after[uid]["STATUS"]) == "CANCELLED"
    assert str(after[uid]["SUMMARY"]) == "Cancelled: " + str(old["SUMMARY"])
    assert after[uid]["SEQUENCE"] == old["SEQUENCE"] + 1


async def test_new_session_appears_in_the_feed(client, demo):
    first = await client.get(NEW_YORK_FEED)
    day = min(s["starts_at"] for s in await sessions_of("idm-new-york")).astimezone(NEW_YORK)
    starts = day.replace(hour=19, minute=0)
    added = await add_session(
        "idm-new-york",
        title="Evening reception",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        now=datetime.now(UTC) + timedelta(seconds=1),
    )
    second = await client.get(NEW_YORK_FEED)
    new_uids = set(events(second)) - set(events(first))
    assert len(new_uids) == 1
    event = events(second)[new_uids.pop()]
    assert (str(event["SUMMARY"]), event["SEQUENCE"], str(event["URL"])) == (
        "Evening reception",
        0,
        f"https://testserver.local/meetings/idm-new-york#session-{added}",
    )
    assert event["DTSTART"].dt.astimezone(UTC) == starts.astimezone(UTC)


async def test_geneva_feed_is_in_geneva_time(client, demo):
    response = await client.get("/meetings/idm-geneva/agenda.ics", headers=IDENTITY)
    opening = events(response)["idm-geneva-opening@idmevents"]
    assert opening["DTSTART"].params["TZID"] == "Europe/Zurich"
    local = opening["DTSTART"].dt
    # Geneva in July: 10:00 local is 08:00 UTC.
    assert (local.hour, local.astimezone(UTC).hour) == (10, 8)
    parsed = vobject.readOne(response.text)
    assert {e.uid.value: e.dtstart.value.astimezone(UTC) for e in parsed.vevent_list} == {
        s["uid"]: s["starts_at"].astimezone(UTC) for s in await sessions_of("idm-geneva")
    }


async def test_unknown_or_draft_meeting_feed_is_404(client, demo):
    assert (await client.get("/meetings/idm-paris/agenda.ics")).status_code == 404
    await Meeting.update({Meeting.status: "draft"}).where(Meeting.slug == "idm-geneva")
    for path in ("agenda.ics", "agenda.json", "schedule.xml", "schedule.json"):
        assert (await client.get(f"/meetings/idm-geneva/{path}")).status_code == 404


async def test_session_feed_holds_one_event(client, demo):
    uid = "idm-new-york-plenary@idmevents"
    sid = await session_id(uid)
    response = await client.get(f"/meetings/idm-new-york/sessions/{sid}/event.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert list(events(response)) == [uid]
    assert (await client.get(f"/meetings/idm-geneva/sessions/{sid}/event.ics")).status_code == 404
    assert (await client.get("/meetings/idm-new-york/sessions/99999/event.ics")).status_code == 404


async def test_json_and_frab_xml_agree_with_the_calendar(client, demo):
    ics = events(await client.get(NEW_YORK_FEED))
    from_ics = {uid: e["DTSTART"].dt.astimezone(UTC) for uid, e in ics.items()}

    response = await client.get("/meetings/idm-new-york/agenda.json")
    assert response.headers["content-type"] == "application/json"
    assert response.headers["etag"]
    document = json.loads(response.content)
    from_json = {s["uid"]: datetime.fromisoformat(s["starts_at"]) for s in document["sessions"]}
    assert from_json == from_ics

    response = await client.get("/meetings/idm-new-york/schedule.xml")
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    guids = {event_guid(uid): uid for uid in from_ics}
    from_xml = {
        guids[event.get("guid")]: datetime.fromisoformat(event.findtext("date")).astimezone(UTC)
        for event in root.iter("event")
    }
    assert from_xml == from_ics
    assert root.findtext("conference/time_zone_name") == "America/New_York"


async def test_frab_json_and_xml_keep_the_validators_rules_and_agree(client, demo):
    ics = events(await client.get(NEW_YORK_FEED))
    response = await client.get("/meetings/idm-new-york/schedule.json")
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    assert response.headers["etag"]
    document = json.loads(response.content)
    assert json_problems(document) == []
    from_json = {
        event["guid"]: datetime.fromisoformat(event["date"]).astimezone(UTC)
        for day in document["schedule"]["conference"]["days"]
        for room in day["rooms"].values()
        for event in room
    }
    assert from_json == {event_guid(uid): e["DTSTART"].dt.astimezone(UTC) for uid, e in ics.items()}
    xml = await client.get("/meetings/idm-new-york/schedule.xml")
    assert xml_problems(xml.content) == []
    again = await client.get(
        "/meetings/idm-new-york/schedule.json", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


# -- panelists -------------------------------------------------------------------------------------


async def test_panelist_feed_spans_meetings_in_their_zones(client, demo):
    response = await client.get("/panelists/louise-arbour/agenda.ics")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    assert sorted(str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")) == [
        "America/New_York",
        "Europe/Zurich",
    ]
    by_zone = sorted((e["DTSTART"].params["TZID"], str(e["UID"])) for e in calendar.walk("VEVENT"))
    assert by_zone == [
        ("America/New_York", "idm-new-york-opening@idmevents"),
        ("America/New_York", "idm-new-york-panel-2@idmevents"),
        ("Europe/Zurich", "idm-geneva-opening@idmevents"),
    ]


async def test_panelist_page_lists_sessions_in_local_time_with_subscribe_links(client, demo):
    response = await client.get("/panelists/louise-arbour")
    assert response.status_code == 200
    text = text_of(response.text)
    assert "Ms Louise Arbour" in text
    assert "10:00–11:00 EDT Opening session Speaker · Opening · Trusteeship Council Chamber" in text
    assert "10:00–11:00 CEST Opening session Keynote speaker · Opening · Room XVII" in text
    assert 'href="webcal://testserver.local/panelists/louise-arbour/agenda.ics"' in response.text
    panelists_page = await client.get("/meetings/idm-new-york/panelists")
    assert 'href="/panelists/louise-arbour"' in panelists_page.text


async def test_unknown_or_unannounced_panelist_is_404(client, demo):
    assert (await client.get("/panelists/nobody")).status_code == 404
    assert (await client.get("/panelists/nobody/agenda.ics")).status_code == 404
    await Meeting.update({Meeting.status: "draft"}, force=True)
    assert (await client.get("/panelists/louise-arbour")).status_code == 404
    assert (await client.get("/panelists/louise-arbour/agenda.ics")).status_code == 404


# -- a participant's own feed ----------------------------------------------------------------------


async def test_personal_feed_without_choices_is_the_whole_meeting(client, demo):
    registration = await make_registration("idm-geneva")
    response = await client.get(f"/r/{registration['feed_token']}/agenda.ics")
    assert response.status_code == 200
    assert set(events(response)) == {s["uid"] for s in await sessions_of("idm-geneva")}
    # Personal data: no cache keeps it (web/security.py), whatever the feed asked for.
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    assert "access-control-allow-origin" not in response.headers


async def test_personal_feed_holds_the_confirmed_choices(client, demo):
    chosen = await session_id("idm-geneva-side-event@idmevents")
    waiting = await session_id("idm-geneva-panel-2@idmevents")
    plenary = await session_id("idm-geneva-panel-1@idmevents")
    registration = await make_registration(
        "idm-geneva", choices={chosen: "confirmed", waiting: "waitlisted", plenary: "confirmed"}
    )
    response = await client.get(f"/r/{registration['feed_token']}/agenda.ics")
    assert sorted(events(response)) == [
        "idm-geneva-panel-1@idmevents",
        "idm-geneva-side-event@idmevents",
    ]


async def test_personal_feed_is_not_at_the_manage_token(client, demo):
    registration = await make_registration("idm-geneva")
    assert (await client.get(f"/r/{registration['token']}/agenda.ics")).status_code == 404


async def test_personal_feed_of_a_cancelled_or_rejected_registration_is_404(client, demo):
    for status in ("cancelled", "rejected"):
        registration = await make_registration(
            "idm-geneva", status=status, email=f"{status}@example.org"
        )
        assert (await client.get(f"/r/{registration['feed_token']}/agenda.ics")).status_code == 404
    waiting = await make_registration("idm-geneva", status="waitlisted", email="w@example.org")
    assert (await client.get(f"/r/{waiting['feed_token']}/agenda.ics")).status_code == 200


async def test_personal_feed_changes_with_the_choices(client, demo):
    chosen = await session_id("idm-geneva-side-event@idmevents")
    registration = await make_registration("idm-geneva", choices={chosen: "waitlisted"})
    url = f"/r/{registration['feed_token']}/agenda.ics"
    first = await client.get(url)
    assert len(events(first)) == 7
    # Promoted from the waiting list: the feed narrows to the one session.
    from idmevents.registrations.tables import SessionAttendance

    await SessionAttendance.update({SessionAttendance.status: "confirmed"}).where(
        SessionAttendance.registration == registration["id"]
    )
    second = await client.get(url, headers={"if-none-match": first.headers["etag"]})
    assert second.status_code == 200
    assert list(events(second)) == ["idm-geneva-side-event@idmevents"]
    # No timestamp moved: only the ETag tells the copies apart, so a date alone never gets a 304.
    dated = await client.get(url, headers={"if-modified-since": first.headers["last-modified"]})
    assert dated.status_code == 200
    current = await client.get(url, headers={"if-none-match": second.headers["etag"]})
    assert current.status_code == 304


async def csrf_headers(client) -> dict[str, str]:
    await client.get("/meetings/idm-geneva")
    return {"x-csrftoken": client.cookies["csrftoken"]}


async def test_replacing_the_feed_secret_retires_the_old_address(client, demo):
    registration = await make_registration("idm-geneva")
    old_url = f"/r/{registration['feed_token']}/agenda.ics"
    assert (await client.get(old_url)).status_code == 200
    response = await client.post(
        f"/r/{registration['token']}/feed/replace",
        headers=await csrf_headers(client),
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"/r/{registration['token']}",
    )
    assert (await client.get(old_url)).status_code == 404
    row = await Registration.select().where(Registration.id == registration["id"]).first()
    assert row["feed_token"] != registration["feed_token"]
    assert row["token"] == registration["token"]
    assert len(row["feed_token"]) >= 40
    assert (await client.get(f"/r/{row['feed_token']}/agenda.ics")).status_code == 200


async def test_replacing_needs_the_csrf_token_and_a_real_registration(client, demo):
    registration = await make_registration("idm-geneva")
    refused = await client.post(f"/r/{registration['token']}/feed/replace")
    assert refused.status_code == 403
    unknown = await client.post(
        "/r/not-a-token/feed/replace", headers=await csrf_headers(client), follow_redirects=False
    )
    assert unknown.status_code == 404
    row = await Registration.select().where(Registration.id == registration["id"]).first()
    assert row["feed_token"] == registration["feed_token"]
    # The feed secret cannot stand in for the manage token.
    by_feed = await client.post(
        f"/r/{registration['feed_token']}/feed/replace",
        headers=await csrf_headers(client),
        follow_redirects=False,
    )
    assert by_feed.status_code == 404


# -- the meeting page ------------------------------------------------------------------------------


async def test_meeting_page_offers_subscription_and_session_files(client, demo):
    response = await client.get("/meetings/idm-new-york")
    html = response.text
    assert 'href="webcal://testserver.local/meetings/idm-new-york/agenda.ics"' in html
    assert (
        'href="https://calendar.google.com/calendar/render?cid='
        'webcal%3A%2F%2Ftestserver.local%2Fmeetings%2Fidm-new-york%2Fagenda.ics"'
    ) in html
    sid = await session_id("idm-new-york-opening@idmevents")
    assert f'href="/meetings/idm-new-york/sessions/{sid}/event.ics" download' in html
    assert "Subscribe, and your calendar follows every change to the agenda" in text_of(html)


# -- the participant's private page ----------------------------------------------------------------


async def test_private_page_offers_the_personal_feed_and_replaces_its_secret(client, demo):
    registration = await make_registration("idm-geneva")
    page = await client.get(f"/r/{registration['token']}")
    assert page.status_code == 200
    feed = f"testserver.local/r/{registration['feed_token']}/agenda.ics"
    assert f'href="webcal://{feed}"' in page.text
    assert f'value="https://{feed}"' in page.text
    assert f'action="/r/{registration["token"]}/feed/replace"' in page.text

    replaced = await client.post(
        f"/r/{registration['token']}/feed/replace",
        data={"_csrf_token": client.cookies["csrftoken"]},
        follow_redirects=True,
    )
    assert replaced.status_code == 200
    row = await Registration.select().where(Registration.id == registration["id"]).first()
    assert f'href="webcal://testserver.local/r/{row["feed_token"]}/agenda.ics"' in replaced.text
    assert registration["feed_token"] not in replaced.text
    assert (await client.get(f"https://{feed}")).status_code == 404


async def test_feed_and_subscribe_block_follow_the_language(client, demo):
    page = await client.get("/meetings/idm-geneva?lang=fr")
    assert "Ajouter à votre calendrier" in text_of(page.text)
    french = events(await client.get("/meetings/idm-geneva/agenda.ics?lang=fr"))
    client.cookies.clear()  # a calendar app has not visited the French page
    english = events(await client.get("/meetings/idm-geneva/agenda.ics"))
    opening = "idm-geneva-opening@idmevents"
    assert [str(c) for c in french[opening]["CATEGORIES"].cats] == ["Ouverture"]
    assert [str(c) for c in english[opening]["CATEGORIES"].cats] == ["Opening"]

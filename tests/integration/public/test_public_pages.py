"""The public pages through the HTTP client: meetings, a meeting's agenda in local time, panelists."""

import re
from datetime import UTC, date, datetime

from idmevents.meetings.tables import Meeting


def text_of(html: str) -> str:
    """The page's visible text with tags removed and white space folded, to assert on."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


async def test_home_lists_upcoming_and_past_meetings(client, demo):
    await Meeting.update(
        {Meeting.starts_on: date(2017, 7, 18), Meeting.ends_on: date(2017, 7, 19)}
    ).where(Meeting.slug == "idm-geneva")
    response = await client.get("/")
    assert response.status_code == 200
    text = text_of(response.text)
    upcoming, past = text.split("Past meetings")
    assert "First workshop, New York" in upcoming and "Geneva" not in upcoming
    assert "Second workshop, Geneva" in past


async def test_new_york_agenda_shows_new_york_local_time(client, demo):
    response = await client.get("/meetings/idm-new-york")
    assert response.status_code == 200
    text = text_of(response.text)
    assert "Strengthening International Cooperation on and Governance of Migration" in text
    assert "United Nations Headquarters" in text
    assert "10:00–11:00 EDT Opening session" in text
    assert "Tuesday, April 20, 2027" in text and "Wednesday, April 21, 2027" in text
    assert (
        "Keynote speaker: Ms Amina J. Mohammed, Deputy Secretary-General of the United Nations"
        in text
    )
    assert "Trusteeship Council Chamber" in text
    assert 'href="/meetings/idm-new-york/register"' in response.text


async def test_geneva_agenda_shows_geneva_local_time(client, demo):
    text = text_of((await client.get("/meetings/idm-geneva")).text)
    assert "10:00–11:00 CEST Opening session" in text
    assert "Palais des Nations" in text
    assert "EDT" not in text


async def test_agenda_day_follows_the_meeting_zone(client, demo):
    text = text_of((await client.get("/meetings/idm-geneva")).text)
    assert text.index("Tuesday, July 20, 2027") < text.index("Opening session")


async def test_panelists_page_shows_bios_and_sessions(client, demo):
    response = await client.get("/meetings/idm-new-york/panelists")
    assert response.status_code == 200
    text = text_of(response.text)
    assert "Louise Arbour was appointed Special Representative" in text
    assert (
        "Ahmed Hussen" in text
        and "Minister of Immigration, Refugees and Citizenship of Canada" in text
    )
    assert "Opening session (Keynote speaker, Apr 20, 2027 10:00 EDT)" in text


async def test_unknown_meeting_is_a_404_page(client, demo):
    response = await client.get("/meetings/idm-paris")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "There is no meeting called “idm-paris”." in text_of(response.text)


async def test_unknown_address_is_a_404_page(client):
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is no page at this address." in text_of(response.text)


async def test_draft_meeting_is_not_public(client, demo):
    await Meeting.update({Meeting.status: "draft"}).where(Meeting.slug == "idm-geneva")
    assert (await client.get("/meetings/idm-geneva")).status_code == 404
    assert "Geneva" not in text_of((await client.get("/")).text)


async def test_cancelled_meeting_says_so_and_offers_no_registration(client, demo):
    await Meeting.update({Meeting.status: "cancelled"}).where(Meeting.slug == "idm-geneva")
    response = await client.get("/meetings/idm-geneva")
    assert "This meeting has been cancelled." in text_of(response.text)
    assert "/register" not in response.text


async def test_registration_button_hidden_when_window_closed(client, demo):
    await Meeting.update({Meeting.registration_closes_at: datetime(2020, 1, 1, tzinfo=UTC)}).where(
        Meeting.slug == "idm-new-york"
    )
    response = await client.get("/meetings/idm-new-york")
    assert "/register" not in response.text
    assert "Registration is not open." in text_of(response.text)


async def test_health_reports_the_database(client):
    response = await client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok"})


async def test_pages_follow_accept_language_for_dates(client, demo):
    response = await client.get("/meetings/idm-geneva", headers={"Accept-Language": "fr"})
    assert '<html lang="fr" dir="ltr">' in response.text
    assert "mardi 20 juillet 2027" in text_of(response.text)


async def long_agenda() -> tuple[dict, str]:
    """A published meeting over three days, one of its sessions with a long description."""
    from datetime import timedelta

    from idmevents.meetings.tables import MeetingSession
    from tests.factories.meetings import make_meeting, make_session

    meeting = await make_meeting(slug="long-meeting")
    await Meeting.update({Meeting.ends_on: date(2027, 4, 22)}).where(Meeting.id == meeting["id"])
    first_day = datetime(2027, 4, 20, 14, 0, tzinfo=UTC)
    sessions = [
        await make_session(meeting, str(day), starts_at=first_day + timedelta(days=day))
        for day in range(3)
    ]
    long = "Why this session matters. " * 20 + "\n\nWho should come."
    await MeetingSession.update(
        {MeetingSession.description: long, MeetingSession.updated_at: datetime.now(UTC)}
    ).where(MeetingSession.id == sessions[0]["id"])
    await MeetingSession.update({MeetingSession.description: "A short one."}).where(
        MeetingSession.id == sessions[1]["id"]
    )
    return meeting, long


async def test_a_long_agenda_links_its_days_and_folds_long_descriptions(client, demo):
    await long_agenda()
    html = (await client.get("/meetings/long-meeting")).text
    days = re.search(r'<ul class="agenda-days">(.*?)</ul>', html).group(1)
    assert re.findall(r'href="#(day-\d)"', days) == ["day-1", "day-2", "day-3"]
    assert all(f'id="{day}"' in html for day in ("day-1", "day-2", "day-3"))
    # The long description is in the page (search engines, no scripts), folded; the short one not.
    folded = re.search(r'<details class="session-description">(.*?)</details>', html, re.S)
    assert "Why this session matters." in folded.group(1) and "Who should come." in folded.group(1)
    assert "Description: Session 0" in text_of(folded.group(1))
    assert html.count("<details") == 1 and "A short one." in html
    # Two days (the demo's meetings) need no links.
    assert "agenda-days" not in (await client.get("/meetings/idm-geneva")).text

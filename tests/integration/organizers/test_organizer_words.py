"""Organizer pages in words and readable formats: no audit codes, no "Address" for a web address,
no "Calendar version 0", 24-hour times, medium dates, readable zones and shares."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from idmevents.audit import log as audit
from idmevents.meetings.tables import MeetingSession
from tests.factories.meetings import make_meeting, make_session
from tests.factories.registrations import desk_meeting


async def sign_in(client, make_user, login, role: str = "admin") -> dict:
    user, password = await make_user(role)
    assert (await login(client, user["email"], password)).status_code == 303
    return user


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


async def test_the_audit_log_says_what_happened_in_words_with_24_hour_times(
    client, make_user, login
):
    await sign_in(client, make_user, login)
    await audit.record(
        user_id=None,
        actor="ada@example.org",
        action="print_badges",
        entity_type="meeting",
        entity_id=1,
        meeting_slug="idm-new-york",
        summary="12 badges",
        now=datetime(2027, 4, 20, 13, 13, 37, tzinfo=UTC),
    )
    page = (await client.get("/admin/audit")).text
    assert '<span title="print_badges">Badges printed</span>' in page
    assert '<span title="meeting">Meeting</span> 1' in page
    assert "Apr 20, 2027, 13:13 UTC" in text_of(page)
    assert "PM" not in text_of(page) and "print_badges ·" not in page
    french = (await client.get("/admin/audit", headers={"accept-language": "fr"})).text
    assert "Badges imprimés" in french


async def test_the_meeting_form_asks_for_a_web_address(client, make_user, login):
    await sign_in(client, make_user, login)
    page = (await client.get("/admin/meetings/new")).text
    assert ">Web address" in page and ">Address<" not in page


async def test_a_session_says_how_often_calendars_were_told_of_a_change(client, make_user, login):
    await sign_in(client, make_user, login)
    meeting = await make_meeting()
    session = await make_session(meeting, "a")
    page = text_of((await client.get(f"/admin/sessions/{session['id']}")).text)
    assert "Calendar version" not in page and "Changes sent to calendars" not in page
    await MeetingSession.update({MeetingSession.sequence: 2}).where(
        MeetingSession.id == session["id"]
    )
    page = text_of((await client.get(f"/admin/sessions/{session['id']}")).text)
    assert "Changes sent to calendars: 2" in page


async def test_the_desk_shows_medium_dates_and_small_shares_as_less_than_one_percent(
    client, make_user, login
):
    await sign_in(client, make_user, login, "organizer")
    await desk_meeting(capacity=400)
    page = (await client.get("/admin/meetings/desk-meeting/registrations")).text
    assert "4/20/27" not in page and "Apr 20, 2027 " in page
    categories = text_of(page.split('id="categories-heading"')[1].split("</table>")[0])
    # Two confirmed of 400 seats is not nothing; a category with none confirmed is 0%.
    assert "Member State 0 2 0 0 0 <1%" in categories
    assert "Media 1 0 0 0 0 0%" in categories


async def test_a_zone_without_an_abbreviation_reads_as_an_offset_from_utc(client):
    bangkok = await make_meeting(slug="idm-bkk", timezone="Asia/Bangkok")
    await make_session(bangkok, "b")
    page = text_of((await client.get("/meetings/idm-bkk")).text)
    assert "UTC+7" in page and "+07" not in page

"""The meeting and session forms of the agenda builder set how people take part online: the mode,
the online places, the public webcast and the private remote link, checked by the rules the API
uses."""

from __future__ import annotations

import re

from idmevents.meetings.tables import Meeting, MeetingSession
from tests.integration.organizers.test_agenda_admin import organizer_client, post_form  # noqa: F401

EDIT = "/admin/meetings/idm-geneva/edit"


def form_values(page: str) -> dict[str, str]:
    """The meeting form as the page fills it in: inputs, and each select's chosen option."""
    values = dict(
        re.findall(r'<input type="[^"]+" id="[^"]*" name="([^"]+)" value="([^"]*)"', page)
    )
    for name, options in re.findall(
        r'<select id="[^"]*" name="([^"]+)"[^>]*>(.*?)</select>', page, re.S
    ):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        values[name] = chosen.group(1) if chosen else ""
    values.pop("_csrf_token", None)
    return values


async def stored(*names: str) -> dict:
    columns = [getattr(Meeting, name) for name in names]
    return await Meeting.select(*columns).where(Meeting.slug == "idm-geneva").first()


async def test_meeting_form_saves_mode_places_and_links(organizer_client, demo):  # noqa: F811
    page = (await organizer_client.get(EDIT)).text
    assert "Taking part online" in page and "only registered online participants see it" in page
    values = form_values(page)
    assert values["mode"] == "in_person" and values["webcast_url"] == ""
    response = await post_form(
        organizer_client,
        EDIT,
        values
        | {
            "mode": "hybrid",
            "capacity": "10",
            "capacity_online": "20",
            "webcast_url": "https://webtv.un.org/idm",
            "remote_url": "https://meet.example.org/j/123",
        },
    )
    assert response.status_code == 303, response.text
    assert await stored("mode", "capacity", "capacity_online", "webcast_url", "remote_url") == {
        "mode": "hybrid",
        "capacity": 10,
        "capacity_online": 20,
        "webcast_url": "https://webtv.un.org/idm",
        "remote_url": "https://meet.example.org/j/123",
    }
    again = form_values((await organizer_client.get(EDIT)).text)
    assert (again["mode"], again["capacity_online"], again["remote_url"]) == (
        "hybrid",
        "20",
        "https://meet.example.org/j/123",
    )


async def test_meeting_form_refuses_what_the_api_refuses(organizer_client, api_token, demo):  # noqa: F811
    values = form_values((await organizer_client.get(EDIT)).text)
    before = await stored("mode", "capacity_online", "webcast_url", "remote_url")
    bad = {
        "mode": "balcony",
        "capacity_online": "-3",
        "webcast_url": "ftp://webtv.un.org/idm",
        "remote_url": "javascript:alert(1)",
    }
    response = await post_form(organizer_client, EDIT, values | bad)
    assert response.status_code == 422
    page = response.text
    assert 'value="ftp://webtv.un.org/idm"' in page  # shown again as typed
    assert page.count("An address starting with https:// or http://.") == 2
    assert "One of: in_person, online, hybrid." in page
    assert await stored("mode", "capacity_online", "webcast_url", "remote_url") == before
    # The API answers the same fields with the same rule.
    _, token = await api_token("admin")
    api = await organizer_client.patch(
        "/api/v1/meetings/idm-geneva",
        json={"webcast_url": "ftp://webtv.un.org/idm", "remote_url": "javascript:alert(1)"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert api.status_code == 422
    assert set(api.json()["fields"]) == {"webcast_url", "remote_url"}
    # Not a number at all: the form says so before any rule is asked.
    response = await post_form(organizer_client, EDIT, values | {"capacity_online": "many"})
    assert response.status_code == 422 and "A whole number." in response.text


async def test_session_form_sets_and_checks_its_webcast(organizer_client, demo):  # noqa: F811
    meeting = await Meeting.select(Meeting.id).where(Meeting.slug == "idm-geneva").first()
    session = (
        await MeetingSession.select(MeetingSession.id)
        .where(MeetingSession.meeting == meeting["id"])
        .order_by(MeetingSession.starts_at)
        .first()
    )
    url = f"/admin/sessions/{session['id']}"
    page = (await organizer_client.get(url)).text
    values = form_values(page)
    assert values["webcast_url"] == ""
    response = await post_form(
        organizer_client, url, values | {"webcast_url": "http://webtv.un.org/opening"}
    )
    assert response.status_code == 303, response.text
    row = await MeetingSession.select(MeetingSession.webcast_url).where(
        MeetingSession.id == session["id"]
    )
    assert row == [{"webcast_url": "http://webtv.un.org/opening"}]
    response = await post_form(organizer_client, url, values | {"webcast_url": "webtv.un.org"})
    assert response.status_code == 422
    assert "An address starting with https:// or http://." in response.text
    row = await MeetingSession.select(MeetingSession.webcast_url).where(
        MeetingSession.id == session["id"]
    )
    assert row == [{"webcast_url": "http://webtv.un.org/opening"}]


async def test_interpretation_default_and_session_forms(organizer_client, demo):  # noqa: F811
    values = form_values((await organizer_client.get(EDIT)).text)
    assert values["interpretation"] == ""
    response = await post_form(
        organizer_client, EDIT, values | {"interpretation": "ar, zh, EN fr;ru,es"}
    )
    assert response.status_code == 303, response.text
    assert await stored("interpretation") == {"interpretation": "ar,zh,en,fr,ru,es"}
    # The builder's new-session form starts from the meeting's languages.
    builder_page = (await organizer_client.get("/admin/meetings/idm-geneva")).text
    assert 'name="interpretation" value="ar, zh, en, fr, ru, es"' in builder_page

    meeting = await Meeting.select(Meeting.id).where(Meeting.slug == "idm-geneva").first()
    session = (
        await MeetingSession.select(MeetingSession.id)
        .where(MeetingSession.meeting == meeting["id"])
        .first()
    )
    url = f"/admin/sessions/{session['id']}"
    values = form_values((await organizer_client.get(url)).text)
    response = await post_form(organizer_client, url, values | {"interpretation": "en, fr, xx"})
    assert response.status_code == 422
    assert "Unknown language code: xx." in response.text
    assert 'value="en, fr, xx"' in response.text
    row = await MeetingSession.select(MeetingSession.interpretation).where(
        MeetingSession.id == session["id"]
    )
    assert row == [{"interpretation": ""}]  # demo sessions were made before the default was set
    response = await post_form(organizer_client, url, values | {"interpretation": "en, es"})
    assert response.status_code == 303
    row = await MeetingSession.select(MeetingSession.interpretation).where(
        MeetingSession.id == session["id"]
    )
    assert row == [{"interpretation": "en,es"}]
    assert 'value="en, es"' in (await organizer_client.get(url)).text

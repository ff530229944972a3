"""What tripped a newcomer building a meeting (issue 12, item 9): rooms come before "Add a
session", the time zone is chosen by city, the web address follows the title, a panelist created
from a session goes back to it, the dashboard goes by date and points at pending approvals."""

from __future__ import annotations

import html
import re
import secrets

from idmevents.meetings.tables import Meeting, Panelist
from idmevents.registrations.tables import Registration
from tests.factories.meetings import make_meeting, make_session


async def sign_in(client, make_user, login, role: str = "admin") -> dict:
    user, password = await make_user(role)
    assert (await login(client, user["email"], password)).status_code == 303
    return user


async def post_form(client, url: str, data: dict, *, form_url: str | None = None):
    await client.get(form_url or url)
    return await client.post(
        url, data=data | {"_csrf_token": client.cookies.get("csrftoken")}, follow_redirects=False
    )


def options(page: str, select_id: str) -> list[tuple[str, str, str]]:
    """(optgroup label, value, text) of each option of a select."""
    body = page.split(f'<select id="{select_id}"', 1)[1].split("</select>", 1)[0]
    found, group = [], ""
    for match in re.finditer(
        r'<optgroup label="([^"]*)">|<option value="([^"]*)"[^>]*>([^<]*)<', body
    ):
        if match.group(1) is not None:
            group = html.unescape(match.group(1))
        else:
            found.append((group, match.group(2), html.unescape(match.group(3))))
    return found


async def test_rooms_come_before_adding_a_session_and_their_absence_is_said(
    client, make_user, login
):
    await sign_in(client, make_user, login)
    meeting = await make_meeting(slug="bangkok-2027", title="Bangkok", timezone="Asia/Bangkok")
    page = (await client.get("/admin/meetings/bangkok-2027")).text
    assert page.index('id="rooms-heading"') < page.index('id="add-session-heading"')
    assert 'id="no-rooms-yet"' in page
    response = await post_form(
        client,
        "/admin/meetings/bangkok-2027/rooms",
        {"name": "Conference Room 1", "capacity": "40"},
        form_url="/admin/meetings/bangkok-2027",
    )
    assert response.status_code == 303, response.text
    assert 'id="no-rooms-yet"' not in (await client.get("/admin/meetings/bangkok-2027")).text
    assert meeting["slug"] == "bangkok-2027"


async def test_session_kinds_and_roles_read_in_the_organizers_language(client, make_user, login):
    await sign_in(client, make_user, login)
    meeting = await make_meeting()
    session = await make_session(meeting, "s1", kind="side-event")
    builder = (await client.get(f"/admin/meetings/{meeting['slug']}?lang=fr")).text
    assert "Manifestation parallèle" in html.unescape(builder)
    assert "Side event" not in builder
    page = html.unescape((await client.get(f"/admin/sessions/{session['id']}?lang=es")).text)
    assert ("moderator", "Moderación") in [(v, t) for _, v, t in options(page, "assign-role")]


async def test_the_time_zone_is_chosen_by_city_grouped_by_region(client, make_user, login):
    await sign_in(client, make_user, login)
    english = options((await client.get("/admin/meetings/new")).text, "timezone")
    values = [value for _, value, _ in english]
    assert ("Americas", "America/New_York") in [(g, v) for g, v, _ in english]
    assert ("Asia", "Asia/Bangkok", "Bangkok (UTC+7) · Asia/Bangkok") in english
    # Legacy aliases are not offered twice under other names.
    assert "Asia/Calcutta" not in values and "US/Eastern" not in values
    assert "Asia/Kolkata" in values
    assert values[0] == ""  # nothing is chosen for the organizer
    french = options((await client.get("/admin/meetings/new?lang=fr")).text, "timezone")
    assert ("Europe", "Europe/Zurich", "Zurich (UTC+1) · Europe/Zurich") in french or (
        "Europe",
        "Europe/Zurich",
        "Zurich (UTC+2) · Europe/Zurich",
    ) in french
    assert ("Amériques", "America/New_York") in [(g, v) for g, v, _ in french]


async def test_a_meeting_stored_with_an_alias_keeps_it_on_its_form(client, make_user, login):
    await sign_in(client, make_user, login)
    await make_meeting(slug="old-zone", timezone="Asia/Calcutta")
    page = (await client.get("/admin/meetings/old-zone/edit")).text
    assert re.search(r'<option value="Asia/Calcutta" selected>', page)


async def test_an_empty_web_address_is_made_from_the_title(client, make_user, login):
    await sign_in(client, make_user, login)
    response = await post_form(
        client,
        "/admin/meetings/new",
        {
            "title": "Migration et développement durable à Genève",
            "slug": "",
            "timezone": "Europe/Zurich",
            "starts_on": "2027-10-11",
            "ends_on": "2027-10-12",
        },
    )
    assert response.status_code == 303, response.text
    slug = "migration-et-developpement-durable-a-geneve"
    assert response.headers["location"].startswith(f"/admin/meetings/{slug}")
    assert await Meeting.exists().where(Meeting.slug == slug)
    page = (await client.get("/admin/meetings/new")).text
    assert "/static/slug.js" in page


async def test_a_panelist_created_from_a_session_goes_back_to_it_chosen(client, make_user, login):
    await sign_in(client, make_user, login)
    meeting = await make_meeting()
    session = await make_session(meeting, "s1")
    session_page = (await client.get(f"/admin/sessions/{session['id']}")).text
    assert f"/admin/panelists/new?session={session['id']}" in session_page
    form_page = (await client.get(f"/admin/panelists/new?session={session['id']}")).text
    assert f'name="for_session" value="{session["id"]}"' in form_page
    response = await post_form(
        client,
        "/admin/panelists/new",
        {"name": "Amina Diallo", "organization": "IOM", "for_session": str(session["id"])},
        form_url=f"/admin/panelists/new?session={session['id']}",
    )
    assert response.status_code == 303, response.text
    person = await Panelist.select().where(Panelist.name == "Amina Diallo").first()
    location = response.headers["location"]
    assert location == (
        f"/admin/sessions/{session['id']}?done=panelist-created&panelist={person['id']}#panelists"
    )
    back = (await client.get(location.split("#")[0])).text
    assert f'<option value="{person["id"]}" selected>' in back
    assert "choose their role below" in back


async def test_a_panelist_form_ignores_a_session_that_does_not_exist(client, make_user, login):
    await sign_in(client, make_user, login)
    for bogus in ("999999", "99999999999999999999", "abc"):
        page = await client.get(f"/admin/panelists/new?session={bogus}")
        assert page.status_code == 200
        assert 'name="for_session"' not in page.text
    response = await post_form(
        client,
        "/admin/panelists/new",
        {"name": "Lone Person", "for_session": "999999"},
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/panelists/")


async def add_registration(meeting_id: int, address: str, status: str) -> None:
    await Registration.insert(
        Registration(
            meeting=meeting_id,
            token=secrets.token_urlsafe(16),
            feed_token=secrets.token_urlsafe(16),
            given_name="A",
            family_name="B",
            email=address,
            email_key=address,
            category="civil-society",
            status=status,
        )
    )


async def test_the_dashboard_goes_by_date_and_points_at_pending_approvals(
    client, make_user, login, demo
):
    await sign_in(client, make_user, login)
    new_york = await Meeting.select(Meeting.id).where(Meeting.slug == "idm-new-york").first()
    for n in range(2):
        await add_registration(new_york["id"], f"pending-{n}@example.org", "pending")
    page = (await client.get("/admin/")).text
    assert page.index("idm-new-york") < page.index("idm-geneva")
    approvals = page.split('id="awaiting-approval"', 1)[1].split("</section>", 1)[0]
    assert "/admin/meetings/idm-new-york/registrations?status=pending" in approvals
    assert "2 registrations for" in html.unescape(approvals)
    french = html.unescape((await client.get("/admin/?lang=fr")).text)
    assert "En attente de votre approbation" in french

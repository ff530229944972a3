"""The organizers' delegations page: invite one, every IOM Member State, a CSV of focal points;
renew a link; set the release date; errors shown on the page."""

from __future__ import annotations

import pytest

from idmevents import states
from idmevents.delegations.tables import Delegation
from idmevents.meetings.tables import Meeting
from tests.factories.delegations import make_delegation
from tests.factories.meetings import make_meeting
from tests.support.outbox import outbox_messages

PAGE = "/admin/meetings/test-meeting/delegations/"


@pytest.fixture
async def organizer_client(client, make_user, login):
    user, password = await make_user("organizer")
    response = await login(client, user["email"], password)
    assert response.status_code == 303
    return client


async def post_form(client, url: str, data: dict, files: dict | None = None):
    await client.get(PAGE)
    return await client.post(
        url,
        data=data | {"_csrf_token": client.cookies.get("csrftoken")},
        files=files,
        follow_redirects=False,
    )


async def test_anonymous_is_sent_to_login_and_checkin_gets_403(client, make_user, login):
    await make_meeting()
    response = await client.get(PAGE, follow_redirects=False)
    assert response.status_code == 303
    user, password = await make_user("checkin")
    await login(client, user["email"], password)
    assert (await client.get(PAGE)).status_code == 403


async def test_invite_one_delegation_and_see_its_link(organizer_client):
    await make_meeting()
    response = await post_form(
        organizer_client,
        PAGE,
        {
            "country": "CH",
            "focal_point_name": "Anna Focal",
            "focal_point_email": "anna@mission.ch",
            "focal_point_mission": "Permanent Mission of Switzerland",
            "quota": "3",
        },
    )
    assert response.status_code == 303
    page = await organizer_client.get(response.headers["location"])
    assert "The delegation was invited." in page.text
    assert "Switzerland" in page.text
    row = await Delegation.select().first()
    assert f"/d/{row['token']}" in page.text
    assert "0 of 3" in page.text


async def test_invalid_delegation_shows_the_errors(organizer_client):
    await make_meeting()
    response = await post_form(
        organizer_client,
        PAGE,
        {"country": "", "focal_point_name": "", "focal_point_email": "nope", "quota": "x"},
    )
    assert response.status_code == 422
    assert "Choose a State, or name an organization." in response.text
    assert "Enter an email address in the form name@example.org." in response.text
    assert await Delegation.count() == 0


async def test_all_iom_member_states_at_once(organizer_client):
    await make_meeting()
    await make_delegation(await Meeting.select().first(), "CH", quota=5)
    response = await post_form(organizer_client, PAGE + "iom-member-states", {"members_quota": "2"})
    assert response.status_code == 303
    members = {
        code for code, _ in states.state_choices("en") if states.iom_status(code) == "member"
    }
    rows = await Delegation.select(Delegation.country, Delegation.quota)
    assert {r["country"] for r in rows} == members | {"CH"}
    assert {r["country"]: r["quota"] for r in rows}["CH"] == 5
    assert {r["quota"] for r in rows if r["country"] != "CH"} == {2}


async def test_csv_of_focal_points_is_all_or_nothing(organizer_client):
    await make_meeting()
    good = (
        "country,focal_point_name,focal_point_email,quota\n"
        "FR,Jean Point,jean@mission.fr,2\n"
        "MX,María Punto,maria@mission.mx,3\n"
    )
    bad = good + "QQ,Nobody,bad,1\n"
    refused = await post_form(
        organizer_client,
        PAGE + "import",
        {},
        files={"file": ("focal.csv", bad.encode(), "text/csv")},
    )
    assert refused.status_code == 422
    assert "line 4" in refused.text
    assert await Delegation.count() == 0
    accepted = await post_form(
        organizer_client,
        PAGE + "import",
        {},
        files={"file": ("focal.csv", good.encode(), "text/csv")},
    )
    assert accepted.status_code == 303
    rows = await Delegation.select(Delegation.country, Delegation.focal_point_email).order_by(
        Delegation.id
    )
    assert rows == [
        {"country": "FR", "focal_point_email": "jean@mission.fr"},
        {"country": "MX", "focal_point_email": "maria@mission.mx"},
    ]


async def test_renew_link_voids_the_old_one(organizer_client):
    meeting = await make_meeting()
    delegation = await make_delegation(meeting)
    assert (await organizer_client.get(f"/d/{delegation['token']}")).status_code == 200
    response = await post_form(organizer_client, PAGE + f"{delegation['id']}/renew-link", {})
    assert response.status_code == 303
    assert (await organizer_client.get(f"/d/{delegation['token']}")).status_code == 404
    [message] = await outbox_messages("focal-point-new-link")
    assert message["To"].addresses[0].addr_spec == delegation["focal_point_email"]


async def test_release_date_is_saved_in_the_meeting_zone(organizer_client):
    await make_meeting(timezone="Europe/Zurich")
    response = await post_form(
        organizer_client, PAGE + "release", {"release_at": "2027-04-01T18:00"}
    )
    assert response.status_code == 303
    row = await Meeting.select(Meeting.held_seats_release_at).first()
    assert row["held_seats_release_at"].isoformat().startswith("2027-04-01T16:00")
    bad = await post_form(organizer_client, PAGE + "release", {"release_at": "soon"})
    assert bad.status_code == 422
    assert "A date and time, such as 2027-04-01 18:00." in bad.text


async def test_focal_points_are_invited_once_per_send_and_the_page_says_who_was(
    organizer_client, smtp_server
):
    from idmevents.mail.send import SmtpSender
    from idmevents.mail.worker import deliver_due

    meeting = await make_meeting()
    await make_delegation(meeting, "CH", quota=2)
    await make_delegation(meeting, "FR", quota=1, language="fr")
    page = await organizer_client.get(PAGE)
    assert page.text.count("Not invited yet") == 2
    everyone = await post_form(organizer_client, PAGE + "invite-new", {})
    assert everyone.status_code == 303
    assert (
        "The invitations were queued"
        in (await organizer_client.get(everyone.headers["location"])).text
    )
    # A second press of the same button emails nobody again.
    again = await post_form(organizer_client, PAGE + "invite-new", {})
    assert "Nobody was emailed" in (await organizer_client.get(again.headers["location"])).text
    assert await deliver_due(SmtpSender(smtp_server.url)) == 2
    delivered = {m["To"].addresses[0].addr_spec: m for m in smtp_server.messages}
    assert set(delivered) == {"focal.ch@mission.example.org", "focal.fr@mission.example.org"}
    assert delivered["focal.ch@mission.example.org"]["Subject"] == (
        "Invitation to name your delegation: Test workshop"
    )
    text = delivered["focal.ch@mission.example.org"].get_body(("plain",)).get_content()
    assert "/d/" in text and "2 seat(s) are kept for your delegation" in text
    assert delivered["focal.fr@mission.example.org"]["Subject"].startswith("Invitation à")
    page = await organizer_client.get(PAGE)
    assert page.text.count("Invited ") == 2
    assert "Send the invitation again" in page.text


async def test_one_send_button_emails_once_however_often_it_is_posted(organizer_client):
    import re

    from idmevents.mail.tables import OutboxMessage

    meeting = await make_meeting()
    delegation = await make_delegation(meeting)
    page = await organizer_client.get(PAGE)
    send_id = re.search(r'name="send_id" value="([^"]+)"', page.text).group(1)
    url = PAGE + f"{delegation['id']}/invite"
    for _ in range(3):
        response = await post_form(organizer_client, url, {"send_id": send_id})
        assert response.status_code == 303
    assert await OutboxMessage.count().where(OutboxMessage.kind == "focal-point-invitation") == 1


async def test_revoke_link_from_the_page(organizer_client):
    meeting = await make_meeting()
    delegation = await make_delegation(meeting)
    response = await post_form(organizer_client, PAGE + f"{delegation['id']}/revoke-link", {})
    assert response.status_code == 303
    page = await organizer_client.get(response.headers["location"])
    assert "The nomination link was revoked" in page.text
    assert "Revoked" in page.text
    assert (await organizer_client.get(f"/d/{delegation['token']}")).status_code == 404


async def test_the_focal_points_language_from_the_form_and_the_csv(organizer_client):
    await make_meeting()
    form = {
        "country": "CH",
        "focal_point_name": "Anna Focal",
        "focal_point_email": "anna@mission.ch",
        "quota": "2",
        "language": "fr",
    }
    assert (await post_form(organizer_client, PAGE, form)).status_code == 303
    bad = await post_form(organizer_client, PAGE, form | {"country": "AT", "language": "de"})
    assert bad.status_code == 422
    csv = (
        "country,focal_point_name,focal_point_email,quota,language\n"
        "MX,María Punto,maria@mission.mx,3,es\n"
        "GB,John Point,john@mission.uk,1,\n"
    )
    await post_form(
        organizer_client, PAGE + "import", {}, files={"file": ("f.csv", csv.encode(), "text/csv")}
    )
    rows = await Delegation.select(Delegation.country, Delegation.language).order_by(Delegation.id)
    assert [(r["country"], r["language"]) for r in rows] == [
        ("CH", "fr"),
        ("MX", "es"),
        ("GB", "en"),  # the meeting's language
    ]

"""Delegations and honorifics at the organizers' desk through HTTP: the filter by delegation (page,
CSV, API), the delegation and honorific in the list, on a registration's page and in its edit
form, the counts per delegation, the check-in desk, and the paper badges print on by default."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from io import BytesIO

from pypdf import PdfReader

from idmevents.audit import SYSTEM
from idmevents.delegations import services as delegations
from idmevents.registrations.tables import CheckIn, Registration
from tests.factories.delegations import make_delegation, nominee
from tests.factories.meetings import make_meeting
from tests.factories.registrations import desk_meeting

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
DESK = "/admin/meetings/desk-meeting/registrations"


async def signed_in(client, make_user, login, role: str = "organizer") -> None:
    user, password = await make_user(role)
    assert (await login(client, user["email"], password)).status_code == 303


async def with_delegations() -> dict:
    """The desk meeting, and two delegations: Switzerland (two delegates, one checked in, quota
    3) and the OSCE, an organization (one delegate)."""
    desk = await desk_meeting()
    switzerland = await make_delegation(desk.meeting, "CH", quota=3)
    osce = await make_delegation(desk.meeting, "", quota=1, organization="OSCE")
    named = {}
    for key, delegation, honorific in (
        ("livia", switzerland, "H.E. Ms"),
        ("marc", switzerland, ""),
        ("olga", osce, "Dr"),
    ):
        person = nominee(
            key, given_name=key.capitalize(), family_name="Delegate", honorific=honorific
        )
        result = await delegations.nominate(delegation, person, by=SYSTEM, now=NOW)
        named[key] = result.registration["id"]
    await CheckIn.insert(CheckIn(registration=named["livia"], checked_in_at=NOW))
    return {"desk": desk, "CH": switzerland, "OSCE": osce, "ids": named}


def listed(page: str) -> list[str]:
    return re.findall(r'href="/admin/registrations/\d+\?back=[^"]*">([^<]+)</a>', page)


async def test_the_desk_filters_by_delegation_and_names_it(client, make_user, login):
    made = await with_delegations()
    await signed_in(client, make_user, login)
    page = await client.get(DESK)
    assert '<select id="filter-delegation" name="delegation">' in page.text
    options = re.findall(
        r'<option value="(\d+)">([^<]+)</option>',
        page.text.split('<select id="filter-delegation"')[1].split("</select>")[0],
    )
    assert options == [(str(made["OSCE"]["id"]), "OSCE"), (str(made["CH"]["id"]), "Switzerland")]
    swiss = await client.get(f"{DESK}?delegation={made['CH']['id']}&sort=name")
    assert sorted(listed(swiss.text)) == ["Delegate, Livia", "Delegate, Marc"]
    assert f'<option value="{made["CH"]["id"]}" selected>Switzerland</option>' in swiss.text
    assert "Delegation: Switzerland" in swiss.text
    assert '<span class="muted">(H.E. Ms)</span>' in swiss.text
    # Paging and sorting links keep the filter; "Clear" drops it.
    assert f"delegation={made['CH']['id']}" in swiss.text.split('id="list-heading"')[1]
    french = await client.get(f"{DESK}?delegation={made['CH']['id']}&lang=fr")
    assert "Délégation\u00a0: Suisse" in french.text


async def test_a_delegation_of_another_meeting_or_none_is_a_clear_422(client, make_user, login):
    made = await with_delegations()
    other = await make_meeting(slug="other-meeting")
    foreign = await make_delegation(other, "FR", quota=1)
    await signed_in(client, make_user, login)
    for value in (str(foreign["id"]), "999999", "abc", "0"):
        response = await client.get(f"{DESK}?delegation={value}")
        assert response.status_code == 422, value
        assert "This meeting has no delegation" in response.text
    assert (await client.get(f"{DESK}.csv?delegation={foreign['id']}")).status_code == 422
    assert (await client.get(f"{DESK}?delegation={made['OSCE']['id']}")).status_code == 200


async def test_the_csv_has_honorific_and_delegation_and_follows_the_filter(
    client, make_user, login
):
    made = await with_delegations()
    await signed_in(client, make_user, login)
    response = await client.get(f"{DESK}.csv?delegation={made['CH']['id']}&sort=name")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[-2:] == ["Honorific", "Delegation"]
    assert header[3:5] == ["Given name", "Family name"]  # the first columns stay where they were
    people = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert [(p["Given name"], p["Honorific"], p["Delegation"]) for p in people] == [
        ("Livia", "H.E. Ms", "Switzerland"),
        ("Marc", "", "Switzerland"),
    ]
    everyone = await client.get(f"{DESK}.csv")
    body = everyone.content.decode("utf-8-sig")
    assert body.count("Switzerland") >= 2 and "OSCE" in body


async def test_a_registrations_page_shows_its_delegation_and_its_edit_form_the_honorific(
    client, make_user, login
):
    made = await with_delegations()
    await signed_in(client, make_user, login)
    livia = made["ids"]["livia"]
    detail = await client.get(f"/admin/registrations/{livia}")
    assert '<dd id="registration-delegation">Switzerland</dd>' in detail.text
    assert "<dt>Honorific</dt><dd>H.E. Ms</dd>" in detail.text
    jose = made["desk"].ids["jose"]
    plain = await client.get(f"/admin/registrations/{jose}")
    assert "registration-delegation" not in plain.text
    edit = await client.get(f"/admin/registrations/{jose}/edit")
    assert 'id="field-honorific"' in edit.text and 'list="honorific-suggestions"' in edit.text
    row = await Registration.select().where(Registration.id == jose).first()
    data = {
        name: row[name]
        for name in ("given_name", "family_name", "email", "organization", "position",
                     "category", "country", "language", "accessibility_needs")
    }  # fmt: skip
    response = await client.post(
        f"/admin/registrations/{jose}/edit",
        data=data | {"honorific": "Minister", "_csrf_token": client.cookies.get("csrftoken")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    saved = await Registration.select(Registration.honorific).where(Registration.id == jose)
    assert saved == [{"honorific": "Minister"}]


async def test_the_delegations_page_counts_each_delegation(client, make_user, login):
    made = await with_delegations()
    await Registration.update({Registration.status: "waitlisted"}).where(
        Registration.id == made["ids"]["marc"]
    )
    await signed_in(client, make_user, login)
    page = await client.get("/admin/meetings/desk-meeting/delegations/")
    row = page.text.split('<th scope="row">Switzerland</th>')[1].split("</tr>")[0]
    cells = [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
    ]
    # The focal point, seats used, confirmed, waiting, checked in (of the quota).
    assert cells[2:5] == ["1", "1", "1 of 3"]
    assert cells[1].startswith("2 of 3")
    assert f'href="{DESK}?delegation={made["CH"]["id"]}"' in row


async def test_the_desk_api_filters_by_delegation_and_names_it(client, make_user, api_token):
    made = await with_delegations()
    _user, token = await api_token("organizer")
    headers = {"Authorization": f"Bearer {token}"}
    url = "/api/v1/meetings/desk-meeting/registrations"
    response = await client.get(f"{url}?delegation={made['CH']['id']}&sort=name", headers=headers)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["given_name"], i["honorific"], i["delegation"]) for i in items] == [
        ("Livia", "H.E. Ms", "Switzerland"),
        ("Marc", "", "Switzerland"),
    ]
    other = await make_delegation(await make_meeting(slug="other-meeting"), "FR", quota=1)
    refused = await client.get(f"{url}?delegation={other['id']}", headers=headers)
    assert refused.status_code == 422
    assert "delegation" in refused.json()["fields"]
    listed = await client.get("/api/v1/meetings/desk-meeting/delegations", headers=headers)
    counts = {
        item["name"]: (item["confirmed"], item["waiting"], item["checked_in"], item["quota"])
        for item in listed.json()["items"]
    }
    assert counts == {"Switzerland": (2, 0, 1, 3), "OSCE": (1, 0, 0, 1)}
    one = await client.get(f"/api/v1/registrations/{made['ids']['olga']}", headers=headers)
    assert (one.json()["delegation"], one.json()["honorific"]) == ("OSCE", "Dr")
    patched = await client.patch(
        f"/api/v1/registrations/{made['ids']['olga']}", json={"honorific": "Prof."}, headers=headers
    )
    assert (patched.status_code, patched.json()["honorific"]) == (200, "Prof.")


async def test_the_check_in_desk_shows_the_honorific_and_delegation(
    client, make_user, login, api_token
):
    made = await with_delegations()
    await signed_in(client, make_user, login, role="checkin")
    desk = "/admin/checkin/desk-meeting"
    await client.get(desk)
    found = await client.post(
        f"{desk}/registrations/{made['ids']['olga']}",
        data={"_csrf_token": client.cookies.get("csrftoken")},
    )
    assert found.status_code == 200
    assert '<span class="desk-honorific">Dr</span> Olga Delegate' in found.text
    assert "Delegation: OSCE" in found.text
    reprinted = await client.post(
        f"{desk}/registrations/{made['ids']['olga']}/badge",
        data={"size": "4x3", "_csrf_token": client.cookies.get("csrftoken")},
    )
    assert reprinted.headers["content-type"] == "application/pdf"
    text = PdfReader(BytesIO(reprinted.content)).pages[0].extract_text()
    assert "\nDr\nOlga\n" in text and "OSCE" in text
    _user, token = await api_token("checkin")
    search = await client.get(
        "/api/v1/checkin/desk-meeting/search?q=livia", headers={"Authorization": f"Bearer {token}"}
    )
    [person] = search.json()["results"]
    assert (person["honorific"], person["delegation"]) == ("H.E. Ms", "Switzerland")


async def test_the_print_form_offers_the_meetings_usual_paper(client, make_user, login):
    await make_meeting(slug="in-new-york", timezone="America/New_York")
    await make_meeting(slug="in-geneva", timezone="Europe/Zurich")
    await signed_in(client, make_user, login)
    checked = {}
    for slug in ("in-new-york", "in-geneva"):
        page = await client.get(f"/admin/meetings/{slug}/badges/")
        checked[slug] = re.findall(r'id="paper-(\w+)" name="paper" value="\w+" checked', page.text)
    assert checked == {"in-new-york": ["letter"], "in-geneva": ["a4"]}

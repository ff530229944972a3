"""The check-in desk page through HTTP, without JavaScript: forms post, the page answers."""

from io import BytesIO

import pytest
from pypdf import PdfReader

from idmevents.badges import services
from idmevents.registrations.tables import CheckIn, Registration
from tests.factories.badges import add_registration, meeting

DESK = "/admin/checkin/idm-new-york"


async def badge_code(registration: dict) -> str:
    return (await services.badge_for_token(registration["token"])).badge.code


@pytest.fixture
async def desk_client(client, demo, make_user, login):
    user, password = await make_user("checkin", display_name="Door A")
    await login(client, user["email"], password)
    page = await client.get(DESK)
    assert page.status_code == 200
    return client


async def post(client, path: str, **data):
    return await client.post(path, data=data | {"_csrf_token": client.cookies.get("csrftoken")})


async def test_desk_needs_a_signed_in_user(client, demo):
    response = await client.get(DESK, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (
        303,
        "/admin/login?next=/admin/checkin/idm-new-york",
    )


async def test_desk_index_lists_the_meetings(desk_client):
    response = await desk_client.get("/admin/checkin/")
    assert response.status_code == 200
    assert 'href="/admin/checkin/idm-new-york"' in response.text
    assert 'href="/admin/checkin/idm-geneva"' in response.text
    assert "Print badges" not in response.text  # check-in staff do not print batches


async def test_desk_field_has_the_focus(desk_client):
    html = (await desk_client.get(DESK)).text
    assert '<input type="search" id="desk-query" name="q" autofocus' in html


async def test_scanning_a_code_checks_in_then_says_already_checked_in(desk_client):
    person = await add_registration(await meeting(), given_name="Amina", family_name="Mohammed")
    code = await badge_code(person)

    first = await post(desk_client, DESK, q=code)
    second = await post(desk_client, DESK, q=code)

    assert first.status_code == 200
    assert "Checked in</p>" in first.text and "Amina Mohammed" in first.text
    assert 'class="desk-result desk-ok" role="status"' in first.text
    assert "Already checked in</p>" in second.text
    assert 'class="desk-result desk-warn" role="alert"' in second.text
    assert "by Door A." in second.text
    assert await CheckIn.count() == 1


async def test_forged_code_is_refused_where_nobody_can_miss_it(desk_client):
    person = await add_registration(await meeting())
    code = await badge_code(person)
    forged = code[:-2] + ("00" if code[-2:] != "00" else "11")
    response = await post(desk_client, DESK, q=forged)
    assert 'class="desk-result desk-refused" role="alert"' in response.text
    assert "Refused</p>" in response.text
    assert "Not a valid badge for this meeting" in response.text
    assert await CheckIn.count() == 0


async def test_cancelled_registration_is_refused_with_its_card(desk_client):
    person = await add_registration(await meeting(), family_name="Gone")
    code = await badge_code(person)
    await Registration.update({Registration.status: "cancelled"}).where(
        Registration.id == person["id"]
    )
    response = await post(desk_client, DESK, q=code)
    assert "Registration cancelled." in response.text
    assert "Gone" in response.text
    assert await CheckIn.count() == 0


async def test_typing_a_name_lists_registrations_to_check_in(desk_client):
    new_york = await meeting()
    person = await add_registration(new_york, given_name="Louise", family_name="Arbour")
    await add_registration(new_york, given_name="Peter", family_name="Thomson")

    found = await post(desk_client, DESK, q="arbour")
    assert "1 registration matches “arbour”" in found.text
    assert "Louise Arbour" in found.text and "Peter Thomson" not in found.text
    action = f"{DESK}/registrations/{person['id']}"
    assert f'action="{action}"' in found.text

    checked = await post(desk_client, action)
    assert "Checked in</p>" in checked.text
    assert await CheckIn.count() == 1


async def test_a_name_nobody_has_says_so(desk_client):
    response = await post(desk_client, DESK, q="Nobody Here")
    assert "No registration matches “Nobody Here”." in response.text


async def test_undo_takes_the_check_in_back(desk_client):
    person = await add_registration(await meeting())
    await post(desk_client, DESK, q=await badge_code(person))
    response = await post(desk_client, f"{DESK}/registrations/{person['id']}/undo")
    assert "Check-in undone." in response.text
    assert await CheckIn.count() == 0


async def test_counts_show_arrivals_against_expected(desk_client):
    new_york = await meeting()
    arrived = await add_registration(new_york, category="media")
    await add_registration(new_york, category="media")
    await add_registration(new_york, category="academia")
    response = await post(desk_client, DESK, q=await badge_code(arrived))
    assert "1 of 3 expected" in response.text


async def test_posting_without_the_csrf_token_is_refused(desk_client):
    person = await add_registration(await meeting())
    response = await desk_client.post(DESK, data={"q": await badge_code(person)})
    assert response.status_code == 403
    assert await CheckIn.count() == 0


async def test_printing_one_badge_at_the_desk(desk_client):
    person = await add_registration(await meeting(), family_name="Forgotten")
    response = await post(desk_client, f"{DESK}/registrations/{person['id']}/badge", size="a6")
    assert response.headers["content-type"] == "application/pdf"
    page = PdfReader(BytesIO(response.content)).pages[0]
    assert "Forgotten" in page.extract_text()
    assert round(float(page.mediabox.width) * 25.4 / 72) == 105
    row = await Registration.select(Registration.badge_printed_at).first()
    assert row["badge_printed_at"] is not None


async def test_printing_the_badge_of_a_pending_registration_is_refused(desk_client):
    person = await add_registration(await meeting(), status="pending")
    response = await post(desk_client, f"{DESK}/registrations/{person['id']}/badge", size="4x3")
    assert response.status_code == 409
    assert "it is still awaiting approval" in response.text


async def test_desk_for_an_unknown_meeting_is_not_found(desk_client):
    assert (await desk_client.get("/admin/checkin/nowhere")).status_code == 404


async def test_replacing_a_lost_badge_at_the_desk(desk_client):
    person = await add_registration(await meeting())
    old_code = await badge_code(person)
    replaced = await post(desk_client, f"{DESK}/registrations/{person['id']}/replace-badge")
    assert "Badge replaced: the old one no longer works." in replaced.text
    refused = await post(desk_client, DESK, q=old_code)
    assert "This badge is no longer valid" in refused.text
    assert await CheckIn.count() == 0


async def test_what_was_typed_is_shown_as_text_not_markup(desk_client):
    response = await post(desk_client, DESK, q="<script>alert(1)</script>")
    assert "No registration matches “&lt;script&gt;alert(1)&lt;/script&gt;”." in response.text
    assert "<script>alert(1)" not in response.text


async def test_desk_index_offers_batch_printing_to_organizers(client, demo, make_user, login):
    user, password = await make_user("organizer")
    await login(client, user["email"], password)
    response = await client.get("/admin/checkin/")
    assert 'href="/admin/meetings/idm-new-york/badges"' in response.text

"""The registration form and the private page through HTTP, as a browser without JavaScript uses them."""

import re
from datetime import UTC, datetime, timedelta

from idmevents.i18n import local_datetime
from idmevents.meetings.tables import Meeting
from idmevents.registrations.tables import Registration, SessionAttendance
from tests.factories.registrations import form
from tests.integration.public.test_public_pages import text_of
from tests.support.outbox import outbox_messages

FORM = "/meetings/idm-new-york/register"


async def csrf_token(client, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200
    return re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)


def html_form(n=1, **overrides) -> dict:
    """What the browser sends for a valid form (checkboxes as "yes" and repeated session ids)."""
    values = form(n, **overrides)
    values["consent"] = "yes" if values["consent"] else ""
    return values


async def submit(client, data: dict, path: str = FORM, action: str | None = None):
    """GET the page at `path` (for its CSRF token), then POST its form to `action` (or `path`)."""
    token = await csrf_token(client, path)
    return await client.post(
        action or path, data=data | {"_csrf_token": token}, follow_redirects=False
    )


async def register(client, n=1, **overrides) -> str:
    """Register through the form; the private page's path (from the database: the answer is
    the same for everyone and the link goes by email)."""
    data = html_form(n, **overrides)
    response = await submit(client, data)
    assert response.status_code == 303, text_of(response.text)
    assert response.headers["location"] == f"{FORM}/sent"
    row = (
        await Registration.select(Registration.token)
        .where(Registration.email_key == data["email"].lower())
        .first()
    )
    return f"/r/{row['token']}"


async def test_meeting_page_links_to_the_form(client, demo):
    page = await client.get("/meetings/idm-new-york")
    assert f'href="{FORM}"' in page.text


async def test_form_registers_and_says_to_check_the_mailbox(client, demo):
    response = await submit(client, html_form(1))
    assert (response.status_code, response.headers["location"]) == (303, f"{FORM}/sent")
    sent = text_of((await client.get(response.headers["location"])).text)
    assert "We have sent an email to the address given" in sent
    row = await Registration.select().first()
    [email] = await outbox_messages("registration-confirmed")
    assert f"/r/{row['token']}" in email.get_body(("plain",)).get_content()
    page = await client.get(f"/r/{row['token']}?done=welcome")
    text = text_of(page.text)
    assert "Thank you for registering, Ana." in text
    assert "We have sent an email to person1@example.org." in text
    assert "Status: Confirmed" in text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"


async def test_form_errors_sit_beside_their_fields_and_keep_what_was_typed(client, demo):
    response = await submit(
        client, html_form(1, email="ana@", organization="Mission of Chile", consent=False)
    )
    assert response.status_code == 422
    html = response.text
    assert "<title>Error: Register" in html
    assert re.search(
        r'<p class="field-error-message" id="email-error"><span class="visually-hidden">Error:'
        r"</span> Enter an email address in the form name@example.org.</p>\s*"
        r'<input type="email" id="field-email" name="email" value="ana@"[^>]*'
        r'aria-describedby="email-hint email-error" aria-invalid="true">',
        html,
    )
    assert re.search(
        r'id="consent-error">.*?You must agree.*?</p>\s*<div class="choice">\s*'
        r'<input type="checkbox" name="consent" value="yes" id="field-consent" '
        r'aria-describedby="consent-error" aria-invalid="true">',
        html,
        re.S,
    )
    assert 'value="Mission of Chile"' in html
    assert 'value="member-state" id="field-category" checked' in html
    assert '<option value="CL" selected>Chile</option>' in html
    summary = re.search(r'<div class="notice notice-error error-summary".*?</div>', html, re.S)
    assert re.findall(r'href="#(field-[a-z_]+)"', summary.group(0)) == [
        "field-email",
        "field-consent",
    ]
    assert await Registration.count() == 0


async def test_form_keeps_ticked_sessions_after_an_error(client, demo):
    response = await submit(client, html_form(1, email="", sessions=[1, 4]))
    assert response.status_code == 422
    assert 'value="1" id="field-sessions" checked' in response.text
    assert 'value="4" id="field-sessions-4" checked' in response.text
    assert 'value="2" id="field-sessions-2">' in response.text


async def test_form_without_csrf_token_is_refused(client, demo):
    await client.get(FORM)
    response = await client.post(FORM, data=html_form(1), follow_redirects=False)
    assert response.status_code == 403
    assert await Registration.count() == 0


async def test_form_answers_an_address_already_registered_as_a_new_one(client, demo):
    first = await submit(client, html_form(1))
    again = await submit(client, html_form(1, email="PERSON1@example.org"))
    assert (again.status_code, again.headers["location"]) == (
        first.status_code,
        first.headers["location"],
    )
    assert await Registration.count() == 1
    assert len(await outbox_messages("registration-link")) == 1


async def test_closed_registration_shows_why_and_refuses_posts(client, demo):
    past = datetime.now(UTC) - timedelta(minutes=1)
    await Meeting.update({Meeting.registration_closes_at: past}).where(
        Meeting.slug == "idm-new-york"
    )
    page = await client.get(FORM)
    assert page.status_code == 200
    assert "Registration for this meeting is closed." in text_of(page.text)
    assert 'name="given_name"' not in page.text
    response = await client.post(
        FORM, data=html_form(1), headers={"x-csrftoken": client.cookies.get("csrftoken")}
    )
    assert response.status_code == 409
    assert "Registration for this meeting is closed." in text_of(response.text)
    assert await Registration.count() == 0


async def test_not_yet_open_registration_says_when_it_opens(client, demo):
    soon = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    await Meeting.update({Meeting.registration_opens_at: soon}).where(
        Meeting.slug == "idm-new-york"
    )
    page = await client.get(FORM)
    when = " ".join(local_datetime(soon, "America/New_York").split())  # as text_of folds spaces
    assert f"Registration for this meeting opens on {when}." in text_of(page.text)
    assert 'name="given_name"' not in page.text


async def test_oversized_form_is_a_413_page_and_writes_nothing(client, demo):
    response = await submit(client, html_form(1, accessibility_needs="x" * 70_000))
    assert response.status_code == 413
    assert "The request is larger than the 64 KB this site accepts." in text_of(response.text)
    assert await Registration.count() == 0


async def test_private_page_shows_the_waiting_list_position(client, demo):
    await Meeting.update({Meeting.capacity: 1}).where(Meeting.slug == "idm-new-york")
    await register(client, 1)
    await register(client, 2)
    third = await register(client, 3)
    text = text_of((await client.get(third)).text)
    assert "Status: On the waiting list" in text
    assert "You are number 2 on the waiting list." in text


async def test_private_page_of_a_pending_registration_explains_the_review(client, demo):
    path = await register(client, 1, category="media", country="")
    text = text_of((await client.get(path)).text)
    assert "Status: Awaiting approval" in text
    assert "Registrations as Media are reviewed by the organizers." in text


async def test_private_page_says_when_the_meeting_is_cancelled(client, demo):
    path = await register(client, 1)
    before = text_of((await client.get(path)).text)
    assert "This meeting has been cancelled." not in before
    await Meeting.update({Meeting.status: "cancelled"}).where(Meeting.slug == "idm-new-york")
    page = await client.get(path)
    text = text_of(page.text)
    assert "This meeting has been cancelled. There is nothing you need to do." in text
    assert "Status: Confirmed" in text  # kept, should the meeting take place after all
    await Registration.update({Registration.language: "fr"}).where(Registration.id > 0)
    french = text_of((await client.get(path)).text)
    assert "Cette réunion a été annulée. Vous n’avez rien à faire." in french


async def test_unknown_private_link_is_404(client, demo):
    for path in ("/r/nope", "/r/" + "x" * 43, "/r/" + "x" * 43 + "/cancel"):
        response = await client.get(path)
        assert response.status_code == 404
        assert "There is no registration at this address." in text_of(response.text)


async def test_edit_details_shows_errors_then_saves_and_emails(client, demo):
    path = await register(client, 1)
    bad = await submit(
        client,
        {
            "given_name": "Ana",
            "family_name": "",
            "organization": "Mission",
            "position": "",
            "country": "CL",
            "language": "en",
            "accessibility_needs": "",
        },
        path=f"{path}/details",
    )
    assert bad.status_code == 422
    assert 'id="family_name-error"' in bad.text
    assert 'value="Mission"' in bad.text
    good = await submit(
        client,
        {
            "given_name": "Ana",
            "family_name": "Rojas",
            "organization": "Mission",
            "position": "Counsellor",
            "country": "CL",
            "language": "en",
            "accessibility_needs": "Wheelchair access",
        },
        path=f"{path}/details",
    )
    assert (good.status_code, good.headers["location"]) == (303, f"{path}?done=details")
    text = text_of((await client.get(good.headers["location"])).text)
    assert "Your details are saved." in text
    page = (await client.get(path)).text
    assert "<dt>Name</dt><dd>Ana Rojas</dd>" in page
    assert '<dt>Accessibility needs</dt><dd class="pre-line">Wheelchair access</dd>' in page
    [changed] = await outbox_messages("registration-details-changed")
    assert changed["To"].addresses[0].display_name == "Ana Rojas"


async def test_choose_sessions_from_the_private_page(client, demo):
    path = await register(client, 1, sessions=[1])
    response = await submit(client, {"sessions": ["4", "5"]}, path=path, action=f"{path}/sessions")
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"{path}?done=sessions#sessions-heading",
    )
    registration = await Registration.select().first()
    chosen = await SessionAttendance.select(SessionAttendance.meeting_session).where(
        SessionAttendance.registration == registration["id"]
    )
    assert sorted(row["meeting_session"] for row in chosen) == [4, 5]
    page = await client.get(path)
    assert 'value="4" id="session-4" checked' in page.text
    assert "Place confirmed" in text_of(page.text)


async def test_cancel_asks_first_then_cancels(client, demo):
    path = await register(client, 1)
    confirm = await client.get(f"{path}/cancel")
    assert confirm.status_code == 200
    assert "Cancel your registration?" in text_of(confirm.text)
    assert (await Registration.select().first())["status"] == "confirmed"
    response = await submit(client, {}, path=f"{path}/cancel")
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"{path}?done=cancelled",
    )
    text = text_of((await client.get(response.headers["location"])).text)
    assert "Your registration is cancelled." in text
    assert "Status: Cancelled" in text
    assert "Cancel my registration" not in text
    assert (await Registration.select().first())["status"] == "cancelled"


async def test_cancelled_registration_can_register_again(client, demo):
    path = await register(client, 1)
    await submit(client, {}, path=f"{path}/cancel")
    assert "Register again" in text_of((await client.get(path)).text)
    response = await submit(client, {}, path=path, action=f"{path}/reinstate")
    assert response.headers["location"] == f"{path}?done=reinstated"
    assert (await Registration.select().first())["status"] == "confirmed"


async def test_script_tags_are_escaped_on_every_page(client, demo):
    script = "<script>alert(1)</script>"
    hostile = {
        "given_name": script,
        "family_name": script,
        "organization": script,
        "position": script,
        "accessibility_needs": script,
    }
    rejected = await submit(client, html_form(1, email="bad") | hostile)
    path = await register(client, 1, **hostile)
    pages = [
        rejected.text,
        (await client.get(path + "?done=welcome")).text,
        (await client.get(f"{path}/details")).text,
        (await client.get(f"{path}/cancel")).text,
    ]
    for html in pages:
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

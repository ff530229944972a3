"""POST /api/v1/meetings/{slug}/registrations through HTTP: answers, errors, limits."""

import dataclasses
from datetime import UTC, datetime, timedelta

from litestar.testing import AsyncTestClient

from idmevents.app import create_app
from idmevents.meetings.tables import Meeting
from idmevents.registrations.tables import Registration
from idmevents.settings import get_settings
from tests.factories.registrations import form
from tests.support.outbox import outbox_messages

URL = "/api/v1/meetings/idm-new-york/registrations"


RECEIVED = (
    "Thank you. We have sent an email to the address given: it says where your registration "
    "stands and holds your private link to see or change it."
)


async def test_register_answers_202_and_emails_the_absolute_private_link(client, demo):
    response = await client.post(URL, json=form(1))
    assert response.status_code == 202
    assert response.json() == {"detail": RECEIVED, "email": "person1@example.org"}
    assert "location" not in response.headers
    token = (await Registration.select(Registration.token).first())["token"]
    [confirmed] = await outbox_messages("registration-confirmed")
    assert f"https://testserver.local/r/{token}" in confirmed.get_body(("plain",)).get_content()
    page = await client.get(f"/r/{token}")
    assert page.status_code == 200


async def test_register_records_pending_and_waitlisted(client, demo):
    await Meeting.update({Meeting.capacity: 1}).where(Meeting.slug == "idm-new-york")
    for n, values in enumerate(({}, {"category": "media", "country": ""}, {}, {}), start=1):
        assert (await client.post(URL, json=form(n, **values))).status_code == 202
    rows = await Registration.select(Registration.status, Registration.waitlist_seq).order_by(
        Registration.id
    )
    assert [(r["status"], r["waitlist_seq"]) for r in rows] == [
        ("confirmed", None),
        ("pending", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]
    assert len(await outbox_messages("registration-waitlisted")) == 2


async def test_register_with_sessions_records_each_session(client, demo):
    from idmevents.registrations.tables import SessionAttendance

    side_event = 4  # the demo's New York side event, 40 places
    response = await client.post(URL, json=form(1, sessions=[1, side_event]))
    assert response.status_code == 202
    rows = await SessionAttendance.select(
        SessionAttendance.meeting_session, SessionAttendance.status
    ).order_by(SessionAttendance.meeting_session)
    assert rows == [
        {"meeting_session": 1, "status": "confirmed"},
        {"meeting_session": side_event, "status": "confirmed"},
    ]


async def test_every_bad_field_is_named_and_nothing_is_written(client, demo):
    response = await client.post(
        URL,
        json={
            "given_name": 42,
            "family_name": "",
            "email": "ana@",
            "organization": "Mission",
            "category": "diplomat",
            "country": "XX",
            "language": "de",
            "consent": "yes",
            "sessions": ["one"],
            "nickname": "Ana",
        },
    )
    assert response.status_code == 422
    assert response.json() == {
        "error": "Invalid input",
        "detail": "Some fields need your attention.",
        "fields": {
            "given_name": "Must be text.",
            "family_name": "Enter your family name.",
            "email": "Enter an email address in the form name@example.org.",
            "category": (
                "Choose one of: member-state, observer, un-igo, civil-society, academia, "
                "private-sector, media, iom."
            ),
            "country": "Use a two-letter ISO 3166 country code, such as CH or US.",
            "language": "Choose one of: en, fr, es.",
            "sessions": "Must be a list of session ids (whole numbers).",
            "consent": "Must be true or false.",
            "nickname": "This is not a registration field.",
        },
    }
    assert await Registration.count() == 0
    assert await outbox_messages() == []


async def test_missing_fields_and_refused_consent_are_named(client, demo):
    response = await client.post(URL, json={"consent": False})
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "given_name": "Enter your given name.",
        "family_name": "Enter your family name.",
        "email": "Enter your email address.",
        "organization": "Enter the organization, ministry or mission you represent.",
        "category": "Choose the category you are registering in.",
        "consent": "You must agree to the use of your details for this meeting to register.",
    }


async def test_a_body_that_is_not_a_json_object_is_422(client, demo):
    for body, detail in [
        (b"{not json", "The request body is not valid JSON."),
        (b"[1, 2]", "The request body must be a JSON object of registration fields."),
        (b"", "The request body is not valid JSON."),
    ]:
        response = await client.post(
            URL, content=body, headers={"content-type": "application/json"}
        )
        assert (response.status_code, response.json()) == (
            422,
            {"error": "Invalid input", "detail": detail},
        )
    assert await Registration.count() == 0


async def test_unknown_meeting_is_404(client, demo):
    response = await client.post("/api/v1/meetings/idm-paris/registrations", json=form(1))
    assert (response.status_code, response.json()) == (
        404,
        {"error": "Not found", "detail": "There is no meeting called “idm-paris”."},
    )


async def test_closed_registration_is_409_and_writes_nothing(client, demo):
    past = datetime.now(UTC) - timedelta(minutes=1)
    await Meeting.update({Meeting.registration_closes_at: past}).where(
        Meeting.slug == "idm-new-york"
    )
    response = await client.post(URL, json=form(1))
    assert (response.status_code, response.json()) == (
        409,
        {
            "error": "Conflict",
            "detail": "Registration for this meeting is closed.",
            "reason": "closed",
        },
    )
    assert await Registration.count() == 0
    assert await outbox_messages() == []


async def test_an_address_already_registered_gets_the_same_answer_and_its_link_by_email(
    client, demo
):
    first = await client.post(URL, json=form(1))
    again = await client.post(URL, json=form(1, email="person1@example.org", given_name="B"))
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.status_code == 202
    assert sorted(again.headers.keys()) == sorted(first.headers.keys())
    assert await Registration.count() == 1
    [link] = await outbox_messages("registration-link")
    assert link["To"].addresses[0].addr_spec == "person1@example.org"
    token = (await Registration.select(Registration.token).first())["token"]
    assert f"https://testserver.local/r/{token}" in link.get_body(("plain",)).get_content()


async def test_an_address_already_registered_takes_as_long_as_a_new_one(client, demo):
    """Same timing class: both write one registration-or-email in one transaction. Medians of
    a few tries each, compared loosely (a shared test machine is noisy)."""
    import statistics
    import time

    await client.post(URL, json=form(1))

    async def timed(n: int) -> float:
        start = time.perf_counter()
        response = await client.post(URL, json=form(n))
        assert response.status_code == 202
        return time.perf_counter() - start

    new = statistics.median([await timed(n) for n in range(2, 9)])
    known = statistics.median([await timed(1) for _ in range(7)])
    assert known < new * 3 + 0.05 and new < known * 3 + 0.05, (new, known)


async def test_oversized_body_is_a_clean_413_and_writes_nothing(client, demo):
    huge = form(1, accessibility_needs="x" * 70_000)
    response = await client.post(URL, json=huge)
    assert (response.status_code, response.json()) == (
        413,
        {
            "error": "Request body too large",
            "detail": "The request is larger than the 64 KB this site accepts.",
        },
    )
    assert response.headers["content-type"] == "application/json"
    assert await Registration.count() == 0


async def test_too_long_fields_are_422(client, demo):
    response = await client.post(URL, json=form(1, given_name="A" * 201, position="P" * 301))
    assert response.json()["fields"] == {
        "given_name": "Use at most 200 characters.",
        "position": "Use at most 300 characters.",
    }


async def test_errors_speak_the_requested_language(client, demo):
    response = await client.post(
        URL, json=form(1, email="nope"), headers={"accept-language": "fr-CH, en;q=0.5"}
    )
    assert (response.status_code, response.json()["fields"]) == (
        422,
        {"email": "Indiquez une adresse électronique de la forme nom@exemple.org."},
    )


async def test_rate_limit_answers_429_with_retry_after_on_registration_routes_only(demo):
    settings = dataclasses.replace(get_settings(), registration_rate_limit="3/minute")
    async with AsyncTestClient(
        app=create_app(settings), base_url="https://testserver.local"
    ) as limited:
        for n in range(1, 4):
            assert (await limited.post(URL, json=form(n))).status_code == 202
        # Reading pages does not count, and is not limited.
        for _ in range(5):
            assert (await limited.get("/meetings/idm-new-york")).status_code == 200
            assert (await limited.get("/meetings/idm-new-york/register")).status_code == 200
        refused = await limited.post(URL, json=form(4))
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.json()["error"] == "Too many requests"
        form_page = await limited.get("/meetings/idm-new-york/register")
        csrf = form_page.cookies.get("csrftoken") or limited.cookies.get("csrftoken")
        html = await limited.post(
            "/meetings/idm-new-york/register",
            data=form(5) | {"consent": "yes"},
            headers={"x-csrftoken": csrf},
        )
        assert html.status_code == 429
        assert html.headers["content-type"].startswith("text/html")
        assert "retry-after" in html.headers
    assert await Registration.count() == 3


async def test_openapi_documents_the_registration_body_and_answers(client):
    schema = (await client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/v1/meetings/{slug}/registrations"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == [
        "given_name",
        "family_name",
        "email",
        "organization",
        "category",
        "consent",
    ]
    assert sorted(body["properties"]["category"]["enum"]) == sorted(
        [
            "member-state",
            "observer",
            "un-igo",
            "civil-society",
            "academia",
            "private-sector",
            "media",
            "iom",
        ]
    )
    # 400 is Litestar's own, for path parameters that do not parse.
    assert sorted(operation["responses"]) == [
        "202",
        "400",
        "403",
        "404",
        "409",
        "413",
        "422",
        "429",
    ]
    assert "invitation" in body["properties"]

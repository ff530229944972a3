"""The organizers' registration API: the list with filters and counts, one registration, approve,
reject, cancel, promote; who may call it; the outbox API."""

from __future__ import annotations

from idmevents.audit.tables import AuditEntry
from idmevents.mail.tables import OutboxMessage
from idmevents.registrations.tables import Registration
from tests.factories.registrations import add_people, desk_meeting
from tests.support.outbox import body_text, outbox_messages

LIST = "/api/v1/meetings/desk-meeting/registrations"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def status_of(registration_id: int) -> str:
    row = await Registration.select(Registration.status).where(Registration.id == registration_id)
    return row[0]["status"]


async def test_api_anonymous_gets_401_and_checkin_403(client, api_token):
    desk = await desk_meeting()
    _, checkin = await api_token("checkin")
    calls = [
        ("GET", LIST),
        ("GET", f"/api/v1/registrations/{desk.ids['zoe']}"),
        ("POST", f"/api/v1/registrations/{desk.ids['zoe']}/approve"),
        ("POST", f"/api/v1/registrations/{desk.ids['zoe']}/cancel"),
        ("POST", f"/api/v1/registrations/{desk.ids['dan']}/promote"),
        ("POST", f"/api/v1/registrations/{desk.ids['zoe']}/reinstate"),
        ("PATCH", f"/api/v1/registrations/{desk.ids['zoe']}"),
        ("GET", "/api/v1/outbox"),
    ]
    for method, path in calls:
        anonymous = await client.request(method, path)
        assert anonymous.status_code == 401, path
        assert anonymous.headers["www-authenticate"] == 'Bearer realm="idmevents"'
        assert anonymous.json()["error"] == "Authentication required"
        forbidden = await client.request(method, path, headers=bearer(checkin))
        assert forbidden.status_code == 403, path
    rejected = await client.post(
        f"/api/v1/registrations/{desk.ids['zoe']}/reject",
        json={"reason": "x"},
        headers=bearer(checkin),
    )
    assert rejected.status_code == 403
    moved = await client.patch(
        f"/api/v1/registrations/{desk.ids['zoe']}",
        json={"email": "zoe@example.com", "category": "academia"},
        headers=bearer(checkin),
    )
    assert moved.status_code == 403
    assert (
        await client.get(f"/api/v1/registrations/{desk.ids['zoe']}", headers=bearer(checkin))
    ).status_code == 403
    assert await status_of(desk.ids["zoe"]) == "pending"


async def test_api_lists_with_filters_paging_and_counts(client, api_token):
    desk = await desk_meeting()
    _, token = await api_token("organizer")
    response = await client.get(LIST, params={"sort": "name", "limit": 2}, headers=bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert [(i["given_name"], i["family_name"]) for i in body["items"]] == [
        ("José", "Álvarez"),
        ("Zoë", "Müller"),
    ]
    assert (body["total"], body["limit"], body["offset"]) == (6, 2, 0)
    jose = body["items"][0]
    assert jose["status"] == "confirmed"
    assert jose["meeting"] == "desk-meeting"
    assert jose["sessions"] == [
        {"session_id": desk.side_event["id"], "title": "Side event", "status": "confirmed"}
    ]
    assert body["counts"]["by_status"] == {
        "pending": 2,
        "confirmed": 3,
        "waitlisted": 1,
        "rejected": 0,
        "cancelled": 0,
    }
    assert (body["counts"]["capacity"], body["counts"]["seats_taken"]) == (3, 3)
    assert (body["counts"]["seats_left"], body["counts"]["waiting"]) == (0, 1)
    assert body["counts"]["by_category"]["member-state"]["confirmed"] == 2
    assert body["counts"]["sessions"][0] == {
        "session_id": desk.side_event["id"],
        "title": "Side event",
        "capacity": 1,
        "taken": 1,
        "places_left": 0,
        "waiting": 1,
    }
    page_two = await client.get(
        LIST, params={"sort": "name", "limit": 2, "offset": 2}, headers=bearer(token)
    )
    assert [i["family_name"] for i in page_two.json()["items"]] == ["Pending", "Person"]

    async def names(**params) -> list[str]:
        found = await client.get(LIST, params=params | {"sort": "name"}, headers=bearer(token))
        assert found.status_code == 200, found.text
        return [i["family_name"] for i in found.json()["items"]]

    assert await names(status="pending") == ["Müller", "Pending"]
    assert await names(category="media") == ["Pending"]
    assert await names(country="ch") == ["Waiting"]
    assert await names(session=desk.side_event["id"]) == ["Álvarez", "Person"]
    assert await names(q="zuniga") == ["Zúñiga"]
    waiting = await client.get(LIST, params={"status": "waitlisted"}, headers=bearer(token))
    assert waiting.json()["items"][0]["waitlist_position"] == 1


async def test_api_list_bad_filters_are_422_naming_them(client, api_token):
    await desk_meeting()
    _, token = await api_token("organizer")
    for params, field in (
        ({"status": "maybe"}, "status"),
        ({"limit": 0}, "limit"),
        ({"session": 999999}, "session"),
        ({"country": "XX"}, "country"),
    ):
        response = await client.get(LIST, params=params, headers=bearer(token))
        assert response.status_code == 422, (params, response.text)
        assert field in response.json()["fields"], response.json()
    missing = await client.get("/api/v1/meetings/nowhere/registrations", headers=bearer(token))
    assert missing.status_code == 404


async def test_api_get_one_registration(client, api_token):
    desk = await desk_meeting()
    _, token = await api_token("organizer")
    response = await client.get(f"/api/v1/registrations/{desk.ids['dan']}", headers=bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["waitlist_position"]) == (
        desk.ids["dan"],
        "waitlisted",
        1,
    )
    assert body["email"] == "dan@example.org"
    assert "token" not in body and "feed_token" not in body
    # An id past the column's range names no row: refused before any query (web/security.py).
    for missing, detail in (
        ("12345", "There is no such registration."),
        ("99999999999999", "There is no page at this address."),
    ):
        answer = await client.get(f"/api/v1/registrations/{missing}", headers=bearer(token))
        assert answer.status_code == 404
        assert answer.json()["detail"] == detail


async def test_api_approve_and_approve_beyond_capacity(client, api_token):
    desk = await desk_meeting()
    user, token = await api_token("organizer")
    waitlisted = await client.post(
        f"/api/v1/registrations/{desk.ids['zoe']}/approve", headers=bearer(token)
    )
    assert waitlisted.status_code == 200, waitlisted.text
    assert (waitlisted.json()["status"], waitlisted.json()["waitlist_position"]) == (
        "waitlisted",
        2,
    )
    beyond = await client.post(
        f"/api/v1/registrations/{desk.ids['bob']}/approve",
        json={"over_capacity": True},
        headers=bearer(token),
    )
    assert beyond.json()["status"] == "confirmed"
    again = await client.post(
        f"/api/v1/registrations/{desk.ids['bob']}/approve", headers=bearer(token)
    )
    assert again.status_code == 409
    assert again.json()["reason"] == "not-pending"
    kinds = [
        row["kind"]
        for row in await OutboxMessage.select(OutboxMessage.kind).where(
            OutboxMessage.registration.is_in([desk.ids["zoe"], desk.ids["bob"]])
            & (OutboxMessage.kind == "registration-approved")
        )
    ]
    assert kinds == ["registration-approved", "registration-approved"]
    actors = await AuditEntry.select(AuditEntry.user).where(
        AuditEntry.action == "registration.approved"
    )
    assert actors == [{"user": user["id"]}, {"user": user["id"]}]
    bad = await client.post(
        f"/api/v1/registrations/{desk.ids['bob']}/approve",
        json={"over_capacity": "please"},
        headers=bearer(token),
    )
    assert bad.status_code == 422


async def test_api_reject_needs_a_reason(client, api_token):
    desk = await desk_meeting()
    _, token = await api_token("organizer")
    path = f"/api/v1/registrations/{desk.ids['carla']}/reject"
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 2001}):
        response = await client.post(path, json=body, headers=bearer(token))
        assert response.status_code == 422, (body, response.text)
        assert "reason" in response.json()["fields"], response.json()
    # A control character is refused, not silently dropped: the reason goes into an email.
    bell = await client.post(path, json={"reason": "Dup\x07licate."}, headers=bearer(token))
    assert (bell.status_code, bell.json()["fields"]) == (
        422,
        {"reason": "Contains a character that cannot be shown."},
    )
    assert await status_of(desk.ids["carla"]) == "confirmed"
    response = await client.post(path, json={"reason": "Duplicate entry."}, headers=bearer(token))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["rejection_reason"]) == (
        "rejected",
        "Duplicate entry.",
    )
    [message] = await outbox_messages("registration-rejected")
    assert "Duplicate entry." in body_text(message)
    # The freed seat went to Dan.
    assert await status_of(desk.ids["dan"]) == "confirmed"


async def test_api_cancel_and_promote(client, api_token):
    desk = await desk_meeting()
    _, token = await api_token("organizer")
    full = await client.post(
        f"/api/v1/registrations/{desk.ids['dan']}/promote", headers=bearer(token)
    )
    assert (full.status_code, full.json()["reason"]) == (409, "full")
    cancelled = await client.post(
        f"/api/v1/registrations/{desk.ids['dan']}/cancel", headers=bearer(token)
    )
    assert cancelled.json()["status"] == "cancelled"
    twice = await client.post(
        f"/api/v1/registrations/{desk.ids['dan']}/cancel", headers=bearer(token)
    )
    assert (twice.status_code, twice.json()["reason"]) == (409, "not-active")
    # Zoë approved into a full meeting waits; a seat comes free; promoting her takes it.
    await client.post(f"/api/v1/registrations/{desk.ids['zoe']}/approve", headers=bearer(token))
    await client.post(f"/api/v1/registrations/{desk.ids['jose']}/cancel", headers=bearer(token))
    # José's seat went to Zoë, the first waiting, by the rules; Bob is promoted beyond capacity.
    assert await status_of(desk.ids["zoe"]) == "confirmed"
    await client.post(f"/api/v1/registrations/{desk.ids['bob']}/approve", headers=bearer(token))
    promoted = await client.post(
        f"/api/v1/registrations/{desk.ids['bob']}/promote",
        json={"over_capacity": True},
        headers=bearer(token),
    )
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["status"] == "confirmed"
    not_waiting = await client.post(
        f"/api/v1/registrations/{desk.ids['bob']}/promote", headers=bearer(token)
    )
    assert (not_waiting.status_code, not_waiting.json()["reason"]) == (409, "not-waitlisted")


async def test_api_session_cookie_cannot_change_registrations(client, api_token, make_user, login):
    """The API takes no CSRF token, so a change must carry a Bearer token."""
    desk = await desk_meeting()
    user, password = await make_user("organizer")
    await login(client, user["email"], password)
    assert (await client.get(LIST)).status_code == 200
    response = await client.post(f"/api/v1/registrations/{desk.ids['zoe']}/approve")
    assert response.status_code == 401
    assert await status_of(desk.ids["zoe"]) == "pending"


async def test_api_outbox_lists_with_counts_and_resends(client, api_token):
    desk = await desk_meeting()
    _, token = await api_token("organizer")
    response = await client.get(
        "/api/v1/outbox", params={"meeting": "desk-meeting", "limit": 2}, headers=bearer(token)
    )
    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == {"queued": 6, "sending": 0, "sent": 0, "failed": 0}
    assert (body["total"], len(body["items"])) == (6, 2)
    newest = body["items"][0]
    assert (newest["to_address"], newest["meeting"], newest["status"]) == (
        "dan@example.org",
        "desk-meeting",
        "queued",
    )
    assert newest["registration_id"] == desk.ids["dan"]
    assert "raw" not in newest
    busy = await client.post(f"/api/v1/outbox/{newest['id']}/resend", headers=bearer(token))
    assert busy.status_code == 409
    await OutboxMessage.update(
        {OutboxMessage.status: "failed", OutboxMessage.last_error: "550 no such user"}
    ).where(OutboxMessage.id == newest["id"])
    failed = await client.get("/api/v1/outbox", params={"status": "failed"}, headers=bearer(token))
    assert [i["id"] for i in failed.json()["items"]] == [newest["id"]]
    assert failed.json()["items"][0]["last_error"] == "550 no such user"
    retried = await client.post(f"/api/v1/outbox/{newest['id']}/resend", headers=bearer(token))
    assert retried.status_code == 200
    assert (retried.json()["id"], retried.json()["status"]) == (newest["id"], "queued")
    for params in ({"status": "lost"}, {"limit": 0}, {"offset": -1}):
        bad = await client.get("/api/v1/outbox", params=params, headers=bearer(token))
        assert bad.status_code == 422, params
    unknown = await client.get("/api/v1/outbox", params={"meeting": "nope"}, headers=bearer(token))
    assert unknown.status_code == 422
    missing = await client.post("/api/v1/outbox/99999999999/resend", headers=bearer(token))
    assert missing.status_code == 404


async def test_openapi_documents_the_desk_api(client):
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    assert set(paths[LIST.replace("desk-meeting", "{slug}")]) >= {"get", "post"}
    for action in ("approve", "reject", "cancel", "promote", "reinstate"):
        operation = paths[f"/api/v1/registrations/{{registration_id}}/{action}"]["post"]
        assert operation["security"] == [{"BearerToken": []}]
        assert {"401", "403", "404", "409", "422"} <= set(operation["responses"])
    update = paths["/api/v1/registrations/{registration_id}"]["patch"]
    assert update["security"] == [{"BearerToken": []}]
    assert {"200", "401", "403", "404", "409", "422"} <= set(update["responses"])
    assert "email-taken" in update["responses"]["409"]["description"]
    assert update["requestBody"]["required"] is True
    reinstate = paths["/api/v1/registrations/{registration_id}/reinstate"]["post"]
    assert "meeting-cancelled" in reinstate["responses"]["409"]["description"]
    reject = paths["/api/v1/registrations/{registration_id}/reject"]["post"]
    assert reject["requestBody"]["required"] is True
    assert "/api/v1/outbox" in paths


async def test_api_patch_changes_the_address_and_the_category(client, api_token):
    desk = await desk_meeting()
    user, token = await api_token("organizer")
    path = f"/api/v1/registrations/{desk.ids['zoe']}"
    response = await client.patch(
        path,
        json={"email": "Zoe.Mueller@Example.org", "category": "academia", "given_name": None},
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    # No longer needing approval in a full meeting: Zoë waits behind Dan.
    assert (body["email"], body["category"], body["given_name"]) == (
        "Zoe.Mueller@example.org",
        "academia",
        "Zoë",
    )
    assert (body["status"], body["waitlist_position"]) == ("waitlisted", 2)
    sent = [
        (row["kind"], row["to_address"])
        for row in await OutboxMessage.select(OutboxMessage.kind, OutboxMessage.to_address)
        .where(OutboxMessage.registration == desk.ids["zoe"])
        .order_by(OutboxMessage.id)
    ]
    assert sent == [
        ("registration-received", "zoe@example.org"),
        ("registration-details-changed", "Zoe.Mueller@example.org"),
        ("registration-email-changed", "zoe@example.org"),
        ("registration-waitlisted", "Zoe.Mueller@example.org"),
    ]
    [notice] = await outbox_messages("registration-email-changed")
    assert "/r/" not in body_text(notice)
    actors = await AuditEntry.select(AuditEntry.action, AuditEntry.user).where(
        AuditEntry.action.is_in(["registration.email-changed", "registration.category-changed"])
    )
    assert actors == [
        {"action": "registration.email-changed", "user": user["id"]},
        {"action": "registration.category-changed", "user": user["id"]},
    ]


async def test_api_patch_address_of_another_registration_is_409(client, api_token):
    desk = await desk_meeting()
    _, token = await api_token("organizer")
    response = await client.patch(
        f"/api/v1/registrations/{desk.ids['ana']}",
        json={"email": "JOSE@example.org", "position": "Counsellor"},
        headers=bearer(token),
    )
    assert response.status_code == 409
    body = response.json()
    problem = (
        "Another registration for this meeting already has this address: "
        f"José Álvarez (#{desk.ids['jose']}, Confirmed)."
    )
    assert body == {
        "error": "Conflict",
        "detail": problem,
        "fields": {"email": problem},
        "reason": "email-taken",
    }
    row = await Registration.select(Registration.email, Registration.position).where(
        Registration.id == desk.ids["ana"]
    )
    assert row == [{"email": "ana@example.org", "position": "First Secretary"}]


async def test_api_patch_bad_fields_are_422_naming_them(client, api_token):
    desk = await desk_meeting()
    _, token = await api_token("organizer")
    path = f"/api/v1/registrations/{desk.ids['carla']}"
    cases = [
        ({"email": "carla@", "given_name": " "}, {"given_name", "email"}),
        ({"category": "member-state"}, {"country"}),  # Carla names no country
        ({"category": "observer", "country": "ZZ"}, {"country"}),
        ({"category": "press"}, {"category"}),
        ({"language": "de"}, {"language"}),
        ({"email": 42}, {"email"}),
        ({"organization": "x" * 301}, {"organization"}),
        # Litestar's own check of the body: the message names the field.
        ({"nickname": "Carla"}, {"data"}),
    ]
    for body, fields in cases:
        response = await client.patch(path, json=body, headers=bearer(token))
        assert response.status_code == 422, (body, response.text)
        assert set(response.json()["fields"]) == fields, (body, response.json())
    row = await Registration.select(Registration.category, Registration.email).where(
        Registration.id == desk.ids["carla"]
    )
    assert row == [{"category": "un-igo", "email": "carla@example.org"}]
    assert await outbox_messages("registration-details-changed") == []


async def test_api_reinstate_and_reconsider(client, api_token):
    desk = await desk_meeting()
    _, token = await api_token("organizer")
    dan = f"/api/v1/registrations/{desk.ids['dan']}"
    await client.post(f"{dan}/cancel", headers=bearer(token))
    back = await client.post(f"{dan}/reinstate", headers=bearer(token))
    assert back.status_code == 200, back.text
    assert (back.json()["status"], back.json()["waitlist_position"]) == ("waitlisted", 1)
    bob = f"/api/v1/registrations/{desk.ids['bob']}"
    await client.post(f"{bob}/reject", json={"reason": "Press pass."}, headers=bearer(token))
    reconsidered = await client.post(f"{bob}/reinstate", headers=bearer(token))
    assert (reconsidered.json()["status"], reconsidered.json()["rejection_reason"]) == (
        "pending",
        "",
    )
    active = await client.post(
        f"/api/v1/registrations/{desk.ids['jose']}/reinstate", headers=bearer(token)
    )
    assert (active.status_code, active.json()["reason"]) == (409, "active")
    assert len(await outbox_messages("registration-reconsidered")) == 1


async def test_api_list_by_name_is_the_desks_order_with_an_exact_total(client, api_token):
    desk = await desk_meeting()
    await add_people(
        desk.meeting,
        [("Ana", "Østergaard"), ("", "muller"), ("Jürg", "Straße"), ("Jurg", "STRASSE")],
    )
    _, token = await api_token("organizer")
    everyone = await client.get(LIST, params={"sort": "name", "limit": 50}, headers=bearer(token))
    names = [(i["family_name"], i["given_name"]) for i in everyone.json()["items"]]
    assert names == [
        ("Álvarez", "José"),
        ("muller", ""),
        ("Müller", "Zoë"),
        ("Pending", "Bob"),
        ("Person", "Ana"),
        ("Straße", "Jürg"),  # "strasse", "jurg" both: the first registered first
        ("STRASSE", "Jurg"),
        ("Waiting", "Dan"),
        ("Zúñiga", "Carla"),
        ("Østergaard", "Ana"),  # ø is no o: after z, as Python compares
    ]
    backwards = await client.get(
        LIST, params={"sort": "-name", "limit": 3, "offset": 1}, headers=bearer(token)
    )
    body = backwards.json()
    assert [i["family_name"] for i in body["items"]] == ["Zúñiga", "Waiting", "STRASSE"]
    assert body["total"] == 10
    # A search's total is every match, not capped as the desk's page is.
    found = await client.get(
        LIST, params={"q": "muller", "sort": "-name", "limit": 1}, headers=bearer(token)
    )
    assert (found.json()["total"], found.json()["items"][0]["given_name"]) == (2, "Zoë")

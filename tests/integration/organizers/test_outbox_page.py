"""The mail outbox page through HTTP: every email with its state, filters, one email, resending."""

from __future__ import annotations

import re

from idmevents.audit.tables import AuditEntry
from idmevents.auth import reset
from idmevents.mail import recipes
from idmevents.mail.tables import OutboxMessage
from idmevents.registrations.tables import Registration
from tests.factories.meetings import make_meeting
from tests.factories.registrations import desk_meeting
from tests.integration.organizers.test_registration_desk import csrf, flashes, signed_in, text_of


async def outbox_row(**where) -> dict:
    query = OutboxMessage.select().order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return (await query)[0]


async def test_outbox_anonymous_is_sent_to_login(client):
    response = await client.get("/admin/outbox", follow_redirects=False)
    assert response.headers["location"] == "/admin/login?next=/admin/outbox"


async def test_outbox_lists_every_email_with_counts_and_filters(client, make_user, login):
    desk = await desk_meeting()
    other = await make_meeting(slug="other", title="Other workshop")
    await signed_in(client, make_user, login)
    # A message that failed was rendered before its first attempt, as the worker does.
    await recipes.render_waiting()
    failed = await outbox_row(to_address="bob@example.org")
    await OutboxMessage.update(
        {
            OutboxMessage.status: "failed",
            OutboxMessage.attempts: 8,
            OutboxMessage.last_error: "550 5.1.1 <bob@example.org>: no such user",
        }
    ).where(OutboxMessage.id == failed["id"])
    await OutboxMessage.update({OutboxMessage.meeting: other["id"]}).where(
        OutboxMessage.to_address == "dan@example.org"
    )
    page = await client.get("/admin/outbox")
    text = text_of(page.text)
    assert "Queued: 5 Sending: 0 Sent: 0 Failed: 1" in text
    assert "6 emails" in text
    assert 'aria-current="page">Mail</a>' in page.text
    row = text.split("bob@example.org", 1)[1].split("Retry")[0]
    assert row == (
        " Registration received: Desk workshop registration-received Desk workshop Failed 8"
        " 550 5.1.1 <bob@example.org>: no such user "
    )

    only_failed = text_of((await client.get("/admin/outbox?status=failed")).text)
    assert "1 email" in only_failed and "zoe@example.org" not in only_failed
    only_other = text_of((await client.get("/admin/outbox?meeting=other")).text)
    assert "1 email" in only_other and "dan@example.org" in only_other
    assert "Queued: 1 Sending: 0 Sent: 0 Failed: 0" in only_other
    bad = await client.get("/admin/outbox?status=lost")
    assert bad.status_code == 422
    assert desk.ids


async def test_outbox_message_shows_headers_text_and_private_link(client, make_user, login):
    desk = await desk_meeting()
    await signed_in(client, make_user, login)
    row = await outbox_row(to_address="jose@example.org")
    token = (
        await Registration.select(Registration.token).where(Registration.id == desk.ids["jose"])
    )[0]["token"]
    # A registration's email waits as a recipe until it is sent: listed as such...
    assert (row["raw"], row["subject"]) == ("", "")
    listed = await client.get("/admin/outbox")
    assert f'href="/admin/outbox/{row["id"]}">(written when it is sent)</a>' in listed.text
    # ...and written (once, for good) when an organizer opens it.
    page = await client.get(f"/admin/outbox/{row['id']}")
    assert page.status_code == 200
    row = await outbox_row(to_address="jose@example.org")
    assert row["subject"] == "Registration confirmed: Desk workshop"
    assert f"Message-ID: {row['message_id']}" in row["raw"]
    assert (await client.get(f"/admin/outbox/{row['id']}")).text == page.text
    assert page.headers["cache-control"] == "no-store"
    text = text_of(page.text)
    assert f"Subject {row['subject']}" in text
    assert "To José Álvarez <jose@example.org>" in text
    assert f"Message-ID {row['message_id']}" in text
    # Organizers see what the person received, private link included (see mail.services).
    assert f"https://testserver.local/r/{token}" in text
    assert "invitation.ics · text/calendar" in text
    assert f'href="/admin/registrations/{desk.ids["jose"]}"' in page.text
    assert (await client.get("/admin/outbox/999999")).status_code == 404
    assert (await client.get("/admin/outbox/99999999999999")).status_code == 404


async def test_outbox_message_hides_account_links(client, make_user, login):
    admin, _ = await make_user("admin", email="boss@example.org")
    await reset.request_reset("boss@example.org")
    await signed_in(client, make_user, login, "admin")  # account emails are administrators'
    row = await outbox_row(kind="password-reset")
    assert "/admin/password-reset/" in row["raw"]
    page = await client.get(f"/admin/outbox/{row['id']}")
    assert "/admin/password-reset/" not in page.text
    text = text_of(page.text)
    assert "[link hidden: it signs in to an account]" in text
    assert "Links are hidden: this email signs its recipient in to an organizer account" in text
    assert admin["email"] in text


async def test_outbox_resend_retries_failed_and_copies_sent(client, make_user, login):
    await desk_meeting()
    await recipes.render_waiting()  # what was sent, or failed sending, had been rendered
    user = await signed_in(client, make_user, login)
    failed = await outbox_row(to_address="zoe@example.org")
    sent = await outbox_row(to_address="ana@example.org")
    await OutboxMessage.update(
        {OutboxMessage.status: "failed", OutboxMessage.attempts: 8, OutboxMessage.last_error: "x"}
    ).where(OutboxMessage.id == failed["id"])
    await OutboxMessage.update({OutboxMessage.status: "sent"}).where(OutboxMessage.id == sent["id"])
    await client.get("/admin/outbox")
    without_token = await client.post(f"/admin/outbox/{failed['id']}/resend")
    assert without_token.status_code == 403

    response = await client.post(
        f"/admin/outbox/{failed['id']}/resend",
        data={"_csrf_token": csrf(client), "next": "/admin/outbox?status=failed"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/admin/outbox?status=failed"
    again = await outbox_row(id=failed["id"])
    assert (again["status"], again["attempts"], again["last_error"]) == ("queued", 0, "")
    assert await flashes(client, "/admin/outbox") == [
        "The email to zoe@example.org is queued again."
    ]

    copy = await client.post(
        f"/admin/outbox/{sent['id']}/resend",
        data={"_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    new = (await OutboxMessage.select().order_by(OutboxMessage.id, ascending=False))[0]
    assert copy.headers["location"] == f"/admin/outbox/{new['id']}"
    assert (new["to_address"], new["status"], new["subject"]) == (
        "ana@example.org",
        "queued",
        sent["subject"],
    )
    assert new["message_id"] != sent["message_id"]
    audit = await AuditEntry.select(
        AuditEntry.user, AuditEntry.actor, AuditEntry.entity_id, AuditEntry.meeting_slug
    ).where(AuditEntry.action == "resend")
    assert audit == [
        {
            "user": user["id"],
            "actor": user["email"],
            "entity_id": failed["id"],
            "meeting_slug": "desk-meeting",
        },
        {
            "user": user["id"],
            "actor": user["email"],
            "entity_id": new["id"],
            "meeting_slug": "desk-meeting",
        },
    ]
    busy = await client.post(
        f"/admin/outbox/{new['id']}/resend",
        data={"_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert busy.status_code == 303
    assert "This message is already waiting to be sent." in await flashes(
        client, f"/admin/outbox/{new['id']}"
    )


async def test_registration_page_links_its_emails_to_the_outbox(client, make_user, login):
    desk = await desk_meeting()
    await signed_in(client, make_user, login)
    page = await client.get(f"/admin/registrations/{desk.ids['zoe']}")
    [row] = await OutboxMessage.select(OutboxMessage.id).where(
        OutboxMessage.registration == desk.ids["zoe"]
    )
    assert re.search(rf'href="/admin/outbox/{row["id"]}">[^<]+</a>', page.text)

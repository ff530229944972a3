"""The accounts pages through HTTP: users for admins, one's own account and tokens, password reset,
the audit log."""

from __future__ import annotations

import email
import re
from email.policy import default

from idmevents import audit
from idmevents.audit.tables import AuditEntry
from idmevents.auth import services
from idmevents.auth.tables import ApiToken, User
from idmevents.mail.tables import OutboxMessage


def csrf(client) -> str:
    return client.cookies.get("csrftoken")


async def post_form(client, path: str, data: dict | None = None):
    return await client.post(
        path, data={**(data or {}), "_csrf_token": csrf(client)}, follow_redirects=False
    )


async def signed_in(client, make_user, login, role: str, email: str | None = None) -> dict:
    user, password = await make_user(role, email=email)
    response = await login(client, user["email"], password)
    assert response.status_code == 303
    return user


# Users (admins) -------------------------------------------------------------------------------


async def test_admin_creates_user_with_password(client, make_user, login):
    await signed_in(client, make_user, login, "admin")
    response = await post_form(
        client,
        "/admin/users",
        {
            "email": "New.Person@example.org",
            "display_name": "New Person",
            "role": "checkin",
            "password": "a long enough password",
        },
    )
    assert (response.status_code, response.headers["location"]) == (303, "/admin/users")
    page = await client.get("/admin/users")
    assert "The account new.person@example.org is ready." in page.text
    row = await User.select(User.role, User.display_name).where(
        User.email == "new.person@example.org"
    )
    assert row == [{"role": "checkin", "display_name": "New Person"}]
    assert await OutboxMessage.count() == 0


async def test_admin_creates_user_without_password_sends_invitation(client, make_user, login):
    await signed_in(client, make_user, login, "admin")
    response = await post_form(
        client, "/admin/users", {"email": "invitee@example.org", "role": "organizer"}
    )
    assert response.status_code == 303
    outbox = await OutboxMessage.select(
        OutboxMessage.kind, OutboxMessage.to_address, OutboxMessage.raw
    )
    assert [(row["kind"], row["to_address"]) for row in outbox] == [
        ("account-invitation", "invitee@example.org")
    ]
    # The invitee follows the link, chooses a password and can sign in with it.
    path = _reset_path(outbox[0]["raw"])
    client.cookies.clear()
    await client.get(path)
    done = await post_form(
        client, path, {"password": "chosen by invitee", "confirm_password": "chosen by invitee"}
    )
    assert done.status_code == 303
    assert await services.authenticate("invitee@example.org", "chosen by invitee") is not None


async def test_admin_create_user_bad_input_shows_errors(client, make_user, login):
    await signed_in(client, make_user, login, "admin", email="root@example.org")
    response = await post_form(
        client,
        "/admin/users",
        {"email": "root@example.org", "role": "organizer", "password": "a long enough password"},
    )
    assert response.status_code == 409
    assert "This address already has an account." in response.text
    short = await post_form(
        client, "/admin/users", {"email": "x@example.org", "role": "admin", "password": "short"}
    )
    assert short.status_code == 422
    assert "Use at least 12 characters." in short.text
    assert await User.count() == 1


async def test_admin_changes_role(client, make_user, login):
    await signed_in(client, make_user, login, "admin")
    other, _ = await make_user("organizer", email="o@example.org")
    response = await post_form(client, f"/admin/users/{other['id']}/role", {"role": "checkin"})
    assert response.status_code == 303
    assert (await User.select(User.role).where(User.id == other["id"]).first())["role"] == (
        "checkin"
    )


async def test_admin_bad_role_is_refused(client, make_user, login):
    await signed_in(client, make_user, login, "admin")
    other, _ = await make_user("organizer")
    response = await post_form(client, f"/admin/users/{other['id']}/role", {"role": "root"})
    assert response.status_code == 422
    assert (await User.select(User.role).where(User.id == other["id"]).first())["role"] == (
        "organizer"
    )


async def test_admin_role_of_unknown_user_is_404(client, make_user, login):
    await signed_in(client, make_user, login, "admin")
    response = await post_form(client, "/admin/users/999999/role", {"role": "admin"})
    assert response.status_code == 404


async def test_deactivated_user_is_signed_out_and_token_fails(client, make_user, login, api_token):
    from litestar.testing import AsyncTestClient

    from idmevents.app import create_app

    await signed_in(client, make_user, login, "admin")
    victim, password = await make_user("organizer", email="victim@example.org")
    _, token = await services.create_token(victim)
    async with AsyncTestClient(app=create_app(), base_url="https://testserver.local") as other:
        await login(other, victim["email"], password)
        assert (await other.get("/admin/", follow_redirects=False)).status_code == 200
        response = await post_form(client, f"/admin/users/{victim['id']}/deactivate")
        assert response.status_code == 303
        assert (await other.get("/admin/", follow_redirects=False)).status_code == 303
        assert (await login(other, victim["email"], password)).status_code == 400
    assert await services.user_for_token(token) is None


async def test_admin_cannot_deactivate_self(client, make_user, login):
    admin = await signed_in(client, make_user, login, "admin")
    response = await post_form(client, f"/admin/users/{admin['id']}/deactivate")
    assert response.status_code == 409
    assert "You cannot deactivate your own account." in response.text


async def test_organizer_cannot_create_users(client, make_user, login):
    await signed_in(client, make_user, login, "organizer")
    response = await post_form(
        client,
        "/admin/users",
        {"email": "x@example.org", "role": "admin", "password": "a long enough password"},
    )
    assert response.status_code == 403
    assert await User.count() == 1


# One's own account ----------------------------------------------------------------------------


async def test_account_token_shown_once_then_revoked(client, make_user, login):
    from litestar.testing import AsyncTestClient

    from idmevents.app import create_app

    await signed_in(client, make_user, login, "checkin")
    created = await post_form(client, "/admin/account/tokens", {"name": "door scanner"})
    assert (created.status_code, created.headers["location"]) == (303, "/admin/account")
    response = await client.get("/admin/account")
    assert response.headers["cache-control"] == "no-store"
    secret = re.search(r'id="new-token">([^<]+)<', response.text).group(1)
    assert (await services.user_for_token(secret)) is not None
    again = await client.get("/admin/account")
    assert secret not in again.text
    assert f"{secret[:12]}…" in again.text

    row = await ApiToken.select(ApiToken.id).first()
    revoked = await post_form(client, f"/admin/account/tokens/{row['id']}/revoke")
    assert revoked.status_code == 303
    async with AsyncTestClient(app=create_app(), base_url="https://testserver.local") as api:
        response = await api.get(
            "/admin/", headers={"Authorization": f"Bearer {secret}"}, follow_redirects=False
        )
        assert response.status_code == 303  # a page: the revoked token signs nobody in


async def test_account_cannot_revoke_someone_elses_token(client, make_user, login):
    await signed_in(client, make_user, login, "admin")
    other, _ = await make_user("organizer")
    row, secret = await services.create_token(other)
    response = await post_form(client, f"/admin/account/tokens/{row['id']}/revoke")
    assert response.status_code == 404
    assert await services.user_for_token(secret) is not None


async def test_account_password_change_keeps_this_session(client, make_user, login):
    user = await signed_in(client, make_user, login, "organizer")
    response = await post_form(
        client,
        "/admin/account/password",
        {
            "current_password": "correct horse battery staple",
            "password": "an entirely new password",
            "confirm_password": "an entirely new password",
        },
    )
    assert response.status_code == 303
    page = await client.get("/admin/account")
    assert page.status_code == 200
    assert "Your password is changed." in page.text
    assert await services.authenticate(user["email"], "an entirely new password") is not None


async def test_account_password_wrong_current_is_refused(client, make_user, login):
    user = await signed_in(client, make_user, login, "organizer")
    response = await post_form(
        client,
        "/admin/account/password",
        {
            "current_password": "not my password",
            "password": "an entirely new password",
            "confirm_password": "an entirely new password",
        },
    )
    assert response.status_code == 422
    assert "The current password is wrong." in response.text
    assert await services.authenticate(user["email"], "correct horse battery staple")


async def test_account_name_change(client, make_user, login):
    user = await signed_in(client, make_user, login, "organizer")
    response = await post_form(client, "/admin/account/profile", {"display_name": "Ana López"})
    assert response.status_code == 303
    row = await User.select(User.display_name).where(User.id == user["id"]).first()
    assert row == {"display_name": "Ana López"}
    assert "Ana López" in (await client.get("/admin/account")).text


# Password reset -------------------------------------------------------------------------------


def _reset_path(raw: str) -> str:
    message = email.message_from_string(raw, policy=default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https://testserver\.local(/admin/password-reset/\S+)", text).group(1)


async def test_password_reset_by_emailed_link(client, make_user):
    await make_user("organizer", email="ana@example.org")
    await client.get("/admin/password-reset")
    response = await post_form(client, "/admin/password-reset", {"email": "ana@example.org"})
    assert response.status_code == 200
    assert "If ana@example.org belongs to an organizer account" in response.text
    path = _reset_path((await OutboxMessage.select(OutboxMessage.raw).first())["raw"])

    form = await client.get(path)
    assert form.status_code == 200
    assert form.headers["referrer-policy"] == "no-referrer"
    done = await post_form(
        client,
        path,
        {"password": "my new long password", "confirm_password": "my new long password"},
    )
    assert (done.status_code, done.headers["location"]) == (303, "/admin/login?password_set=1")
    assert await services.authenticate("ana@example.org", "my new long password")

    used = await client.get(path)
    assert used.status_code == 422
    assert "has already been used" in used.text


async def test_password_reset_unknown_address_same_answer(client):
    await client.get("/admin/password-reset")
    response = await post_form(client, "/admin/password-reset", {"email": "nobody@example.org"})
    assert response.status_code == 200
    assert "If nobody@example.org belongs to an organizer account" in response.text
    assert await OutboxMessage.count() == 0


async def test_password_reset_requests_are_limited(client, make_user):
    await make_user("organizer", email="ana@example.org")
    await client.get("/admin/password-reset")
    for _ in range(3):
        response = await post_form(client, "/admin/password-reset", {"email": "ana@example.org"})
        assert response.status_code == 200
    response = await post_form(client, "/admin/password-reset", {"email": "ana@example.org"})
    assert response.status_code == 429
    assert "retry-after" in response.headers
    assert await OutboxMessage.count() == 3


async def test_password_reset_ends_existing_sessions(client, make_user, login):
    user, password = await make_user("organizer", email="ana@example.org")
    await login(client, user["email"], password)
    await post_form(client, "/admin/password-reset", {"email": "ana@example.org"})
    path = _reset_path((await OutboxMessage.select(OutboxMessage.raw).first())["raw"])
    await client.get(path)
    await post_form(
        client,
        path,
        {"password": "my new long password", "confirm_password": "my new long password"},
    )
    assert (await client.get("/admin/", follow_redirects=False)).status_code == 303


async def test_password_reset_unknown_link(client):
    response = await client.get("/admin/password-reset/not-a-real-token")
    assert response.status_code == 422
    assert "This link does not work" in response.text


# Audit log ------------------------------------------------------------------------------------


async def test_audit_page_lists_and_filters(client, make_user, login):
    admin = await signed_in(client, make_user, login, "admin", email="org@example.org")
    await audit.record(
        user_id=None,
        actor="participant",
        action="cancel",
        entity_type="registration",
        entity_id=7,
        meeting_slug="idm-geneva",
        summary="Registration cancelled by the participant",
    )
    page = await client.get("/admin/audit")
    assert page.status_code == 200
    assert "Registration cancelled by the participant" in page.text
    assert "org@example.org" in page.text  # the sign-in is logged too
    filtered = await client.get(f"/admin/audit?user={admin['id']}")
    assert "Registration cancelled by the participant" not in filtered.text
    by_kind = await client.get("/admin/audit?entity_type=registration&meeting=idm-geneva")
    assert "Registration cancelled by the participant" in by_kind.text
    assert "1 entry" in by_kind.text


async def test_audit_page_pages(client, make_user, login):
    await signed_in(client, make_user, login, "admin")
    for number in range(audit.PAGE_SIZE + 5):
        await AuditEntry.insert(
            AuditEntry(actor="system", action="tick", entity_type="mail", entity_id=number)
        )
    first = await client.get("/admin/audit")
    assert "Page 1 of 2" in first.text
    second = await client.get("/admin/audit?page=2")
    assert "Page 2 of 2" in second.text
    assert (await client.get("/admin/audit?page=abc")).status_code == 422


async def test_audit_page_forbidden_for_checkin(client, make_user, login):
    await signed_in(client, make_user, login, "checkin")
    assert (await client.get("/admin/audit")).status_code == 403


async def test_logout_is_audited(client, make_user, login):
    user = await signed_in(client, make_user, login, "organizer")
    await post_form(client, "/admin/logout")
    actions = [row["action"] for row in await AuditEntry.select(AuditEntry.action)]
    assert sorted(actions) == ["login", "logout"]
    assert (await client.get("/admin/", follow_redirects=False)).status_code == 303
    entry = await AuditEntry.select(AuditEntry.user).where(AuditEntry.action == "logout").first()
    assert entry == {"user": user["id"]}


async def test_password_reset_email_reaches_smtp_and_its_link_works(client, make_user, smtp_server):
    """The whole way: the form, the outbox, the worker, a real SMTP server, the link, sign-in."""
    from idmevents.mail.send import SmtpSender
    from idmevents.mail.worker import deliver_due

    await make_user("organizer", email="ana@example.org", display_name="Ana López")
    await client.get("/admin/password-reset")
    await post_form(client, "/admin/password-reset", {"email": "ana@example.org"})
    assert await deliver_due(SmtpSender(smtp_server.url)) == 1
    [message] = smtp_server.messages
    assert (message["To"], message["Subject"]) == (
        "Ana López <ana@example.org>",
        "Reset your IDM events password",
    )
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    path = re.search(r"https://testserver\.local(/admin/password-reset/\S+)", text).group(1)
    assert f'href="https://testserver.local{path}"' in html
    await client.get(path)
    done = await post_form(
        client,
        path,
        {"password": "my new long password", "confirm_password": "my new long password"},
    )
    assert done.status_code == 303
    assert await services.authenticate("ana@example.org", "my new long password") is not None

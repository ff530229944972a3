"""Signing in and out, the guards on pages and on the API, tokens, and the login rate limit."""

from __future__ import annotations

import pytest
from litestar import Request, get
from litestar.testing import AsyncTestClient

from idmevents.audit.tables import AuditEntry
from idmevents.auth import passwords, services
from idmevents.auth.tables import StoreEntry
from idmevents.web.guards import requires_role
from idmevents.web.login_limits import Limit, LoginLimits
from idmevents.web.sessions import SESSION_COOKIE


async def test_admin_anonymous_is_sent_to_login(client):
    response = await client.get("/admin/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (
        303,
        "/admin/login?next=/admin",
    )


async def test_admin_anonymous_keeps_query_in_next(client):
    response = await client.get("/admin/users/?page=2&q=a", follow_redirects=False)
    assert response.headers["location"] == "/admin/login?next=/admin/users%3Fpage%3D2%26q%3Da"


async def test_login_page_renders_for_anonymous(client):
    response = await client.get("/admin/login?next=/admin/users/")
    assert response.status_code == 200
    assert 'name="next" value="/admin/users/"' in response.text
    assert "Sign in" in response.text


async def test_login_correct_password_reaches_dashboard(client, make_user, login, demo):
    _user, password = await make_user("organizer", email="Ana@Example.org")
    response = await login(client, "ana@example.org", password)
    assert (response.status_code, response.headers["location"]) == (303, "/admin/")
    page = await client.get("/admin/")
    assert page.status_code == 200
    assert "Dashboard" in page.text
    # The demo's meetings are listed with their registration counts.
    assert "idm-new-york" in page.text


async def test_login_email_is_case_insensitive(client, make_user, login):
    _, password = await make_user("organizer", email="ana@example.org")
    response = await login(client, "  ANA@example.ORG ", password)
    assert response.status_code == 303


async def test_login_wrong_password_shows_error_and_no_session(client, make_user, login):
    user, _ = await make_user("organizer")
    response = await login(client, user["email"], "not the password at all")
    assert response.status_code == 400
    assert "The email or password is wrong." in response.text
    assert SESSION_COOKIE not in response.cookies
    assert await StoreEntry.count().where(StoreEntry.key.like("sessions:%")) == 0
    follow = await client.get("/admin/", follow_redirects=False)
    assert follow.status_code == 303


async def test_login_unknown_email_same_message(client, login):
    response = await login(client, "nobody@example.org", "whatever password")
    assert response.status_code == 400
    assert "The email or password is wrong." in response.text


async def test_login_deactivated_account_is_refused(client, make_user, login):
    user, password = await make_user("admin", active=False)
    response = await login(client, user["email"], password)
    assert response.status_code == 400


async def test_login_without_csrf_token_is_refused(client, make_user):
    user, password = await make_user("organizer")
    await client.get("/admin/login")
    response = await client.post(
        "/admin/login", data={"email": user["email"], "password": password}
    )
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.cookies


async def test_login_goes_to_local_next(client, make_user, login):
    user, password = await make_user("admin")
    response = await login(client, user["email"], password, next_path="/admin/users/")
    assert response.headers["location"] == "/admin/users/"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "/\t/x"],
)
async def test_login_refuses_foreign_next(client, make_user, login, target):
    user, password = await make_user("admin")
    response = await login(client, user["email"], password, next_path=target)
    assert response.headers["location"] == "/admin/"


async def test_login_rotates_session_id(client, make_user, login):
    user, password = await make_user("organizer")
    client.cookies.set(SESSION_COOKIE, "a" * 64, domain="testserver.local")
    response = await login(client, user["email"], password)
    new_id = response.cookies[SESSION_COOKIE]
    assert new_id != "a" * 64
    assert len(new_id) == 64


async def test_session_cookie_flags(client, make_user, login):
    user, password = await make_user("organizer")
    response = await login(client, user["email"], password)
    cookie = next(
        value
        for name, value in response.headers.multi_items()
        if name == "set-cookie" and value.startswith(f"{SESSION_COOKIE}=")
    )
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite", "path"} <= flags
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()


async def test_logout_ends_session(client, make_user, login):
    user, password = await make_user("organizer")
    await login(client, user["email"], password)
    stolen = client.cookies.get(SESSION_COOKIE)
    page = await client.get("/admin/")
    assert page.status_code == 200
    response = await client.post(
        "/admin/logout",
        data={"_csrf_token": client.cookies.get("csrftoken")},
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (
        303,
        "/admin/login?signed_out=1",
    )
    # The old session id, replayed, no longer signs anyone in: it is gone from the store.
    client.cookies.set(SESSION_COOKIE, stolen, domain="testserver.local")
    again = await client.get("/admin/", follow_redirects=False)
    assert again.status_code == 303


async def test_login_records_audit_entry(client, make_user, login):
    user, password = await make_user("organizer")
    await login(client, user["email"], password)
    rows = await AuditEntry.select(
        AuditEntry.user, AuditEntry.actor, AuditEntry.action, AuditEntry.entity_type
    )
    assert rows == [
        {"user": user["id"], "actor": user["email"], "action": "login", "entity_type": "user"}
    ]


async def test_deactivated_user_session_stops_working(client, make_user, login):
    from idmevents.auth.tables import User

    user, password = await make_user("organizer")
    await login(client, user["email"], password)
    assert (await client.get("/admin/", follow_redirects=False)).status_code == 200
    await User.update({User.active: False}).where(User.id == user["id"])
    assert (await client.get("/admin/", follow_redirects=False)).status_code == 303


async def test_password_change_ends_other_sessions(client, make_user, login):
    from idmevents.auth.tables import User

    user, password = await make_user("organizer")
    await login(client, user["email"], password)
    new_hash = await passwords.hash_password("another long password")
    await User.update({User.password_hash: new_hash}).where(User.id == user["id"])
    assert (await client.get("/admin/", follow_redirects=False)).status_code == 303


async def test_anonymous_public_page_writes_no_session(client, demo):
    response = await client.get("/")
    assert response.status_code == 200
    assert SESSION_COOKIE not in response.cookies
    assert await StoreEntry.count() == 0


# Roles ----------------------------------------------------------------------------------------


async def test_checkin_user_gets_403_on_admin_only_page(client, make_user, login):
    user, password = await make_user("checkin")
    await login(client, user["email"], password)
    response = await client.get("/admin/users/")
    assert response.status_code == 403
    assert "may not use this page" in response.text


async def test_organizer_gets_403_on_users_page(client, make_user, login):
    user, password = await make_user("organizer")
    await login(client, user["email"], password)
    assert (await client.get("/admin/users/")).status_code == 403


async def test_admin_sees_users_page(client, make_user, login):
    user, password = await make_user("admin", email="root@example.org")
    await make_user("checkin", email="desk@example.org")
    await login(client, user["email"], password)
    response = await client.get("/admin/users/")
    assert response.status_code == 200
    assert "desk@example.org" in response.text


async def test_nav_shows_only_what_role_may_use(client, make_user, login):
    organizer, password = await make_user("organizer")
    await login(client, organizer["email"], password)
    page = await client.get("/admin/")
    assert 'href="/admin"' in page.text
    assert 'href="/admin/users"' not in page.text


async def test_nav_admin_sees_users(client, make_user, login):
    admin, password = await make_user("admin")
    await login(client, admin["email"], password)
    page = await client.get("/admin/")
    assert 'href="/admin/users"' in page.text


# API tokens -----------------------------------------------------------------------------------


def _api_app():
    """The real app plus one guarded API route: the guard's answers, without waiting for the API."""
    from idmevents.app import create_app

    @get("/api/v1/whoami", guards=[requires_role("organizer")], sync_to_thread=False)
    def whoami(request: Request) -> dict:
        user = request.user
        return {"id": user.id, "email": user.email, "role": user.role}

    app = create_app()
    app.register(whoami)
    return app


@pytest.fixture
async def api_client():
    async with AsyncTestClient(app=_api_app(), base_url="https://testserver.local") as client:
        yield client


async def test_api_anonymous_gets_401_json(api_client):
    response = await api_client.get("/api/v1/whoami")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="idmevents"'
    assert response.json()["error"] == "Authentication required"


async def test_api_token_works(api_client, api_token):
    user, token = await api_token("organizer")
    response = await api_client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json()) == (
        200,
        {"id": user["id"], "email": user["email"], "role": "organizer"},
    )


async def test_api_revoked_token_gets_401(api_client, api_token):
    _user, token = await api_token("organizer")
    row = await services.find_token_by_prefix(token[: services.TOKEN_PREFIX_LENGTH])
    await services.revoke_token(row["id"])
    response = await api_client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_api_unknown_token_gets_401(api_client):
    response = await api_client.get(
        "/api/v1/whoami", headers={"Authorization": "Bearer idm_not-a-real-token"}
    )
    assert response.status_code == 401


async def test_api_token_of_lower_role_gets_403(api_client, api_token):
    _, token = await api_token("checkin")
    response = await api_client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.json()["error"] == "Forbidden"


async def test_api_token_of_deactivated_user_gets_401(api_client, api_token):
    from idmevents.auth.tables import User

    user, token = await api_token("admin")
    await User.update({User.active: False}).where(User.id == user["id"])
    response = await api_client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_api_session_allowed_for_reads(api_client, make_user, login):
    user, password = await make_user("organizer")
    await login(api_client, user["email"], password)
    response = await api_client.get("/api/v1/whoami")
    assert response.status_code == 200


# Rate limit -----------------------------------------------------------------------------------


@pytest.fixture
async def strict_client():
    from idmevents.app import create_app

    limits = LoginLimits(per_client=Limit(hits=6, window=60), per_account=Limit(hits=3, window=60))
    async with AsyncTestClient(
        app=create_app(login_limits=limits), base_url="https://testserver.local"
    ) as client:
        yield client


async def test_login_rate_limited_per_account(strict_client, make_user, login):
    user, password = await make_user("organizer")
    for _ in range(3):
        assert (await login(strict_client, user["email"], "wrong password!")).status_code == 400
    # Even the right password waits now: guessing cannot go on by getting lucky.
    response = await login(strict_client, user["email"], password)
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= 60
    assert "Too many attempts. Please wait 1 minute and try again." in response.text


async def test_login_rate_limited_per_client(strict_client, make_user, login):
    for number in range(6):
        response = await login(strict_client, f"someone{number}@example.org", "wrong password!")
        assert response.status_code == 400
    response = await login(strict_client, "another@example.org", "wrong password!")
    assert response.status_code == 429


async def test_login_success_clears_account_failures(strict_client, make_user, login):
    user, password = await make_user("organizer")
    for _ in range(2):
        await login(strict_client, user["email"], "wrong password!")
    assert (await login(strict_client, user["email"], password)).status_code == 303
    strict_client.cookies.clear()
    for _ in range(2):
        assert (await login(strict_client, user["email"], "wrong password!")).status_code == 400


async def test_checkin_user_is_sent_to_the_desk(make_user, login):
    """Check-in staff land on the check-in desk (badges), not on the dashboard."""
    from idmevents.app import create_app

    app = create_app()
    user, password = await make_user("checkin")
    organizer, organizer_password = await make_user("organizer")
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as client:
        await login(client, user["email"], password)
        response = await client.get("/admin/", follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/admin/checkin")
        nav = await client.get("/admin/account")
        assert 'href="/admin/checkin"' in nav.text
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as client:
        await login(client, organizer["email"], organizer_password)
        assert (await client.get("/admin/", follow_redirects=False)).status_code == 200

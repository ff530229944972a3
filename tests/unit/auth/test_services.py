"""Accounts, passwords, tokens, password reset links and the audit log, without HTTP."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime, timedelta
from email.policy import default

import pytest
from argon2 import PasswordHasher

from idmevents import audit
from idmevents.audit.tables import AuditEntry
from idmevents.auth import passwords, reset, services
from idmevents.auth.tables import ApiToken, PasswordReset, User
from idmevents.errors import Conflict, InvalidInput, NotFound
from idmevents.mail.tables import OutboxMessage

PASSWORD = "a long enough password"


async def test_create_user_normalises_email_and_hashes_password():
    user = await services.create_user(" Ana@Example.ORG ", "organizer", PASSWORD, " Ana ")
    assert (user["email"], user["display_name"], user["role"], user["active"]) == (
        "ana@example.org",
        "Ana",
        "organizer",
        True,
    )
    assert user["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in user["password_hash"]


@pytest.mark.parametrize(
    ("email", "role", "password", "field"),
    [
        ("not-an-email", "organizer", PASSWORD, "email"),
        ("a@example.org", "root", PASSWORD, "role"),
        ("a@example.org", "organizer", "short", "password"),
        ("a@example.org", "organizer", "x" * 1025, "password"),
    ],
)
async def test_create_user_bad_input_names_the_field(email, role, password, field):
    with pytest.raises(InvalidInput) as caught:
        await services.create_user(email, role, password)
    assert list(caught.value.fields) == [field]
    assert await User.count() == 0


async def test_create_user_duplicate_email_is_conflict():
    await services.create_user("a@example.org", "admin", PASSWORD)
    with pytest.raises(Conflict) as caught:
        await services.create_user("A@EXAMPLE.org", "organizer", PASSWORD)
    assert caught.value.fields == {"email": "This address already has an account."}
    assert await User.count() == 1


async def test_create_user_is_audited_as_command_line():
    user = await services.create_user("a@example.org", "admin", PASSWORD)
    rows = await AuditEntry.select(
        AuditEntry.actor, AuditEntry.action, AuditEntry.entity_type, AuditEntry.entity_id
    )
    assert rows == [
        {
            "actor": "command line",
            "action": "create",
            "entity_type": "user",
            "entity_id": user["id"],
        }
    ]


async def test_authenticate_right_and_wrong_password():
    await services.create_user("a@example.org", "admin", PASSWORD)
    assert (await services.authenticate("A@example.org", PASSWORD))["email"] == "a@example.org"
    assert await services.authenticate("a@example.org", "wrong password here") is None
    assert await services.authenticate("b@example.org", PASSWORD) is None


async def test_authenticate_rehashes_old_parameters():
    weak = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(PASSWORD)
    await User.insert(User(email="a@example.org", password_hash=weak, role="admin"))
    row = await services.authenticate("a@example.org", PASSWORD)
    stored = await User.select(User.password_hash).first()
    assert stored["password_hash"] == row["password_hash"] != weak
    assert "$m=1024,t=1,p=4$" in stored["password_hash"]
    assert await services.authenticate("a@example.org", PASSWORD) is not None


async def test_authenticate_sets_last_login():
    await services.create_user("a@example.org", "admin", PASSWORD)
    now = datetime(2027, 4, 20, 9, 0, tzinfo=UTC)
    await services.authenticate("a@example.org", PASSWORD, now=now)
    row = await User.select(User.last_login_at).first()
    assert row["last_login_at"] == now


def test_role_ranking():
    checkin = services.CurrentUser(id=1, email="c@x.org", display_name="", role="checkin")
    admin = services.CurrentUser(id=2, email="a@x.org", display_name="", role="admin")
    assert [checkin.has_role(r) for r in services.ROLES] == [True, False, False]
    assert [admin.has_role(r) for r in services.ROLES] == [True, True, True]


async def test_token_secret_is_stored_only_as_hash(make_user):
    user, _ = await make_user("organizer")
    row, secret = await services.create_token(user, "export")
    stored = await ApiToken.select().first()
    assert secret not in str(stored)
    assert (stored["prefix"], stored["token_hash"], row["id"]) == (
        secret[:12],
        passwords.hash_token(secret),
        stored["id"],
    )


async def test_token_last_used_is_noted_at_most_once_a_minute(make_user):
    user, _ = await make_user("organizer")
    _, secret = await services.create_token(user)
    first = datetime(2027, 1, 1, 12, 0, tzinfo=UTC)
    await services.user_for_token(secret, now=first)
    await services.user_for_token(secret, now=first + timedelta(seconds=30))
    assert (await ApiToken.select(ApiToken.last_used_at).first())["last_used_at"] == first
    later = first + timedelta(minutes=2)
    await services.user_for_token(secret, now=later)
    assert (await ApiToken.select(ApiToken.last_used_at).first())["last_used_at"] == later


async def test_revoke_token_of_someone_else_is_not_found(make_user):
    owner, _ = await make_user("organizer")
    other, _ = await make_user("organizer")
    row, secret = await services.create_token(owner)
    with pytest.raises(NotFound):
        await services.revoke_token(row["id"], owner_id=other["id"])
    assert await services.user_for_token(secret) is not None


def _by(row: dict) -> services.CurrentUser:
    return services.current_user_from_row(row)


async def test_change_role_of_last_admin_is_refused(make_user):
    admin, _ = await make_user("admin")
    with pytest.raises(Conflict):
        await services.change_role(admin["id"], "organizer", by=_by(admin))
    assert (await User.select(User.role).first())["role"] == "admin"


async def test_change_role_is_audited(make_user):
    admin, _ = await make_user("admin")
    other, _ = await make_user("organizer")
    await services.change_role(other["id"], "checkin", by=_by(admin))
    entry = await AuditEntry.select(AuditEntry.action, AuditEntry.data, AuditEntry.user).first()
    assert entry["action"] == "change-role"
    assert entry["user"] == admin["id"]


async def test_deactivate_revokes_tokens(make_user):
    admin, _ = await make_user("admin")
    other, _ = await make_user("organizer")
    _, secret = await services.create_token(other)
    await services.set_active(other["id"], False, by=_by(admin))
    assert await services.user_for_token(secret) is None
    await services.set_active(other["id"], True, by=_by(admin))
    # Reactivation does not bring revoked tokens back.
    assert await services.user_for_token(secret) is None


async def test_deactivate_self_is_refused(make_user):
    admin, _ = await make_user("admin")
    await make_user("admin")
    with pytest.raises(Conflict):
        await services.set_active(admin["id"], False, by=_by(admin))


# Password reset -------------------------------------------------------------------------------


def _link_from_outbox(raw: str) -> str:
    message = email.message_from_string(raw, policy=default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https://\S+/admin/password-reset/(\S+)", text).group(1)


async def test_request_reset_queues_email_with_link(make_user):
    user, _ = await make_user("organizer", email="ana@example.org")
    assert await reset.request_reset("ANA@example.org") is True
    outbox = await OutboxMessage.select(
        OutboxMessage.kind, OutboxMessage.to_address, OutboxMessage.raw
    )
    assert [(row["kind"], row["to_address"]) for row in outbox] == [
        ("password-reset", "ana@example.org")
    ]
    secret = _link_from_outbox(outbox[0]["raw"])
    stored = await PasswordReset.select(PasswordReset.token_hash, PasswordReset.user).first()
    assert stored == {"token_hash": passwords.hash_token(secret), "user": user["id"]}


async def test_request_reset_unknown_or_inactive_sends_nothing(make_user):
    await make_user("organizer", email="gone@example.org", active=False)
    assert await reset.request_reset("nobody@example.org") is False
    assert await reset.request_reset("gone@example.org") is False
    assert await OutboxMessage.count() == 0


async def test_reset_password_works_once_and_voids_other_links(make_user):
    await make_user("organizer", email="ana@example.org")
    await reset.request_reset("ana@example.org")
    await reset.request_reset("ana@example.org")
    raws = [row["raw"] for row in await OutboxMessage.select(OutboxMessage.raw)]
    first, second = (_link_from_outbox(raw) for raw in raws)
    await reset.reset_password(first, "a brand new password", "a brand new password")
    assert await services.authenticate("ana@example.org", "a brand new password") is not None
    for secret in (first, second):
        with pytest.raises(InvalidInput):
            await reset.reset_password(secret, "yet another password", "yet another password")


async def test_reset_link_expires_after_an_hour(make_user):
    await make_user("organizer", email="ana@example.org")
    asked = datetime.now(UTC)
    await reset.request_reset("ana@example.org", now=asked)
    secret = _link_from_outbox((await OutboxMessage.select(OutboxMessage.raw).first())["raw"])
    assert await reset.check_link(secret, now=asked + timedelta(minutes=59)) == "ana@example.org"
    with pytest.raises(InvalidInput):
        await reset.check_link(secret, now=asked + timedelta(minutes=61))


async def test_reset_mismatched_passwords_keep_link_usable(make_user):
    await make_user("organizer", email="ana@example.org")
    await reset.request_reset("ana@example.org")
    secret = _link_from_outbox((await OutboxMessage.select(OutboxMessage.raw).first())["raw"])
    with pytest.raises(InvalidInput) as caught:
        await reset.reset_password(secret, "a brand new password", "a different password")
    assert list(caught.value.fields) == ["confirm_password"]
    assert await reset.check_link(secret) == "ana@example.org"


# Audit log ------------------------------------------------------------------------------------


async def test_audit_list_filters_and_pages(make_user):
    admin, _ = await make_user("admin")
    start = datetime(2027, 1, 1, tzinfo=UTC)
    for number in range(5):
        await audit.record(
            user_id=admin["id"],
            actor=admin["email"],
            action="update",
            entity_type="session",
            entity_id=number,
            meeting_slug="idm-geneva" if number % 2 else "idm-new-york",
            now=start + timedelta(minutes=number),
        )
    await audit.record(
        user_id=None, actor="participant", action="cancel", entity_type="registration", now=start
    )
    geneva = await audit.list_entries(audit.AuditFilters(meeting_slug="idm-geneva"))
    assert [entry["entity_id"] for entry in geneva.entries] == [3, 1]
    by_admin = await audit.list_entries(audit.AuditFilters(user_id=admin["id"]), page_size=2)
    assert (by_admin.total, by_admin.pages, [e["entity_id"] for e in by_admin.entries]) == (
        5,
        3,
        [4, 3],
    )
    last = await audit.list_entries(audit.AuditFilters(user_id=admin["id"], page=99), page_size=2)
    assert (last.page, [e["entity_id"] for e in last.entries]) == (3, [0])
    registrations = await audit.list_entries(audit.AuditFilters(entity_type="registration"))
    assert [e["actor"] for e in registrations.entries] == ["participant"]


def test_password_cost_defaults_are_rfc_9106(monkeypatch):
    from idmevents.settings import load_settings

    monkeypatch.delenv("IDMEVENTS_ARGON2_TIME_COST")
    monkeypatch.delenv("IDMEVENTS_ARGON2_MEMORY_KIB")
    passwords = load_settings().passwords
    assert (passwords.time_cost, passwords.memory_kib) == (3, 65536)

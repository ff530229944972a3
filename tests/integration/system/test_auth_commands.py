"""`idmevents user …` and `idmevents token …` as an operator runs them, in subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys

from idmevents.auth import passwords, services
from idmevents.auth.tables import ApiToken, User
from tests.support.environment import ROOT


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "idmevents.cli", *args],
        cwd=ROOT,
        env=os.environ.copy(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_user_create_password_stdin_can_sign_in():
    result = run(
        "user",
        "create",
        "--email",
        "Ana.Lopez@Example.org",
        "--role",
        "organizer",
        "--name",
        "Ana López",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert (result.returncode, result.stdout) == (0, "created organizer ana.lopez@example.org\n")
    rows = await User.select(User.email, User.display_name, User.role, User.active)
    assert rows == [
        {
            "email": "ana.lopez@example.org",
            "display_name": "Ana López",
            "role": "organizer",
            "active": True,
        }
    ]
    assert await services.authenticate("ana.lopez@example.org", "a long enough password")


def test_user_create_without_tty_or_stdin_flag_is_refused():
    result = run("user", "create", "--email", "a@example.org", "--role", "admin", stdin="")
    assert result.returncode != 0
    assert "--password-stdin" in result.stderr


def test_user_create_short_password_is_refused():
    result = run(
        "user",
        "create",
        "--email",
        "a@example.org",
        "--role",
        "admin",
        "--password-stdin",
        stdin="short\n",
    )
    assert result.returncode == 1
    assert result.stderr == (
        "error: The password is too short. (password: Use at least 12 characters.)\n"
    )


def test_user_create_bad_role_is_refused():
    result = run("user", "create", "--email", "a@example.org", "--role", "root", "--password-stdin")
    assert result.returncode == 2
    assert "invalid choice: 'root'" in result.stderr


async def test_user_create_duplicate_email_is_refused(make_user):
    await make_user("admin", email="taken@example.org")
    result = run(
        "user",
        "create",
        "--email",
        "TAKEN@example.org",
        "--role",
        "organizer",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert result.returncode == 1
    assert "already exists" in result.stderr
    assert await User.count() == 1


async def test_token_create_prints_secret_once_and_revoke_by_prefix(make_user):
    _user, _ = await make_user("organizer", email="ana@example.org")
    created = run("token", "create", "--email", "ana@example.org", "--name", "scripts")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("idm_")
    assert (await services.user_for_token(secret)).email == "ana@example.org"
    row = await ApiToken.select(ApiToken.prefix, ApiToken.token_hash, ApiToken.name).first()
    # Only the hash is kept: the secret itself is nowhere in the database.
    assert row == {
        "prefix": secret[:12],
        "token_hash": passwords.hash_token(secret),
        "name": "scripts",
    }

    listed = run("token", "list", "--email", "ana@example.org")
    assert listed.stdout.startswith(f"{secret[:12]}\tana@example.org\tactive\t")
    assert secret not in listed.stdout

    revoked = run("token", "revoke", "--prefix", secret[:12])
    assert (revoked.returncode, revoked.stdout) == (0, f"revoked {secret[:12]}…\n")
    assert await services.user_for_token(secret) is None


def test_token_create_unknown_email_is_refused():
    result = run("token", "create", "--email", "nobody@example.org")
    assert (result.returncode, result.stderr) == (
        1,
        "error: There is no account with this email address.\n",
    )

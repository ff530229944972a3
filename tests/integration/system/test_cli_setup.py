"""The command line as a newcomer meets it: clear errors instead of tracebacks."""

from __future__ import annotations

import pytest

from idmevents.auth.tables import User
from tests.integration.system.test_auth_commands import run


@pytest.mark.parametrize("stdin", ["", "\n", "\r\n"])
async def test_user_create_with_no_password_on_stdin_is_a_clear_error(stdin):
    result = run(
        "user", "create", "--email", "a@example.org", "--role", "admin", "--password-stdin",
        stdin=stdin,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: --password-stdin read no password")
    assert await User.count() == 0

"""Accounts: users made straight in the table with one known password, and signing a client in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

TEST_PASSWORD = "correct horse battery staple"
# One argon2 hash of TEST_PASSWORD per run, made by the first user: fast.
_password_hash: list[str] = []


def user_maker() -> Callable[..., Awaitable[tuple[dict, str]]]:
    """`await make(role, email=...)` → (user row, password), numbering its addresses from 1."""
    from idmevents.auth import passwords, services
    from idmevents.auth.tables import User
    from tests.factories.teams import join_every_meeting

    counter = iter(range(1, 10_000))

    async def make(
        role: str = "organizer",
        email: str | None = None,
        *,
        display_name: str = "",
        active: bool = True,
    ) -> tuple[dict, str]:
        if not _password_hash:
            _password_hash.append(await passwords.hash_password(TEST_PASSWORD))
        services.check_role(role)
        address = passwords.normalise_email(email or f"{role}{next(counter)}@example.org")
        rows = await User.insert(
            User(
                email=address,
                display_name=display_name,
                password_hash=_password_hash[0],
                role=role,
                active=active,
            )
        ).returning(*User.all_columns())
        await join_every_meeting(rows[0]["id"], role)
        return rows[0], TEST_PASSWORD

    return make


async def login(client, email: str, password: str, next_path: str = ""):
    """GET the login form (for its CSRF cookie), then POST it; returns the POST's response."""
    form = await client.get("/admin/login")
    assert form.status_code == 200, form.text
    data = {"email": email, "password": password, "_csrf_token": client.cookies.get("csrftoken")}
    if next_path:
        data["next"] = next_path
    return await client.post("/admin/login", data=data, follow_redirects=False)

"""Asking for a password reset answers before any work that depends on the address is done."""

import pytest
from litestar.testing import AsyncTestClient

from idmevents.auth import reset
from idmevents.mail.tables import OutboxMessage


@pytest.fixture
async def recording_client(monkeypatch):
    """A client whose app notes when the answer was sent and when the reset work ran."""
    from tests.support.apps import app_for_current_settings

    events: list[str] = []
    work = reset.request_reset

    async def request_reset(address, **kwargs):
        events.append("work")
        return await work(address, **kwargs)

    monkeypatch.setattr(reset, "request_reset", request_reset)
    app = app_for_current_settings()

    async def recorded(scope, receive, send):
        async def note(message):
            if message["type"] == "http.response.body" and not message.get("more_body"):
                events.append("answered")
            await send(message)

        await app(scope, receive, note)

    async with AsyncTestClient(app=recorded, base_url="https://testserver.local") as client:
        client.events = events
        yield client


async def ask(client, address: str):
    await client.get("/admin/password-reset")
    client.events.clear()
    return await client.post(
        "/admin/password-reset",
        data={"email": address, "_csrf_token": client.cookies.get("csrftoken")},
    )


async def test_existing_and_unknown_addresses_answer_before_the_same_work(
    recording_client, make_user
):
    await make_user("organizer", email="ana@example.org")
    known = await ask(recording_client, "ana@example.org")
    assert recording_client.events == ["answered", "work"]
    unknown = await ask(recording_client, "nobody@example.org")
    assert recording_client.events == ["answered", "work"]
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("ana@example.org", "X") == unknown.text.replace(
        "nobody@example.org", "X"
    )
    # The link was still sent, after the answer.
    assert await OutboxMessage.count() == 1

"""Sign-in throttling: growing waits per (address, account), never a lockout of the owner."""

import re
from email import message_from_string
from email.policy import default

import pytest
from litestar.stores.memory import MemoryStore
from litestar.testing import AsyncTestClient

from idmevents.mail.tables import OutboxMessage
from idmevents.web.login_limits import Limit, LoginLimiter, LoginLimits, TooManyAttempts

ACCOUNT = "owner@example.org"


@pytest.fixture
def limiter():
    return LoginLimiter(MemoryStore(), LoginLimits(per_account=Limit(hits=5, window=3600)))


async def wrong_password(limiter: LoginLimiter, client: str) -> None:
    await limiter.attempt(client, ACCOUNT)
    await limiter.failed(client, ACCOUNT)


async def test_attackers_from_many_addresses_cannot_lock_the_owner_out(limiter):
    for number in range(10):
        for _ in range(5):
            await wrong_password(limiter, f"203.0.113.{number}")
        with pytest.raises(TooManyAttempts):
            await limiter.attempt(f"203.0.113.{number}", ACCOUNT)
    # The owner, from their own address, signs in at once.
    await limiter.attempt("198.51.100.7", ACCOUNT)
    await limiter.succeeded("198.51.100.7", ACCOUNT)


async def test_the_wait_doubles_with_each_further_failure(limiter):
    waits = []
    for _ in range(5):
        await wrong_password(limiter, "203.0.113.1")
    for _ in range(4):
        with pytest.raises(TooManyAttempts) as refused:
            await limiter.attempt("203.0.113.1", ACCOUNT)
        waits.append(refused.value.retry_after)
        # The wait ends; the next guess is wrong again.
        await limiter.store.delete(f"wait:0:203.0.113.1:{ACCOUNT}")
        await wrong_password(limiter, "203.0.113.1")
    assert [round(wait, -1) for wait in waits] == [60, 120, 240, 480]


async def test_the_wait_is_capped():
    limiter = LoginLimiter(MemoryStore(), LoginLimits(per_client=Limit(hits=100, window=600)))
    for _ in range(40):
        await limiter.store.delete(f"wait:0:203.0.113.1:{ACCOUNT}")
        await wrong_password(limiter, "203.0.113.1")
    with pytest.raises(TooManyAttempts) as refused:
        await limiter.attempt("203.0.113.1", ACCOUNT)
    assert 3500 < refused.value.retry_after <= 3600


async def test_spraying_from_one_address_is_still_limited(limiter):
    for number in range(30):
        await limiter.attempt("203.0.113.1", f"someone{number}@example.org")
    with pytest.raises(TooManyAttempts):
        await limiter.attempt("203.0.113.1", "another@example.org")


async def test_reset_clears_every_address_failures_on_the_account(limiter):
    for client in ("203.0.113.1", "203.0.113.2"):
        for _ in range(5):
            await wrong_password(limiter, client)
    await limiter.cleared(ACCOUNT)
    for client in ("203.0.113.1", "203.0.113.2"):
        await limiter.attempt(client, ACCOUNT)


@pytest.fixture
async def strict_client():
    from idmevents.app import create_app

    limits = LoginLimits(per_account=Limit(hits=3, window=600))
    async with AsyncTestClient(
        app=create_app(login_limits=limits), base_url="https://testserver.local"
    ) as client:
        yield client


async def post_form(client, path: str, data: dict):
    await client.get(path)
    return await client.post(
        path, data=data | {"_csrf_token": client.cookies.get("csrftoken")}, follow_redirects=False
    )


async def test_a_password_reset_lifts_the_wait_over_http(strict_client, make_user, login):
    await make_user("organizer", email=ACCOUNT)
    for _ in range(3):
        assert (await login(strict_client, ACCOUNT, "wrong password!")).status_code == 400
    assert (await login(strict_client, ACCOUNT, "wrong password!")).status_code == 429

    await post_form(strict_client, "/admin/password-reset", {"email": ACCOUNT})
    raw = (await OutboxMessage.select(OutboxMessage.raw).first())["raw"]
    text = message_from_string(raw, policy=default).get_body(("plain",)).get_content()
    path = re.search(r"https://testserver\.local(/admin/password-reset/\S+)", text).group(1)
    new = "a brand new long password"
    done = await post_form(strict_client, path, {"password": new, "confirm_password": new})
    assert done.status_code == 303
    assert (await login(strict_client, ACCOUNT, new)).status_code == 303

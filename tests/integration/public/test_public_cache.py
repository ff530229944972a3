"""Public pages and feeds under load: a process keeps what it read of a meeting for a moment, and
the meeting page's rendering until the meeting changes."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime

import pytest
from litestar.testing import AsyncTestClient

from idmevents.app import create_app
from idmevents.meetings import services
from idmevents.meetings.tables import Meeting, MeetingSession
from idmevents.pagecache import NotCacheable, PageCache, render_without_forms
from idmevents.settings import reset_settings
from idmevents.web.public.meetings import MEETING_PAGES


@pytest.fixture
def public_cache():
    """Switch the public caching on (0.3 s) for one test, with nothing remembered from before."""
    os.environ["IDMEVENTS_PUBLIC_CACHE_SECONDS"] = "0.3"
    reset_settings()
    services.forget_public_meetings()
    MEETING_PAGES.clear()
    yield 0.3
    os.environ["IDMEVENTS_PUBLIC_CACHE_SECONDS"] = "0"
    reset_settings()
    services.forget_public_meetings()
    MEETING_PAGES.clear()


@pytest.fixture
async def cached_client(public_cache):
    async with AsyncTestClient(app=create_app(), base_url="https://testserver.local") as client:
        yield client


async def rename_first_session(slug: str, title: str, *, bump: bool) -> None:
    meeting = await Meeting.select(Meeting.id).where(Meeting.slug == slug).first()
    first = (
        await MeetingSession.select(MeetingSession.id)
        .where(MeetingSession.meeting == meeting["id"])
        .order_by(MeetingSession.starts_at)
        .first()
    )
    await MeetingSession.update({MeetingSession.title: title}).where(
        MeetingSession.id == first["id"]
    )
    if bump:
        await Meeting.update({Meeting.agenda_changed_at: datetime.now(UTC)}).where(
            Meeting.id == meeting["id"]
        )


async def test_meeting_page_is_rendered_again_when_the_agenda_changes(demo, cached_client):
    assert "Renamed twice" not in (await cached_client.get("/meetings/idm-geneva")).text
    # A change that does not move agenda_changed_at (every real writer does) is not seen...
    await rename_first_session("idm-geneva", "Renamed once", bump=False)
    await asyncio.sleep(0.35)
    assert "Renamed once" not in (await cached_client.get("/meetings/idm-geneva")).text
    # ...one that does is, once the process's copy of the meeting row is older than 0.3 s.
    await rename_first_session("idm-geneva", "Renamed twice", bump=True)
    await asyncio.sleep(0.35)
    page = await cached_client.get("/meetings/idm-geneva")
    assert (page.status_code, "Renamed twice" in page.text) == (200, True)
    assert page.headers["content-type"] == "text/html; charset=utf-8"


async def test_meeting_page_cache_keeps_one_page_per_meeting_state_and_language(
    demo, cached_client
):
    first = await cached_client.get("/meetings/idm-geneva")
    again = await cached_client.get("/meetings/idm-geneva")
    other = await cached_client.get("/meetings/idm-new-york")
    assert (first.status_code, again.text == first.text, other.status_code) == (200, True, 200)
    assert len(MEETING_PAGES) == 2


async def test_cached_meeting_page_still_sets_each_visitor_a_csrf_cookie_of_their_own(
    demo, cached_client
):
    tokens = set()
    for _ in range(2):
        cached_client.cookies.clear()
        response = await cached_client.get("/meetings/idm-geneva")
        tokens.add(response.cookies["csrftoken"])
    assert len(tokens) == 2


async def test_unknown_meeting_is_still_404_with_caching(demo, cached_client):
    assert (await cached_client.get("/meetings/no-such-meeting")).status_code == 404


async def test_public_meeting_is_read_again_after_the_cache_time(demo, public_cache):
    before = await services.get_public_meeting("idm-geneva")
    await Meeting.update({Meeting.title: "A new title"}).where(Meeting.slug == "idm-geneva")
    assert (await services.get_public_meeting("idm-geneva"))["title"] == before["title"]
    await asyncio.sleep(public_cache + 0.05)
    assert (await services.get_public_meeting("idm-geneva"))["title"] == "A new title"


async def test_public_meeting_copy_cannot_be_changed_by_a_caller(demo, public_cache):
    meeting = await services.get_public_meeting("idm-geneva")
    meeting["title"] = "scribbled on"
    assert (await services.get_public_meeting("idm-geneva"))["title"] != "scribbled on"


async def test_without_caching_every_read_goes_to_the_database(demo):
    await services.get_public_meeting("idm-geneva")
    await Meeting.update({Meeting.title: "Changed"}).where(Meeting.slug == "idm-geneva")
    assert (await services.get_public_meeting("idm-geneva"))["title"] == "Changed"


def test_page_cache_drops_the_least_recently_used_page_over_its_limit():
    cache = PageCache(limit=2)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"  # now "b" is the least recently used
    cache.put("c", "C")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("A", None, "C")


def test_page_cache_forgets_a_page_after_its_max_age():
    cache = PageCache(max_age=0)
    cache.put("a", "A")
    assert (cache.get("a"), len(cache)) == (None, 0)


async def test_a_page_with_a_form_or_the_visitors_name_cannot_be_rendered_for_the_cache(client):
    from litestar import Request

    app = client.app
    request = Request({"type": "http", "app": app, "litestar_app": app, "path": "/", "headers": []})
    with pytest.raises(NotCacheable):
        render_without_forms(request, "auth/login.html.jinja2", {"next": "/", "email": ""})


async def test_feeds_neither_read_nor_renew_the_organizers_session(demo, client, make_user, login):
    """Calendar apps never sign in: a feed skips the session store; a page renews the session."""
    user, password = await make_user("organizer")
    assert (await login(client, user["email"], password)).status_code == 303
    page = await client.get("/meetings/idm-geneva")
    feed = await client.get("/meetings/idm-geneva/agenda.ics")
    schedule = await client.get("/meetings/idm-geneva/agenda.json")
    assert (page.status_code, feed.status_code, schedule.status_code) == (200, 200, 200)
    assert "idm_session" in page.headers.get("set-cookie", "")
    assert "set-cookie" not in feed.headers
    assert "set-cookie" not in schedule.headers

"""Public pages and feeds under load: a process keeps what it read of a meeting for a moment, and
the meeting page's rendering until the meeting changes."""

from __future__ import annotations

import asyncio
import gzip
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


# -- the page kept as sent: bytes, gzip, ETag ----------------------------------------------------

PAGE = "/meetings/idm-geneva"
PLAIN = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}


async def raw_get(client, path: str, headers: dict[str, str]):
    """The answer and its body as sent, before the client undoes any Content-Encoding."""
    response = await client.send(client.build_request("GET", path, headers=headers), stream=True)
    raw = b"".join([chunk async for chunk in response.aiter_raw()])
    await response.aclose()
    return response, raw


async def first_session_id() -> int:
    meeting = await Meeting.select(Meeting.id).where(Meeting.slug == "idm-geneva").first()
    first = (
        await MeetingSession.select(MeetingSession.id)
        .where(MeetingSession.meeting == meeting["id"])
        .order_by(MeetingSession.starts_at)
        .first()
    )
    return first["id"]


async def test_meeting_page_gzip_and_plain_forms_are_the_same_page_compressed_once(
    demo, cached_client
):
    plain, plain_body = await raw_get(cached_client, PAGE, PLAIN)
    zipped, zipped_body = await raw_get(cached_client, PAGE, GZIP)
    again, again_body = await raw_get(cached_client, PAGE, GZIP)
    assert (plain.status_code, zipped.status_code) == (200, 200)
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    # Compressed once (not again by the compression middleware), to the very page sent plain.
    assert gzip.decompress(zipped_body) == plain_body
    assert plain_body.startswith(b"<!doctype html>")
    assert len(zipped_body) < len(plain_body) / 3
    assert int(zipped.headers["content-length"]) == len(zipped_body)
    assert int(plain.headers["content-length"]) == len(plain_body)
    # Two representations, two strong validators; the same bytes (and tag) on every request.
    assert plain.headers["etag"] != zipped.headers["etag"]
    assert (again.headers["etag"], again_body) == (zipped.headers["etag"], zipped_body)
    for response in (plain, zipped):
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert response.headers["content-language"] == "en"
        assert response.headers["vary"] == "Accept-Encoding, Accept-Language, Cookie"
        # The answer may carry the visitor's own cookies: browsers keep it, shared caches not.
        assert response.headers["cache-control"] == "private, no-cache"
    assert len(MEETING_PAGES) == 1


@pytest.mark.parametrize("encoding", [PLAIN, GZIP], ids=["plain", "gzip"])
async def test_meeting_page_is_answered_304_while_it_has_not_changed(demo, cached_client, encoding):
    first = await cached_client.get(PAGE, headers=encoding)
    etag = first.headers["etag"]
    again, body = await raw_get(cached_client, PAGE, encoding | {"If-None-Match": etag})
    assert (again.status_code, body, again.headers["etag"]) == (304, b"", etag)
    assert again.headers["vary"] == "Accept-Encoding, Accept-Language, Cookie"
    assert again.headers["cache-control"] == "private, no-cache"
    # A browser holding the other form of the same page holds the current page too.
    other = PLAIN if encoding is GZIP else GZIP
    other_tag = (await cached_client.get(PAGE, headers=other)).headers["etag"]
    assert (
        await cached_client.get(PAGE, headers=encoding | {"If-None-Match": other_tag})
    ).status_code == 304
    # An old copy is sent the current page.
    stale = await cached_client.get(PAGE, headers=encoding | {"If-None-Match": '"old"'})
    assert (stale.status_code, stale.headers["etag"]) == (200, etag)


async def test_a_french_copy_never_answers_an_english_request(demo, cached_client):
    french = await cached_client.get(f"{PAGE}?lang=fr", headers=GZIP)
    cached_client.cookies.clear()
    english = await cached_client.get(
        PAGE, headers=GZIP | {"If-None-Match": french.headers["etag"]}
    )
    assert english.status_code == 200
    assert (french.headers["content-language"], english.headers["content-language"]) == ("fr", "en")
    assert '<html lang="en"' in english.text and '<html lang="fr"' in french.text
    assert english.headers["etag"] != french.headers["etag"]
    # ...and the other way round, from the page kept for each language.
    again = await cached_client.get(
        f"{PAGE}?lang=fr", headers=GZIP | {"If-None-Match": english.headers["etag"]}
    )
    assert (again.status_code, again.headers["etag"]) == (200, french.headers["etag"])
    assert len(MEETING_PAGES) == 2


async def test_an_agenda_change_shows_on_the_next_request_despite_the_browsers_copy(demo, client):
    """Without the process's meeting cache (the tests' default), the next request sees the change;
    with it, the next one after `public_cache_seconds` (test above). An old ETag gets the new page."""
    from idmevents.audit import SYSTEM
    from idmevents.meetings import builder

    before = await client.get(PAGE, headers=GZIP)
    assert "Cancelled" not in before.text
    await builder.set_session_status(
        await first_session_id(), "cancelled", by=SYSTEM, now=datetime.now(UTC)
    )
    after = await client.get(PAGE, headers=GZIP | {"If-None-Match": before.headers["etag"]})
    assert (after.status_code, "Cancelled" in after.text) == (200, True)
    assert after.headers["etag"] != before.headers["etag"]


async def test_a_cached_meeting_page_is_304_until_its_session_changes(demo, cached_client):
    first = await cached_client.get(PAGE, headers=GZIP)
    held = {"If-None-Match": first.headers["etag"]}
    assert (await cached_client.get(PAGE, headers=GZIP | held)).status_code == 304
    await rename_first_session("idm-geneva", "Renamed for the ETag", bump=True)
    await asyncio.sleep(0.35)  # the process's copy of the meeting row, as above
    changed = await cached_client.get(PAGE, headers=GZIP | held)
    assert (changed.status_code, "Renamed for the ETag" in changed.text) == (200, True)

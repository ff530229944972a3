"""The feed services on the database: caching by agenda state, building once, what each feed holds."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from idmevents.errors import NotFound
from idmevents.feeds import services
from idmevents.feeds.services import FeedCache, cache, make_document
from idmevents.meetings.tables import Panelist
from tests.factories.feeds import make_registration

BASE = "https://testserver.local"


async def test_concurrent_requests_build_the_feed_once(demo):
    before = cache.builds
    documents = await asyncio.gather(
        *(services.meeting_calendar("idm-geneva", base_url=BASE) for _ in range(5))
    )
    assert cache.builds == before + 1
    assert len({document.etag for document in documents}) == 1


async def test_same_state_gives_the_same_etag_in_a_fresh_process_cache(demo):
    first = await services.meeting_calendar("idm-geneva", base_url=BASE)
    cache.clear()  # as another server process would build it
    second = await services.meeting_calendar("idm-geneva", base_url=BASE)
    assert (second.etag, second.gzip_etag, second.body) == (
        first.etag,
        first.gzip_etag,
        first.body,
    )


async def test_edited_panelist_changes_their_feed(demo):
    before = await services.panelist_calendar("louise-arbour", base_url=BASE)
    await Panelist.update(
        {Panelist.name: "Louise Arbour C.C.", Panelist.updated_at: datetime.now(UTC)}
    ).where(Panelist.slug == "louise-arbour")
    after = await services.panelist_calendar("louise-arbour", base_url=BASE)
    assert after.etag != before.etag
    assert b"Louise Arbour C.C." in after.body.replace(b"\r\n ", b"")


async def test_personal_feed_secret_is_replaced(demo):
    registration = await make_registration("idm-geneva")
    new_token = await services.replace_feed_token(registration["token"], now=datetime.now(UTC))
    assert new_token != registration["feed_token"]
    with pytest.raises(NotFound):
        await services.personal_calendar(registration["feed_token"], base_url=BASE)
    document = await services.personal_calendar(new_token, base_url=BASE)
    assert document.private and new_token.encode() in document.body.replace(b"\r\n ", b"")


def test_cache_drops_the_least_recently_used_beyond_its_bounds():
    small = FeedCache(max_entries=2, max_bytes=10_000)
    now = datetime(2027, 1, 1, tzinfo=UTC)

    def document(text: str):
        return make_document(
            text.encode(), last_modified=now, media_type="text/plain", filename=None, private=False
        )

    small.put("a", document("a"))
    small.put("b", document("b"))
    assert small.get("a") is not None  # "a" is now the most recently used
    small.put("c", document("c"))
    assert (small.get("a") is not None, small.get("b"), small.get("c") is not None) == (
        True,
        None,
        True,
    )
    small.put("big", document("x" * 20_000))  # larger than the whole cache: not kept
    assert (small.get("big"), len(small)) == (None, 2)


def test_document_last_modified_is_whole_seconds_in_utc():
    moment = datetime(2027, 4, 20, 10, 0, 30, 999_999, tzinfo=UTC) + timedelta(hours=0)
    made = make_document(
        b"x", last_modified=moment, media_type="text/plain", filename=None, private=False
    )
    assert made.last_modified == datetime(2027, 4, 20, 10, 0, 30, tzinfo=UTC)

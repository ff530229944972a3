"""The public page cache: one build per page at a time, however many requests arrive during it."""

import asyncio

import pytest

from idmevents.pagecache import PageCache


async def test_requests_arriving_during_a_build_wait_for_it_instead_of_building_again():
    cache = PageCache()
    builds = 0
    release = asyncio.Event()

    async def build() -> str:
        nonlocal builds
        builds += 1
        await release.wait()
        return f"page {builds}"

    waiting = [asyncio.create_task(cache.get_or_build("agenda", build)) for _ in range(20)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiting) == ["page 1"] * 20
    assert builds == 1
    assert await cache.get_or_build("agenda", build) == "page 1"  # kept
    assert await cache.get_or_build("other", build) == "page 2"


async def test_a_failed_build_fails_its_waiters_and_the_next_request_builds_again():
    cache = PageCache()
    release = asyncio.Event()

    async def broken() -> str:
        await release.wait()
        raise RuntimeError("database gone")

    async def build() -> str:
        return "page"

    first = asyncio.create_task(cache.get_or_build("agenda", broken))
    second = asyncio.create_task(cache.get_or_build("agenda", broken))
    await asyncio.sleep(0)
    release.set()
    for task in (first, second):
        with pytest.raises(RuntimeError, match="database gone"):
            await task
    assert len(cache) == 0
    assert await cache.get_or_build("agenda", build) == "page"


def test_a_stored_page_is_the_same_bytes_and_tags_in_every_process():
    import gzip

    from idmevents.pagecache import StoredPage

    page = StoredPage.of("<p>Été · 600 sessions</p>", "fr")
    again = StoredPage.of("<p>Été · 600 sessions</p>", "fr")
    assert gzip.decompress(page.gzipped) == page.body == "<p>Été · 600 sessions</p>".encode()
    assert (again.gzipped, again.etag, again.gzip_etag) == (page.gzipped, page.etag, page.gzip_etag)
    assert page.etag != page.gzip_etag and page.etag.startswith('"') and page.language == "fr"
    assert StoredPage.of("<p>Summer</p>", "en").etag != page.etag

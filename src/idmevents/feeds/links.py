"""Absolute addresses of feeds and pages, and the links that subscribe a calendar app to a feed.

Feeds and emails are read outside the site, so every address in them is absolute, built on
IDMEVENTS_BASE_URL. The paths here are the public contract (see DESIGN.md): the controllers
declare the same paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode


def meeting_page_url(base_url: str, slug: str) -> str:
    return f"{base_url}/meetings/{quote(slug)}"


def session_page_url(base_url: str, slug: str, session_id: int) -> str:
    """A session's place on its meeting's agenda page (each session there has this anchor)."""
    return f"{meeting_page_url(base_url, slug)}#session-{session_id}"


def meeting_feed_url(base_url: str, slug: str) -> str:
    return f"{meeting_page_url(base_url, slug)}/agenda.ics"


def session_feed_url(base_url: str, slug: str, session_id: int) -> str:
    return f"{meeting_page_url(base_url, slug)}/sessions/{session_id}/event.ics"


def panelist_page_url(base_url: str, slug: str) -> str:
    return f"{base_url}/panelists/{quote(slug)}"


def panelist_feed_url(base_url: str, slug: str) -> str:
    return f"{panelist_page_url(base_url, slug)}/agenda.ics"


def personal_feed_url(base_url: str, feed_token: str) -> str:
    return f"{base_url}/r/{quote(feed_token)}/agenda.ics"


@dataclass(frozen=True)
class SubscribeLinks:
    """Where each button of templates/feeds/_subscribe.html.jinja2 points."""

    feed: str  # the feed itself (http or https): the plain download, and what to paste
    webcal: str  # opens the system's calendar app (Apple Calendar, Outlook desktop, Thunderbird)
    google: str
    outlook_com: str  # personal Microsoft accounts (outlook.com, hotmail)
    outlook_365: str  # work and school accounts (Microsoft 365)


def webcal_url(feed_url: str) -> str:
    """webcal:// is http(s):// that calendar apps claim: the app subscribes instead of downloading."""
    scheme, sep, rest = feed_url.partition("://")
    if not sep or scheme not in ("http", "https"):
        raise ValueError(f"a feed URL must be absolute http(s), not {feed_url!r}")
    return f"webcal://{rest}"


def subscribe_links(feed_url: str, title: str) -> SubscribeLinks:
    webcal = webcal_url(feed_url)
    # Google adds a subscription from `cid` (it takes the webcal address); Outlook on the web from
    # `addfromweb`, which fetches the https address itself and names the calendar `name`.
    outlook_query = urlencode({"url": feed_url, "name": title}, quote_via=quote)
    return SubscribeLinks(
        feed=feed_url,
        webcal=webcal,
        google="https://calendar.google.com/calendar/render?"
        + urlencode({"cid": webcal}, quote_via=quote),
        outlook_com=f"https://outlook.live.com/calendar/0/addfromweb?{outlook_query}",
        outlook_365=f"https://outlook.office.com/calendar/0/addfromweb?{outlook_query}",
    )

"""The links that subscribe a calendar app to a feed: webcal, Google Calendar, Outlook.

They take the feed's absolute address (idmevents.urls builds it): the calendar services fetch the
feed from outside the site.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode


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

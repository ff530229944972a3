"""The site's public addresses as absolute URLs, for whatever is read outside the site.

Feeds, emails, calendar events and apps carry addresses that must work from anywhere, so each is
built here on IDMEVENTS_BASE_URL (or on the `base_url` a caller was handed, as the feeds are, so
that they stay a pure function of their inputs). These paths are a public contract: the
controllers in idmevents.web.public (and web/organizers/accounts.py for the password reset)
declare the same ones, and a link already sent must keep working.
"""

from __future__ import annotations

from urllib.parse import quote

from idmevents.settings import get_settings

RESET_PATH = "/admin/password-reset/"


def _base(base_url: str | None) -> str:
    return get_settings().base_url if base_url is None else base_url


def absolute(path: str, *, base_url: str | None = None) -> str:
    """A path of this site (what url_for gives) as a full address."""
    return _base(base_url) + path


def meeting_page(slug: str, *, base_url: str | None = None) -> str:
    return f"{_base(base_url)}/meetings/{quote(slug)}"


def session_anchor(slug: str, session_id: int, *, base_url: str | None = None) -> str:
    """A session's place on its meeting's agenda page (each session there has this anchor)."""
    return f"{meeting_page(slug, base_url=base_url)}#session-{session_id}"


def meeting_feed(slug: str, *, base_url: str | None = None) -> str:
    return f"{meeting_page(slug, base_url=base_url)}/agenda.ics"


def session_feed(slug: str, session_id: int, *, base_url: str | None = None) -> str:
    return f"{meeting_page(slug, base_url=base_url)}/sessions/{session_id}/event.ics"


def panelist_page(slug: str, *, base_url: str | None = None) -> str:
    return f"{_base(base_url)}/panelists/{quote(slug)}"


def panelist_feed(slug: str, *, base_url: str | None = None) -> str:
    return f"{panelist_page(slug, base_url=base_url)}/agenda.ics"


def manage_page(token: str, *, base_url: str | None = None) -> str:
    """A registration's private page: whoever holds the link manages the registration."""
    return f"{_base(base_url)}/r/{quote(token)}"


def confirm_address(token: str, *, base_url: str | None = None) -> str:
    """Where a person confirms their address, in a meeting that wants it confirmed first."""
    return f"{manage_page(token, base_url=base_url)}/confirm"


def badge(token: str, *, base_url: str | None = None) -> str:
    return f"{manage_page(token, base_url=base_url)}/badge"


def personal_feed(feed_token: str, *, base_url: str | None = None) -> str:
    # The feed has a token of its own (not the manage page's): a calendar app that leaks it
    # leaks the agenda, never the power to change the registration.
    return f"{_base(base_url)}/r/{quote(feed_token)}/agenda.ics"


def password_reset(secret: str, *, base_url: str | None = None) -> str:
    return f"{_base(base_url)}{RESET_PATH}{secret}"


def nomination_page(token: str, *, base_url: str | None = None) -> str:
    """A delegation's focal point's private page, where they name their delegates."""
    return f"{_base(base_url)}/d/{quote(token)}"


def visa_letter_check(code: str, *, base_url: str | None = None) -> str:
    """Where a consulate checks a visa letter's code."""
    return f"{_base(base_url)}/verify/{quote(code)}"


def visa_letter_pdf(token: str, *, base_url: str | None = None) -> str:
    """A participant's visa invitation letter, behind their private link."""
    return f"{manage_page(token, base_url=base_url)}/visa-letter.pdf"


def invited_registration(slug: str, token: str, *, base_url: str | None = None) -> str:
    """The registration form opened with a personal invitation (address and category filled in)."""
    return f"{_base(base_url)}/meetings/{quote(slug)}/register?invitation={quote(token)}"

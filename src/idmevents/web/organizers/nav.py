"""The admin navigation: one list of (route name, label, lowest role), filtered per request.

Pages of other domains join the nav by having a route with one of these names; a name the app
does not know (its page is not built yet) is skipped, so the layout never breaks on a missing route.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from litestar.exceptions import NoRouteMatchFoundException

from idmevents.auth.services import CurrentUser, role_label
from idmevents.i18n import N_ as _
from idmevents.i18n import gettext
from idmevents.web.flash import pop_flashes
from idmevents.web.organizers.audit_labels import audit_action_label, audit_kind_label

if TYPE_CHECKING:
    from litestar import Request


ADMIN_NAV: list[tuple[str, str, str]] = [
    ("admin_dashboard", _("Dashboard"), "checkin"),
    ("admin_meetings", _("Meetings"), "organizer"),
    ("admin_panelists", _("Panelists"), "organizer"),
    ("admin_registrations", _("Registrations"), "organizer"),
    ("checkin_desk", _("Check-in"), "checkin"),
    ("admin_outbox", _("Mail"), "organizer"),
    ("admin_audit", _("Audit log"), "organizer"),
    ("admin_users", _("Users"), "admin"),
]


@dataclass(frozen=True)
class NavItem:
    name: str
    label: str
    url: str
    current: bool


def route_url(request: Request, name: str) -> str | None:
    """The path of a route without path parameters, or None when the app has no such route."""
    try:
        return request.app.route_reverse(name)
    except NoRouteMatchFoundException:
        return None


def admin_nav(request: Request, section: str | None = None) -> list[NavItem]:
    """The items the user's role may use. `section` (a route name) marks the current one when a
    page belongs to a section whose path it does not start with (a meeting's registrations, at
    /admin/meetings/{slug}/registrations, belong to Registrations)."""
    user = request.scope.get("user")
    if not isinstance(user, CurrentUser):
        return []
    path = request.url.path
    items: list[NavItem] = []
    for name, label, role in ADMIN_NAV:
        if not user.has_role(role):
            continue
        url = route_url(request, name)
        if url is None:
            continue
        # The dashboard is current only on itself; other sections also for the pages below them.
        if section:
            current = name == section
        elif url.rstrip("/") == "/admin":
            current = path.rstrip("/") == url.rstrip("/")
        else:
            current = path.startswith(url)
        items.append(NavItem(name=name, label=gettext(label), url=url, current=current))
    return items


def configure_admin_jinja(engine) -> None:
    """The admin layout's helpers, added to the Jinja environment beside web.configure_jinja's."""
    engine.engine.globals.update(
        admin_nav=admin_nav,
        route_url=route_url,
        role_label=role_label,
        pop_flashes=pop_flashes,
        audit_action_label=audit_action_label,
        audit_kind_label=audit_kind_label,
    )

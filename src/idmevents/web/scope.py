"""Meeting teams at the door: every organizer and check-in route is scoped here, once.

`requires_role` (web.guards) calls `check_scope` after the role check. It resolves every path
parameter naming a meeting or something of a meeting (`slug`, `session_id`, `registration_id`,
`outbox_id`, …), and the `?meeting=` filter, to the meetings owning it; an account outside those
meetings' teams gets 404, as if the thing did not exist. Lists ask `visible_meeting_ids(request)`
(None for an administrator: every meeting).

A new path parameter must be added to `OWNERS` or `UNSCOPED`: an unknown one is refused (500 in
development, caught by tests/integration/organizers/test_meeting_teams.py, which walks every
route of the app).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from idmevents.auth.services import CurrentUser
from idmevents.delegations.services import owners_of_delegation
from idmevents.errors import NotFound
from idmevents.i18n import gettext
from idmevents.jobs.services import owners_of_job
from idmevents.mail.services import owners_of_message
from idmevents.meetings import teams
from idmevents.registrations.desk import owners_of_registration
from idmevents.validation import is_row_id

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection

Owners = Callable[[object], Awaitable[frozenset[int] | None]]

# Path parameter → (who owns it, whether an owner-less one is everyone's).
OWNERS: dict[str, tuple[Owners, bool]] = {
    "slug": (teams.owners_of_slug, False),
    "session_id": (teams.owners_of_session, False),
    "room_id": (teams.owners_of_room, False),
    "registration_id": (owners_of_registration, False),
    "outbox_id": (owners_of_message, False),
    "panelist_id": (teams.owners_of_panelist, True),
    "period_id": (teams.owners_of_unavailability, True),
    "delegation_id": (owners_of_delegation, False),
    "job_id": (owners_of_job, False),
}
# Parameters that name no meeting's data: accounts (admin-only or one's own) and reset links.
UNSCOPED = frozenset({"user_id", "token_id", "token"})
_ALLOWED = "idm.meeting_ids"


async def meeting_ids(connection: ASGIConnection) -> frozenset[int] | None:
    """The meetings the signed-in account may see (None: every one, for an administrator)."""
    if _ALLOWED not in connection.scope:
        user = connection.scope.get("user")
        if not isinstance(user, CurrentUser):
            allowed: frozenset[int] | None = frozenset()
        elif user.role == "admin":
            allowed = None
        else:
            allowed = await teams.meeting_ids_of_user(user.id)
        connection.scope[_ALLOWED] = allowed  # type: ignore[literal-required]
    return connection.scope[_ALLOWED]  # type: ignore[literal-required]


visible_meeting_ids = meeting_ids


def _not_found() -> NotFound:
    return NotFound(gettext("Not found."))


async def _check(name: str, value: object, allowed: frozenset[int]) -> None:
    if name in UNSCOPED:
        return
    if name not in OWNERS:
        raise RuntimeError(f"path parameter {name!r} has no meeting scope (web/scope.py)")
    resolve, shared_when_unowned = OWNERS[name]
    if isinstance(value, int) and not is_row_id(value):
        return  # the handler's own id check answers 404
    owners = await resolve(value)
    if owners is None:
        return  # no such thing: the handler answers 404 in its own words
    if not owners and shared_when_unowned:
        return
    if not owners & allowed:
        raise _not_found()


async def check_scope(connection: ASGIConnection) -> None:
    """404 when the path (or `?meeting=`) names something outside the account's meetings."""
    allowed = await meeting_ids(connection)
    if allowed is None:
        return
    for name, value in connection.path_params.items():
        await _check(name, value, allowed)
    meeting = connection.query_params.get("meeting")
    if meeting:
        await _check("slug", meeting, allowed)


def only_visible(
    rows: list, allowed: frozenset[int] | None, key: str | Callable[[Any], int] = "id"
) -> list:
    """The rows (dicts or objects) whose meeting id (`key`) is in `allowed` (all when None)."""
    if allowed is None:
        return list(rows)

    def meeting_of(row):
        if callable(key):
            return key(row)
        return row[key] if isinstance(row, dict) else getattr(row, key)

    return [row for row in rows if meeting_of(row) in allowed]

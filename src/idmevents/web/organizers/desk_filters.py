"""The desk's filters as the organizers' pages read them from the URL (the list, its CSV file and
the CSV job): status, category, country, session, delegation, words, sort and, at a hybrid
meeting, attendance; and the delegations the list may be narrowed to."""

from __future__ import annotations

from litestar import Request

from idmevents import states
from idmevents.delegations import services as delegations
from idmevents.errors import InvalidInput
from idmevents.i18n import current_language, gettext
from idmevents.registrations import desk


def _number(params, name: str, problem: str) -> int | None:
    """A whole number of the query (None when absent), or InvalidInput naming it."""
    value = params.get(name) or None
    if value is not None and not (value.isdigit() and desk.is_id(int(value))):
        raise InvalidInput(
            gettext("Some filters are not possible values."), fields={name: problem % {"id": value}}
        )
    return int(value) if value is not None else None


async def delegation_filter(meeting: dict, delegation: int | None) -> dict[str, int | None]:
    """`check_filters`' delegation and the held seats its delegates were named into."""
    if delegation is None:
        return {}
    return {"delegation": delegation, "hold": await delegations.hold_of(meeting["id"], delegation)}


async def desk_filters(request: Request, meeting: dict) -> desk.DeskFilters:
    """The list's filters from the query (`?status=&category=&country=&session=&delegation=&q=
    &sort=&attendance=&burst=&unconfirmed=`), or InvalidInput naming each impossible one."""
    params = request.query_params
    session = _number(params, "session", gettext("This meeting has no session %(id)s."))
    delegation = _number(params, "delegation", gettext("This meeting has no delegation %(id)s."))
    return await desk.check_filters(
        meeting,
        status=params.get("status"),
        category=params.get("category"),
        country=params.get("country"),
        session=session,
        q=params.get("q"),
        sort=params.get("sort"),
        attendance=params.get("attendance"),
        burst=params.get("burst"),
        unconfirmed=params.get("unconfirmed"),
        **await delegation_filter(meeting, delegation),
    )


async def delegation_choices(meeting: dict) -> list[tuple[int, str]]:
    """The meeting's delegations for the desk's select, in the order of the reader's language."""
    language = current_language()
    rows = await delegations.list_delegations(meeting["id"])
    named = [(row["id"], delegations.delegation_name(row, language)) for row in rows]
    return sorted(named, key=lambda item: states.sort_key(item[1], language))

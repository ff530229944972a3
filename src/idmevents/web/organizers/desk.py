"""The registrations desk for organizers: the list with its counts, the CSV export, one
registration with its history, and the actions on it (each through the registration services,
which email the person and write the audit entry in the same transaction)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath
from litestar.response import Redirect, Template

from idmevents.errors import Conflict, InvalidInput
from idmevents.i18n import LANGUAGES, current_language, gettext
from idmevents.mail import services as mail
from idmevents.registrations import desk, export, export_job, retention, services
from idmevents.registrations.countries import country_choices, country_name
from idmevents.registrations.labels import CATEGORIES, category_label, language_label
from idmevents.web.common import request_actor
from idmevents.web.flash import flash
from idmevents.web.guards import OrganizerPages, safe_next
from idmevents.web.organizers.desk_filters import delegation_choices, desk_filters
from idmevents.web.organizers.desk_pools import pools_context
from idmevents.web.scope import only_visible, visible_meeting_ids

SECTION = "admin_registrations"


def _now() -> datetime:
    return datetime.now(UTC)


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


def _text(data: FormMultiDict, name: str) -> str:
    value = data.get(name, "")
    return value if isinstance(value, str) else ""


def _full_name(registration: dict) -> str:
    return f"{registration['given_name']} {registration['family_name']}"


def _here(request: Request) -> str:
    """This page's path and query: where an action on it comes back to."""
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path


async def _filters(request: Request, meeting: dict) -> desk.DeskFilters:
    params = request.query_params
    session = params.get("session") or None
    if session is not None and not session.isdigit():
        raise InvalidInput(
            gettext("Some filters are not possible values."),
            fields={"session": gettext("This meeting has no session %(id)s.") % {"id": session}},
        )
    texts = ("status", "category", "country", "q", "sort", "burst", "unconfirmed")
    return await desk.check_filters(
        meeting,
        session=int(session) if session else None,
        **{name: params.get(name) for name in texts},
    )


async def _desk_page(request: Request, meeting: dict | None, meetings: list[dict]) -> Template:
    context: dict[str, Any] = {
        "admin_section": SECTION,
        "meeting": meeting,
        "meetings": meetings,
        "status_name": desk.status_name,
    }
    if meeting is None:
        return Template("registrations/desk.html.jinja2", context=context)
    filters = await desk_filters(request, meeting)
    page = await desk.find_page(
        meeting,
        filters,
        _int(request.query_params.get("page"), 1) or 1,
        _int(request.query_params.get("per_page"), desk.DEFAULT_PAGE_SIZE)
        or desk.DEFAULT_PAGE_SIZE,
    )
    language = current_language()
    path = request.url.path
    # On /admin/registrations the meeting is a query parameter; on a meeting's own desk it is in
    # the path.
    base_query = {"meeting": meeting["slug"]} if path.rstrip("/") == "/admin/registrations" else {}

    def link(**changes: Any) -> str:
        query = base_query | filters.query(**changes)
        if page.per_page != desk.DEFAULT_PAGE_SIZE and "per_page" not in changes:
            query["per_page"] = str(page.per_page)
        return f"{path}?{urlencode(query)}" if query else path

    csv_path = request.app.route_reverse("admin_registrations_csv", slug=meeting["slug"])
    context |= {
        "filters": filters,
        "page": page,
        "places": await desk.session_places(meeting["id"], [row["id"] for row in page.rows]),
        "counts": await desk.meeting_counts(meeting),
        "sessions": await desk.meeting_sessions(meeting["id"]),
        "countries": [
            (code, country_name(code, language))
            for code in await desk.meeting_countries(meeting["id"])
        ],
        "categories": [(code, category_label(code)) for code in CATEGORIES],
        "delegations": await delegation_choices(meeting),
        "statuses": services.STATUSES,
        "category_label": category_label,
        "link": link,
        "path": path,
        "base_query": base_query,
        "here": _here(request),
        "csv_comma": f"{csv_path}?{urlencode(filters.query())}".rstrip("?"),
        "csv_semicolon": f"{csv_path}?{urlencode(filters.query(sep='semicolon'))}",
        "csv_job": request.app.route_reverse("admin_registrations_csv_job", slug=meeting["slug"])
        + (f"?{urlencode(filters.query())}" if filters.query() else ""),
        "page_sizes": desk.PAGE_SIZES,
    } | await pools_context(meeting)
    return Template("registrations/desk.html.jinja2", context=context)


def _detail_url(request: Request, registration_id: int, back: str = "") -> str:
    url = request.app.route_reverse("admin_registration", registration_id=registration_id)
    return f"{url}?{urlencode({'back': back})}" if back else url


def _back(request: Request, data: FormMultiDict, registration_id: int) -> Redirect:
    """Back to the page the action came from (the list, or the registration's page)."""
    target = safe_next(_text(data, "next"), default=_detail_url(request, registration_id))
    return Redirect(target, status_code=303)


async def _decide(
    request: Request,
    data: FormMultiDict,
    registration_id: int,
    action: Awaitable[Any],
    message: Callable[[Any], tuple[str, str]],
) -> Redirect:
    """Run one decision on a registration and go back where it came from, with a notice: what
    `message` says of the result (text, kind), or why the registration's state forbids it."""
    try:
        result = await action
    except Conflict as error:
        flash(request, error.message, "error")
    else:
        flash(request, *message(result))
    return _back(request, data, registration_id)


def _edit_choices(meeting: dict) -> dict[str, Any]:
    return {
        "category_options": [(code, category_label(code)) for code in CATEGORIES],
        "approval_labels": ", ".join(
            category_label(code) for code in services.approval_categories(meeting)
        ),
        "country_options": country_choices(current_language()),
        "language_options": [(code, language_label(code)) for code in LANGUAGES],
    }


async def _desk_meetings(request: Request) -> list[dict]:
    """The meetings the desk's chooser offers: the account's teams' (every one for an admin)."""
    return only_visible(await desk.desk_meetings(), await visible_meeting_ids(request))


class DeskController(OrganizerPages):
    path = "/admin"

    # The list ---------------------------------------------------------------------------------

    @get("/registrations", name="admin_registrations")
    async def index(self, request: Request) -> Template:
        """The desk of the meeting chosen (?meeting=slug), by default the next one to come."""
        meetings = await _desk_meetings(request)
        slug = request.query_params.get("meeting")
        if slug:
            meeting = await desk.get_meeting(slug)
        else:
            meeting = desk.default_meeting(meetings, _now())
        return await _desk_page(request, meeting, meetings)

    @get("/meetings/{slug:str}/registrations", name="admin_meeting_registrations")
    async def meeting_desk(self, request: Request, slug: FromPath[str]) -> Template:
        """One meeting's registrations: counts, filters, search, the list, actions."""
        meeting = await desk.get_meeting(slug)
        return await _desk_page(request, meeting, await _desk_meetings(request))

    @get("/meetings/{slug:str}/registrations.csv", name="admin_registrations_csv")
    async def export_csv(self, request: Request, slug: FromPath[str]) -> Response[bytes]:
        """The filtered list, every page of it, as a CSV file for spreadsheet programs."""
        meeting = await desk.get_meeting(slug)
        filters = await desk_filters(request, meeting)
        separator = request.query_params.get("sep") or "comma"
        if separator not in export.DELIMITERS:
            raise InvalidInput(
                gettext("Some filters are not possible values."),
                fields={
                    "sep": gettext("Choose one of: %(choices)s.") % {"choices": "comma, semicolon"}
                },
            )
        rows = await desk.find_registrations(meeting, filters)
        header, table = export.registrations_table(
            meeting, rows, await desk.session_places(meeting["id"])
        )
        body = export.spreadsheet_csv(header, table, delimiter=export.DELIMITERS[separator])
        filename = f"{meeting['slug']}-registrations-{_now():%Y-%m-%d}.csv"
        return Response(
            body,
            media_type="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                # The file holds personal data: no cache keeps a copy.
                "Cache-Control": "no-store",
            },
        )

    @post("/meetings/{slug:str}/registrations/export-job", name="admin_registrations_csv_job")
    async def export_csv_job(self, request: Request, slug: FromPath[str]) -> Redirect:
        """The filtered list as a CSV file made by the worker: for lists too long to wait for."""
        meeting = await desk.get_meeting(slug)
        filters = await desk_filters(request, meeting)
        form = await request.form()
        separator = _text(form, "sep") or "comma"
        if separator not in export.DELIMITERS:
            separator = "comma"
        job_id = await export_job.queue_export_job(
            meeting, filters, separator=separator, now=_now(), by=request.user
        )
        return Redirect(
            request.app.route_reverse("admin_job", slug=slug, job_id=job_id), status_code=303
        )

    @post("/meetings/{slug:str}/registrations/approve", name="admin_registrations_approve")
    async def approve_selected(self, request: Request, slug: FromPath[str]) -> Redirect:
        """Approve the pending registrations ticked in the list, each with its email."""
        meeting = await desk.get_meeting(slug)
        data = await request.form()
        ids = [_int(value) for value in data.getall("ids", [])]
        target = safe_next(
            _text(data, "next"),
            default=request.app.route_reverse("admin_meeting_registrations", slug=meeting["slug"]),
        )
        try:
            result = await desk.approve_many(
                meeting, [i for i in ids if i is not None], by=request_actor(request), now=_now()
            )
        except InvalidInput as error:
            flash(request, next(iter(error.fields.values()), error.message), "error")
            return Redirect(target, status_code=303)
        if result.confirmed:
            flash(
                request,
                gettext("Confirmed and emailed: %(names)s.")
                % {"names": ", ".join(result.confirmed)},
            )
        if result.waitlisted:
            flash(
                request,
                gettext(
                    "The meeting is full: approved onto the waiting list and emailed: %(names)s."
                )
                % {"names": ", ".join(result.waitlisted)},
                "warn",
            )
        if result.skipped:
            flash(
                request,
                gettext("Not awaiting approval any more, left as they are: %(names)s.")
                % {"names": ", ".join(result.skipped)},
                "warn",
            )
        return Redirect(target, status_code=303)

    # One registration -------------------------------------------------------------------------

    async def _detail_page(
        self,
        request: Request,
        registration_id: int,
        *,
        errors: dict[str, str] | None = None,
        reason: str = "",
        status_code: int = 200,
        here: str | None = None,
    ) -> Template:
        detail = await desk.registration_detail(registration_id)
        registration = detail.registration
        # A form sent back with an error keeps the address (and its way back) it was sent from.
        here = here or _here(request)
        back = safe_next(parse_qs(urlsplit(here).query).get("back", [""])[0], default="")
        return Template(
            "registrations/desk_detail.html.jinja2",
            context={
                "admin_section": SECTION,
                "detail": detail,
                "registration": registration,
                "meeting": detail.meeting,
                "counts": detail.counts,
                "status_name": desk.status_name,
                "mail_status_name": mail.status_name,
                "labels": {
                    "category": category_label(registration["category"]),
                    "country": country_name(registration["country"], current_language())
                    if registration["country"]
                    else "",
                    "language": language_label(registration["language"]),
                },
                "back": back
                or request.app.route_reverse(
                    "admin_meeting_registrations", slug=detail.meeting["slug"]
                ),
                "here": here,
                "errors": errors or {},
                "reason": reason,
                "needs_approval": registration["category"]
                in services.approval_categories(detail.meeting),
            },
            status_code=status_code,
            headers={"Cache-Control": "no-store"},
        )

    @get("/registrations/{registration_id:int}", name="admin_registration")
    async def detail(self, request: Request, registration_id: FromPath[int]) -> Template:
        """A registration: details, sessions, what can be done, its history and its emails."""
        return await self._detail_page(request, registration_id)

    @post("/registrations/{registration_id:int}/approve", name="admin_registration_approve")
    async def approve(self, request: Request, registration_id: FromPath[int]) -> Redirect:
        """Approve: a seat if one is free (or beyond capacity, when ticked), else the waiting list."""
        data = await request.form()
        name = _full_name(await desk.get_registration(registration_id))

        def message(result) -> tuple[str, str]:
            if result.status == "confirmed":
                return gettext("%(name)s is confirmed; we emailed them.") % {"name": name}, "ok"
            return (
                gettext(
                    "The meeting is full: %(name)s is approved onto the waiting list "
                    "(position %(position)s); we emailed them."
                )
                % {"name": name, "position": result.waitlist_position},
                "warn",
            )

        return await _decide(
            request,
            data,
            registration_id,
            services.approve(
                registration_id,
                by=request_actor(request),
                now=_now(),
                over_capacity=_text(data, "over_capacity") == "yes",
            ),
            message,
        )

    @post("/registrations/{registration_id:int}/erase", name="admin_registration_erase")
    async def erase(self, request: Request, registration_id: FromPath[int]) -> Redirect:
        """Erase one person's personal data on their request (audited); cancelled or rejected
        registrations only, so that no seat is lost."""
        try:
            await retention.erase_registration(
                registration_id, by=request_actor(request), now=_now()
            )
        except Conflict as error:
            flash(request, error.message, "error")
        else:
            flash(request, gettext("The registration's personal data is erased."))
        return Redirect(_detail_url(request, registration_id), status_code=303)

    @post("/registrations/{registration_id:int}/reject", name="admin_registration_reject")
    async def reject(self, request: Request, registration_id: FromPath[int]) -> Response:
        """Turn the registration down with a reason the person reads in their email."""
        data = await request.form()
        name = _full_name(await desk.get_registration(registration_id))
        reason = _text(data, "reason")
        try:
            return await _decide(
                request,
                data,
                registration_id,
                services.reject(registration_id, reason, by=request_actor(request), now=_now()),
                lambda _: (
                    gettext("The registration of %(name)s is rejected; we emailed them the reason.")
                    % {"name": name},
                    "ok",
                ),
            )
        except InvalidInput as error:
            return await self._detail_page(
                request,
                registration_id,
                errors=error.fields,
                reason=reason,
                status_code=error.status_code,
                here=safe_next(_text(data, "next"), default=_detail_url(request, registration_id)),
            )

    @post("/registrations/{registration_id:int}/promote", name="admin_registration_promote")
    async def promote(self, request: Request, registration_id: FromPath[int]) -> Redirect:
        """Give a seat to someone on the waiting list, out of turn; beyond capacity only when the
        organizer ticks the box that says so."""
        data = await request.form()
        name = _full_name(await desk.get_registration(registration_id))
        return await _decide(
            request,
            data,
            registration_id,
            services.promote(
                registration_id,
                by=request_actor(request),
                now=_now(),
                over_capacity=_text(data, "over_capacity") == "yes",
            ),
            lambda _: (gettext("%(name)s has a seat now; we emailed them.") % {"name": name}, "ok"),
        )

    @get("/registrations/{registration_id:int}/cancel", name="admin_registration_cancel_confirm")
    async def confirm_cancel(self, request: Request, registration_id: FromPath[int]) -> Template:
        """Are you sure? Cancelling emails the person and gives a confirmed seat away."""
        detail = await desk.registration_detail(registration_id)
        back = safe_next(request.query_params.get("back"), default="")
        return Template(
            "registrations/desk_cancel.html.jinja2",
            context={
                "admin_section": SECTION,
                "registration": detail.registration,
                "meeting": detail.meeting,
                "active": detail.registration["status"] in services.ACTIVE_STATUSES,
                "detail_url": _detail_url(request, registration_id, back),
            },
        )

    @post("/registrations/{registration_id:int}/cancel", name="admin_registration_cancel")
    async def cancel(self, request: Request, registration_id: FromPath[int]) -> Redirect:
        """Cancel the registration for the person; the next one waiting gets a freed seat."""
        data = await request.form()
        name = _full_name(await desk.get_registration(registration_id))
        return await _decide(
            request,
            data,
            registration_id,
            services.cancel(registration_id, by=request_actor(request), now=_now()),
            lambda _: (
                gettext("The registration of %(name)s is cancelled; we emailed them.")
                % {"name": name},
                "ok",
            ),
        )

    @post("/registrations/{registration_id:int}/reinstate", name="admin_registration_reinstate")
    async def reinstate(self, request: Request, registration_id: FromPath[int]) -> Redirect:
        """Take up a cancelled registration again (decided as a newcomer's would be now, even when
        registration is closed), or reconsider a rejected one (it awaits approval again)."""
        data = await request.form()
        registration = await desk.get_registration(registration_id)

        def message(result) -> tuple[str, str]:
            if registration["status"] == "rejected":
                text = gettext(
                    "The registration of %(name)s is reconsidered: it awaits approval again; we "
                    "emailed them."
                )
            elif result.status == "confirmed":
                text = gettext(
                    "The registration of %(name)s is reinstated and confirmed; we emailed them."
                )
            elif result.status == "pending":
                text = gettext(
                    "The registration of %(name)s is reinstated and awaits approval; we emailed "
                    "them."
                )
            else:
                text = gettext(
                    "The registration of %(name)s is reinstated. The meeting is full: they are on "
                    "the waiting list (position %(position)s); we emailed them."
                )
            values = {"name": _full_name(registration), "position": result.waitlist_position}
            return text % values, "warn" if result.status == "waitlisted" else "ok"

        return await _decide(
            request,
            data,
            registration_id,
            services.reinstate(registration_id, by=request_actor(request), now=_now()),
            message,
        )

    async def _edit_page(
        self,
        request: Request,
        registration_id: int,
        *,
        values: dict | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
        detail_url: str | None = None,
    ) -> Template:
        registration = await desk.get_registration(registration_id)
        meeting = await desk.get_meeting_by_id(registration["meeting"])
        back = safe_next(request.query_params.get("back"), default="")
        detail_url = detail_url or _detail_url(request, registration_id, back)
        return Template(
            "registrations/desk_edit.html.jinja2",
            context={
                "admin_section": SECTION,
                "registration": registration,
                "meeting": meeting,
                "values": values or registration,
                "errors": errors or {},
                "detail_url": detail_url,
                **_edit_choices(meeting),
            },
            status_code=status_code,
            headers={"Cache-Control": "no-store"},
        )

    @get("/registrations/{registration_id:int}/edit", name="admin_registration_edit")
    async def edit(self, request: Request, registration_id: FromPath[int]) -> Template:
        """The form to correct a registration: details, email address, category."""
        return await self._edit_page(request, registration_id)

    @post("/registrations/{registration_id:int}/edit", name="admin_registration_update")
    async def update(self, request: Request, registration_id: FromPath[int]) -> Response:
        """Save the corrections; the person is emailed what changed (and, for a new address, the
        old address is told)."""
        data = await request.form()
        registration = await desk.get_registration(registration_id)
        # A field the form did not send keeps its value.
        typed = {name: _text(data, name) for name in services.EDIT_FIELDS if name in data}
        try:
            result = await services.edit_registration(
                registration_id,
                services.RegistrationEdit(**typed),
                by=request_actor(request),
                now=_now(),
            )
        except (InvalidInput, Conflict) as error:
            if not error.fields:
                raise
            return await self._edit_page(
                request,
                registration_id,
                values=registration | typed,
                errors=error.fields,
                status_code=error.status_code,
                detail_url=safe_next(
                    _text(data, "next"), default=_detail_url(request, registration_id)
                ),
            )
        name = _full_name(result.registration)
        if not result.changed:
            flash(request, gettext("Nothing was changed."), "warn")
        elif result.registration["email_key"] != registration["email_key"]:
            flash(
                request,
                gettext(
                    "The details of %(name)s are saved; we emailed what changed to the new "
                    "address, with a new link to their page, and told the old address."
                )
                % {"name": name},
            )
        else:
            flash(
                request,
                gettext("The details of %(name)s are saved; we emailed them what changed.")
                % {"name": name},
            )
        if result.status != registration["status"]:
            if result.status == "confirmed":
                message = gettext(
                    "Their new category needs no approval: %(name)s is confirmed; we emailed them."
                )
            else:
                message = gettext(
                    "Their new category needs no approval, but the meeting is full: %(name)s is "
                    "on the waiting list (position %(position)s); we emailed them."
                )
            flash(
                request,
                message % {"name": name, "position": result.waitlist_position},
                "ok" if result.status == "confirmed" else "warn",
            )
        return _back(request, data, registration_id)

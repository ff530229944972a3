"""The organizers' agenda builder under /admin/meetings: meetings, rooms, sessions, clash warnings.

Forms post back to themselves: a form with errors is shown again with the values as typed and a
message beside each bad field (422, or 409 for a conflict such as a taken address); a form that
succeeds redirects (303) to the page it changed, with a short `done` note for the status line.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from idmevents import content
from idmevents.errors import AppError, Conflict, InvalidInput
from idmevents.i18n import LANGUAGES, gettext, ngettext, timezone_choices
from idmevents.i18n import N_ as _
from idmevents.meetings import builder, services
from idmevents.meetings.labels import mode_label
from idmevents.meetings.services import SESSION_KINDS
from idmevents.registrations import meeting_cancellation, notices
from idmevents.registrations.labels import CATEGORIES, category_label, language_label
from idmevents.validation import slugify
from idmevents.web.common import done_note, done_redirect, request_actor
from idmevents.web.guards import OrganizerPages
from idmevents.web.organizers import forms
from idmevents.web.scope import only_visible, visible_meeting_ids

# The content fields organizers translate: (field, label, several lines), see
# templates/admin/_translations.html.jinja2.
MEETING_TRANSLATED = (
    ("title", _("Title"), False),
    ("city", _("City"), False),
    ("venue_name", _("Venue"), False),
    ("venue_address", _("Venue address"), True),
    ("theme", _("Theme"), True),
    ("description", _("Description"), True),
)
SESSION_TRANSLATED = (("title", _("Title"), False), ("description", _("Description"), True))

# What a `?done=` note says once the change it names went through.
DONE = {
    "created": _("The meeting was created."),
    "saved": _("Your changes were saved."),
    "published": _("The meeting is published."),
    "cancelled": _("The meeting is cancelled."),
    "already-cancelled": _("The meeting was already cancelled: nobody was emailed again."),
    "reinstated": _("The meeting is published again."),
    "session-added": _("The session was added."),
    "session-saved": _("The session was saved."),
    "session-cancelled": _("The session is cancelled."),
    "session-restored": _("The session is back on the agenda."),
    "session-deleted": _("The session was deleted."),
    "room-added": _("The room was added."),
    "room-saved": _("The room was saved."),
    "room-deleted": _("The room was removed."),
    "panelist-added": _("The panelist was added to the session."),
    "panelist-created": _(
        "The new panelist is saved: choose their role below and add them to the session."
    ),
    "panelist-removed": _("The panelist was removed from the session."),
    "duplicated": _("This copy is a draft: check its agenda, then publish it."),
    "nothing-to-notify": _("There are no changes participants have not heard about."),
}

# How many of the people a notice will reach its preview names (the rest are counted).
NOTIFY_LISTED = 200


def now() -> datetime:
    return datetime.now(UTC)


def zone_choices(current: str = "") -> list[tuple[str, list[tuple[str, str]]]]:
    """The time-zone select's groups, each city with today's offset (templates call it)."""
    return timezone_choices(builder.common_timezones(), now().date(), current)


async def form_data(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def to_meeting(request: Request, slug: str, done: str) -> Redirect:
    return done_redirect(request, "admin_meeting", done, slug=slug)


async def meeting_and_form(
    request: Request, slug: str, find: Callable[[str], Awaitable[dict]] = builder.get_meeting_any
) -> tuple[dict, dict[str, str]]:
    """The meeting the path names (NotFound when there is none) and the form posted to it."""
    return await find(slug), await form_data(request)


def _emailed_note(done: str | None, emails: int | None) -> str | None:
    """What the builder says after a change that emailed `emails` people, counted; None for a
    change that emailed nobody (its note is in DONE)."""
    if emails is None:
        return None
    if done == "notified":
        text = ngettext(
            "%(n)s participant was emailed their changes.",
            "%(n)s participants were emailed their changes.",
            emails,
        )
    elif done == "cancelled":
        text = ngettext(
            "The meeting is cancelled; %(n)s participant was emailed.",
            "The meeting is cancelled; %(n)s participants were emailed.",
            emails,
        )
    else:
        return None
    return text % {"n": emails}


def done_message(done: str | None) -> str | None:
    return done_note(DONE, done)


def _room_values(form: dict[str, str], meeting: dict) -> dict[str, Any]:
    """A room's name, capacity and translations from the builder's form; InvalidInput when the
    capacity is not a whole number."""
    errors: dict[str, str] = {}
    capacity = forms.parse_int(errors, form, "capacity")
    if errors:
        raise InvalidInput(gettext("Please correct the marked fields."), fields=errors)
    values: dict[str, Any] = {"name": form.get("name", ""), "capacity": capacity}
    translations = content.from_form(form, content.ROOM_TEXT, content.original_language(meeting))
    if translations is not None:
        values["translations"] = translations
    return values


def failed(template: str, context: dict[str, Any], exc: AppError) -> Template:
    """The form again, with the error's message on top and each field's beside it."""
    return Template(
        template,
        context=context | {"errors": exc.fields, "error": exc.message},
        status_code=exc.status_code,
    )


def meeting_days(meeting: dict) -> list:
    day, days = meeting["starts_on"], []
    while day <= meeting["ends_on"] and len(days) < 31:
        days.append(day)
        day += timedelta(days=1)
    return days


class MeetingAdminController(OrganizerPages):
    path = "/admin/meetings"

    @get("/", name="admin_meetings")
    async def index(self, request: Request, done: FromQuery[str | None] = None) -> Template:
        """The meetings of the account's teams (every one for an administrator), drafts included."""
        meetings = only_visible(await builder.list_meetings(), await visible_meeting_ids(request))
        return Template(
            "admin/meetings/list.html.jinja2",
            context={"meetings": meetings, "done": done_message(done)},
        )

    @get("/new", name="admin_meeting_new")
    async def new(self) -> Template:
        """The form for a new meeting."""
        return Template("admin/meetings/form.html.jinja2", context=self._form_context(None, {}))

    @post("/new", name="admin_meeting_create")
    async def create(self, request: Request) -> Template | Redirect:
        """Create the meeting as a draft and open its agenda builder."""
        form = await form_data(request)
        try:
            meeting = await builder.create_meeting(
                forms.meeting_values(form) | {"status": "draft"},
                by=request_actor(request),
                now=now(),
            )
        except AppError as exc:
            return failed("admin/meetings/form.html.jinja2", self._form_context(None, form), exc)
        return to_meeting(request, meeting["slug"], "created")

    @staticmethod
    def _form_context(meeting: dict | None, values: dict[str, str]) -> dict[str, Any]:
        return {
            "meeting": meeting,
            "values": values,
            "errors": {},
            "error": None,
            "timezone_choices": zone_choices,
            "language_choices": [(lang, content.language_name(lang)) for lang in LANGUAGES],
            "mode_choices": [(mode, mode_label(mode)) for mode in builder.MEETING_MODES],
            "meeting_text": MEETING_TRANSLATED,
            "categories": [(code, category_label(code)) for code in CATEGORIES],
        }

    @get("/{slug:str}", name="admin_meeting")
    async def builder_page(
        self,
        slug: FromPath[str],
        done: FromQuery[str | None] = None,
        emails: FromQuery[int | None] = None,
    ) -> Template:
        """The agenda builder: sessions by day in local time, rooms, clash warnings, changes."""
        meeting = await builder.get_meeting_any(slug)
        message = _emailed_note(done, emails) or done_message(done)
        return Template(
            "admin/meetings/builder.html.jinja2",
            context=await self._builder_context(meeting) | {"done": message},
        )

    async def _builder_failed(self, meeting: dict, exc: AppError, extra: dict) -> Template:
        """The builder again, with the error on top and the form that failed (`extra`)."""
        context = await self._builder_context(meeting)
        return failed("admin/meetings/builder.html.jinja2", context | extra, exc)

    async def _builder_context(
        self, meeting: dict, *, session_values: dict | None = None, errors=None, error=None
    ) -> dict[str, Any]:
        agenda = await services.load_agenda(meeting)
        clashes = await builder.meeting_clashes(meeting)
        days = meeting_days(meeting)
        rooms = await services.rooms_of(meeting["id"])
        return {
            "meeting": meeting,
            "agenda": agenda,
            "rooms": rooms,
            # Each room's form: its name, seats and names in the meeting's other languages.
            "room_forms": {
                r["id"]: {"name": r["name"], "capacity": r["capacity"]}
                | content.to_form(r, content.ROOM_TEXT)
                for r in rooms
            },
            "room_languages": content.other_languages(content.original_language(meeting)),
            "clashes": [(c, builder.describe_clash(c, meeting["timezone"])) for c in clashes],
            "clashing_ids": {i for c in clashes for i in c.session_ids},
            "pending": await notices.pending_changes(meeting),
            "changes": await builder.recent_changes(meeting, limit=10),
            "kinds": SESSION_KINDS,
            "days": days,
            # A new session is interpreted as the meeting's sessions are, unless changed here.
            "values": session_values
            or {
                "day": days[0].isoformat() if days else "",
                "kind": "panel",
                "interpretation": forms.language_codes_text(meeting.get("interpretation")),
            },
            "errors": errors or {},
            "error": error,
        }

    @get("/{slug:str}/edit", name="admin_meeting_edit")
    async def edit(self, slug: FromPath[str]) -> Template:
        """The meeting's details, and its publish / cancel actions."""
        meeting = await builder.get_meeting_any(slug)
        return Template(
            "admin/meetings/form.html.jinja2",
            context=self._form_context(meeting, forms.meeting_form_values(meeting)),
        )

    @post("/{slug:str}/edit", name="admin_meeting_update")
    async def update(self, request: Request, slug: FromPath[str]) -> Template | Redirect:
        """Save the meeting's details."""
        meeting, form = await meeting_and_form(request, slug)
        try:
            values = forms.meeting_values(form)
            if meeting["status"] != "draft":
                values.pop("slug", None)
            updated = await builder.update_meeting(
                slug, values, by=request_actor(request), now=now()
            )
        except AppError as exc:
            return failed(
                "admin/meetings/form.html.jinja2",
                self._form_context(meeting, forms.meeting_form_values(meeting) | form),
                exc,
            )
        return to_meeting(request, updated["slug"], "saved")

    @post("/{slug:str}/publish", name="admin_meeting_publish")
    async def publish(self, request: Request, slug: FromPath[str]) -> Template | Redirect:
        """Publish; with clashes, first a page that lists them and asks to confirm."""
        meeting, form = await meeting_and_form(request, slug)
        confirmed = form.get("confirm") == "yes"
        if not confirmed:
            clashes = await builder.meeting_clashes(meeting)
            if clashes:
                return Template(
                    "admin/meetings/publish_confirm.html.jinja2",
                    context={
                        "meeting": meeting,
                        "clashes": [
                            (c, builder.describe_clash(c, meeting["timezone"])) for c in clashes
                        ],
                    },
                )
        done = "reinstated" if meeting["status"] == "cancelled" else "published"
        await builder.publish_meeting(
            slug, by=request_actor(request), now=now(), confirm_clashes=True
        )
        return to_meeting(request, slug, done)

    @get("/{slug:str}/cancel", name="admin_meeting_cancel_confirm")
    async def confirm_cancel(self, slug: FromPath[str]) -> Template:
        """Are you sure? Says how many participants will be emailed, and takes a message for them."""
        meeting = await builder.get_meeting_any(slug)
        return Template(
            "admin/meetings/cancel_confirm.html.jinja2",
            context=await self._cancel_context(meeting, {}),
        )

    @post("/{slug:str}/cancel", name="admin_meeting_cancel")
    async def cancel(self, request: Request, slug: FromPath[str]) -> Template | Redirect:
        """Cancel the meeting: it stays on the site and in calendars, marked cancelled, and
        everyone registered is emailed."""
        form = await form_data(request)
        try:
            result = await meeting_cancellation.cancel_meeting(
                slug, by=request_actor(request), now=now(), message=form.get("message", "")
            )
        except InvalidInput as exc:
            meeting = await builder.get_meeting_any(slug)
            return failed(
                "admin/meetings/cancel_confirm.html.jinja2",
                await self._cancel_context(meeting, form),
                exc,
            )
        done = "already-cancelled" if result.already else f"cancelled&emails={result.notified}"
        return to_meeting(request, slug, done)

    @staticmethod
    async def _cancel_context(meeting: dict, values: dict[str, str]) -> dict[str, Any]:
        return {
            "meeting": meeting,
            "audience": await meeting_cancellation.cancellation_audience(meeting),
            "message_max": meeting_cancellation.CANCEL_MESSAGE_MAX,
            "values": values,
            "errors": {},
            "error": None,
        }

    @get("/{slug:str}/notify", name="admin_meeting_notify_preview")
    async def notify_preview(self, slug: FromPath[str]) -> Template:
        """Before notifying: who will be told (how many, and who), and the email in each language."""
        await builder.get_meeting_any(slug)
        return self._notify_page(await notices.preview_notice(slug))

    @staticmethod
    def _notify_page(
        preview: notices.NoticePreview, *, error: str | None = None, status_code: int = 200
    ) -> Template:
        return Template(
            "admin/meetings/notify_preview.html.jinja2",
            context={
                "meeting": preview.meeting,
                "preview": preview,
                "language_names": {code: language_label(code) for code in preview.samples},
                "listed": NOTIFY_LISTED,
                "error": error,
            },
            status_code=status_code,
        )

    @post("/{slug:str}/notify", name="admin_meeting_notify")
    async def notify(self, request: Request, slug: FromPath[str]) -> Template | Redirect:
        """Queue the job that emails each affected participant once with their changes since the
        last notice: the changes the preview showed (`changes`), or nothing if others came since.
        Answers at once with the job's page."""
        form = await request.form()
        expected = None
        if "changes" in form:
            try:
                expected = [int(v) for v in str(form.get("changes") or "").split(",") if v]
            except ValueError:
                expected = [-1]  # not ids of ours: the preview is shown again
        try:
            job_id = await notices.queue_notice(
                slug, by=request_actor(request), now=now(), expected=expected
            )
        except Conflict as exc:
            return self._notify_page(
                await notices.preview_notice(slug), error=exc.message, status_code=409
            )
        if job_id is None:
            return to_meeting(request, slug, "nothing-to-notify")
        return Redirect(
            request.app.route_reverse("admin_job", slug=slug, job_id=job_id), status_code=303
        )

    @get("/{slug:str}/duplicate", name="admin_meeting_duplicate")
    async def duplicate_form(self, slug: FromPath[str]) -> Template:
        """Copy this meeting, with its agenda, to new dates and a new time zone."""
        meeting = await builder.get_meeting_any(slug)
        values = {
            "slug": f"{meeting['slug']}-copy",
            "title": meeting["title"],
            "city": meeting["city"],
            "venue_name": meeting["venue_name"],
            "venue_address": meeting["venue_address"],
            "timezone": meeting["timezone"],
            "starts_on": "",
        }
        return Template(
            "admin/meetings/duplicate.html.jinja2",
            context={
                "meeting": meeting,
                "values": values,
                "errors": {},
                "error": None,
                "timezone_choices": zone_choices,
            },
        )

    @post("/{slug:str}/duplicate", name="admin_meeting_duplicate_submit")
    async def duplicate(self, request: Request, slug: FromPath[str]) -> Template | Redirect:
        meeting, form = await meeting_and_form(request, slug)
        try:
            starts_on = forms.parse_date(form.get("starts_on", ""))
            if starts_on is None:
                raise InvalidInput(
                    gettext("Please correct the marked fields."),
                    fields={"starts_on": gettext("A date such as 2027-07-20.")},
                )
            copy = await builder.duplicate_meeting(
                slug,
                slug=form.get("slug", "").strip() or slugify(form.get("title", "")),
                starts_on=starts_on,
                timezone=form.get("timezone", "").strip(),
                title=form.get("title", "").strip(),
                city=form.get("city", "").strip(),
                venue_name=form.get("venue_name", "").strip(),
                venue_address=form.get("venue_address", "").strip(),
                by=request_actor(request),
                now=now(),
            )
        except AppError as exc:
            return failed(
                "admin/meetings/duplicate.html.jinja2",
                {"meeting": meeting, "values": form, "timezone_choices": zone_choices},
                exc,
            )
        return to_meeting(request, copy["slug"], "duplicated")

    # --- rooms ---------------------------------------------------------------------------------

    @post("/{slug:str}/rooms", name="admin_room_create")
    async def add_room(self, request: Request, slug: FromPath[str]) -> Template | Redirect:
        meeting, form = await meeting_and_form(request, slug)
        try:
            values = _room_values(form, meeting)
            await builder.create_room(slug, **values, by=request_actor(request), now=now())
        except AppError as exc:
            return await self._builder_failed(
                meeting, exc, {"room_values": form, "room_errors": exc.fields}
            )
        return to_meeting(request, slug, "room-added#rooms")

    @post("/{slug:str}/rooms/{room_id:int}", name="admin_room_update")
    async def save_room(
        self, request: Request, slug: FromPath[str], room_id: FromPath[int]
    ) -> Template | Redirect:
        meeting, form = await meeting_and_form(request, slug)
        room = await builder.get_room(room_id)
        if room["meeting"] != meeting["id"]:
            raise InvalidInput(gettext("That room belongs to another meeting."))
        try:
            if form.get("action") == "delete":
                await builder.delete_room(room_id, by=request_actor(request), now=now())
                done = "room-deleted"
            else:
                values = _room_values(form, meeting)
                await builder.update_room(room_id, values, by=request_actor(request), now=now())
                done = "room-saved"
        except AppError as exc:
            return await self._builder_failed(
                meeting,
                exc,
                {"room_edit": room_id, "room_edit_values": form, "room_errors": exc.fields},
            )
        return to_meeting(request, slug, f"{done}#rooms")

    # --- sessions ------------------------------------------------------------------------------

    @post("/{slug:str}/sessions", name="admin_session_create")
    async def add_session(self, request: Request, slug: FromPath[str]) -> Template | Redirect:
        """Add a session from the builder's form (times in the meeting's local zone)."""
        meeting, form = await meeting_and_form(request, slug)
        try:
            values = forms.session_values(
                form, meeting["timezone"], content.original_language(meeting)
            )
            created = await builder.create_session(
                slug, values, by=request_actor(request), now=now()
            )
        except AppError as exc:
            context = await self._builder_context(
                meeting, session_values=form, errors=exc.fields, error=exc.message
            )
            return Template(
                "admin/meetings/builder.html.jinja2", context=context, status_code=exc.status_code
            )
        return to_meeting(request, slug, f"session-added#session-{created['id']}")

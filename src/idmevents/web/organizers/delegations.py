"""The organizers' delegations page of a meeting: invite one delegation, every IOM Member State at
once, or a CSV of focal points; email the focal points their invitation; see each quota's seats
used and who was invited or reminded; revoke or renew a focal point's link; set the date held
seats are released."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from idmevents import states
from idmevents.delegations import focal_points, participants_pdf, services
from idmevents.delegations import participants as participants_list
from idmevents.errors import AppError, InvalidInput, NotFound
from idmevents.i18n import LANGUAGES, current_language, gettext
from idmevents.i18n import N_ as _
from idmevents.registrations import desk
from idmevents.registrations.labels import language_label
from idmevents.web.common import done_note, done_redirect, pdf_response
from idmevents.web.common import request_actor as actor
from idmevents.web.guards import OrganizerPages
from idmevents.web.organizers.agenda import form_data, meeting_and_form, now

TEMPLATE = "admin/delegations/list.html.jinja2"
FIELDS = services.FORM_FIELDS
# A CSV of focal points is small: one line per State.
MAX_CSV_BYTES = 200_000


DONE = {
    "created": _("The delegation was invited."),
    "members": _("Delegations were added for the IOM Member States not invited yet."),
    "imported": _("The focal points were imported."),
    "renewed": _(
        "The nomination link was renewed and emailed to the focal point: the old one no longer "
        "works."
    ),
    "revoked": _("The nomination link was revoked: it no longer works."),
    "invited": _("The invitations were queued: see them in the outbox."),
    "none-invited": _("Nobody was emailed: every focal point listed was already sent this."),
    "release": _("The release date of held seats was saved."),
}


class DelegationAdminController(OrganizerPages):
    path = "/admin/meetings/{slug:str}/delegations"

    async def _context(self, slug: str, **extra: Any) -> dict[str, Any]:
        meeting = await desk.get_meeting(slug)
        language = current_language()
        rows = await services.list_delegations(meeting["id"])
        mail = await focal_points.mail_status(rows)
        release = meeting["held_seats_release_at"]
        zone = ZoneInfo(meeting["timezone"])
        return {
            "meeting": meeting,
            "delegations": [
                row
                | {
                    "name": services.delegation_name(row, language),
                    "nomination_url": services.nomination_url(row),
                }
                | mail[row["id"]]
                for row in rows
            ],
            "held": await services.held_seats(meeting["id"]),
            "state_choices": states.state_choices(language),
            "language_choices": [(code, language_label(code)) for code in LANGUAGES],
            # Names this page's send buttons: sending the same form twice emails nobody twice.
            "send_id": secrets.token_urlsafe(12),
            "values": {"quota": "2"},
            "errors": {},
            "error": None,
            "bulk_errors": {},
            "release_value": release.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if release else "",
            "done": None,
        } | extra

    @get("/", name="admin_delegations")
    async def index(self, slug: FromPath[str], done: FromQuery[str | None] = None) -> Template:
        context = await self._context(slug)
        context["done"] = done_note(DONE, done)
        return Template(TEMPLATE, context=context)

    def _back(self, request: Request, slug: str, done: str) -> Redirect:
        return done_redirect(request, "admin_delegations", done, slug=slug)

    async def _failed(self, slug: str, exc: AppError, **extra: Any) -> Template:
        context = await self._context(slug, error=exc.message, **extra)
        return Template(TEMPLATE, context=context, status_code=exc.status_code)

    @post("/", name="admin_delegation_create")
    async def create(self, request: Request, slug: FromPath[str]) -> Template | Redirect:
        meeting, form = await meeting_and_form(request, slug, desk.get_meeting)
        values = {name: form.get(name, "") for name in FIELDS}
        try:
            await services.create_delegation(meeting, values, by=actor(request), now=now())
        except AppError as exc:
            return await self._failed(slug, exc, values=values, errors=exc.fields)
        return self._back(request, slug, "created")

    @post("/iom-member-states", name="admin_delegations_members")
    async def members(self, request: Request, slug: FromPath[str]) -> Template | Redirect:
        meeting, form = await meeting_and_form(request, slug, desk.get_meeting)
        given = form.get("members_quota", "").strip()
        quota = int(given) if given.isdigit() else -1  # not a number: the service says why
        try:
            await services.create_member_states(meeting, quota=quota, by=actor(request), now=now())
        except AppError as exc:
            return await self._failed(slug, exc, bulk_errors={"members_quota": exc.fields["quota"]})
        return self._back(request, slug, "members")

    @post("/import", name="admin_delegations_import")
    async def import_csv(self, request: Request, slug: FromPath[str]) -> Template | Redirect:
        form = await request.form()
        meeting = await desk.get_meeting(slug)
        upload = form.get("file")
        text = form.get("csv") if isinstance(form.get("csv"), str) else ""
        try:
            if isinstance(upload, UploadFile) and upload.filename:
                raw = await upload.read(MAX_CSV_BYTES + 1)
                if len(raw) > MAX_CSV_BYTES:
                    raise InvalidInput(gettext("The file is too large."), fields={})
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise InvalidInput(
                        gettext("The file must be CSV in UTF-8."), fields={}
                    ) from None
            if not text.strip():
                raise InvalidInput(gettext("Choose a CSV file or paste its lines."), fields={})
            await services.import_focal_points(meeting, text, by=actor(request), now=now())
        except AppError as exc:
            return await self._failed(slug, exc, import_errors=exc.fields, csv_value=text)
        return self._back(request, slug, "imported")

    async def _own(self, slug: str, delegation_id: int) -> dict:
        meeting = await desk.get_meeting(slug)
        delegation = await services.get_delegation(delegation_id)
        if delegation["meeting"] != meeting["id"]:
            raise NotFound(gettext("There is no such delegation."))
        return meeting

    async def _link(self, request: Request, slug: str, delegation_id: int, verb, done: str):
        await self._own(slug, delegation_id)
        await verb(delegation_id, by=actor(request), now=now())
        return self._back(request, slug, done)

    @post("/{delegation_id:int}/renew-link", name="admin_delegation_renew")
    async def renew(
        self, request: Request, slug: FromPath[str], delegation_id: FromPath[int]
    ) -> Redirect:
        """A new link, emailed to the focal point; the old one stops working."""
        return await self._link(request, slug, delegation_id, focal_points.renew_link, "renewed")

    @post("/{delegation_id:int}/revoke-link", name="admin_delegation_revoke")
    async def revoke(
        self, request: Request, slug: FromPath[str], delegation_id: FromPath[int]
    ) -> Redirect:
        """The focal point's link stops working; nobody is emailed."""
        return await self._link(request, slug, delegation_id, focal_points.revoke_link, "revoked")

    @post("/{delegation_id:int}/invite", name="admin_delegation_invite")
    async def invite(
        self, request: Request, slug: FromPath[str], delegation_id: FromPath[int]
    ) -> Redirect:
        """Email this focal point their invitation (again), once per press of the button."""
        meeting = await self._own(slug, delegation_id)
        form = await form_data(request)
        queued = await focal_points.send_invitations(
            meeting,
            action=form.get("send_id", ""),
            delegation_ids=[delegation_id],
            by=actor(request),
            now=now(),
        )
        return self._back(request, slug, "invited" if queued else "none-invited")

    @post("/invite-new", name="admin_delegations_invite_new")
    async def invite_new(self, request: Request, slug: FromPath[str]) -> Redirect:
        """Email every focal point never invited yet their invitation."""
        meeting = await desk.get_meeting(slug)
        queued = await focal_points.send_invitations(
            meeting, action="first", only_new=True, by=actor(request), now=now()
        )
        return self._back(request, slug, "invited" if queued else "none-invited")

    @post("/release", name="admin_delegations_release")
    async def release(self, request: Request, slug: FromPath[str]) -> Template | Redirect:
        meeting, form = await meeting_and_form(request, slug, desk.get_meeting)
        value = form.get("release_at", "").strip()
        try:
            when = None
            if value:
                try:
                    when = datetime.fromisoformat(value).replace(
                        tzinfo=ZoneInfo(meeting["timezone"])
                    )
                except ValueError:
                    raise InvalidInput(
                        gettext("Some fields need your attention."),
                        fields={
                            "release_at": gettext("A date and time, such as 2027-04-01 18:00.")
                        },
                    ) from None
            await services.set_release_date(meeting, when, by=actor(request), now=now())
        except AppError as exc:
            return await self._failed(slug, exc, release_errors=exc.fields, release_value=value)
        return self._back(request, slug, "release")


async def _edition(slug: str, edition: str) -> tuple[dict, str, list[participants_list.Category]]:
    """The meeting, the edition asked for (provisional unless a known one), and its list."""
    meeting = await desk.get_meeting(slug)
    edition = edition if edition in participants_list.EDITIONS else "provisional"
    categories = await participants_list.participants(
        meeting["id"], edition=edition, language=current_language()
    )
    return meeting, edition, categories


class ParticipantsListController(OrganizerPages):
    """The list of participants, provisional or final, as a page and as CSV."""

    path = "/admin/meetings/{slug:str}/participants"

    @get("/", name="admin_participants")
    async def page(self, slug: FromPath[str], edition: FromQuery[str] = "provisional") -> Template:
        meeting, edition, categories = await _edition(slug, edition)
        return Template(
            "admin/delegations/participants.html.jinja2",
            context={"meeting": meeting, "edition": edition, "categories": categories},
        )

    @get("/csv", name="admin_participants_csv")
    async def csv(self, slug: FromPath[str], edition: FromQuery[str] = "provisional") -> Response:
        meeting, edition, categories = await _edition(slug, edition)
        return Response(
            participants_list.as_csv(categories),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="participants-{meeting["slug"]}'
                f'-{edition}.csv"',
                "Cache-Control": "no-store",
            },
        )

    @post("/publish", name="admin_participants_publish")
    async def publish(self, request: Request, slug: FromPath[str]) -> Redirect:
        """Publish the list as a public PDF, or withdraw it."""
        meeting, form = await meeting_and_form(request, slug, desk.get_meeting)
        await participants_pdf.set_published(
            meeting, form.get("published") == "on", by=actor(request), now=now()
        )
        url = request.app.route_reverse("admin_participants", slug=slug)
        return Redirect(url, status_code=303)

    @get("/participants.pdf", name="admin_participants_pdf")
    async def pdf(self, slug: FromPath[str], edition: FromQuery[str] = "provisional") -> Response:
        """The list as a printable PDF in the organizer's language."""
        meeting = await desk.get_meeting(slug)
        edition = edition if edition in participants_list.EDITIONS else "provisional"
        data = await participants_pdf.list_pdf(
            meeting, edition=edition, language=current_language(), now=now()
        )
        return pdf_response(data, participants_pdf.pdf_filename(meeting, edition))

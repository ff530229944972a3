"""A participant's visa invitation letter, behind their private link: the request form, where the
request stands, and the letter itself once approved (/r/{token}/visa, /r/{token}/visa-letter.pdf);
and the same request through the JSON API (/api/v1/r/{token}/visa-request)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template

from idmevents.audit import PARTICIPANT
from idmevents.delegations import visa_pdf, visa_requests
from idmevents.errors import AppError
from idmevents.i18n import current_language
from idmevents.meetings.tables import Meeting
from idmevents.registrations.countries import country_choices
from idmevents.web.common import PRIVATE_HEADERS, error_specs, pdf_response
from idmevents.web.public.registration import language_form, speak_as_token

TEMPLATE = "registrations/visa.html.jinja2"


async def _meeting(registration: dict) -> dict:
    return await Meeting.select().where(Meeting.id == registration["meeting"]).first()


def _form_values(request_row: dict | None, meeting: dict, registration: dict) -> dict[str, Any]:
    if request_row is not None and request_row["status"] == "declined":
        return {
            name: (value.isoformat() if isinstance(value, date) else value)
            for name, value in request_row.items()
            if name in visa_requests.FIELDS
        }
    return {
        "passport_name": f"{registration['given_name']} {registration['family_name']}",
        "nationality": registration["country"],
        "arrival": meeting["starts_on"].isoformat(),
        "departure": meeting["ends_on"].isoformat(),
        "purpose": visa_requests.default_purpose(meeting, current_language()),
    }


class VisaPages(Controller):
    include_in_schema = False

    async def _page(
        self,
        request: Request,
        token: str,
        *,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        error: str | None = None,
        done: str | None = None,
        status_code: int = 200,
    ) -> Template:
        registration = await speak_as_token(token)
        meeting = await _meeting(registration)
        current = await visa_requests.request_of(registration["id"])
        return Template(
            TEMPLATE,
            context={
                "language_form": language_form(request, token),
                "registration": registration,
                "meeting": meeting,
                "visa": current,
                "values": values or _form_values(current, meeting, registration),
                "errors": errors or {},
                "error": error,
                "done": done,
                "countries": country_choices(current_language()),
            },
            status_code=status_code,
            headers=PRIVATE_HEADERS,
        )

    @get("/r/{token:str}/visa", name="visa_request_form")
    async def page(
        self, request: Request, token: FromPath[str], done: FromQuery[str | None] = None
    ) -> Template:
        """Where the request stands, and the form while there is none (or it was declined)."""
        return await self._page(request, token, done=done if done == "sent" else None)

    @post("/r/{token:str}/visa", name="visa_request_submit")
    async def submit(self, request: Request, token: FromPath[str]) -> Template | Redirect:
        registration = await speak_as_token(token)
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        try:
            await visa_requests.ask(registration, form, by=PARTICIPANT, now=datetime.now(UTC))
        except AppError as exc:
            return await self._page(
                request,
                token,
                values=form,
                errors=exc.fields,
                error=exc.message,
                status_code=exc.status_code,
            )
        url = request.app.route_reverse("visa_request_form", token=token)
        return Redirect(f"{url}?done=sent", status_code=303)

    @get("/r/{token:str}/visa-letter.pdf", name="visa_letter_pdf")
    async def letter(self, token: FromPath[str]) -> Response[bytes]:
        """The approved letter, while it is valid."""
        registration = await speak_as_token(token)
        data, filename = await visa_pdf.letter_pdf(registration["id"])
        return pdf_response(data, filename, private=True)


class VisaRequestIn(msgspec.Struct, forbid_unknown_fields=True):
    passport_name: Annotated[str, msgspec.Meta(max_length=200, description="As in the passport")]
    nationality: Annotated[str, msgspec.Meta(max_length=2, description="ISO 3166-1 alpha-2")]
    birth_date: date
    passport_number: Annotated[
        str, msgspec.Meta(max_length=30, description="5 to 20 letters and digits")
    ]
    passport_expiry: Annotated[date, msgspec.Meta(description="Not before the departure")]
    arrival: Annotated[
        date, msgspec.Meta(description="From 14 days before the meeting to its last day")
    ]
    departure: Annotated[
        date, msgspec.Meta(description="From the meeting's first day to 14 days after it")
    ]
    purpose: Annotated[
        str, msgspec.Meta(max_length=2000, description="Empty: attending the meeting")
    ] = ""


class VisaRequestOut(msgspec.Struct):
    status: Literal["pending", "approved", "declined"]


class VisaRequestApi(Controller):
    path = "/api/v1/r"
    tags = ["registrations"]

    @post(
        "/{token:str}/visa-request",
        name="api_visa_request",
        status_code=202,
        responses=error_specs(
            {
                404: "No registration has this private link",
                409: "The registration is not confirmed, or a request is already pending or "
                "approved",
                422: "A field is wrong (dates outside the stay's window, passport number, "
                "country); `fields` names each",
            }
        ),
        summary="Ask for a visa invitation letter (the participant's private link)",
    )
    async def ask(self, token: FromPath[str], data: JSONBody[VisaRequestIn]) -> VisaRequestOut:
        """The participant's own request, as on their private page; organizers then approve or
        decline it, and the participant is emailed either way."""
        registration = await speak_as_token(token)
        values = msgspec.structs.asdict(data)
        if not values["purpose"].strip():
            values["purpose"] = visa_requests.default_purpose(
                await _meeting(registration), registration["language"]
            )
        row = await visa_requests.ask(registration, values, by=PARTICIPANT, now=datetime.now(UTC))
        return VisaRequestOut(status=row["status"])

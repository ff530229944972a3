"""The registration API's shapes (msgspec structs, documented in OpenAPI) and the edge decoding.

The API names every bad field at once, but msgspec stops at the first one it meets. So the body is
decoded to plain JSON first, each field is converted to its type on its own, and what does not
fit is handed to the services as a problem of that field, beside the value rules they check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec
from litestar.datastructures import FormMultiDict
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)

from idmevents.errors import InvalidInput
from idmevents.i18n import gettext
from idmevents.registrations.labels import CATEGORIES
from idmevents.registrations.services import DetailsForm, RegistrationForm
from idmevents.web import common as web

Category = Literal[CATEGORIES]  # type: ignore[valid-type]  (one list: registrations.labels)


class RegistrationIn(msgspec.Struct, kw_only=True):
    """A registration for a meeting."""

    given_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    family_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    email: Annotated[str, msgspec.Meta(max_length=320, description="Compared case-insensitively")]
    organization: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    category: Category
    consent: Annotated[
        bool,
        msgspec.Meta(description="Must be true: the person agrees to the use of their details"),
    ]
    position: Annotated[str, msgspec.Meta(max_length=300)] | None = None
    honorific: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=50,
                description="Printed before the name on the badge and the list of participants, "
                "such as H.E., Ambassador or Dr",
            ),
        ]
        | None
    ) = None
    country: (
        Annotated[
            str,
            msgspec.Meta(
                pattern="^[A-Za-z]{2}$",
                description="ISO 3166-1 alpha-2; required for member-state and observer",
            ),
        ]
        | None
    ) = None
    language: Literal["en", "fr", "es"] = "en"
    accessibility_needs: Annotated[str, msgspec.Meta(max_length=2000)] | None = None
    list_consent: Annotated[
        bool,
        msgspec.Meta(
            description="Whether the person agrees to appear on the published list of "
            "participants (separate from `consent`; false when left out)"
        ),
    ] = False
    sessions: Annotated[
        list[int], msgspec.Meta(description="Ids of the meeting's sessions the person will attend")
    ] = []
    attendance: (
        Annotated[
            Literal["in_person", "online"],
            msgspec.Meta(
                description=(
                    "Where the person takes part. A hybrid meeting has seats in the room and online "
                    "places, each with its own waiting list (in the room if left out); an in-person "
                    "or online meeting decides for everyone."
                )
            ),
        ]
        | None
    ) = None
    invitation: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=64,
                description=(
                    "The token of the personal invitation (the `invitation` of its link). "
                    "Required for the meeting's invitation-only categories: without a valid "
                    "invitation for this very address, the answer is 403"
                ),
            ),
        ]
        | None
    ) = None


class SessionStatus(msgspec.Struct, kw_only=True):
    id: int
    status: Literal["confirmed", "waitlisted"]
    waitlist_position: int | None


class RegistrationReceived(msgspec.Struct, kw_only=True):
    """The one answer to a registration that was well formed while registration is open.

    It is the same whether the address was new or already registered (no one learns who is
    registered by trying addresses): what happened, the status and the private link, go by email
    to the address given.
    """

    detail: str
    email: str


ErrorBody = web.ErrorBody  # one shape for every JSON error


# How each API field is decoded, and what to say when a value does not have that type.
_TEXT = (str | None, "Must be text.")
_JSON_FIELDS: dict[str, tuple[Any, str]] = {
    "honorific": _TEXT,
    "given_name": _TEXT,
    "family_name": _TEXT,
    "email": _TEXT,
    "organization": _TEXT,
    "position": _TEXT,
    "category": _TEXT,
    "country": _TEXT,
    "language": _TEXT,
    "accessibility_needs": _TEXT,
    "consent": (bool, "Must be true or false."),
    "list_consent": (bool, "Must be true or false."),
    "sessions": (list[int] | None, "Must be a list of session ids (whole numbers)."),
    "attendance": _TEXT,
    "invitation": _TEXT,
}


def _type_message(message: str) -> str:
    # The three messages above, written out so that the catalog extractor finds them.
    return {
        "Must be text.": gettext("Must be text."),
        "Must be true or false.": gettext("Must be true or false."),
        "Must be a list of session ids (whole numbers).": gettext(
            "Must be a list of session ids (whole numbers)."
        ),
    }[message]


def form_from_json(body: bytes) -> RegistrationForm:
    try:
        payload = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise InvalidInput(gettext("The request body is not valid JSON.")) from None
    if not isinstance(payload, dict):
        raise InvalidInput(
            gettext("The request body must be a JSON object of registration fields.")
        )
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, value in payload.items():
        if name not in _JSON_FIELDS:
            problems[str(name)[:100]] = gettext("This is not a registration field.")
            continue
        kind, message = _JSON_FIELDS[name]
        try:
            converted = msgspec.convert(value, kind, strict=True)
        except msgspec.ValidationError:
            problems[name] = _type_message(message)
            continue
        if converted is not None:
            values[name] = converted
    return RegistrationForm(**values, problems=problems)


def _text(data: FormMultiDict, name: str) -> str:
    value = data.get(name, "")
    return value if isinstance(value, str) else ""


def _details(data: FormMultiDict) -> dict[str, str]:
    """The person's details as a form sends them (the registration form and the details form)."""
    return {
        "honorific": _text(data, "honorific"),
        "given_name": _text(data, "given_name"),
        "family_name": _text(data, "family_name"),
        "organization": _text(data, "organization"),
        "position": _text(data, "position"),
        "country": _text(data, "country"),
        "language": _text(data, "language") or "en",
        "accessibility_needs": _text(data, "accessibility_needs"),
    }


def form_from_html(data: FormMultiDict) -> RegistrationForm:
    """The HTML form's fields; session checkboxes come as several `sessions` values."""
    sessions: list[int] = []
    problems: dict[str, str] = {}
    for value in data.getall("sessions", []):
        try:
            sessions.append(int(value))
        except (TypeError, ValueError):
            problems["sessions"] = gettext("Must be a list of session ids (whole numbers).")
    return RegistrationForm(
        **_details(data),
        email=_text(data, "email"),
        category=_text(data, "category"),
        consent=_text(data, "consent") == "yes",
        list_consent=_text(data, "list_consent") == "yes",
        sessions=sessions,
        attendance=_text(data, "attendance"),
        invitation=_text(data, "invitation"),
        problems=problems,
    )


def details_from_html(data: FormMultiDict) -> DetailsForm:
    return DetailsForm(**_details(data))


def session_ids_from_html(data: FormMultiDict) -> list[int]:
    ids = []
    for value in data.getall("sessions", []):
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            raise InvalidInput(
                gettext("Some fields need your attention."),
                fields={"sessions": gettext("Must be a list of session ids (whole numbers).")},
            ) from None
    return ids


# ---------------------------------------------------------------------------------------------
# OpenAPI: the handler reads its body itself (see above), so the request body is described here.

_CAMEL = {
    "maxLength": "max_length",
    "minLength": "min_length",
    "anyOf": "any_of",
    "maxItems": "max_items",
}


def _openapi_schema(node: dict) -> Schema | Reference:
    if "$ref" in node:
        return Reference(ref=node["$ref"])
    kwargs: dict[str, Any] = {}
    for key, value in node.items():
        name = _CAMEL.get(key, key)
        if key == "type":
            kwargs["type"] = OpenAPIType(value)
        elif key == "properties":
            kwargs["properties"] = {k: _openapi_schema(v) for k, v in value.items()}
        elif key == "items":
            kwargs["items"] = _openapi_schema(value)
        elif key == "anyOf":
            kwargs["any_of"] = [_openapi_schema(v) for v in value]
        elif name in Schema.__dataclass_fields__:
            kwargs[name] = value
    return Schema(**kwargs)


def _registration_in_schema() -> Schema | Reference:
    _, components = msgspec.json.schema_components([RegistrationIn])
    return _openapi_schema(components["RegistrationIn"])


@dataclass
class RegistrationOperation(Operation):
    """The operation as Litestar builds it, with the RegistrationIn body it cannot infer."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="The registration; every field that is wrong is named in a 422 answer.",
            content={"application/json": OpenAPIMediaType(schema=_registration_in_schema())},
        )

"""What a valid registration form is: the structs the edges fill in, and the checks that clean them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec

from idmevents.errors import InvalidInput
from idmevents.i18n import LANGUAGES, gettext
from idmevents.registrations.countries import ALL_CODES
from idmevents.registrations.labels import CATEGORIES, COUNTRY_REQUIRED
from idmevents.registrations.views import ATTENDANCES, attendance_for
from idmevents.states import is_state
from idmevents.validation import clean_text, is_control

# The widths of the columns they go into.
MAX_LENGTHS = {
    "honorific": 50,
    "given_name": 200,
    "family_name": 200,
    "email": 320,
    "organization": 300,
    "position": 300,
    "accessibility_needs": 2000,
}
# The person's fields of a registration, in the order the forms show them: what an organizer may
# change (`edit_registration`), what an import maps, what the public form takes before consents.
PERSON_FIELDS = (
    "honorific",
    "given_name",
    "family_name",
    "email",
    "organization",
    "position",
    "category",
    "country",
    "language",
    "accessibility_needs",
)
EDIT_FIELDS = PERSON_FIELDS
# What a participant may change from their private page: all but the address and the category.
DETAIL_FIELDS = tuple(name for name in EDIT_FIELDS if name not in {"email", "category"})


class PersonDetails(msgspec.Struct, kw_only=True):
    """Who a person is, as a registration names them (the participant's form, a delegate named
    into held seats)."""

    honorific: str = ""  # H.E., Ambassador, Dr…: free text, printed before the name
    given_name: str = ""
    family_name: str = ""
    organization: str = ""
    position: str = ""
    country: str = ""
    language: str = "en"


class DetailsForm(PersonDetails, kw_only=True):
    """The details a participant may change from their private page; `problems` holds what the
    edge already found wrong with their shape (a number where text belongs, an unknown field),
    keyed by field."""

    accessibility_needs: str = ""
    problems: dict[str, str] = {}


class RegistrationForm(DetailsForm, kw_only=True):
    """What a person submitted, as text and flags: the details, and what only registering sets
    (the address, the category, consent, sessions, attendance)."""

    email: str = ""
    category: str = ""
    consent: bool = False
    list_consent: bool = False
    sessions: list[int] = []
    attendance: str = ""  # in_person | online; "" lets the meeting's mode decide
    invitation: str = ""  # the token of an organizer's invitation (invitation-only categories)
    problems: dict[str, str] = {}


class RegistrationEdit(msgspec.Struct, kw_only=True):
    """What an organizer may change on a registration (see `edit_registration`): its details, its
    email address and its category. A field left None keeps its value."""

    honorific: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    organization: str | None = None
    position: str | None = None
    category: str | None = None
    country: str | None = None
    language: str | None = None
    accessibility_needs: str | None = None
    problems: dict[str, str] = {}


_SPACES = re.compile(r"\s+")
_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_DOMAIN_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def single_line(value: str) -> str:
    """Text folded onto one line, for what is searched rather than stored (a desk query): every
    run of white space becomes one space and other control characters (`validation.is_control`)
    go. What a person types into a form is checked with `validation.clean_text` instead, which
    refuses them."""
    value = "".join(ch for ch in value if not is_control(ch) or ch.isspace())
    return _SPACES.sub(" ", value).strip()


def normalize_email(value: str) -> str | None:
    """The address with its domain in ASCII (IDNA), or None when it is not an address we can mail."""
    value = value.strip()
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain or len(local) > 64:
        return None
    if not _EMAIL_LOCAL.match(local):
        return None
    try:
        domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or not all(_DOMAIN_LABEL.match(x) for x in labels):
        return None
    if labels[-1].isdigit():
        return None
    return f"{local}@{domain}"


def _check_text(
    name: str, value: str, problems: dict[str, str], *, required: str | None, multiline=False
) -> str:
    """The text trimmed; a line break or control character in a one-line field (a name that would
    break an email header: "Ana\\r\\nBcc: …") is refused, as everywhere (`validation.clean_text`)."""
    value, problem = clean_text(value, "multi_line" if multiline else "single_line")
    if name in problems:
        return value
    if not value and required:
        problems[name] = required
    elif len(value) > MAX_LENGTHS[name]:
        problems[name] = gettext("Use at most %(limit)s characters.") % {"limit": MAX_LENGTHS[name]}
    elif problem:
        problems[name] = problem
    return value


def _check_country(
    value: str, category: str, problems: dict[str, str], *, category_known: bool = True
) -> str:
    value = value.strip().upper()
    if "country" in problems:
        return value
    if value and value not in ALL_CODES:
        problems["country"] = gettext("Use a two-letter ISO 3166 country code, such as CH or US.")
    elif not value and category_known and category in COUNTRY_REQUIRED:
        problems["country"] = gettext(
            "Choose the country of your delegation: Member States and Observers must name it."
        )
    elif value and category_known and category in COUNTRY_REQUIRED and not is_state(value):
        # A delegation speaks for a government: only a State on the UN's list has one here.
        problems["country"] = gettext(
            "Choose a State from the list: a Member State or Observer delegation represents one "
            "of the UN Member States or observer States."
        )
    return value


def _check_language(value: str, problems: dict[str, str]) -> str:
    value = value.strip().lower() or "en"
    if "language" not in problems and value not in LANGUAGES:
        problems["language"] = gettext("Choose one of: %(choices)s.") % {
            "choices": ", ".join(LANGUAGES)
        }
    return value


def _check_email(value: str, problems: dict[str, str]) -> str:
    """The address as we store it (see `normalize_email`), or the text as typed with a problem."""
    value = value.strip()
    if "email" in problems:
        return value
    if not value:
        problems["email"] = gettext("Enter your email address.")
    elif len(value) > MAX_LENGTHS["email"] or normalize_email(value) is None:
        problems["email"] = gettext("Enter an email address in the form name@example.org.")
    else:
        return normalize_email(value) or value
    return value


def _check_category(value: str, problems: dict[str, str]) -> str:
    value = value.strip().lower()
    if "category" in problems:
        return value
    if not value:
        problems["category"] = gettext("Choose the category you are registering in.")
    elif value not in CATEGORIES:
        problems["category"] = gettext("Choose one of: %(choices)s.") % {
            "choices": ", ".join(CATEGORIES)
        }
    return value


def check_attendance(chosen: str, meeting: Mapping | None, problems: dict[str, str]) -> str:
    """Where the person takes part, given the meeting's mode (see `views.attendance_for`)."""
    if "attendance" in problems:
        return "in_person"
    if chosen and chosen not in ATTENDANCES:
        problems["attendance"] = gettext("Choose in person or online.")
        return "in_person"
    mode = (meeting or {}).get("mode") or "in_person"
    if chosen == "online" and mode == "in_person":
        problems["attendance"] = gettext("This meeting takes place in person only.")
    elif chosen == "in_person" and mode == "online":
        problems["attendance"] = gettext("This meeting takes place online only.")
    return attendance_for(meeting or {}, chosen or None)


def check_registration(
    form: RegistrationForm, choosable: Mapping[int, dict], meeting: Mapping | None = None
) -> RegistrationForm:
    """The form cleaned up, or InvalidInput naming every bad field and why. With `meeting`, the
    attendance is checked against its mode (and decided by it when the form leaves it out)."""
    problems = dict(form.problems)
    attendance = check_attendance(form.attendance, meeting, problems)
    email = _check_email(form.email, problems)
    category = _check_category(form.category, problems)
    details = _checked_details(form, category, problems, category_known="category" not in problems)
    if "consent" not in problems and form.consent is not True:
        problems["consent"] = gettext(
            "You must agree to the use of your details for this meeting to register."
        )
    sessions = list(dict.fromkeys(form.sessions))
    if "sessions" not in problems:
        unknown = [str(s) for s in sessions if s not in choosable]
        if unknown:
            problems["sessions"] = gettext(
                "These are not sessions of this meeting that you can sign up for: %(ids)s."
            ) % {"ids": ", ".join(unknown)}
    _refuse(problems)
    return RegistrationForm(
        **{name: getattr(details, name) for name in DETAIL_FIELDS},
        email=email,
        category=category,
        consent=True,
        list_consent=form.list_consent is True,
        sessions=sessions,
        attendance=attendance,
        invitation=(form.invitation or "").strip()[:64],
    )


def check_details(form: DetailsForm, category: str) -> DetailsForm:
    problems = dict(form.problems)
    cleaned = _checked_details(form, category, problems)
    _refuse(problems)
    return cleaned


def _checked_details(
    form: DetailsForm,
    category: str,
    problems: dict[str, str],
    *,
    category_known: bool = True,
) -> DetailsForm:
    """The details cleaned up; what is wrong with them is added to `problems`."""
    return DetailsForm(
        honorific=_check_text("honorific", form.honorific, problems, required=None),
        given_name=_check_text(
            "given_name", form.given_name, problems, required=gettext("Enter your given name.")
        ),
        family_name=_check_text(
            "family_name", form.family_name, problems, required=gettext("Enter your family name.")
        ),
        organization=_check_text(
            "organization",
            form.organization,
            problems,
            required=gettext("Enter the organization, ministry or mission you represent."),
        ),
        position=_check_text("position", form.position, problems, required=None),
        country=_check_country(form.country, category, problems, category_known=category_known),
        language=_check_language(form.language, problems),
        accessibility_needs=_check_text(
            "accessibility_needs",
            form.accessibility_needs,
            problems,
            required=None,
            multiline=True,
        ),
    )


def _as_form(data: Mapping[str, Any], kind: type[msgspec.Struct]) -> Any:
    """A mapping from another part of the program, as a form; a value of the wrong type is a
    422 naming its field, not a crash."""
    try:
        return msgspec.convert(dict(data), kind)
    except msgspec.ValidationError as exc:
        field = str(exc).rpartition("$.")[2].split("[")[0].strip("`") or "form"
        raise InvalidInput(
            gettext("Some fields need your attention."), fields={field: str(exc)}
        ) from None


# The registration form's fields, top to bottom.
_FIELD_ORDER = (*EDIT_FIELDS, "attendance", "sessions", "consent")


def _refuse(problems: dict[str, str]) -> None:
    """InvalidInput naming every bad field, in the form's order; nothing when there is none."""
    if problems:
        raise InvalidInput(
            gettext("Some fields need your attention."), fields=_in_form_order(problems)
        )


def _in_form_order(problems: dict[str, str]) -> dict[str, str]:
    """Errors in the order the form shows its fields, so the summary reads top to bottom."""
    rank = {name: i for i, name in enumerate(_FIELD_ORDER)}
    return dict(sorted(problems.items(), key=lambda item: rank.get(item[0], len(rank))))

"""Importing registrations from a spreadsheet (CSV or XLSX): read, map columns, check, write.

1. `read_table` reads the file's first sheet into a header and rows of text: CSV in UTF-8 (with
   or without BOM, else Windows-1252, as Excel writes it) separated by commas, semicolons or tabs;
   XLSX with openpyxl (a well-kept reader, in read-only mode: rows stream, memory stays small).
2. `guess_mapping` pairs the form's fields with the file's columns by their headers (English,
   French and Spanish names); the organizer checks it on a preview and may change it.
3. `check_rows` puts every row through `check_registration`, the form's own rules (categories,
   States for government categories, addresses), and finds addresses used twice in the file.
4. `run_import` writes the good rows in file order, a chunk per transaction
   (`services.import_forms`), addresses already registered left unchanged: a second import
   changes nothing. Its report has one line per row of the file: what happened, or what is wrong.

The desk runs it as a job (`run_import_job`), the command line directly (`idmevents registrations
import`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from babel import Locale

from idmevents import db, i18n
from idmevents.audit import Actor
from idmevents.errors import InvalidInput
from idmevents.i18n import gettext
from idmevents.jobs import services as jobs
from idmevents.records import copy_fields
from idmevents.registrations import export, services
from idmevents.registrations.countries import COUNTRY_CODES, country_name
from idmevents.registrations.labels import CATEGORIES, category_label
from idmevents.registrations.services import RegistrationForm
from idmevents.registrations.tables import Registration

KIND = "registrations-import"
CHUNK = 500
MAX_ROWS = 100_000
PREVIEW_ROWS = 5
FIELDS = services.PERSON_FIELDS
# Header names (folded: lower case, no accents, no punctuation) that name each field.
_HEADER_NAMES = {
    "honorific": {
        "honorific",
        "salutation",
        "prefix",
        "titre honorifique",
        "civilite",
        "tratamiento",
    },
    "given_name": {"given name", "first name", "firstname", "prenom", "nombre", "given"},
    "family_name": {
        "family name",
        "last name",
        "lastname",
        "surname",
        "nom",
        "nom de famille",
        "apellido",
        "apellidos",
    },
    "email": {
        "email",
        "e mail",
        "email address",
        "mail",
        "courriel",
        "correo",
        "correo electronico",
    },
    "organization": {
        "organization",
        "organisation",
        "organizacion",
        "ministry",
        "institution",
        "institucion",
    },
    "position": {"position", "title", "job title", "fonction", "poste", "cargo"},
    "category": {"category", "categorie", "categoria"},
    "country": {"country", "country code", "pays", "pais", "state", "etat", "estado"},
    "language": {"language", "langue", "idioma"},
    "accessibility_needs": {
        "accessibility needs",
        "accessibility",
        "accessibilite",
        "accesibilidad",
    },
}


def fold(text: str) -> str:
    """`i18n.fold`, with punctuation gone and spaces single: how headers and codes compare."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in i18n.fold(text)).split())


# --- reading ----------------------------------------------------------------------------------


def _unreadable() -> InvalidInput:
    message = gettext("This file cannot be read: send a CSV file or an Excel workbook (.xlsx).")
    return InvalidInput(message, fields={"file": message})


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).strip()


def _read_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    return [
        [cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)
    ]


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a broken zip, not a workbook, ...: the organizer's file, not a bug
        raise _unreadable() from exc
    try:
        sheet = workbook.worksheets[0]
        return [[_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_table(filename: str, data: bytes) -> tuple[list[str], list[list[str]]]:
    """The header and the rows (blank rows dropped, short rows padded) of a CSV or XLSX file."""
    if data[:2] == b"PK" or filename.lower().endswith(".xlsx"):
        rows = _read_xlsx(data)
    else:
        if b"\x00" in data[:4096]:
            raise _unreadable()
        rows = _read_csv(data)
    rows = [row for row in rows if any(cell for cell in row)]
    if not rows:
        message = gettext("This file is empty: the first row must name the columns.")
        raise InvalidInput(message, fields={"file": message})
    if len(rows) - 1 > MAX_ROWS:
        message = gettext("A file may hold at most %(count)d rows.") % {"count": MAX_ROWS}
        raise InvalidInput(message, fields={"file": message})
    header = rows[0]
    width = max(len(row) for row in rows)
    header = header + [""] * (width - len(header))
    body = [row + [""] * (width - len(row)) for row in rows[1:]]
    return header, body


# --- mapping ----------------------------------------------------------------------------------


def guess_mapping(header: list[str]) -> dict[str, int | None]:
    """Field → column index (None: not in the file), from the headers' names."""
    folded = [fold(name) for name in header]
    mapping: dict[str, int | None] = {}
    for name in FIELDS:
        known = _HEADER_NAMES[name] | {fold(name)}
        mapping[name] = next((i for i, text in enumerate(folded) if text in known), None)
    return mapping


def check_mapping(mapping: dict[str, int | None], width: int) -> dict[str, int | None]:
    problems = {}
    for name, index in mapping.items():
        if index is not None and not 0 <= index < width:
            problems[name] = gettext("Choose one of the file's columns.")
    for name in ("given_name", "family_name", "email"):
        if mapping.get(name) is None:
            problems.setdefault(name, gettext("Choose the column that holds this."))
    if problems:
        raise InvalidInput(gettext("Some columns need your attention."), fields=problems)
    return {name: mapping.get(name) for name in FIELDS}


def _category_codes() -> dict[str, str]:
    codes = {fold(code): code for code in CATEGORIES}
    for language in i18n.LANGUAGES:
        token = i18n.set_language(language)
        try:
            codes |= {fold(category_label(code)): code for code in CATEGORIES}
        finally:
            i18n.reset_language(token)
    return codes


def _country_codes() -> dict[str, str]:
    """Codes by every name a spreadsheet may use: the UN's names of States and CLDR's common
    names ("United States" as well as "United States of America"), in each language."""
    codes = {fold(code): code for code in COUNTRY_CODES}
    for language in i18n.LANGUAGES:
        common = Locale.parse(language).territories
        codes |= {fold(common[code]): code for code in COUNTRY_CODES if code in common}
        codes |= {fold(country_name(code, language)): code for code in COUNTRY_CODES}
    return codes


# --- checking ---------------------------------------------------------------------------------


@dataclass
class RowCheck:
    line: int  # the row's line in the file (the header is line 1)
    values: dict[str, str]
    form: RegistrationForm | None = None
    problems: dict[str, str] = field(default_factory=dict)


def check_rows(rows: Iterable[list[str]], mapping: dict[str, int | None]) -> list[RowCheck]:
    """Every row through the form's rules, categories and countries also by their names."""
    categories = _category_codes()
    countries = _country_codes()
    checks: list[RowCheck] = []
    first_line: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        values = {
            name: (row[index] if index is not None else "") for name, index in mapping.items()
        }
        category = values["category"]
        country = values["country"]
        form = copy_fields(
            RegistrationForm,
            values,
            category=categories.get(fold(category), category),
            country=countries.get(fold(country), country),
            language=values["language"].strip().lower()[:2] or "en",
            consent=True,  # the organizer brings in people who gave their details to them
        )
        check = RowCheck(line=number, values=values)
        try:
            check.form = services.check_registration(form, {})
        except InvalidInput as exc:
            check.problems = dict(exc.fields)
        else:
            key = check.form.email.lower()
            if key in first_line:
                check.form = None
                check.problems = {
                    "email": gettext("This address is already on line %(line)d of the file.")
                    % {"line": first_line[key]}
                }
            else:
                first_line[key] = number
        checks.append(check)
    return checks


# --- running ----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    lines: list[tuple[int, str, str, str]] = field(
        default_factory=list
    )  # line, email, outcome, detail
    created: dict[str, int] = field(default_factory=dict)  # status → count
    unchanged: int = 0
    errors: int = 0

    @property
    def created_total(self) -> int:
        return sum(self.created.values())

    def summary(self) -> str:
        return gettext(
            "%(created)d registrations created (%(confirmed)d confirmed, %(waitlisted)d on the "
            "waiting list, %(pending)d awaiting approval), %(unchanged)d already registered and "
            "left unchanged, %(errors)d rows with errors."
        ) % {
            "created": self.created_total,
            "confirmed": self.created.get("confirmed", 0),
            "waitlisted": self.created.get("waitlisted", 0),
            "pending": self.created.get("pending", 0),
            "unchanged": self.unchanged,
            "errors": self.errors,
        }

    def csv_bytes(self) -> bytes:
        header = [gettext("Line"), gettext("Email"), gettext("Result"), gettext("Details")]
        return export.spreadsheet_csv(header, [list(line) for line in self.lines])


def _problem_text(problems: dict[str, str]) -> str:
    return "; ".join(f"{name}: {message}" for name, message in problems.items())


async def run_import(
    meeting: dict,
    checks: list[RowCheck],
    *,
    now: datetime,
    by: Actor,
    send_emails: bool,
    dry_run: bool = False,
    progress: Callable[[int, int], Awaitable[None]] | None = None,
) -> ImportReport:
    """Write the rows that passed, in file order; a dry run writes nothing and says what would."""
    report = ImportReport()
    total = len(checks)
    outcome_by_line: dict[int, tuple[str, str]] = {}
    good = [check for check in checks if check.form is not None]
    if dry_run:
        rows = await Registration.select(Registration.email_key).where(
            Registration.meeting == meeting["id"]
        )
        known = {row["email_key"] for row in rows}
        for check in good:
            if check.form.email.lower() in known:
                outcome_by_line[check.line] = ("unchanged", gettext("Already registered."))
            else:
                outcome_by_line[check.line] = ("new", gettext("Would be registered."))
    else:
        for start in range(0, len(good), CHUNK):
            chunk = good[start : start + CHUNK]
            outcomes = await services.import_forms(
                meeting["id"],
                [check.form for check in chunk],
                now=now,
                by=by,
                send_emails=send_emails,
            )
            for check, outcome in zip(chunk, outcomes, strict=True):
                if outcome.outcome == "created":
                    outcome_by_line[check.line] = ("created", outcome.status)
                else:
                    outcome_by_line[check.line] = ("unchanged", gettext("Already registered."))
            chunks = start // CHUNK + 1
            if chunks & (chunks - 1) == 0:  # after chunks 1, 2, 4, 8...: see db.analyze
                await db.analyze(Registration)
            if progress is not None:
                await progress(min(total, start + CHUNK), total)
    for check in checks:
        email = check.values.get("email", "")
        if check.form is None:
            report.errors += 1
            report.lines.append((check.line, email, "error", _problem_text(check.problems)))
            continue
        kind, detail = outcome_by_line[check.line]
        if kind == "created":
            report.created[detail] = report.created.get(detail, 0) + 1
            detail = services.status_label(detail)
        elif kind == "new":
            report.created["new"] = report.created.get("new", 0) + 1
        else:
            report.unchanged += 1
        report.lines.append((check.line, check.form.email, kind, detail))
    return report


# --- as a job ---------------------------------------------------------------------------------


def uploads_dir() -> Path:
    return jobs.results_dir() / "uploads"


async def queue_import_job(
    meeting: dict,
    upload: Path,
    filename: str,
    mapping: dict[str, int | None],
    *,
    send_emails: bool,
    now: datetime,
    by_user: tuple[int, str] | None,
) -> int:
    return await jobs.enqueue(
        KIND,
        meeting_id=meeting["id"],
        params={
            "upload": str(upload),
            "filename": filename,
            "mapping": mapping,
            "send_emails": send_emails,
            "language": i18n.current_language(),
            "by": list(by_user) if by_user else None,
        },
        user_id=by_user[0] if by_user else None,
        now=now,
    )


async def run_import_job(job: jobs.JobContext) -> jobs.Result:
    import asyncio

    from idmevents.registrations import desk

    params = job.params
    token = i18n.set_language(params.get("language") or "en")
    try:
        meeting = await desk.get_meeting_by_id(job.meeting_id)
        upload = Path(params["upload"])
        data = await asyncio.to_thread(upload.read_bytes)
        header, rows = read_table(params["filename"], data)
        mapping = check_mapping(params["mapping"], len(header))
        checks = check_rows(rows, mapping)
        await job.progress(0, len(checks))
        by = Actor(*params["by"]) if params.get("by") else Actor(None, "system")
        report = await run_import(
            meeting,
            checks,
            now=datetime.now(UTC),
            by=by,
            send_emails=params["send_emails"],
            progress=job.progress,
        )
        name = f"{meeting['slug']}-import-report.csv"
        path = job.directory / name
        await asyncio.to_thread(path.write_bytes, report.csv_bytes())
        await asyncio.to_thread(upload.unlink, True)
        return jobs.Result(path=path, name=name, media_type="text/csv", summary=report.summary())
    finally:
        i18n.reset_language(token)


def register_job_handlers() -> None:
    jobs.register_handler(KIND, run_import_job)

"""Importing registrations from CSV and XLSX: the form's rules per row, file order, idempotence."""

from __future__ import annotations

import csv
import io

import pytest

from idmevents.audit import Actor
from idmevents.errors import InvalidInput
from idmevents.mail.tables import OutboxMessage
from idmevents.registrations import imports
from idmevents.registrations.tables import Registration
from tests.factories.meetings import NOW, make_meeting

ORGANIZER = Actor(None, "organizer@example.org")

CSV = (
    "First name;Last name;E-mail;Organisation;Catégorie;Pays\r\n"
    "José;Álvarez;jose@example.org;Ministerio, Chile;member-state;CL\r\n"
    "Zoë;Müller;zoe@example.org;Migrant Voices;Civil society;Germany\r\n"
    "Ana;Person;ana@example.org;Mission;member-state;US\r\n"
    "Bad;Address;not-an-address;Somewhere;media;FR\r\n"
    "No;Country;nocountry@example.org;Mission;member-state;\r\n"
    "Twice;Again;JOSE@example.org;Ministerio;academia;CL\r\n"
    "Dan;Waiting;dan@example.org;University;academia;CH\r\n"
    "Eve;Waiting;eve@example.org;University;academia;CH\r\n"
).encode("utf-8-sig")


async def run(meeting, data=CSV, filename="people.csv", **options):
    header, rows = imports.read_table(filename, data)
    mapping = imports.check_mapping(imports.guess_mapping(header), len(header))
    checks = imports.check_rows(rows, mapping)
    options.setdefault("send_emails", False)
    return await imports.run_import(meeting, checks, now=NOW, by=ORGANIZER, **options)


async def people() -> dict[str, tuple[str, int | None]]:
    rows = await Registration.select(
        Registration.email, Registration.status, Registration.waitlist_seq
    ).order_by(Registration.id)
    return {row["email"]: (row["status"], row["waitlist_seq"]) for row in rows}


def test_headers_in_three_languages_are_mapped():
    header = ["Prénom", "Apellido", "Correo electrónico", "Organización", "Catégorie", "País"]
    assert imports.guess_mapping(header) == {
        "honorific": None,
        "given_name": 0,
        "family_name": 1,
        "email": 2,
        "organization": 3,
        "position": None,
        "category": 4,
        "country": 5,
        "language": None,
        "accessibility_needs": None,
    }


def test_honorific_headers_in_three_languages_are_mapped():
    for name in ("Honorific", "Civilité", "Tratamiento", "Titre honorifique"):
        assert imports.guess_mapping([name, "Given name"])["honorific"] == 0


async def test_import_keeps_the_honorific():
    meeting = await make_meeting(capacity=3)
    data = (
        b"Honorific,Given name,Family name,Email,Organization,Category,Country\r\n"
        b"H.E.,Jean,Dupont,jean@example.org,Mission of France,member-state,FR\r\n"
    )
    report = await run(meeting, data)
    assert [outcome for _, _, outcome, _ in report.lines] == ["created"]
    row = await Registration.select(Registration.honorific).first()
    assert row == {"honorific": "H.E."}


async def test_import_applies_the_form_rules_row_by_row_in_file_order():
    meeting = await make_meeting(capacity=3, approval_categories=("civil-society",))
    report = await run(meeting)
    assert await people() == {
        "jose@example.org": ("confirmed", None),
        "zoe@example.org": ("pending", None),  # civil society awaits approval
        "ana@example.org": ("confirmed", None),
        "dan@example.org": ("confirmed", None),  # the third seat
        "eve@example.org": ("waitlisted", 1),
    }
    errors = {line: detail for line, _, outcome, detail in report.lines if outcome == "error"}
    assert errors == {
        5: "email: Enter an email address in the form name@example.org.",
        6: "country: Choose the country of your delegation: Member States and Observers must "
        "name it.",
        7: "email: This address is already on line 2 of the file.",
    }
    assert (report.created, report.unchanged, report.errors) == (
        {"confirmed": 3, "pending": 1, "waitlisted": 1},
        0,
        3,
    )
    assert await OutboxMessage.count() == 0  # no emails unless asked
    lines = list(csv.reader(io.StringIO(report.csv_bytes().decode("utf-8-sig"))))
    assert lines[0] == ["Line", "Email", "Result", "Details"]
    assert lines[1] == ["2", "jose@example.org", "created", "Confirmed"]


async def test_a_second_import_changes_nothing():
    meeting = await make_meeting(capacity=3)
    await run(meeting)
    before = await Registration.select().order_by(Registration.id)
    report = await run(meeting)
    assert await Registration.select().order_by(Registration.id) == before
    assert (report.created_total, report.unchanged, report.errors) == (0, 5, 3)


async def test_a_dry_run_writes_nothing():
    meeting = await make_meeting(capacity=3)
    report = await run(meeting, dry_run=True)
    assert await Registration.count() == 0
    assert (report.created, report.errors) == ({"new": 5}, 3)


async def test_confirmation_emails_when_asked():
    meeting = await make_meeting(capacity=None)
    await run(meeting, send_emails=True)
    rows = await OutboxMessage.select(OutboxMessage.to_address, OutboxMessage.kind).order_by(
        OutboxMessage.id
    )
    assert [row["to_address"] for row in rows] == [
        "jose@example.org",
        "zoe@example.org",
        "ana@example.org",
        "dan@example.org",
        "eve@example.org",
    ]
    assert {row["kind"] for row in rows} == {"registration-confirmed"}


async def test_xlsx_is_read_like_csv():
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Given name", "Family name", "Email", "Organization", "Category", "Country"])
    sheet.append(
        ["Jürg", "Lauber", "jurg@example.org", "Mission of Switzerland", "Member State", "CH"]
    )
    sheet.append(["Ana", "Pérez", "ana@example.org", "UNHCR", "un-igo", None])
    sheet.append([None, None, None, None, None, None])  # blank rows are skipped
    buffer = io.BytesIO()
    workbook.save(buffer)
    meeting = await make_meeting(capacity=None)
    report = await run(meeting, data=buffer.getvalue(), filename="people.xlsx")
    assert report.errors == 0
    assert await people() == {
        "jurg@example.org": ("confirmed", None),
        "ana@example.org": ("confirmed", None),
    }


def test_unreadable_files_are_refused_with_a_message():
    with pytest.raises(InvalidInput) as refused:
        imports.read_table("people.xlsx", b"PK\x03\x04 not really a workbook")
    assert refused.value.fields == {
        "file": "This file cannot be read: send a CSV file or an Excel workbook (.xlsx)."
    }
    with pytest.raises(InvalidInput):
        imports.read_table("empty.csv", b"\r\n\r\n")


def test_a_mapping_without_names_or_email_is_refused():
    with pytest.raises(InvalidInput) as refused:
        imports.check_mapping({"given_name": 0, "family_name": 9}, width=3)
    assert refused.value.fields == {
        "family_name": "Choose one of the file's columns.",
        "email": "Choose the column that holds this.",
    }

"""`idmevents registrations import`: dry run, import, a second import that changes nothing, XLSX."""

from __future__ import annotations

from idmevents.mail.tables import OutboxMessage
from idmevents.registrations.tables import Registration
from tests.factories.meetings import make_meeting
from tests.integration.system.test_commands import run

CSV = (
    "Given name,Family name,Email,Organization,Category,Country\n"
    "José,Álvarez,jose@example.org,Ministerio,member-state,CL\n"
    "Ana,Person,ana@example.org,Mission,Member State,United States\n"
    "Bad,Row,bad@example.org,Mission,nonsense,CH\n"
)


async def test_import_command_dry_run_then_import_then_nothing_to_change(tmp_path):
    await make_meeting(slug="cli-meeting", capacity=1)
    people = tmp_path / "people.csv"
    people.write_text(CSV, encoding="utf-8")

    dry = run("registrations", "import", "--meeting", "cli-meeting", str(people), "--dry-run")
    assert dry.returncode == 1  # one row has errors
    assert "dry run: 2 would be registered, 0 already registered, 1 rows with errors" in dry.stdout
    assert "line 4: bad@example.org: category: Choose one of:" in dry.stderr
    assert await Registration.count() == 0

    first = run("registrations", "import", "--meeting", "cli-meeting", str(people))
    assert "2 registrations created (1 confirmed, 1 on the waiting list" in first.stdout
    rows = await Registration.select(Registration.email, Registration.status).order_by(
        Registration.id
    )
    assert rows == [
        {"email": "jose@example.org", "status": "confirmed"},
        {"email": "ana@example.org", "status": "waitlisted"},
    ]
    assert await OutboxMessage.count() == 0

    second = run("registrations", "import", "--meeting", "cli-meeting", str(people))
    assert "0 registrations created" in second.stdout
    assert "2 already registered and left unchanged" in second.stdout
    assert (
        await Registration.select(Registration.email, Registration.status).order_by(Registration.id)
        == rows
    )


async def test_import_command_reads_xlsx_and_sends_emails_when_asked(tmp_path):
    from openpyxl import Workbook

    await make_meeting(slug="cli-meeting", capacity=None)
    workbook = Workbook()
    workbook.active.append(["Prénom", "Nom", "Courriel", "Organisation", "Catégorie", "Pays"])
    workbook.active.append(["Jürg", "Lauber", "jurg@example.org", "Mission", "member-state", "CH"])
    path = tmp_path / "people.xlsx"
    workbook.save(path)
    done = run("registrations", "import", "--meeting", "cli-meeting", str(path), "--send-emails")
    assert done.returncode == 0, done.stderr
    assert "1 registrations created (1 confirmed" in done.stdout
    assert await OutboxMessage.count() == 1


def test_import_command_of_an_unknown_meeting_fails_cleanly(tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(CSV, encoding="utf-8")
    failed = run("registrations", "import", "--meeting", "nowhere", str(people))
    assert failed.returncode == 1
    assert failed.stderr.startswith("error: ")
    assert "Traceback" not in failed.stderr

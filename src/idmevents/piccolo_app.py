"""The one Piccolo app: every table of every domain, migrations in the top-level migrations/."""

from piccolo.conf.apps import AppConfig

from idmevents.audit.tables import AuditEntry
from idmevents.auth.tables import ApiToken, PasswordReset, StoreEntry, User
from idmevents.delegations.tables import Delegate, Delegation, VisaLetter
from idmevents.jobs.tables import Job
from idmevents.mail.tables import OutboxMessage
from idmevents.meetings.tables import (
    AgendaChange,
    Meeting,
    MeetingSession,
    MeetingTeam,
    Panelist,
    PanelistUnavailability,
    Room,
    SessionPanelist,
)
from idmevents.registrations.tables import (
    CheckIn,
    NoticeDelivery,
    Registration,
    ReminderDelivery,
    SeatHold,
    SessionAttendance,
)
from idmevents.settings import MIGRATIONS_DIR

# In dependency order: a table comes after every table it references.
TABLES = [
    User,
    ApiToken,
    PasswordReset,
    AuditEntry,
    StoreEntry,
    Meeting,
    Room,
    MeetingSession,
    AgendaChange,
    Panelist,
    SessionPanelist,
    PanelistUnavailability,
    SeatHold,
    MeetingTeam,
    Registration,
    SessionAttendance,
    CheckIn,
    Delegation,
    Delegate,
    VisaLetter,
    ReminderDelivery,
    OutboxMessage,
    Job,
    NoticeDelivery,
]

APP_CONFIG = AppConfig(
    app_name="idmevents",
    migrations_folder_path=str(MIGRATIONS_DIR),
    table_classes=TABLES,
    migration_dependencies=[],
    commands=[],
)

"""The one Piccolo app: every table of every domain, migrations in the top-level migrations/."""

from piccolo.conf.apps import AppConfig, table_finder
from piccolo.table import sort_table_classes

from idmevents.settings import MIGRATIONS_DIR

# Each domain's tables module: a table added to one of them joins the app by itself.
TABLE_MODULES = [
    "idmevents.audit.tables",
    "idmevents.auth.tables",
    "idmevents.delegations.tables",
    "idmevents.jobs.tables",
    "idmevents.mail.tables",
    "idmevents.meetings.tables",
    "idmevents.registrations.tables",
]

# In dependency order: a table comes after every table it references.
TABLES = sort_table_classes(table_finder(modules=TABLE_MODULES, exclude_imported=True))

APP_CONFIG = AppConfig(
    app_name="idmevents",
    migrations_folder_path=str(MIGRATIONS_DIR),
    table_classes=TABLES,
    migration_dependencies=[],
    commands=[],
)

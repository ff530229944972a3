"""The one Piccolo app: every table of every domain, migrations in the top-level migrations/."""

from types import ModuleType

from piccolo.conf.apps import AppConfig
from piccolo.table import Table, sort_table_classes

from idmevents.audit import tables as audit
from idmevents.auth import tables as auth
from idmevents.delegations import tables as delegations
from idmevents.jobs import tables as jobs
from idmevents.mail import tables as mail
from idmevents.meetings import tables as meetings
from idmevents.registrations import tables as registrations
from idmevents.settings import MIGRATIONS_DIR


def _tables_of(*modules: ModuleType) -> list[type[Table]]:
    """The tables each module defines (not those it imports): a table added to a domain's
    tables module joins the app by itself."""
    return [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Table)
        and value.__module__ == module.__name__
    ]


# In dependency order: a table comes after every table it references.
TABLES = sort_table_classes(
    _tables_of(audit, auth, delegations, jobs, mail, meetings, registrations)
)

APP_CONFIG = AppConfig(
    app_name="idmevents",
    migrations_folder_path=str(MIGRATIONS_DIR),
    table_classes=TABLES,
    migration_dependencies=[],
    commands=[],
)

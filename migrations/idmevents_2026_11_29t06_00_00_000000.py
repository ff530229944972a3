"""outbox_message.recipe: what to render, for emails the worker renders instead of the request.

A registration's own email is queued as a recipe (JSON naming the renderer and what it needs) and
an empty `raw`; the worker renders it once, stores the bytes under the Message-ID given when it
was queued, and only then sends: every retry still sends the very same bytes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-29T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox_message.recipe for emails rendered by the worker"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="idmevents", description=DESCRIPTION)

    manager.add_column(
        table_class_name="OutboxMessage",
        tablename="outbox_message",
        column_name="recipe",
        db_column_name="recipe",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager

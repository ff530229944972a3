"""The audit log's one table: who changed what and when.

It sits below every domain, accounts included, so that every domain can write to it; its link to
the account that made a change is therefore a lazy reference (Piccolo resolves it by name when
first used) instead of an import of the accounts' table.
"""

from piccolo.columns import JSON, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table


class AuditEntry(Table, tablename="audit_entry"):
    at = Timestamptz(default=TimestamptzNow(), index=True)
    user = ForeignKey(
        references=LazyTableReference("User", module_path="idmevents.auth.tables"),
        null=True,
        on_delete=OnDelete.set_null,
    )
    actor = Varchar(length=320, default="")  # who, as shown: an email, "participant", "system"
    action = Varchar(length=60)
    entity_type = Varchar(length=40)
    entity_id = Integer(null=True, default=None)
    meeting_slug = Varchar(length=100, default="")
    summary = Text(default="")
    data = JSON(default="{}")

"""The outbox: every email is a row, written in the transaction that causes it.

Mail sits below the domains whose changes send email, so the meeting and the registration a message
is about are lazy references (resolved by name when first used), not imports of their tables.
"""

from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table


class OutboxMessage(Table, tablename="outbox_message"):
    message_id = Varchar(length=250, unique=True)  # one per row: a retried send is recognisable
    kind = Varchar(length=40)  # confirmed, waitlisted, promoted, password-reset, ...
    to_address = Varchar(length=320)
    subject = Varchar(length=500)
    # The whole RFC 5322 message, rendered once: when queued, or, for a row queued as a `recipe`,
    # by the first worker (or page) that needs it, before the first attempt to send it.
    raw = Text()
    recipe = Text(default="")  # JSON: {"renderer": ..., ...}; "" when queued already rendered
    meeting = ForeignKey(
        references=LazyTableReference("Meeting", module_path="idmevents.meetings.tables"),
        null=True,
        on_delete=OnDelete.set_null,
    )
    registration = ForeignKey(
        references=LazyTableReference("Registration", module_path="idmevents.registrations.tables"),
        null=True,
        on_delete=OnDelete.set_null,
    )
    status = Varchar(length=20, default="queued", index=True)  # queued | sending | sent | failed
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow(), index=True)
    # A worker that claims a row holds it until then; a killed worker's rows come back after it.
    claimed_until = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)

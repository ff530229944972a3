"""The outbox: every email is a row, written in the transaction that causes it."""

from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from idmevents.meetings.tables import Meeting
from idmevents.registrations.tables import Registration


class OutboxMessage(Table, tablename="outbox_message"):
    message_id = Varchar(length=250, unique=True)  # one per row: a retried send is recognisable
    kind = Varchar(length=40)  # confirmed, waitlisted, promoted, password-reset, ...
    to_address = Varchar(length=320)
    subject = Varchar(length=500)
    # The whole RFC 5322 message, rendered once: when queued, or, for a row queued as a `recipe`,
    # by the first worker (or page) that needs it, before the first attempt to send it.
    raw = Text()
    recipe = Text(default="")  # JSON: {"renderer": ..., ...}; "" when queued already rendered
    meeting = ForeignKey(references=Meeting, null=True, on_delete=OnDelete.set_null)
    registration = ForeignKey(references=Registration, null=True, on_delete=OnDelete.set_null)
    status = Varchar(length=20, default="queued", index=True)  # queued | sending | sent | failed
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow(), index=True)
    # A worker that claims a row holds it until then; a killed worker's rows come back after it.
    claimed_until = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)

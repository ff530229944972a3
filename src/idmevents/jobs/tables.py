"""The job queue: one row per piece of long work (a badge batch, an export), run by the worker.

Jobs sit just above mail: the domains whose work they run (badges, registrations) sit above them
and hand their handlers over where the program is wired, so the meeting and the user a job
belongs to are lazy references here, not imports.
"""

from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table


class Job(Table, tablename="job"):
    kind = Varchar(length=40)  # badges, registrations-csv, ...
    meeting = ForeignKey(
        references=LazyTableReference("Meeting", module_path="idmevents.meetings.tables"),
        null=True,
        on_delete=OnDelete.cascade,
        index=True,
    )
    created_by = ForeignKey(
        references=LazyTableReference("User", module_path="idmevents.auth.tables"),
        null=True,
        on_delete=OnDelete.set_null,
        index=True,
    )
    params = Text(default="{}")  # JSON: what the handler needs (filters, paper, language...)
    status = Varchar(
        length=20, default="queued", index=True
    )  # queued|running|done|failed|cancelled
    done = Integer(default=0)  # progress: `done` of `total` units (badges, rows)
    total = Integer(default=0)
    cancel_requested = Boolean(default=False)
    # The result file, under var/jobs/, its name for the download and its media type.
    result_path = Varchar(length=500, default="")
    result_name = Varchar(length=200, default="")
    result_type = Varchar(length=100, default="")
    summary = Text(default="")  # what the result holds, in a sentence (shown on the page)
    error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    # A worker that claims a job holds it until then and renews it while it runs; a killed
    # worker's job is taken over after it.
    claimed_until = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)

"""The ASGI application that `idmevents serve` (granian or uvicorn) loads.

With IDMEVENTS_EMBEDDED_WORKER on (the default) each process also runs the outbox worker and the job worker: with
`serve --workers N` that is N workers, which is safe because each claims its own messages.
"""

from idmevents.app import create_app
from idmevents.jobs.worker import run_embedded_worker as run_embedded_job_worker
from idmevents.mail.worker import run_embedded_worker
from idmevents.settings import get_settings

# The job worker runs beside the outbox worker: jobs live in the database, so a job in hand when
# the process stops is taken over by the next worker after its lease.
app = create_app(
    background=[run_embedded_worker, run_embedded_job_worker]
    if get_settings().mail.embedded_worker
    else []
)

"""The ASGI application that `idmevents serve` (granian or uvicorn) loads.

With IDMEVENTS_EMBEDDED_WORKER on (the default) each process also runs the outbox worker: with
`serve --workers N` that is N workers, which is safe because each claims its own messages.
"""

from idmevents.app import create_app
from idmevents.mail.worker import run_embedded_worker
from idmevents.settings import get_settings

app = create_app(background=[run_embedded_worker] if get_settings().mail.embedded_worker else [])

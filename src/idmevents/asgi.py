"""The ASGI application that `idmevents serve` and uvicorn load."""

from idmevents.app import create_app

app = create_app()

"""The ceiling: a bare Litestar app that answers "Hello, world" with no database, no templates.

Served by the same `idmevents.server.run` as the real app, with the same server and worker count,
so that the ratio real/ceiling says what our code costs on top of the framework and the server.
"""

from litestar import Litestar, MediaType, get


@get("/", media_type=MediaType.TEXT, sync_to_thread=False)
def hello() -> str:
    return "Hello, world"


app = Litestar(route_handlers=[hello], openapi_config=None)

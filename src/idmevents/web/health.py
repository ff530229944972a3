"""/health: whether this process can reach its database, for load balancers."""

from litestar import MediaType, Response, get

from idmevents.db import database_answers


@get("/health", name="health", media_type=MediaType.JSON, tags=["operations"], cache=False)
async def health() -> Response[dict[str, str]]:
    """200 when the database answers, 503 when it does not."""
    if await database_answers():
        return Response({"status": "ok", "database": "ok"}, status_code=200)
    return Response({"status": "unavailable", "database": "unreachable"}, status_code=503)

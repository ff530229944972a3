"""/health: whether this process can reach what it depends on, for load balancers."""

from litestar import MediaType, Request, Response, get

from idmevents.db import OUTAGE_RETRY_AFTER_SECONDS, database_answers
from idmevents.stores import redis_answers


@get("/health", name="health", media_type=MediaType.JSON, tags=["operations"], cache=False)
async def health(request: Request) -> Response[dict[str, str]]:
    """200 when the database (and Redis, when configured) answer; 503 naming what does not."""
    body = {"status": "ok", "database": "ok"}
    if not await database_answers():
        body["database"] = "unreachable"
    redis = request.app.state.get("redis")
    if redis is not None:
        body["redis"] = "ok" if await redis_answers(redis) else "unreachable"
    if "unreachable" in body.values():
        body["status"] = "unavailable"
        return Response(
            body, status_code=503, headers={"Retry-After": str(OUTAGE_RETRY_AFTER_SECONDS)}
        )
    return Response(body, status_code=200)

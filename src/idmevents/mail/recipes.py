"""Emails queued as recipes: the request writes what to say, the first reader renders it once.

Rendering an email (templates, a calendar invitation, the MIME message) costs several times what
deciding a registration does. For the emails of the busiest path, a burst of registrations, the
request therefore queues a *recipe*: a small JSON object naming a renderer and what it needs, with
the Message-ID and Date fixed at once. Whoever needs the bytes first (the worker about to send, an
organizer opening the message, a test) renders them with `rendered_raw` and stores them; from then
on the row is like any other, and every retry sends the very same bytes.

Renderers are registered, not imported, here: mail sits below the domains that write emails, so
each domain hands its renderer over (`register_renderer`) where the program is wired (the app, the
worker command, the tests). A recipe stores the renderer's name, never the function.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from idmevents.db import first_found
from idmevents.mail.message import Email, build_message, new_message_id
from idmevents.mail.outbox import message_domain
from idmevents.mail.send import PermanentFailure
from idmevents.mail.tables import OutboxMessage
from idmevents.settings import get_settings

Renderer = Callable[[dict[str, Any], datetime], Awaitable[Email]]

# name -> the function that takes (recipe, queued_at) and returns the Email.
RENDERERS: dict[str, Renderer] = {}


class UnknownRenderer(ValueError):
    """A recipe names a renderer nobody registered: the program was wired without it."""


def register_renderer(name: str, renderer: Renderer) -> None:
    """Make `renderer` write the recipes that name `name`. Registering the same pair again is
    harmless (every wiring calls it); another function under a taken name is a mistake."""
    current = RENDERERS.get(name)
    if current is not None and current is not renderer:
        raise ValueError(f"an email renderer called {name!r} is already registered")
    RENDERERS[name] = renderer


def lookup_renderer(name: str) -> Renderer:
    """The renderer registered as `name`; UnknownRenderer when there is none."""
    try:
        return RENDERERS[name]
    except KeyError:
        known = ", ".join(sorted(RENDERERS)) or "none"
        raise UnknownRenderer(
            f"no email renderer called {name!r} is registered (registered: {known}); "
            "was the program wired (idmevents.wiring.wire)?"
        ) from None


def recipe_values(
    renderer: str,
    recipe: dict[str, Any],
    *,
    kind: str,
    to_address: str,
    meeting_id: int | None,
    registration_id: int | None,
    now: datetime,
) -> dict[str, Any]:
    """The outbox row of an email queued as a recipe (for `OutboxMessage(**values)`)."""
    lookup_renderer(renderer)  # an unknown name fails now, not when the email is sent
    return {
        "message_id": new_message_id(message_domain()),
        "kind": kind,
        "to_address": to_address,
        "subject": "",
        "raw": "",
        "recipe": json.dumps({"renderer": renderer, **recipe}),
        "meeting": meeting_id,
        "registration": registration_id,
        "status": "queued",
        "next_attempt_at": now,
        "created_at": now,
    }


async def enqueue_recipe(renderer: str, recipe: dict[str, Any], **row: Any) -> int:
    """Queue an email as a recipe, in the caller's transaction; returns the outbox row's id."""
    values = recipe_values(renderer, recipe, **row)
    rows = await OutboxMessage.insert(OutboxMessage(**values)).returning(OutboxMessage.id)
    return rows[0]["id"]


async def rendered_raw(outbox_id: int) -> str:
    """The message's bytes, rendering and storing them first if it was queued as a recipe.

    Two renderers racing on one row both render, but only the first to store wins (the update
    only writes an empty `raw`), and both return what was stored: one Message-ID, one body.
    PermanentFailure when what the email is about no longer exists.
    """
    row = await first_found(
        OutboxMessage.select(
            OutboxMessage.raw,
            OutboxMessage.recipe,
            OutboxMessage.message_id,
            OutboxMessage.created_at,
        ).where(OutboxMessage.id == outbox_id),
        "No such message in the outbox.",
    )
    if row["raw"]:
        return row["raw"]
    if not row["recipe"]:
        return ""  # erased with the personal data of its meeting or its registration
    recipe = json.loads(row["recipe"])
    try:
        email = await lookup_renderer(recipe["renderer"])(recipe, row["created_at"])
    except LookupError as exc:  # what it was about is gone: no later attempt can write it
        raise PermanentFailure(f"the email could not be written: {exc}") from exc
    message = build_message(
        email,
        mail_from=get_settings().mail.mail_from,
        message_id=row["message_id"],
        date=row["created_at"],
    )
    await OutboxMessage.update(
        {OutboxMessage.raw: message.as_string(), OutboxMessage.subject: str(message["Subject"])}
    ).where((OutboxMessage.id == outbox_id) & (OutboxMessage.raw == ""))
    stored = await OutboxMessage.select(OutboxMessage.raw).where(OutboxMessage.id == outbox_id)
    return stored[0]["raw"]


async def render_waiting(*, limit: int | None = None) -> int:
    """Render every message still waiting as a recipe (oldest first); returns how many."""
    query = (
        OutboxMessage.select(OutboxMessage.id)
        .where((OutboxMessage.raw == "") & (OutboxMessage.recipe != ""))
        .order_by(OutboxMessage.id)
    )
    if limit is not None:
        query = query.limit(limit)
    ids = [row["id"] for row in await query]
    for outbox_id in ids:
        await rendered_raw(outbox_id)
    return len(ids)

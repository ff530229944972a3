"""One-time notices shown on the next admin page ("The account was created."), kept in the session."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar import Request

_KEY = "flash"


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """Remember a notice for the next page; only for signed-in users, who have a session anyway."""
    request.session.setdefault(_KEY, []).append({"message": message, "kind": kind})


def pop_flashes(request: Request) -> list[dict]:
    session = request.scope.get("session")
    if not isinstance(session, dict) or _KEY not in session:
        return []
    return session.pop(_KEY)

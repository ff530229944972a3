"""The one error tree. Services raise these; one handler in app.py turns them into HTML or JSON.

AppError
├── NotFound       404  the thing does not exist (or is not yours to see)
├── InvalidInput   422  the input's shape or values are wrong; `fields` names each bad field
├── Conflict       409  the input is fine but the state forbids it (closed, duplicate, full)
├── Unauthorized   401  no credentials, or credentials that are not valid
├── Forbidden      403  valid credentials without the right
└── TooLarge       413  the body is over the limit
"""

from __future__ import annotations


class AppError(Exception):
    status_code = 400
    title = "Bad request"

    def __init_subclass__(cls, status: int | None = None, title: str | None = None, **kwargs):
        """`class NotFound(AppError, status=404, title="Not found")` sets both at once."""
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status_code = status
        if title is not None:
            cls.title = title

    def __init__(self, message: str = "", *, fields: dict[str, str] | None = None, **extra):
        super().__init__(message or self.title)
        self.message = message or self.title
        self.fields = fields or {}
        self.extra = extra


class NotFound(AppError, status=404, title="Not found"): ...


class InvalidInput(AppError, status=422, title="Invalid input"): ...


class Conflict(AppError, status=409, title="Conflict"): ...


class Unauthorized(AppError, status=401, title="Authentication required"): ...


class Forbidden(AppError, status=403, title="Forbidden"): ...


class TooLarge(AppError, status=413, title="Request body too large"): ...

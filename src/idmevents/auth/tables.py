"""Users, API tokens, password resets, and a key-value store shared by processes."""

from piccolo.columns import (
    Boolean,
    Bytea,
    ForeignKey,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class User(Table, tablename="app_user"):
    email = Varchar(length=320, unique=True, index=True)
    display_name = Varchar(length=200, default="")
    password_hash = Varchar(length=255)
    role = Varchar(length=20)  # admin | organizer | checkin
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


class ApiToken(Table, tablename="api_token"):
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=200, default="")
    prefix = Varchar(length=16)  # shown in lists so a person can tell tokens apart
    token_hash = Varchar(length=128, unique=True, index=True)  # sha256 of the secret
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class PasswordReset(Table, tablename="password_reset"):
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade)
    token_hash = Varchar(length=128, unique=True, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class StoreEntry(Table, tablename="store_entry"):
    """Litestar's Store on the database: sessions and rate limits that every process sees."""

    key = Varchar(length=400, unique=True, index=True)
    value = Bytea()
    expires_at = Timestamptz(null=True, default=None)

"""Running an ASGI app under an HTTP server: granian (the default) or uvicorn.

`idmevents serve` calls `run("idmevents.asgi:app", …)`; the benchmarks call it with their own
hello-world app, so that the ceiling they measure is the same server with the same options. Both
servers trust X-Forwarded-For and X-Forwarded-Proto only from IDMEVENTS_FORWARDED_ALLOW_IPS (the
reverse proxy): the client address they yield is what the rate limits count, and a client must not
be able to pick its own.
"""

from __future__ import annotations

import copy
import importlib
import logging
import os
import re

SERVERS = ("granian", "uvicorn")
# On SIGTERM, requests in flight get this long to finish before the workers are stopped.
GRACEFUL_SHUTDOWN_SECONDS = 20
# Granian's factory reads the app to serve from here, in each of its worker processes.
_TARGET_VARIABLE = "IDMEVENTS_GRANIAN_TARGET"
_TRUSTED_VARIABLE = "IDMEVENTS_GRANIAN_TRUSTED"


# URLs whose path is a secret: a participant's private link, a password-reset link. Access logs
# keep the first four characters (enough to match a complaint to a line) and drop the rest.
_SECRET_PATHS = re.compile(r"(/r/|/admin/password-reset/)([A-Za-z0-9_\-]{4})[A-Za-z0-9_\-%.~]+")


def mask_secrets(text: str) -> str:
    """`text` with the secret part of every private link replaced by an ellipsis."""
    return _SECRET_PATHS.sub(r"\1\2…", text)


class MaskSecrets(logging.Filter):
    """Rewrites an access-log record's arguments (granian: a dict, uvicorn: a tuple) masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):
            record.args = {
                key: mask_secrets(value) if isinstance(value, str) else value
                for key, value in record.args.items()
            }
        elif isinstance(record.args, tuple):
            record.args = tuple(
                mask_secrets(value) if isinstance(value, str) else value for value in record.args
            )
        elif isinstance(record.msg, str):
            record.msg = mask_secrets(record.msg)
        return True


def _with_masked_access_log(config: dict, handler: str = "access") -> dict:
    config = copy.deepcopy(config)
    config.setdefault("filters", {})["mask_secrets"] = {"()": "idmevents.server.MaskSecrets"}
    config["handlers"][handler].setdefault("filters", []).append("mask_secrets")
    return config


def granian_log_config() -> dict:
    from granian.log import LOGGING_CONFIG

    return _with_masked_access_log(LOGGING_CONFIG)


def uvicorn_log_config() -> dict:
    from uvicorn.config import LOGGING_CONFIG

    return _with_masked_access_log(LOGGING_CONFIG)


def run(
    target: str,
    *,
    host: str,
    port: int,
    workers: int,
    server: str,
    forwarded_allow_ips: str = "127.0.0.1",
    access_log: bool = True,
) -> None:
    """Serve `target` ("module:attribute") until SIGTERM/SIGINT, with `workers` processes."""
    if server == "uvicorn":
        import uvicorn

        uvicorn.run(
            target,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
            forwarded_allow_ips=forwarded_allow_ips,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            access_log=access_log,
            log_level="info",
            log_config=uvicorn_log_config(),
        )
    elif server == "granian":
        from granian.constants import Interfaces
        from granian.server import Server

        os.environ[_TARGET_VARIABLE] = target
        os.environ[_TRUSTED_VARIABLE] = forwarded_allow_ips
        Server(
            "idmevents.server:granian_app",
            address=host,
            port=port,
            interface=Interfaces.ASGI,
            workers=workers,
            factory=True,
            log_access=access_log,
            log_dictconfig=granian_log_config(),
            respawn_failed_workers=True,
            workers_kill_timeout=GRACEFUL_SHUTDOWN_SECONDS,
        ).serve()
    else:
        raise ValueError(f"unknown server {server!r}: choose one of {', '.join(SERVERS)}")


def load(target: str):
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute or "app")


def granian_app():
    """The app for one granian worker, behind the proxy-header check uvicorn does itself."""
    from granian.utils.proxies import wrap_asgi_with_proxy_headers

    app = load(os.environ[_TARGET_VARIABLE])
    return wrap_asgi_with_proxy_headers(app, os.environ.get(_TRUSTED_VARIABLE, "127.0.0.1"))

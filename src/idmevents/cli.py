"""The `idmevents` command: migrate, demo, serve, worker, user, token."""

from __future__ import annotations

import argparse
import asyncio
import sys

import idmevents  # noqa: F401  (sets PICCOLO_CONF before Piccolo looks for it)


async def migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from idmevents.db import configure_sqlite
    from idmevents.settings import get_settings

    settings = get_settings()
    if settings.database.is_sqlite:
        from pathlib import Path

        Path(settings.database.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    await configure_sqlite()
    response = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not response.success:
        raise SystemExit(f"migration failed: {response.message}")


async def demo(as_announced: bool) -> None:
    from idmevents.demo import load_demo

    await migrate()
    counts = await load_demo(as_announced=as_announced)
    print(
        f"demo loaded: {counts['meetings']} meetings, {counts['sessions']} sessions, "
        f"{counts['panelists']} panelists"
    )


def check_mail_settings() -> None:
    """A bad IDMEVENTS_SMTP_URL stops the command at once, not at the first email."""
    from idmevents.mail.send import sender_from_settings
    from idmevents.settings import get_settings

    try:
        sender_from_settings(get_settings())
    except ValueError as exc:
        raise SystemExit(f"idmevents: {exc}") from None


def serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    from idmevents.settings import get_settings

    if get_settings().mail.embedded_worker:
        check_mail_settings()

    uvicorn.run(
        "idmevents.asgi:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        log_level="info",
    )


async def worker() -> None:
    """The outbox worker until SIGTERM or SIGINT; a second signal stops it without waiting."""
    import logging
    import signal

    from idmevents.db import close_pool, configure_sqlite, start_pool
    from idmevents.mail.worker import run_worker
    from idmevents.settings import get_settings

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = get_settings()
    stop = asyncio.Event()
    main_task = asyncio.current_task()

    def on_signal() -> None:
        if stop.is_set():
            main_task.cancel()
        stop.set()  # finish the message in hand, give the rest of the batch back, exit

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal)
    await configure_sqlite()
    # One pass uses one connection at a time; a second one spares a wait while a claim commits.
    await start_pool(min(settings.database.pool_size, 2))
    try:
        await run_worker(settings, stop=stop)
    finally:
        await close_pool()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="idmevents", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="bring the database schema up to date")
    demo_parser = commands.add_parser("demo", help="migrate, then load the IDM 2017 demo data")
    demo_parser.add_argument(
        "--as-announced",
        action="store_true",
        help="use the 2017 dates instead of the coming year's",
    )
    serve_parser = commands.add_parser("serve", help="serve the web app")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000)
    serve_parser.add_argument("--workers", type=int, default=1)
    commands.add_parser(
        "worker", help="send the outbox (by SMTP, or to var/mail/ without IDMEVENTS_SMTP_URL)"
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "migrate":
        asyncio.run(migrate())
        print("database is up to date")
    elif args.command == "demo":
        asyncio.run(demo(args.as_announced))
    elif args.command == "serve":
        serve(args.host, args.port, args.workers)
    elif args.command == "worker":
        check_mail_settings()
        try:
            asyncio.run(worker())
        except asyncio.CancelledError:  # a second signal: stop now
            raise SystemExit(1) from None
    else:  # pragma: no cover - argparse rejects unknown commands first
        parser.error(f"unknown command {args.command}")


if __name__ == "__main__":
    main(sys.argv[1:])

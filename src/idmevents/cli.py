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


def serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    uvicorn.run(
        "idmevents.asgi:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        log_level="info",
    )


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
    else:  # pragma: no cover - argparse rejects unknown commands first
        parser.error(f"unknown command {args.command}")


if __name__ == "__main__":
    main(sys.argv[1:])

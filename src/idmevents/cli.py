"""The `idmevents` command: migrate, demo, serve, worker, backup, restore, user, token,
registrations import."""

from __future__ import annotations

import argparse
import asyncio
import sys

import idmevents  # noqa: F401  (sets PICCOLO_CONF before Piccolo looks for it)


async def migrate() -> None:
    """Applies the migrations not yet run and says so in one line.

    Piccolo's own report counts every migration as "already complete" before saying how many are
    not yet run ("15 already complete", then "15 not yet run" on a new database), so its output
    is kept for a failure, and the summary is ours.
    """
    import contextlib
    import io

    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.apps.migrations.tables import Migration

    from idmevents.db import configure_sqlite
    from idmevents.settings import get_settings

    get_settings()
    await configure_sqlite(create=True)
    piccolo_report = io.StringIO()
    with contextlib.redirect_stdout(piccolo_report):
        before = await _migrations_applied(Migration)
        response = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not response.success:
        print(piccolo_report.getvalue(), end="", file=sys.stderr)
        raise SystemExit(f"migration failed: {response.message}")
    applied = await _migrations_applied(Migration) - before
    if applied:
        print(f"applied {applied} migration{'s' if applied != 1 else ''}")


async def _migrations_applied(migration_table) -> int:
    if not await migration_table.table_exists():
        return 0
    return await migration_table.count()


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
        raise SystemExit(f"error: {exc}") from None


def check_secret_key() -> None:
    """A placeholder or short IDMEVENTS_SECRET_KEY stops the command: anyone could forge sessions."""
    from idmevents.settings import get_settings, secret_key_problem

    if problem := secret_key_problem(get_settings().secret_key):
        raise SystemExit(f"idmevents: error: {problem}")


def listen_base_url(host: str, port: int) -> str:
    """The address a browser on this machine reaches `serve --host H --port P` at."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def serve(host: str, port: int, workers: int, server: str | None) -> None:
    """The web app in `workers` processes, each with its own lifespan (pool, embedded worker)."""
    import os

    from idmevents import server as http_server
    from idmevents.settings import BASE_URL_FROM_LISTEN, get_settings, reset_settings

    # Without IDMEVENTS_BASE_URL, links in emails and feeds name the address we listen on (not
    # the default port): exported before the workers start, every process and worker sees it.
    if not os.environ.get("IDMEVENTS_BASE_URL"):
        os.environ["IDMEVENTS_BASE_URL"] = listen_base_url(host, port)
        os.environ[BASE_URL_FROM_LISTEN] = "1"
        reset_settings()
    settings = get_settings()
    if settings.mail.embedded_worker:
        check_mail_settings()
    server = server or settings.server
    if server not in http_server.SERVERS:
        raise SystemExit(
            f"idmevents: IDMEVENTS_SERVER must be one of {', '.join(http_server.SERVERS)}, "
            f"not {server!r}"
        )
    http_server.run(
        "idmevents.asgi:app",
        host=host,
        port=port,
        workers=workers,
        server=server,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


async def worker() -> None:
    """The outbox and job workers until SIGTERM or SIGINT; a second signal stops them at once."""
    import logging
    import signal

    from idmevents import wiring
    from idmevents.db import close_pool, configure_sqlite, start_pool
    from idmevents.jobs.worker import run_worker as run_job_worker
    from idmevents.mail.worker import run_worker
    from idmevents.settings import get_settings

    wiring.register_mail_renderers()
    wiring.register_worker_chores()
    wiring.register_job_handlers()

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
    # Each worker uses one connection at a time; a spare one saves a wait while a claim commits.
    await start_pool(min(settings.database.pool_size, 3))
    try:
        # The outbox and the jobs, side by side: a long badge batch never holds up the mail.
        await asyncio.gather(run_worker(settings, stop=stop), run_job_worker(settings, stop=stop))
    finally:
        await close_pool()


def backup_command(path: str) -> None:
    """`idmevents backup PATH`: a consistent copy of the SQLite database, taken while serving."""
    from pathlib import Path

    from idmevents import backup
    from idmevents.settings import get_settings

    database = get_settings().database
    if not database.is_sqlite:
        raise SystemExit(
            "idmevents: backup copies the embedded SQLite database; this site uses PostgreSQL: "
            "use pg_dump -Fc (deploy/README.md, 'Backups')"
        )
    try:
        counts = backup.backup(Path(database.sqlite_path), Path(path))
    except backup.BackupError as exc:
        raise SystemExit(f"idmevents: error: {exc}") from None
    print(f"backed up {sum(counts.values())} rows in {len(counts)} tables to {path}")


def restore_command(path: str, force: bool) -> None:
    """`idmevents restore PATH --force`: the database becomes the backup's content."""
    from pathlib import Path

    from idmevents import backup
    from idmevents.settings import get_settings

    database = get_settings().database
    if not database.is_sqlite:
        raise SystemExit(
            "idmevents: restore writes the embedded SQLite database; this site uses PostgreSQL: "
            "use pg_restore (deploy/README.md, 'Backups')"
        )
    try:
        counts = backup.check_backup(Path(path))
        if not force:
            raise SystemExit(
                f"idmevents: {path} is a whole backup ({sum(counts.values())} rows). Restoring "
                f"replaces everything in {database.sqlite_path}, including what was written "
                "since: run again with --force to do it (stop `idmevents serve` first if you can)"
            )
        backup.restore(Path(path), Path(database.sqlite_path))
    except backup.BackupError as exc:
        raise SystemExit(f"idmevents: error: {exc}") from None
    print(f"restored {sum(counts.values())} rows in {len(counts)} tables from {path}")


def read_new_password(from_stdin: bool) -> str:
    """The new account's password: one line of standard input, or typed twice at a prompt."""
    import getpass

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            print(
                "error: --password-stdin read no password: give it on the first line of "
                "standard input, e.g. `printf '%s\\n' \"$PASSWORD\" | idmevents user create …`",
                file=sys.stderr,
            )
            raise SystemExit(2)
        return password
    if not sys.stdin.isatty():
        raise SystemExit(
            "error: no terminal to ask for the password; pipe it in with --password-stdin"
        )
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password (again): ") != first:
        raise SystemExit("error: the two passwords differ")
    return first


async def user_create(email: str, role: str, name: str, password: str) -> None:
    from idmevents.auth import services

    user = await services.create_user(email, role, password, name)
    print(f"created {user['role']} {user['email']}")


async def user_list() -> None:
    from idmevents.auth import services

    for user in await services.list_users():
        state = "active" if user["active"] else "deactivated"
        print(f"{user['email']}\t{user['role']}\t{state}\t{user['display_name']}")


async def token_create(email: str, name: str) -> None:
    from idmevents.auth import services

    user = await services.get_user_by_email(email)
    if not user["active"]:
        raise SystemExit(f"error: the account {user['email']} is deactivated")
    row, secret = await services.create_token(user, name)
    print(secret)
    print(
        f"token {row['prefix']}… for {user['email']}: store it now, it is not shown again",
        file=sys.stderr,
    )


async def token_revoke(prefix: str) -> None:
    from idmevents.auth import services

    row = await services.find_token_by_prefix(prefix)
    await services.revoke_token(row["id"])
    print(f"revoked {row['prefix']}…")


async def token_list(email: str | None) -> None:
    from idmevents.auth import services

    user_id = (await services.get_user_by_email(email))["id"] if email else None
    for row in await services.list_tokens(user_id):
        state = "revoked" if row["revoked_at"] else "active"
        last = row["last_used_at"].isoformat() if row["last_used_at"] else "never used"
        print(f"{row['prefix']}\t{row['email']}\t{state}\t{last}\t{row['name']}")


async def registrations_import(slug: str, path: str, dry_run: bool, send_emails: bool) -> int:
    """`idmevents registrations import`: the desk's import, columns mapped from the headers.

    Prints the summary and each row's problem; exit status 1 when some rows have errors.
    """
    from datetime import UTC, datetime
    from pathlib import Path

    from idmevents import db, wiring
    from idmevents.audit import Actor
    from idmevents.registrations import desk, imports

    wiring.register_mail_renderers()  # confirmations are queued as recipes
    await db.configure_sqlite()
    meeting = await desk.get_meeting(slug)
    file = Path(path)
    try:
        data = await asyncio.to_thread(file.read_bytes)
    except OSError as exc:
        raise SystemExit(f"error: cannot read {path}: {exc.strerror}") from None
    header, rows = imports.read_table(file.name, data)
    mapping = imports.check_mapping(imports.guess_mapping(header), len(header))
    checks = imports.check_rows(rows, mapping)
    report = await imports.run_import(
        meeting,
        checks,
        now=datetime.now(UTC),
        by=Actor(None, "command line"),
        send_emails=send_emails,
        dry_run=dry_run,
    )
    for line, email, outcome, detail in report.lines:
        if outcome == "error":
            print(f"line {line}: {email}: {detail}", file=sys.stderr)
    if dry_run:
        print(
            f"dry run: {report.created.get('new', 0)} would be registered, "
            f"{report.unchanged} already registered, {report.errors} rows with errors; "
            "nothing was written"
        )
    else:
        print(report.summary())
    return 1 if report.errors else 0


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


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
    serve_parser.add_argument(
        "--workers", type=positive_int, default=1, help="web processes (default: 1)"
    )
    serve_parser.add_argument(
        "--server",
        choices=["granian", "uvicorn"],
        help="the HTTP server (default: IDMEVENTS_SERVER, else granian)",
    )
    commands.add_parser(
        "worker",
        help="send the outbox (by SMTP, or to var/mail/ without IDMEVENTS_SMTP_URL) and run jobs",
    )

    backup_parser = commands.add_parser(
        "backup", help="copy the SQLite database to a new file (safe while serving)"
    )
    backup_parser.add_argument("path", help="the new backup file")
    restore_parser = commands.add_parser(
        "restore", help="replace the SQLite database with a backup (checked first)"
    )
    restore_parser.add_argument("path", help="a file made by `idmevents backup`")
    restore_parser.add_argument(
        "--force", action="store_true", help="yes, replace the database's current content"
    )

    user_parser = commands.add_parser("user", help="organizer accounts")
    user_commands = user_parser.add_subparsers(dest="user_command", required=True)
    create = user_commands.add_parser("create", help="create an account")
    create.add_argument("--email", required=True)
    create.add_argument("--role", required=True, choices=["admin", "organizer", "checkin"])
    create.add_argument("--name", default="", help="the name shown in the audit log")
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of prompting",
    )
    user_commands.add_parser("list", help="list the accounts")

    token_parser = commands.add_parser("token", help="API tokens")
    token_commands = token_parser.add_subparsers(dest="token_command", required=True)
    token_new = token_commands.add_parser("create", help="create a token and print it once")
    token_new.add_argument("--email", required=True)
    token_new.add_argument("--name", default="", help="what the token is for")
    token_revoke_parser = token_commands.add_parser("revoke", help="revoke a token")
    token_revoke_parser.add_argument(
        "--prefix", required=True, help="the token's first characters, as `token list` shows"
    )
    token_list_parser = token_commands.add_parser("list", help="list tokens (never their secret)")
    token_list_parser.add_argument("--email", help="only this account's tokens")

    registrations_parser = commands.add_parser("registrations", help="registrations in bulk")
    registrations_commands = registrations_parser.add_subparsers(
        dest="registrations_command", required=True
    )
    import_parser = registrations_commands.add_parser(
        "import",
        help="register the people of a CSV or XLSX file (columns found by their headers)",
    )
    import_parser.add_argument("--meeting", required=True, help="the meeting's slug")
    import_parser.add_argument("file", help="a .csv or .xlsx file, its first row naming columns")
    import_parser.add_argument(
        "--dry-run", action="store_true", help="check every row and say what would happen"
    )
    import_parser.add_argument(
        "--send-emails", action="store_true", help="email each new registration its confirmation"
    )
    return parser


def run_account_command(args: argparse.Namespace) -> None:
    """`user …` and `token …`: our errors become one line on stderr and exit status 1."""
    from idmevents.errors import AppError

    try:
        if args.command == "user" and args.user_command == "create":
            password = read_new_password(args.password_stdin)
            asyncio.run(user_create(args.email, args.role, args.name, password))
        elif args.command == "registrations":
            status = asyncio.run(
                registrations_import(args.meeting, args.file, args.dry_run, args.send_emails)
            )
            raise SystemExit(status)
        elif args.command == "user":
            asyncio.run(user_list())
        elif args.token_command == "create":
            asyncio.run(token_create(args.email, args.name))
        elif args.token_command == "revoke":
            asyncio.run(token_revoke(args.prefix))
        else:
            asyncio.run(token_list(args.email))
    except AppError as error:
        details = "; ".join(f"{name}: {why}" for name, why in error.fields.items())
        print(f"error: {error.message}" + (f" ({details})" if details else ""), file=sys.stderr)
        raise SystemExit(1) from None


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "migrate":
        asyncio.run(migrate())
        print("database is up to date")
    elif args.command == "demo":
        check_secret_key()
        asyncio.run(demo(args.as_announced))
    elif args.command == "serve":
        check_secret_key()
        serve(args.host, args.port, args.workers, args.server)
    elif args.command == "worker":
        check_secret_key()
        check_mail_settings()
        try:
            asyncio.run(worker())
        except asyncio.CancelledError:  # a second signal: stop now
            raise SystemExit(1) from None
    elif args.command == "backup":
        backup_command(args.path)
    elif args.command == "restore":
        restore_command(args.path, args.force)
    elif args.command in ("user", "token", "registrations"):
        run_account_command(args)
    else:  # pragma: no cover - argparse rejects unknown commands first
        parser.error(f"unknown command {args.command}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""The command line: `qunops init | db upgrade | import | groups | serve | demo | ...`."""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from qunops.cli_support import (
    CliError,
    DatabaseOption,
    WorkspaceOption,
    err,
    gone_unless_finished,
    out,
    settings_and_engine,
    workspace_of,
)
from qunops.core.registry import WorkspaceRole
from qunops.member_commands import members_app
from qunops.moderation.cli import spam_app
from qunops.settings import Settings, SettingsError, load_settings
from qunops.store import accounts
from qunops.store.accounts import AccountError
from qunops.store.db import StoreError

app = typer.Typer(no_args_is_help=True, add_completion=False, help="qunops: operate chat-group communities.")
db_app = typer.Typer(no_args_is_help=True, help="The database: migrations.")
app.add_typer(db_app, name="db")
app.add_typer(spam_app, name="spam", help="The spam classifier: train and evaluate on labelled files.")
app.add_typer(members_app, name="members", help="Members: look one up, merge two who are the same person.")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        status = app(standalone_mode=False)  # click hands back Exit codes as the return value here
    except (CliError, StoreError, SettingsError, AccountError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(1)
    except (SQLAlchemyError, sqlite3.Error) as exc:
        # The database refused what a command asked of it (a file made read-only meanwhile, a server that
        # went away): one line saying what it said, not a traceback.
        err.print(f"[red]error:[/red] the database: {escape(_database_problem(exc))}", highlight=False)
        sys.exit(2)
    except Exception as exc:
        # Usage errors (an unknown command or option) arrive here in non-standalone mode. Typer
        # vendors its own copy of click in recent versions, so they are recognised by their shape.
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            sys.exit(code)
        raise
    if isinstance(status, int) and status:
        sys.exit(status)


def _database_problem(exc: BaseException) -> str:
    """The first line of what the database driver said (without SQLAlchemy's statement and link)."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOption = None) -> None:
    """Apply every database migration."""
    _, engine = settings_and_engine(database, migrate=True)
    out.print(f"database is current: {engine.url.render_as_string(hide_password=True)}")


@app.command()
def init(
    workspace: Annotated[str, typer.Option(help="Slug of the new workspace.")] = "main",
    name: Annotated[str, typer.Option(help="Display name of the workspace.")] = "My communities",
    admin: Annotated[str, typer.Option(help="Username of the first admin.")] = "admin",
    password: Annotated[
        str | None,
        typer.Option(
            envvar="QUNOPS_ADMIN_PASSWORD", help="Password of the first admin (prompted if absent)."
        ),
    ] = None,
    timezone: Annotated[
        str | None, typer.Option(help="Workspace timezone (default: QUNOPS_TIMEZONE).")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Create the database schema, a workspace and its first admin user."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    zone = timezone or load_settings().timezone
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CliError(f"--timezone: unknown timezone {zone!r}") from None
    with gone_unless_finished(database):
        _, engine = settings_and_engine(database, migrate=True)  # after the checks: it creates the file
        try:
            _create_workspace(engine, workspace, name, admin, password, zone)
        finally:
            engine.dispose()  # before a file created in vain is removed


def _create_workspace(
    engine: Engine, workspace: str, name: str, admin: str, password: str | None, zone: str
) -> None:
    # A second workspace in the same database may have a user of the first as its admin: they keep their
    # password (a password given must be theirs; `qunops password` changes it).
    with engine.connect() as connection:
        try:
            existing: int | None = accounts.user_named(connection, admin)
        except AccountError:
            existing = None
        theirs = existing is None or password is None or accounts.password_is(connection, existing, password)
        if not theirs:
            raise CliError(
                f"user {admin!r} exists already, with another password: give theirs (or none) to make "
                "them admin of the new workspace too, or name another user with --admin"
            )
    if existing is None and password is None:
        password = typer.prompt("password for " + admin, hide_input=True, confirmation_prompt=True)
    with engine.begin() as connection:
        workspace_id = accounts.create_workspace(connection, workspace, name, zone)
        whose = " (an existing user)" if existing is not None else ""
        if existing is None:
            existing = accounts.create_user(connection, admin, password or "")
        accounts.grant(connection, workspace_id, existing, WorkspaceRole.ADMIN)
    out.print(f"workspace [bold]{workspace}[/bold] created with admin [bold]{admin}[/bold]{whose}")


@app.command("password")
def password_command(
    username: Annotated[str, typer.Argument(help="The user whose password to set.")],
    password: Annotated[
        str | None,
        typer.Option(envvar="QUNOPS_NEW_PASSWORD", help="The new password (prompted if absent)."),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Set a user's password (one forgotten, or leaked); every console login of theirs ends."""
    _, engine = settings_and_engine(database)
    with engine.connect() as connection:
        accounts.user_named(connection, username)  # an unknown name fails before the prompt
    if password is None:
        password = typer.prompt("new password for " + username, hide_input=True, confirmation_prompt=True)
    with engine.begin() as connection:
        accounts.set_password(connection, accounts.user_named(connection, username), password)
    out.print(f"password of [bold]{escape(username)}[/bold] set; their console logins have ended")


@app.command("import")
def import_command(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="PATH",
            help="Export files, folders (searched recursively) or zips. A file that cannot be read fails on "
            "its own; the others still import.",
            show_default=False,
        ),
    ],
    format: Annotated[str | None, typer.Option("--format", help="Skip detection: the format's name.")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="Timezone of exports written in local time.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Parse and count; store nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    workspace: WorkspaceOption = None,
    database: DatabaseOption = None,
) -> None:
    """Import chat exports; ends with a summary. Exit status 1 when any file failed."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from qunops.ingestion import import_paths

    if any(not path.strip() for path in paths):  # Path("") is the working folder: never meant
        raise CliError("PATH: an empty path names no file (to import the working folder, name it: .)")
    settings, engine = settings_and_engine(database)
    workspace_id, workspace_zone = workspace_of(engine, workspace)
    zone = tz or workspace_zone
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CliError(f"--tz: unknown timezone {zone!r}") from None
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[events]} events"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=as_json or not err.is_terminal,
    ) as bar:
        task = bar.add_task("importing", total=None, events=0)

        def progress(name: str, count: int) -> None:
            bar.update(task, description=Path(name.split("!")[0]).name, events=count)

        report = import_paths(
            engine,
            workspace_id,
            [Path(path) for path in paths],
            zone,
            format,
            dry_run,
            settings.ingest_batch_size,
            progress,
        )
    summary = report.as_json()
    if as_json:
        sys.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    else:
        _print_import_summary(summary, zone_given=tz is not None)
    if not report.ok:
        raise typer.Exit(1)


SHOWN_SKIPPED = 20  # skipped lines, and skipped files, listed per run before "… and N more"


def _print_import_summary(summary: dict[str, object], zone_given: bool) -> None:
    """Each file's outcome, the files passed over, then the totals. Piped output is not wrapped (a line
    per file, whatever its length); a terminal wraps as usual."""
    wrap = not out.is_terminal
    dry_run = bool(summary["dry_run"])
    # A dry run stores nothing: its "existing" events are those stored before and those repeated in
    # the files themselves (which a real import would store once).
    existing = "already stored or repeated" if dry_run else "already stored"
    files = summary["files"]
    assert isinstance(files, list)
    for f in files:
        if f["error"]:
            err.print(f"[red]✗[/red] {escape(f['error'])}", highlight=False, soft_wrap=True)
            continue
        if dry_run:
            counts = f"would add {f['events_new']}, {f['events_existing']} {existing}"
        else:
            counts = f"{f['events_new']} new, {f['events_existing']} {existing}"
        if f["local_times_in"]:
            counts += f"; local times read in {f['local_times_in']}"
        out.print(
            f"[green]✓[/green] {escape(f['name'])} ({f['format']}): {counts}", highlight=False, soft_wrap=wrap
        )
        for skipped in f["skipped"][:SHOWN_SKIPPED]:
            out.print(
                f"    skipped line {skipped['line']}: {escape(skipped['reason'])}",
                highlight=False,
                soft_wrap=wrap,
            )
        if len(f["skipped"]) > SHOWN_SKIPPED:
            out.print(f"    … and {len(f['skipped']) - SHOWN_SKIPPED} more skipped lines", highlight=False)
    skipped_files = summary["skipped_files"]
    media = summary["skipped_media"]
    assert isinstance(skipped_files, list) and isinstance(media, int)
    if skipped_files or media:
        out.print("[yellow]skipped files[/yellow] (not chat exports):", highlight=False)
    for skipped in skipped_files[:SHOWN_SKIPPED]:
        out.print(
            f"  - {escape(skipped['name'])}: {escape(skipped['reason'])}", highlight=False, soft_wrap=wrap
        )
    if len(skipped_files) > SHOWN_SKIPPED:
        more = len(skipped_files) - SHOWN_SKIPPED
        out.print(f"  … and {more} more skipped files (--json lists them all)", highlight=False)
    if media == 1:
        out.print("  - 1 media file (a photo, video, audio or document)", highlight=False)
    elif media:
        out.print(f"  - {media} media files (photos, videos, audio, documents)", highlight=False)
    title = "imported"
    if dry_run:
        title = "dry run: nothing stored"
    table = Table(title=title, show_header=False)
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True, overflow="fold")
    rows = [
        ("groups", summary["groups"]),
        ("members", summary["members"]),
        ("events to add" if dry_run else "events new", summary["events_new"]),
        (f"events {existing}" if dry_run else "events existing", summary["events_existing"]),
        ("first", summary["first"] or "—"),
        ("last", summary["last"] or "—"),
    ]
    for label, value in rows:
        table.add_row(label, str(value))
    by_kind = summary["by_kind"]
    assert isinstance(by_kind, dict)
    for kind, count in by_kind.items():
        table.add_row(f"  {kind}", str(count))
    if skipped_files or media:
        table.add_row("files skipped", str(len(skipped_files) + media))
    out.print(table)
    local = sorted({str(f["local_times_in"]) for f in files if f["local_times_in"] and not f["error"]})
    if local and not zone_given:
        # Exports in local time say nothing of their zone: read in the wrong one, every time is off.
        out.print(
            f"Local times were read in {', '.join(local)}, the workspace's timezone. An export made in "
            "another zone needs --tz when it is first imported (try it with --dry-run): its times cannot "
            "be moved afterwards.",
            highlight=False,
            soft_wrap=wrap,
        )


@app.command("groups")
def groups_command(workspace: WorkspaceOption = None, database: DatabaseOption = None) -> None:
    """Table of groups with members and last activity."""
    from qunops.analytics.overview import group_rows

    _, engine = settings_and_engine(database, writes=False)
    workspace_id, _ = workspace_of(engine, workspace)
    with engine.connect() as connection:
        rows = group_rows(connection, workspace_id)
    table = Table("id", "platform", "name", "members", "messages (30d)", "last member message")
    for row in rows:
        table.add_row(
            str(row.id),
            row.platform,
            row.name,
            str(row.members),
            str(row.messages_30d),
            row.last_message.strftime("%Y-%m-%d %H:%M UTC") if row.last_message else "—",
        )
    out.print(table)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default QUNOPS_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default QUNOPS_PORT).")] = None,
    database: DatabaseOption = None,
) -> None:
    """Serve the console and the JSON API."""
    settings, engine = settings_and_engine(database)
    _serve(settings, engine, host or settings.host, port or settings.port)


def _serve(settings: Settings, engine: Engine, host: str, port: int) -> None:
    import uvicorn

    from qunops.console.app import create_app

    uvicorn.run(create_app(settings, engine), host=host, port=port, log_level="warning")


@app.command()
def demo(
    path: Annotated[Path, typer.Option("--path", help="SQLite file of the demo (made anew).")] = Path(
        "var/demo.db"
    ),
    seed: Annotated[int, typer.Option(help="Simulator seed.")] = 7,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Build the demo database and stop.")] = False,
) -> None:
    """Build a demo workspace of simulated communities in a fresh SQLite file and serve the console."""
    from qunops.demo import DEMO_PASSWORD, DEMO_USER, build_demo

    settings = load_settings().model_copy(update={"database_url": f"sqlite:///{path}"})
    with err.status("building the demo workspace from the simulator…"):
        engine = build_demo(path, seed, settings.timezone)
    out.print(f"demo database: {path}")
    if no_serve:
        return
    out.print(
        f"console: [bold]http://{host}:{port}[/bold]   log in as [bold]{DEMO_USER}[/bold] / "
        f"[bold]{DEMO_PASSWORD}[/bold]   (Ctrl+C stops)"
    )
    _serve(settings, engine, host, port)


def _register_capability_commands() -> None:
    """Commands whose code lives with their capability (imported here, at the edge)."""
    from qunops.analytics.cli import report_command
    from qunops.moderation.commands import moderate_command

    app.command("report", help="Health, stages, roles and alerts of every group, as of a date.")(
        report_command
    )
    app.command(
        "moderate", help="Judge imported messages by the workspace's rules; --dry-run stores nothing."
    )(moderate_command)


_register_capability_commands()

if __name__ == "__main__":
    main()

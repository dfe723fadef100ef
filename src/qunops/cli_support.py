"""What every `qunops` command shares: the options, opening the store, choosing the workspace, errors.

Capabilities that bring commands of their own (`qunops report`, `qunops moderate`) build on this module,
so they never import the entry point itself.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from qunops.settings import Settings, load_settings, settings_problem
from qunops.store.db import StoreError, open_engine, require_current, upgrade
from qunops.store.schema import workspaces

# Without a terminal (piped, redirected) rich lays tables out in 80 columns and cuts cells to "na…";
# output read in a file or by another program is laid out wide instead, unless COLUMNS says how wide.
PIPED_WIDTH = 240


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    piped = not stream.isatty() and not os.environ.get("COLUMNS")
    return Console(stderr=stderr, width=PIPED_WIDTH if piped else None)


out = console()
err = console(stderr=True)


class CliError(Exception):
    """An error the user can act on: printed as one line, exit status 2."""


def settings_and_engine(
    database: str | None = None, migrate: bool = False, writes: bool = True
) -> tuple[Settings, Engine]:
    """The settings and an engine on their database. Only commands that set the schema up (`migrate`:
    `qunops init`, `qunops db upgrade`) may create a SQLite file; the others refuse a missing one rather
    than leave an empty file behind (SQLite creates the file on connecting). A command that `writes`
    refuses a SQLite file it may not write before it starts, rather than fail at its first change."""
    settings = load_settings()
    if database is not None:
        try:
            settings = Settings.model_validate({**settings.model_dump(), "database_url": database})
        except ValidationError as exc:
            raise CliError(f"--database: {settings_problem(exc)}") from None
    if not migrate:
        _require_sqlite_file(settings.database_url)
    _require_sqlite_regular_file(settings.database_url)
    if writes:
        _require_sqlite_writable(settings.database_url)
    try:
        engine = open_engine(settings.database_url)
    except StoreError as exc:
        if database is None:
            raise
        raise CliError(str(exc).replace("QUNOPS_DATABASE_URL", "--database")) from None
    if migrate:
        upgrade(engine)
    else:
        require_current(engine)
    return settings, engine


@contextmanager
def gone_unless_finished(database: str | None) -> Iterator[None]:
    """A SQLite file the command creates is removed again if the command ends before it is done (a
    refused password, Ctrl-C at a prompt): a failed `qunops init` leaves no database without a workspace
    behind, which the next `init` would find and every other command would take for a set-up one."""
    try:
        url = database if database is not None else load_settings().database_url
    except ValidationError:
        url = ""  # settings_and_engine says what is wrong with them
    path = _sqlite_path(url)
    new = path is not None and not path.exists()
    try:
        yield
    except BaseException:
        if new and path is not None:
            for suffix in ("", "-wal", "-shm", "-journal", "-turn"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise


def _sqlite_path(url: str) -> Path | None:
    """The file a plain sqlite:///PATH URL names; None for other URLs (open_engine judges them)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None  # open_engine says what is wrong with it
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:") or parsed.query.get("uri"):
        return None  # a SQLite URI names its own mode (mode=rwc creates, mode=rw does not)
    return Path(database).expanduser()


def _require_sqlite_regular_file(url: str) -> None:
    """A SQLite database is a file: a folder or a device (/dev/null) in its place fails here, in words,
    rather than at the first statement."""
    path = _sqlite_path(url)
    if path is None:
        return
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # missing (created, or refused by _require_sqlite_file), or open_engine says why
    if stat.S_ISDIR(mode):
        raise CliError(f"the database {path} is a folder: name a file in it, like sqlite:///{path}/qunops.db")
    if not stat.S_ISREG(mode):
        raise CliError(f"the database {path} is not a file (a device, pipe or socket)")


def _require_sqlite_writable(url: str) -> None:
    path = _sqlite_path(url)
    if path is None:
        return
    if path.exists():
        if not os.access(path, os.W_OK):
            raise CliError(f"the database {path} is read-only: this command writes to it")
    elif path.parent.is_dir() and not os.access(path.parent, os.W_OK | os.X_OK):
        raise CliError(f"cannot create the database {path}: the folder {path.parent} is read-only")


def _require_sqlite_file(url: str) -> None:
    path = _sqlite_path(url)
    if path is None:
        return
    if path.parent.is_dir() and not path.exists():  # a missing folder: open_engine names it
        raise CliError(
            f"no database at {path}: run `qunops init` to create one, or choose another with --database"
        )


DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", help="Database URL (default: QUNOPS_DATABASE_URL or sqlite:///qunops.db)."),
]
WorkspaceOption = Annotated[
    str | None, typer.Option("--workspace", "-w", help="Workspace slug (default: the only workspace).")
]


def group_id_option(value: int) -> bool:
    """Whether `value` can be a group's id at all (a database integer above 0): others name no group,
    and are not sent to the database, which refuses integers past 64 bits."""
    return 0 < value < 2**63


def workspace_of(engine: Engine, slug: str | None) -> tuple[int, str]:
    with engine.connect() as connection:
        rows = connection.execute(select(workspaces.c.id, workspaces.c.slug, workspaces.c.timezone)).all()
    if slug is not None:
        match = [r for r in rows if r[1] == slug]
        if not match:
            raise CliError(
                f"--workspace: no workspace {slug!r} (known: {', '.join(r[1] for r in rows) or 'none'})"
            )
        return match[0][0], match[0][2]
    if len(rows) == 1:
        return rows[0][0], rows[0][2]
    if not rows:
        raise CliError("no workspace yet: run `qunops init` first")
    raise CliError(f"several workspaces: choose one with --workspace ({', '.join(r[1] for r in rows)})")

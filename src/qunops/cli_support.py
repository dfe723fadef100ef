"""What every `qunops` command shares: the options, opening the store, choosing the workspace, errors.

Capabilities that bring commands of their own (`qunops report`, `qunops moderate`) build on this module,
so they never import the entry point itself.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from qunops.settings import Settings, load_settings
from qunops.store.db import open_engine, require_current, upgrade
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


def settings_and_engine(database: str | None = None, migrate: bool = False) -> tuple[Settings, Engine]:
    """The settings and an engine on their database. Only commands that set the schema up (`migrate`:
    `qunops init`, `qunops db upgrade`) may create a SQLite file; the others refuse a missing one rather
    than leave an empty file behind (SQLite creates the file on connecting)."""
    settings = load_settings()
    if database:
        settings = settings.model_copy(update={"database_url": database})
    if not migrate:
        _require_sqlite_file(settings.database_url)
    engine = open_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    else:
        require_current(engine)
    return settings, engine


def _require_sqlite_file(url: str) -> None:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return  # open_engine says what is wrong with it
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return
    if database.startswith("file:") or parsed.query.get("uri"):
        return  # a SQLite URI names its own mode (mode=rwc creates, mode=rw does not)
    path = Path(database).expanduser()
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

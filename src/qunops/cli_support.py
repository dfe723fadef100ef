"""What every `qunops` command shares: the options, opening the store, choosing the workspace, errors.

Capabilities that bring commands of their own (`qunops report`, `qunops moderate`) build on this module,
so they never import the entry point itself.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Engine, select

from qunops.settings import Settings, load_settings
from qunops.store.db import open_engine, require_current, upgrade
from qunops.store.schema import workspaces

out = Console()
err = Console(stderr=True)


class CliError(Exception):
    """An error the user can act on: printed as one line, exit status 2."""


def settings_and_engine(database: str | None = None, migrate: bool = False) -> tuple[Settings, Engine]:
    settings = load_settings()
    if database:
        settings = settings.model_copy(update={"database_url": database})
    engine = open_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    else:
        require_current(engine)
    return settings, engine


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

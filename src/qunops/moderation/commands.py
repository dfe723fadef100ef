"""`qunops moderate`: verdicts over imported history; `--dry-run` shows what would be flagged, stores nothing.

Registered in `qunops.cli` as `app.command("moderate")(moderate_command)`.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from qunops.cli_support import DatabaseOption, WorkspaceOption

_out = Console()


def moderate_command(
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show what would be flagged, per rule and category; store nothing."),
    ] = False,
    group: Annotated[
        int | None, typer.Option("--group", help="Only this group (its id in `qunops groups`).")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Dry run: only messages from this day on (YYYY-MM-DD, workspace time)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    train_from: Annotated[
        Path | None,
        typer.Option(
            "--train-from",
            help="Labelled data (CSV/TSV with label,text, or a folder of them) to train the spam classifier "
            "on first use, when the workspace has no model yet.",
        ),
    ] = None,
    model: Annotated[
        Path | None, typer.Option("--model", help="Install this model file (from `qunops spam train`) first.")
    ] = None,
    workspace: WorkspaceOption = None,
    database: DatabaseOption = None,
) -> None:
    """Moderate imported messages: verdicts, and cases in the review queue (penalties only where a group's
    rules say auto_penalty). With --dry-run: what would be flagged, with examples; nothing is stored."""
    from qunops.actions import Actor
    from qunops.cli_support import CliError, group_id_option, settings_and_engine, workspace_of
    from qunops.core.time import day_start_us, utcnow
    from qunops.moderation.dry_run import dry_run as run_dry
    from qunops.moderation.service import ModerationError, install_model, moderate_new_events

    if (group is not None or since is not None) and not dry_run:
        # Stored verdicts follow the event log's order (every event once); a partial pass would leave holes.
        raise CliError("--group and --since narrow a --dry-run; a stored run moderates every new event")
    if dry_run and model is not None:
        raise CliError("--model installs a model (it stores it); run it without --dry-run first")
    if group is not None and not group_id_option(group):
        raise CliError(f"--group: no group {group} in this workspace (see `qunops groups`)")
    if train_from is not None and train_from.exists() and not (train_from.is_file() or train_from.is_dir()):
        raise CliError(f"--train-from: {train_from} is not a file or folder (a device, pipe or socket)")
    _, engine = settings_and_engine(database)
    workspace_id, zone = workspace_of(engine, workspace)
    now = utcnow()
    since_us: int | None = None
    if since is not None:
        try:
            since_us = day_start_us(date.fromisoformat(since), ZoneInfo(zone))
        except ValueError:
            raise CliError(f"--since: expected a day like 2026-11-01, not {since!r}") from None
    try:
        if dry_run:
            report = run_dry(engine, workspace_id, now, group, since_us, training_data=train_from)
            result: dict[str, Any] = report.as_json()
        else:
            if model is not None:
                with engine.begin() as connection:
                    install_model(connection, workspace_id, model, Actor.system("cli"), now)
            result = moderate_new_events(engine, workspace_id, now, training_data=train_from).as_json()
    except ModerationError as exc:
        raise CliError(str(exc)) from None
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    elif dry_run:
        _print_dry_run(result)
    else:
        _out.print(
            f"{result['judged']} messages judged, {result['flagged']} flagged; "
            f"{result['cases_opened']} cases opened, {result['cases_extended']} extended, "
            f"{result['penalties']} penalties applied automatically. "
            f"Classifier: {escape(result['classifier'])}.",
            highlight=False,
        )


def _print_dry_run(result: dict[str, Any]) -> None:
    _out.print(
        f"[bold]dry run: nothing stored[/bold] — {result['judged']} messages judged, {result['flagged']} "
        f"would be flagged ({result['flagged_members']} members). "
        f"Classifier: {escape(result['classifier'])}.",
        highlight=False,
    )
    for title, key in (("per rule", "by_rule"), ("per category", "by_category")):
        if not result[key]:
            continue
        table = Table(title=f"would be flagged, {title}", show_lines=False)
        table.add_column(title.split()[1])
        table.add_column("messages", justify="right")
        table.add_column("examples")
        for name, tally in result[key].items():
            examples = "\n".join(f"{escape(e['group'])}: {escape(e['text'][:80])}" for e in tally["examples"])
            table.add_row(escape(name), str(tally["count"]), examples)
        _out.print(table)

"""`qunops members`: find members by name, look one up, and merge two who are the same person.

Registered in `qunops.cli` as `app.add_typer(members_app, name="members")`.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from sqlalchemy import Connection, select

from qunops.cli_support import DatabaseOption, WorkspaceOption, console

members_app = typer.Typer(no_args_is_help=True, add_completion=False)

MemberId = Annotated[int, typer.Argument(help="A member's id (in the console, /members/<id>).", min=1)]


@members_app.command("find")
def find_command(
    name: Annotated[str, typer.Argument(help="Part of a name they used (any case).")],
    limit: Annotated[int, typer.Option(help="How many to list at most.", min=1)] = 50,
    workspace: WorkspaceOption = None,
    database: DatabaseOption = None,
) -> None:
    """Members whose current or any earlier display name contains NAME, the most recently active first:
    their ids, for `qunops members show` and `merge`."""
    from rich.table import Table

    from qunops.cli_support import CliError, settings_and_engine, workspace_of
    from qunops.console.queries import search_members

    if not name.strip():
        raise CliError("give part of a name to look for")
    _, engine = settings_and_engine(database, writes=False)
    workspace_id, _ = workspace_of(engine, workspace)
    with engine.connect() as connection:
        found, total = search_members(connection, workspace_id, name.strip(), limit=limit)
    out = console()
    if not found:
        out.print(f"no member has used a name with {escape(name.strip())!r} in it", highlight=False)
        return
    table = Table(title=f"{total} members" if total > len(found) else None)
    for column in ("id", "name", "platform", "last active"):
        table.add_column(column, justify="right" if column == "id" else "left")
    for member in found:
        label = escape(member.display_name) + (" (workspace account)" if member.is_operator else "")
        last = member.last_day.isoformat() if member.last_day else "—"
        table.add_row(str(member.id), label, member.platform, last)
    out.print(table)
    if total > len(found):
        out.print(f"{total - len(found)} more: narrow the name, or raise --limit", highlight=False)


@members_app.command("show")
def show_command(
    member: MemberId, workspace: WorkspaceOption = None, database: DatabaseOption = None
) -> None:
    """A member: identity, the names they used, their groups, and whom they were merged into."""
    from qunops.cli_support import settings_and_engine, workspace_of

    _, engine = settings_and_engine(database, writes=False)
    workspace_id, _ = workspace_of(engine, workspace)
    with engine.connect() as connection:
        _print_member(connection, workspace_id, member)


@members_app.command("merge")
def merge_command(
    gone: Annotated[int, typer.Argument(help="The member's id that is to go (its events go over).", min=1)],
    kept: Annotated[int, typer.Argument(help="The member's id that stays.", min=1)],
    reason: Annotated[str, typer.Option("--reason", help="Why they are the same person (audit log).")] = "",
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    workspace: WorkspaceOption = None,
    database: DatabaseOption = None,
) -> None:
    """Merge member GONE into member KEPT, the same person under two identities of one platform (WhatsApp's
    "You" and the exporter's own name; a card two members used, which imports cannot link). GONE's
    events, names, roles and moderation history become KEPT's, the rollups are recomputed, and later
    imports give GONE's identity to KEPT. It cannot be undone."""
    from qunops.actions import Actor
    from qunops.actions.audit import audit
    from qunops.cli_support import CliError, settings_and_engine, workspace_of
    from qunops.core.time import utcnow
    from qunops.store.aliases import MergeError, merge_members
    from qunops.store.db import bulk_writing
    from qunops.store.rollups import fill_rollups

    _, engine = settings_and_engine(database)
    workspace_id, _ = workspace_of(engine, workspace)
    out = console()
    if not yes:
        with engine.connect() as connection:
            for label, member in (("goes", gone), ("stays", kept)):
                out.print(f"[bold]{label}:[/bold]", highlight=False)
                _print_member(connection, workspace_id, member)
        if not typer.confirm(f"Merge member {gone} into member {kept}? This cannot be undone"):
            raise typer.Exit(1)
    try:
        with bulk_writing(engine, f"import:{workspace_id}") as connection:
            merged = merge_members(connection, workspace_id, gone, kept)
            audit(
                connection,
                workspace_id,
                Actor.system("cli"),
                "member.merge",
                f"member:{kept}",
                reason,
                utcnow(),
                before={"member": gone, "events": merged.events, "groups": merged.groups},
                after={"member": kept},
            )
    except MergeError as exc:
        raise CliError(str(exc)) from None
    fill_rollups(engine)  # what the merged member's events changed that no rollup had reached yet
    out.print(
        f"member {gone} merged into member {kept}: {merged.events} events, {len(merged.groups)} groups",
        highlight=False,
    )


def _print_member(connection: Connection, workspace_id: int, member_id: int) -> None:
    from qunops.cli_support import CliError
    from qunops.store.schema import groups, member_names, members, memberships

    found = connection.execute(
        select(members).where(members.c.id == member_id, members.c.workspace_id == workspace_id)
    ).first()
    if found is None:
        raise CliError(f"no member {member_id} in this workspace")
    out = console()
    names = connection.execute(
        select(member_names.c.name)
        .where(member_names.c.member_id == member_id)
        .order_by(member_names.c.first_seen_us)
    ).scalars()
    out.print(
        f"member {member_id}: {escape(found.display_name)} ({found.platform} {escape(found.external_id)})"
        + (f", merged into member {found.merged_into}" if found.merged_into is not None else ""),
        highlight=False,
    )
    out.print(f"  names: {escape(', '.join(names))}", highlight=False)
    rows = connection.execute(
        select(groups.c.id, groups.c.name, memberships.c.messages)
        .join(groups, groups.c.id == memberships.c.group_id)
        .where(memberships.c.member_id == member_id)
        .order_by(groups.c.id)
    ).all()
    for group_id, name, messages in rows:
        out.print(f"  group {group_id} {escape(name)}: {messages} messages", highlight=False)
    if not rows:
        out.print("  in no group", highlight=False)

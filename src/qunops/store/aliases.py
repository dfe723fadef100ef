"""Name-only members linked to the member they name, group by group.

Some exports name people in their system lines by display name only, while their messages carry a
platform id: a plain-text WeChat invitation (`"张三"邀请"李四"加入了群聊`), a QQ TXT join
(`成员056加入本群`), a Telegram `invite_members` record. The importer keys such a person `name:李四`, and the
writer stores a member for that key beside the member of their id: the join is of one, the messages of the
other, and a newcomer who joins and then speaks counts as two members, one who never spoke and one who
never joined.

Parsers cannot resolve the name themselves: an event's key is made from whom it names, and a match that
depends on which messages an export happens to hold would key the same join differently in two
overlapping exports, which would then store it twice. So the keys stay as they are, and the link is made
here, after a file is stored: in each group, a name-only member whose name exactly one member with a
platform id of that group has used (`member_names`) is that member. Their events in that group are moved
to that member in place (event ids stay: moderation flags refer to them), the rollups they had reached
are recomputed, and the name-only member's membership of the group goes. Where two members of the group
have used the name, nothing is linked: a wrong link would merge two people. Re-importing a file links
what an earlier import of it stored before this existed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete

from qunops.store.db import chunked, driver_rows, placeholders
from qunops.store.rollups import recompute_events, rolled_up_through
from qunops.store.schema import LIFECYCLE_WHERE, member_days, memberships

_MOVE_CHUNK = 5000  # name-only members moved per statement
_NAME_ONLY = "name:%"  # identity keys of members known by a display name only (`MemberRef.identity_key`)


@dataclass(slots=True)
class Linked:
    """Who a file's events name after the link, as (platform, identity key): name-only members linked
    in every one of the file's groups they appear in are no longer named, the members they were linked
    to are."""

    gone: set[tuple[str, str]] = field(default_factory=set)
    named: set[tuple[str, str]] = field(default_factory=set)


def link_name_only_members(
    connection: Connection, workspace_id: int, group_ids: Iterable[int], named: set[int]
) -> Linked:
    """Link the name-only members of the groups to the members they name (see the module).

    `named` are name-only members the caller knows these groups' new events name (a name-only member who
    only speaks is found only so); those of the groups' joins, leaves and other system events are found
    here. What is read costs in proportion to the new events and the groups' system events, not to their
    whole history.
    """
    present: dict[int, set[int]] = defaultdict(set)  # name-only member -> groups they appear in
    linked: dict[int, set[int]] = defaultdict(set)  # name-only member -> groups where they were linked
    targets: set[int] = set()
    for group_id in sorted(set(group_ids)):
        platform = _platform(connection, group_id)
        in_system_events = _name_only_in_system_events(connection, group_id)
        aliases = in_system_events | named
        if not aliases:
            continue
        names = _names(connection, sorted(aliases))
        wanted = {name for used in names.values() for name in used}
        candidates = _members_with_names(connection, workspace_id, platform, wanted)
        if not candidates:
            continue
        unsure = sorted((aliases - in_system_events) | set(candidates))
        in_group = in_system_events | _members_in_group(connection, group_id, unsure)
        with_name: dict[str, set[int]] = defaultdict(set)  # name -> members of the group who used it
        for member, used in candidates.items():
            if member in in_group:
                for name in used:
                    with_name[name].add(member)
        links: dict[int, int] = {}
        for alias in sorted(aliases & in_group):
            present[alias].add(group_id)
            same = {member for name in names.get(alias, ()) for member in with_name.get(name, ())}
            if len(same) == 1:
                links[alias] = same.pop()
        if links:
            _move(connection, group_id, links)
            for alias, member in links.items():
                linked[alias].add(group_id)
                if alias in named:
                    targets.add(member)  # this file's events name them now
    gone = [alias for alias, groups in linked.items() if groups == present[alias]]
    return Linked(_identities(connection, gone), _identities(connection, sorted(targets)))


def _identities(connection: Connection, member_ids: list[int]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for chunk in chunked(member_ids):
        rows = driver_rows(
            connection,
            f"SELECT platform, external_id FROM members WHERE id IN ({placeholders(len(chunk))})",
            chunk,
        )
        found.update((platform, external_id) for platform, external_id in rows)
    return found


def _platform(connection: Connection, group_id: int) -> str:
    (row,) = driver_rows(connection, "SELECT platform FROM groups WHERE id = ?", [group_id])
    return str(row[0])


def _name_only_in_system_events(connection: Connection, group_id: int) -> set[int]:
    """Name-only members the group's joins, leaves and other system events name, as subject or actor
    (read through the partial index of events that are not messages)."""
    found: set[int] = set()
    for column in ("member_id", "actor_id"):
        rows = driver_rows(
            connection,
            f"SELECT DISTINCT e.{column} FROM events e JOIN members m ON m.id = e.{column} "
            f"WHERE e.group_id = ? AND {LIFECYCLE_WHERE.replace('kind', 'e.kind')} "
            "AND m.external_id LIKE ?",
            [group_id, _NAME_ONLY],
        )
        found.update(row[0] for row in rows)
    return found


def _names(connection: Connection, member_ids: list[int]) -> dict[int, set[str]]:
    """Every display name each member has used."""
    names: dict[int, set[str]] = defaultdict(set)
    for chunk in chunked(member_ids):
        rows = driver_rows(
            connection,
            f"SELECT member_id, name FROM member_names WHERE member_id IN ({placeholders(len(chunk))})",
            chunk,
        )
        for member_id, name in rows:
            names[member_id].add(name)
    return names


def _members_with_names(
    connection: Connection, workspace_id: int, platform: str, names: set[str]
) -> dict[int, set[str]]:
    """Members with a platform id (not name-only) who have used any of the names, with those names."""
    found: dict[int, set[str]] = defaultdict(set)
    for chunk in chunked(sorted(names)):
        rows = driver_rows(
            connection,
            "SELECT n.member_id, n.name FROM member_names n JOIN members m ON m.id = n.member_id "
            # `|| ''`: each member's names are looked up and compared, rather than every member and
            # name of the list looked up together (SQLite would take the product of the two).
            "WHERE m.workspace_id = ? AND m.platform = ? AND m.external_id NOT LIKE ? "
            f"AND n.name || '' IN ({placeholders(len(chunk))})",
            [workspace_id, platform, _NAME_ONLY, *chunk],
        )
        for member_id, name in rows:
            found[member_id].add(name)
    return found


def _members_in_group(connection: Connection, group_id: int, member_ids: list[int]) -> set[int]:
    """Which of the members are in the group: those of its memberships (what the rollups have reached),
    those of its events after the rollup mark, and actors of its system events. Reads the events the
    rollups have not reached and the system events, never the group's whole history."""
    found: set[int] = set()
    mark = rolled_up_through(connection)
    for chunk in chunked(member_ids):
        marks = placeholders(len(chunk))
        queries = [
            f"SELECT member_id FROM memberships WHERE group_id = ? AND member_id IN ({marks})",
            # `+group_id`: SQLite takes the events after the mark by id, not the group's by its index.
            f"SELECT DISTINCT member_id FROM events WHERE id > {int(mark)} AND +group_id = ? "
            f"AND member_id IN ({marks})",
            f"SELECT DISTINCT actor_id FROM events WHERE group_id = ? AND {LIFECYCLE_WHERE} "
            f"AND actor_id IN ({marks})",
        ]
        for query in queries:
            found.update(row[0] for row in driver_rows(connection, query, [group_id, *chunk]))
    return found


def _move(connection: Connection, group_id: int, links: dict[int, int]) -> None:
    """The group's events of each name-only member moved to the member it is, in place; what they had
    rolled up recomputed; the name-only members' memberships of the group removed."""
    moved: list[int] = []
    aliases = sorted(links)
    # One pass over the group's events per chunk (a chunk is six parameters an alias: within SQLite's
    # limit of 32,766), both columns at once.
    for chunk in chunked(aliases, _MOVE_CHUNK):
        cases = " ".join("WHEN ? THEN ?" for _ in chunk)
        mapping: list[Any] = [value for alias in chunk for value in (alias, links[alias])]
        marks = placeholders(len(chunk))
        rows = driver_rows(
            connection,
            f"UPDATE events SET member_id = COALESCE(CASE member_id {cases} END, member_id), "
            f"actor_id = COALESCE(CASE actor_id {cases} END, actor_id) "
            f"WHERE group_id = ? AND (member_id IN ({marks}) OR actor_id IN ({marks})) RETURNING id",
            [*mapping, *mapping, group_id, *chunk, *chunk],
        )
        moved.extend(row[0] for row in rows)
    recompute_events(connection, moved)
    for chunk in chunked(aliases):
        for table in (memberships, member_days):
            connection.execute(
                delete(table).where(table.c.group_id == group_id, table.c.member_id.in_(chunk))
            )

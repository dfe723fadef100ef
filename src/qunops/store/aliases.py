"""One person, one member: name-only members linked to the member they name, group by group, after each
imported file; and two members an operator merges, for what no export can tell (`merge_members`).

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

A merge moves a member's events in every group the same way, with their names, roles and moderation
history, and leaves the member as a row pointing to the one kept (`members.merged_into`), which the
writer follows for the identity's later events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert, select, text, update

from qunops.core.platforms import Platform
from qunops.core.texts import Text
from qunops.store.db import chunked, driver_executemany, driver_rows, placeholders
from qunops.store.rollups import recompute_events, rolled_up_through
from qunops.store.schema import LIFECYCLE_WHERE, member_days, member_names, memberships

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
    connection: Connection,
    workspace_id: int,
    group_ids: Iterable[int],
    named: set[int],
    written_after: int | None = None,
) -> Linked:
    """Link the name-only members of the groups to the members they name (see the module).

    `named` are name-only members the caller knows these groups' new events name (a name-only member who
    only speaks is found only so); those of the groups' joins, leaves and other system events are found
    here. `written_after`: the caller's own events, written in its transaction, are those after this id
    (see `rollups.recompute_events`). Finding whom to link reads the new events and the groups' system
    events, not their whole history; moving what is linked reads the group's events once, and its messages
    with mentions from the first moved event on.
    """
    present: dict[int, set[int]] = defaultdict(set)  # name-only member -> groups they appear in
    linked: dict[int, set[int]] = defaultdict(set)  # name-only member -> groups where they were linked
    targets: set[int] = set()
    named = _still_name_only(connection, named)
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
            _move(connection, group_id, links, written_after)
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


def _still_name_only(connection: Connection, member_ids: set[int]) -> set[int]:
    """Those of the members that are name-only and not merged into another (the writer gives a merged
    member's identity the id of the member it was merged into)."""
    found: set[int] = set()
    for chunk in chunked(sorted(member_ids)):
        rows = driver_rows(
            connection,
            f"SELECT id FROM members WHERE id IN ({placeholders(len(chunk))}) "
            "AND external_id LIKE ? AND merged_into IS NULL",
            [*chunk, _NAME_ONLY],
        )
        found.update(row[0] for row in rows)
    return found


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
            "AND m.merged_into IS NULL "
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


def _move(connection: Connection, group_id: int, links: dict[int, int], written_after: int | None) -> None:
    """The group's events of each name-only member moved to the member it is, in place; what they had
    rolled up recomputed; the name-only members' memberships of the group removed."""
    moved = _repoint(connection, links, group_id)
    since = _earliest(connection, moved)
    changed = moved + _repoint_mentions(connection, links, group_id, since)
    recompute_events(connection, changed, refill_after=written_after)
    for chunk in chunked(sorted(links)):
        for table in (memberships, member_days):
            connection.execute(
                delete(table).where(table.c.group_id == group_id, table.c.member_id.in_(chunk))
            )


def _repoint(connection: Connection, links: dict[int, int], group_id: int | None) -> list[int]:
    """Events of the members `links` maps (as subject or sender, and as actor) made the events of the
    members they map to, in one group or (None) in all, in place (ids and keys kept). Returns their ids:
    the rollups they had reached are to be recomputed."""
    moved: list[int] = []
    aliases = sorted(links)
    where_group = "group_id = ? AND " if group_id is not None else ""
    # One pass over the events per chunk (a chunk is six parameters a member: within SQLite's limit of
    # 32,766), both columns at once.
    for chunk in chunked(aliases, _MOVE_CHUNK):
        cases = " ".join("WHEN ? THEN ?" for _ in chunk)
        mapping: list[Any] = [value for alias in chunk for value in (alias, links[alias])]
        marks = placeholders(len(chunk))
        rows = driver_rows(
            connection,
            f"UPDATE events SET member_id = COALESCE(CASE member_id {cases} END, member_id), "
            f"actor_id = COALESCE(CASE actor_id {cases} END, actor_id) "
            f"WHERE {where_group}(member_id IN ({marks}) OR actor_id IN ({marks})) RETURNING id",
            [*mapping, *mapping, *([group_id] if group_id is not None else []), *chunk, *chunk],
        )
        moved.extend(row[0] for row in rows)
    return moved


class MergeError(Exception):
    """Two members cannot be merged; the message (a translatable text) says why."""

    def __init__(self, message: Text) -> None:
        super().__init__(message)
        self.message = message


@dataclass(slots=True)
class Merged:
    events: int  # events re-pointed
    groups: list[int]  # groups the merged-away member was in


def merge_members(connection: Connection, workspace_id: int, gone_id: int, kept_id: int) -> Merged:
    """An operator's merge: member `gone_id` is the same person as `kept_id` (of the same platform), for
    what no export can tell (WhatsApp's "You" and the exporter's own name; a card two members used).

    Every event of `gone_id` becomes `kept_id`'s (ids and keys kept, so a re-import still finds them
    stored) and the rollups are recomputed; their display names, designated roles, moderation history
    (cases, flags, penalties, actions) and the workspace-account mark go over; `gone_id` stays as a row
    that points to `kept_id` (`members.merged_into`), so that later imports give its identity's events to
    `kept_id` directly. Runs in the caller's transaction."""
    if gone_id == kept_id:
        raise MergeError(Text("member {member} cannot be merged into itself", member=gone_id))
    found = {
        row[0]: row[1:]
        for row in driver_rows(
            connection,
            "SELECT id, platform, display_name, merged_into, is_operator FROM members "
            "WHERE workspace_id = ? AND id IN (?, ?)",
            [workspace_id, gone_id, kept_id],
        )
    }
    for member_id in (gone_id, kept_id):
        if member_id not in found:
            raise MergeError(Text("no member {member} in this workspace", member=member_id))
        if found[member_id][2] is not None:
            raise MergeError(
                Text(
                    "member {member} was merged into member {into} already",
                    member=member_id,
                    into=found[member_id][2],
                )
            )
    if found[gone_id][0] != found[kept_id][0]:
        raise MergeError(
            Text(
                "member {member} is of {platform} and member {other} of {other_platform}: only members of "
                "the same platform can be merged",
                member=gone_id,
                platform=Platform(found[gone_id][0]),
                other=kept_id,
                other_platform=Platform(found[kept_id][0]),
            )
        )
    in_groups = sorted(
        row[0]
        for row in driver_rows(connection, "SELECT group_id FROM memberships WHERE member_id = ?", [gone_id])
    )
    before = _count_events(connection, gone_id)
    links = {gone_id: kept_id}
    changed = _repoint(connection, links, None) + _repoint_mentions(connection, links)
    recompute_events(connection, changed)
    _carry_roles(connection, gone_id, kept_id)
    for table in (memberships, member_days):
        connection.execute(delete(table).where(table.c.member_id == gone_id))
    _carry_names(connection, gone_id, kept_id)
    for history in ("moderation_cases", "moderation_flags", "penalties", "actions"):
        connection.execute(
            text(f"UPDATE {history} SET member_id = :kept WHERE member_id = :gone"),
            {"kept": kept_id, "gone": gone_id},
        )
    connection.execute(
        text("UPDATE memberships SET inviter_id = :kept WHERE inviter_id = :gone"),
        {"kept": kept_id, "gone": gone_id},
    )
    connection.execute(
        text("UPDATE groups SET owner_member_id = :kept WHERE owner_member_id = :gone"),
        {"kept": kept_id, "gone": gone_id},
    )
    connection.execute(
        text("UPDATE members SET merged_into = :kept WHERE id = :gone OR merged_into = :gone"),
        {"kept": kept_id, "gone": gone_id},
    )
    if found[gone_id][3]:
        connection.execute(
            text("UPDATE members SET is_operator = :yes WHERE id = :kept"), {"yes": True, "kept": kept_id}
        )
    return Merged(before, in_groups)


def _repoint_mentions(
    connection: Connection, links: dict[int, int], group_id: int | None = None, since_us: int | None = None
) -> list[int]:
    """Messages that mention members `links` maps made to mention the members they map to (their
    payload's member ids), in one group from a time on, or (None) everywhere; returns their ids. Reads
    the messages with mentions of that span: for a merge every one, which an operator's rare act can
    afford; for a link, those of the group from the name-only member's first event on (a welcome names a
    newcomer after they join)."""
    where = "payload LIKE ?"
    parameters: list[Any] = ['%"mentions"%']
    if group_id is not None:
        where = "group_id = ? AND ts_us >= ? AND " + where
        parameters = [group_id, since_us if since_us is not None else 0, *parameters]
    changed: list[tuple[str, int]] = []
    for event_id, payload in driver_rows(
        connection, f"SELECT id, payload FROM events WHERE {where}", parameters
    ):
        data = orjson.loads(payload)
        mentioned = data.get("mentions") if isinstance(data, dict) else None
        if isinstance(mentioned, list) and any(m in links for m in mentioned):
            data["mentions"] = [links.get(m, m) for m in mentioned]
            changed.append((orjson.dumps(data).decode(), event_id))
    if changed:
        driver_executemany(connection, "UPDATE events SET payload = ? WHERE id = ?", changed)
    return [event_id for _, event_id in changed]


def _earliest(connection: Connection, event_ids: list[int]) -> int | None:
    """The earliest time of the events."""
    earliest: int | None = None
    for chunk in chunked(event_ids):
        (row,) = driver_rows(
            connection, f"SELECT min(ts_us) FROM events WHERE id IN ({placeholders(len(chunk))})", chunk
        )
        if row[0] is not None and (earliest is None or row[0] < earliest):
            earliest = int(row[0])
    return earliest


def _count_events(connection: Connection, member_id: int) -> int:
    (row,) = driver_rows(
        connection, "SELECT count(*) FROM events WHERE member_id = ? OR actor_id = ?", [member_id, member_id]
    )
    return int(row[0])


def _carry_roles(connection: Connection, gone_id: int, kept_id: int) -> None:
    """The roles an operator designated for `gone_id` in each group, added to `kept_id`'s there."""
    rows = connection.execute(
        select(memberships.c.group_id, memberships.c.roles).where(memberships.c.member_id == gone_id)
    ).all()
    for group_id, roles in rows:
        if not roles:
            continue
        kept = connection.execute(
            select(memberships.c.roles).where(
                memberships.c.group_id == group_id, memberships.c.member_id == kept_id
            )
        ).first()
        if kept is None:
            # The fill fills in the rest of the row from the events when it reaches them.
            connection.execute(
                insert(memberships).values(
                    group_id=group_id, member_id=kept_id, messages=0, roles=list(roles)
                )
            )
        else:
            union = sorted(set(kept[0] or []) | set(roles))
            connection.execute(
                update(memberships)
                .where(memberships.c.group_id == group_id, memberships.c.member_id == kept_id)
                .values(roles=union)
            )


def _carry_names(connection: Connection, gone_id: int, kept_id: int) -> None:
    """`gone_id`'s display names become `kept_id`'s too, each with the earliest time either was seen."""
    kept = dict(
        connection.execute(
            select(member_names.c.name, member_names.c.first_seen_us).where(
                member_names.c.member_id == kept_id
            )
        ).all()
    )
    for name, first_seen in connection.execute(
        select(member_names.c.name, member_names.c.first_seen_us).where(member_names.c.member_id == gone_id)
    ).all():
        if name not in kept:
            connection.execute(
                insert(member_names).values(member_id=kept_id, name=name, first_seen_us=first_seen)
            )
        elif first_seen < kept[name]:
            connection.execute(
                update(member_names)
                .where(member_names.c.member_id == kept_id, member_names.c.name == name)
                .values(first_seen_us=first_seen)
            )

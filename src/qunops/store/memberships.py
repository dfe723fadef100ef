"""Memberships kept up to date by the rollup fill, incrementally.

Events are only ever added, so a member's message count in a group moves by what the recomputed days
gained, and their first and last messages can only move outwards; joins, leaves, removals and admin
changes are replayed in full, but only for the (group, member) pairs that have a new one. A fill that
starts from the first event resets what memberships derived from earlier fills (designated roles stay).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, insert, update

from qunops.core.events import EventKind
from qunops.store.db import IN_LIST, driver_executemany, driver_rows, placeholders
from qunops.store.schema import LIFECYCLE_WHERE, memberships

LIFECYCLE_KINDS = (EventKind.JOIN, EventKind.LEAVE, EventKind.REMOVAL, EventKind.ADMIN_CHANGE)


@dataclass(slots=True)
class Activity:
    """How one member's messages in one group change with the recomputed days."""

    messages: int = 0  # new minus old messages on those days
    first_us: int | None = None  # earliest and latest message on those days, as now computed
    last_us: int | None = None

    def add(self, messages: int, first_us: int | None, last_us: int | None) -> None:
        """A recomputed day's messages of this member, with its first and last."""
        self.messages += messages
        self.first_us = _earliest(self.first_us, first_us)
        self.last_us = _latest(self.last_us, last_us)


def activity_of(activity: dict[tuple[int, int], Activity], group_id: int, member_id: int) -> Activity:
    found = activity.get((group_id, member_id))
    if found is None:
        found = activity[(group_id, member_id)] = Activity()
    return found


def _earliest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)


_LIFECYCLE_FIELDS = ("joined_us", "left_us", "inviter_id", "join_channel", "is_admin")
# What a membership derives from events, before any: also what a fill from scratch resets.
_BLANK: dict[str, Any] = {
    "joined_us": None,
    "left_us": None,
    "inviter_id": None,
    "join_channel": None,
    "first_message_us": None,
    "last_message_us": None,
    "messages": 0,
    "is_admin": False,
}


def reset_memberships(connection: Connection) -> None:
    """Before a fill from the first event, forget what memberships derived from earlier fills (their
    designated roles stay): the fill then adds everything again."""
    connection.execute(update(memberships).values(**_BLANK))


def update_memberships(
    connection: Connection, lifecycle: set[tuple[int, int]], activity: dict[tuple[int, int], Activity]
) -> None:
    """Bring memberships up to date with a chunk of new events: `lifecycle` holds the pairs with a new
    join, leave, removal or admin change, `activity` what the recomputed days changed. Roles an operator
    designated are kept; only rows that change are written."""
    pairs = sorted(lifecycle | {pair for pair, change in activity.items() if change.messages})
    for start in range(0, len(pairs), IN_LIST):
        chunk = pairs[start : start + IN_LIST]
        _update_membership_chunk(connection, chunk, lifecycle, activity)


_STATE_FIELDS = (
    "joined_us",
    "left_us",
    "inviter_id",
    "join_channel",
    "is_admin",
    "first_message_us",
    "last_message_us",
    "messages",
)


def _update_membership_chunk(
    connection: Connection,
    pairs: list[tuple[int, int]],
    lifecycle: set[tuple[int, int]],
    activity: dict[tuple[int, int], Activity],
) -> None:
    wanted = set(pairs)
    group_ids, member_ids = _ids(pairs)
    current: dict[tuple[int, int], dict[str, Any]] = {}
    # Several groups and members per query: the rows found are filtered to the pairs wanted. Designated
    # roles are neither read nor written: an update leaves them as they are.
    rows = driver_rows(
        connection,
        f"SELECT group_id, member_id, {', '.join(_STATE_FIELDS)} FROM memberships "
        f"WHERE group_id IN ({placeholders(len(group_ids))}) "
        f"AND member_id IN ({placeholders(len(member_ids))})",
        [*group_ids, *member_ids],
    )
    for row in rows:
        pair = (row[0], row[1])
        if pair in wanted:
            current[pair] = dict(zip(_STATE_FIELDS, row[2:], strict=True)) | {"is_admin": bool(row[6])}
    replayed = _replay_lifecycle(connection, [pair for pair in pairs if pair in lifecycle])
    updates: list[tuple[Any, ...]] = []
    inserts: list[dict[str, Any]] = []
    for pair in pairs:
        before = current.get(pair)
        state = dict(before) if before is not None else _empty_membership(*pair)
        if pair in replayed:
            state.update(replayed[pair])
        change = activity.get(pair)
        if change is not None and change.messages:
            state["messages"] = (state["messages"] or 0) + change.messages
            state["first_message_us"] = _earliest(state["first_message_us"], change.first_us)
            state["last_message_us"] = _latest(state["last_message_us"], change.last_us)
        if before is None:
            if pair in replayed or state["messages"]:
                inserts.append(state)
        elif state != before:
            updates.append((*(state[name] for name in _STATE_FIELDS), *pair))
    if updates:
        assignments = ", ".join(f"{name} = ?" for name in _STATE_FIELDS)
        driver_executemany(
            connection, f"UPDATE memberships SET {assignments} WHERE group_id = ? AND member_id = ?", updates
        )
    if inserts:
        connection.execute(insert(memberships), inserts)


def _empty_membership(group_id: int, member_id: int) -> dict[str, Any]:
    return {"group_id": group_id, "member_id": member_id, **_BLANK, "roles": []}


def _ids(pairs: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """The group ids and the member ids of (group, member) pairs, each sorted once."""
    return sorted({group_id for group_id, _ in pairs}), sorted({member_id for _, member_id in pairs})


def _replay_lifecycle(
    connection: Connection, pairs: list[tuple[int, int]]
) -> dict[tuple[int, int], dict[str, Any]]:
    """Join, leave, removal and admin state of each pair, replayed from all its lifecycle events."""
    if not pairs:
        return {}
    wanted = set(pairs)
    group_ids, member_ids = _ids(pairs)
    state: dict[tuple[int, int], dict[str, Any]] = {}
    rows = driver_rows(
        connection,
        # The condition is exactly the partial index's, so that the index is used.
        "SELECT group_id, member_id, actor_id, kind, ts_us, payload FROM events "
        f"WHERE group_id IN ({placeholders(len(group_ids))}) AND {LIFECYCLE_WHERE} "
        f"AND kind IN ({placeholders(len(LIFECYCLE_KINDS))}) "
        f"AND member_id IN ({placeholders(len(member_ids))}) "
        "ORDER BY ts_us, id",
        [*group_ids, *(str(k) for k in LIFECYCLE_KINDS), *member_ids],
    )
    for group_id, member_id, actor_id, kind, ts_us, payload_text in rows:
        pair = (group_id, member_id)
        if pair not in wanted:
            continue
        current = state.get(pair)
        if current is None:
            current = state[pair] = {name: _BLANK[name] for name in _LIFECYCLE_FIELDS}
        payload = orjson.loads(payload_text) if payload_text else {}
        if kind == EventKind.JOIN:
            if current["joined_us"] is None or current["left_us"] is not None:
                current["joined_us"] = ts_us
                current["inviter_id"] = actor_id
                current["join_channel"] = payload.get("channel") or ("invite" if actor_id else "unknown")
            current["left_us"] = None
        elif kind in (EventKind.LEAVE, EventKind.REMOVAL):
            current["left_us"] = ts_us
        elif kind == EventKind.ADMIN_CHANGE:
            current["is_admin"] = bool(payload.get("granted", True))
    return state

"""The one write path of the event log: batched, transactional and idempotent.

Every event has a stable key (core.keys). A batch first asks which of its keys are stored already, then
inserts only the others, so replaying any batch adds nothing and the summary tells new from existing
exactly. Groups, members and their display names are created on first sight.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, select

from qunops.core.events import Event, GroupRef, MemberRef
from qunops.core.keys import KeyMaker, source_key
from qunops.core.time import to_us
from qunops.store.schema import groups, member_names, members

_LOOKUP_CHUNK = 500


@dataclass(slots=True)
class IngestSummary:
    """What one ingest did. Groups and members are those the events touched (ids)."""

    groups: set[int] = field(default_factory=set)
    members: set[tuple[str, str]] = field(default_factory=set)  # (platform, identity key)
    events_new: int = 0
    events_existing: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)  # new events by kind
    first_us: int | None = None
    last_us: int | None = None

    def add(self, other: IngestSummary) -> None:
        self.groups |= other.groups
        self.members |= other.members
        self.events_new += other.events_new
        self.events_existing += other.events_existing
        self.by_kind.update(other.by_kind)
        for value in (other.first_us,):
            if value is not None and (self.first_us is None or value < self.first_us):
                self.first_us = value
        for value in (other.last_us,):
            if value is not None and (self.last_us is None or value > self.last_us):
                self.last_us = value


class EventWriter:
    """Writes events of one workspace through one connection, inside the caller's transaction.

    The caller owns the transaction: an import commits once per file, so a file that fails half-way
    leaves nothing behind.
    """

    def __init__(self, connection: Connection, workspace_id: int, batch_size: int = 5000) -> None:
        self._connection = connection
        self._workspace_id = workspace_id
        self._batch_size = batch_size
        self._dialect = connection.dialect.name
        self._param = "?" if self._dialect == "sqlite" else "%s"
        self._group_ids: dict[tuple[str, str], int] = {}
        self._member_ids: dict[tuple[str, str], int] = {}
        self._names_seen: set[tuple[int, str]] = set()
        self._operator_names: set[str] = set()

    def write(self, events: Iterable[Event], keys: KeyMaker | None = None) -> IngestSummary:
        """Store every event not stored yet; returns what was new and what existed."""
        keys = keys or KeyMaker()
        summary = IngestSummary()
        batch: list[tuple[Event, bytes]] = []
        for event in events:
            batch.append((event, keys.key(event)))
            if len(batch) >= self._batch_size:
                self._write_batch(batch, summary)
                batch = []
        if batch:
            self._write_batch(batch, summary)
        return summary

    # -- batches -------------------------------------------------------------------------------

    def _write_batch(self, batch: list[tuple[Event, bytes]], summary: IngestSummary) -> None:
        rows: list[tuple[Any, ...]] = []
        by_group: dict[int, list[bytes]] = {}
        resolved: list[tuple[int, Event, bytes]] = []
        for event, key in batch:
            group_id = self._group_id(event.group)
            by_group.setdefault(group_id, []).append(key)
            resolved.append((group_id, event, key))
        existing = self._existing_keys(by_group)
        fresh: set[tuple[int, bytes]] = set()
        for group_id, event, key in resolved:
            summary.groups.add(group_id)
            if event.member is not None:
                summary.members.add((event.group.platform, event.member.identity_key()))
            ident = (group_id, key)
            if ident in existing or ident in fresh:
                summary.events_existing += 1
                continue
            fresh.add(ident)
            rows.append(self._row(group_id, event, key, summary))
            summary.events_new += 1
            summary.by_kind[event.kind] += 1
        if rows:
            placeholders = ",".join([self._param] * 10)
            self._cursor_executemany(
                "INSERT INTO events (group_id, key, ts_us, kind, member_id, actor_id, content_type, text, "
                f"reply_to_key, payload) VALUES ({placeholders})",
                rows,
            )

    def _row(self, group_id: int, event: Event, key: bytes, summary: IngestSummary) -> tuple[Any, ...]:
        platform = event.group.platform
        member_id = self._member_id(platform, event.member, event.ts) if event.member else None
        actor_id = self._member_id(platform, event.actor, event.ts) if event.actor else None
        payload = event.payload
        if event.mentions:
            payload = {
                **payload,
                "mentions": [self._member_id(platform, m, event.ts) for m in event.mentions],
            }
        ts = to_us(event.ts)
        if summary.first_us is None or ts < summary.first_us:
            summary.first_us = ts
        if summary.last_us is None or ts > summary.last_us:
            summary.last_us = ts
        reply = source_key(event.group, event.reply_to_source_id) if event.reply_to_source_id else None
        return (
            group_id,
            key,
            ts,
            str(event.kind),
            member_id,
            actor_id,
            str(event.content_type) if event.content_type else None,
            event.text,
            reply,
            orjson.dumps(payload).decode() if payload else None,
        )

    def _existing_keys(self, by_group: dict[int, list[bytes]]) -> set[tuple[int, bytes]]:
        found: set[tuple[int, bytes]] = set()
        cursor = self._raw_cursor()
        try:
            for group_id, keys in by_group.items():
                for start in range(0, len(keys), _LOOKUP_CHUNK):
                    chunk = keys[start : start + _LOOKUP_CHUNK]
                    if self._dialect == "sqlite":
                        marks = ",".join("?" * len(chunk))
                        cursor.execute(
                            f"SELECT key FROM events WHERE group_id = ? AND key IN ({marks})",
                            [group_id, *chunk],
                        )
                    else:
                        cursor.execute(
                            "SELECT key FROM events WHERE group_id = %s AND key = ANY(%s)", (group_id, chunk)
                        )
                    found.update((group_id, bytes(row[0])) for row in cursor.fetchall())
        finally:
            cursor.close()
        return found

    # -- groups and members --------------------------------------------------------------------

    def _group_id(self, group: GroupRef) -> int:
        ident = (str(group.platform), group.external_id)
        cached = self._group_ids.get(ident)
        if cached is not None:
            return cached
        found = self._connection.execute(
            select(groups.c.id).where(
                groups.c.workspace_id == self._workspace_id,
                groups.c.platform == ident[0],
                groups.c.external_id == ident[1],
            )
        ).scalar()
        if found is None:
            found = self._connection.execute(
                groups.insert()
                .values(
                    workspace_id=self._workspace_id,
                    platform=ident[0],
                    external_id=ident[1],
                    name=group.name[:300],
                    purpose="",
                    group_type="other",
                    duration_kind="long_term",
                    entry_threshold="none",
                    matrix="",
                    tags=[],
                    extended_resources=[],
                )
                .returning(groups.c.id)
            ).scalar_one()
        self._group_ids[ident] = found
        return found

    def _member_id(self, platform: str, member: MemberRef, ts: Any) -> int:
        ident = (str(platform), member.identity_key())
        member_id = self._member_ids.get(ident)
        if member_id is None:
            member_id = self._connection.execute(
                select(members.c.id).where(
                    members.c.workspace_id == self._workspace_id,
                    members.c.platform == ident[0],
                    members.c.external_id == ident[1],
                )
            ).scalar()
            if member_id is None:
                member_id = self._connection.execute(
                    members.insert()
                    .values(
                        workspace_id=self._workspace_id,
                        platform=ident[0],
                        external_id=ident[1][:200],
                        display_name=member.name[:300],
                        is_bot=member.is_bot,
                        is_operator=False,
                    )
                    .returning(members.c.id)
                ).scalar_one()
            self._member_ids[ident] = member_id
        name_ident = (member_id, member.name[:300])
        if name_ident not in self._names_seen:
            self._names_seen.add(name_ident)
            self._remember_name(member_id, name_ident[1], to_us(ts))
        return member_id

    def _remember_name(self, member_id: int, name: str, ts_us: int) -> None:
        """Keep every display name a member has used, with the earliest time it was seen."""
        known = self._connection.execute(
            select(member_names.c.first_seen_us).where(
                member_names.c.member_id == member_id, member_names.c.name == name
            )
        ).scalar()
        if known is None:
            self._connection.execute(
                member_names.insert().values(member_id=member_id, name=name, first_seen_us=ts_us)
            )
        elif ts_us < known:
            self._connection.execute(
                member_names.update()
                .where(member_names.c.member_id == member_id, member_names.c.name == name)
                .values(first_seen_us=ts_us)
            )

    # -- driver access -------------------------------------------------------------------------

    def _raw_cursor(self) -> Any:
        return self._connection.connection.driver_connection.cursor()  # type: ignore[union-attr]

    def _cursor_executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        # The driver's executemany skips SQLAlchemy's per-row overhead: this is the hot path of imports.
        cursor = self._raw_cursor()
        try:
            cursor.executemany(sql, rows)
        finally:
            cursor.close()

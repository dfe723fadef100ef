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

from qunops.core.events import Event
from qunops.core.keys import KEY_SCHEME, KeyMaker, LegacyKeys, legacy_source_key
from qunops.core.prepared import GroupKey, Person, Prepared, prepared
from qunops.store.schema import events, groups

_LOOKUP_CHUNK = 500


def has_groups(connection: Connection, workspace_id: int, platform: str) -> bool:
    """Whether the workspace has a group of the platform."""
    query = select(groups.c.id).where(groups.c.workspace_id == workspace_id, groups.c.platform == platform)
    return connection.execute(query.limit(1)).first() is not None


def stored_group_ids(connection: Connection, workspace_id: int, external_ids: list[str]) -> set[str]:
    """Which of the external ids name a group of the workspace already."""
    found: set[str] = set()
    for start in range(0, len(external_ids), _LOOKUP_CHUNK):
        chunk = external_ids[start : start + _LOOKUP_CHUNK]
        found.update(
            connection.execute(
                select(groups.c.external_id).where(
                    groups.c.workspace_id == workspace_id, groups.c.external_id.in_(chunk)
                )
            ).scalars()
        )
    return found


@dataclass(slots=True)
class IngestSummary:
    """What one ingest did. Groups and members are those the events touched (ids)."""

    # (platform, external id): not database ids, which a dry run's rolled-back files hand out again
    groups: set[tuple[str, str]] = field(default_factory=set)
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
        self._legacy_groups: set[int] = set()  # groups of key scheme 1 (core.keys)
        self._legacy_keys = LegacyKeys()
        self._inserted = 0
        # Groups with no events before this writer, with the highest key written to each so far (None
        # before the first): keys sort as events arrive (core.keys), so a batch whose keys all come after
        # it cannot hold a stored one, which answers most batches of a first import without a query.
        self._newest_of_new_groups: dict[int, bytes | None] = {}
        self._analyze_at = 5000
        self._rows_before: int | None = None  # PostgreSQL's estimate of the events already stored
        self._member_ids: dict[tuple[str, str], int] = {}
        self._seen_names: set[tuple[tuple[str, str], str]] = set()  # names already stored this run
        self._name_times: dict[tuple[tuple[str, str], str], int] = {}  # names to store, earliest time
        self._name_only: set[int] = set()  # members known by a display name only (`store.aliases`)

    def write(self, events: Iterable[Event], keys: KeyMaker | None = None) -> IngestSummary:
        """Store every event not stored yet; returns what was new and what existed."""
        return self.write_prepared(prepared(events, keys))

    def write_prepared(self, events: Iterable[Prepared]) -> IngestSummary:
        """`write` for events prepared already (by `Preparer`, maybe in another process)."""
        summary = IngestSummary()
        batch: list[Prepared] = []
        size = self._batch_size
        for event in events:
            batch.append(event)
            if len(batch) >= size:
                self._write_batch(batch, summary)
                batch = []
        if batch:
            self._write_batch(batch, summary)
        return summary

    def write_batches(self, batches: Iterable[list[Prepared]]) -> IngestSummary:
        """`write_prepared` for events that come in lists already (of any size)."""
        summary = IngestSummary()
        size = self._batch_size
        for batch in batches:
            for start in range(0, len(batch), size):
                self._write_batch(batch[start : start + size] if len(batch) > size else batch, summary)
        return summary

    # -- batches -------------------------------------------------------------------------------

    def _write_batch(self, batch: list[Prepared], summary: IngestSummary) -> None:
        group_ids: list[int] = []
        by_group: dict[int, list[bytes]] = {}
        last_group: GroupKey | None = None
        group_id = 0
        keys: list[bytes] = []
        legacy = self._legacy_groups
        for event in batch:
            group = event[0]
            if group is not last_group:
                last_group, group_id = group, self._group_id(group)
                keys = by_group.setdefault(group_id, [])
                summary.groups.add((group[0], group[1]))
            group_ids.append(group_id)
            keys.append(event[1])
        if legacy and not legacy.isdisjoint(by_group):
            batch = [
                self._legacy_keyed(event) if group_id in legacy else event
                for group_id, event in zip(group_ids, batch, strict=True)
            ]
            by_group = {}
            for group_id, event in zip(group_ids, batch, strict=True):
                by_group.setdefault(group_id, []).append(event[1])
        existing = self._existing_keys(by_group)
        if not existing and sum(len(set(keys)) for keys in by_group.values()) == len(batch):
            new_ids, new_events = group_ids, batch  # the common case of a first import: no repeats
        else:
            fresh: set[tuple[int, bytes]] = set()
            new_ids, new_events = [], []
            for group_id, event in zip(group_ids, batch, strict=True):
                ident = (group_id, event[1])
                if ident in existing or ident in fresh:
                    # The people it names count as the summary's members as they would for a new event.
                    platform = event[0][0]
                    for person in (event[4], event[5], *event[10]):
                        if person is not None:
                            summary.members.add((platform, person[0]))
                    continue
                fresh.add(ident)
                new_ids.append(group_id)
                new_events.append(event)
        summary.events_existing += len(batch) - len(new_events)
        if not new_events:
            return
        summary.members.update(self._resolve_members(new_events))
        rows = self._rows(new_ids, new_events)
        summary.events_new += len(rows)
        summary.by_kind.update(event[3] for event in new_events)
        times = [event[2] for event in new_events]
        first, last = min(times), max(times)
        summary.first_us = first if summary.first_us is None else min(first, summary.first_us)
        summary.last_us = last if summary.last_us is None else max(last, summary.last_us)
        self._insert_events(rows)

    def _legacy_keyed(self, event: Prepared) -> Prepared:
        """The event keyed as its group's events were first stored (key scheme 1)."""
        group = (event[0][0], event[0][1])
        member, actor, reply = event[4], event[5], event[12]
        key = self._legacy_keys.key(
            group,
            event[11],
            event[2],
            event[3],
            member[0] if member is not None else "",
            actor[0] if actor is not None else "",
            event[6] or "",
            event[7],
        )
        reply_key = legacy_source_key(group, reply) if reply is not None else None
        return (*event[:1], key, *event[2:8], reply_key, *event[9:])

    def _rows(self, group_ids: list[int], batch: list[Prepared]) -> list[tuple[Any, ...]]:
        ids = self._member_ids
        rows: list[tuple[Any, ...]] = []
        append = rows.append
        for group_id, event in zip(group_ids, batch, strict=True):
            platform = event[0][0]
            member, actor, payload = event[4], event[5], event[9]
            if type(payload) is dict:
                # mentions are stored as member ids, known only now
                mentions = [ids[(platform, m[0])] for m in event[10]]
                payload = orjson.dumps({**payload, "mentions": mentions}).decode()
            append(
                (
                    group_id,
                    event[1],
                    event[2],
                    event[3],
                    ids[(platform, member[0])] if member is not None else None,
                    ids[(platform, actor[0])] if actor is not None else None,
                    event[6],
                    event[7],
                    event[8],
                    payload,
                )
            )
        return rows

    def _insert_events(self, rows: list[tuple[Any, ...]]) -> None:
        columns = "group_id, key, ts_us, kind, member_id, actor_id, content_type, text, reply_to_key, payload"
        self._bulk_insert("events", columns, rows)
        self._inserted += len(rows)
        if self._dialect == "postgresql" and self._inserted >= self._analyze_at:
            # A bulk load outruns autovacuum: with stale statistics the planner answers the existence
            # checks by scanning the whole group instead of the key index, and each batch gets slower.
            # Refresh them as the tables grow (at 5k, 20k, 80k... rows: a few times per import), unless
            # what this writer adds is small beside what the table held (a day's events over a year's
            # history change no plan, and each ANALYZE of a large table costs a third of a second).
            cursor = self._raw_cursor()
            try:
                if self._rows_before is None:
                    cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'events'")
                    found = cursor.fetchone()
                    self._rows_before = max(0, int(found[0])) if found else 0
                if self._inserted * 10 >= self._rows_before:
                    cursor.execute("ANALYZE events, members, member_names")
            finally:
                cursor.close()
            self._analyze_at *= 4

    def _bulk_insert(self, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
        if self._dialect == "postgresql":
            # COPY is PostgreSQL's bulk path: one stream for the batch instead of a statement per row.
            cursor = self._raw_cursor()
            try:
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            finally:
                cursor.close()
            return
        placeholders = ",".join([self._param] * (columns.count(",") + 1))
        self._cursor_executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)

    def _existing_keys(self, by_group: dict[int, list[bytes]]) -> set[tuple[int, bytes]]:
        found: set[tuple[int, bytes]] = set()
        cursor = self._raw_cursor()
        try:
            for group_id, keys in by_group.items():
                if group_id in self._newest_of_new_groups:
                    newest = self._newest_of_new_groups[group_id]
                    highest = max(keys)
                    self._newest_of_new_groups[group_id] = highest if newest is None else max(newest, highest)
                    if newest is None or min(keys) > newest:
                        continue
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

    def _group_id(self, group: GroupKey) -> int:
        ident = (group[0], group[1])
        cached = self._group_ids.get(ident)
        if cached is not None:
            return cached
        stored = self._connection.execute(
            select(groups.c.id, groups.c.key_scheme).where(
                groups.c.workspace_id == self._workspace_id,
                groups.c.platform == ident[0],
                groups.c.external_id == ident[1],
            )
        ).first()
        found = stored[0] if stored is not None else None
        if stored is not None and stored[1] != KEY_SCHEME:
            self._legacy_groups.add(stored[0])
        if found is None:
            found = self._connection.execute(
                groups.insert()
                .values(
                    workspace_id=self._workspace_id,
                    platform=ident[0],
                    external_id=ident[1],
                    name=group[2][:300],
                    purpose="",
                    group_type="other",
                    duration_kind="long_term",
                    entry_threshold="none",
                    matrix="",
                    tags=[],
                    extended_resources=[],
                    key_scheme=KEY_SCHEME,
                )
                .returning(groups.c.id)
            ).scalar_one()
        if not self._connection.execute(
            select(events.c.id).where(events.c.group_id == found).limit(1)
        ).first():
            self._newest_of_new_groups[found] = None
        self._group_ids[ident] = found
        return found

    def _resolve_members(self, batch: list[Prepared]) -> set[tuple[str, str]]:
        """Give every person the batch names a member id, creating members and remembering names in bulk."""
        # First the earliest time of each person (as the batch names them) per platform; the same person
        # tuple recurs for every message of a sender, so this is one dict lookup per person and event.
        earliest_by_platform: dict[str, dict[Person, int]] = {}
        platform = ""
        earliest: dict[Person, int] = {}
        for event in batch:
            if event[0][0] != platform:
                platform = event[0][0]
                earliest = earliest_by_platform.setdefault(platform, {})
            ts = event[2]
            member, actor, mentions = event[4], event[5], event[10]
            people = (member,) if actor is None and not mentions else (member, actor, *mentions)
            for person in people:
                if person is None:
                    continue
                earlier = earliest.get(person)
                if earlier is None or ts < earlier:
                    earliest[person] = ts
        first_seen: dict[tuple[str, str], Person] = {}
        seen_names = self._seen_names
        name_times = self._name_times
        for platform, earliest in earliest_by_platform.items():
            for person, ts in earliest.items():
                ident = (platform, person[0])
                if ident not in first_seen:
                    first_seen[ident] = person
                name_key = (ident, person[1])
                if name_key not in seen_names:
                    earlier = name_times.get(name_key)
                    if earlier is None or ts < earlier:
                        name_times[name_key] = ts
        missing = [ident for ident in first_seen if ident not in self._member_ids]
        if missing:
            self._load_member_ids(missing)
            absent = [ident for ident in missing if ident not in self._member_ids]
            if absent:
                self._bulk_insert(
                    "members",
                    "workspace_id, platform, external_id, display_name, is_bot, is_operator",
                    [
                        (
                            self._workspace_id,
                            p,
                            e[:200],
                            first_seen[(p, e)][1][:300],
                            first_seen[(p, e)][2],
                            False,
                        )
                        for p, e in absent
                    ],
                )
                self._load_member_ids(absent)
        self._remember_names()
        ids = self._member_ids
        self._name_only.update(ids[ident] for ident in first_seen if ident[1].startswith("name:"))
        return set(first_seen)

    @property
    def group_ids(self) -> list[int]:
        """The groups this writer has written to (or found events of)."""
        return sorted(set(self._group_ids.values()))

    @property
    def name_only_members(self) -> set[int]:
        """The members known by a display name only that this writer's events name."""
        return set(self._name_only)

    def _load_member_ids(self, idents: list[tuple[str, str]]) -> None:
        # A member an operator merged into another stands for that one (`store/aliases.py`).
        by_platform: dict[str, list[str]] = {}
        for platform, external in idents:
            by_platform.setdefault(platform, []).append(external[:200])
        cursor = self._raw_cursor()
        try:
            for platform, externals in by_platform.items():
                for start in range(0, len(externals), _LOOKUP_CHUNK):
                    chunk = externals[start : start + _LOOKUP_CHUNK]
                    if self._dialect == "sqlite":
                        cursor.execute(
                            "SELECT external_id, COALESCE(merged_into, id) FROM members "
                            "WHERE workspace_id = ? AND platform = ? "
                            f"AND external_id IN ({','.join('?' * len(chunk))})",
                            [self._workspace_id, platform, *chunk],
                        )
                    else:
                        cursor.execute(
                            "SELECT external_id, COALESCE(merged_into, id) FROM members "
                            "WHERE workspace_id = %s AND platform = %s "
                            "AND external_id = ANY(%s::varchar[])",
                            (self._workspace_id, platform, chunk),
                        )
                    for external, member_id in cursor.fetchall():
                        self._member_ids[(platform, external)] = member_id
        finally:
            cursor.close()
        # Identities longer than the column were cut: map the full key to the stored one.
        for platform, external in idents:
            if len(external) > 200 and (platform, external[:200]) in self._member_ids:
                self._member_ids[(platform, external)] = self._member_ids[(platform, external[:200])]

    def _remember_names(self) -> None:
        """Keep every display name a member has used, with the earliest time it was seen."""
        if not self._name_times:
            return
        pending = {
            (self._member_ids[ident], name[:300]): ts for (ident, name), ts in self._name_times.items()
        }
        for ident, name in self._name_times:
            self._seen_names.add((ident, name))
        self._name_times.clear()
        stored: dict[tuple[int, str], int] = {}
        member_list = sorted({member_id for member_id, _ in pending})
        cursor = self._raw_cursor()
        try:
            for start in range(0, len(member_list), _LOOKUP_CHUNK):
                chunk = member_list[start : start + _LOOKUP_CHUNK]
                if self._dialect == "sqlite":
                    cursor.execute(
                        "SELECT member_id, name, first_seen_us FROM member_names "
                        f"WHERE member_id IN ({','.join('?' * len(chunk))})",
                        chunk,
                    )
                else:
                    cursor.execute(
                        "SELECT member_id, name, first_seen_us FROM member_names WHERE member_id = ANY(%s)",
                        (chunk,),
                    )
                stored.update(((m, n), t) for m, n, t in cursor.fetchall())
        finally:
            cursor.close()
        inserts = [(m, n, t) for (m, n), t in pending.items() if (m, n) not in stored]
        earlier = [(t, m, n) for (m, n), t in pending.items() if (m, n) in stored and t < stored[(m, n)]]
        p = self._param
        if inserts:
            self._bulk_insert("member_names", "member_id, name, first_seen_us", inserts)
        if earlier:
            self._cursor_executemany(
                f"UPDATE member_names SET first_seen_us = {p} WHERE member_id = {p} AND name = {p}", earlier
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

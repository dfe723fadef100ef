"""Stored keys define idempotency: they must stay byte for byte what they were when first written.

Two rules exist: scheme 2 (keys that sort as events arrive) for groups created since, and scheme 1 (all
hashes) for groups stored before; each is written out plainly here and checked against the code.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update

from qunops.core import keys
from qunops.core.events import ContentType, Event, EventKind, GroupRef, MemberRef
from qunops.core.keys import KeyMaker, legacy_source_key, source_key
from qunops.core.platforms import Platform
from qunops.core.time import to_us
from qunops.ingestion import import_events
from qunops.store.schema import events as stored
from qunops.store.schema import groups


def _reference_keys(events: list[Event]) -> list[bytes]:
    """Scheme 1 written out plainly, as the first stored keys were made."""
    seen: Counter[bytes] = Counter()
    keys = []
    for event in events:
        group = event.group
        if event.source_id is not None:
            text = f"id\x1f{group.platform}\x1f{group.external_id}\x1f{event.source_id}"
            keys.append(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest())
            continue
        parts = (
            "h",
            group.platform,
            group.external_id,
            str(int(event.ts.timestamp() * 1_000_000)),
            event.kind,
            event.member.identity_key() if event.member else "",
            event.actor.identity_key() if event.actor else "",
            event.content_type or "",
            event.text,
        )
        base = hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).digest()
        position = seen[base]
        seen[base] += 1
        if position:
            text = f"{base.hex()}\x1f{position}"
            base = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        keys.append(base)
    return keys


def _scheme_2_keys(events: list[Event]) -> list[bytes]:
    """Scheme 2 written out plainly: numbered ids as numbers, other ids hashed, the rest by time."""
    seen: Counter[bytes] = Counter()
    keys = []
    for event in events:
        group = event.group
        source = event.source_id
        if source is not None:
            if source.isascii() and source.isdigit() and (source == "0" or not source.startswith("0")):
                keys.append(b"\x01" + int(source).to_bytes(15, "big"))
            else:
                text = f"id\x1f{group.platform}\x1f{group.external_id}\x1f{source}"
                keys.append(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest())
            continue
        micros = (event.ts - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
        parts = (
            "t",
            group.platform,
            group.external_id,
            event.kind,
            event.member.identity_key() if event.member else "",
            event.actor.identity_key() if event.actor else "",
            event.content_type or "",
            event.text,
        )
        digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=8)
        base = (micros + 2**63).to_bytes(8, "big") + digest.digest()
        position = seen[base]
        seen[base] += 1
        if position:
            text = f"{base.hex()}\x1f{position}"
            base = base[:8] + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        keys.append(base)
    return keys


def _mixed_events(surrogates: bool = True) -> list[Event]:
    """Two groups (one of them also as an equal copy), shared and fresh times, ids that are numbers
    and ids that are not, surrogates, and a replay within the stream."""
    groups = [GroupRef(Platform.WHATSAPP, "whatsapp:a", "a"), GroupRef(Platform.TELEGRAM, "-1007", "b")]
    alice, bob = MemberRef("Alice"), MemberRef("Bob", "42")
    t0 = datetime(2024, 3, 12, 1, 2, tzinfo=UTC)
    events = []
    for n in range(60):
        ts = t0 + timedelta(minutes=n // 4, microseconds=7 if n % 9 == 0 else 0)  # shared and fresh times
        group = (
            groups[(n // 5) % 2] if n % 3 else GroupRef(Platform.WHATSAPP, "whatsapp:a", "a")
        )  # equal copy
        events.append(
            Event(
                group,
                EventKind.MESSAGE if n % 6 else EventKind.JOIN,
                ts,
                member=alice if n % 2 else bob,
                actor=bob if n % 6 == 0 else None,
                content_type=ContentType.TEXT if n % 6 else None,
                text="同じ text 😀" if n % 4 or not surrogates else "\ud800 surrogate",
                source_id=(str(n % 10) if n % 2 else f"0{n % 10}") if n % 5 == 0 else None,
            )
        )
    return events + events[:20]  # a replay within the stream: positions count up


def test_keys_are_the_reference_keys_whatever_objects_are_shared() -> None:
    events = _mixed_events()
    maker = KeyMaker()
    assert [maker.key(event) for event in events] == _scheme_2_keys(events)
    group = GroupRef(Platform.TELEGRAM, "-1007", "b")
    assert maker.source_key(group, "9") == source_key(group, "9") == b"\x01" + bytes(14) + b"\x09"
    assert maker.source_key(group, "x9") == source_key(group, "x9") == legacy_source_key(group, "x9")


def test_keys_sort_as_events_arrive() -> None:
    """What makes the key index cheap: each new key lands after the group's earlier ones."""
    group = GroupRef(Platform.WHATSAPP, "whatsapp:a", "a")
    t0 = datetime(1969, 12, 31, 23, 0, tzinfo=UTC)  # before 1970 too
    timed = [
        Event(group, EventKind.MESSAGE, t0 + timedelta(seconds=n * 37), MemberRef(f"m{n % 7}"), text=f"{n}")
        for n in range(500)
    ]
    numbered = [str(n) for n in (1, 2, 9, 10, 99, 100, 12345, 2**64)]
    maker = KeyMaker()
    timed_keys = [maker.key(event) for event in timed]
    number_keys = [maker.source_key(group, number) for number in numbered]
    assert timed_keys == sorted(timed_keys) and len(set(timed_keys)) == len(timed)
    assert number_keys == sorted(number_keys) and len(set(number_keys)) == len(numbered)
    # Ids that are not plain numbers, or too big for the key, are hashed instead.
    for odd in ("-5", "007", "١٢", "1" * 40, "12a"):
        assert maker.source_key(group, odd) == legacy_source_key(group, odd)


def test_a_group_stored_under_scheme_1_keeps_its_keys(engine: Engine, workspace: int) -> None:
    """A group whose events were keyed before ordered keys: new events get its old keys, so a re-import
    of what it holds adds nothing, and events new to it add exactly themselves."""
    events = _mixed_events(surrogates=False)  # importers store text without lone surrogates
    first, later = events[:50], events[30:]  # two exports that overlap
    import_events(engine, workspace, iter(first))
    old_keys = dict(zip(range(1, len(first) + 1), _reference_keys(first), strict=True))
    with engine.begin() as connection:
        # As the migration leaves a group stored before: scheme 1, its events keyed by the old rule.
        connection.execute(update(groups).values(key_scheme=1))
        ids = [row[0] for row in connection.execute(select(stored.c.id).order_by(stored.c.id))]
        assert len(ids) == len(set(_reference_keys(first)))  # the replayed events were stored once
        by_key = _first_ids(_reference_keys(first))
        for event_id, position in zip(ids, sorted(by_key.values()), strict=True):
            connection.execute(
                update(stored).where(stored.c.id == event_id).values(key=old_keys[position + 1])
            )
    again = import_events(engine, workspace, iter(first))
    assert (again.events_new, again.events_existing) == (0, len(first))
    overlap = import_events(engine, workspace, iter(later))
    # Each import is a stream of its own: positions among identical events count within it.
    expected_new = len(set(_reference_keys(later)) - set(_reference_keys(first)))
    assert expected_new > 0
    assert (overlap.events_new, overlap.events_existing) == (expected_new, len(later) - expected_new)
    with engine.connect() as connection:
        keys = {bytes(row[0]) for row in connection.execute(select(stored.c.key))}
    assert keys == set(_reference_keys(first)) | set(_reference_keys(later))


def _first_ids(keys: list[bytes]) -> dict[bytes, int]:
    """Each distinct key with the position of its first event (the one that was stored)."""
    first: dict[bytes, int] = {}
    for position, key in enumerate(keys):
        first.setdefault(key, position)
    return first


def test_positions_are_remembered_within_a_day_and_memory_stays_flat(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long file keeps only about a day of content keys per group; identical events (which share
    their time) still get their positions, and the same stream gives the same keys every time."""
    monkeypatch.setattr(keys, "POSITIONS_KEPT", 50)
    group = GroupRef(Platform.WHATSAPP, "whatsapp:a", "a")
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    stream = []
    for n in range(2_000):  # a message every 5 minutes for a week: 288 a day; each one sent twice
        ts = t0 + timedelta(minutes=5 * n)
        stream += [Event(group, EventKind.MESSAGE, ts, MemberRef(f"m{n % 3}"), text="同じ")] * 2
    maker = KeyMaker()
    made = [maker.key(event) for event in stream]
    assert made == _scheme_2_keys(stream)  # identical events next to each other: as if nothing were forgotten
    assert len(set(made)) == len(stream)
    again = KeyMaker()
    assert [again.key(event) for event in stream] == made
    kept = maker._positions[group].counts  # the one place that grows with the file
    assert 288 <= len(kept) <= 4 * 288


def test_scheme_1_positions_are_remembered_within_a_day_and_memory_stays_flat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Old groups' keys forget as new ones do: a week of identical pairs keeps about a day of them, and
    every key is still the plainly written rule's."""
    monkeypatch.setattr(keys, "POSITIONS_KEPT", 50)
    group = GroupRef(Platform.WHATSAPP, "whatsapp:a", "a")
    other = GroupRef(Platform.WHATSAPP, "whatsapp:b", "b")  # a month older: its positions are its own
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    stream = []
    for n in range(2_000):  # a message every 5 minutes for a week: 288 a day; each one sent twice
        ts = t0 + timedelta(minutes=5 * n)
        stream += [Event(group, EventKind.MESSAGE, ts, MemberRef(f"m{n % 3}"), text="同じ")] * 2
        if n % 100 == 0:
            stream += [Event(other, EventKind.MESSAGE, ts - timedelta(days=30), MemberRef("x"), text="a")] * 2
    legacy = keys.LegacyKeys()

    def legacy_key(event: Event) -> bytes:
        assert event.member is not None
        ident = (event.group.platform.value, event.group.external_id)
        return legacy.key(
            ident, None, to_us(event.ts), event.kind, event.member.identity_key(), "", "", event.text
        )

    made = [legacy_key(event) for event in stream]
    assert made == _reference_keys(stream)
    assert len(set(made)) == len(stream)
    kept = legacy._positions[("whatsapp", "whatsapp:a")].counts
    assert 288 <= len(kept) <= 4 * 288

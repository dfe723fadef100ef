"""Stored keys define idempotency: they must stay byte for byte what they were when first written."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta

from qunops.core.events import ContentType, Event, EventKind, GroupRef, MemberRef
from qunops.core.keys import KeyMaker, source_key
from qunops.core.platforms import Platform


def _reference_keys(events: list[Event]) -> list[bytes]:
    """The key rule written out plainly, as the first stored keys were made."""
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


def test_keys_are_the_reference_keys_whatever_objects_are_shared() -> None:
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
                text="同じ text 😀" if n % 4 else "\ud800 surrogate",
                source_id=str(n % 10) if n % 5 == 0 else None,
            )
        )
    events += events[:20]  # a replay within the stream: positions count up
    maker = KeyMaker()
    assert [maker.key(event) for event in events] == _reference_keys(events)
    assert maker.source_key(groups[1], "9") == source_key(groups[1], "9")

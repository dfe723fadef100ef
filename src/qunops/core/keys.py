"""Stable event keys: the same event from any source, imported any number of times, has one key."""

from __future__ import annotations

import hashlib
from collections import Counter

from qunops.core.events import Event, GroupRef


def source_key(group: GroupRef, source_id: str) -> bytes:
    """Key of an event that has a platform message id."""
    return _digest(f"id\x1f{group.platform}\x1f{group.external_id}\x1f{source_id}")


class KeyMaker:
    """Keys for one stream of events from one source.

    An event with a platform message id is keyed by it. One without is keyed by a hash of its group,
    time, kind, member and content, plus its position among identical events in the stream: two identical
    messages sent in the same second stay two events, while a re-import of the same file yields the same
    keys again.
    """

    def __init__(self) -> None:
        self._seen: Counter[bytes] = Counter()

    def key(self, event: Event) -> bytes:
        if event.source_id is not None:
            return source_key(event.group, event.source_id)
        member = event.member.identity_key() if event.member else ""
        actor = event.actor.identity_key() if event.actor else ""
        base = _digest(
            "\x1f".join(
                (
                    "h",
                    event.group.platform,
                    event.group.external_id,
                    str(int(event.ts.timestamp() * 1_000_000)),
                    event.kind,
                    member,
                    actor,
                    event.content_type or "",
                    event.text,
                )
            )
        )
        position = self._seen[base]
        self._seen[base] = position + 1
        return base if position == 0 else _digest(f"{base.hex()}\x1f{position}")


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

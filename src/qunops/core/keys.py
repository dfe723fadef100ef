"""Stable event keys: the same event from any source, imported any number of times, has one key."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from qunops.core.events import Event, GroupRef


def source_key(group: GroupRef, source_id: str) -> bytes:
    """Key of an event that has a platform message id."""
    hasher = _source_prefix(group)
    hasher.update(source_id.encode("utf-8", "surrogatepass"))
    return hasher.digest()


def _source_prefix(group: GroupRef) -> Any:
    return hashlib.blake2b(
        f"id\x1f{group.platform}\x1f{group.external_id}\x1f".encode("utf-8", "surrogatepass"), digest_size=16
    )


class KeyMaker:
    """Keys for one stream of events from one source.

    An event with a platform message id is keyed by it. One without is keyed by a hash of its group,
    time, kind, member and content, plus its position among identical events in the stream: two identical
    messages sent in the same second stay two events, while a re-import of the same file yields the same
    keys again.
    """

    def __init__(self) -> None:
        self._seen: Counter[bytes] = Counter()
        self._prefixes: dict[GroupRef, Any] = {}

    def key(self, event: Event) -> bytes:
        if event.source_id is not None:
            # The hash state of the group's prefix is kept and copied: keys are the hot path of imports.
            prefix = self._prefixes.get(event.group)
            if prefix is None:
                prefix = self._prefixes[event.group] = _source_prefix(event.group)
            hasher = prefix.copy()
            hasher.update(event.source_id.encode("utf-8", "surrogatepass"))
            return bytes(hasher.digest())
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

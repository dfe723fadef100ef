"""Stable event keys: the same event from any source, imported any number of times, has one key."""

from __future__ import annotations

import hashlib
from datetime import datetime
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
        self._seen: dict[bytes, int] = {}
        self._prefixes: dict[GroupRef, Any] = {}
        # The last group and time seen, with what was derived from them: parsers reuse one GroupRef per
        # chat and one datetime per stamp, so an identity test answers most events (keys are the hot path
        # of imports).
        self._group: GroupRef | None = None
        self._prefix: Any = None
        self._text_prefix = ""
        self._ts: datetime | None = None
        self._ts_text = ""

    def key(self, event: Event) -> bytes:
        group = event.group
        if event.source_id is not None:
            return self.source_key(group, event.source_id)
        if group is not self._group:
            self._use_group(group)
        ts = event.ts
        if ts is not self._ts:
            self._ts, self._ts_text = ts, str(int(ts.timestamp() * 1_000_000))
        member = event.member.identity_key() if event.member else ""
        actor = event.actor.identity_key() if event.actor else ""
        base = _digest(
            "\x1f".join(
                (
                    self._text_prefix,
                    self._ts_text,
                    event.kind,
                    member,
                    actor,
                    event.content_type or "",
                    event.text,
                )
            )
        )
        seen = self._seen
        position = seen.get(base, 0)
        seen[base] = position + 1
        return base if position == 0 else _digest(f"{base.hex()}\x1f{position}")

    def source_key(self, group: GroupRef, source_id: str) -> bytes:
        """The same as the module's `source_key`, from the group's hash state kept and copied."""
        if group is not self._group:
            self._use_group(group)
        hasher = self._prefix.copy()
        hasher.update(source_id.encode("utf-8", "surrogatepass"))
        return hasher.digest()

    def _use_group(self, group: GroupRef) -> None:
        prefix = self._prefixes.get(group)
        if prefix is None:
            prefix = self._prefixes[group] = _source_prefix(group)
        self._group, self._prefix = group, prefix
        self._text_prefix = f"h\x1f{group.platform}\x1f{group.external_id}"


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

"""Stable event keys: the same event from any source, imported any number of times, has one key.

Keys are unique per group, and the store's unique index of (group, key) is updated for every event
written. Keys are therefore made to sort the way events arrive, so that a new event's key lands at the
end of its group's part of the index instead of on a random page of it:

- an event with a platform message id that is a plain number (Telegram, Discord, QQ and most gateways
  number messages in order) is keyed by that number;
- one with another message id is keyed by a hash of it;
- one without is keyed by its time, then a hash of its content.

Groups whose events were stored before this rule (key scheme 1, kept in `groups.key_scheme`) keep the
first rule, all hashes, which `LegacyKeys` reproduces: stored keys must stay byte for byte what they
were, or a re-import would store the same events twice.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from qunops.core.events import Event, GroupRef
from qunops.core.time import from_us, to_us

KEY_SCHEME = 2  # the rule of this module; 1 is the all-hash rule of `LegacyKeys`
_NUMBER_TAG = b"\x01"  # numbered message ids; time-keyed events start with 0x80 (times after 1970)
_NUMBER_LIMIT = 2**120  # what fits beside the tag in 16 bytes
_TIME_OFFSET = 2**63  # times before 1970 still sort, as unsigned big-endian numbers


def source_key(group: GroupRef, source_id: str) -> bytes:
    """Key of an event that has a platform message id."""
    number = _plain_number(source_id)
    if number is not None:
        return _NUMBER_TAG + number.to_bytes(15, "big")
    return legacy_source_key(group, source_id)


def legacy_source_key(group: GroupRef | tuple[str, str], source_id: str) -> bytes:
    """Scheme 1's key of an event with a message id (scheme 2's too, for ids that are not numbers)."""
    hasher = _source_prefix(group)
    hasher.update(source_id.encode("utf-8", "surrogatepass"))
    return hasher.digest()


def _plain_number(source_id: str) -> int | None:
    """The id as a number when it is written as one plainly (no sign, no leading zero, ASCII digits)."""
    if not source_id.isdigit() or not source_id.isascii() or (source_id[0] == "0" and source_id != "0"):
        return None
    number = int(source_id)
    return number if number < _NUMBER_LIMIT else None


def _source_prefix(group: GroupRef | tuple[str, str]) -> Any:
    platform, external_id = (group.platform, group.external_id) if isinstance(group, GroupRef) else group
    return hashlib.blake2b(
        f"id\x1f{platform}\x1f{external_id}\x1f".encode("utf-8", "surrogatepass"), digest_size=16
    )


class _Positions:
    """How many events of one group with each content key a stream has had, within a day of its newest.

    Identical events share their time, so only events of about the same time can be identical: those
    more than a day behind the group's newest are forgotten once many are kept, which keeps memory flat
    however long the file (a stream that went back more than a day between two identical events would
    count the second as the first; the same file still gives the same keys every time).
    """

    __slots__ = ("counts", "limit", "newest")

    def __init__(self) -> None:
        self.counts: dict[bytes, int] = {}
        self.newest = b""
        self.limit = POSITIONS_KEPT

    def next(self, base: bytes) -> int:
        counts = self.counts
        position = counts.get(base, 0)
        counts[base] = position + 1
        if base > self.newest:
            self.newest = base
        if len(counts) > self.limit:
            horizon = (int.from_bytes(self.newest[:8], "big") - _DAY_US).to_bytes(8, "big")
            self.counts = {key: count for key, count in counts.items() if key >= horizon}
            self.limit = max(POSITIONS_KEPT, 2 * len(self.counts))  # a day with more: keep them all
        return position


POSITIONS_KEPT = 100_000  # content keys remembered per group before the older ones are forgotten
_DAY_US = 86_400_000_000


class KeyMaker:
    """Keys for one stream of events from one source.

    An event with a platform message id is keyed by it. One without is keyed by its time and a hash of
    its group, kind, member and content, plus its position among identical events in the stream: two
    identical messages sent in the same microsecond stay two events, while a re-import of the same file
    yields the same keys again.
    """

    def __init__(self) -> None:
        self._positions: dict[GroupRef, _Positions] = {}
        self._group_positions = _Positions()
        self._sources: dict[GroupRef, Any] = {}
        # The last group and time seen, with what was derived from them: parsers reuse one GroupRef per
        # chat and one datetime per stamp, so an identity test answers most events (keys are the hot path
        # of imports).
        self._group: GroupRef | None = None
        self._source: Any = None
        self._text_prefix = ""
        self._ts: datetime | None = None
        self._ts_bytes = b""

    def key(self, event: Event) -> bytes:
        group = event.group
        if event.source_id is not None:
            return self.source_key(group, event.source_id)
        if group is not self._group:
            self._use_group(group)
        ts = event.ts
        if ts is not self._ts:
            self._ts, self._ts_bytes = ts, (to_us(ts) + _TIME_OFFSET).to_bytes(8, "big")
        member = event.member.identity_key() if event.member else ""
        actor = event.actor.identity_key() if event.actor else ""
        text = "\x1f".join(
            (self._text_prefix, event.kind, member, actor, event.content_type or "", event.text)
        )
        base = self._ts_bytes + _digest(text, 8)
        position = self._group_positions.next(base)
        return base if position == 0 else base[:8] + _digest(f"{base.hex()}\x1f{position}", 8)

    def source_key(self, group: GroupRef, source_id: str) -> bytes:
        """The same as the module's `source_key`, with the group's hash state kept and copied."""
        number = _plain_number(source_id)
        if number is not None:
            return _NUMBER_TAG + number.to_bytes(15, "big")
        if group is not self._group:
            self._use_group(group)
        hasher = self._source.copy()
        hasher.update(source_id.encode("utf-8", "surrogatepass"))
        return hasher.digest()

    def _use_group(self, group: GroupRef) -> None:
        source = self._sources.get(group)
        if source is None:
            source = self._sources[group] = _source_prefix(group)
        self._group, self._source = group, source
        self._text_prefix = f"t\x1f{group.platform}\x1f{group.external_id}"
        positions = self._positions.get(group)
        if positions is None:
            positions = self._positions[group] = _Positions()
        self._group_positions = positions


class LegacyKeys:
    """Scheme 1's keys, for events of groups stored under it, from an event's plain values.

    Every key was a hash: of the message id where there is one, else of the group, the time in
    microseconds (as `int(ts.timestamp() * 1e6)`, float rounding and all), kind, member, actor, content
    type and text, with the event's position among identical ones in the stream. Positions are counted
    within about a day of the group's newest event, as scheme 2's are (`_Positions`), so that memory
    stays flat however long the file.
    """

    def __init__(self) -> None:
        self._positions: dict[tuple[str, str], _Positions] = {}

    def key(
        self,
        group: tuple[str, str],
        source_id: str | None,
        ts_us: int,
        kind: str,
        member: str,
        actor: str,
        content_type: str,
        text: str,
    ) -> bytes:
        if source_id is not None:
            return legacy_source_key(group, source_id)
        # The same float the parser's datetime gave: timestamp() depends on the instant only.
        stamp = str(int(from_us(ts_us).timestamp() * 1_000_000))
        base = _digest(
            "\x1f".join(("h", group[0], group[1], stamp, kind, member, actor, content_type, text)), 16
        )
        positions = self._positions.get(group)
        if positions is None:
            positions = self._positions[group] = _Positions()
        # Counted under the time first: `_Positions` forgets by the leading time of what it counts.
        position = positions.next((ts_us + _TIME_OFFSET).to_bytes(8, "big") + base)
        return base if position == 0 else _digest(f"{base.hex()}\x1f{position}", 16)


def _digest(text: str, size: int) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=size).digest()

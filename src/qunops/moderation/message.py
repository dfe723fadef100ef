"""The message under moderation and the context it is judged in.

Detectors are pure functions of (`Message`, `ModerationContext`). The only state is what the context
carries: the member's standing in the group (join time, message count, role) and `RecentActivity`, a
bounded window of recent messages that the flooding and cross-group detectors read. The caller owns
the context; `moderate` records each message in it before the detectors run.
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from qunops.core.events import ContentType, Event
from qunops.moderation.normalize import NormalizedText, normalize

_AT_MENTION = re.compile(r"@[^\s@]{1,32}")


@dataclass(slots=True)
class Message:
    """One message as moderation sees it. Build with `Message.of` or `Message.from_event`."""

    text: str
    norm: NormalizedText
    content_type: ContentType = ContentType.TEXT
    member: str = ""  # identity key of the sender
    group: str = ""  # stable key of the group
    ts: datetime = field(default_factory=lambda: datetime.now(UTC))
    mentions: int = 0  # members mentioned (structured mentions, or @names in the text)
    mentions_all: bool = False  # @all / @所有人 / @everyone
    payload: dict[str, Any] = field(default_factory=dict)
    # Results of detectors that others reuse (links and contacts feed the newcomer rule).
    cache: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        text: str,
        *,
        content_type: ContentType = ContentType.TEXT,
        member: str = "",
        group: str = "",
        ts: datetime | None = None,
        mentions: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> Message:
        lowered = text.lower()
        mentions_all = any(tag in lowered for tag in ("@all", "@所有人", "@everyone", "@here", "@全体成员"))
        return cls(
            text=text,
            norm=normalize(text),
            content_type=content_type,
            member=member,
            group=group,
            ts=ts or datetime.now(UTC),
            mentions=len(_AT_MENTION.findall(text)) if mentions is None else mentions,
            mentions_all=mentions_all,
            payload=dict(payload or {}),
        )

    @classmethod
    def from_event(cls, event: Event) -> Message:
        group = f"{event.group.platform}:{event.group.external_id}"
        member = event.member.identity_key() if event.member else ""
        mentions = len(event.mentions) if event.mentions else None
        return cls.of(
            event.text,
            content_type=event.content_type or ContentType.TEXT,
            member=member,
            group=group,
            ts=event.ts,
            mentions=mentions,
            payload=event.payload,
        )

    @property
    def fingerprint(self) -> str:
        """Identity of the text for duplicate detection: same after normalisation, same fingerprint."""
        key = self.cache.get("fingerprint")
        if key is None:
            key = hashlib.blake2b(self.norm.compact.encode(), digest_size=12).hexdigest()
            self.cache["fingerprint"] = key
        return str(key)


@dataclass(frozen=True, slots=True)
class MemberStanding:
    """What the group knows about the sender when the message arrives."""

    joined_at: datetime | None = None
    messages_before: int | None = None  # the member's earlier messages in this group
    privileged: bool = False  # owner, admin, official account: exempt from newcomer and mention rules


@dataclass(frozen=True, slots=True)
class _Seen:
    ts: datetime
    member: str
    group: str
    fingerprint: str


class RecentActivity:
    """A bounded window of recent messages, per member and per text fingerprint.

    Entries older than `horizon` are dropped as new messages arrive, and at most `max_keys` members and
    fingerprints are tracked (the oldest keys go first), so memory stays bounded on a busy workspace.
    """

    def __init__(self, horizon: timedelta = timedelta(hours=6), max_keys: int = 200_000) -> None:
        self.horizon = horizon
        self.max_keys = max_keys
        self._by_member: dict[tuple[str, str], deque[_Seen]] = {}
        self._by_text: dict[str, deque[_Seen]] = {}

    def record(self, message: Message) -> None:
        seen = _Seen(message.ts, message.member, message.group, message.fingerprint)
        self._push(self._by_member, (message.group, message.member), seen)
        if message.norm.compact:
            self._push(self._by_text, seen.fingerprint, seen)

    def _push(self, table: dict[Any, deque[_Seen]], key: Any, seen: _Seen) -> None:
        window = table.pop(key, None)  # re-insert: dict order is least recently used first
        if window is None:
            window = deque()
            if len(table) >= self.max_keys:
                del table[next(iter(table))]
        window.append(seen)
        cutoff = seen.ts - self.horizon
        while window and window[0].ts < cutoff:
            window.popleft()
        table[key] = window

    def member_messages(self, group: str, member: str, since: datetime) -> list[_Seen]:
        window = self._by_member.get((group, member), ())
        return [s for s in window if s.ts >= since]

    def same_text(self, fingerprint: str, since: datetime) -> list[_Seen]:
        window = self._by_text.get(fingerprint, ())
        return [s for s in window if s.ts >= since]


@dataclass(slots=True)
class ModerationContext:
    """Everything beyond the message itself that the rules may use."""

    standing: MemberStanding = field(default_factory=MemberStanding)
    activity: RecentActivity = field(default_factory=RecentActivity)

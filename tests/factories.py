"""Event factories with sensible defaults, for tests that build histories by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from qunops.core.events import ContentType, Event, EventKind, GroupRef, JoinChannel, MemberRef
from qunops.core.platforms import Platform

GROUP = GroupRef(Platform.QQ, "g1", "Test group")
T0 = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


def person(n: int) -> MemberRef:
    return MemberRef(name=f"member{n}", external_id=str(1000 + n))


def message(
    who: int, at: datetime | timedelta, text: str = "hello", group: GroupRef = GROUP, **extra: Any
) -> Event:
    ts = T0 + at if isinstance(at, timedelta) else at
    return Event(
        group=group,
        kind=EventKind.MESSAGE,
        ts=ts,
        member=person(who),
        content_type=ContentType.TEXT,
        text=text,
        source_id=extra.pop("source_id", f"m{who}-{ts.timestamp():.0f}"),
        **extra,
    )


def join(who: int, at: datetime | timedelta, inviter: int | None = None, group: GroupRef = GROUP) -> Event:
    ts = T0 + at if isinstance(at, timedelta) else at
    return Event(
        group=group,
        kind=EventKind.JOIN,
        ts=ts,
        member=person(who),
        actor=person(inviter) if inviter is not None else None,
        payload={"channel": JoinChannel.INVITE if inviter is not None else JoinChannel.UNKNOWN},
    )


def leave(who: int, at: datetime | timedelta, group: GroupRef = GROUP) -> Event:
    ts = T0 + at if isinstance(at, timedelta) else at
    return Event(group=group, kind=EventKind.LEAVE, ts=ts, member=person(who))

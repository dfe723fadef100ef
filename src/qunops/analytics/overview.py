"""The list of a workspace's groups with their headline figures, read from rollups only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, func, select

from qunops.core.time import from_us_or_none, utcnow
from qunops.store.schema import group_days, groups, members, memberships


@dataclass(frozen=True, slots=True)
class GroupRow:
    id: int
    platform: str
    external_id: str
    name: str
    group_type: str
    members: int  # joined and not left, or seen speaking, per the event log; no bots or own accounts
    messages_30d: int  # member messages in the trailing 30 days
    last_message: datetime | None  # last member message (UTC)
    daily_messages: list[int]  # member messages per day, trailing 30 days, oldest first


def group_rows(connection: Connection, workspace_id: int, as_of: date | None = None) -> list[GroupRow]:
    """One row per group of the workspace, newest activity first."""
    end = as_of or utcnow().date()
    start = end - timedelta(days=29)
    member_counts: dict[int, int] = dict(
        connection.execute(
            select(memberships.c.group_id, func.count())
            .join(groups, groups.c.id == memberships.c.group_id)
            .join(members, members.c.id == memberships.c.member_id)
            .where(
                groups.c.workspace_id == workspace_id,
                memberships.c.left_us.is_(None),
                # As every report counts members: bots and the workspace's own accounts are not.
                members.c.is_bot.is_(False),
                members.c.is_operator.is_(False),
            )
            .group_by(memberships.c.group_id)
        ).all()
    )
    last_message: dict[int, int | None] = dict(
        connection.execute(
            select(group_days.c.group_id, func.max(group_days.c.last_message_us))
            .join(groups, groups.c.id == group_days.c.group_id)
            .where(groups.c.workspace_id == workspace_id)
            .group_by(group_days.c.group_id)
        ).all()
    )
    daily: dict[int, list[int]] = {}
    for group_id, day, count in connection.execute(
        select(group_days.c.group_id, group_days.c.day, group_days.c.member_messages)
        .join(groups, groups.c.id == group_days.c.group_id)
        .where(groups.c.workspace_id == workspace_id, group_days.c.day >= start, group_days.c.day <= end)
    ):
        series = daily.setdefault(group_id, [0] * 30)
        series[(day - start).days] = count
    rows = [
        GroupRow(
            id=g.id,
            platform=g.platform,
            external_id=g.external_id,
            name=g.name,
            group_type=g.group_type,
            members=int(member_counts.get(g.id, 0)),
            messages_30d=sum(daily.get(g.id, ())),
            last_message=from_us_or_none(last_message.get(g.id)),
            daily_messages=daily.get(g.id, [0] * 30),
        )
        for g in connection.execute(
            select(
                groups.c.id, groups.c.platform, groups.c.external_id, groups.c.name, groups.c.group_type
            ).where(groups.c.workspace_id == workspace_id)
        )
    ]
    rows.sort(key=lambda r: (r.last_message is None, -(r.last_message.timestamp() if r.last_message else 0)))
    return rows

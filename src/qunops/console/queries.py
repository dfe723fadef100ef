"""Reads the console needs that no capability offers: registry rows, rollup series, members, users.

Every query is scoped by workspace (directly or through a group already checked to belong to it), and
reads rollups and memberships only — never the event log — so pages stay fast at thousands of groups.
Measures with a product definition (WAD, stage, health…) come from `qunops.analytics`, not from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, and_, case, func, or_, select
from sqlalchemy.orm import aliased

from qunops.store.schema import (
    group_days,
    groups,
    member_days,
    member_names,
    members,
    memberships,
    users,
    workspace_users,
    workspaces,
)


@dataclass(frozen=True, slots=True)
class GroupBasics:
    """Registry fields and plain counts of a group, for the overview."""

    id: int
    platform: str
    external_id: str
    name: str
    group_type: str
    duration_kind: str
    tags: list[str]
    members: int
    messages_30d: int
    last_message_us: int | None
    daily_messages: list[int]  # trailing 30 days, oldest first


def workspace_timezone(connection: Connection, workspace_id: int) -> str:
    zone = connection.execute(select(workspaces.c.timezone).where(workspaces.c.id == workspace_id)).scalar()
    return str(zone or "UTC")


def group_basics(connection: Connection, workspace_id: int, start: date, end: date) -> list[GroupBasics]:
    """Every group of the workspace with member count, messages and a daily series over [start, end]."""
    length = (end - start).days + 1
    member_counts: dict[int, int] = {
        int(gid): int(n)
        for gid, n in connection.execute(
            select(memberships.c.group_id, func.count())
            .join(groups, groups.c.id == memberships.c.group_id)
            .where(groups.c.workspace_id == workspace_id, memberships.c.left_us.is_(None))
            .group_by(memberships.c.group_id)
        )
    }
    last_message: dict[int, int | None] = {
        int(gid): last
        for gid, last in connection.execute(
            select(group_days.c.group_id, func.max(group_days.c.last_message_us))
            .join(groups, groups.c.id == group_days.c.group_id)
            .where(groups.c.workspace_id == workspace_id, group_days.c.day <= end)
            .group_by(group_days.c.group_id)
        )
    }
    daily: dict[int, list[int]] = {}
    for group_id, day, count in connection.execute(
        select(group_days.c.group_id, group_days.c.day, group_days.c.member_messages)
        .join(groups, groups.c.id == group_days.c.group_id)
        .where(groups.c.workspace_id == workspace_id, group_days.c.day >= start, group_days.c.day <= end)
    ):
        daily.setdefault(group_id, [0] * length)[(day - start).days] = count
    return [
        GroupBasics(
            id=g.id,
            platform=g.platform,
            external_id=g.external_id,
            name=g.name,
            group_type=g.group_type,
            duration_kind=g.duration_kind,
            tags=[str(t) for t in (g.tags or [])],
            members=member_counts.get(g.id, 0),
            messages_30d=sum(daily.get(g.id, ())),
            last_message_us=last_message.get(g.id),
            daily_messages=daily.get(g.id, [0] * length),
        )
        for g in connection.execute(
            select(
                groups.c.id,
                groups.c.platform,
                groups.c.external_id,
                groups.c.name,
                groups.c.group_type,
                groups.c.duration_kind,
                groups.c.tags,
            ).where(groups.c.workspace_id == workspace_id)
        )
    ]


def group_row(connection: Connection, workspace_id: int, group_id: int) -> Row[Any] | None:
    """The registry row of a group, only when it belongs to the workspace."""
    return connection.execute(
        select(groups).where(groups.c.id == group_id, groups.c.workspace_id == workspace_id)
    ).first()


def group_names(connection: Connection, workspace_id: int, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {
        int(i): str(n)
        for i, n in connection.execute(
            select(groups.c.id, groups.c.name).where(
                groups.c.workspace_id == workspace_id, groups.c.id.in_(ids)
            )
        )
    }


def member_row(connection: Connection, workspace_id: int, member_id: int) -> Row[Any] | None:
    return connection.execute(
        select(members).where(members.c.id == member_id, members.c.workspace_id == workspace_id)
    ).first()


def member_groups(connection: Connection, member_id: int) -> list[Row[Any]]:
    """The member's memberships with the group's name and the inviter's name."""
    inviter = aliased(members)
    return list(
        connection.execute(
            select(
                groups.c.id.label("group_id"),
                groups.c.name.label("group_name"),
                groups.c.platform,
                memberships.c.joined_us,
                memberships.c.left_us,
                memberships.c.inviter_id,
                inviter.c.display_name.label("inviter_name"),
                memberships.c.join_channel,
                memberships.c.first_message_us,
                memberships.c.last_message_us,
                memberships.c.messages,
                memberships.c.is_admin,
                memberships.c.roles,
            )
            .join(groups, groups.c.id == memberships.c.group_id)
            .outerjoin(inviter, inviter.c.id == memberships.c.inviter_id)
            .where(memberships.c.member_id == member_id)
            .order_by(memberships.c.messages.desc())
        )
    )


def member_activity_until(
    connection: Connection, member_id: int, day: date
) -> dict[int, tuple[int, int | None, int | None]]:
    """Per group, the member's messages, first and last message up to and including the (local) day."""
    d = member_days.c
    spoke = d.messages > 0
    rows = connection.execute(
        select(
            d.group_id,
            func.coalesce(func.sum(d.messages), 0),
            func.min(case((spoke, d.first_message_us), else_=None)),
            func.max(case((spoke, d.last_message_us), else_=None)),
        )
        .where(d.member_id == member_id, d.day <= day)
        .group_by(d.group_id)
    )
    return {int(r[0]): (int(r[1]), r[2], r[3]) for r in rows}


def member_daily(connection: Connection, member_id: int, start: date, end: date) -> list[Row[Any]]:
    return list(
        connection.execute(
            select(member_days.c.group_id, member_days.c.day, member_days.c.messages)
            .where(
                and_(
                    member_days.c.member_id == member_id, member_days.c.day >= start, member_days.c.day <= end
                )
            )
            .order_by(member_days.c.day)
        )
    )


@dataclass(frozen=True, slots=True)
class WorkspaceUser:
    id: int
    username: str
    role: str


def workspace_user_list(connection: Connection, workspace_id: int) -> list[WorkspaceUser]:
    return [
        WorkspaceUser(int(r.id), str(r.username), str(r.role))
        for r in connection.execute(
            select(users.c.id, users.c.username, workspace_users.c.role)
            .join(workspace_users, workspace_users.c.user_id == users.c.id)
            .where(workspace_users.c.workspace_id == workspace_id)
            .order_by(users.c.username)
        )
    ]


def latest_event_day(connection: Connection, workspace_id: int, group_id: int | None = None) -> date | None:
    """The latest local day with any event in the workspace (or in one of its groups).

    One index seek per group (the maximum day of each group's slice of the group_days primary key)
    rather than a scan of every day of every group."""
    last_of_group = (
        select(func.max(group_days.c.day)).where(group_days.c.group_id == groups.c.id).scalar_subquery()
    )
    query = select(func.max(last_of_group)).where(groups.c.workspace_id == workspace_id)
    if group_id is not None:
        query = query.where(groups.c.id == group_id)
    return _as_date(connection.execute(query).scalar())


def group_day_span(connection: Connection, group_id: int) -> tuple[date | None, date | None]:
    """The first and the last local day with any event of a group (already checked to be the viewer's)."""
    first, last = connection.execute(
        select(func.min(group_days.c.day), func.max(group_days.c.day)).where(
            group_days.c.group_id == group_id
        )
    ).one()
    return _as_date(first), _as_date(last)


@dataclass(frozen=True, slots=True)
class FoundMember:
    """A member a name search found."""

    id: int
    display_name: str
    platform: str
    is_operator: bool
    last_day: date | None  # the latest local day they wrote in any group


def search_members(
    connection: Connection, workspace_id: int, needle: str, limit: int = 50, offset: int = 0
) -> tuple[list[FoundMember], int]:
    """The workspace's members (bots left out) whose current or any earlier display name contains
    `needle`, case-insensitive, the most recently active first, with how many match in all.

    The last active day of each is one seek in member_days' (member, day) index."""
    pattern = "%" + needle.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    earlier_names = select(member_names.c.member_id).where(
        func.lower(member_names.c.name).like(pattern, escape="\\")
    )
    matching = and_(
        members.c.workspace_id == workspace_id,
        members.c.is_bot.is_(False),
        members.c.merged_into.is_(None),  # a merged member is the one it was merged into
        or_(func.lower(members.c.display_name).like(pattern, escape="\\"), members.c.id.in_(earlier_names)),
    )
    total = int(connection.execute(select(func.count()).select_from(members).where(matching)).scalar() or 0)
    last_day = (
        select(func.max(member_days.c.day)).where(member_days.c.member_id == members.c.id).scalar_subquery()
    )
    rows = connection.execute(
        select(members.c.id, members.c.display_name, members.c.platform, members.c.is_operator, last_day)
        .where(matching)
        .order_by(last_day.desc().nulls_last(), members.c.display_name, members.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [FoundMember(int(r[0]), str(r[1]), str(r[2]), bool(r[3]), _as_date(r[4])) for r in rows], total


def _as_date(value: Any) -> date | None:
    """A date column's aggregate: SQLite hands back MIN/MAX of dates as ISO text."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))

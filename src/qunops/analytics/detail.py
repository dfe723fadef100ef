"""One group in depth as of a date: its daily series, WAD over time, when its members talk, its role
pyramid, how newcomers get going, its members with roles, and its checks, alerts and recommendations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from qunops.analytics.groups import GroupSummary, summarize
from qunops.analytics.history import as_date, load_histories
from qunops.core.metrics import trailing_days, wad_series
from qunops.core.roles import Role
from qunops.core.thresholds import DEFAULT_THRESHOLDS, Thresholds
from qunops.store.schema import groups, member_days

US_PER_DAY = 86_400_000_000


@dataclass(slots=True)
class MemberRow:
    member_id: int
    name: str
    roles: list[str]
    last_active: date | None
    active_days_30: int
    messages_30: int
    answers_30: int
    received_30: int


@dataclass(slots=True)
class GroupDetail:
    summary: GroupSummary
    days: list[date]
    member_messages: list[int]
    speakers: list[int]
    joins: list[int]
    leaves: list[int]  # leaves and removals
    wad: list[int]  # WAD as of each day
    heatmap: list[list[int]]  # [weekday 0=Monday][local hour]: member messages over the last 12 weeks
    pyramid: dict[str, int]  # exclusive tiers: core, regular, occasional, lurker
    role_counts: dict[str, int]  # members holding each role; the workspace's own accounts as official
    newcomers_joined_30d: int
    newcomers_spoke_within_week: int
    members: list[MemberRow]

    @property
    def newcomer_activation(self) -> float | None:
        if not self.newcomers_joined_30d:
            return None
        return self.newcomers_spoke_within_week / self.newcomers_joined_30d

    def as_json(self) -> dict[str, Any]:
        return {
            "summary": self.summary.as_json(with_members=False),
            "series": {
                "days": [d.isoformat() for d in self.days],
                "member_messages": self.member_messages,
                "speakers": self.speakers,
                "joins": self.joins,
                "leaves": self.leaves,
                "wad": self.wad,
            },
            "heatmap": self.heatmap,
            "pyramid": self.pyramid,
            "role_counts": self.role_counts,
            "newcomers": {
                "joined_30d": self.newcomers_joined_30d,
                "spoke_within_week": self.newcomers_spoke_within_week,
                "activation": self.newcomer_activation,
            },
            "members": [
                {
                    "member_id": m.member_id,
                    "name": m.name,
                    "roles": m.roles,
                    "last_active": m.last_active.isoformat() if m.last_active else None,
                    "active_days_30": m.active_days_30,
                    "messages_30": m.messages_30,
                    "answers_30": m.answers_30,
                    "received_30": m.received_30,
                }
                for m in self.members
            ],
            "suggestions": [
                {"member_id": s.member_id, "name": s.name, "role": str(s.role), "reason": s.reason}
                for s in self.summary.suggestions
            ],
        }


def group_detail(
    connection: Connection,
    group_id: int,
    as_of: date,
    days: int = 90,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> GroupDetail | None:
    """The group's detail as of the date, with `days` days of series (None: no such group)."""
    workspace_id = connection.execute(select(groups.c.workspace_id).where(groups.c.id == group_id)).scalar()
    if workspace_id is None:
        return None
    # WAD of the first series day needs the 6 days before it; the heatmap covers 12 weeks.
    back = max(days + thresholds.week_days - 1, thresholds.long_lurker_days)
    history = load_histories(
        connection, int(workspace_id), as_of, [group_id], back, thresholds, with_hours=True
    )[0]
    summary = summarize(history, thresholds)
    span = trailing_days(as_of, days)
    rollups = history.days
    heatmap = [[0] * 24 for _ in range(7)]
    for day in trailing_days(as_of, thresholds.long_lurker_days):
        found = rollups.get(day)
        if found is not None:
            row = heatmap[day.weekday()]
            for hour, count in enumerate(found.hour_counts[:24]):
                row[hour] += int(count)
    pyramid = {"core": 0, "regular": 0, "occasional": 0, "lurker": 0}
    role_counts: dict[str, int] = {str(r): 0 for r in Role}
    rows: list[MemberRow] = []
    last_active = last_active_days(connection, group_id, as_of)
    for member in summary.roles.members:
        held = set(member.roles)
        if Role.OFFICIAL in held:
            # The workspace's own accounts count as such only: the members' roles and pyramid count the
            # members the summary counts.
            role_counts[str(Role.OFFICIAL)] += 1
        else:
            for role in held:
                role_counts[str(role)] += 1
        if Role.OFFICIAL in held:
            pass
        elif Role.CORE in held:
            pyramid["core"] += 1
        elif Role.REGULAR in held:
            pyramid["regular"] += 1
        elif Role.LURKER in held:
            pyramid["lurker"] += 1
        else:
            pyramid["occasional"] += 1
        rows.append(
            MemberRow(
                member.member_id,
                member.name,
                [str(r) for r in member.roles],
                last_active.get(member.member_id),
                member.active_days_30,
                member.messages_30,
                member.answers_30,
                member.received_30,
            )
        )
    rows.sort(key=lambda m: (-m.messages_30, -(m.last_active or date.min).toordinal(), m.member_id))
    month_start_us = history.end_us - 30 * US_PER_DAY
    joined = [m for m in history.member_accounts if m.joined_us is not None and m.joined_us >= month_start_us]
    activated = [
        m
        for m in joined
        if m.first_message_us is not None
        and m.joined_us is not None
        and 0 <= m.first_message_us - m.joined_us <= thresholds.new_member_days * US_PER_DAY
    ]
    return GroupDetail(
        summary=summary,
        days=span,
        member_messages=[rollups[d].member_messages if d in rollups else 0 for d in span],
        speakers=[rollups[d].speakers if d in rollups else 0 for d in span],
        joins=[rollups[d].joins if d in rollups else 0 for d in span],
        leaves=[rollups[d].leaves + rollups[d].removals if d in rollups else 0 for d in span],
        wad=wad_series(rollups, span[0], as_of, thresholds),
        heatmap=heatmap,
        pyramid=pyramid,
        role_counts={k: v for k, v in role_counts.items() if v},
        newcomers_joined_30d=len(joined),
        newcomers_spoke_within_week=len(activated),
        members=rows,
    )


def last_active_days(connection: Connection, group_id: int, as_of: date) -> dict[int, date]:
    """Each member's last day with a message in the group on or before the date, however long ago.

    The roles look back a few weeks only (a member silent longer is a lurker whatever the day), so their
    `last_active` is None for a member who last spoke months before; a members table says when."""
    d = member_days.c
    rows = connection.execute(
        select(d.member_id, func.max(d.day))
        .where(d.group_id == group_id, d.day <= as_of, d.messages > 0)
        .group_by(d.member_id)
    )
    return {int(member_id): day for member_id, found in rows if (day := as_date(found)) is not None}

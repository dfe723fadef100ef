"""What the console's pages and API show: analytics' group summaries joined with the console's own state.

Measures with a product definition (stage, health, WAD, roles, alerts, recommendations) all come from
`qunops.analytics`; this module only selects, sorts, pages and joins them with the registry (tags), the
alert states operators set, and plain rollup series for the charts.

The overview summarises every group of a workspace, which is the console's heaviest read. Summaries are
kept for a short while per (workspace, as-of date, thresholds) and dropped as soon as the rollups move
on (new events filled) or the console edits a group's registry; a minute's staleness is the most another
process's edit can cause.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from qunops.analytics.alerts import Alert
from qunops.analytics.groups import GroupSummary, group_summaries
from qunops.console import queries
from qunops.console.state import AlertState, alert_states_of, workspace_thresholds
from qunops.core.daily import GroupDay
from qunops.core.metrics import wad_series
from qunops.core.thresholds import Thresholds
from qunops.core.time import from_us_or_none, to_us, utcnow
from qunops.store.schema import fill_state, groups

SORTS = {
    "name": lambda r: r.summary.name.lower(),
    "platform": lambda r: r.summary.platform,
    "type": lambda r: r.summary.group_type,
    "stage": lambda r: r.summary.stage,
    "health": lambda r: r.summary.health_score,
    "wad": lambda r: r.summary.wad,
    "messages": lambda r: r.summary.messages_per_active_day,
    "members": lambda r: r.summary.members,
    "speakers": lambda r: r.summary.speaker_ratio,
    "silence": lambda r: math.inf if r.summary.silence_hours is None else r.summary.silence_hours,
    "alerts": lambda r: (max((a.severity for a in r.alerts), default=0), len(r.alerts)),
}
PAGE_SIZES = (25, 50, 100, 200)
SUMMARY_TTL_S = 60.0


# --- Alerts with their handling state ----------------------------------------------------------------

# Alerts about a moment (a wave of leaves, a spam burst) are new each day; silence-like alerts last as
# long as the silence (keyed by the last member message); the rest come back each week while they hold.
_DAILY_KINDS = {"leave_wave", "spam_burst"}
_SILENCE_KINDS = {"silence", "dormant", "dead"}


@dataclass(frozen=True, slots=True)
class AlertItem:
    key: str
    group_id: int
    group_name: str
    kind: str
    severity: int  # 3 critical, 2 warning, 1 notice
    message: str
    evidence: dict[str, Any]
    actions: list[tuple[str, str]]  # (title, reason) of the recommendations that answer it
    state: AlertState

    @property
    def severity_name(self) -> str:
        return {3: "high", 2: "medium"}.get(self.severity, "low")

    def status(self, now: datetime) -> str:
        if self.state.acknowledged is not None:
            return "acknowledged"
        if self.state.snoozed_until is not None and self.state.snoozed_until > now:
            return "snoozed"
        return "open"


def alert_key(summary: GroupSummary, alert: Alert) -> str:
    """A key that stays the same while one occurrence of the alert lasts, so its handling sticks to it."""
    if alert.kind in _DAILY_KINDS:
        episode = summary.as_of.isoformat()
    elif alert.kind in _SILENCE_KINDS:
        last = summary.last_member_message
        episode = "last-" + (last.strftime("%Y%m%d%H%M") if last else "never")
    else:
        year, week, _ = summary.as_of.isocalendar()
        episode = f"{year}-W{week:02d}"
    return f"{summary.id}:{alert.kind}:{episode}"


def alert_items(summary: GroupSummary, states: dict[str, AlertState]) -> list[AlertItem]:
    items = []
    for alert in sorted(summary.alerts, key=lambda a: -a.severity):
        key = alert_key(summary, alert)
        items.append(
            AlertItem(
                key=key,
                group_id=summary.id,
                group_name=summary.name,
                kind=alert.kind,
                severity=alert.severity,
                message=alert.message,
                evidence=alert.evidence,
                actions=[(r.title, r.reason) for r in summary.recommendations if r.answers == alert.kind],
                state=states.get(key, AlertState()),
            )
        )
    return items


# --- The overview ------------------------------------------------------------------------------------


@dataclass(slots=True)
class GroupLine:
    summary: GroupSummary
    tags: list[str]
    alerts: list[AlertItem]  # every alert of the group, with its state

    @property
    def open_alerts(self) -> list[AlertItem]:
        now = utcnow()
        return [a for a in self.alerts if a.state.is_open(now)]


@dataclass(frozen=True, slots=True)
class OverviewQuery:
    q: str = ""
    platform: str = ""
    group_type: str = ""
    stage: str = ""
    tag: str = ""
    sort: str = "alerts"
    descending: bool = True
    page: int = 1
    per_page: int = 50


@dataclass(slots=True)
class Overview:
    as_of: date
    lines: list[GroupLine]  # this page
    matched: int
    total: int
    page: int
    pages: int
    per_page: int
    platforms: list[str]
    group_types: list[str]
    stages: list[str]
    tags: list[str]
    briefing: list[GroupLine] = field(default_factory=list)


def local_today(connection: Connection, workspace_id: int) -> date:
    zone = ZoneInfo(queries.workspace_timezone(connection, workspace_id))
    return datetime.now(UTC).astimezone(zone).date()


def overview(
    connection: Connection, workspace_id: int, as_of: date, query: OverviewQuery, briefing_size: int = 8
) -> Overview:
    lines = group_lines(connection, workspace_id, as_of)
    needle = query.q.strip().lower()
    chosen = [
        line
        for line in lines
        if (not needle or needle in line.summary.name.lower() or needle in line.summary.external_id.lower())
        and (not query.platform or line.summary.platform == query.platform)
        and (not query.group_type or line.summary.group_type == query.group_type)
        and (not query.stage or line.summary.stage == query.stage)
        and (not query.tag or query.tag in line.tags)
    ]
    key = SORTS.get(query.sort, SORTS["alerts"])
    chosen.sort(key=lambda line: line.summary.name.lower())  # a stable order among equals
    chosen.sort(key=key, reverse=query.descending)
    per_page = query.per_page if query.per_page in PAGE_SIZES else 50
    pages = max(1, math.ceil(len(chosen) / per_page))
    page = min(max(1, query.page), pages)
    return Overview(
        as_of=as_of,
        lines=chosen[(page - 1) * per_page : page * per_page],
        matched=len(chosen),
        total=len(lines),
        page=page,
        pages=pages,
        per_page=per_page,
        platforms=sorted({line.summary.platform for line in lines}),
        group_types=sorted({line.summary.group_type for line in lines}),
        stages=sorted({line.summary.stage for line in lines}),
        tags=sorted({t for line in lines for t in line.tags}),
        briefing=briefing(lines, briefing_size),
    )


def briefing(lines: Sequence[GroupLine], size: int) -> list[GroupLine]:
    """The groups that need attention today: open alerts, most severe first, then the least healthy."""
    needing = [line for line in lines if line.open_alerts]
    needing.sort(
        key=lambda line: (
            -max(a.severity for a in line.open_alerts),
            -line.summary.members,
            line.summary.health_score,
        )
    )
    return needing[:size]


def group_lines(connection: Connection, workspace_id: int, as_of: date) -> list[GroupLine]:
    """Every group of the workspace with its summary, tags and alerts (cached, see the module doc)."""
    thresholds = workspace_thresholds(connection, workspace_id)
    summaries = cached_summaries(connection, workspace_id, as_of, thresholds)
    tags = {
        int(gid): [str(t) for t in (value or [])]
        for gid, value in connection.execute(
            select(groups.c.id, groups.c.tags).where(groups.c.workspace_id == workspace_id)
        )
    }
    states = alert_states_of(connection, workspace_id)
    return [GroupLine(s, tags.get(s.id, []), alert_items(s, states)) for s in summaries]


class _SummaryCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[Any, ...], tuple[float, list[GroupSummary]]] = {}
        self.generation = 0  # bumped by registry edits

    def get(self, key: tuple[Any, ...]) -> list[GroupSummary] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None or time.monotonic() - found[0] > SUMMARY_TTL_S:
                return None
            return found[1]

    def put(self, key: tuple[Any, ...], value: list[GroupSummary]) -> None:
        with self._lock:
            if len(self._entries) > 32:  # a handful of workspaces and dates; drop the oldest
                oldest = min(self._entries, key=lambda k: self._entries[k][0])
                del self._entries[oldest]
            self._entries[key] = (time.monotonic(), value)

    def invalidate(self) -> None:
        with self._lock:
            self._entries.clear()
            self.generation += 1


_cache = _SummaryCache()


def forget_summaries() -> None:
    """Called after the console changes something summaries show (a group's registry fields)."""
    _cache.invalidate()


def cached_summaries(
    connection: Connection, workspace_id: int, as_of: date, thresholds: Thresholds
) -> list[GroupSummary]:
    marks = tuple(connection.execute(select(fill_state.c.name, fill_state.c.last_event_id)).all())
    key = (str(connection.engine.url), workspace_id, as_of, thresholds, marks, _cache.generation)
    found = _cache.get(key)
    if found is None:
        found = group_summaries(connection, workspace_id, as_of, thresholds=thresholds)
        _cache.put(key, found)
    return found


# --- One group --------------------------------------------------------------------------------------


@dataclass(slots=True)
class GroupPage:
    registry: Any  # the groups row
    summary: GroupSummary
    alerts: list[AlertItem]
    members: list[queries.MemberLine]
    member_total: int
    roles_by_member: dict[int, list[str]]
    charts: dict[str, Any]  # ECharts-ready series, see group_charts
    pyramid: list[tuple[str, int]]
    newcomers: dict[str, int]


CHART_DAYS = 60


def group_page(
    connection: Connection, workspace_id: int, group_id: int, as_of: date, member_limit: int = 100
) -> GroupPage | None:
    registry = queries.group_row(connection, workspace_id, group_id)
    if registry is None:
        return None
    thresholds = workspace_thresholds(connection, workspace_id)
    found = group_summaries(connection, workspace_id, as_of, group_ids=[group_id], thresholds=thresholds)
    if not found:
        return None
    summary = found[0]
    states = alert_states_of(connection, workspace_id)
    members, total = queries.group_members(connection, group_id, member_limit)
    roles = summary.roles_by_member()
    return GroupPage(
        registry=registry,
        summary=summary,
        alerts=alert_items(summary, states),
        members=members,
        member_total=total,
        roles_by_member=roles,
        charts=group_charts(connection, group_id, as_of, thresholds),
        pyramid=role_pyramid(roles),
        newcomers=newcomer_activation(connection, group_id, as_of, registry.timezone, workspace_id),
    )


# Bottom to top: the shape the seeds describe (many lurkers, fewer regulars, a few core and leaders).
PYRAMID = ["lurker", "newcomer", "slipping", "regular", "core", "answerer", "opinion_leader"]


def role_pyramid(roles: dict[int, list[str]]) -> list[tuple[str, int]]:
    counts = dict.fromkeys(PYRAMID, 0)
    for held in roles.values():
        for role in held:
            if role in counts:
                counts[role] += 1
    return [(role, counts[role]) for role in PYRAMID]


def group_charts(
    connection: Connection, group_id: int, as_of: date, thresholds: Thresholds
) -> dict[str, Any]:
    """Daily series, WAD over time and the weekday × hour heatmap of the last 60 days, from rollups."""
    start = as_of - timedelta(days=CHART_DAYS - 1)
    # WAD as of the first charted day looks back a week before it.
    rows = queries.day_rows(connection, group_id, start - timedelta(days=thresholds.week_days), as_of)
    by_day = {r.day: r for r in rows}
    days = [start + timedelta(days=n) for n in range(CHART_DAYS)]
    heat = [[0] * 24 for _ in range(7)]
    for r in rows:
        if r.day >= start:
            for hour, count in enumerate((r.hour_counts or [])[:24]):
                heat[r.day.weekday()][hour] += int(count)

    def series(name: str) -> list[int]:
        return [int(getattr(by_day[d], name)) if d in by_day else 0 for d in days]

    rollups = {
        r.day: GroupDay(day=r.day, member_messages=r.member_messages, speakers=r.speakers) for r in rows
    }
    return {
        "days": [d.isoformat() for d in days],
        "messages": series("member_messages"),
        "speakers": series("speakers"),
        "joins": series("joins"),
        "leaves": [a + b for a, b in zip(series("leaves"), series("removals"), strict=True)],
        "wad": wad_series(rollups, start, as_of, thresholds),
        "heatmap": [[hour, weekday, heat[weekday][hour]] for weekday in range(7) for hour in range(24)],
        "heatmap_max": max((max(row) for row in heat), default=0),
    }


def newcomer_activation(
    connection: Connection, group_id: int, as_of: date, zone_name: str | None, workspace_id: int
) -> dict[str, int]:
    """Of the members who joined in the last 30 days: how many spoke, and how many within a day of joining."""
    zone = ZoneInfo(zone_name or queries.workspace_timezone(connection, workspace_id))
    end = datetime.combine(as_of + timedelta(days=1), datetime.min.time(), zone)
    start = end - timedelta(days=30)
    joined = spoke = spoke_first_day = 0
    for row in queries.recent_joiners(connection, group_id, to_us(start), to_us(end)):
        joined_us, first_us = int(row.joined_us), row.first_message_us
        joined += 1
        if first_us is not None and first_us >= joined_us:
            spoke += 1
            if first_us - joined_us <= 86_400_000_000:
                spoke_first_day += 1
    return {"joined": joined, "spoke": spoke, "spoke_first_day": spoke_first_day}


def when(us: int | None) -> datetime | None:
    return from_us_or_none(us)

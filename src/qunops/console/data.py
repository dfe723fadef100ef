"""What the console's pages and API show: analytics' group summaries joined with the console's own state.

Measures with a product definition (stage, health, WAD, roles, alerts, recommendations) all come from
`qunops.analytics`; this module only selects, sorts, pages and joins them with the registry (tags), the
alert states operators set, and plain rollup series for the charts.

The overview summarises every group of a workspace, which is the console's heaviest read (about 3 s for
1,000 groups). Summaries are cached per (workspace, as-of date, thresholds) and recomputed in the
background once the rollups move on or a minute has passed, serving the previous ones meanwhile; an
import in the console and a registry edit recompute at once. See `_SummaryCache`.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, func, select

from qunops.analytics.alerts import Alert
from qunops.analytics.briefing import briefing_from
from qunops.analytics.detail import GroupDetail, group_detail
from qunops.analytics.groups import GroupSummary, group_summaries
from qunops.analytics.recommendations import Recommendation
from qunops.analytics.topics import Topic, group_topics
from qunops.console import queries
from qunops.console.state import AlertState, alert_states_of, workspace_thresholds
from qunops.core.thresholds import Thresholds
from qunops.core.time import utcnow
from qunops.moderation import service as moderation_service
from qunops.store.db import in_memory
from qunops.store.schema import fill_state, groups, moderation_flags, workspaces

# The overview's sort keys; "alerts" (the default) puts the groups whose open alerts are worst first.
SORTS: dict[str, Callable[[GroupLine], Any]] = {
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
    "alerts": lambda r: (max((a.severity for a in r.open_alerts), default=0), len(r.open_alerts)),
}
PAGE_SIZES = (25, 50, 100, 200)
EVERY_ROW = 0  # an `OverviewQuery.per_page` asking for every group on one page (the JSON API)
SUMMARY_TTL_S = 60.0
log = logging.getLogger(__name__)


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


@dataclass(frozen=True, slots=True)
class BriefingEntry:
    line: GroupLine
    actions: tuple[Recommendation, ...]


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
    briefing: list[BriefingEntry] = field(default_factory=list)
    briefing_more: int = 0  # groups that need attention beyond those the briefing shows


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
    attention = briefing(lines)
    shown = attention[:briefing_size]
    key = SORTS.get(query.sort, SORTS["alerts"])
    chosen.sort(key=lambda line: line.summary.name.lower())  # a stable order among equals
    chosen.sort(key=key, reverse=query.descending)
    if query.per_page == EVERY_ROW:
        per_page = max(1, len(chosen))
    else:
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
        briefing=shown,
        briefing_more=len(attention) - len(shown),
    )


def briefing(lines: Sequence[GroupLine]) -> list[BriefingEntry]:
    """Analytics' daily briefing, leaving out the alerts operators acknowledged or snoozed."""
    by_id = {line.summary.id: line for line in lines}
    entries = []
    for item in (
        briefing_from([line.summary for line in lines], lines[0].summary.as_of).items if lines else []
    ):
        line = by_id[item.group_id]
        if line.open_alerts:
            entries.append(BriefingEntry(line, item.actions))
    return entries


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


@dataclass(slots=True)
class _Entry:
    marks: tuple[Any, ...]
    computed_at: float
    value: list[GroupSummary]


class _SummaryCache:
    """Summaries by (database, workspace, as-of date, thresholds, registry generation).

    An entry whose rollup marks moved on (or that is older than SUMMARY_TTL_S) is stale: it is still
    served while one background thread recomputes it, so an operator never waits for a full recompute
    except on the very first visit of a date. Imports recompute synchronously when they finish.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[Any, ...], _Entry] = {}
        self._refreshing: set[tuple[Any, ...]] = set()
        self.generation = 0  # bumped by registry edits

    def get(self, key: tuple[Any, ...]) -> _Entry | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: tuple[Any, ...], entry: _Entry) -> None:
        with self._lock:
            if key not in self._entries and len(self._entries) >= 32:  # a few workspaces and dates
                oldest = min(self._entries, key=lambda k: self._entries[k].computed_at)
                del self._entries[oldest]
            self._entries[key] = entry

    def keys_of(self, url: str, workspace_id: int) -> list[tuple[Any, ...]]:
        with self._lock:
            return [k for k in self._entries if k[0] == url and k[1] == workspace_id]

    def claim_refresh(self, key: tuple[Any, ...]) -> bool:
        with self._lock:
            if key in self._refreshing:
                return False
            self._refreshing.add(key)
            return True

    def release_refresh(self, key: tuple[Any, ...]) -> None:
        with self._lock:
            self._refreshing.discard(key)

    def invalidate(self) -> None:
        with self._lock:
            self._entries.clear()
            self.generation += 1


_cache = _SummaryCache()


def forget_summaries() -> None:
    """Called after the console changes something summaries show (a group's registry fields)."""
    _cache.invalidate()


def _marks(connection: Connection) -> tuple[Any, ...]:
    """What the summaries depend on besides the date: the rollups' fill marks and the newest moderation
    flag (a spam burst shows as soon as moderation flags it)."""
    fills = tuple(connection.execute(select(fill_state.c.name, fill_state.c.last_event_id)).all())
    return (*fills, connection.execute(select(func.max(moderation_flags.c.id))).scalar())


def _compute(connection: Connection, key: tuple[Any, ...]) -> list[GroupSummary]:
    _, workspace_id, as_of, thresholds, _ = key
    marks = _marks(connection)
    flagged = moderation_service.flagged_on_day(connection, workspace_id, as_of)
    if in_memory(connection.engine):
        value = group_summaries(connection, workspace_id, as_of, flagged=flagged, thresholds=thresholds)
    else:
        # A connection without a transaction of its own lets the summaries read their heaviest query on
        # a second connection meanwhile (see analytics.history.load_histories).
        with connection.engine.connect() as fresh:
            value = group_summaries(fresh, workspace_id, as_of, flagged=flagged, thresholds=thresholds)
    _cache.put(key, _Entry(marks, time.monotonic(), value))
    return value


def _refresh_in_background(engine: Engine, key: tuple[Any, ...]) -> None:
    if not _cache.claim_refresh(key):
        return

    def work() -> None:
        try:
            with engine.connect() as connection:
                _compute(connection, key)
        except Exception:  # a failed refresh keeps serving the last summaries; the next request retries
            log.exception("refreshing group summaries failed")
        finally:
            _cache.release_refresh(key)

    threading.Thread(target=work, name="summaries-refresh", daemon=True).start()


def cached_summaries(
    connection: Connection, workspace_id: int, as_of: date, thresholds: Thresholds
) -> list[GroupSummary]:
    key = (str(connection.engine.url), workspace_id, as_of, thresholds, _cache.generation)
    entry = _cache.get(key)
    if entry is None:
        return _compute(connection, key)
    if entry.marks != _marks(connection) or time.monotonic() - entry.computed_at > SUMMARY_TTL_S:
        _refresh_in_background(connection.engine, key)
    return entry.value


def warm_summaries(engine: Engine) -> None:
    """Compute today's summaries of every workspace into the cache (run in a background thread)."""
    try:
        with engine.connect() as connection:
            for workspace_id in connection.execute(select(workspaces.c.id)).scalars():
                day = local_today(connection, workspace_id)
                cached_summaries(
                    connection, workspace_id, day, workspace_thresholds(connection, workspace_id)
                )
    except Exception:  # warming is an optimisation: a failure only means the first visit computes
        log.exception("warming the group summaries failed")


def refresh_summaries(engine: Engine, workspace_id: int) -> None:
    """Recompute the workspace's cached summaries now (after an import, so its groups show at once)."""
    with engine.connect() as connection:
        for key in _cache.keys_of(str(engine.url), workspace_id):
            _compute(connection, key)


# --- One group --------------------------------------------------------------------------------------

CHART_DAYS = 60
MEMBER_ROWS = 100
# The pyramid's tiers from its broad base to its tip (analytics makes them exclusive).
PYRAMID = ("lurker", "occasional", "regular", "core")


@dataclass(slots=True)
class GroupPage:
    registry: Any  # the groups row
    detail: GroupDetail
    alerts: list[AlertItem]
    topics: list[Topic]
    charts: dict[str, Any]  # what the page's ECharts draw, see group_charts

    @property
    def summary(self) -> GroupSummary:
        return self.detail.summary


def group_page(
    connection: Connection, workspace_id: int, group_id: int, as_of: date, with_topics: bool = False
) -> GroupPage | None:
    """Everything the group page shows, or None when the group is not in the workspace."""
    registry = queries.group_row(connection, workspace_id, group_id)
    if registry is None:
        return None
    thresholds = workspace_thresholds(connection, workspace_id)
    detail = group_detail(connection, group_id, as_of, days=CHART_DAYS, thresholds=thresholds)
    if detail is None:
        return None
    states = alert_states_of(connection, workspace_id)
    topics = topics_of(connection, group_id, as_of, thresholds) if with_topics else []
    return GroupPage(
        registry=registry,
        detail=detail,
        alerts=alert_items(detail.summary, states),
        topics=topics,
        charts=group_charts(detail),
    )


def topics_of(connection: Connection, group_id: int, as_of: date, thresholds: Thresholds) -> list[Topic]:
    """The group's topics over the speaker window. They read message text (about a second), so pages
    load them after the rest (HTMX) and the API has them at their own address."""
    window = as_of - timedelta(days=thresholds.speaker_window_days - 1)
    return group_topics(connection, group_id, window, as_of, k=12)


def group_charts(detail: GroupDetail) -> dict[str, Any]:
    """The detail's series in the shapes the page's charts take (heatmap as [hour, weekday, count])."""
    heat = detail.heatmap
    return {
        "days": [d.isoformat() for d in detail.days],
        "messages": detail.member_messages,
        "speakers": detail.speakers,
        "joins": detail.joins,
        "leaves": detail.leaves,
        "wad": detail.wad,
        "heatmap": [[hour, weekday, heat[weekday][hour]] for weekday in range(7) for hour in range(24)],
        "heatmap_max": max((max(row) for row in heat), default=0),
        "pyramid": [[tier, detail.pyramid.get(tier, 0)] for tier in PYRAMID],
    }

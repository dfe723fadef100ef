"""Loading what health, lifecycle and roles need for a workspace as of a date, from rollups only.

Dashboards never scan raw messages: everything here reads `group_days`, `member_days`, `memberships`,
`members` and `groups`, a handful of queries per call whatever the number of groups.

Member-day rollups are aggregated in SQL into one row per (group, member): the last day they spoke,
their 30-day sums, and a bitmask of the days they spoke among the last 58 days (bit n: as_of − n days),
which is all the role rules need (core, regular, lurker, slipping) without shipping a row per day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)

from qunops.core.daily import GroupDay
from qunops.core.metrics import end_of_day_us
from qunops.core.thresholds import DEFAULT_THRESHOLDS, Thresholds
from qunops.core.time import to_us, utcnow
from qunops.store.db import in_memory
from qunops.store.schema import group_days, groups, member_days, members, memberships, workspaces

MASK_DAYS = 58  # slipping looks back 28 days of silence + the 30 days before it


@dataclass(frozen=True, slots=True)
class GroupInfo:
    id: int
    workspace_id: int
    platform: str
    external_id: str
    name: str
    group_type: str
    duration_kind: str
    planned_end: date | None
    zone: ZoneInfo
    created_us: int | None
    owner_member_id: int | None

    @property
    def temporary(self) -> bool:
        return self.duration_kind == "temporary"


@dataclass(slots=True)
class MemberState:
    """One person present in a group at the end of the as-of date, with their recent activity."""

    member_id: int
    name: str
    is_operator: bool
    joined_us: int | None
    first_message_us: int | None
    last_message_us: int | None  # ever (memberships), may be after the as-of date
    designated: frozenset[str]
    last_spoke: date | None = None  # last day with a message within the 12-week window, as of the date
    spoke_mask: int = 0  # bit n set: spoke on as_of − n days (n < MASK_DAYS)
    messages_30: int = 0
    answers_30: int = 0
    received_30: int = 0


@dataclass(slots=True)
class GroupHistory:
    info: GroupInfo
    as_of: date
    end_us: int  # local midnight at the end of the as-of date
    # When instant measures (silence, days silent) are taken: the end of the as-of date, or now when that
    # is still to come (the as-of date is today), so that a live view never counts silence not yet passed.
    at_us: int
    days: dict[date, GroupDay] = field(default_factory=dict)
    first_day: date | None = None  # first local day with any event
    last_member_message_us: int | None = None  # on or before end_us
    members: list[MemberState] = field(default_factory=list)  # present at end_us, bots left out
    departed_today: int = 0  # members who left (by themselves) on the as-of day
    begins_later: bool = False  # its history (it has one) begins after the as-of date
    speakers_30: int = 0  # members (present at end_us) who spoke in the trailing 30 days
    # Member messages of each member who spoke in the trailing 30 days, including those gone since.
    messages_by_speaker_30: list[int] = field(default_factory=list)

    @property
    def created(self) -> date | None:
        if self.info.created_us is not None:
            from datetime import datetime

            return datetime.fromtimestamp(self.info.created_us / 1_000_000, self.info.zone).date()
        return self.first_day

    @property
    def created_us(self) -> int | None:
        if self.info.created_us is not None:
            return self.info.created_us
        if self.first_day is None:
            return None
        return end_of_day_us(self.first_day - timedelta(days=1), self.info.zone)

    @property
    def member_accounts(self) -> list[MemberState]:
        """Members who are not the workspace's own accounts: the denominator of ratios."""
        return [m for m in self.members if not m.is_operator]


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def load_groups(
    connection: Connection, workspace_id: int, group_ids: Sequence[int] | None = None
) -> list[GroupInfo]:
    query = (
        select(
            groups.c.id,
            groups.c.workspace_id,
            groups.c.platform,
            groups.c.external_id,
            groups.c.name,
            groups.c.group_type,
            groups.c.duration_kind,
            groups.c.planned_end,
            groups.c.timezone,
            workspaces.c.timezone,
            groups.c.created_us,
            groups.c.owner_member_id,
        )
        .join(workspaces, workspaces.c.id == groups.c.workspace_id)
        .where(groups.c.workspace_id == workspace_id)
        .order_by(groups.c.id)
    )
    if group_ids is not None:
        query = query.where(groups.c.id.in_(list(group_ids)))
    return [
        GroupInfo(
            id=row[0],
            workspace_id=row[1],
            platform=row[2],
            external_id=row[3],
            name=row[4],
            group_type=row[5],
            duration_kind=row[6],
            planned_end=row[7],
            zone=_zone(row[8] or row[9]),
            created_us=row[10],
            owner_member_id=row[11],
        )
        for row in connection.execute(query)
    ]


def _group_filter(column: Any, workspace_id: int, group_ids: Sequence[int] | None) -> ColumnElement[bool]:
    if group_ids is not None:
        return column.in_(list(group_ids))
    return column.in_(select(groups.c.id).where(groups.c.workspace_id == workspace_id).scalar_subquery())


# Days of group rollups a summary reads: the overview loads these, a group's page more for its charts.
SUMMARY_DAYS = 30


def load_histories(
    connection: Connection,
    workspace_id: int,
    as_of: date,
    group_ids: Sequence[int] | None = None,
    days_back: int = SUMMARY_DAYS,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    with_hours: bool = False,
) -> list[GroupHistory]:
    """Every group of the workspace that exists by the date (or the given ones) as of the date: `days_back`
    days of group rollups ending with `as_of`, the last member message before its end, and its members
    with their activity."""
    fresh = not connection.in_transaction()  # sees only committed data, as another connection would
    infos = load_groups(connection, workspace_id, group_ids)
    if not infos:
        return []
    ids = [g.id for g in infos] if group_ids is not None else None
    now_us = to_us(utcnow())
    histories: dict[int, GroupHistory] = {}
    for g in infos:
        end_us = end_of_day_us(as_of, g.zone)
        histories[g.id] = GroupHistory(g, as_of, end_us, min(end_us, now_us))
    with _beside(connection, fresh, _member_activity_rows, workspace_id, ids, as_of, thresholds) as activity:
        _load_days(connection, workspace_id, ids, histories, as_of, days_back, with_hours)
        _load_last_messages(connection, workspace_id, ids, histories, as_of)
        _load_members(connection, workspace_id, ids, histories)
    _apply_member_activity(activity.result(), histories, thresholds)
    # A workspace's groups as of a date leave out those whose history begins after it (asked for by id,
    # a group is always given).
    return [histories[g.id] for g in infos if group_ids is not None or not histories[g.id].begins_later]


_T = TypeVar("_T")


@contextmanager
def _beside(
    connection: Connection, fresh: bool, query: Callable[..., _T], *args: Any
) -> Iterator[Future[_T]]:
    """Run `query(connection, *args)` on a second connection in a thread while the caller goes on.

    The heaviest loader is mostly the database's own work, during which the driver lets go of the
    interpreter lock, so the other loaders' Python runs meanwhile on the second core. Only when the
    caller's connection has no transaction of its own yet (so a second connection sees the same data)
    and the database is not an in-memory one; otherwise the query runs here first.
    """
    if not fresh or in_memory(connection.engine):
        done: Future[_T] = Future()
        done.set_result(query(connection, *args))
        yield done
        return

    def run() -> _T:
        with connection.engine.connect() as other:
            return query(other, *args)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="qunops-load") as pool:
        future = pool.submit(run)
        try:
            yield future
        finally:
            wait([future])


def _json_list(value: Any) -> list[Any]:
    if value is None or value == "[]":
        return []
    if isinstance(value, str):  # JSON read as text (cheaper than the driver's JSON type)
        parsed = orjson.loads(value)
        return list(parsed) if isinstance(parsed, list) else []
    return list(value)


def _load_days(
    connection: Connection,
    workspace_id: int,
    ids: Sequence[int] | None,
    histories: dict[int, GroupHistory],
    as_of: date,
    days_back: int,
    with_hours: bool,
) -> None:
    c = group_days.c
    columns = [
        c.group_id,
        c.day,
        c.member_messages,
        c.operator_messages,
        c.bot_messages,
        c.system_events,
        c.speakers,
        c.joins,
        c.leaves,
        c.removals,
        c.new_member_speakers,
        c.questions,
        c.questions_answered,
        cast(c.answer_delays_s, String),  # as text: mostly "[]", parsed only when not
        c.red_packets_sent,
        c.red_packets_claimed,
        cast(c.red_packet_first_claim_s, String),  # as text: mostly "[]", parsed only when not
        cast(c.red_packet_last_claim_s, String),  # as text: mostly "[]", parsed only when not
        c.first_message_us,
        c.last_message_us,
    ]
    if with_hours:
        columns.append(cast(c.hour_counts, String))
    rows = connection.execute(
        select(*columns).where(
            _group_filter(c.group_id, workspace_id, ids),
            c.day >= as_of - timedelta(days=days_back - 1),
            c.day <= as_of,
        )
    )
    for row in rows:
        history = histories.get(row[0])
        if history is None:
            continue
        history.days[row[1]] = GroupDay(
            day=row[1],
            member_messages=row[2],
            operator_messages=row[3],
            bot_messages=row[4],
            system_events=row[5],
            speakers=row[6],
            joins=row[7],
            leaves=row[8],
            removals=row[9],
            new_member_speakers=row[10],
            questions=row[11],
            questions_answered=row[12],
            answer_delays_s=_json_list(row[13]),
            red_packets_sent=row[14],
            red_packets_claimed=row[15],
            red_packet_first_claim_s=_json_list(row[16]),
            red_packet_last_claim_s=_json_list(row[17]),
            first_message_us=row[18],
            last_message_us=row[19],
            hour_counts=_json_list(row[20]) if with_hours else [0] * 24,
        )


def _load_last_messages(
    connection: Connection,
    workspace_id: int,
    ids: Sequence[int] | None,
    histories: dict[int, GroupHistory],
    as_of: date,
) -> None:
    c = group_days.c
    until = c.day <= as_of
    rows = connection.execute(
        select(
            c.group_id,
            func.min(case((until, c.day), else_=None)),
            func.max(case((and_(until, c.member_messages > 0), c.last_message_us), else_=None)),
        )
        .where(_group_filter(c.group_id, workspace_id, ids))
        .group_by(c.group_id)
    )
    for group_id, first_day, last_us in rows:
        history = histories.get(group_id)
        if history is not None:
            history.first_day = as_date(first_day)
            history.last_member_message_us = last_us
            history.begins_later = first_day is None  # it has days, none of them by the as-of date


_NO_ROLES: frozenset[str] = frozenset()


def _load_members(
    connection: Connection,
    workspace_id: int,
    ids: Sequence[int] | None,
    histories: dict[int, GroupHistory],
) -> None:
    """People present at the end of the as-of date: joined (or first seen speaking) before it, and not
    gone by then. Bots are no members. The as-of day's own leaves are counted for the leave-wave alert."""
    m = memberships.c
    earliest_end = min(h.end_us for h in histories.values())
    rows = connection.execute(
        select(
            m.group_id,
            m.member_id,
            m.joined_us,
            m.left_us,
            m.first_message_us,
            m.last_message_us,
            m.is_admin,
            cast(m.roles, String),  # as text: most are "[]", not worth a JSON parse each
            members.c.display_name,
            members.c.is_operator,
        )
        .join(members, members.c.id == m.member_id)
        .where(
            _group_filter(m.group_id, workspace_id, ids),
            members.c.is_bot.is_(False),
            or_(m.left_us.is_(None), m.left_us >= earliest_end - 86_400_000_000),
        )
    )
    for row in rows:
        history = histories.get(row[0])
        if history is None:
            continue
        end = history.end_us
        joined, left, first = row[2], row[3], row[4]
        arrived = joined if joined is not None else first
        if arrived is None or arrived >= end:
            continue
        if left is not None and left < end:
            if left >= end - 86_400_000_000:
                history.departed_today += 1
            continue
        designated = _NO_ROLES
        if row[6] or (row[7] and row[7] != "[]") or history.info.owner_member_id == row[1]:
            named = {str(r) for r in _json_list(row[7])}
            if row[6]:
                named.add("admin")
            if history.info.owner_member_id == row[1]:
                named.add("owner")
            designated = frozenset(named)
        history.members.append(
            MemberState(
                member_id=row[1],
                name=row[8],
                is_operator=bool(row[9]),
                joined_us=joined,
                first_message_us=first,
                last_message_us=row[5],
                designated=designated,
            )
        )


def day_offset(connection: Connection, as_of: date, column: Any) -> ColumnElement[int]:
    """Whole days from `column` (a DATE) to `as_of`, in this database's dialect."""
    if connection.dialect.name == "sqlite":
        return cast(func.julianday(literal(as_of.isoformat())) - func.julianday(column), Integer)
    return cast(literal(as_of) - column, Integer)


def _member_activity_rows(
    connection: Connection,
    workspace_id: int,
    ids: Sequence[int] | None,
    as_of: date,
    thresholds: Thresholds,
) -> list[tuple[Any, ...]]:
    """One row per (group, member): last day spoken, spoke mask, 30-day messages, answers and replies
    and mentions received, and whether it is an operator account; bots are left out."""
    d = member_days.c
    start30 = as_of - timedelta(days=thresholds.speaker_window_days - 1)
    mask_start = as_of - timedelta(days=MASK_DAYS - 1)
    window_start = as_of - timedelta(days=max(thresholds.long_lurker_days, MASK_DAYS) - 1)
    spoke = d.messages > 0
    recent = d.day >= start30
    bit = literal(1, BigInteger).op("<<")(day_offset(connection, as_of, d.day))
    rows = connection.execute(
        select(
            d.group_id,
            d.member_id,
            func.max(case((spoke, d.day), else_=None)),
            func.sum(case((and_(spoke, d.day >= mask_start), bit), else_=0)),
            func.sum(case((recent, d.messages), else_=0)),
            func.sum(case((recent, d.answers), else_=0)),
            func.sum(case((recent, d.replies_received + d.mentions_received), else_=0)),
            members.c.is_operator,
        )
        .join(members, members.c.id == d.member_id)
        .where(
            _group_filter(d.group_id, workspace_id, ids),
            d.day >= window_start,
            d.day <= as_of,
            members.c.is_bot.is_(False),
        )
        .group_by(d.group_id, d.member_id, members.c.is_operator)
    )
    return [tuple(row) for row in rows]


def _apply_member_activity(
    rows: list[tuple[Any, ...]], histories: dict[int, GroupHistory], thresholds: Thresholds
) -> None:
    by_group: dict[int, dict[int, tuple[Any, ...]]] = defaultdict(dict)
    month = (1 << thresholds.speaker_window_days) - 1
    for fetched in rows:
        by_group[fetched[0]][fetched[1]] = fetched
        history = histories.get(fetched[0])
        if history is not None and not fetched[7] and int(fetched[3] or 0) & month and fetched[4]:
            history.messages_by_speaker_30.append(int(fetched[4]))
    for group_id, history in histories.items():
        found = by_group.get(group_id)
        if not found:
            continue
        for member in history.members:
            row = found.get(member.member_id)
            if row is None:
                continue
            member.last_spoke = as_date(row[2])
            member.spoke_mask = int(row[3] or 0)
            member.messages_30 = int(row[4] or 0)
            member.answers_30 = int(row[5] or 0)
            member.received_30 = int(row[6] or 0)
            if not member.is_operator and member.spoke_mask & month and member.messages_30:
                history.speakers_30 += 1


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))  # SQLite hands back MAX(date) as text

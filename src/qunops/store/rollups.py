"""Derived state, rebuilt from the event log: per-day rollups and memberships.

The fill is incremental and resumable, in the manner of a fill-state table: `fill_state` records the
highest event id whose effects are rolled up. Each run takes the events after it in chunks; for each
chunk it finds the (group, local day) pairs those events touch, recomputes those days from scratch from
all their events, rebuilds the touched groups' memberships, and advances the mark, all in one
transaction. A crash mid-chunk rolls the chunk back and the next run redoes it; as every touched day is
recomputed whole, nothing is ever counted twice.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update

from qunops.core.daily import AccountKind, DayInput, StoredEvent, roll_up_day
from qunops.core.events import EventKind
from qunops.core.thresholds import DEFAULT_THRESHOLDS, Thresholds
from qunops.core.time import day_end_us, day_start_us, from_us, local_day, to_us, utcnow
from qunops.store.schema import (
    LIFECYCLE_WHERE,
    events,
    fill_state,
    group_days,
    groups,
    member_days,
    members,
    memberships,
    workspaces,
)

FILL_NAME = "rollups"
_BUCKET_US = 15 * 60 * 1_000_000


@dataclass(slots=True)
class FillReport:
    events: int = 0  # events newly taken into account
    groups: int = 0
    days: int = 0
    chunks: int = 0


def fill_rollups(
    engine: Engine,
    chunk_events: int = 200_000,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    after_chunk: Callable[[int], None] | None = None,
) -> FillReport:
    """Bring rollups and memberships up to date with the event log. Safe to run at any time, repeatedly."""
    report = FillReport()
    touched_groups: set[int] = set()
    _refresh_statistics(engine)
    while True:
        with engine.begin() as connection:
            done = _last_filled(connection)
            newest = connection.execute(select(func.max(events.c.id))).scalar() or 0
            if newest <= done:
                break
            upto = min(newest, done + chunk_events)
            days_by_group = _touched_days(connection, done, upto, thresholds)
            members_by_group = _touched_members(connection, done, upto)
            operators_and_bots = _account_kinds(connection)
            for group_id, days in days_by_group.items():
                _recompute_days(connection, group_id, sorted(days), thresholds, operators_and_bots)
                _rebuild_memberships(connection, group_id, members_by_group.get(group_id, set()))
                report.days += len(days)
            touched_groups.update(days_by_group)
            report.events += upto - done
            _set_last_filled(connection, upto)
            report.chunks += 1
        if after_chunk is not None:
            after_chunk(upto)
    report.groups = len(touched_groups)
    return report


def _refresh_statistics(engine: Engine) -> None:
    """After a bulk import PostgreSQL's statistics lag behind; the fill's plans depend on them."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        pending = connection.execute(select(func.max(events.c.id))).scalar() or 0
        if pending - _last_filled(connection) > 10_000:
            connection.exec_driver_sql("ANALYZE events, group_days, member_days, memberships")


def group_zone(connection: Connection, group_id: int) -> ZoneInfo:
    row = connection.execute(
        select(groups.c.timezone, workspaces.c.timezone)
        .join(workspaces, workspaces.c.id == groups.c.workspace_id)
        .where(groups.c.id == group_id)
    ).one()
    return _zone(row[0] or row[1])


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _last_filled(connection: Connection) -> int:
    value = connection.execute(
        select(fill_state.c.last_event_id).where(fill_state.c.name == FILL_NAME)
    ).scalar()
    return int(value or 0)


def _set_last_filled(connection: Connection, upto: int) -> None:
    now = to_us(utcnow())
    changed = connection.execute(
        update(fill_state).where(fill_state.c.name == FILL_NAME).values(last_event_id=upto, updated_us=now)
    ).rowcount
    if not changed:
        connection.execute(insert(fill_state).values(name=FILL_NAME, last_event_id=upto, updated_us=now))


def _touched_days(
    connection: Connection, after: int, upto: int, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> dict[int, set[date]]:
    """Local days whose rollups the events (after, upto] can change.

    An event changes its own day; one in the first hour after midnight can answer the previous day's
    questions, a claim can belong to the previous day's red packet, and a join makes its member "new"
    for the following days. Events are read in 15-minute buckets (every UTC offset in use is a multiple
    of 15 minutes), so a day is computed once per bucket rather than once per event.
    """
    touched: dict[int, set[date]] = defaultdict(set)
    zones: dict[int, ZoneInfo] = {}
    bucket = events.c.ts_us // _BUCKET_US
    rows = connection.execute(
        select(events.c.group_id, bucket, events.c.kind)
        .where(events.c.id > after, events.c.id <= upto)
        .distinct()
    )
    for group_id, quarter, kind in rows:
        zone = zones.get(group_id)
        if zone is None:
            zone = zones[group_id] = group_zone(connection, group_id)
        start_us = int(quarter) * _BUCKET_US
        local = from_us(start_us).astimezone(zone)
        day = local.date()
        days = touched[group_id]
        days.add(day)
        if kind == EventKind.JOIN:
            days.update(day + timedelta(days=n) for n in range(1, thresholds.new_member_days + 1))
        elif kind == EventKind.RED_PACKET_CLAIMED or (
            kind == EventKind.MESSAGE
            and start_us - day_start_us(day, zone) < thresholds.answer_window_s * 1_000_000
        ):
            # A claim can belong to yesterday's packet; a message just after midnight can answer
            # yesterday's questions. Later messages cannot reach back a day.
            days.add(day - timedelta(days=1))
    return touched


def _recompute_days(
    connection: Connection,
    group_id: int,
    days: list[date],
    thresholds: Thresholds,
    kinds: dict[int, AccountKind],
) -> None:
    zone = group_zone(connection, group_id)
    lookahead = max(thresholds.answer_window_s, thresholds.red_packet_claim_window_s) * 1_000_000
    lookbehind = thresholds.red_packet_claim_window_s * 1_000_000
    start = day_start_us(days[0], zone) - lookbehind
    end = day_end_us(days[-1], zone) + lookahead
    loaded = _load_events(connection, group_id, start, end)
    times = [e.ts_us for e in loaded]
    packets = [e for e in loaded if e.kind in _PACKET_KINDS]
    packet_times = [e.ts_us for e in packets]
    joins = _join_days(connection, group_id, zone)
    reply_authors = _reply_authors(connection, group_id, loaded)
    hours: dict[int, int] = {}

    def local_hour(ts_us: int) -> int:
        quarter = ts_us // _BUCKET_US
        hour = hours.get(quarter)
        if hour is None:
            hour = hours[quarter] = from_us(quarter * _BUCKET_US).astimezone(zone).hour
        return hour

    def latest_join_day(member_id: int, day: date) -> date | None:
        found = joins.get(member_id)
        if not found:
            return None
        position = bisect_right(found, day)
        return found[position - 1] if position else None

    connection.execute(
        delete(group_days).where(group_days.c.group_id == group_id, group_days.c.day.in_(days))
    )
    connection.execute(
        delete(member_days).where(member_days.c.group_id == group_id, member_days.c.day.in_(days))
    )
    group_rows: list[dict[str, Any]] = []
    member_rows: list[dict[str, Any]] = []
    answer_window = thresholds.answer_window_s * 1_000_000
    for day in days:
        day_start, day_end = day_start_us(day, zone), day_end_us(day, zone)
        first, last = bisect_left(times, day_start), bisect_left(times, day_end)
        if first == last:
            continue
        rolled, people = roll_up_day(
            DayInput(
                day=day,
                start_us=day_start,
                end_us=day_end,
                events=loaded[first:last],
                following=loaded[last : bisect_right(times, day_end + answer_window)],
                packets=packets[
                    bisect_left(packet_times, day_start - lookbehind) : bisect_right(
                        packet_times, day_end + lookahead
                    )
                ],
                account_kind=lambda member_id: kinds.get(member_id, AccountKind.MEMBER),
                local_hour=local_hour,
                latest_join_day=latest_join_day,
                reply_author=reply_authors.get,
            ),
            thresholds,
        )
        group_rows.append(
            {
                "group_id": group_id,
                "day": day,
                "member_messages": rolled.member_messages,
                "operator_messages": rolled.operator_messages,
                "bot_messages": rolled.bot_messages,
                "system_events": rolled.system_events,
                "speakers": rolled.speakers,
                "joins": rolled.joins,
                "leaves": rolled.leaves,
                "removals": rolled.removals,
                "new_member_speakers": rolled.new_member_speakers,
                "questions": rolled.questions,
                "questions_answered": rolled.questions_answered,
                "answer_delays_s": rolled.answer_delays_s,
                "red_packets_sent": rolled.red_packets_sent,
                "red_packets_claimed": rolled.red_packets_claimed,
                "red_packet_first_claim_s": rolled.red_packet_first_claim_s,
                "red_packet_last_claim_s": rolled.red_packet_last_claim_s,
                "first_message_us": rolled.first_message_us,
                "last_message_us": rolled.last_message_us,
                "hour_counts": rolled.hour_counts,
            }
        )
        member_rows.extend(
            {
                "group_id": group_id,
                "member_id": person.member_id,
                "day": day,
                "messages": person.messages,
                "questions": person.questions,
                "answers": person.answers,
                "replies_received": person.replies_received,
                "mentions_received": person.mentions_received,
                "red_packets_claimed": person.red_packets_claimed,
                "first_message_us": person.first_message_us,
                "last_message_us": person.last_message_us,
            }
            for person in people
        )
    if group_rows:
        connection.execute(insert(group_days), group_rows)
    if member_rows:
        connection.execute(insert(member_days), member_rows)


def _load_events(connection: Connection, group_id: int, start: int, end: int) -> list[StoredEvent]:
    # Straight from the driver: this reads every event of the touched days, the bulk of a fill's work.
    mark = "?" if connection.dialect.name == "sqlite" else "%s"
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(
            "SELECT ts_us, kind, member_id, actor_id, text, key, reply_to_key, payload FROM events "
            f"WHERE group_id = {mark} AND ts_us >= {mark} AND ts_us < {mark} ORDER BY ts_us, id",
            (group_id, start, end),
        )
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return [
        StoredEvent(
            ts_us=row[0],
            kind=row[1],
            member_id=row[2],
            actor_id=row[3],
            text=row[4],
            key=bytes(row[5]),
            reply_to_key=bytes(row[6]) if row[6] is not None else None,
            payload=orjson.loads(row[7]) if row[7] else None,
        )
        for row in rows
    ]


_PACKET_KINDS = frozenset({EventKind.RED_PACKET_SENT, EventKind.RED_PACKET_CLAIMED})
LIFECYCLE_KINDS = (EventKind.JOIN, EventKind.LEAVE, EventKind.REMOVAL, EventKind.ADMIN_CHANGE)


def _account_kinds(connection: Connection) -> dict[int, AccountKind]:
    """Operator and bot accounts (few); everyone else is a member."""
    rows = connection.execute(
        select(members.c.id, members.c.is_bot, members.c.is_operator).where(
            (members.c.is_bot.is_(True)) | (members.c.is_operator.is_(True))
        )
    )
    return {row[0]: AccountKind.BOT if row[1] else AccountKind.OPERATOR for row in rows}


def _join_days(connection: Connection, group_id: int, zone: ZoneInfo) -> dict[int, list[date]]:
    joins: dict[int, list[date]] = defaultdict(list)
    rows = connection.execute(
        select(events.c.member_id, events.c.ts_us)
        .where(
            events.c.group_id == group_id,
            text(LIFECYCLE_WHERE),
            events.c.kind == str(EventKind.JOIN),
            events.c.member_id.is_not(None),
        )
        .order_by(events.c.ts_us)
    )
    for member_id, ts_us in rows:
        joins[member_id].append(local_day(ts_us, zone))
    return joins


def _reply_authors(connection: Connection, group_id: int, loaded: list[StoredEvent]) -> dict[bytes, int]:
    """Authors of the messages that the loaded events reply to (which may be older than the window)."""
    wanted = list({e.reply_to_key for e in loaded if e.reply_to_key is not None})
    authors: dict[bytes, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = connection.execute(
            select(events.c.key, events.c.member_id).where(
                events.c.group_id == group_id, events.c.key.in_(chunk), events.c.member_id.is_not(None)
            )
        )
        authors.update((bytes(key), member_id) for key, member_id in rows)
    return authors


def _touched_members(connection: Connection, after: int, upto: int) -> dict[int, set[int]]:
    """The (group, member) pairs that events (after, upto] are about: their memberships need rebuilding."""
    touched: dict[int, set[int]] = defaultdict(set)
    rows = connection.execute(
        select(events.c.group_id, events.c.member_id)
        .where(events.c.id > after, events.c.id <= upto, events.c.member_id.is_not(None))
        .distinct()
    )
    for group_id, member_id in rows:
        touched[group_id].add(member_id)
    return touched


def _rebuild_memberships(connection: Connection, group_id: int, member_ids: set[int]) -> None:
    """Memberships of some members of a group, from their join, leave, removal and admin events and their
    message counts in the rollups (which the same transaction has just brought up to date).

    Only the members the new events are about are rebuilt, so a daily update does not rescan a group's
    whole history. Roles an operator designated are kept across rebuilds.
    """
    wanted = sorted(member_ids)
    for start in range(0, len(wanted), 500):
        _rebuild_membership_chunk(connection, group_id, wanted[start : start + 500])
    renamed = connection.execute(
        select(events.c.payload)
        .where(events.c.group_id == group_id, text(LIFECYCLE_WHERE), events.c.kind == str(EventKind.RENAME))
        .order_by(events.c.ts_us.desc(), events.c.id.desc())
        .limit(1)
    ).scalar()
    if renamed:
        name = orjson.loads(renamed).get("name")
        if name:
            connection.execute(update(groups).where(groups.c.id == group_id).values(name=str(name)[:300]))


def _rebuild_membership_chunk(connection: Connection, group_id: int, member_ids: list[int]) -> None:
    designated = dict(
        connection.execute(
            select(memberships.c.member_id, memberships.c.roles).where(
                memberships.c.group_id == group_id, memberships.c.member_id.in_(member_ids)
            )
        ).all()
    )
    state: dict[int, dict[str, Any]] = {}

    def row(member_id: int) -> dict[str, Any]:
        found = state.get(member_id)
        if found is None:
            found = state[member_id] = {
                "group_id": group_id,
                "member_id": member_id,
                "joined_us": None,
                "left_us": None,
                "inviter_id": None,
                "join_channel": None,
                "first_message_us": None,
                "last_message_us": None,
                "messages": 0,
                "is_admin": False,
                "roles": designated.get(member_id) or [],
            }
        return found

    lifecycle = connection.execute(
        select(events.c.member_id, events.c.actor_id, events.c.kind, events.c.ts_us, events.c.payload)
        .where(
            events.c.group_id == group_id,
            text(LIFECYCLE_WHERE),  # exactly the partial index's condition, so that it is used
            events.c.kind.in_([str(k) for k in LIFECYCLE_KINDS]),
            events.c.member_id.in_(member_ids),
        )
        .order_by(events.c.ts_us, events.c.id)
    )
    for member_id, actor_id, kind, ts_us, payload_text in lifecycle:
        current = row(member_id)
        payload = orjson.loads(payload_text) if payload_text else {}
        if kind == EventKind.JOIN:
            if current["joined_us"] is None or current["left_us"] is not None:
                current["joined_us"] = ts_us
                current["inviter_id"] = actor_id
                current["join_channel"] = payload.get("channel") or ("invite" if actor_id else "unknown")
            current["left_us"] = None
        elif kind in (EventKind.LEAVE, EventKind.REMOVAL):
            current["left_us"] = ts_us
        elif kind == EventKind.ADMIN_CHANGE:
            current["is_admin"] = bool(payload.get("granted", True))
    activity = connection.execute(
        select(
            member_days.c.member_id,
            func.sum(member_days.c.messages),
            func.min(member_days.c.first_message_us),
            func.max(member_days.c.last_message_us),
        )
        .where(member_days.c.group_id == group_id, member_days.c.member_id.in_(member_ids))
        .group_by(member_days.c.member_id)
    )
    for member_id, count, first, last in activity:
        if count:
            row(member_id).update(messages=int(count), first_message_us=first, last_message_us=last)
    connection.execute(
        delete(memberships).where(memberships.c.group_id == group_id, memberships.c.member_id.in_(member_ids))
    )
    if state:
        connection.execute(insert(memberships), list(state.values()))

"""Derived state, rebuilt from the event log: per-day rollups and memberships.

The fill is incremental and resumable, in the manner of a fill-state table: `fill_state` records the
highest event id whose effects are rolled up. Each run takes the events after it in chunks; for each
chunk it finds the (group, local day) pairs those events touch, recomputes those days from scratch from
all their events, rebuilds the touched groups' memberships, and advances the mark, all in one
transaction. A crash mid-chunk rolls the chunk back and the next run redoes it; as every touched day is
recomputed whole, nothing is ever counted twice.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import ColumnElement, Connection, Engine, and_, delete, func, insert, select, text, update

from qunops.core.bulk import collector_paused
from qunops.core.daily import AccountKind, DayInput, StoredEvent, roll_up_day
from qunops.core.events import EventKind
from qunops.core.parallel import HelperError, SecondProcess, cores
from qunops.core.thresholds import DEFAULT_THRESHOLDS, Thresholds
from qunops.core.time import day_end_us, day_start_us, from_us, local_day, to_us, utcnow
from qunops.store.db import (
    IN_LIST,
    bulk_writing,
    chunked,
    date_parameter,
    driver_executemany,
    driver_rows,
    in_memory,
    one_at_a_time,
    open_engine,
    placeholders,
)
from qunops.store.memberships import (
    LIFECYCLE_KINDS,
    Activity,
    activity_of,
    reset_memberships,
    update_memberships,
)
from qunops.store.schema import (
    LIFECYCLE_WHERE,
    events,
    fill_state,
    group_days,
    groups,
    member_days,
    members,
    workspaces,
)

log = logging.getLogger(__name__)

FILL_NAME = "rollups"
_BUCKET_US = 15 * 60 * 1_000_000


@dataclass(slots=True)
class FillReport:
    events: int = 0  # events newly taken into account
    groups: int = 0
    days: int = 0
    chunks: int = 0


# A fill of this many new events or more shares its work with a second process (where there are two
# cores): starting one costs about half a second, which a smaller fill does not win back.
SECOND_PROCESS_FROM = 100_000


def fill_rollups(
    engine: Engine,
    chunk_events: int = 1_000_000,  # per transaction: a few seconds of work, a few redone after a crash
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    after_chunk: Callable[[int], None] | None = None,
    second_process: bool | None = None,
) -> FillReport:
    """Bring rollups and memberships up to date with the event log. Safe to run at any time, repeatedly.

    `second_process` shares the computing with a second process: by default when the new events are
    many, the machine has two cores and the database is a server or a file (an in-memory SQLite
    database cannot be opened from another process).
    """
    report = FillReport()
    touched_groups: set[int] = set()
    _refresh_statistics(engine)
    helper = _second_process(engine, second_process)
    try:
        while True:
            with collector_paused(), bulk_writing(engine, FILL_NAME) as connection:
                done = rolled_up_through(connection)
                newest = newest_event_id(connection)
                if newest <= done:
                    break
                upto = min(newest, done + chunk_events)
                touched = _fill_chunk(engine, connection, done, upto, thresholds, helper)
                touched_groups.update(touched.days)
                report.days += sum(len(days) for days in touched.days.values())
                report.events += upto - done
                report.chunks += 1
            if after_chunk is not None:
                after_chunk(upto)
    finally:
        if helper is not None:
            helper.close()
    report.groups = len(touched_groups)
    return report


def fill_within(
    connection: Connection,
    least: int,
    most: int,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> int:
    """Roll up the events after the mark, at most `most` of them, inside the caller's transaction, if
    there are at least `least`; returns how many were taken into account.

    An import calls this while it waits for its parse process: the rollups of what it has written are
    then computed on a core that would otherwise idle, and the fill after the import has that much less
    to do. This connection sees the events it has not committed yet, so the work is done here, in one
    process. Each call is an ordinary chunk of the fill: a day that later events touch again is simply
    recomputed then, and rolling back the import rolls back these rollups and the mark with it.
    """
    with collector_paused():
        one_at_a_time(connection, FILL_NAME)
        done = rolled_up_through(connection)
        newest = newest_event_id(connection)
        if newest - done < max(1, least):
            return 0
        upto = min(newest, done + most)
        _fill_chunk(None, connection, done, upto, thresholds, None)
        return upto - done


def refill_everything(connection: Connection) -> None:
    """Have the next fill recompute every day from the event log, as after a change of what a day is (a
    timezone): the mark goes back to the start, and the rows stay as they are until recomputed."""
    _set_last_filled(connection, 0)


def _fill_chunk(
    engine: Engine | None,
    connection: Connection,
    done: int,
    upto: int,
    thresholds: Thresholds,
    helper: SecondProcess | None,
) -> _Touched:
    """Recompute what the events (done, upto] touch and advance the mark to `upto`."""
    if done == 0:
        # From the first event: everything is derived again. Memberships add up what the recomputed days
        # change, so the days rolled up before (if any: `refill_everything`) go first, in this transaction.
        connection.execute(delete(member_days))
        connection.execute(delete(group_days))
        reset_memberships(connection)
    touched = _touched(connection, and_(events.c.id > done, events.c.id <= upto), thresholds)
    _recompute(engine, connection, touched, thresholds, helper)
    _set_last_filled(connection, upto)
    return touched


def newest_event_id(connection: Connection) -> int:
    """The id of the latest event written (0 before the first): events after it are written later."""
    return connection.execute(select(func.max(events.c.id))).scalar() or 0


def recompute_events(
    connection: Connection,
    event_ids: list[int],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    refill_after: int | None = None,
) -> None:
    """Roll up again what events already rolled up touch, after they changed in place (events of a
    name-only member moved to the member they name: `store.aliases`). Events after the mark need nothing:
    the fill takes them into account when it reaches them.

    `refill_after`: the events after this id are the caller's own, written in its transaction (an
    import's file). Those of them the rollups reached (while the import waited for its parse process) are
    left to the fill after the import instead, by moving the mark back before the first: that fill
    shares its work with a second process, while recomputing here takes one, inside the transaction."""
    done = rolled_up_through(connection)
    rolled_up = sorted(event_id for event_id in event_ids if event_id <= done)
    if refill_after is not None and rolled_up and rolled_up[-1] > refill_after:
        own = bisect_right(rolled_up, refill_after)  # the first of the caller's own events
        _set_last_filled(connection, rolled_up[own] - 1)
        rolled_up = rolled_up[:own]
    if not rolled_up:
        return
    touched = _Touched()
    for chunk in chunked(rolled_up):
        touched.add(_touched(connection, events.c.id.in_(chunk), thresholds))
    _recompute(None, connection, touched, thresholds, None)


def _recompute(
    engine: Engine | None,
    connection: Connection,
    touched: _Touched,
    thresholds: Thresholds,
    helper: SecondProcess | None,
) -> None:
    """Recompute the touched days and bring memberships up to date with them."""
    kinds = _account_kinds(connection)
    activity: dict[tuple[int, int], Activity] = {}
    batches = _day_batches(touched)
    for batch, rows in _computed_batches(engine, connection, batches, thresholds, kinds, helper):
        _replace_days(connection, batch, rows, activity)
    update_memberships(connection, touched.lifecycle, activity)
    _apply_renames(connection, touched.renamed)


def _second_process(engine: Engine, wanted: bool | None) -> SecondProcess | None:
    if wanted is False or in_memory(engine) or cores() < 2:
        return None
    if wanted is None:
        with engine.connect() as connection:
            newest = newest_event_id(connection)
            if newest - rolled_up_through(connection) < SECOND_PROCESS_FROM:
                return None
    try:
        return SecondProcess()
    except OSError:
        return None  # computing everything here is slower, not wrong


def _computed_batches(
    engine: Engine | None,
    connection: Connection,
    batches: list[_DayBatch],
    thresholds: Thresholds,
    kinds: dict[int, AccountKind],
    helper: SecondProcess | None,
) -> Iterator[tuple[_DayBatch, _DayRows]]:
    """Each batch with its recomputed rows.

    With a helper process, batches are cut into pieces of a few days; the helper is always given the
    next two pieces (it computes from committed events, which are all that computing reads) while this
    process computes the others and writes them all. Rows come in the order they are ready, which is
    fine: pieces cover different days."""
    if engine is None or helper is None or helper.failed:
        for batch in batches:
            yield batch, _computed_days(connection, batch, thresholds, kinds)
        return
    url = engine.url.render_as_string(hide_password=False)
    waiting = deque(_sliced(batches))
    given: deque[_DayBatch] = deque()  # started in the helper, in order; two, so that it never waits
    try:
        while waiting or given:
            while len(given) < 2 and waiting:
                helper.start(_computed_days_elsewhere, url, waiting[0], thresholds, kinds)
                given.append(waiting.popleft())
            if waiting:
                batch = waiting.popleft()
                yield batch, _computed_days(connection, batch, thresholds, kinds)
            while given and (not waiting or helper.ready()):
                rows = helper.result()
                yield given.popleft(), rows
    except HelperError as exc:
        # The helper is gone (killed for its memory, say): what it had is computed here instead.
        log.warning("the fill goes on in one process: %s", exc)
        for batch in [*given, *waiting]:
            yield batch, _computed_days(connection, batch, thresholds, kinds)


# Days per piece of work shared between processes: small enough for the two to finish together, large
# enough that each piece's queries stay a small part of it.
_SLICE_DAYS = 8


def _sliced(batches: list[_DayBatch]) -> list[_DayBatch]:
    """The batches, those of many days cut into pieces of a few days."""
    pieces: list[_DayBatch] = []
    for batch in batches:
        for start in range(0, len(batch.days), _SLICE_DAYS):
            pieces.append(_DayBatch(batch.group_ids, batch.days[start : start + _SLICE_DAYS], batch.zone))
    return pieces


_ENGINES: dict[str, Engine] = {}  # the helper process's engines, one per database


def _computed_days_elsewhere(
    url: str, batch: _DayBatch, thresholds: Thresholds, kinds: dict[int, AccountKind]
) -> _DayRows:
    """`_computed_days` in the helper process, on a connection of its own."""
    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = open_engine(url)
    with collector_paused(), engine.connect() as connection:
        return _computed_days(connection, batch, thresholds, kinds)


def _refresh_statistics(engine: Engine) -> None:
    """After a bulk import PostgreSQL's statistics lag behind; the fill's plans depend on them."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        newest = newest_event_id(connection)
        done = rolled_up_through(connection)
        # Only when the new events are many, also relative to what is there: a day's events over a
        # year of history change no plan, and ANALYZE of these tables costs a third of a second.
        if newest - done > max(10_000, done // 10):
            connection.exec_driver_sql("ANALYZE events, group_days, member_days, memberships")


def group_zone(connection: Connection, group_id: int) -> ZoneInfo:
    return group_zones(connection, [group_id])[group_id]


def group_zones(connection: Connection, group_ids: list[int]) -> dict[int, ZoneInfo]:
    """Each group's timezone: its own, or its workspace's where it has none."""
    zones: dict[int, ZoneInfo] = {}
    for chunk in chunked(group_ids):
        rows = connection.execute(
            select(groups.c.id, groups.c.timezone, workspaces.c.timezone)
            .join(workspaces, workspaces.c.id == groups.c.workspace_id)
            .where(groups.c.id.in_(chunk))
        )
        zones.update((group_id, _zone(own or default)) for group_id, own, default in rows)
    return zones


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def rolled_up_through(connection: Connection) -> int:
    """The id of the last event the rollups and memberships take into account (all before it too)."""
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


@dataclass(slots=True)
class _Touched:
    """What the events of one chunk touch: local days and members per group, and renamed groups."""

    zones: dict[int, ZoneInfo] = field(default_factory=dict)
    days: dict[int, set[date]] = field(default_factory=lambda: defaultdict(set))
    lifecycle: set[tuple[int, int]] = field(default_factory=set)  # (group, member) with a new join, leave...
    renamed: set[int] = field(default_factory=set)

    def add(self, other: _Touched) -> None:
        self.zones.update(other.zones)
        for group_id, days in other.days.items():
            self.days[group_id].update(days)
        self.lifecycle |= other.lifecycle
        self.renamed |= other.renamed


@dataclass(frozen=True, slots=True)
class _DayBatch:
    """Groups of one time zone whose touched days are the same: recomputed with one query per table."""

    group_ids: list[int]
    days: list[date]
    zone: ZoneInfo


# Groups recomputed together share their queries; the product of groups and days bounds what one batch
# holds in memory (a group with a long touched history is recomputed on its own).
_BATCH_GROUP_DAYS = 4_000


def _touched(
    connection: Connection, which: ColumnElement[bool], thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> _Touched:
    """Local days whose rollups the events `which` selects can change, and the members they are about.

    An event changes its own day; one in the first hour after midnight can answer the previous day's
    questions, a claim can belong to the previous day's red packet, and a join makes its member "new"
    for the following days. Events are read in 15-minute buckets (every UTC offset in use is a multiple
    of 15 minutes), so a day is computed once per bucket rather than once per event.
    """
    touched = _Touched()
    bucket = events.c.ts_us // _BUCKET_US
    rows = connection.execute(select(events.c.group_id, bucket, events.c.kind).where(which).distinct()).all()
    touched.zones = group_zones(connection, sorted({row[0] for row in rows}))
    reach_back: dict[int, set[date]] = defaultdict(set)
    for group_id, quarter, kind in rows:
        zone = touched.zones[group_id]
        start_us = int(quarter) * _BUCKET_US
        day = from_us(start_us).astimezone(zone).date()
        days = touched.days[group_id]
        days.add(day)
        if kind == EventKind.JOIN:
            days.update(day + timedelta(days=n) for n in range(1, thresholds.new_member_days + 1))
        elif kind == EventKind.RED_PACKET_CLAIMED or (
            kind == EventKind.MESSAGE
            and start_us - day_start_us(day, zone) < thresholds.answer_window_s * 1_000_000
        ):
            # A claim can belong to yesterday's packet; a message just after midnight can answer
            # yesterday's questions. Later messages cannot reach back a day.
            reach_back[group_id].add(day - timedelta(days=1))
        elif kind == EventKind.RENAME:
            touched.renamed.add(group_id)
    _confirm_reach_back(connection, touched, reach_back, thresholds)
    touched.lifecycle.update(
        (group_id, member_id)
        for group_id, member_id in connection.execute(
            select(events.c.group_id, events.c.member_id)
            .where(
                which,
                text(LIFECYCLE_WHERE),
                events.c.kind.in_([str(k) for k in LIFECYCLE_KINDS]),
                events.c.member_id.is_not(None),
            )
            .distinct()
        )
    )
    return touched


def _confirm_reach_back(
    connection: Connection, touched: _Touched, reach_back: dict[int, set[date]], thresholds: Thresholds
) -> None:
    """Add the previous days that new events may change: those with a red packet sent (a new claim can
    be for it) or a member message within the answer window before their end (a new message can answer
    it). Only member messages can be questions, and the day's rollup holds its last one, so the rollups
    tell without reading events; a previous day with new events of its own is touched anyway.
    """
    window_us = thresholds.answer_window_s * 1_000_000
    wanted: dict[date, list[int]] = defaultdict(list)
    for group_id, days in reach_back.items():
        for day in days - touched.days[group_id]:
            wanted[day].append(group_id)
    for day, group_ids in wanted.items():
        for chunk in chunked(sorted(group_ids)):
            rows = connection.execute(
                select(
                    group_days.c.group_id, group_days.c.red_packets_sent, group_days.c.last_message_us
                ).where(group_days.c.group_id.in_(chunk), group_days.c.day == day)
            )
            for group_id, packets, last_us in rows:
                end = day_end_us(day, touched.zones[group_id])
                if packets or (last_us is not None and last_us >= end - window_us):
                    touched.days[group_id].add(day)


def _day_batches(touched: _Touched) -> list[_DayBatch]:
    alike: dict[tuple[str, tuple[date, ...]], list[int]] = defaultdict(list)
    for group_id, days in touched.days.items():
        alike[(touched.zones[group_id].key, tuple(sorted(days)))].append(group_id)
    batches: list[_DayBatch] = []
    for (_, same_days), group_ids in sorted(alike.items()):
        per_batch = max(1, min(IN_LIST, _BATCH_GROUP_DAYS // len(same_days)))
        zone = touched.zones[group_ids[0]]
        chunks = chunked(sorted(group_ids), per_batch)
        batches.extend(_DayBatch(chunk, list(same_days), zone) for chunk in chunks)
    return batches


@dataclass(frozen=True, slots=True)
class _DayRows:
    """A batch's recomputed rows: group days as SQLAlchemy rows, member days as driver rows."""

    groups: list[dict[str, Any]]
    members: list[tuple[Any, ...]]


def _computed_days(
    connection: Connection, batch: _DayBatch, thresholds: Thresholds, kinds: dict[int, AccountKind]
) -> _DayRows:
    """The batch's days of its groups computed from scratch, from all their events. Reads events only,
    so another connection (a second process's) can compute a batch while this one writes another."""
    zone, days = batch.zone, batch.days
    lookahead = max(thresholds.answer_window_s, thresholds.red_packet_claim_window_s) * 1_000_000
    lookbehind = thresholds.red_packet_claim_window_s * 1_000_000
    start = day_start_us(days[0], zone) - lookbehind
    end = day_end_us(days[-1], zone) + lookahead
    loaded = _load_events(connection, batch.group_ids, start, end)
    # A join older than the new-member window makes nobody new on these days, so older ones are not read.
    since = day_start_us(days[0] - timedelta(days=thresholds.new_member_days + 1), zone)
    joins = _join_days(connection, batch.group_ids, zone, since, end)
    authors = _reply_authors(connection, loaded)
    hours: dict[int, int] = {}

    def local_hour(ts_us: int) -> int:
        quarter = ts_us // _BUCKET_US
        hour = hours.get(quarter)
        if hour is None:
            hour = hours[quarter] = from_us(quarter * _BUCKET_US).astimezone(zone).hour
        return hour

    # Each day with its local bounds, and as the driver stores it (member days are written through it).
    bounds = [
        (day, date_parameter(connection, day), day_start_us(day, zone), day_end_us(day, zone)) for day in days
    ]
    rows = _DayRows([], [])
    for group_id in batch.group_ids:
        _roll_up_group(
            group_id,
            bounds,
            loaded.get(group_id, []),
            joins.get(group_id, {}),
            authors.get(group_id, {}),
            kinds,
            local_hour,
            thresholds,
            rows.groups,
            rows.members,
        )
    return rows


def _replace_days(
    connection: Connection, batch: _DayBatch, rows: _DayRows, activity: dict[tuple[int, int], Activity]
) -> None:
    """Store the batch's recomputed rows in place of its days' old ones, and add to `activity` how each
    member's message count and first and last messages change with them."""
    days = batch.days
    connection.execute(
        delete(group_days).where(group_days.c.group_id.in_(batch.group_ids), group_days.c.day.in_(days))
    )
    removed = driver_rows(
        connection,
        f"DELETE FROM member_days WHERE group_id IN ({placeholders(len(batch.group_ids))}) "
        f"AND day IN ({placeholders(len(days))}) RETURNING group_id, member_id, messages",
        [*batch.group_ids, *(date_parameter(connection, day) for day in days)],
    )
    for group_id, member_id, messages in removed:
        if messages:
            activity_of(activity, group_id, member_id).messages -= messages
    if rows.groups:
        connection.execute(insert(group_days), rows.groups)
    if rows.members:
        driver_executemany(
            connection,
            f"INSERT INTO member_days ({', '.join(_MEMBER_DAY_COLUMNS)}) "
            f"VALUES ({placeholders(len(_MEMBER_DAY_COLUMNS))})",
            rows.members,
        )
    for group_id, member_id, _, messages, *_, first_us, last_us in rows.members:
        if messages:
            activity_of(activity, group_id, member_id).add(messages, first_us, last_us)


_MEMBER_DAY_COLUMNS = (
    "group_id",
    "member_id",
    "day",
    "messages",
    "questions",
    "answers",
    "replies_received",
    "mentions_received",
    "red_packets_claimed",
    "first_message_us",
    "last_message_us",
)


def _roll_up_group(
    group_id: int,
    bounds: list[tuple[date, Any, int, int]],
    loaded: list[StoredEvent],
    joins: dict[int, list[date]],
    reply_authors: dict[bytes, int],
    kinds: dict[int, AccountKind],
    local_hour: Callable[[int], int],
    thresholds: Thresholds,
    group_rows: list[dict[str, Any]],
    member_rows: list[tuple[Any, ...]],
) -> None:
    """Append one group's rows for the given days (with their local bounds) from its loaded events."""
    times = [e.ts_us for e in loaded]
    packets = [e for e in loaded if e.kind in _PACKET_KINDS]
    packet_times = [e.ts_us for e in packets]
    lookahead = max(thresholds.answer_window_s, thresholds.red_packet_claim_window_s) * 1_000_000
    lookbehind = thresholds.red_packet_claim_window_s * 1_000_000
    answer_window = thresholds.answer_window_s * 1_000_000

    def latest_join_day(member_id: int, day: date) -> date | None:
        found = joins.get(member_id)
        if not found:
            return None
        position = bisect_right(found, day)
        return found[position - 1] if position else None

    for day, stored_day, day_start, day_end in bounds:
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
                accounts=kinds,
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
            (
                group_id,
                person.member_id,
                stored_day,
                person.messages,
                person.questions,
                person.answers,
                person.replies_received,
                person.mentions_received,
                person.red_packets_claimed,
                person.first_message_us,
                person.last_message_us,
            )
            for person in people
        )


def _load_events(
    connection: Connection, group_ids: list[int], start: int, end: int
) -> dict[int, list[StoredEvent]]:
    # Straight from the driver: this reads every event of the touched days, the bulk of a fill's work.
    rows = driver_rows(
        connection,
        "SELECT group_id, ts_us, kind, member_id, text, key, reply_to_key, payload FROM events "
        f"WHERE group_id IN ({placeholders(len(group_ids))}) AND ts_us >= ? AND ts_us < ? "
        "ORDER BY group_id, ts_us, id",
        [*group_ids, start, end],
    )
    loaded: dict[int, list[StoredEvent]] = defaultdict(list)
    for group_id, ts_us, kind, member_id, body, key, reply_to, payload in rows:
        loaded[group_id].append(
            StoredEvent(
                ts_us,
                kind,
                member_id,
                body,
                key if type(key) is bytes else bytes(key),
                None if reply_to is None else reply_to if type(reply_to) is bytes else bytes(reply_to),
                orjson.loads(payload) if payload else None,
            )
        )
    return loaded


_PACKET_KINDS = frozenset({EventKind.RED_PACKET_SENT, EventKind.RED_PACKET_CLAIMED})


def _account_kinds(connection: Connection) -> dict[int, AccountKind]:
    """Operator and bot accounts (few); everyone else is a member."""
    rows = connection.execute(
        select(members.c.id, members.c.is_bot, members.c.is_operator).where(
            (members.c.is_bot.is_(True)) | (members.c.is_operator.is_(True))
        )
    )
    return {row[0]: AccountKind.BOT if row[1] else AccountKind.OPERATOR for row in rows}


def _join_days(
    connection: Connection, group_ids: list[int], zone: ZoneInfo, since_us: int, until_us: int
) -> dict[int, dict[int, list[date]]]:
    """Per group, each member's local join days between the times, in order (from the partial index)."""
    joins: dict[int, dict[int, list[date]]] = defaultdict(lambda: defaultdict(list))
    rows = driver_rows(
        connection,
        f"SELECT group_id, member_id, ts_us FROM events WHERE group_id IN ({placeholders(len(group_ids))}) "
        f"AND {LIFECYCLE_WHERE} AND kind = ? AND member_id IS NOT NULL AND ts_us >= ? AND ts_us < ? "
        "ORDER BY ts_us",
        [*group_ids, str(EventKind.JOIN), since_us, until_us],
    )
    days: dict[int, date] = {}
    for group_id, member_id, ts_us in rows:
        quarter = ts_us // _BUCKET_US  # every UTC offset in use is a multiple of 15 minutes
        day = days.get(quarter)
        if day is None:
            day = days[quarter] = local_day(ts_us, zone)
        joins[group_id][member_id].append(day)
    return joins


def _reply_authors(
    connection: Connection, loaded: dict[int, list[StoredEvent]]
) -> dict[int, dict[bytes, int]]:
    """Per group, authors of the messages the loaded events reply to (which may be older than the window).

    Most replies answer something recent, already among the loaded events; only the others are looked up.
    """
    authors: dict[int, dict[bytes, int]] = defaultdict(dict)
    missing: set[tuple[int, bytes]] = set()
    for group_id, found in loaded.items():
        targets = {e.reply_to_key for e in found if e.reply_to_key is not None}
        if not targets:
            continue
        known = authors[group_id]
        for e in found:
            if e.key in targets and e.member_id is not None:
                known[e.key] = e.member_id
        missing.update((group_id, key) for key in targets if key not in known)
    wanted = sorted(missing)
    for start in range(0, len(wanted), IN_LIST):
        chunk = wanted[start : start + IN_LIST]
        group_ids = sorted({group_id for group_id, _ in chunk})
        keys = sorted({key for _, key in chunk})
        rows = driver_rows(
            connection,
            f"SELECT group_id, key, member_id FROM events WHERE group_id IN ({placeholders(len(group_ids))}) "
            f"AND key IN ({placeholders(len(keys))}) AND member_id IS NOT NULL",
            [*group_ids, *keys],
        )
        for group_id, key, member_id in rows:
            authors[group_id][bytes(key)] = member_id
    return authors


def _apply_renames(connection: Connection, group_ids: set[int]) -> None:
    """A group whose new events include a rename takes the name of its latest rename."""
    latest: dict[int, tuple[int, int, str | None]] = {}
    for chunk in chunked(sorted(group_ids)):
        rows = driver_rows(
            connection,
            f"SELECT group_id, ts_us, id, payload FROM events WHERE group_id IN ({placeholders(len(chunk))}) "
            f"AND {LIFECYCLE_WHERE} AND kind = ?",
            [*chunk, str(EventKind.RENAME)],
        )
        for group_id, ts_us, event_id, payload in rows:
            if group_id not in latest or (ts_us, event_id) > latest[group_id][:2]:
                latest[group_id] = (ts_us, event_id, payload)
    for group_id, (_, _, payload) in latest.items():
        name = orjson.loads(payload).get("name") if payload else None
        if name:
            connection.execute(update(groups).where(groups.c.id == group_id).values(name=str(name)[:300]))

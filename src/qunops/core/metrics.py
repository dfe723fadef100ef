"""The seed metrics of product.md ("Definitions"), as pure functions over a group's day rollups.

Everything here takes plain data: a mapping from local day to its `GroupDay` rollup (days without a
rollup had no events), per-member counts, timestamps in epoch microseconds. "As of a date" means a
trailing window ends with that date, inclusive, and instant measures (silence) are taken at the end of
that date (local midnight). docs/metrics.md gives every formula with a worked example.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from qunops.core.daily import GroupDay
from qunops.core.thresholds import DEFAULT_THRESHOLDS, Thresholds

DayRollups = Mapping[date, GroupDay]
US_PER_HOUR = 3_600_000_000


def trailing_days(as_of: date, length: int) -> list[date]:
    """The `length` days ending with `as_of`, oldest first (7 days as of 08-07: 08-01 … 08-07)."""
    return [as_of - timedelta(days=n) for n in range(length - 1, -1, -1)]


def is_active(member_messages: int, speakers: int, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> bool:
    """Active day: at least 3 member messages from at least 2 distinct members."""
    return member_messages >= thresholds.active_day_messages and speakers >= thresholds.active_day_speakers


def is_active_day(day: GroupDay | None, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> bool:
    return day is not None and is_active(day.member_messages, day.speakers, thresholds)


def active_days(days: DayRollups, as_of: date, length: int, thresholds: Thresholds) -> list[GroupDay]:
    """Rollups of the active days among the trailing `length` days, oldest first."""
    found = (days.get(d) for d in trailing_days(as_of, length))
    return [day for day in found if day is not None and is_active_day(day, thresholds)]


def weekly_active_days(days: DayRollups, as_of: date, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> int:
    """WAD: active days among the trailing 7 days (0–7)."""
    return len(active_days(days, as_of, thresholds.week_days, thresholds))


def messages_per_active_day(
    days: DayRollups, as_of: date, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> float:
    """Member messages on the active days of the trailing 7 days ÷ active days (0 with no active day)."""
    active = active_days(days, as_of, thresholds.week_days, thresholds)
    return sum(d.member_messages for d in active) / len(active) if active else 0.0


def new_member_speakers_per_active_day(
    days: DayRollups, as_of: date, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> float:
    """Mean, over the active days of the trailing 7 days, of distinct new members who spoke that day."""
    active = active_days(days, as_of, thresholds.week_days, thresholds)
    return sum(d.new_member_speakers for d in active) / len(active) if active else 0.0


def member_messages(days: DayRollups, first: date, last: date) -> int:
    """Member messages from `first` to `last`, both inclusive."""
    total, day = 0, first
    while day <= last:
        found = days.get(day)
        if found is not None:
            total += found.member_messages
        day += timedelta(days=1)
    return total


def window_sum(days: DayRollups, as_of: date, length: int, field: str) -> int:
    """Sum of an integer rollup field over the trailing `length` days."""
    return sum(int(getattr(d, field)) for d in (days.get(x) for x in trailing_days(as_of, length)) if d)


@dataclass(frozen=True, slots=True)
class RedPacketSpeed:
    """Medians over the packets sent in the window that someone claimed."""

    packets: int  # packets sent in the window
    claimed_packets: int  # of them, claimed at least once
    median_first_claim_s: float | None
    median_last_claim_s: float | None
    claims_per_packet: float | None  # claims ÷ packets sent: the number of claimers of a typical packet


def red_packet_speed(
    days: DayRollups, as_of: date, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> RedPacketSpeed:
    firsts: list[float] = []
    lasts: list[float] = []
    sent = claims = 0
    for day in trailing_days(as_of, thresholds.red_packet_days):
        found = days.get(day)
        if found is None:
            continue
        firsts.extend(found.red_packet_first_claim_s)
        lasts.extend(found.red_packet_last_claim_s)
        sent += found.red_packets_sent
        claims += found.red_packets_claimed
    return RedPacketSpeed(
        packets=sent,
        claimed_packets=len(firsts),
        median_first_claim_s=median(firsts) if firsts else None,
        median_last_claim_s=median(lasts) if lasts else None,
        claims_per_packet=claims / sent if sent else None,
    )


def end_of_day_us(as_of: date, zone: ZoneInfo) -> int:
    """The instant at which "as of" measures are taken: midnight at the end of the local day."""
    moment = datetime.combine(as_of + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return int(moment.timestamp()) * 1_000_000


def silence_hours(
    last_member_message_us: int | None,
    at_us: int,
    zone: ZoneInfo | None = None,
    quiet_hours: tuple[int, int] | None = None,
) -> float | None:
    """Hours from the last member message to `at_us` (None: no member message yet).

    With `quiet_hours` (start, end local hours, e.g. (23, 8)), the time inside them does not count:
    a group that falls silent at 22:00 is not "silent 12 hours" at 10:00 next morning when nights are quiet.
    """
    if last_member_message_us is None:
        return None
    elapsed = max(0, at_us - last_member_message_us)
    if quiet_hours is None or zone is None or quiet_hours[0] == quiet_hours[1]:
        return elapsed / US_PER_HOUR
    return max(0, elapsed - _quiet_overlap_us(last_member_message_us, at_us, zone, quiet_hours)) / US_PER_HOUR


def _quiet_overlap_us(start_us: int, end_us: int, zone: ZoneInfo, quiet: tuple[int, int]) -> int:
    begin, finish = quiet
    first = datetime.fromtimestamp(start_us / 1_000_000, zone).date() - timedelta(days=1)
    last = datetime.fromtimestamp(end_us / 1_000_000, zone).date()
    overlap, day = 0, first
    while day <= last:
        lo = datetime.combine(day, datetime.min.time(), tzinfo=zone) + timedelta(hours=begin)
        hi_day = day + timedelta(days=1) if finish <= begin else day
        hi = datetime.combine(hi_day, datetime.min.time(), tzinfo=zone) + timedelta(hours=finish)
        a = max(start_us, int(lo.timestamp() * 1_000_000))
        b = min(end_us, int(hi.timestamp() * 1_000_000))
        overlap += max(0, b - a)
        day += timedelta(days=1)
    return overlap


def speaker_ratio(speakers: int, members: int) -> float:
    """Members at the end of the window who spoke in its 30 days ÷ those members (0 without members): a
    share of the members, between 0 and 1, and 1 minus the lurker share."""
    return speakers / members if members > 0 else 0.0


def lurkers(last_spoke: Mapping[int, date | None], as_of: date, days: int) -> set[int]:
    """Members (keys: the members at the end of the window) with no message in the trailing `days` days."""
    first = as_of - timedelta(days=days - 1)
    return {member for member, spoke in last_spoke.items() if spoke is None or spoke < first}


@dataclass(frozen=True, slots=True)
class Concentration:
    speakers: int
    top_speakers: int  # how many make up the top 10%
    top_share: float  # share of member messages they sent (0 with no message)
    gini: float  # 0: everyone says as much; towards 1: one person says everything


def concentration(
    message_counts: Iterable[int], thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> Concentration:
    """Concentration of member messages among the speakers (members with at least one message)."""
    counts = sorted((c for c in message_counts if c > 0), reverse=True)
    total = sum(counts)
    if not counts:
        return Concentration(0, 0, 0.0, 0.0)
    top = max(1, math.ceil(thresholds.concentration_top_share * len(counts)))
    return Concentration(len(counts), top, sum(counts[:top]) / total, gini(counts))


def gini(values: Sequence[int | float]) -> float:
    """Gini coefficient: mean absolute difference ÷ twice the mean (0 for a single or an equal list)."""
    ordered = sorted(values)
    n, total = len(ordered), sum(ordered)
    if n < 2 or total <= 0:
        return 0.0
    weighted = sum((i + 1) * x for i, x in enumerate(ordered))
    return (2 * weighted) / (n * total) - (n + 1) / n


@dataclass(frozen=True, slots=True)
class Responsiveness:
    questions: int
    answered: int  # answered by another person within the answer window
    answered_share: float | None  # None: nobody asked anything
    median_answer_s: float | None


def responsiveness(
    days: DayRollups, as_of: date, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> Responsiveness:
    """Share of questions answered within 1 hour and the median time to the answer, trailing 30 days."""
    questions = answered = 0
    delays: list[float] = []
    for day in trailing_days(as_of, thresholds.responsiveness_days):
        found = days.get(day)
        if found is None:
            continue
        questions += found.questions
        answered += found.questions_answered
        delays.extend(found.answer_delays_s)
    return Responsiveness(
        questions=questions,
        answered=answered,
        answered_share=answered / questions if questions else None,
        median_answer_s=median(delays) if delays else None,
    )


def wad_series(
    days: DayRollups, first: date, last: date, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> list[int]:
    """WAD as of each day from `first` to `last` (one pass with a sliding window)."""
    flags: dict[date, int] = {}
    start = first - timedelta(days=thresholds.week_days - 1)
    day = start
    while day <= last:
        flags[day] = 1 if is_active_day(days.get(day), thresholds) else 0
        day += timedelta(days=1)
    series: list[int] = []
    running = sum(flags[start + timedelta(days=n)] for n in range(thresholds.week_days - 1))
    day = first
    while day <= last:
        running += flags[day]
        series.append(running)
        running -= flags[day - timedelta(days=thresholds.week_days - 1)]
        day += timedelta(days=1)
    return series

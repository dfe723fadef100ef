"""One group's day rolled up from its events: the pure function behind the per-day rollups.

The store hands in the events of the day (plus those just after it, for answers and red-packet claims
that cross midnight) and the facts it needs about members; this returns the day's counts.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from statistics import median
from typing import Any

from qunops.core.events import EventKind
from qunops.core.thresholds import DEFAULT_THRESHOLDS, Thresholds

_HOUR_US = 3_600_000_000
_DAY_US = 24 * _HOUR_US

SYSTEM_KINDS = frozenset(
    {
        EventKind.JOIN,
        EventKind.LEAVE,
        EventKind.REMOVAL,
        EventKind.RECALL,
        EventKind.RENAME,
        EventKind.ANNOUNCEMENT,
        EventKind.ADMIN_CHANGE,
        EventKind.MUTE,
        EventKind.OTHER,
    }
)


class AccountKind(StrEnum):
    """Whose message it is: member messages exclude bots and the workspace's operator accounts."""

    MEMBER = "member"
    OPERATOR = "operator"
    BOT = "bot"


def is_question(text: str) -> bool:
    """product.md: a message ending in ？/? or containing 请问/怎么/如何/有没有/吗.

    Substring tests rather than one regular expression: a fill asks this of every member message, and
    the alternation took twice as long. `rstrip` drops the whitespace a pattern's `\\s` matches (all of
    Unicode's)."""
    return (
        "吗" in text
        or "请问" in text
        or "怎么" in text
        or "如何" in text
        or "有没有" in text
        or (("?" in text or "？" in text) and text.rstrip().endswith(("?", "？")))
    )


@dataclass(slots=True, eq=False)
class StoredEvent:
    """An event as the store keeps it, with member ids resolved (what the rollups read of it).

    Not frozen: a frozen dataclass is built four times slower, and a fill builds one per event.
    """

    ts_us: int
    kind: str
    member_id: int | None
    text: str
    key: bytes
    reply_to_key: bytes | None
    payload: dict[str, Any] | None


@dataclass(slots=True)
class GroupDay:
    day: date
    member_messages: int = 0
    operator_messages: int = 0
    bot_messages: int = 0
    system_events: int = 0
    speakers: int = 0
    joins: int = 0
    leaves: int = 0
    removals: int = 0
    new_member_speakers: int = 0
    questions: int = 0
    questions_answered: int = 0
    answer_delays_s: list[float] = field(default_factory=list)
    red_packets_sent: int = 0
    red_packets_claimed: int = 0
    red_packet_first_claim_s: list[float] = field(default_factory=list)
    red_packet_last_claim_s: list[float] = field(default_factory=list)
    first_message_us: int | None = None
    last_message_us: int | None = None
    hour_counts: list[int] = field(default_factory=lambda: [0] * 24)

    @property
    def median_answer_s(self) -> float | None:
        return median(self.answer_delays_s) if self.answer_delays_s else None


@dataclass(slots=True)
class MemberDay:
    member_id: int
    day: date
    messages: int = 0
    questions: int = 0
    answers: int = 0
    replies_received: int = 0
    mentions_received: int = 0
    red_packets_claimed: int = 0
    first_message_us: int | None = None
    last_message_us: int | None = None


@dataclass(frozen=True, slots=True)
class DayInput:
    """Everything `roll_up_day` needs about one group's day."""

    day: date
    start_us: int
    end_us: int
    events: Sequence[StoredEvent]  # the day's events, in time order
    following: Sequence[
        StoredEvent
    ]  # events in the answer window after the day's end (answers cross midnight)
    packets: Sequence[StoredEvent]  # red packets sent and claimed within the claim window around the day
    accounts: Mapping[int, AccountKind]  # operator and bot accounts; everyone else is a member
    local_hour: Callable[[int], int]
    latest_join_day: Callable[[int, date], date | None]  # member's latest join on or before the day
    reply_author: Callable[[bytes], int | None]  # who wrote the message with this key


def roll_up_day(
    data: DayInput, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> tuple[GroupDay, list[MemberDay]]:
    """The day's group rollup and one rollup per member who did anything that day."""
    day = GroupDay(data.day)
    people: dict[int, MemberDay] = {}

    def person(member_id: int) -> MemberDay:
        found = people.get(member_id)
        if found is None:
            found = people[member_id] = MemberDay(member_id, data.day)
        return found

    speakers: set[int] = set()
    new_speakers: set[int] = set()
    questions: list[StoredEvent] = []
    within = data.events
    # Locals rather than attribute lookups: this loop runs once per event of every rolled-up day.
    accounts, latest_join_day, reply_author = data.accounts, data.latest_join_day, data.reply_author
    new_member_days, today = thresholds.new_member_days, data.day
    hour_counts = day.hour_counts
    # On a day without a clock change the local hour is the time since midnight; only the two days a
    # year that have one ask the timezone.
    start_us = data.start_us
    local_hour = data.local_hour if data.end_us - start_us != _DAY_US else None
    search_question = is_question
    message_kind, member_kind, bot_kind = EventKind.MESSAGE, AccountKind.MEMBER, AccountKind.BOT
    member_messages = 0
    first_us: int | None = None
    last_us: int | None = None
    for event in within:
        kind = event.kind
        member_id = event.member_id
        if kind == message_kind and member_id is not None:
            account = accounts.get(member_id, member_kind)
            mine = people.get(member_id)
            ts_us = event.ts_us
            if mine is None:
                mine = people[member_id] = MemberDay(member_id, today)
            mine.messages += 1
            mine.first_message_us = mine.first_message_us or ts_us
            mine.last_message_us = ts_us
            if account is bot_kind:
                day.bot_messages += 1
                continue
            if event.payload:
                for mentioned in event.payload.get("mentions", ()):
                    if isinstance(mentioned, int) and mentioned != member_id:
                        person(mentioned).mentions_received += 1
            if event.reply_to_key is not None:
                author = reply_author(event.reply_to_key)
                if author is not None and author != member_id:
                    person(author).replies_received += 1
            if account is not member_kind:  # an operator account
                day.operator_messages += 1
                continue
            member_messages += 1
            if first_us is None:
                first_us = ts_us
            last_us = ts_us
            if local_hour is None:
                hour_counts[(ts_us - start_us) // _HOUR_US] += 1
            else:
                hour_counts[local_hour(ts_us)] += 1
            if member_id not in speakers:
                speakers.add(member_id)  # whether a speaker is new depends on the day only: asked once
                joined = latest_join_day(member_id, today)
                if joined is not None and (today - joined).days <= new_member_days:
                    new_speakers.add(member_id)
            if search_question(event.text):
                questions.append(event)
                mine.questions += 1
        elif kind == EventKind.RED_PACKET_SENT:
            day.red_packets_sent += 1
        elif kind == EventKind.RED_PACKET_CLAIMED:
            day.red_packets_claimed += 1
            if member_id is not None:
                person(member_id).red_packets_claimed += 1
        else:
            day.system_events += 1
            if kind == EventKind.JOIN:
                day.joins += 1
            elif kind == EventKind.LEAVE:
                day.leaves += 1
            elif kind == EventKind.REMOVAL:
                day.removals += 1
    day.member_messages = member_messages
    day.first_message_us, day.last_message_us = first_us, last_us
    day.speakers = len(speakers)
    day.new_member_speakers = len(new_speakers)
    day.questions = len(questions)
    candidates = [*within, *data.following] if questions else []
    for question, answerer, delay in match_answers(questions, candidates, data.accounts, thresholds):
        del question
        day.questions_answered += 1
        day.answer_delays_s.append(delay)
        person(answerer).answers += 1
    sent_today = [
        e
        for e in data.packets
        if e.kind == EventKind.RED_PACKET_SENT and data.start_us <= e.ts_us < data.end_us
    ]
    firsts, lasts = red_packet_claim_delays(sent_today, data.packets, thresholds) if sent_today else ([], [])
    day.red_packet_first_claim_s, day.red_packet_last_claim_s = firsts, lasts
    return day, sorted(people.values(), key=lambda m: m.member_id)


def match_answers(
    questions: Sequence[StoredEvent],
    events: Sequence[StoredEvent],
    accounts: Mapping[int, AccountKind],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> list[tuple[StoredEvent, int, float]]:
    """For each answered question: (question, answerer, seconds to the answer).

    Another person (a member or an operator account, never a bot) answers a question by replying to it
    or mentioning the asker within the answer window, or by writing anything within the follow window.
    `events` are in the order they happened, and so are the `questions` among them.
    """
    answered: list[tuple[StoredEvent, int, float]] = []
    window_us = thresholds.answer_window_s * 1_000_000
    follow_us = thresholds.answer_follow_s * 1_000_000
    bot, message = AccountKind.BOT, EventKind.MESSAGE
    count = len(events)
    # Events come in the order they happened, which for the same time stamp is the export's order: an
    # answer written in the same minute (exports with minute precision) follows its question there. One
    # walk over the events finds each question's place (a fill asks this of every day with a question).
    walked = 0
    times: list[int] | None = None
    for question in questions:
        asked_us, asker = question.ts_us, question.member_id
        place = walked
        while place < count and events[place] is not question:
            place += 1
        if place < count:
            walked, start = place, place + 1
        else:  # not among the events: whatever came after its time
            times = times if times is not None else [e.ts_us for e in events]
            start = bisect_right(times, asked_us)
        limit, follow = asked_us + window_us, asked_us + follow_us
        for index in range(start, count):
            candidate = events[index]
            if candidate.ts_us > limit:
                break
            member = candidate.member_id
            if candidate.kind != message or member is None or member == asker or accounts.get(member) is bot:
                continue
            if (
                candidate.ts_us <= follow
                or candidate.reply_to_key == question.key
                or asker in (candidate.payload or {}).get("mentions", ())
            ):
                answered.append((question, member, (candidate.ts_us - asked_us) / 1_000_000))
                break
    return answered


def red_packet_claim_delays(
    sent_today: Sequence[StoredEvent],
    events: Sequence[StoredEvent],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> tuple[list[float], list[float]]:
    """Seconds from sending to the first and to the last claim, for each packet sent today that was claimed.

    Claims name their packet (payload packet_id) where the source tells it; otherwise a claim belongs to
    the most recent packet sent before it within the claim window.
    """
    packets = [e for e in events if e.kind == EventKind.RED_PACKET_SENT]
    claims: dict[int, list[int]] = {}
    by_id = {
        str((p.payload or {}).get("packet_id")): i
        for i, p in enumerate(packets)
        if (p.payload or {}).get("packet_id")
    }
    window = thresholds.red_packet_claim_window_s * 1_000_000
    for claim in events:
        if claim.kind != EventKind.RED_PACKET_CLAIMED:
            continue
        packet_id = (claim.payload or {}).get("packet_id")
        index = by_id.get(str(packet_id)) if packet_id else None
        if index is None:
            earlier = [i for i, p in enumerate(packets) if p.ts_us <= claim.ts_us <= p.ts_us + window]
            index = earlier[-1] if earlier else None
        if index is not None and packets[index].ts_us <= claim.ts_us:
            claims.setdefault(index, []).append(claim.ts_us)
    today = {id(e) for e in sent_today}
    firsts: list[float] = []
    lasts: list[float] = []
    for index, packet in enumerate(packets):
        if id(packet) not in today or index not in claims:
            continue
        firsts.append((min(claims[index]) - packet.ts_us) / 1_000_000)
        lasts.append((max(claims[index]) - packet.ts_us) / 1_000_000)
    return firsts, lasts

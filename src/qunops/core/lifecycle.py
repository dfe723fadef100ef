"""The lifecycle stage of a group as of a date (product.md "Lifecycle stage").

Stages are tried in this order and the first that matches wins: completed, dead, dormant, launching,
cooling, thriving, steady. Pure: the facts come in as a dataclass built from rollups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from qunops.core.daily import GroupDay
from qunops.core.metrics import member_messages, weekly_active_days
from qunops.core.texts import Text
from qunops.core.thresholds import DEFAULT_THRESHOLDS, Thresholds

US_PER_DAY = 86_400_000_000


class Stage(StrEnum):
    COMPLETED = "completed"
    DEAD = "dead"
    DORMANT = "dormant"
    LAUNCHING = "launching"
    COOLING = "cooling"
    THRIVING = "thriving"
    STEADY = "steady"


@dataclass(frozen=True, slots=True)
class LifecycleFacts:
    """What the stage depends on, as of `as_of` (windows end with that date; silence at its end)."""

    as_of: date
    created: date | None  # the group's first local day (None: unknown, never launching)
    temporary: bool
    planned_end: date | None
    wad: int
    messages_last_week: int  # member messages, trailing 7 days
    messages_week_before: int  # member messages, the 7 days before those
    silent_days: float | None  # days since the last member message (or since creation); None: unknown


@dataclass(frozen=True, slots=True)
class StageReading:
    stage: Stage
    reason: str


def lifecycle_facts(
    days: dict[date, GroupDay],
    as_of: date,
    created: date | None,
    temporary: bool,
    planned_end: date | None,
    last_member_message_us: int | None,
    created_us: int | None,
    at_us: int,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> LifecycleFacts:
    """The facts from rollups, silence taken at `at_us`: local midnight at the end of `as_of`, or now
    when that is still to come.

    A group where no member has spoken yet has been silent since it was created.
    """
    week = thresholds.week_days
    reference = last_member_message_us if last_member_message_us is not None else created_us
    silent = None if reference is None else max(0, at_us - reference) / US_PER_DAY
    return LifecycleFacts(
        as_of=as_of,
        created=created,
        temporary=temporary,
        planned_end=planned_end,
        wad=weekly_active_days(days, as_of, thresholds),
        messages_last_week=member_messages(days, as_of - timedelta(days=week - 1), as_of),
        messages_week_before=member_messages(
            days, as_of - timedelta(days=2 * week - 1), as_of - timedelta(days=week)
        ),
        silent_days=silent,
    )


def cooling_drop(last_week: int, week_before: int) -> float | None:
    """Relative fall of member messages from the week before to the last week (None: nothing before)."""
    if week_before <= 0:
        return None
    return (week_before - last_week) / week_before


def days_old(days: int) -> Text:
    """A group's age in words: "created today", "1 day old", "5 days old"."""
    if days <= 0:
        return Text("created today")
    if days == 1:
        return Text("1 day old")
    return Text("{days} days old", days=days)


def lifecycle_stage(facts: LifecycleFacts, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> StageReading:
    """The first matching stage in product.md's order, with the reason in words."""
    t = thresholds
    if facts.temporary and facts.planned_end is not None and facts.as_of > facts.planned_end:
        return StageReading(
            Stage.COMPLETED, Text("temporary group past its planned end {end}", end=facts.planned_end)
        )
    silent = facts.silent_days
    if silent is not None and silent >= t.dead_days:
        return StageReading(
            Stage.DEAD,
            Text("no member message for {days} days (dead at {dead})", days=int(silent), dead=t.dead_days),
        )
    if silent is not None and silent >= t.dormant_days:
        return StageReading(
            Stage.DORMANT,
            Text(
                "silent for {days} days ({first}–{last} is dormant)",
                days=int(silent),
                first=t.dormant_days,
                last=t.dead_days - 1,
            ),
        )
    if facts.created is not None and (facts.as_of - facts.created).days < t.launching_days:
        age = (facts.as_of - facts.created).days
        young = Text("{age} (younger than {limit} days)", age=days_old(age), limit=t.launching_days)
        return StageReading(Stage.LAUNCHING, young)
    if facts.wad <= t.cooling_wad:
        return StageReading(Stage.COOLING, Text("{wad} active day(s) in the last week", wad=facts.wad))
    drop = cooling_drop(facts.messages_last_week, facts.messages_week_before)
    # A tiny epsilon: a drop of exactly 40% computed in floating point must count as 40%.
    if drop is not None and drop >= t.cooling_drop - 1e-9:
        return StageReading(
            Stage.COOLING,
            Text(
                "member messages fell {drop:.0%} week on week ({before} → {after})",
                drop=drop,
                before=facts.messages_week_before,
                after=facts.messages_last_week,
            ),
        )
    if facts.wad >= t.thriving_wad:
        return StageReading(Stage.THRIVING, Text("{wad} active days in the last week", wad=facts.wad))
    return StageReading(Stage.STEADY, Text("{wad} active days in the last week", wad=facts.wad))

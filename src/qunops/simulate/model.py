"""The simulator's public types: what to simulate, what was planted, and the community that streams events."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from qunops.core.events import Event, MemberRef
from qunops.core.registry import GroupProfile

if TYPE_CHECKING:
    from qunops.simulate.plan import GroupPlan, World

FATES = ("launching", "thriving", "steady", "cooling", "dormant", "dead", "completed")


@dataclass
class SimulationConfig:
    """What to simulate. The same config always yields the same community, event for event."""

    seed: int = 7
    groups: int = 30
    days: int = 120
    end: date = date(2026, 11, 24)  # last simulated day (local, in `timezone`)
    timezone: str = "Asia/Shanghai"
    scale: float = 1.0  # multiplies message volume (not group sizes)


@dataclass
class PlantedTruth:
    """What the simulator planted on purpose, so analytics can be checked against it.

    Member ids are the `external_id`s the events carry. Dates are local calendar days of the group.
    """

    stage_plan: dict[str, str] = field(default_factory=dict)  # group -> planned fate (see FATES)
    death_day: dict[str, date] = field(default_factory=dict)  # dead groups: last day with member messages
    experts: dict[str, set[str]] = field(default_factory=dict)  # group -> planted answerers (may be empty)
    opinion_leaders: dict[str, set[str]] = field(default_factory=dict)
    spam_keys: set[tuple[str, str]] = field(default_factory=set)  # (group, source_id) of ad messages
    spammers: set[str] = field(default_factory=set)
    spam_removed: set[tuple[str, str]] = field(default_factory=set)  # (group, spammer) removed by an admin
    created: dict[str, date] = field(default_factory=dict)  # group -> creation day
    last_member_day: dict[str, date] = field(default_factory=dict)  # group -> last day with member messages
    planned_end: dict[str, date] = field(default_factory=dict)  # temporary groups -> planned end
    operator_ids: set[str] = field(default_factory=set)  # the workspace's own accounts, on every platform
    bot_ids: set[str] = field(default_factory=set)
    # group -> (inviter id, invitee id) for every join with a member as inviter, in join order
    invitations: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    members: dict[str, int] = field(default_factory=dict)  # group -> members at the end (joined, not gone)


class Community:
    """A simulated workspace: its groups' registry entries, its own accounts, the truth, and its events.

    Events are generated lazily, one group at a time, so a year of a thousand groups can be streamed
    into a store without ever holding it in memory.
    """

    def __init__(
        self,
        config: SimulationConfig,
        profiles: list[GroupProfile],
        operators: list[MemberRef],
        bots: list[MemberRef],
        truth: PlantedTruth,
        world: World,
        plans: list[GroupPlan],
    ) -> None:
        self.config = config
        self.profiles = profiles
        self.operators = operators
        self.bots = bots
        self.truth = truth
        self._world = world
        self._plans = plans

    def events(self) -> Iterator[Event]:
        """Every event: group by group (in `profiles` order), each group's in time order."""
        from qunops.simulate.generate import group_events

        for plan in self._plans:
            yield from group_events(plan, self._world)

    def group_events(self, external_id: str) -> Iterator[Event]:
        """One group's events in time order (the same events `events()` yields for it)."""
        from qunops.simulate.generate import group_events

        for plan in self._plans:
            if plan.profile.external_id == external_id:
                return group_events(plan, self._world)
        raise KeyError(external_id)

    def planned_member_messages(self) -> int:
        """The member-message budget of all groups (a cheap estimate of volume before generating)."""
        return sum(sum(plan.quota) for plan in self._plans)

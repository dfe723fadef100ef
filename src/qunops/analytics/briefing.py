"""The daily briefing: what needs attention today across a workspace, in order, with what to do.

Groups with alerts come first, most severe alert first, then the larger group (more people affected),
then the lower health score. Each item carries the group's top recommended actions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection

from qunops.analytics.alerts import Alert
from qunops.analytics.groups import GroupSummary, group_summaries
from qunops.analytics.recommendations import Recommendation
from qunops.core.thresholds import DEFAULT_THRESHOLDS, Thresholds


@dataclass(frozen=True, slots=True)
class BriefingItem:
    group_id: int
    group_name: str
    platform: str
    stage: str
    health_score: float
    members: int
    alerts: tuple[Alert, ...]
    actions: tuple[Recommendation, ...]

    @property
    def severity(self) -> int:
        return max((a.severity for a in self.alerts), default=0)

    def as_json(self) -> dict[str, Any]:
        return {
            "group_id": self.group_id,
            "group_name": self.group_name,
            "platform": self.platform,
            "stage": self.stage,
            "health_score": round(self.health_score, 1),
            "members": self.members,
            "severity": self.severity,
            "alerts": [a.as_json() for a in self.alerts],
            "actions": [r.as_json() for r in self.actions],
        }


@dataclass(slots=True)
class Briefing:
    as_of: date
    groups: int
    stages: dict[str, int]
    items: list[BriefingItem] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "groups": self.groups,
            "stages": self.stages,
            "items": [i.as_json() for i in self.items],
        }


def briefing_from(summaries: Sequence[GroupSummary], as_of: date, actions_per_group: int = 3) -> Briefing:
    """The briefing of already computed summaries (the console computes them once for several views)."""
    items = [
        BriefingItem(
            s.id,
            s.name,
            s.platform,
            s.stage,
            s.health_score,
            s.members,
            tuple(s.alerts),
            tuple(s.recommendations[:actions_per_group]),
        )
        for s in summaries
        if s.alerts
    ]
    items.sort(key=lambda i: (-i.severity, -i.members, i.health_score, i.group_id))
    return Briefing(as_of, len(summaries), dict(Counter(s.stage for s in summaries)), items)


def daily_briefing(
    connection: Connection,
    workspace_id: int,
    as_of: date,
    actions_per_group: int = 3,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Briefing:
    """What needs attention in the workspace as of the date, ordered, with recommended actions."""
    summaries = group_summaries(connection, workspace_id, as_of, thresholds=thresholds)
    return briefing_from(summaries, as_of, actions_per_group)

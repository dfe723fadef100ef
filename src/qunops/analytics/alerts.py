"""Alerts: what in a group needs an operator's attention today, each with its evidence.

Silence over 12 hours (optionally not counting quiet hours), the lifecycle stages that call for action
(cooling, dormant, dead), role-structure violations, a wave of leaves, new members who do not speak, and
a burst of flagged (spam) messages. `spam_burst_alert` takes flagged counts so any moderation source can
feed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qunops.core.lifecycle import Stage, StageReading
from qunops.core.roles import RoleCheck
from qunops.core.texts import Text
from qunops.core.thresholds import DEFAULT_THRESHOLDS, Thresholds

CRITICAL, WARNING, NOTICE = 3, 2, 1


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str  # silence, cooling, dormant, dead, leave_wave, spam_burst, newcomers_silent, role:<rule>
    severity: int  # 3 critical, 2 warning, 1 notice
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "evidence": self.evidence,
        }


def silence_alert(silence_hours: float | None, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Alert | None:
    """Silent for at least 12 hours (hours inside quiet hours already left out by the caller)."""
    if silence_hours is None or silence_hours < thresholds.silence_alert_hours:
        return None
    return Alert(
        "silence",
        WARNING,
        Text(
            "no member message for {hours:.0f} hours (alert at {limit})",
            hours=silence_hours,
            limit=thresholds.silence_alert_hours,
        ),
        {"silence_hours": round(silence_hours, 2)},
    )


def stage_alert(reading: StageReading) -> Alert | None:
    severity = {Stage.COOLING: WARNING, Stage.DORMANT: CRITICAL, Stage.DEAD: CRITICAL}.get(reading.stage)
    if severity is None:
        return None
    return Alert(
        str(reading.stage),
        severity,
        Text("{stage}: {reason}", stage=reading.stage, reason=reading.reason),
        {"stage": str(reading.stage)},
    )


def role_alerts(checks: list[RoleCheck]) -> list[Alert]:
    return [Alert(f"role:{c.rule}", NOTICE, c.detail, {"rule": c.rule}) for c in checks if not c.ok]


def leave_wave_alert(
    leaves: int, members_before: int, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> Alert | None:
    """At least 5% of the members (and at least 3 people) left within the day."""
    if members_before <= 0 or leaves < thresholds.leave_wave_min_leaves:
        return None
    share = leaves / members_before
    if share < thresholds.leave_wave_share:
        return None
    return Alert(
        "leave_wave",
        CRITICAL,
        Text(
            "{leaves} members left within 24 hours ({share:.0%} of {members})",
            leaves=leaves,
            share=share,
            members=members_before,
        ),
        {"leaves": leaves, "members_before": members_before, "share": round(share, 4)},
    )


def spam_burst_alert(flagged_messages: int, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Alert | None:
    """Moderation flagged at least `spam_burst_flagged` messages in the group within the day."""
    if flagged_messages < thresholds.spam_burst_flagged:
        return None
    return Alert(
        "spam_burst",
        CRITICAL,
        Text("{flagged} messages flagged as spam or ads today", flagged=flagged_messages),
        {"flagged": flagged_messages},
    )


def newcomers_silent_alert(
    joins_week: int, new_member_speakers_week: int, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> Alert | None:
    """People joined in the last week and none of them has said anything."""
    if joins_week < thresholds.newcomers_silent_joins or new_member_speakers_week > 0:
        return None
    return Alert(
        "newcomers_silent",
        NOTICE,
        Text(
            "{joins} people joined in the last {days} days and none of them spoke",
            joins=joins_week,
            days=thresholds.week_days,
        ),
        {"joins": joins_week},
    )


def group_alerts(
    stage: StageReading,
    silence_hours: float | None,
    checks: list[RoleCheck],
    leaves_today: int,
    members_before: int,
    joins_week: int,
    new_member_speakers_week: int,
    flagged_today: int = 0,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> list[Alert]:
    """Every alert of a group, most severe first. A completed group raises none: it did its job."""
    if stage.stage is Stage.COMPLETED:
        return []
    found: list[Alert | None] = [stage_alert(stage)]
    if stage.stage not in (Stage.DORMANT, Stage.DEAD):  # those already say the group is silent
        found.append(silence_alert(silence_hours, thresholds))
    found.append(leave_wave_alert(leaves_today, members_before, thresholds))
    found.append(spam_burst_alert(flagged_today, thresholds))
    found.append(newcomers_silent_alert(joins_week, new_member_speakers_week, thresholds))
    alerts = [a for a in found if a is not None]
    if stage.stage is not Stage.DEAD:  # the structure of a dead group is moot
        alerts.extend(role_alerts(checks))
    alerts.sort(key=lambda a: -a.severity)
    return alerts

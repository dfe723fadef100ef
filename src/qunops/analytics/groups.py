"""Per-group summaries as of a date: health, lifecycle, roles, alerts and recommendations.

`group_summaries(connection, workspace_id, as_of)` is what the console's group list, the daily briefing
and `qunops report` read. It loads rollups with a few queries (see history.py) and applies the pure
rules of core/ to each group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from qunops.analytics.alerts import Alert, group_alerts
from qunops.analytics.history import SUMMARY_DAYS, GroupHistory, MemberState, load_histories
from qunops.analytics.recommendations import GroupContext, Recommendation, recommend
from qunops.core.bulk import collector_paused
from qunops.core.health import HealthInputs, HealthScore, health_score
from qunops.core.lifecycle import Stage, StageReading, lifecycle_facts, lifecycle_stage
from qunops.core.metrics import (
    Concentration,
    RedPacketSpeed,
    Responsiveness,
    concentration,
    messages_per_active_day,
    new_member_speakers_per_active_day,
    red_packet_speed,
    responsiveness,
    silence_hours,
    speaker_ratio,
    trailing_days,
    weekly_active_days,
    window_sum,
)
from qunops.core.roles import (
    GroupShape,
    MemberFacts,
    Role,
    RoleCheck,
    RoleReading,
    Suggestion,
    group_roles,
)
from qunops.core.thresholds import DEFAULT_THRESHOLDS, Thresholds
from qunops.core.time import from_us_or_none, utcnow

SERIES_DAYS = 30


@dataclass(slots=True)
class GroupSummary:
    id: int
    name: str
    platform: str
    external_id: str
    group_type: str
    duration_kind: str
    as_of: date
    members: int  # present at the end of the as-of date, without bots and the workspace's own accounts
    stage: str
    stage_reason: str
    health_score: float
    health: HealthScore
    wad: int
    messages_per_active_day: float
    new_member_speakers_per_active_day: float
    speaker_ratio: float
    speakers_30d: int
    lurkers: int
    lurker_share: float
    lurker_share_12w: float
    silence_hours: float | None
    last_member_message: datetime | None
    red_packets: RedPacketSpeed
    responsiveness: Responsiveness
    concentration: Concentration
    messages_7d: int
    messages_30d: int
    daily_member_messages: list[int]  # trailing 30 days, oldest first
    alerts: list[Alert]
    recommendations: list[Recommendation]
    roles: RoleReading
    created: date | None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def red_packet_first_claim_s(self) -> float | None:
        return self.red_packets.median_first_claim_s

    @property
    def health_explanation(self) -> list[str]:
        return self.health.explanation()

    @property
    def role_checks(self) -> list[RoleCheck]:
        return self.roles.checks

    @property
    def suggestions(self) -> list[Suggestion]:
        return self.roles.suggestions

    def roles_by_member(self) -> dict[int, list[str]]:
        return self.roles.by_member()

    def as_json(self, with_members: bool = True) -> dict[str, Any]:
        """The report's JSON row (numbers rounded for reading; None where a measure does not apply)."""
        row: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "platform": self.platform,
            "group_type": self.group_type,
            "duration_kind": self.duration_kind,
            "as_of": self.as_of.isoformat(),
            "members": self.members,
            "stage": self.stage,
            "stage_reason": self.stage_reason,
            "health_score": round(self.health_score, 1),
            "health_explanation": self.health_explanation,
            "wad": self.wad,
            "messages_per_active_day": round(self.messages_per_active_day, 2),
            "new_member_speakers_per_active_day": round(self.new_member_speakers_per_active_day, 2),
            "speaker_ratio": round(self.speaker_ratio, 4),
            "speakers_30d": self.speakers_30d,
            "lurker_share": round(self.lurker_share, 4),
            "lurker_share_12w": round(self.lurker_share_12w, 4),
            "silence_hours": None if self.silence_hours is None else round(self.silence_hours, 2),
            "red_packet_first_claim_s": _round(self.red_packets.median_first_claim_s),
            "red_packet_last_claim_s": _round(self.red_packets.median_last_claim_s),
            "red_packets_sent_30d": self.red_packets.packets,
            "answered_share": _round(self.responsiveness.answered_share, 4),
            "median_answer_s": _round(self.responsiveness.median_answer_s),
            "top10_share": round(self.concentration.top_share, 4),
            "gini": round(self.concentration.gini, 4),
            "messages_7d": self.messages_7d,
            "messages_30d": self.messages_30d,
            "alerts": [a.as_json() for a in self.alerts],
            "recommendations": [r.as_json() for r in self.recommendations],
            "role_checks": [{"rule": c.rule, "ok": c.ok, "detail": c.detail} for c in self.roles.checks],
        }
        if with_members:
            row["roles"] = [
                {"member_id": m.member_id, "name": m.name, "roles": [str(r) for r in m.roles]}
                for m in self.roles.members
                if m.roles
            ]
            row["suggestions"] = [
                {"member_id": s.member_id, "name": s.name, "role": str(s.role), "reason": s.reason}
                for s in self.roles.suggestions
            ]
        return row


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def group_summaries(
    connection: Connection,
    workspace_id: int,
    as_of: date | None = None,
    group_ids: Sequence[int] | None = None,
    flagged: Mapping[int, int] | None = None,
    quiet_hours: tuple[int, int] | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> list[GroupSummary]:
    """One summary per group of the workspace, as of the date (default: today in UTC).

    `flagged` maps a group id to the messages moderation flagged in it on the as-of day (spam bursts);
    `quiet_hours` (local start, end hours) are left out of the silence that raises the silence alert.
    """
    day = as_of or utcnow().date()
    with collector_paused():
        histories = load_histories(connection, workspace_id, day, group_ids, SERIES_DAYS, thresholds)
        return [summarize(h, thresholds, (flagged or {}).get(h.info.id, 0), quiet_hours) for h in histories]


def member_facts(member: MemberState, as_of: date, zone: Any, flagged_spam: bool = False) -> MemberFacts:
    joined = None
    if member.joined_us is not None:
        joined = datetime.fromtimestamp(member.joined_us / 1_000_000, zone).date()
    return MemberFacts(
        member_id=member.member_id,
        name=member.name,
        joined=joined,
        is_operator=member.is_operator,
        designated=member.designated,
        flagged_spam=flagged_spam,
        totals_30=(member.messages_30, member.answers_30, member.received_30),
        spoke_mask=member.spoke_mask,
    )


def summarize(
    history: GroupHistory,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    flagged_today: int = 0,
    quiet_hours: tuple[int, int] | None = None,
    spammers: frozenset[int] = frozenset(),
) -> GroupSummary:
    """The summary of one loaded group (pure apart from the loaded data)."""
    t = thresholds
    info = history.info
    as_of = history.as_of
    days = history.days
    created = history.created
    silence = silence_hours(history.last_member_message_us, history.at_us)
    if silence is None and history.created_us is not None:
        silence_since_created = max(0, history.at_us - history.created_us) / 3_600_000_000
    else:
        silence_since_created = None
    facts = lifecycle_facts(
        days,
        as_of,
        created,
        info.temporary,
        info.planned_end,
        history.last_member_message_us,
        history.created_us,
        history.at_us,
        t,
    )
    stage: StageReading = lifecycle_stage(facts, t)
    wad = weekly_active_days(days, as_of, t)
    mpad = messages_per_active_day(days, as_of, t)
    nms = new_member_speakers_per_active_day(days, as_of, t)
    accounts = history.member_accounts
    members = len(accounts)
    ratio = speaker_ratio(history.speakers_30, members)
    lurker_start = as_of - timedelta(days=t.lurker_days - 1)
    long_start = as_of - timedelta(days=t.long_lurker_days - 1)
    lurkers = sum(1 for m in accounts if m.last_spoke is None or m.last_spoke < lurker_start)
    lurkers_12w = sum(1 for m in accounts if m.last_spoke is None or m.last_spoke < long_start)
    response = responsiveness(days, as_of, t)
    packets = red_packet_speed(days, as_of, t)
    health = health_score(
        HealthInputs(
            wad=wad,
            messages_per_active_day=mpad,
            speaker_ratio=ratio,
            new_member_speakers_per_active_day=nms,
            answered_share=response.answered_share,
            silence_hours=silence,
        ),
        t,
    )
    reading = group_roles(
        [member_facts(m, as_of, info.zone, m.member_id in spammers) for m in history.members],
        as_of,
        GroupShape(info.group_type, members, created, stage.stage not in (Stage.COMPLETED, Stage.DEAD)),
        t,
    )
    today = days.get(as_of)
    joins_week = window_sum(days, as_of, t.week_days, "joins")
    new_speakers_week = window_sum(days, as_of, t.week_days, "new_member_speakers")
    alert_silence = silence
    if quiet_hours is None and t.quiet_hours_start != t.quiet_hours_end:
        quiet_hours = (t.quiet_hours_start, t.quiet_hours_end)  # the workspace's setting
    if quiet_hours is not None:
        alert_silence = silence_hours(history.last_member_message_us, history.at_us, info.zone, quiet_hours)
    alerts = group_alerts(
        stage,
        alert_silence if alert_silence is not None else silence_since_created,
        reading.checks,
        today.leaves if today else 0,
        members + history.departed_today,
        joins_week,
        new_speakers_week,
        flagged_today,
        t,
    )
    # Within the days every summary loads, so that a group's page, which loads more, recommends as the
    # overview does ("no red packet recently" means none in them).
    since = as_of - timedelta(days=SUMMARY_DAYS)
    last_packet = max((d for d, x in days.items() if x.red_packets_sent and since < d <= as_of), default=None)
    context = GroupContext(
        group_type=info.group_type,
        temporary=info.temporary,
        age_days=(as_of - created).days if created else None,
        members=members,
        answerers=tuple(
            m.name or str(m.member_id)
            for m in reading.members
            if Role.ANSWERER in m.roles or Role.EXPERT in m.roles
        ),
        opinion_leaders=tuple(m.name for m in reading.members if Role.OPINION_LEADER in m.roles),
        days_since_red_packet=(as_of - last_packet).days if last_packet else None,
        speaker_ratio=ratio,
    )
    series_days = trailing_days(as_of, SERIES_DAYS)
    series = [days[d].member_messages if d in days else 0 for d in series_days]
    return GroupSummary(
        id=info.id,
        name=info.name,
        platform=info.platform,
        external_id=info.external_id,
        group_type=info.group_type,
        duration_kind=info.duration_kind,
        as_of=as_of,
        members=members,
        stage=str(stage.stage),
        stage_reason=stage.reason,
        health_score=health.score,
        health=health,
        wad=wad,
        messages_per_active_day=mpad,
        new_member_speakers_per_active_day=nms,
        speaker_ratio=ratio,
        speakers_30d=history.speakers_30,
        lurkers=lurkers,
        lurker_share=lurkers / members if members else 0.0,
        lurker_share_12w=lurkers_12w / members if members else 0.0,
        silence_hours=silence,
        last_member_message=from_us_or_none(history.last_member_message_us),
        red_packets=packets,
        responsiveness=response,
        concentration=concentration(history.messages_by_speaker_30, t),
        messages_7d=sum(series[-t.week_days :]),
        messages_30d=sum(series),
        daily_member_messages=series,
        alerts=alerts,
        recommendations=recommend(alerts, context, t),
        roles=reading,
        created=created,
    )

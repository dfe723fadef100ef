"""Recommendations: for each alert, the seeds' playbook actions that fit the group, ranked, with reasons.

The playbook (../shared/seeds): keep a group from silence past 12 hours with topics, test activity with
an occasional red packet (not too often, or it becomes "a charity group"), hold sharing sessions by the
group's experts, invite experts and opinion leaders where the role structure lacks them, welcome new
members with a ceremony and break the ice with a questionnaire that finds weak ties, and move the members
of a fading group into new, more focused groups by sub-topic ("change blood").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qunops.analytics.alerts import Alert
from qunops.core.registry import group_type_label
from qunops.core.texts import Text
from qunops.core.thresholds import DEFAULT_THRESHOLDS, Thresholds

KNOWLEDGE_TYPES = frozenset({"interest", "industry", "consultant", "learning", "resource"})


@dataclass(frozen=True, slots=True)
class Recommendation:
    action: str  # a playbook action id (the operations calendar's vocabulary)
    title: str
    reason: str
    answers: str  # the alert kind it answers
    score: float  # rank: higher first
    source: str  # where in the seeds the practice comes from

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "title": self.title,
            "reason": self.reason,
            "answers": self.answers,
            "score": round(self.score, 2),
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class GroupContext:
    """What decides which actions fit a group."""

    group_type: str
    temporary: bool
    age_days: int | None
    members: int
    answerers: tuple[str, ...] = ()  # names of inferred answerers and designated experts
    opinion_leaders: tuple[str, ...] = ()
    days_since_red_packet: int | None = None  # None: no red packet in the window
    speaker_ratio: float = 0.0
    suggestions: tuple[str, ...] = field(default_factory=tuple)  # "name: role — reason"


SEED_LIFECYCLE = "seeds/004 (group life cycle: silence, red packets, change blood)"
SEED_ROLES = "seeds/004 (division of labour: official account, extras, experts)"
SEED_ICEBREAK = "seeds/001 (weak ties: a small questionnaire; a sense of ceremony on joining)"
SEED_QUALITY = "seeds/000 (bad money drives out good money)"


def recommend(
    alerts: list[Alert], context: GroupContext, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> list[Recommendation]:
    """Ranked actions for a group's alerts; each action once, with the reason of its best fit."""
    found: list[Recommendation] = []
    for alert in alerts:
        found.extend(_for_alert(alert, context, thresholds))
    best: dict[str, Recommendation] = {}
    for item in found:
        kept = best.get(item.action)
        if kept is None or item.score > kept.score:
            best[item.action] = item
    return sorted(best.values(), key=lambda r: (-r.score, r.action))


def _red_packet_ok(context: GroupContext, thresholds: Thresholds) -> bool:
    return (
        context.days_since_red_packet is None
        or context.days_since_red_packet >= thresholds.red_packet_min_gap_days
    )


def _for_alert(alert: Alert, c: GroupContext, t: Thresholds) -> list[Recommendation]:
    kind = alert.kind
    weight = float(alert.severity)
    knowledge = c.group_type in KNOWLEDGE_TYPES
    out: list[Recommendation] = []

    def add(action: str, title: Text, reason: Text, fit: float, source: str) -> None:
        out.append(Recommendation(action, title, reason, kind, weight * fit, source))

    group_type = group_type_label(c.group_type)

    fading = not c.temporary and c.age_days is not None and c.age_days >= t.fading_group_age_days
    if kind in ("silence", "dormant"):
        add(
            "daily_topic",
            Text("Post a topic for discussion"),
            Text(
                "the official account hosts a topic to break the silence "
                "(do not leave a group silent past {hours} hours)",
                hours=t.silence_alert_hours,
            ),
            1.0,
            SEED_LIFECYCLE,
        )
        if _red_packet_ok(c, t):
            last = (
                Text("no red packet recently")
                if c.days_since_red_packet is None
                else Text("last one {days} days ago", days=c.days_since_red_packet)
            )
            add(
                "red_packet_test",
                Text("Send an occasional red packet to test activity"),
                Text("{last}; keep it occasional or members take it for a charity group", last=last),
                0.8,
                SEED_LIFECYCLE,
            )
    if kind in ("cooling", "dormant"):
        if knowledge and c.answerers:
            add(
                "sharing_session",
                Text("Ask {name} to hold a sharing session", name=c.answerers[0]),
                Text(
                    "a {group_type} group cooling down; {name} answers others' questions",
                    group_type=group_type,
                    name=c.answerers[0],
                ),
                1.2,
                SEED_LIFECYCLE,
            )
        elif knowledge:
            add(
                "invite_expert",
                Text("Invite an expert to answer questions and share"),
                Text(
                    "a {group_type} group cooling down with nobody who answers questions",
                    group_type=group_type,
                ),
                1.0,
                SEED_ROLES,
            )
        add(
            "group_activity",
            Text("Plan an activity every member can take part in"),
            Text("activities all members can join slow a group's decline"),
            0.7,
            SEED_LIFECYCLE,
        )
        if c.speaker_ratio < 0.1:
            add(
                "icebreaker_questionnaire",
                Text("Run an ice-breaker questionnaire (career, city, interests)"),
                Text(
                    "only {ratio:.0%} of members spoke in 30 days: help them find weak ties",
                    ratio=c.speaker_ratio,
                ),
                0.6,
                SEED_ICEBREAK,
            )
    if kind in ("cooling", "dormant", "dead") and fading:
        add(
            "migrate_members",
            Text("Move members into new groups by sub-topic (change blood)"),
            Text(
                "a long-term group {age} days old is fading: regroup its people around narrower topics",
                age=c.age_days,
            ),
            1.1 if kind == "dead" else 0.9,
            SEED_LIFECYCLE,
        )
    if kind == "dead" and not fading:
        add(
            "archive_or_relaunch",
            Text("Archive the group or relaunch it with a new purpose"),
            Text("no member message for two weeks"),
            0.6,
            SEED_LIFECYCLE,
        )
    if kind == "newcomers_silent":
        add(
            "welcome_ceremony",
            Text("Welcome newcomers: greeting, rules and guidance"),
            Text("new members joined and none spoke: a sense of ceremony on joining invites them in"),
            1.2,
            SEED_ICEBREAK,
        )
        add(
            "icebreaker_questionnaire",
            Text("Run an ice-breaker questionnaire (career, city, interests)"),
            Text("newcomers do not know each other: a questionnaire finds what they can talk about"),
            1.0,
            SEED_ICEBREAK,
        )
    if kind == "role:opinion_leader":
        add(
            "invite_expert",
            Text("Invite an expert or KOL to lead the conversation"),
            Text("{members} members and no opinion leader", members=c.members),
            1.5,
            SEED_ROLES,
        )
    if kind == "role:expert_or_answerer":
        add(
            "invite_expert",
            Text("Invite an expert to answer questions"),
            Text("a {group_type} group needs someone who answers", group_type=group_type),
            1.5,
            SEED_ROLES,
        )
    if kind == "role:young_group_helper":
        add(
            "assign_extra",
            Text("Assign an extra or the official account to answer within the hour"),
            Text("a young group with few active members needs someone who answers first"),
            1.5,
            SEED_ROLES,
        )
    if kind == "role:official_accounts":
        add(
            "reduce_official_accounts",
            Text("Keep at most 3 official accounts per 100 members"),
            Text("more official accounts confuse members about who is who"),
            1.0,
            SEED_ROLES,
        )
    if kind in ("leave_wave", "spam_burst"):
        add(
            "review_moderation",
            Text("Review today's messages for ads and remove the offenders"),
            Text("one ad can empty a good group")
            if kind == "spam_burst"
            else Text("a wave of leaves often follows an ad"),
            1.0,
            SEED_QUALITY,
        )
        add(
            "remind_rules",
            Text("Remind members of the group rules"),
            Text("rules enforced fairly keep the atmosphere"),
            0.6,
            SEED_QUALITY,
        )
    return out

"""Roles of the members of a group (product.md "Roles"): inferred from behaviour, checked against the
seeds' role structure, and suggested to the operator where a designated role fits an inferred one.

A member is "active" on a day when they sent at least one message that day. Every window ends with the
as-of date, inclusive. Pure: members come in as `MemberFacts` built from the member-day rollups.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum

from qunops.core.lifecycle import days_old
from qunops.core.registry import group_type_label
from qunops.core.texts import Text, listing
from qunops.core.thresholds import DEFAULT_THRESHOLDS, Thresholds


class Role(StrEnum):
    # From the platform.
    OWNER = "owner"
    ADMIN = "admin"
    # Designated by the operator.
    OFFICIAL = "official"  # 官方运营号
    EXTRA = "extra"  # 托
    EXPERT = "expert"  # 专家/大咖
    KOL = "kol"
    # Inferred from behaviour.
    CORE = "core"
    REGULAR = "regular"
    NEWCOMER = "newcomer"
    LURKER = "lurker"
    SLIPPING = "slipping"
    ANSWERER = "answerer"
    OPINION_LEADER = "opinion_leader"
    SUSPECTED_SPAMMER = "suspected_spammer"


DESIGNATED = frozenset({Role.OFFICIAL, Role.EXTRA, Role.EXPERT, Role.KOL})
INFERRED = frozenset(
    {
        Role.CORE,
        Role.REGULAR,
        Role.NEWCOMER,
        Role.LURKER,
        Role.SLIPPING,
        Role.ANSWERER,
        Role.OPINION_LEADER,
        Role.SUSPECTED_SPAMMER,
    }
)
# Group types whose members come for knowledge: they need someone who answers (seeds).
KNOWLEDGE_TYPES = frozenset({"interest", "industry", "consultant"})
_ROLE_VALUES = frozenset(str(r) for r in Role)


@dataclass(frozen=True, slots=True)
class ActiveDay:
    """One day of one member in one group, from the member-day rollup."""

    day: date
    messages: int
    answers: int = 0
    received: int = 0  # replies + mentions received


@dataclass(frozen=True, slots=True)
class MemberFacts:
    member_id: int
    name: str = ""
    joined: date | None = None  # local day of the latest join (None: unknown, e.g. seen only speaking)
    days: Sequence[ActiveDay] = ()  # the member's days with any activity, any order
    is_operator: bool = False  # the workspace's own account: counts as an official account
    designated: frozenset[str] = frozenset()  # owner/admin and the operator's designations
    flagged_spam: bool = False
    # (messages, answers, received) over the last 30 days when the caller summed them already; `days`
    # then only needs the days the member spoke (messages ≥ 1 each).
    totals_30: tuple[int, int, int] | None = None
    # Instead of `days`: bit n set when the member spoke on as_of − n days (n < 58 covers every rule).
    # The store's loaders hand this in: bit counts are much cheaper than lists of days per member.
    spoke_mask: int | None = None


@dataclass(frozen=True, slots=True)
class MemberRoles:
    member_id: int
    name: str
    roles: tuple[Role, ...]
    active_days_30: int
    messages_30: int
    answers_30: int
    received_30: int
    last_active: date | None  # last day with a message on or before the as-of date


@dataclass(frozen=True, slots=True)
class RoleCheck:
    """One role-structure rule of the seeds applied to a group."""

    rule: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    member_id: int
    name: str
    role: Role  # the designated role that would fit
    reason: str


@dataclass(frozen=True, slots=True)
class GroupShape:
    """What the role checks need to know about the group itself."""

    group_type: str
    members: int
    created: date | None
    # Completed and dead groups are not run any more: their role structure is nothing to act on.
    operating: bool = True


@dataclass(slots=True)
class RoleReading:
    members: list[MemberRoles] = field(default_factory=list)
    checks: list[RoleCheck] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)

    def holders(self, role: Role) -> list[MemberRoles]:
        return [m for m in self.members if role in m.roles]

    def by_member(self) -> dict[int, list[str]]:
        return {m.member_id: [str(r) for r in m.roles] for m in self.members}


def _count_active(days: Iterable[ActiveDay], first: date, last: date) -> int:
    return sum(1 for d in days if d.messages > 0 and first <= d.day <= last)


def infer_member_roles(
    member: MemberFacts, as_of: date, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> tuple[list[Role], MemberRoles]:
    """Every role one member holds by behaviour and designation, except opinion leader (group-relative)."""
    t = thresholds
    if (
        member.spoke_mask == 0
        and member.totals_30 is not None
        and not member.designated
        and not member.is_operator
        and not member.flagged_spam
    ):
        return _silent_member_roles(member, as_of, t)
    start30 = as_of - timedelta(days=t.core_window_days - 1)
    # With a mask and totals (what the store hands in) the member's days are not looked at.
    recent = [d for d in member.days if start30 <= d.day <= as_of] if member.days else []
    if member.spoke_mask is not None:
        active30, active14, last_back, slipping = _from_mask(member.spoke_mask, t)
        last_active = None if last_back is None else as_of - timedelta(days=last_back)
    else:
        spoke = [d for d in member.days if d.day <= as_of and d.messages > 0]
        last_active = max((d.day for d in spoke), default=None)
        active30 = _count_active(recent, start30, as_of)
        active14 = _count_active(recent, as_of - timedelta(days=t.regular_window_days - 1), as_of)
        slipping = last_active is not None and _slipping(spoke, last_active, as_of, t)
    roles: list[Role] = [Role(r) for r in sorted(member.designated) if r in _ROLE_VALUES]
    if member.is_operator and Role.OFFICIAL not in roles:
        roles.append(Role.OFFICIAL)
    if active30 >= t.core_active_days:
        roles.append(Role.CORE)
    if active14 >= t.regular_active_days:
        roles.append(Role.REGULAR)
    if member.joined is not None and 0 <= (as_of - member.joined).days <= t.new_member_days:
        roles.append(Role.NEWCOMER)
    lurker_start = as_of - timedelta(days=t.lurker_days - 1)
    if last_active is None or last_active < lurker_start:
        roles.append(Role.LURKER)
    if slipping:
        roles.append(Role.SLIPPING)
    if member.totals_30 is not None:
        messages, answers, received = member.totals_30
    else:
        messages = sum(d.messages for d in recent)
        answers = sum(d.answers for d in recent)
        received = sum(d.received for d in recent)
    if answers >= t.answerer_answers:
        roles.append(Role.ANSWERER)
    if member.flagged_spam:
        roles.append(Role.SUSPECTED_SPAMMER)
    reading = MemberRoles(
        member_id=member.member_id,
        name=member.name,
        roles=tuple(roles),
        active_days_30=active30,
        messages_30=messages,
        answers_30=answers,
        received_30=received,
        last_active=last_active,
    )
    return roles, reading


def _silent_member_roles(member: MemberFacts, as_of: date, t: Thresholds) -> tuple[list[Role], MemberRoles]:
    """The common case, made cheap: a plain member who has not spoken within the mask's days (most of
    a large group) is a lurker, and a newcomer if they joined recently; no activity role can apply."""
    roles: list[Role] = []
    if member.joined is not None and 0 <= (as_of - member.joined).days <= t.new_member_days:
        roles.append(Role.NEWCOMER)
    roles.append(Role.LURKER)
    messages, answers, received = member.totals_30 or (0, 0, 0)
    if answers >= t.answerer_answers:
        roles.append(Role.ANSWERER)
    return roles, MemberRoles(
        member.member_id, member.name, tuple(roles), 0, messages, answers, received, None
    )


def _from_mask(mask: int, t: Thresholds) -> tuple[int, int, int | None, bool]:
    """(active days in 30, active days in 14, days back to the last active day, slipping) from a mask."""
    active30 = (mask & ((1 << t.core_window_days) - 1)).bit_count()
    active14 = (mask & ((1 << t.regular_window_days) - 1)).bit_count()
    if not mask:
        return active30, active14, None, False
    back = (mask & -mask).bit_length() - 1  # the lowest set bit: the most recent day spoken
    slipping = False
    if t.slipping_silent_min_days <= back <= t.slipping_silent_max_days:
        before = mask >> back  # bit 0 is now the last active day
        slipping = (before & ((1 << t.core_window_days) - 1)).bit_count() >= t.core_active_days or (
            before & ((1 << t.regular_window_days) - 1)
        ).bit_count() >= t.regular_active_days
    return active30, active14, back, slipping


def _slipping(spoke: Sequence[ActiveDay], last_active: date, as_of: date, t: Thresholds) -> bool:
    """Silent for the last 7–28 days, and core or regular in the 30 days before the silence began."""
    silent = (as_of - last_active).days
    if not t.slipping_silent_min_days <= silent <= t.slipping_silent_max_days:
        return False
    core = _count_active(spoke, last_active - timedelta(days=t.core_window_days - 1), last_active)
    regular = _count_active(spoke, last_active - timedelta(days=t.regular_window_days - 1), last_active)
    return core >= t.core_active_days or regular >= t.regular_active_days


def opinion_leaders(
    received: Mapping[int, int], members: int, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> list[int]:
    """The top 5% of the group's members (at least one person) by replies and mentions received in 30
    days, among those who received at least `opinion_leader_min_received`; ties broken by member id."""
    quota = max(1, math.floor(thresholds.opinion_leader_share * members))
    ranked = sorted(
        (
            (count, member)
            for member, count in received.items()
            if count >= thresholds.opinion_leader_min_received
        ),
        key=lambda pair: (-pair[0], pair[1]),
    )
    return [member for _, member in ranked[:quota]]


def group_roles(
    members: Sequence[MemberFacts],
    as_of: date,
    shape: GroupShape,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> RoleReading:
    """Roles of every member present at the end of `as_of`, the role-structure checks and suggestions.

    Opinion leaders are ranked among member accounts only (not the workspace's own accounts).
    """
    reading = RoleReading()
    inferred: dict[int, tuple[list[Role], MemberRoles]] = {
        m.member_id: infer_member_roles(m, as_of, thresholds) for m in members
    }
    received = {m.member_id: inferred[m.member_id][1].received_30 for m in members if not m.is_operator}
    leaders = set(opinion_leaders(received, shape.members, thresholds))
    for member in members:
        roles, facts = inferred[member.member_id]
        if member.member_id in leaders:
            roles.append(Role.OPINION_LEADER)
            facts = replace(facts, roles=tuple(roles))
        reading.members.append(facts)
    reading.checks = role_checks(reading.members, as_of, shape, thresholds) if shape.operating else []
    reading.suggestions = suggestions(reading.members)
    return reading


def role_checks(
    members: Sequence[MemberRoles],
    as_of: date,
    shape: GroupShape,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> list[RoleCheck]:
    """The seeds' role-structure rules, each with whether the group meets it."""
    t = thresholds
    checks: list[RoleCheck] = []
    officials = [m for m in members if Role.OFFICIAL in m.roles]
    allowed = max(t.officials_per_100_members, math.floor(t.officials_per_100_members * shape.members / 100))
    checks.append(
        RoleCheck(
            "official_accounts",
            len(officials) <= allowed,
            Text(
                "{officials} official account(s) for {members} members "
                "(at most {allowed}: {per_100} per 100)",
                officials=len(officials),
                members=shape.members,
                allowed=allowed,
                per_100=t.officials_per_100_members,
            ),
        )
    )
    if shape.group_type in KNOWLEDGE_TYPES:
        knowing = [m for m in members if Role.EXPERT in m.roles or Role.ANSWERER in m.roles]
        checks.append(
            RoleCheck(
                "expert_or_answerer",
                bool(knowing),
                Text(
                    "{knowing} expert(s) or answerer(s) in a {group_type} group (at least 1)",
                    knowing=len(knowing),
                    group_type=group_type_label(shape.group_type),
                ),
            )
        )
    if shape.created is not None and (as_of - shape.created).days < t.young_group_days:
        active = [m for m in members if Role.CORE in m.roles or Role.REGULAR in m.roles]
        if len(active) < t.young_group_active_members:
            helpers = [
                m for m in members if (Role.EXTRA in m.roles or Role.OFFICIAL in m.roles) and m.answers_30 > 0
            ]
            checks.append(
                RoleCheck(
                    "young_group_helper",
                    bool(helpers),
                    Text(
                        "{age} with {active} active members: {helpers} extra/official account(s) "
                        "answering within {minutes} minutes (at least 1)",
                        age=days_old((as_of - shape.created).days),
                        active=len(active),
                        helpers=len(helpers),
                        minutes=t.answer_window_s // 60,
                    ),
                )
            )
    if shape.members > t.opinion_leader_group_members:
        leading = [m for m in members if Role.OPINION_LEADER in m.roles or Role.KOL in m.roles]
        checks.append(
            RoleCheck(
                "opinion_leader",
                bool(leading),
                Text(
                    "{leading} opinion leader(s) for {members} members (groups over {limit} need at least 1)",
                    leading=len(leading),
                    members=shape.members,
                    limit=t.opinion_leader_group_members,
                ),
            )
        )
    return checks


_NOT_SUGGESTED = frozenset({Role.SUSPECTED_SPAMMER, Role.OFFICIAL, Role.EXPERT})


def suggestions(members: Sequence[MemberRoles]) -> list[Suggestion]:
    """Where a designated role fits what a member already does.

    Only the group's leading answerer is suggested as its expert, and its leading opinion leader as a
    KOL: in a lively group many people answer now and then, and the operator needs one name, not ten.
    """
    found: list[Suggestion] = []
    candidates = [
        m
        for m in members
        if (Role.ANSWERER in m.roles or Role.OPINION_LEADER in m.roles) and _NOT_SUGGESTED.isdisjoint(m.roles)
    ]
    answerers = [m for m in candidates if Role.ANSWERER in m.roles]
    if answerers and not any(Role.EXPERT in m.roles for m in members):
        m = max(answerers, key=lambda m: (m.answers_30, -m.member_id))
        found.append(
            Suggestion(
                m.member_id,
                m.name,
                Role.EXPERT,
                Text(
                    "answered {answers} questions of others in 30 days: make them the group's expert",
                    answers=m.answers_30,
                ),
            )
        )
    leaders = [m for m in candidates if Role.OPINION_LEADER in m.roles and Role.KOL not in m.roles]
    if leaders and not any(Role.KOL in m.roles for m in members):
        m = max(leaders, key=lambda m: (m.received_30, -m.member_id))
        found.append(
            Suggestion(
                m.member_id,
                m.name,
                Role.KOL,
                Text(
                    "received {received} replies and mentions in 30 days: others follow them",
                    received=m.received_30,
                ),
            )
        )
    for m in members:
        roles = set(m.roles)
        if roles & {Role.EXPERT, Role.KOL, Role.EXTRA} and roles & {Role.LURKER, Role.SLIPPING}:
            designated = sorted(roles & {Role.EXPERT, Role.KOL, Role.EXTRA})
            found.append(
                Suggestion(
                    m.member_id,
                    m.name,
                    designated[0],
                    Text(
                        "designated {roles} but silent since {since}: "
                        "re-engage them or designate someone active",
                        roles=listing(designated),
                        since=m.last_active or Text("joining"),
                    ),
                )
            )
    return found

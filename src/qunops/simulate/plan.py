"""Planning: every group's fate, registry entry, roster (with invitation cascades and leaves), daily
member-message budget and the spam campaigns, decided before any event exists.

The plan is small (members, not messages), so the truth can be computed up front while the events
themselves are generated lazily, group by group, from the plan (see `generate.py`).

Day numbers are indexes into the simulated window: 0 is the first simulated day, `world.days - 1` the
last (`config.end`). Seconds are seconds after local midnight of that day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from random import Random
from zoneinfo import ZoneInfo

from qunops.core.events import GroupRef, MemberRef
from qunops.core.platforms import Platform
from qunops.core.registry import (
    DurationKind,
    EntryThreshold,
    ExtendedResource,
    GroupProfile,
    GroupType,
)
from qunops.simulate import vocab
from qunops.simulate.model import Community, PlantedTruth, SimulationConfig

# Roster member kinds.
MEMBER, OPERATOR, BOT, SPAMMER = 0, 1, 2, 3

# The order fates are handed out in: the first seven cover every fate, so any community of 7+ groups
# shows all of them; the rest weights toward live groups as a real workspace would be.
FATE_CYCLE = (
    "thriving",
    "steady",
    "cooling",
    "dormant",
    "dead",
    "launching",
    "completed",
    "thriving",
    "steady",
    "thriving",
    "cooling",
    "dead",
    "steady",
    "completed",
    "thriving",
    "dormant",
    "steady",
    "launching",
    "thriving",
    "cooling",
)

PLATFORM_CHOICES = (Platform.WECHAT,) * 6 + (Platform.QQ,) * 2 + (Platform.TELEGRAM,) * 2
# Groups whose members talk in working hours and go quiet at weekends.
WORK_TYPES = frozenset(
    {GroupType.INDUSTRY, GroupType.CONSULTANT, GroupType.CUSTOMER_SERVICE, GroupType.RESOURCE}
)
# Group types that seldom have a member who answers others' questions.
FEW_EXPERT_TYPES = frozenset(
    {GroupType.FAN, GroupType.EVENT, GroupType.REGIONAL, GroupType.CUSTOMER_SERVICE, GroupType.FIRST_PURCHASE}
)
TYPE_VOLUME = {
    GroupType.FAN: 1.3,
    GroupType.INTEREST: 1.1,
    GroupType.INDUSTRY: 1.0,
    GroupType.LEARNING: 1.0,
    GroupType.REGIONAL: 1.0,
    GroupType.RESOURCE: 0.6,
    GroupType.CONSULTANT: 0.8,
    GroupType.EVENT: 1.4,
    GroupType.CUSTOMER_SERVICE: 0.5,
    GroupType.FIRST_PURCHASE: 0.5,
}
MAX_DAY_QUOTA = 20_000  # keeps per-day event counters far below the ids reserved for planned events
SPAM_ORDER_BASE = 99_000  # per-day event numbers from here on are reserved for planned spam messages
DAY = 86_400

_MASK64 = (1 << 64) - 1
_A = 2_654_435_761  # odd, not a multiple of 3 or 5: multiplying by it permutes the id spaces below


def mix64(x: int) -> int:
    """splitmix64: a cheap, well-spread hash of an integer (stable across processes, unlike hash())."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def _base36(value: int, width: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = []
    for _ in range(width):
        value, rem = divmod(value, 36)
        out.append(digits[rem])
    return "".join(reversed(out))


@dataclass(slots=True)
class Member:
    """One membership of a person in a group."""

    person: int
    kind: int
    join_day: int
    join_sec: int
    inviter: int = -1  # roster position of the inviter, -1 for none
    channel: str = "created"
    source: str = ""  # where a root member came from (channel attribution)
    leave_day: int = -1  # -1: still a member at the end
    leave_sec: int = 0
    removed_by: int = -1  # roster position of the admin who removed them; -1: left by themselves
    weight: float = 0.0  # how much they talk; 0 for lurkers and accounts that never chat
    last_invite: int = -1  # absolute planning second of their last invitation (they stay until then)

    @property
    def join_abs(self) -> int:
        return self.join_day * DAY + self.join_sec


@dataclass(slots=True)
class SpamMessage:
    day: int
    sec: int
    member: int  # roster position
    text: str
    order: int  # reserved per-day event number, fixes the source id in advance


@dataclass(slots=True)
class GroupPlan:
    index: int
    profile: GroupProfile
    ref: GroupRef
    fate: str
    topic: vocab.Topic
    lang: str
    created: int
    last_open: int  # last day member messages may happen
    ops_until: int  # last day the operators post routinely
    planned_end: int | None
    quota: list[int]  # member messages per day
    roster: list[Member]
    owner: int
    operators: list[int]
    bot: int
    experts: list[int]
    leaders: list[int]
    welcome: bool
    daily_topic: bool
    digest: bool
    rp_rate: float
    rp_speed: float
    work: bool
    level: float
    spam: list[SpamMessage] = field(default_factory=list)


@dataclass(slots=True)
class Operator:
    name: str
    person: int


class World:
    """What all groups share: the calendar, people's identities, the workspace's accounts."""

    def __init__(self, config: SimulationConfig) -> None:
        self.config = config
        self.seed = config.seed
        self.days = config.days
        self.end_day = config.days - 1
        self.start = config.end - timedelta(days=config.days - 1)
        tz = ZoneInfo(config.timezone)
        # Local midnights as UTC epoch seconds: events are placed as (day, seconds after midnight), so
        # no per-event datetime arithmetic or timezone lookups are needed.
        self.day_epoch = [
            int(datetime.combine(self.start + timedelta(days=d), datetime.min.time(), tz).timestamp())
            for d in range(config.days + 1)
        ]
        self.day_len = [self.day_epoch[d + 1] - self.day_epoch[d] for d in range(config.days)]
        self.weekday = [(self.start + timedelta(days=d)).weekday() for d in range(config.days)]
        self.dates = [self.start + timedelta(days=d) for d in range(config.days)]
        self.pool = max(2_000, config.groups * 170)
        self.group_names: set[str] = set()
        self._offset = {
            name: mix64(config.seed * 7919 + i) for i, name in enumerate(("wechat", "qq", "telegram"))
        }
        self.operators = [
            Operator(
                vocab.OPERATOR_NAMES[i % len(vocab.OPERATOR_NAMES)] + ("" if i < 8 else f"{i // 8 + 1}"),
                10_000_000 + i,
            )
            for i in range(max(3, min(40, config.groups // 6 + 2)))
        ]

    def day_date(self, day: int) -> date:
        return self.dates[day]

    def person_id(self, platform: Platform, person: int) -> str:
        """A person's stable id on a platform: a bijection of the person number, so ids never collide."""
        if platform is Platform.QQ:
            return str(10_000 + (person * _A + self._offset["qq"]) % 2_000_000_000)
        if platform is Platform.TELEGRAM:
            return str(100_000_000 + (person * _A + self._offset["telegram"]) % 6_000_000_000)
        return "wxid_" + _base36((person * _A + self._offset["wechat"]) % 36**12, 12)

    def person_name(self, platform: Platform, person: int) -> str:
        h = mix64(self.seed * 1_000_003 + person)
        style = h % 100
        h >>= 7
        surname = vocab.SURNAMES[h % len(vocab.SURNAMES)]
        h >>= 8
        g1 = vocab.GIVEN[h % len(vocab.GIVEN)]
        h >>= 6
        g2 = vocab.GIVEN[h % len(vocab.GIVEN)]
        h >>= 6
        en = vocab.EN_GIVEN[h % len(vocab.EN_GIVEN)]
        h >>= 6
        if platform is Platform.TELEGRAM and style < 60:
            return f"{en} {vocab.EN_SURNAMES[h % len(vocab.EN_SURNAMES)]}"
        if style < 35:
            return surname + g1 + (g2 if h % 3 else "")
        if style < 55:
            return (
                ("小", "阿", "")[h % 3] + g1 + ("" if h % 3 < 2 else g2) + ("姐", "哥", "", "")[(h >> 2) % 4]
            )
        if style < 72:
            return en + vocab.NAME_DECOR[(h >> 3) % len(vocab.NAME_DECOR)]
        if style < 88:
            return f"{vocab.CITIES[h % len(vocab.CITIES)]}-{g1}{g2}"
        return f"{vocab.JOBS[h % len(vocab.JOBS)]}-{en}"

    def member_ref(self, platform: Platform, member: Member) -> MemberRef:
        if member.kind == OPERATOR:
            op = self.operators[member.person - 10_000_000]
            return MemberRef(op.name, self.person_id(platform, member.person))
        if member.kind == BOT:
            name, bot_id = vocab.PLATFORM_BOTS[str(platform)]
            return MemberRef(name, bot_id, is_bot=True)
        if member.kind == SPAMMER:
            names = vocab.SPAMMER_NAMES
            return MemberRef(names[member.person % len(names)], self.person_id(platform, member.person))
        return MemberRef(self.person_name(platform, member.person), self.person_id(platform, member.person))


def simulate(config: SimulationConfig) -> Community:
    """Plan a community. Cheap: events are generated only when `Community.events()` is iterated."""
    if config.groups < 1:
        raise ValueError("groups must be at least 1")
    if config.days < 30:
        raise ValueError("days must be at least 30 (fates such as dead need two weeks of silence)")
    if config.scale <= 0:
        raise ValueError("scale must be positive")
    world = World(config)
    fates = [FATE_CYCLE[i % len(FATE_CYCLE)] for i in range(config.groups)]
    Random(f"{config.seed}:fates").shuffle(fates)
    plans = [_plan_group(world, i, fates[i]) for i in range(config.groups)]
    _plan_spam(world, plans)
    truth = _truth(world, plans)
    platforms = sorted({plan.ref.platform for plan in plans})
    operators = [
        MemberRef(op.name, world.person_id(platform, op.person))
        for op in world.operators
        for platform in platforms
        if any(
            plan.roster[p].person == op.person
            for plan in plans
            if plan.ref.platform is platform
            for p in plan.operators
        )
    ]
    bots = [
        MemberRef(vocab.PLATFORM_BOTS[str(p)][0], vocab.PLATFORM_BOTS[str(p)][1], is_bot=True)
        for p in platforms
        if any(plan.bot >= 0 and plan.ref.platform is p for plan in plans)
    ]
    truth.operator_ids = {ref.external_id for ref in operators if ref.external_id}
    truth.bot_ids = {ref.external_id for ref in bots if ref.external_id}
    return Community(config, [p.profile for p in plans], operators, bots, truth, world, plans)


# ---------------------------------------------------------------------------------------------- groups


def _plan_group(world: World, index: int, fate: str) -> GroupPlan:
    rng = Random(f"{world.seed}:{index}:plan")
    end = world.end_day
    platform = PLATFORM_CHOICES[rng.randrange(len(PLATFORM_CHOICES))]
    temporary = fate == "completed" or (fate == "launching" and rng.random() < 0.4)
    if temporary:
        topics = [t for t in vocab.TOPICS if t.group_type in (GroupType.EVENT, GroupType.FIRST_PURCHASE)]
    else:
        topics = [t for t in vocab.TOPICS if t.group_type is not GroupType.EVENT]
    # Telegram groups mostly speak English, WeChat and QQ groups Chinese.
    want_en = rng.random() < (0.65 if platform is Platform.TELEGRAM else 0.05)
    lang_topics = [t for t in topics if (t.lang == "en") == want_en] or topics
    topic = lang_topics[rng.randrange(len(lang_topics))]
    name = _unique_name(world, topic, rng)
    external_id = _group_external_id(world, platform, index)

    # When the group lives and, for fates that end, when its member messages stop.
    planned_end: int | None = None
    decline_start = end + 1
    if fate == "launching":
        created = end - rng.randint(1, 6)
        last_open = end
        if temporary:
            planned_end = created + 7
    elif fate == "completed":
        created = rng.randint(0, max(0, end - 14))
        planned_end = created + rng.randint(6, 8)
        last_open = planned_end - 1
    elif fate == "dormant":
        last_open = end - rng.randint(3, 12)
        created = _early(rng, max(0, last_open - 30))
        decline_start = max(created + 7, last_open - rng.randint(10, 20))
    elif fate == "dead":
        last_open = end - rng.randint(14, max(14, min(60, end - 30)))
        created = _early(rng, max(0, last_open - 30))
        decline_start = max(created + 7, last_open - rng.randint(14, 28))
    else:
        created = _early(rng, max(0, end - 30))
        last_open = end
        if fate == "cooling":
            decline_start = max(created + 10, end - rng.randint(18, 30))
    if fate in ("dormant", "dead"):
        ops_until = min(end, last_open + rng.randint(1, 6))
    elif fate == "completed":
        ops_until = min(end, last_open + 1)
    else:
        ops_until = end

    group_type = topic.group_type
    if platform is Platform.WECHAT:
        size = rng.lognormvariate(5.0, 0.6)
        capacity = 500
    elif platform is Platform.QQ:
        size = rng.lognormvariate(5.5, 0.6)
        capacity = rng.choice((500, 1000, 2000))
    else:
        size = rng.lognormvariate(5.0, 0.7)
        capacity = 200_000
    if fate == "launching":
        size *= 0.5
    target = int(min(capacity * 0.96, max(25, size)))

    profile = GroupProfile(
        platform=platform,
        external_id=external_id,
        name=name,
        purpose=topic.purpose,
        group_type=group_type,
        duration_kind=DurationKind.TEMPORARY if temporary else DurationKind.LONG_TERM,
        planned_end=world.start + timedelta(days=planned_end) if planned_end is not None else None,
        entry_threshold=rng.choice(
            (EntryThreshold.NONE,) * 5
            + (EntryThreshold.REFERRAL, EntryThreshold.PAYMENT, EntryThreshold.QUESTIONNAIRE)
        ),
        capacity=capacity,
        timezone=world.config.timezone,
        matrix=_matrix(group_type, temporary),
        tags=("模拟数据" if topic.lang == "zh" else "simulated",),  # the type is a field of its own
        extended_resources=(
            ExtendedResource("official_account", "品牌公众号" if topic.lang == "zh" else "Brand channel", 0),
            ExtendedResource(
                "personal_account", "运营个人号" if topic.lang == "zh" else "Operator account", 1
            ),
        ),
    )
    ref = GroupRef(platform, external_id, name)

    n_ops = len(world.operators)
    op_people = [10_000_000 + (index % n_ops)]
    if rng.random() < 0.35:
        second = 10_000_000 + (index * 7 + 3) % n_ops
        if second not in op_people:
            op_people.append(second)
    has_bot = rng.random() < (0.6 if platform is not Platform.WECHAT else 0.25)
    plan = GroupPlan(
        index=index,
        profile=profile,
        ref=ref,
        fate=fate,
        topic=topic,
        lang=topic.lang,
        created=created,
        last_open=last_open,
        ops_until=ops_until,
        planned_end=planned_end,
        quota=[],
        roster=[],
        owner=0,
        operators=[],
        bot=-1,
        experts=[],
        leaders=[],
        welcome=rng.random() < 0.8,
        daily_topic=rng.random() < 0.6,
        digest=rng.random() < 0.3,
        rp_rate=(0.0 if platform is Platform.TELEGRAM else rng.uniform(0.02, 0.08)),
        rp_speed={"thriving": 1.0, "launching": 1.0, "completed": 1.0, "steady": 2.0}.get(fate, 4.0),
        work=group_type in WORK_TYPES,
        level=0.0,
    )
    _build_roster(world, plan, rng, target, op_people, has_bot, decline_start)
    _build_quota(world, plan, rng, decline_start)
    return plan


def _unique_name(world: World, topic: vocab.Topic, rng: Random) -> str:
    """A group name not used by another group of the workspace (operators number their groups)."""
    pattern = topic.names[rng.randrange(len(topic.names))]
    cities = vocab.CITIES if topic.lang == "zh" else vocab.EN_CITIES
    city = cities[rng.randrange(len(cities))]
    number = rng.randint(1, 12)
    name = pattern.format(n=number, city=city)
    while name in world.group_names:
        number += 1
        if "{n}" in pattern:
            name = pattern.format(n=number, city=city)
        elif topic.lang == "zh":
            plain = pattern.format(city=city)
            name = plain.removesuffix("群") + f"{number}群"
        else:
            name = pattern.format(city=city) + f" #{number}"
    world.group_names.add(name)
    return name


def _group_external_id(world: World, platform: Platform, index: int) -> str:
    h = mix64(world.seed * 31 + index)
    if platform is Platform.WECHAT:
        return f"{10_000_000_000 + h % 89_999_999_999}@chatroom"
    if platform is Platform.QQ:
        return str(100_000_000 + h % 899_999_999)
    return str(-1_001_000_000_000 - h % 999_999_999)


def _early(rng: Random, latest: int) -> int:
    """A creation day biased early, so most long-term groups have long histories."""
    return int(latest * rng.random() ** 1.5)


def _matrix(group_type: GroupType, temporary: bool) -> str:
    if temporary:
        return "campaign"
    if group_type is GroupType.REGIONAL:
        return "city"
    if group_type is GroupType.FAN:
        return "kol"
    return ""


# ---------------------------------------------------------------------------------------------- roster


def _join_sec(rng: Random) -> int:
    # People join mostly in the day and evening, when they read the invitation.
    return rng.randint(8 * 3600, 23 * 3600 - 1)


def _build_roster(
    world: World,
    plan: GroupPlan,
    rng: Random,
    target: int,
    op_people: list[int],
    has_bot: bool,
    decline_start: int,
) -> None:
    end = world.end_day
    roster = plan.roster
    platform = plan.ref.platform
    c = plan.created
    t0 = c * DAY + rng.randint(9 * 3600, 20 * 3600)
    owner_sec = t0 - c * DAY

    # Founders: the owner (an operator account), other operators, the bot, a few seed members.
    roster.append(Member(op_people[0], OPERATOR, c, owner_sec, channel="created"))
    plan.owner = 0
    plan.operators.append(0)
    for person in op_people[1:]:
        roster.append(Member(person, OPERATOR, c, owner_sec + 20, inviter=0, channel="created"))
        plan.operators.append(len(roster) - 1)
    if has_bot:
        roster.append(Member(0, BOT, c, owner_sec + 40, inviter=0, channel="created"))
        plan.bot = len(roster) - 1
    seen: set[int] = set()
    founders = rng.randint(3, 8)
    for k in range(founders):
        member = Member(
            _draw_person(world, rng, seen), MEMBER, c, owner_sec + 60 + 15 * k, inviter=0, channel="created"
        )
        member.weight = rng.uniform(4, 12) if k < 2 else _talk_weight(rng)
        roster.append(member)
    n_founding = len(roster)

    # When joining stops: dying groups stop attracting people before they go quiet.
    if plan.fate == "dormant":
        join_end = max(c + 1, plan.last_open - 3)
    elif plan.fate == "dead":
        join_end = max(c + 1, plan.last_open - 7)
    elif plan.fate == "completed":
        join_end = max(c + 1, plan.last_open - 1)
    else:
        join_end = end
    start_abs = t0 + 600
    span = max(3600, (join_end * DAY + 22 * 3600) - start_abs)
    shape = {"completed": 3.0, "launching": 1.3}.get(plan.fate, 1.8)

    # Invitation cascades: joins come in bursts; each burst is one inviter bringing one or more people.
    # Most inviters are people who joined in the last few days (fresh members share the group while it
    # is new to them), some are the operators' QR codes and links, some are root joins from channels.
    remaining = target - len(roster)
    bursts = sorted(
        start_abs + int(span * rng.random() ** shape) for _ in range(max(1, int(remaining / 1.7)))
    )
    join_times: list[int] = [m.join_abs for m in roster]
    propensity = [0.0] * len(roster)
    last_t = start_abs
    recent_window = 3 * DAY
    for burst in bursts:
        if remaining <= 0:
            break
        t = max(burst, last_t + 1)
        r = rng.random()
        inviter = -1
        if r < 0.6:
            lo = _bisect(join_times, t - recent_window)
            if lo < len(join_times):
                for _ in range(4):
                    pos = rng.randrange(lo, len(join_times))
                    if roster[pos].kind == MEMBER and rng.random() < propensity[pos] + 0.15:
                        inviter = pos
                        break
        if inviter < 0 and r < 0.82:
            inviter = plan.operators[rng.randrange(len(plan.operators))]
        size = 1 if inviter < 0 else 1 + min(4, int(rng.expovariate(1.2)))
        present = len(roster)
        for _ in range(min(size, remaining)):
            member = Member(_draw_person(world, rng, seen), MEMBER, 0, 0, inviter=inviter)
            member.channel, member.source = _channel(rng, platform, inviter, roster, present)
            member.weight = _talk_weight(rng)
            abs_t = t
            member.join_day, member.join_sec = divmod(abs_t, DAY)
            roster.append(member)
            join_times.append(abs_t)
            propensity.append(rng.random() ** 2)
            if inviter >= 0:
                roster[inviter].last_invite = abs_t
            t += rng.randint(5, 240)
            remaining -= 1
        last_t = t

    # Planted roles: answerers and opinion leaders, among early members, who stay to the end.
    early = [p for p, m in enumerate(roster) if m.kind == MEMBER][: max(8, len(roster) // 5)]
    rng.shuffle(early)
    expert_odds = 0.4 if plan.profile.group_type in FEW_EXPERT_TYPES else 0.9
    if plan.fate in ("dead", "cooling"):
        expert_odds -= 0.3
    if rng.random() < expert_odds and early:
        plan.experts = [early.pop()]
        if len(roster) > 200 and early and rng.random() < 0.5:
            plan.experts.append(early.pop())
        for p in plan.experts:
            roster[p].weight = max(roster[p].weight, rng.uniform(3, 8))
    if early:
        plan.leaders = [early.pop()]
        if len(roster) > 300 and early:
            plan.leaders.append(early.pop())
        for p in plan.leaders:
            roster[p].weight = max(roster[p].weight, rng.uniform(15, 30))
    # Founders, answerers and opinion leaders stay: the group always has people who talk.
    keep = set(plan.experts) | set(plan.leaders) | set(range(n_founding))

    _plan_leaves(world, plan, rng, keep, decline_start)


def _bisect(values: list[int], x: int) -> int:
    lo, hi = 0, len(values)
    while lo < hi:
        mid = (lo + hi) // 2
        if values[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _draw_person(world: World, rng: Random, seen: set[int]) -> int:
    # A quarter of joins come from a hot tenth of the population: people who sit in many groups.
    for _ in range(8):
        if rng.random() < 0.25:
            person = int(world.pool * 0.1 * rng.random() ** 2)
        else:
            person = rng.randrange(world.pool)
        if person not in seen:
            seen.add(person)
            return person
    person = world.pool + len(seen) * 7919 % 1_000_000  # pool exhausted in a huge group: a fresh person
    while person in seen:
        person += 1
    seen.add(person)
    return person


def _talk_weight(rng: Random) -> float:
    # Most members never speak; among speakers, activity is Pareto distributed (a few core members).
    if rng.random() < 0.7:
        return 0.0
    return min(300.0, rng.paretovariate(0.9))


def _channel(
    rng: Random, platform: Platform, inviter: int, roster: list[Member], present: int
) -> tuple[str, str]:
    if inviter < 0:
        source = vocab.ROOT_SOURCES[rng.randrange(len(vocab.ROOT_SOURCES))]
        if platform is Platform.WECHAT:
            return ("qr" if present < 200 else "link"), source
        if platform is Platform.QQ:
            return ("request" if rng.random() < 0.5 else "link"), source
        return "link", source
    if roster[inviter].kind == OPERATOR:
        if platform is Platform.WECHAT:
            return ("qr" if present < 200 else "invite"), ""
        return "link", ""
    r = rng.random()
    if platform is Platform.WECHAT:
        # WeChat group QR codes stop working at 200 members; larger groups grow by direct invitation.
        return ("qr" if r < 0.35 and present < 200 else "invite"), ""
    if platform is Platform.QQ:
        return ("link" if r < 0.3 else "invite"), ""
    return ("link" if r < 0.6 else "invite"), ""


def _plan_leaves(world: World, plan: GroupPlan, rng: Random, keep: set[int], decline_start: int) -> None:
    end = world.end_day
    fate = plan.fate
    for pos, m in enumerate(plan.roster):
        if m.kind != MEMBER or pos in keep:
            continue
        earliest = max(m.join_abs, m.last_invite) + 600
        latest = end * DAY + 23 * 3600
        if earliest >= latest:
            continue
        r = rng.random()
        when = -1
        if fate == "completed" and plan.planned_end is not None:
            # The event is over: most people leave the group within a few days of its planned end.
            if r < 0.7 and plan.planned_end <= end:
                start = max(earliest, plan.planned_end * DAY + 9 * 3600)
                when = start + int(rng.random() * 3 * DAY)
        elif fate in ("cooling", "dormant", "dead") and decline_start <= end:
            wave = decline_start * DAY + 3 * DAY
            if r < 0.12:
                # A wave of leaves as the group declines.
                when = max(earliest, wave) + int(rng.random() * 1.5 * DAY)
            elif r < (0.3 if fate == "dead" else 0.2):
                when = max(earliest, decline_start * DAY) + int(
                    rng.random() * (end + 1 - decline_start) * DAY
                )
        if when < 0 and r > 0.92:
            when = earliest + int(rng.random() * (latest - earliest))
        if 0 <= when <= latest:
            m.leave_day, m.leave_sec = divmod(when, DAY)
            m.leave_sec = min(m.leave_sec, 23 * 3600 + 3599)


# ---------------------------------------------------------------------------------------------- quota


def _build_quota(world: World, plan: GroupPlan, rng: Random, decline_start: int) -> None:
    """Member messages per day: the group's level shaped by fate, weekday, growth and noise, then the last
    two weeks pinned so the planned fate is what the product's definitions will see."""
    days, end = world.days, world.end_day
    c, last = plan.created, plan.last_open
    fate = plan.fate
    roster = plan.roster
    # Speakers present per day: activity grows with the group.
    delta = [0] * (days + 1)
    for m in roster:
        if m.weight > 0:
            delta[m.join_day] += 1
            if m.leave_day >= 0:
                delta[m.leave_day] -= 1
    present = []
    running = 0
    for d in range(days):
        running += delta[d]
        present.append(running)
    peak = max(present) or 1

    type_factor = TYPE_VOLUME.get(plan.profile.group_type, 1.0) * (0.7 if plan.lang == "en" else 1.0)
    level = (
        165.0 * world.config.scale * type_factor * (len(roster) / 200) ** 0.5 * rng.lognormvariate(0, 0.45)
    )
    level = max(8.0, min(3_000.0, level))
    plan.level = level
    weekend = 0.45 if plan.work else 1.15
    q = [0] * days
    for d in range(c, min(last, end) + 1):
        age = d - c
        if fate == "thriving":
            f = 1.0 + 0.3 * age / max(1, end - c)
        elif fate == "steady":
            if age >= 14 and rng.random() > 0.45:
                q[d] = rng.choice((0, 0, 1, 2))
                continue
            f = 0.55 if age >= 14 else 1.0
        elif fate == "launching":
            f = 1.8 if age == 0 else 1.4
        elif fate == "completed":
            peak_day = c + max(1, (last - c) - 2)
            f = 1.3 if age == 0 else (1.7 if d == peak_day else (0.9 if d < peak_day else 0.6))
        elif d >= decline_start:
            stop = end if fate == "cooling" else last
            frac = (d - decline_start) / max(1, stop - decline_start)
            f = 1.0 - 0.88 * frac
        else:
            f = 1.0
        growth = min(1.0, 0.3 + 0.7 * present[d] / peak) if fate not in ("launching", "completed") else 1.0
        wk = weekend if world.weekday[d] >= 5 else 1.0
        q[d] = int(level * f * wk * growth * rng.lognormvariate(0, 0.35))

    _pin_tail(world, plan, rng, q)
    plan.quota = [min(MAX_DAY_QUOTA, x) for x in q]


def _pin_tail(world: World, plan: GroupPlan, rng: Random, q: list[int]) -> None:
    end = world.end_day
    c, last = plan.created, plan.last_open
    fate = plan.fate
    last7 = [d for d in range(end - 6, end + 1) if d >= c]
    prev7 = [d for d in range(end - 13, end - 6) if d >= c]
    on_level = max(4, int(plan.level * 0.5))

    def keep_up_with_previous_week(on_days: list[int]) -> None:
        # Not cooling: the last 7 days must not fall 40% below the 7 before (margin: 15% at most).
        before, now = sum(q[d] for d in prev7), sum(q[d] for d in last7)
        if on_days and now < 0.85 * before:
            extra = int(0.85 * before - now) + 1
            for i, d in enumerate(on_days):
                q[d] += extra // len(on_days) + (1 if i < extra % len(on_days) else 0)

    if fate == "thriving":
        for d in last7:
            q[d] = max(q[d], 6)
        keep_up_with_previous_week(last7)
    elif fate == "steady":
        # Two or three active days a week, one of them in the last two days (not dormant).
        for window in (prev7, last7):
            for d in window:
                q[d] = rng.choice((0, 0, 1, 2))
        for window, must in ((prev7, None), (last7, end - rng.randint(0, 1))):
            if not window:
                continue
            count = min(len(window), rng.randint(2, 3))
            chosen = {must} if must is not None else set()
            while len(chosen) < count:
                chosen.add(window[rng.randrange(len(window))])
            for d in chosen:
                q[d] = max(3, int(on_level * rng.lognormvariate(0, 0.3)))
        on_last = [d for d in last7 if q[d] >= 3]
        keep_up_with_previous_week(on_last)
    elif fate == "cooling":
        # At most one active day in the last week, yet someone spoke in the last two days.
        for d in last7:
            q[d] = rng.choice((0, 1, 1, 2))
        active = last7[rng.randrange(len(last7))]
        q[active] = max(3, int(on_level * 0.6))
        q[end - 1] = max(q[end - 1], 1)
        for d in prev7:
            q[d] = max(q[d], 4)
    elif fate in ("dormant", "dead"):
        for d in range(last + 1, end + 1):
            q[d] = 0
        q[last] = max(q[last], 2)
    elif fate == "launching":
        for d in range(c, end + 1):
            q[d] = max(q[d], 8)
    elif fate == "completed":
        for d in range(c, min(last, end) + 1):
            q[d] = max(q[d], 3)
        for d in range(last + 1, end + 1):
            q[d] = 0


# ---------------------------------------------------------------------------------------------- spam


def _plan_spam(world: World, plans: list[GroupPlan]) -> None:
    """Spam campaigns: one account joins several groups of a platform within days and posts ads."""
    rng = Random(f"{world.seed}:spam")
    count = max(2, round(len(plans) / 8))
    for j in range(count):
        platform = PLATFORM_CHOICES[rng.randrange(len(PLATFORM_CHOICES))]
        eligible = [p for p in plans if p.ref.platform is platform and any(x >= 3 for x in p.quota)]
        if not eligible:
            eligible = [p for p in plans if any(x >= 3 for x in p.quota)]
        if not eligible:
            return
        targets = rng.sample(eligible, min(len(eligible), rng.randint(2, 5)))
        person = 20_000_000 + j
        first_active = [d for d, x in enumerate(targets[0].quota) if x >= 3]
        center = first_active[rng.randrange(len(first_active))]
        for plan in targets:
            active = [d for d, x in enumerate(plan.quota) if x >= 3]
            day = min(active, key=lambda d: (abs(d - center), d))
            _plant_spam(world, plan, rng, person, day)


def _plant_spam(world: World, plan: GroupPlan, rng: Random, person: int, day: int) -> None:
    roster = plan.roster
    join_sec = rng.randint(9 * 3600, 19 * 3600)
    channel = "qr" if plan.ref.platform is Platform.WECHAT else "link"
    spammer = Member(person, SPAMMER, day, join_sec, channel=channel, source="unknown")
    roster.append(spammer)
    pos = len(roster) - 1
    t = join_sec + rng.randint(40, 600)
    code = _base36(mix64(person * 31 + day), 6)
    wx = ("vx", "wx", "abc", "k")[person % 4] + str(mix64(person) % 9_000_000 + 1_000_000)
    qq = str(mix64(person + 1) % 2_000_000_000 + 100_000_000)
    keyword = plan.topic.keywords[rng.randrange(len(plan.topic.keywords))]
    templates = vocab.SPAM_EN if plan.lang == "en" or person % 5 == 4 else vocab.SPAM_ZH
    for _ in range(rng.randint(1, 3)):
        text = templates[rng.randrange(len(templates))].format(wx=wx, qq=qq, code=code, a=keyword)
        plan.spam.append(SpamMessage(day, t, pos, text, SPAM_ORDER_BASE + len(plan.spam)))
        t += rng.randint(20, 300)
    if rng.random() < 0.6:
        # An admin notices and removes the account.
        remover = plan.operators[rng.randrange(len(plan.operators))]
        spammer.leave_day, spammer.leave_sec = day, min(t + rng.randint(120, 1800), 23 * 3600)
        spammer.removed_by = remover
    else:
        # Bad money drives out good: an ad left standing makes some members leave.
        leaver_pool = [
            p
            for p, m in enumerate(roster)
            if m.kind == MEMBER
            and p not in plan.experts
            and p not in plan.leaders
            and m.join_day < day
            and m.leave_day < 0
            and m.last_invite < day * DAY + t
        ]
        for p in rng.sample(leaver_pool, min(len(leaver_pool), rng.randint(1, 3))):
            roster[p].leave_day, roster[p].leave_sec = day, min(t + rng.randint(600, 7200), 23 * 3600 + 3000)


# ---------------------------------------------------------------------------------------------- truth


def spam_source_id(world: World, message: SpamMessage) -> str:
    """The source id the generator gives a planned spam message (see generate.py: epoch * 100000 + n)."""
    return str((world.day_epoch[message.day] + message.sec) * 100_000 + message.order)


def _truth(world: World, plans: list[GroupPlan]) -> PlantedTruth:
    truth = PlantedTruth()
    for plan in plans:
        gid = plan.ref.external_id
        platform = plan.ref.platform
        roster = plan.roster

        def ident(pos: int, platform: Platform = platform, roster: list[Member] = roster) -> str:
            return world.person_id(platform, roster[pos].person)

        truth.stage_plan[gid] = plan.fate
        truth.created[gid] = world.day_date(plan.created)
        active_days = [d for d, x in enumerate(plan.quota) if x > 0]
        if active_days:
            truth.last_member_day[gid] = world.day_date(active_days[-1])
        if plan.fate == "dead":
            truth.death_day[gid] = world.day_date(plan.last_open)
        if plan.planned_end is not None:
            truth.planned_end[gid] = world.start + timedelta(days=plan.planned_end)
        truth.experts[gid] = {ident(p) for p in plan.experts}
        truth.opinion_leaders[gid] = {ident(p) for p in plan.leaders}
        for message in plan.spam:
            truth.spam_keys.add((gid, spam_source_id(world, message)))
            truth.spammers.add(ident(message.member))
        for m in roster:
            if m.kind == SPAMMER and m.removed_by >= 0:
                truth.spam_removed.add((gid, world.person_id(platform, m.person)))
        truth.invitations[gid] = [
            (ident(m.inviter), world.person_id(platform, m.person))
            for m in sorted(roster, key=lambda m: m.join_abs)
            if m.inviter >= 0 and m.channel != "created"
        ]
        truth.members[gid] = sum(1 for m in roster if m.leave_day < 0)
    return truth

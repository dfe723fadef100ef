"""Event generation: turns one group's plan into its events, day by day, in time order.

This is the hot path (tens of millions of messages for a large community), so it is written for speed:
text is drawn from per-group pools built once, times are integer seconds after local midnight, each
day's events are collected as plain tuples, sorted once, and only then turned into `Event`s.

Source ids are `epoch_second * 100000 + n`, where n is the event's position in the day's list as it is
generated: unique within the group (the epoch second pins the day), known the moment an event is made
(so a reply can point at its question right away), and, for planned spam, known before generation
(n from `plan.SPAM_ORDER_BASE` up is reserved for it).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import accumulate
from random import Random
from typing import Any

from qunops.core.events import ContentType, Event, EventKind, MemberRef
from qunops.core.platforms import Platform
from qunops.simulate import vocab
from qunops.simulate.plan import BOT, MEMBER, GroupPlan, SpamMessage, World

MESSAGE = EventKind.MESSAGE
TEXT = ContentType.TEXT
NO_MENTIONS: tuple[MemberRef, ...] = ()

# One event before it becomes an Event: (seconds after local midnight, n, kind, member, actor, content
# type, text, source id, reply-to source id, mentions, payload). Sorting compares (seconds, n) only,
# as n is unique within the day.
Record = tuple[int, int, EventKind, MemberRef, MemberRef | None, ContentType | None, str, int, int | None,
               tuple[MemberRef, ...], dict[str, Any] | None]  # fmt: skip

# Relative chat volume per local hour: morning, lunch and evening peaks; work groups peak in office hours.
_LEISURE_WEEKDAY = (
    3,
    1.5,
    0.8,
    0.5,
    0.5,
    1,
    4,
    10,
    16,
    18,
    16,
    15,
    22,
    18,
    12,
    12,
    13,
    14,
    16,
    22,
    28,
    30,
    22,
    10,
)
_LEISURE_WEEKEND = (
    5,
    2.5,
    1.2,
    0.6,
    0.5,
    0.6,
    2,
    5,
    9,
    14,
    18,
    20,
    22,
    20,
    18,
    18,
    18,
    17,
    18,
    24,
    28,
    30,
    26,
    14,
)
_WORK_WEEKDAY = (
    1,
    0.5,
    0.3,
    0.2,
    0.2,
    0.5,
    2,
    8,
    20,
    28,
    26,
    24,
    20,
    18,
    24,
    24,
    22,
    20,
    14,
    12,
    12,
    10,
    6,
    2,
)
_WORK_WEEKEND = (1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 3, 6, 10, 12, 12, 12, 12, 12, 12, 12, 10, 10, 10, 10, 8, 5, 2)
_HOURS = tuple(range(24))

# Non-text messages: cumulative share among media messages.
_MEDIA: tuple[tuple[float, ContentType], ...] = (
    (0.40, ContentType.IMAGE),
    (0.62, ContentType.STICKER),
    (0.74, ContentType.VOICE),
    (0.86, ContentType.LINK),
    (0.92, ContentType.FILE),
    (0.97, ContentType.VIDEO),
    (1.01, ContentType.LOCATION),
)
QUESTION_RATE = 0.13
EXPERT_ANSWER_RATE = 0.75


def _add(
    recs: list[Record],
    base: int,
    t: int,
    kind: EventKind,
    member: MemberRef,
    ctype: ContentType | None = None,
    text: str = "",
    *,
    actor: MemberRef | None = None,
    reply: int | None = None,
    mentions: tuple[MemberRef, ...] = NO_MENTIONS,
    payload: dict[str, Any] | None = None,
) -> int:
    """Append an event to the day's list; returns its source id."""
    n = len(recs)
    sid = (base + t) * 100_000 + n
    recs.append((t, n, kind, member, actor, ctype, text, sid, reply, mentions, payload))
    return sid


class _Pools:
    """A group's text, drawn once: messages then only index into these lists."""

    def __init__(self, plan: GroupPlan, rng: Random) -> None:
        topic = plan.topic
        zh = plan.lang == "zh"
        kws = topic.keywords

        def fill(templates: tuple[str, ...], count: int) -> list[str]:
            out = []
            for _ in range(count):
                a = kws[rng.randrange(len(kws))]
                b = kws[rng.randrange(len(kws))]
                out.append(templates[rng.randrange(len(templates))].format(a=a, b=b))
            return out

        self.zh = zh
        self.keywords = kws
        self.statements = fill(vocab.ZH_STATEMENTS if zh else vocab.EN_STATEMENTS, 200)
        self.questions = fill(vocab.ZH_QUESTIONS if zh else vocab.EN_QUESTIONS, 80)
        self.answers = fill(vocab.ZH_ANSWERS if zh else vocab.EN_ANSWERS, 60)
        self.chitchat = list(vocab.ZH_CHITCHAT if zh else vocab.EN_CHITCHAT)
        guide = "指南" if zh else "guide"
        self.links = [
            f"{kws[rng.randrange(len(kws))]} {guide} https://example.com/{rng.randrange(10**6)}"
            for _ in range(20)
        ]
        self.files = [f"{kws[rng.randrange(len(kws))]}{'资料' if zh else '-notes'}.pdf" for _ in range(10)]
        self.thanks = vocab.ZH_THANKS if zh else vocab.EN_THANKS
        self.ol_react = vocab.ZH_OL_REACT if zh else vocab.EN_OL_REACT
        self.greetings = vocab.ZH_GREETINGS if zh else vocab.EN_GREETINGS
        self.rp_thanks = vocab.ZH_RP_THANKS if zh else vocab.EN_RP_THANKS
        self.breakers = fill(vocab.ZH_BREAKERS if zh else vocab.EN_BREAKERS, 6)
        self.topics = topic.daily_topics


def _session_times(rng: Random, start: int, size: int, day_len: int) -> list[int]:
    """Message times of one conversation: a burst with seconds-to-minutes gaps, kept inside the day."""
    expo = rng.expovariate
    times = []
    t = start
    for _ in range(size):
        times.append(t)
        t += 3 + int(expo(0.025))
    overflow = times[-1] - (day_len - 1)
    if overflow > 0:
        times = [x - overflow if x > overflow else 0 for x in times]
    return times


def group_events(plan: GroupPlan, world: World) -> Iterator[Event]:
    """One group's events in time order. Deterministic: seeded by (seed, group index)."""
    rng = Random(f"{world.seed}:{plan.index}:events")
    rand = rng.random
    randint = rng.randint
    choices = rng.choices
    expo = rng.expovariate
    fromts = datetime.fromtimestamp
    utc = UTC
    group = plan.ref
    platform = group.platform
    roster = plan.roster
    refs: list[MemberRef] = [world.member_ref(platform, m) for m in roster]
    names = ["@" + r.name for r in refs]
    weights = [m.weight for m in roster]
    pools = _Pools(plan, rng)
    statements, n_st = pools.statements, len(pools.statements)
    questions, n_q = pools.questions, len(pools.questions)
    answers = pools.answers
    chitchat, n_cc = pools.chitchat, len(pools.chitchat)
    # WeChat shows a reply as a quote message; other platforms as a text with a reply reference.
    reply_ct = ContentType.QUOTE if platform is Platform.WECHAT else TEXT
    zh = pools.zh
    empty = NO_MENTIONS

    joins: dict[int, list[int]] = {}
    leaves: dict[int, list[int]] = {}
    for pos, m in enumerate(roster):
        joins.setdefault(m.join_day, []).append(pos)
        if m.leave_day >= 0:
            leaves.setdefault(m.leave_day, []).append(pos)
    spam_by_day: dict[int, list[SpamMessage]] = {}
    for message in plan.spam:
        spam_by_day.setdefault(message.day, []).append(message)

    experts = plan.experts
    expert_set = set(experts)
    leaders = plan.leaders
    leader = leaders[0] if leaders else -1
    operators = plan.operators
    owner = plan.owner
    owner_ref = refs[owner]
    # QQ and Telegram groups with a bot let it greet newcomers; WeChat operators greet by hand.
    welcomer = plan.bot if plan.bot >= 0 and platform is not Platform.WECHAT else owner
    hour_weekday = list(accumulate(_WORK_WEEKDAY if plan.work else _LEISURE_WEEKDAY))
    hour_weekend = list(accumulate(_WORK_WEEKEND if plan.work else _LEISURE_WEEKEND))
    end = world.end_day

    # A few one-off housekeeping events: an admin grant, a rename, a mute, silence breakers.
    admin_day = plan.created + 1 if rand() < 0.5 else -1
    rename_day = plan.created + randint(10, 40) if plan.planned_end is None and rand() < 0.2 else -1
    mute_day = randint(plan.created, max(plan.created, plan.last_open)) if rand() < 0.3 else -1
    breaker_days: set[int] = set()
    if plan.ops_until < end and plan.fate in ("dormant", "dead"):
        for _ in range(randint(1, 2)):
            breaker_days.add(randint(plan.ops_until + 1, end))

    speakers: list[int] = []  # present members who talk, in join order
    present: list[int] = []
    cum: list[float] = []
    dirty = True
    packet_seq = 0
    reply: int | None = None

    for d in range(plan.created, world.days):
        base = world.day_epoch[d]
        day_len = world.day_len[d]
        quota = plan.quota[d]
        active = quota >= 3
        weekend = world.weekday[d] >= 5
        managed = d <= plan.ops_until
        recs: list[Record] = []
        ap = recs.append
        # Nothing happens in a group before it exists.
        min_start = roster[owner].join_sec + 120 if d == plan.created else 0

        # People who leave today are gone for the whole day: nobody speaks after leaving.
        for pos in leaves.get(d, ()):
            m = roster[pos]
            if m.removed_by >= 0:
                _add(recs, base, m.leave_sec, EventKind.REMOVAL, refs[pos], actor=refs[m.removed_by])
            else:
                _add(recs, base, m.leave_sec, EventKind.LEAVE, refs[pos])
            if pos in present:
                present.remove(pos)
            if pos in speakers:
                speakers.remove(pos)
                dirty = True

        # Joins, the welcome ceremony and newcomers' greetings.
        day_joins = sorted(joins.get(d, ()), key=lambda p: roster[p].join_sec)
        batch: list[int] = []
        for i, pos in enumerate(day_joins):
            m = roster[pos]
            payload: dict[str, Any] = {"channel": m.channel}
            if m.source:
                payload["source"] = m.source
            inviter = refs[m.inviter] if m.inviter >= 0 else None
            _add(recs, base, m.join_sec, EventKind.JOIN, refs[pos], actor=inviter, payload=payload)
            if m.channel != "created" and m.kind == MEMBER:
                batch.append(pos)
            following = roster[day_joins[i + 1]].join_sec if i + 1 < len(day_joins) else None
            if batch and (following is None or following - roster[batch[0]].join_sec > 1800):
                _welcome(plan, pools, rng, recs, batch, refs, names, welcomer, base, day_len, managed, active)
                batch = []
            if m.leave_day != d:
                present.append(pos)
        if d == plan.created:
            # Founders are there from the first minute and talk on the first day.
            for pos in day_joins:
                if weights[pos] > 0 and roster[pos].channel == "created":
                    speakers.append(pos)
                    dirty = True
            rules = (vocab.ZH_RULES if zh else vocab.EN_RULES).format(
                a=pools.keywords[0], purpose=plan.topic.purpose
            )
            _add(recs, base, min_start + 180, EventKind.ANNOUNCEMENT, owner_ref, TEXT, rules)

        # The operators' routine: morning digest, daily topic, silence breakers, a closing notice.
        topic_time = -1
        if managed and plan.digest and not weekend and min_start < 8 * 3600:
            keywords = pools.keywords
            template = vocab.ZH_DIGEST if zh else vocab.EN_DIGEST
            text = template.format(
                date=world.dates[d].isoformat(),
                a=keywords[d % len(keywords)],
                b=keywords[(d * 7 + 3) % len(keywords)],
            )
            _add(recs, base, randint(8 * 3600, 8 * 3600 + 1800), MESSAGE, owner_ref, TEXT, text)
        if managed and plan.daily_topic and not (weekend and plan.work) and min_start < 9 * 3600:
            topic_time = randint(9 * 3600, 10 * 3600 + 1800)
            text = (vocab.ZH_TOPIC if zh else vocab.EN_TOPIC).format(
                topic=pools.topics[d % len(pools.topics)]
            )
            _add(recs, base, topic_time, MESSAGE, refs[operators[d % len(operators)]], TEXT, text)
        if d in breaker_days or (managed and not active and plan.fate == "cooling" and rand() < 0.3):
            text = pools.breakers[randint(0, len(pools.breakers) - 1)]
            _add(recs, base, randint(10 * 3600, 21 * 3600), MESSAGE, owner_ref, TEXT, text)
        if plan.planned_end is not None and d == plan.planned_end:
            text = vocab.ZH_CLOSING if zh else vocab.EN_CLOSING
            _add(recs, base, randint(19 * 3600, 21 * 3600), EventKind.ANNOUNCEMENT, owner_ref, TEXT, text)
        if plan.bot >= 0 and min_start < 7 * 3600:
            # Bots keep posting whatever happens to the group: they do not count as member messages.
            template = vocab.ZH_BOT_MORNING if zh else vocab.EN_BOT_MORNING
            text = template.format(date=world.dates[d].isoformat())
            _add(recs, base, randint(7 * 3600 + 1800, 7 * 3600 + 2400), MESSAGE, refs[plan.bot], TEXT, text)
        if d == admin_day and speakers:
            target = leader if leader >= 0 else speakers[0]
            t = randint(10 * 3600, 20 * 3600)
            _add(
                recs,
                base,
                t,
                EventKind.ADMIN_CHANGE,
                refs[target],
                actor=owner_ref,
                payload={"granted": True},
            )
        if d == rename_day:
            old = group.name + ("交流群" if zh else " (old)")
            _add(recs, base, randint(10 * 3600, 20 * 3600), EventKind.RENAME, owner_ref, None, group.name,
                 payload={"name": group.name, "old_name": old})  # fmt: skip

        # Member conversation: sessions of a few people, a burst of messages each.
        if quota > 0 and speakers:
            if dirty:
                cum = list(accumulate(weights[p] for p in speakers))
                dirty = False
            hours = hour_weekend if weekend else hour_weekday
            day_experts = [e for e in experts if roster[e].join_day < d]
            leader_here = leader >= 0 and roster[leader].join_day < d
            remaining = quota
            first = True
            n_speakers = len(speakers)
            while remaining > 0:
                size = 1 + int(expo(0.16))
                if first and quota >= 3:
                    # Guarantees an active day: at least 3 messages from at least 2 people.
                    size = max(size, 3)
                size = min(size, remaining, 60)
                remaining -= size
                if first and topic_time >= 0:
                    start = topic_time + randint(60, 1200)  # members pick up the daily topic
                else:
                    start = choices(_HOURS, cum_weights=hours)[0] * 3600 + randint(0, 3599)
                if start < min_start:
                    start = min_start + randint(0, 3600)
                first = False
                parts = list(
                    dict.fromkeys(choices(speakers, cum_weights=cum, k=2 + int(rand() * rand() * 6)))
                )
                opener_is_leader = leader_here and rand() < 0.3
                if opener_is_leader:
                    if leader in parts:
                        parts.remove(leader)
                    parts.insert(0, leader)
                if len(parts) == 1 and n_speakers > 1:
                    other = speakers[int(rand() * n_speakers)]
                    if other == parts[0]:
                        other = speakers[0] if speakers[0] != other else speakers[1]
                    parts.append(other)
                if len(parts) > 1:
                    # Within a conversation, too, the big talkers talk most.
                    seq = choices(parts, weights=[weights[p] for p in parts], k=size)
                    if opener_is_leader:
                        seq[0] = leader
                    if size > 1 and seq[0] == seq[1]:
                        seq[1] = parts[1] if seq[0] == parts[0] else parts[0]
                else:
                    seq = parts * size
                times = _session_times(rng, start, size, day_len)
                anchor = -1  # the opinion leader's opening message, which draws replies
                for j in range(size):
                    p = seq[j]
                    t = times[j]
                    n = len(recs)
                    sid = (base + t) * 100_000 + n
                    r = rand()
                    if r < QUESTION_RATE:
                        ap(
                            (
                                t,
                                n,
                                MESSAGE,
                                refs[p],
                                None,
                                TEXT,
                                questions[int(rand() * n_q)],
                                sid,
                                None,
                                empty,
                                None,
                            )
                        )
                        if active:
                            _answer(rng, recs, base, day_len, sid, t, p, day_experts, expert_set, parts, refs,
                                    names, reply_ct, answers, pools.thanks)  # fmt: skip
                        continue
                    ct = TEXT
                    reply = None
                    mentions = empty
                    if p == leader:
                        if anchor < 0:
                            anchor = sid
                        text = statements[int(rand() * n_st)]
                    elif anchor >= 0 and r < 0.55:
                        # Opinion leaders draw replies and mentions.
                        if r < 0.42:
                            ct, reply, text = reply_ct, anchor, statements[int(rand() * n_st)]
                        else:
                            text = pools.ol_react[int(rand() * len(pools.ol_react))].format(who=names[leader])
                            mentions = (refs[leader],)
                    else:
                        r2 = rand()
                        if r2 < 0.62:
                            text = statements[int(r2 * 322.58) % n_st]  # r2 is uniform below 0.62: reuse it
                        elif r2 < 0.84:
                            text = chitchat[int(r2 * 1000) % n_cc]
                        else:
                            x = (r2 - 0.84) / 0.16
                            for bound, media in _MEDIA:
                                if x < bound:
                                    ct = media
                                    break
                            text = ""
                            if ct is ContentType.LINK:
                                text = pools.links[int(x * 1000) % len(pools.links)]
                            elif ct is ContentType.FILE:
                                text = pools.files[int(x * 1000) % len(pools.files)]
                            if r2 > 0.9985 and t + 30 < day_len:
                                ap((t, n, MESSAGE, refs[p], None, ct, text, sid, None, empty, None))
                                # Recalled a moment later.
                                _add(recs, base, t + 30, EventKind.RECALL, refs[p],
                                     payload={"recalled_source_id": str(sid)})  # fmt: skip
                                continue
                    ap((t, n, MESSAGE, refs[p], None, ct, text, sid, reply, mentions, None))

            if (
                active
                and plan.rp_rate
                and present
                and rand() < plan.rp_rate * (2.5 if world.weekday[d] == 4 else 1.0)
            ):
                packet_seq += 1
                _red_packet(plan, pools, rng, recs, refs, present, speakers, base, day_len, packet_seq, d)
            if active and d == mute_day and speakers:
                victim = speakers[int(rand() * len(speakers))]
                if victim not in expert_set and victim not in leaders:
                    t = randint(12 * 3600, 22 * 3600)
                    _add(
                        recs,
                        base,
                        t,
                        EventKind.MUTE,
                        refs[victim],
                        actor=owner_ref,
                        payload={"seconds": 3600},
                    )

        for message in spam_by_day.get(d, ()):
            t = message.sec
            ct = ContentType.LINK if "http" in message.text or "t.me" in message.text else TEXT
            sid = (base + t) * 100_000 + message.order
            ap(
                (
                    t,
                    message.order,
                    MESSAGE,
                    refs[message.member],
                    None,
                    ct,
                    message.text,
                    sid,
                    None,
                    empty,
                    None,
                )
            )

        # Members who joined today speak from tomorrow (a message before one's join would be wrong).
        for pos in day_joins:
            m = roster[pos]
            if weights[pos] > 0 and m.channel != "created" and (m.leave_day < 0 or m.leave_day > d):
                speakers.append(pos)
                dirty = True

        recs.sort()
        for t, _n, kind, member, actor, ctype, text, sid, reply, mentions, extra in recs:
            ts = fromts(base + t, utc)
            reply_id = None if reply is None else str(reply)
            if extra is None:
                yield Event(group, kind, ts, member, actor, ctype, text, str(sid), reply_id, mentions)
            else:
                yield Event(group, kind, ts, member, actor, ctype, text, str(sid), reply_id, mentions, extra)


def _answer(
    rng: Random,
    recs: list[Record],
    base: int,
    day_len: int,
    question: int,
    t: int,
    asker: int,
    day_experts: list[int],
    expert_set: set[int],
    parts: list[int],
    refs: list[MemberRef],
    names: list[str],
    reply_ct: ContentType,
    answers: list[str],
    thanks: tuple[str, ...],
) -> None:
    """Someone answers a question within minutes: a planted answerer if one is around, else a peer."""
    if day_experts and asker not in expert_set and rng.random() < EXPERT_ANSWER_RATE:
        e = day_experts[int(rng.random() * len(day_experts))]
        ta = t + 20 + int(rng.expovariate(0.012))
        if ta >= day_len:
            return
        _add(
            recs,
            base,
            ta,
            MESSAGE,
            refs[e],
            reply_ct,
            answers[int(rng.random() * len(answers))],
            reply=question,
        )
        if rng.random() < 0.3:
            tt = ta + rng.randint(30, 300)
            if tt < day_len:
                text = thanks[int(rng.random() * len(thanks))].format(who=names[e])
                _add(recs, base, tt, MESSAGE, refs[asker], TEXT, text, mentions=(refs[e],))
    elif len(parts) > 1 and rng.random() < 0.35:
        other = parts[0] if parts[0] != asker else parts[1]
        ta = t + 30 + int(rng.expovariate(0.005))
        if ta < day_len:
            text = answers[int(rng.random() * len(answers))]
            _add(recs, base, ta, MESSAGE, refs[other], reply_ct, text, reply=question)


def _welcome(
    plan: GroupPlan,
    pools: _Pools,
    rng: Random,
    recs: list[Record],
    batch: list[int],
    refs: list[MemberRef],
    names: list[str],
    welcomer: int,
    base: int,
    day_len: int,
    managed: bool,
    active: bool,
) -> None:
    """The welcome ceremony for a batch of newcomers, and the greetings some of them post."""
    roster = plan.roster
    t = roster[batch[-1]].join_sec + rng.randint(30, 600)
    if plan.welcome and managed and t < day_len:
        shown = batch[:8]
        listed = " ".join(names[p] for p in shown)
        if roster[welcomer].kind == BOT:
            template = vocab.ZH_BOT_WELCOME if pools.zh else vocab.EN_BOT_WELCOME
        else:
            template = vocab.ZH_WELCOME if pools.zh else vocab.EN_WELCOME
        text = template.format(names=listed, group=plan.ref.name)
        _add(recs, base, t, MESSAGE, refs[welcomer], TEXT, text, mentions=tuple(refs[p] for p in shown))
    if not active:
        # Greetings are member messages: on a quiet day they would change what kind of day it is.
        return
    for p in batch:
        if rng.random() < 0.3:
            tg = t + rng.randint(20, 900)
            if tg < day_len and roster[p].leave_day != roster[p].join_day:
                template = pools.greetings[rng.randrange(len(pools.greetings))]
                text = template.format(
                    name=refs[p].name,
                    job=vocab.JOBS[rng.randrange(len(vocab.JOBS))],
                    city=vocab.CITIES[rng.randrange(len(vocab.CITIES))],
                )
                _add(recs, base, tg, MESSAGE, refs[p], TEXT, text)


def _red_packet(
    plan: GroupPlan,
    pools: _Pools,
    rng: Random,
    recs: list[Record],
    refs: list[MemberRef],
    present: list[int],
    speakers: list[int],
    base: int,
    day_len: int,
    seq: int,
    day: int,
) -> None:
    """A red packet and its claims: seconds to minutes after sending, faster in livelier groups.

    Lurkers claim too (red packets are how silent members show they are there); a few claimers say thanks.
    """
    roster = plan.roster
    if rng.random() < 0.7 or not speakers:
        sender = plan.operators[rng.randrange(len(plan.operators))]
    else:
        sender = speakers[rng.randrange(len(speakers))]
    t = rng.randint(12 * 3600, 22 * 3600)
    count = rng.randint(5, 20)
    amount = round(rng.uniform(count * 0.5, count * 5.0), 2)
    packet_id = f"{plan.ref.external_id}:rp{day}-{seq}"
    text = vocab.ZH_RP_OPERATOR[rng.randrange(len(vocab.ZH_RP_OPERATOR))] if pools.zh else "Red packet!"
    sender_id = refs[sender].external_id
    _add(recs, base, t, EventKind.RED_PACKET_SENT, refs[sender], ContentType.RED_PACKET, text,
         payload={"packet_id": packet_id, "amount": amount, "count": count})  # fmt: skip
    candidates = [
        p
        for p in present
        if p != sender and roster[p].kind == MEMBER and (roster[p].join_day < day or roster[p].join_sec < t)
    ]
    wanted = int(count * rng.uniform(0.5, 1.0) / plan.rp_speed) + 1
    claimers = rng.sample(candidates, min(len(candidates), wanted, count))
    tc = t
    left = amount
    for i, p in enumerate(claimers):
        tc += 1 + int(rng.expovariate(1 / (6 * plan.rp_speed * (i + 1))))
        if tc >= day_len:
            break
        share = left if i == count - 1 else round(rng.uniform(0.01, left * 2 / max(1, count - i)), 2)
        share = min(share, left)
        left = round(left - share, 2)
        _add(recs, base, tc, EventKind.RED_PACKET_CLAIMED, refs[p],
             payload={"packet_id": packet_id, "sender": sender_id, "amount": share})  # fmt: skip
        if i < 3 and roster[p].weight > 0 and rng.random() < 0.35:
            tt = tc + rng.randint(5, 90)
            if tt < day_len:
                _add(
                    recs,
                    base,
                    tt,
                    MESSAGE,
                    refs[p],
                    TEXT,
                    pools.rp_thanks[rng.randrange(len(pools.rp_thanks))],
                )

"""Event generation: turns one group's plan into its events, day by day, in time order.

This is the hot path (tens of millions of messages for a large community), so it is written for speed:
text is drawn from per-group pools built once, times are integer seconds after local midnight, each
day's events are collected as plain tuples, sorted once, and only then turned into `Event`s.

Source ids are `epoch_second * 100000 + n`, where n numbers the day's events in the order they were
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
from qunops.simulate.plan import BOT, MEMBER, GroupPlan, World

MESSAGE = EventKind.MESSAGE
JOIN = EventKind.JOIN
LEAVE = EventKind.LEAVE
REMOVAL = EventKind.REMOVAL
TEXT = ContentType.TEXT

# Relative chat volume per local hour: morning, lunch and evening peaks.
_LEISURE_WEEKDAY = (3, 1.5, 0.8, 0.5, 0.5, 1, 4, 10, 16, 18, 16, 15, 22, 18, 12, 12, 13, 14, 16, 22, 28, 30, 22, 10)
_LEISURE_WEEKEND = (5, 2.5, 1.2, 0.6, 0.5, 0.6, 2, 5, 9, 14, 18, 20, 22, 20, 18, 18, 18, 17, 18, 24, 28, 30, 26, 14)
_WORK_WEEKDAY = (1, 0.5, 0.3, 0.2, 0.2, 0.5, 2, 8, 20, 28, 26, 24, 20, 18, 24, 24, 22, 20, 14, 12, 12, 10, 6, 2)
_WORK_WEEKEND = (1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 3, 6, 10, 12, 12, 12, 12, 12, 12, 12, 10, 10, 10, 10, 8, 5, 2)
_HOURS = tuple(range(24))

_MEDIA: tuple[tuple[float, ContentType, str], ...] = (
    (0.40, ContentType.IMAGE, ""),
    (0.62, ContentType.STICKER, ""),
    (0.74, ContentType.VOICE, ""),
    (0.86, ContentType.LINK, ""),
    (0.92, ContentType.FILE, ""),
    (0.97, ContentType.VIDEO, ""),
    (1.01, ContentType.LOCATION, ""),
)


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

        self.statements = fill(vocab.ZH_STATEMENTS if zh else vocab.EN_STATEMENTS, 200)
        self.questions = fill(vocab.ZH_QUESTIONS if zh else vocab.EN_QUESTIONS, 80)
        self.answers = fill(vocab.ZH_ANSWERS if zh else vocab.EN_ANSWERS, 60)
        self.chitchat = list(vocab.ZH_CHITCHAT if zh else vocab.EN_CHITCHAT)
        self.links = [
            f"{kws[rng.randrange(len(kws))]} {'指南' if zh else 'guide'} https://example.com/{rng.randrange(10**6)}"
            for _ in range(20)
        ]
        self.files = [f"{kws[rng.randrange(len(kws))]}{'资料' if zh else '-notes'}.pdf" for _ in range(10)]
        self.thanks = vocab.ZH_THANKS if zh else vocab.EN_THANKS
        self.ol_react = vocab.ZH_OL_REACT if zh else vocab.EN_OL_REACT
        self.greetings = vocab.ZH_GREETINGS if zh else vocab.EN_GREETINGS
        self.rp_thanks = vocab.ZH_RP_THANKS if zh else vocab.EN_RP_THANKS
        self.breakers = fill(vocab.ZH_BREAKERS if zh else vocab.EN_BREAKERS, 6)
        self.topics = list(topic.daily_topics)
        self.zh = zh
        self.keywords = kws


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
    names = [("@" + r.name) for r in refs]
    weights = [m.weight for m in roster]
    pools = _Pools(plan, rng)
    statements, n_st = pools.statements, len(pools.statements)
    questions, n_q = pools.questions, len(pools.questions)
    answers, n_ans = pools.answers, len(pools.answers)
    chitchat, n_cc = pools.chitchat, len(pools.chitchat)
    reply_ct = ContentType.QUOTE if platform is Platform.WECHAT else TEXT
    zh = pools.zh
    empty: tuple[MemberRef, ...] = ()

    joins: dict[int, list[int]] = {}
    leaves: dict[int, list[int]] = {}
    for pos, m in enumerate(roster):
        joins.setdefault(m.join_day, []).append(pos)
        if m.leave_day >= 0:
            leaves.setdefault(m.leave_day, []).append(pos)
    spam_by_day: dict[int, list[Any]] = {}
    for message in plan.spam:
        spam_by_day.setdefault(message.day, []).append(message)

    experts = plan.experts
    expert_set = set(experts)
    leaders = plan.leaders
    leader = leaders[0] if leaders else -1
    operators = plan.operators
    owner = plan.owner
    welcomer = plan.bot if plan.bot >= 0 and platform is not Platform.WECHAT else owner
    q_rate = 0.13
    hour_weekday = list(accumulate(_WORK_WEEKDAY if plan.work else _LEISURE_WEEKDAY))
    hour_weekend = list(accumulate(_WORK_WEEKEND if plan.work else _LEISURE_WEEKEND))
    end = world.end_day

    # A few one-off housekeeping events: an admin grant, a rename, a mute.
    admin_day = plan.created + 1 if rand() < 0.5 else -1
    rename_day = plan.created + randint(10, 40) if plan.planned_end is None and rand() < 0.2 else -1
    mute_day = randint(plan.created, max(plan.created, plan.last_open)) if rand() < 0.3 else -1
    breaker_days = set()
    if plan.ops_until < end and plan.fate in ("dormant", "dead"):
        for _ in range(randint(1, 2)):
            breaker_days.add(randint(plan.ops_until + 1, end))

    speakers: list[int] = []
    present: list[int] = []
    cum: list[float] = []
    dirty = True
    packet_seq = 0

    for d in range(plan.created, world.days):
        base = world.day_epoch[d]
        day_len = world.day_len[d]
        quota = plan.quota[d]
        active = quota >= 3
        weekday = world.weekday[d]
        weekend = weekday >= 5
        managed = d <= plan.ops_until
        recs: list[tuple[Any, ...]] = []
        ap = recs.append
        n = 0
        # Nothing happens in a group before it exists.
        min_start = roster[owner].join_sec + 120 if d == plan.created else 0

        # People who leave today are gone for the whole day: nobody speaks after leaving.
        for pos in leaves.get(d, ()):
            m = roster[pos]
            sid = (base + m.leave_sec) * 100_000 + n
            if m.removed_by >= 0:
                ap((m.leave_sec, n, REMOVAL, refs[pos], refs[m.removed_by], None, "", sid, None, empty, None))
            else:
                ap((m.leave_sec, n, LEAVE, refs[pos], None, None, "", sid, None, empty, None))
            n += 1
            if pos in present:
                present.remove(pos)
            if weights[pos] > 0 and pos in speakers:
                speakers.remove(pos)
                dirty = True

        # Joins, the welcome ceremony and newcomers' greetings. Joiners start chatting tomorrow.
        day_joins = sorted(joins.get(d, ()), key=lambda p: roster[p].join_sec)
        batch: list[int] = []
        for i, pos in enumerate(day_joins):
            m = roster[pos]
            payload: dict[str, Any] = {"channel": m.channel}
            if m.source:
                payload["source"] = m.source
            actor = refs[m.inviter] if m.inviter >= 0 else None
            ap((m.join_sec, n, JOIN, refs[pos], actor, None, "", (base + m.join_sec) * 100_000 + n, None, empty, payload))
            n += 1
            if m.channel != "created" and m.kind == MEMBER:
                batch.append(pos)
            nxt = roster[day_joins[i + 1]].join_sec if i + 1 < len(day_joins) else None
            if batch and (nxt is None or nxt - roster[batch[0]].join_sec > 1800):
                n = _welcome(plan, pools, rng, recs, batch, refs, names, welcomer, base, day_len, n, managed, active)
                batch = []
            if m.leave_day != d:
                present.append(pos)
        if d == plan.created:
            # Founders are there from the first minute and talk on the first day.
            for pos in day_joins:
                if weights[pos] > 0 and roster[pos].channel == "created":
                    speakers.append(pos)
                    dirty = True
            rules = (vocab.ZH_RULES if zh else vocab.EN_RULES).format(a=pools.keywords[0], purpose=plan.topic.purpose)
            t = roster[owner].join_sec + 300
            ap((t, n, EventKind.ANNOUNCEMENT, refs[owner], None, TEXT, rules, (base + t) * 100_000 + n, None, empty, None))
            n += 1

        # The operators' routine: morning digest, daily topic, silence breakers, a closing notice.
        topic_time = -1
        if managed and plan.digest and not weekend and min_start < 8 * 3600:
            t = randint(8 * 3600, 8 * 3600 + 1800)
            text = (vocab.ZH_DIGEST if zh else vocab.EN_DIGEST).format(
                date=world.dates[d].isoformat(), a=pools.keywords[d % len(pools.keywords)],
                b=pools.keywords[(d * 7 + 3) % len(pools.keywords)],
            )
            ap((t, n, MESSAGE, refs[owner], None, TEXT, text, (base + t) * 100_000 + n, None, empty, None))
            n += 1
        if managed and plan.daily_topic and not (weekend and plan.work) and min_start < 9 * 3600:
            topic_time = randint(9 * 3600, 10 * 3600 + 1800)
            op = operators[d % len(operators)]
            topic = pools.topics[d % len(pools.topics)]
            text = (vocab.ZH_TOPIC if zh else vocab.EN_TOPIC).format(topic=topic)
            ap((topic_time, n, MESSAGE, refs[op], None, TEXT, text, (base + topic_time) * 100_000 + n, None, empty, None))
            n += 1
        if d in breaker_days or (managed and not active and plan.fate == "cooling" and rand() < 0.3):
            t = randint(10 * 3600, 21 * 3600)
            text = pools.breakers[randint(0, len(pools.breakers) - 1)]
            ap((t, n, MESSAGE, refs[owner], None, TEXT, text, (base + t) * 100_000 + n, None, empty, None))
            n += 1
        if plan.planned_end is not None and d == plan.planned_end:
            t = randint(19 * 3600, 21 * 3600)
            text = vocab.ZH_CLOSING if zh else vocab.EN_CLOSING
            ap((t, n, EventKind.ANNOUNCEMENT, refs[owner], None, TEXT, text, (base + t) * 100_000 + n, None, empty, None))
            n += 1
        if plan.bot >= 0 and min_start < 7 * 3600:
            # Bots keep posting whatever happens to the group: they do not count as member messages.
            t = randint(7 * 3600 + 1800, 7 * 3600 + 2400)
            text = (vocab.ZH_BOT_MORNING if zh else vocab.EN_BOT_MORNING).format(date=world.dates[d].isoformat())
            ap((t, n, MESSAGE, refs[plan.bot], None, TEXT, text, (base + t) * 100_000 + n, None, empty, None))
            n += 1
        if d == admin_day and speakers:
            target = leader if leader >= 0 else speakers[0]
            t = randint(10 * 3600, 20 * 3600)
            ap((t, n, EventKind.ADMIN_CHANGE, refs[target], refs[owner], None, "", (base + t) * 100_000 + n, None,
                empty, {"granted": True}))
            n += 1
        if d == rename_day:
            t = randint(10 * 3600, 20 * 3600)
            old = group.name + ("交流群" if zh else " (old)")
            ap((t, n, EventKind.RENAME, refs[owner], None, None, group.name, (base + t) * 100_000 + n, None, empty,
                {"name": group.name, "old_name": old}))
            n += 1

        # Member conversation.
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
                    start = topic_time + randint(60, 1200)
                else:
                    start = choices(_HOURS, cum_weights=hours)[0] * 3600 + randint(0, 3599)
                if start < min_start:
                    start = min_start + randint(0, 3600)
                first = False
                k = 2 + int(rand() * rand() * 6)
                parts = list(dict.fromkeys(choices(speakers, cum_weights=cum, k=k)))
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
                    seq = choices(parts, weights=[weights[p] for p in parts], k=size)
                    if opener_is_leader:
                        seq[0] = leader
                    if size > 1 and seq[0] == seq[1]:
                        seq[1] = parts[1] if seq[0] == parts[0] else parts[0]
                else:
                    seq = parts * size
                times = _session_times(rng, start, size, day_len)
                anchor = -1
                for j in range(size):
                    p = seq[j]
                    t = times[j]
                    sid = (base + t) * 100_000 + n
                    r = rand()
                    if r < q_rate:
                        ap((t, n, MESSAGE, refs[p], None, TEXT, questions[int(rand() * n_q)], sid, None, empty, None))
                        n += 1
                        if not active:
                            continue
                        if day_experts and p not in expert_set and rand() < 0.75:
                            e = day_experts[int(rand() * len(day_experts))]
                            ta = t + 20 + int(expo(0.012))
                            if ta < day_len:
                                ap((ta, n, MESSAGE, refs[e], None, reply_ct, answers[int(rand() * n_ans)],
                                    (base + ta) * 100_000 + n, sid, empty, None))
                                n += 1
                                if rand() < 0.3:
                                    tt = ta + randint(30, 300)
                                    if tt < day_len:
                                        text = pools.thanks[int(rand() * len(pools.thanks))].format(who=names[e])
                                        ap((tt, n, MESSAGE, refs[p], None, TEXT, text, (base + tt) * 100_000 + n,
                                            None, (refs[e],), None))
                                        n += 1
                        elif len(parts) > 1 and rand() < 0.35:
                            other = parts[0] if parts[0] != p else parts[1]
                            ta = t + 30 + int(expo(0.005))
                            if ta < day_len:
                                ap((ta, n, MESSAGE, refs[other], None, reply_ct, answers[int(rand() * n_ans)],
                                    (base + ta) * 100_000 + n, sid, empty, None))
                                n += 1
                        continue
                    if p == leader:
                        if anchor < 0:
                            anchor = sid
                        ap((t, n, MESSAGE, refs[p], None, TEXT, statements[int(rand() * n_st)], sid, None, empty, None))
                        n += 1
                        continue
                    if anchor >= 0 and r < 0.55:
                        # Opinion leaders draw replies and mentions.
                        if r < 0.42:
                            ap((t, n, MESSAGE, refs[p], None, reply_ct, statements[int(rand() * n_st)], sid, anchor,
                                empty, None))
                        else:
                            text = pools.ol_react[int(rand() * len(pools.ol_react))].format(who=names[leader])
                            ap((t, n, MESSAGE, refs[p], None, TEXT, text, sid, None, (refs[leader],), None))
                        n += 1
                        continue
                    r2 = rand()
                    if r2 < 0.62:
                        ap((t, n, MESSAGE, refs[p], None, TEXT, statements[int(r2 * 322.58) % n_st], sid, None, empty,
                            None))
                    elif r2 < 0.84:
                        ap((t, n, MESSAGE, refs[p], None, TEXT, chitchat[int(r2 * 1000) % n_cc], sid, None, empty, None))
                    else:
                        x = (r2 - 0.84) / 0.16
                        for bound, ct, _ in _MEDIA:
                            if x < bound:
                                break
                        text = ""
                        if ct is ContentType.LINK:
                            text = pools.links[int(x * 1000) % len(pools.links)]
                        elif ct is ContentType.FILE:
                            text = pools.files[int(x * 1000) % len(pools.files)]
                        ap((t, n, MESSAGE, refs[p], None, ct, text, sid, None, empty, None))
                        if r2 > 0.9985 and t + 30 < day_len:
                            # Recalled a moment later.
                            n += 1
                            ap((t + 30, n, EventKind.RECALL, refs[p], None, None, "", (base + t + 30) * 100_000 + n,
                                None, empty, {"recalled_source_id": str(sid)}))
                    n += 1

            if active and plan.rp_rate and present and rand() < plan.rp_rate * (2.5 if weekday == 4 else 1.0):
                packet_seq += 1
                n = _red_packet(plan, pools, rng, recs, refs, present, speakers, base, day_len, n, packet_seq, d)
            if active and d == mute_day and speakers:
                victim = speakers[int(rand() * len(speakers))]
                if victim not in expert_set and victim not in leaders:
                    t = randint(12 * 3600, 22 * 3600)
                    ap((t, n, EventKind.MUTE, refs[victim], refs[owner], None, "", (base + t) * 100_000 + n, None,
                        empty, {"seconds": 3600}))
                    n += 1

        for message in spam_by_day.get(d, ()):
            t = message.sec
            ct = ContentType.LINK if "http" in message.text or "t.me" in message.text else TEXT
            ap((t, message.order, MESSAGE, refs[message.member], None, ct, message.text,
                (base + t) * 100_000 + message.order, None, empty, None))

        # Members who joined today can speak from tomorrow.
        for pos in day_joins:
            m = roster[pos]
            if weights[pos] > 0 and m.channel != "created" and (m.leave_day < 0 or m.leave_day > d):
                speakers.append(pos)
                dirty = True

        recs.sort()
        for t, _n, kind, member, actor, ct, text, sid, reply, mentions, payload in recs:
            ts = fromts(base + t, utc)
            if payload is None:
                yield Event(group, kind, ts, member, actor, ct, text, str(sid),
                            None if reply is None else str(reply), mentions)
            else:
                yield Event(group, kind, ts, member, actor, ct, text, str(sid),
                            None if reply is None else str(reply), mentions, payload)


def _welcome(
    plan: GroupPlan, pools: _Pools, rng: Random, recs: list[tuple[Any, ...]], batch: list[int],
    refs: list[MemberRef], names: list[str], welcomer: int, base: int, day_len: int, n: int, managed: bool,
    active: bool,
) -> int:
    last_join = plan.roster[batch[-1]].join_sec
    t = last_join + rng.randint(30, 600)
    if plan.welcome and managed and t < day_len:
        shown = batch[:8]
        listed = " ".join(names[p] for p in shown)
        if plan.roster[welcomer].kind == BOT:
            template = vocab.ZH_BOT_WELCOME if pools.zh else vocab.EN_BOT_WELCOME
        else:
            template = vocab.ZH_WELCOME if pools.zh else vocab.EN_WELCOME
        text = template.format(names=listed, group=plan.ref.name)
        recs.append((t, n, MESSAGE, refs[welcomer], None, TEXT, text, (base + t) * 100_000 + n, None,
                     tuple(refs[p] for p in shown), None))
        n += 1
    if not active:
        # Greetings are member messages: on a quiet day they would change what the day is.
        return n
    for p in batch:
        if rng.random() < 0.3:
            tg = t + rng.randint(20, 900)
            if tg < day_len and plan.roster[p].leave_day != plan.roster[p].join_day:
                template = pools.greetings[rng.randrange(len(pools.greetings))]
                text = template.format(
                    name=refs[p].name, job=vocab.JOBS[rng.randrange(len(vocab.JOBS))],
                    city=vocab.CITIES[rng.randrange(len(vocab.CITIES))],
                )
                recs.append((tg, n, MESSAGE, refs[p], None, TEXT, text, (base + tg) * 100_000 + n, None, (), None))
                n += 1
    return n


def _red_packet(
    plan: GroupPlan, pools: _Pools, rng: Random, recs: list[tuple[Any, ...]], refs: list[MemberRef],
    present: list[int], speakers: list[int], base: int, day_len: int, n: int, seq: int, day: int,
) -> int:
    """A red packet and its claims: seconds to minutes after sending, faster in livelier groups."""
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
    recs.append((t, n, EventKind.RED_PACKET_SENT, refs[sender], None, ContentType.RED_PACKET, text,
                 (base + t) * 100_000 + n, None, (), {"packet_id": packet_id, "amount": amount, "count": count}))
    n += 1
    roster = plan.roster
    candidates = [
        p for p in present
        if p != sender and roster[p].kind == MEMBER and (roster[p].join_day < day or roster[p].join_sec < t)
    ]
    claimers = rng.sample(candidates, min(len(candidates), int(count * rng.uniform(0.5, 1.0) / plan.rp_speed) + 1))
    tc = t
    left = amount
    for i, p in enumerate(claimers):
        tc += 1 + int(rng.expovariate(1 / (6 * plan.rp_speed * (i + 1))))
        if tc >= day_len:
            break
        share = round(left if i == count - 1 else rng.uniform(0.01, left * 2 / max(1, count - i)), 2)
        left = round(left - share, 2)
        recs.append((tc, n, EventKind.RED_PACKET_CLAIMED, refs[p], None, None, "", (base + tc) * 100_000 + n, None, (),
                     {"packet_id": packet_id, "sender": sender_id, "amount": share}))
        n += 1
        if i < 3 and rng.random() < 0.35 and weights_speak(plan, p):
            tt = tc + rng.randint(5, 90)
            if tt < day_len:
                text = pools.rp_thanks[rng.randrange(len(pools.rp_thanks))]
                recs.append((tt, n, MESSAGE, refs[p], None, TEXT, text, (base + tt) * 100_000 + n, None, (), None))
                n += 1
    return n


def weights_speak(plan: GroupPlan, pos: int) -> bool:
    """Whether a member ever talks (lurkers grab red packets silently)."""
    return plan.roster[pos].weight > 0

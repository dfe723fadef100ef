"""The simulator plants what it says it plants, deterministically, and each fate is visible in raw events
when read with the product's definitions (product.md: member messages, active day, WAD, lifecycle)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import islice
from zoneinfo import ZoneInfo

import pytest

from qunops.core.events import Event, EventKind
from qunops.core.registry import DurationKind
from qunops.simulate import FATES, Community, SimulationConfig, simulate

TZ = ZoneInfo("Asia/Shanghai")
QUESTION_MARKERS = ("请问", "怎么", "如何", "有没有", "吗")


@cache
def community() -> Community:
    return simulate(SimulationConfig())


@dataclass
class GroupView:
    """One group's raw events, read the way the product defines things."""

    events: list[Event]
    operator_ids: frozenset[str]
    member_msgs: list[Event] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.member_msgs = [e for e in self.events if self.is_member_message(e)]

    def is_member_message(self, e: Event) -> bool:
        return (
            e.kind is EventKind.MESSAGE
            and e.member is not None
            and not e.member.is_bot
            and e.member.external_id not in self.operator_ids
        )

    def per_day(self) -> dict[date, list[Event]]:
        days: dict[date, list[Event]] = defaultdict(list)
        for e in self.member_msgs:
            days[e.ts.astimezone(TZ).date()].append(e)
        return days

    def active_days(self) -> set[date]:
        return {
            d
            for d, msgs in self.per_day().items()
            if len(msgs) >= 3 and len({m.member.external_id for m in msgs if m.member}) >= 2
        }

    def stage(self, as_of: date, temporary: bool, planned_end: date | None) -> str:
        """The lifecycle stage, first match in the product's order."""
        if temporary and planned_end is not None and planned_end < as_of:
            return "completed"
        end_instant = datetime.combine(as_of + timedelta(days=1), datetime.min.time(), TZ)
        last = max(e.ts for e in self.member_msgs)
        silence = end_instant - last
        if silence >= timedelta(days=14):
            return "dead"
        if silence >= timedelta(days=3):
            return "dormant"
        created = min(e.ts for e in self.events).astimezone(TZ).date()
        if (as_of - created).days < 7:
            return "launching"
        last7 = {as_of - timedelta(days=i) for i in range(7)}
        prev7 = {as_of - timedelta(days=i) for i in range(7, 14)}
        active = self.active_days()
        wad = len(active & last7)
        per_day = self.per_day()
        now = sum(len(per_day.get(d, ())) for d in last7)
        before = sum(len(per_day.get(d, ())) for d in prev7)
        if wad <= 1 or (before > 0 and now <= 0.6 * before):
            return "cooling"
        if wad >= 4:
            return "thriving"
        return "steady"


@cache
def views() -> dict[str, GroupView]:
    c = community()
    ops = frozenset(c.truth.operator_ids)
    grouped: dict[str, list[Event]] = defaultdict(list)
    for e in c.events():
        grouped[e.group.external_id].append(e)
    return {gid: GroupView(evts, ops) for gid, evts in grouped.items()}


def _digest(config: SimulationConfig, groups: int | None = None) -> str:
    h = hashlib.sha256()
    c = simulate(config)
    for i, e in enumerate(c.events()):
        if groups is not None and i > 40_000:
            break
        h.update(
            repr(
                (
                    e.group.external_id,
                    e.kind,
                    e.ts.isoformat(),
                    e.member,
                    e.actor,
                    e.content_type,
                    e.text,
                    e.source_id,
                    e.reply_to_source_id,
                    e.mentions,
                    sorted(e.payload.items()),
                )
            ).encode()
        )
    return h.hexdigest()


# ------------------------------------------------------------------------------------------ determinism


def test_same_seed_same_events_and_different_seed_different_events() -> None:
    small = SimulationConfig(groups=8, days=45)
    assert _digest(small) == _digest(SimulationConfig(groups=8, days=45))
    assert _digest(small) != _digest(SimulationConfig(seed=8, groups=8, days=45))


def test_determinism_does_not_depend_on_hash_randomisation() -> None:
    code = (
        "import hashlib;from qunops.simulate import simulate, SimulationConfig;"
        "h=hashlib.sha256();"
        "[h.update(repr((e.group.external_id,e.kind,e.ts,e.member,e.actor,e.text,e.source_id,"
        "e.reply_to_source_id,sorted(e.payload.items()))).encode())"
        " for e in simulate(SimulationConfig(groups=7, days=40)).events()];"
        "print(h.hexdigest())"
    )
    outs = set()
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        outs.add(
            subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            ).stdout
        )
    assert len(outs) == 1


def test_truth_is_deterministic() -> None:
    a = simulate(SimulationConfig(groups=12, days=60)).truth
    b = simulate(SimulationConfig(groups=12, days=60)).truth
    assert a == b


# ------------------------------------------------------------------------------------------ shape


def test_default_community_size_and_mix() -> None:
    c = community()
    total = sum(len(v.events) for v in views().values())
    assert 100_000 <= total <= 300_000
    assert len(c.profiles) == 30
    assert {p.platform.value for p in c.profiles} >= {"wechat", "qq", "telegram"}
    assert len({p.group_type for p in c.profiles}) >= 6
    assert set(c.truth.stage_plan.values()) == set(FATES)
    assert len({p.external_id for p in c.profiles}) == 30
    assert len({p.name for p in c.profiles}) == 30
    assert all(p.name and p.purpose for p in c.profiles)
    assert c.operators and c.bots and all(b.is_bot for b in c.bots)


def test_every_planned_fate_is_what_the_definitions_see() -> None:
    c = community()
    end = c.config.end
    for profile in c.profiles:
        gid = profile.external_id
        view = views()[gid]
        temporary = profile.duration_kind is DurationKind.TEMPORARY
        stage = view.stage(end, temporary, profile.planned_end)
        assert stage == c.truth.stage_plan[gid], (gid, profile.name)


def test_dead_and_dormant_silences() -> None:
    c = community()
    end = c.config.end
    dead = [g for g, f in c.truth.stage_plan.items() if f == "dead"]
    dormant = [g for g, f in c.truth.stage_plan.items() if f == "dormant"]
    assert dead and dormant
    for gid in dead:
        last = max(e.ts for e in views()[gid].member_msgs).astimezone(TZ).date()
        assert last == c.truth.death_day[gid]
        assert (end - last).days >= 14
        # A visible decline: the last two weeks before death are quieter than the two weeks before them.
        per_day = views()[gid].per_day()
        late = sum(len(per_day.get(last - timedelta(days=i), ())) for i in range(14))
        earlier = sum(len(per_day.get(last - timedelta(days=i), ())) for i in range(14, 28))
        assert late < earlier, gid
    for gid in dormant:
        last = max(e.ts for e in views()[gid].member_msgs).astimezone(TZ).date()
        assert 3 <= (end - last).days <= 12


def test_truth_last_member_day_matches_events() -> None:
    c = community()
    for gid, view in views().items():
        last = max(e.ts for e in view.member_msgs).astimezone(TZ).date()
        assert c.truth.last_member_day[gid] == last, gid


def test_events_stream_lazily_from_a_large_community() -> None:
    import time
    import tracemalloc

    started = time.perf_counter()
    c = simulate(SimulationConfig(groups=300, days=365))
    tracemalloc.start()
    first = list(islice(c.events(), 20_000))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(first) == 20_000
    assert time.perf_counter() - started < 30
    # Planned volume is millions of messages; only a group-day's worth is held at a time.
    assert c.planned_member_messages() > 2_000_000
    assert peak < 60 * 1024 * 1024


def test_launching_groups_are_young_and_temporary_groups_end_before_planned_end() -> None:
    c = community()
    end = c.config.end
    launching = [g for g, f in c.truth.stage_plan.items() if f == "launching"]
    assert launching
    for gid in launching:
        created = min(e.ts for e in views()[gid].events).astimezone(TZ).date()
        assert (end - created).days < 7
        assert c.truth.created[gid] == created
    completed = [p for p in c.profiles if c.truth.stage_plan[p.external_id] == "completed"]
    assert completed
    for p in completed:
        assert p.duration_kind is DurationKind.TEMPORARY and p.planned_end is not None
        assert p.planned_end < end
        view = views()[p.external_id]
        created = min(e.ts for e in view.events).astimezone(TZ).date()
        last = max(e.ts for e in view.member_msgs).astimezone(TZ).date()
        assert 5 <= (p.planned_end - created).days <= 9
        assert last < p.planned_end
        # After the event the group empties out.
        leaves = [
            e
            for e in view.events
            if e.kind is EventKind.LEAVE and e.ts.astimezone(TZ).date() >= p.planned_end
        ]
        assert len(leaves) > 5


# ------------------------------------------------------------------------------------------ events


def test_source_ids_unique_and_times_utc() -> None:
    for gid, view in views().items():
        ids = [e.source_id for e in view.events]
        assert None not in ids
        assert len(ids) == len(set(ids)), gid
        assert all(e.ts.tzinfo is UTC for e in view.events)
        times = [e.ts for e in view.events]
        assert times == sorted(times), gid
        assert all(e.group.external_id == gid for e in view.events)


def test_replies_point_at_earlier_messages_of_the_same_group() -> None:
    for view in views().values():
        by_id = {e.source_id: e for e in view.events}
        for e in view.events:
            if e.reply_to_source_id is not None:
                target = by_id[e.reply_to_source_id]
                assert target.ts < e.ts


def test_events_arrive_group_by_group() -> None:
    seen: list[str] = []
    for e in community().events():
        if not seen or seen[-1] != e.group.external_id:
            seen.append(e.group.external_id)
    assert len(seen) == len(set(seen)) == 30


def test_member_ids_are_shared_across_groups_and_stable() -> None:
    groups_of: dict[str, set[str]] = defaultdict(set)
    names: dict[str, set[str]] = defaultdict(set)
    for gid, view in views().items():
        for e in view.events:
            if e.kind is EventKind.JOIN and e.member and e.member.external_id:
                groups_of[e.member.external_id].add(gid)
                names[e.member.external_id].add(e.member.name)
    multi = [m for m, gs in groups_of.items() if len(gs) > 1]
    assert len(multi) > 50
    assert all(len(n) == 1 for n in names.values())


def test_nobody_speaks_before_joining_or_after_leaving() -> None:
    for gid, view in views().items():
        joined: dict[str, datetime] = {}
        gone: dict[str, datetime] = {}
        for e in view.events:
            if e.member is None or not e.member.external_id:
                continue
            mid = e.member.external_id
            if e.kind is EventKind.JOIN:
                joined[mid] = e.ts
                gone.pop(mid, None)
            elif e.kind in (EventKind.LEAVE, EventKind.REMOVAL):
                gone[mid] = e.ts
            elif e.kind is EventKind.MESSAGE:
                assert mid in joined and mid not in gone, (gid, e)


def test_local_daily_rhythm_and_quieter_work_weekends() -> None:
    hours: Counter[int] = Counter()
    for view in views().values():
        for e in view.member_msgs:
            hours[e.ts.astimezone(TZ).hour] += 1
    assert hours[21] > 5 * hours[3]
    assert hours[12] > hours[15]
    assert hours[9] > 3 * hours[5]


# ------------------------------------------------------------------------------------------ people


def _last_30_days(view: GroupView, as_of: date) -> list[Event]:
    start = as_of - timedelta(days=29)
    return [e for e in view.member_msgs if start <= e.ts.astimezone(TZ).date() <= as_of]


def _members_at(view: GroupView, instant: datetime) -> set[str]:
    members: set[str] = set()
    for e in view.events:
        if e.ts > instant or e.member is None or not e.member.external_id:
            continue
        if e.kind is EventKind.JOIN:
            members.add(e.member.external_id)
        elif e.kind in (EventKind.LEAVE, EventKind.REMOVAL):
            members.discard(e.member.external_id)
    return members


def _gini(values: list[int]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    weighted = sum((i + 1) * v for i, v in enumerate(ordered))
    return (2 * weighted) / (n * sum(ordered)) - (n + 1) / n


def test_heavy_tail_most_members_lurk_and_few_talk_most() -> None:
    c = community()
    live = [g for g, f in c.truth.stage_plan.items() if f in ("thriving", "steady")]
    end = c.config.end
    instant = datetime.combine(end + timedelta(days=1), datetime.min.time(), TZ)
    shares = []
    for gid in live:
        view = views()[gid]
        msgs = _last_30_days(view, end)
        counts = sorted(Counter(e.member.external_id for e in msgs if e.member).values(), reverse=True)
        top = max(1, len(counts) // 10)
        shares.append(sum(counts[:top]) / sum(counts))
        assert _gini(counts) > 0.4, gid
        members = _members_at(view, instant) - c.truth.operator_ids - c.truth.bot_ids
        speakers = {e.member.external_id for e in msgs if e.member}
        assert len(members - speakers) > 0.5 * len(members), gid
    # Concentration: in the typical group the top 10% of speakers send most messages.
    assert sorted(shares)[len(shares) // 2] > 0.5


def test_invitation_cascades_first_invites_come_soon_after_joining() -> None:
    c = community()
    soon = late = 0
    depths: list[int] = []
    for gid, view in views().items():
        join_time: dict[str, datetime] = {}
        first_invite: dict[str, datetime] = {}
        inviter_of: dict[str, str] = {}
        channels: Counter[str] = Counter()
        for e in view.events:
            if e.kind is not EventKind.JOIN or e.member is None or not e.member.external_id:
                continue
            channels[e.payload["channel"]] += 1
            join_time[e.member.external_id] = e.ts
            if e.actor is not None and e.actor.external_id and e.payload["channel"] != "created":
                inviter = e.actor.external_id
                inviter_of[e.member.external_id] = inviter
                first_invite.setdefault(inviter, e.ts)
        for inviter, t in first_invite.items():
            if inviter in c.truth.operator_ids:
                continue
            if t - join_time[inviter] <= timedelta(days=3):
                soon += 1
            else:
                late += 1
        for member in inviter_of:
            depth, cur = 0, member
            while cur in inviter_of and depth < 50:
                cur = inviter_of[cur]
                depth += 1
            depths.append(depth)
        assert set(channels) <= {"invite", "qr", "link", "request", "created"}
        assert channels["created"] >= 3
        assert [(a, b) for a, b in c.truth.invitations[gid]] == [
            (e.actor.external_id, e.member.external_id)
            for e in view.events
            if e.kind is EventKind.JOIN
            and e.actor is not None
            and e.member is not None
            and e.payload["channel"] != "created"
        ]
    assert soon > 3 * late
    assert max(depths) >= 4  # chains, not just stars around the operators


def test_planted_answerers_answer_many_questions() -> None:
    c = community()
    end = c.config.end
    checked = 0
    for gid, experts in c.truth.experts.items():
        if c.truth.stage_plan[gid] not in ("thriving", "steady") or not experts:
            continue
        view = views()[gid]
        msgs = _last_30_days(view, end)
        by_id = {e.source_id: e for e in view.events}
        for expert in experts:
            answered = 0
            for e in msgs:
                if e.member and e.member.external_id == expert and e.reply_to_source_id:
                    q = by_id[e.reply_to_source_id]
                    assert q.member is not None
                    is_question = q.text.endswith(("?", "？")) or any(m in q.text for m in QUESTION_MARKERS)
                    if is_question and q.member.external_id != expert and e.ts - q.ts <= timedelta(hours=1):
                        answered += 1
            assert answered >= 5, (gid, expert, answered)
            checked += 1
    assert checked >= 3
    assert any(not experts for experts in c.truth.experts.values())  # some groups lack an answerer


def test_opinion_leaders_receive_the_most_replies_and_mentions() -> None:
    c = community()
    end = c.config.end
    checked = 0
    for gid, leaders in c.truth.opinion_leaders.items():
        if c.truth.stage_plan[gid] not in ("thriving", "steady") or not leaders:
            continue
        view = views()[gid]
        by_id = {e.source_id: e for e in view.events}
        received: Counter[str] = Counter()
        for e in _last_30_days(view, end):
            if e.reply_to_source_id:
                target = by_id[e.reply_to_source_id].member
                if (
                    target
                    and target.external_id
                    and target.external_id != (e.member.external_id if e.member else None)
                ):
                    received[target.external_id] += 1
            for m in e.mentions:
                if m.external_id:
                    received[m.external_id] += 1
        ranked = [m for m, _ in received.most_common()]
        top = ranked[: max(1, len(ranked) // 20 + 1)]
        assert leaders & set(top), (gid, received.most_common(3))
        checked += 1
    assert checked >= 3


# ------------------------------------------------------------------------------------------ red packets, spam


def test_red_packets_are_claimed_within_minutes() -> None:
    sent: dict[str, Event] = {}
    claims: dict[str, list[Event]] = defaultdict(list)
    for view in views().values():
        for e in view.events:
            if e.kind is EventKind.RED_PACKET_SENT:
                sent[e.payload["packet_id"]] = e
            elif e.kind is EventKind.RED_PACKET_CLAIMED:
                claims[e.payload["packet_id"]].append(e)
    assert len(sent) >= 10
    assert set(claims) <= set(sent)
    multi = 0
    for pid, packet in sent.items():
        got = claims.get(pid, [])
        assert len(got) <= packet.payload["count"]
        if len(got) >= 2:
            multi += 1
        for claim in got:
            assert timedelta(0) < claim.ts - packet.ts < timedelta(hours=2)
            assert claim.payload["sender"] == packet.member.external_id if packet.member else False
        if got:
            assert min(c.ts for c in got) - packet.ts < timedelta(minutes=10)
    assert multi > len(sent) // 2


def test_spam_keys_point_at_real_ads_from_planted_spammers() -> None:
    c = community()
    assert c.truth.spam_keys and c.truth.spammers
    found = {}
    for gid, view in views().items():
        for e in view.events:
            if (gid, e.source_id) in c.truth.spam_keys:
                found[(gid, e.source_id)] = e
    assert set(found) == c.truth.spam_keys
    ad_markers = ("V", "v", "薇信", "QQ", "http", "DM", "t.me", "whatsapp")
    for e in found.values():
        assert e.kind is EventKind.MESSAGE and e.member is not None
        assert e.member.external_id in c.truth.spammers
        assert any(m in e.text for m in ad_markers), e.text
    spam_groups = {g for g, _ in c.truth.spam_keys}
    assert any(len({g for g in spam_groups}) > 1 for _ in [0])
    # A spammer hits several groups, and admins removed some of them.
    for gid, spammer in c.truth.spam_removed:
        removals = [
            e
            for e in views()[gid].events
            if e.kind is EventKind.REMOVAL and e.member and e.member.external_id == spammer
        ]
        assert len(removals) == 1 and removals[0].actor is not None
        assert removals[0].actor.external_id in c.truth.operator_ids
    # Nothing but planted spam carries contact solicitations.
    for gid, view in views().items():
        for e in view.member_msgs:
            if "薇信" in e.text or "加V" in e.text or "t.me/" in e.text:
                assert (gid, e.source_id) in c.truth.spam_keys


def test_operators_welcome_newcomers_and_post_daily_topics() -> None:
    c = community()
    ops = c.truth.operator_ids
    welcomes = topics = 0
    for view in views().values():
        for e in view.events:
            if e.kind is EventKind.MESSAGE and e.member and e.member.external_id in ops:
                if e.mentions and ("欢迎" in e.text or "Welcome" in e.text):
                    welcomes += 1
                if "每日话题" in e.text or "Today's topic" in e.text:
                    topics += 1
    assert welcomes > 50 and topics > 100


def test_questions_and_answers_share_the_group_topic_language() -> None:
    zh_groups = en_groups = 0
    for view in views().values():
        texts = " ".join(e.text for e in view.member_msgs[:2000])
        cjk = sum(1 for ch in texts if "\u4e00" <= ch <= "\u9fff")
        if cjk > len(texts) * 0.2:
            zh_groups += 1
        else:
            en_groups += 1
    assert zh_groups > 0 and en_groups > 0


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        simulate(SimulationConfig(days=10))
    with pytest.raises(ValueError):
        simulate(SimulationConfig(groups=0))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fates_hold_for_other_seeds_and_windows(seed: int) -> None:
    config = SimulationConfig(seed=seed, groups=14, days=60, end=date(2026, 3, 1))
    c = simulate(config)
    ops = frozenset(c.truth.operator_ids)
    grouped: dict[str, list[Event]] = defaultdict(list)
    for e in c.events():
        grouped[e.group.external_id].append(e)
    for profile in c.profiles:
        view = GroupView(grouped[profile.external_id], ops)
        temporary = profile.duration_kind is DurationKind.TEMPORARY
        assert (
            view.stage(config.end, temporary, profile.planned_end) == c.truth.stage_plan[profile.external_id]
        )

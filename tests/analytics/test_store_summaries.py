"""Hand-built histories through the real store (SQLite and PostgreSQL): import, fill rollups, summarize."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, update

from qunops.analytics.briefing import daily_briefing
from qunops.analytics.detail import group_detail
from qunops.analytics.groups import GroupSummary, group_summaries
from qunops.analytics.overview import group_rows
from qunops.core.events import Event
from qunops.core.time import day_end_us, to_us
from qunops.ingestion import import_events
from qunops.store.registry import mark_operators
from qunops.store.rollups import fill_rollups
from qunops.store.schema import memberships
from tests.factories import join, leave, message, person

DAY0 = date(2024, 5, 1)  # T0 is 10:00 on this day in Asia/Shanghai


def at(day: int, minutes: int = 0) -> timedelta:
    return timedelta(days=day, minutes=minutes)


def qa(asker: int, answerer: int, day: int, start: int, count: int) -> list[Event]:
    """`count` questions, each answered one minute later by a reply to it."""
    found: list[Event] = []
    for n in range(count):
        question = message(asker, at(day, start + 10 * n), f"请问第{n}个问题怎么办？")
        found.append(question)
        found.append(
            message(answerer, at(day, start + 10 * n + 1), "看群公告", reply_to_source_id=question.source_id)
        )
    return found


def history() -> list[Event]:
    events: list[Event] = [join(n, at(0, -60)) for n in range(1, 11)]
    events += qa(1, 5, 0, 0, 5)  # day 0: active (10 messages, 2 speakers); member 5 answers 5
    events += qa(2, 6, 1, 0, 4)  # day 1: active; member 6 answers 4
    events += [message(1, at(2, 0)), message(2, at(2, 1))]  # day 2: 2 messages: not active
    events += [message(3, at(3, n)) for n in range(3)]  # day 3: 3 messages, 1 speaker: not active
    events += [message(3, at(4, 0)), message(4, at(4, 1)), message(3, at(4, 2))]  # day 4: active
    events += [message(20, at(5, n), "今日话题") for n in range(5)]  # day 5: the operator account only
    events += [message(7, at(6, 0)), message(8, at(6, 1)), message(7, at(6, 2))]  # day 6: active
    events.append(leave(10, at(6, 30)))
    return events


@pytest.fixture
def filled(engine: Engine, workspace: int) -> Engine:
    import_events(engine, workspace, iter(history()))
    with engine.begin() as connection:
        mark_operators(connection, workspace, [person(20)])
    fill_rollups(engine)
    return engine


def summary(engine: Engine, workspace: int, as_of: date) -> GroupSummary:
    with engine.connect() as connection:
        found = group_summaries(connection, workspace, as_of)
    assert len(found) == 1
    return found[0]


def test_metrics_and_stage_as_of_the_sixth_day(filled: Engine, workspace: int) -> None:
    s = summary(filled, workspace, DAY0 + timedelta(days=6))
    assert s.stage == "launching"  # created 6 days before: younger than 7 days
    assert s.wad == 4  # days 0, 1, 4, 6
    assert s.messages_per_active_day == (10 + 8 + 3 + 3) / 4
    assert s.new_member_speakers_per_active_day == 2.0  # everyone joined on day 0
    assert s.members == 9  # 10 joined, 1 left; the operator account is not a member
    assert s.daily_member_messages[-7:] == [10, 8, 2, 3, 3, 0, 3]  # the operator's day counts nothing
    # Last member message at 10:02 local on day 6; silence is taken at midnight: 13 h 58 min.
    assert s.silence_hours == pytest.approx(13 + 58 / 60)
    # Young, few active members, and the official account answers nobody: the seeds want a helper.
    assert [a.kind for a in s.alerts] == ["silence", "role:young_group_helper"]
    assert s.responsiveness.questions == 9 and s.responsiveness.answered_share == 1.0
    assert s.responsiveness.median_answer_s == 60.0


def test_roles_as_of_the_seventh_day(filled: Engine, workspace: int) -> None:
    s = summary(filled, workspace, DAY0 + timedelta(days=7))
    assert s.stage == "steady"  # WAD 3 (days 1, 4, 6)
    roles = {m.member_id: set(map(str, m.roles)) for m in s.roles.members}
    names = {m.member_id: m.name for m in s.roles.members}
    by_name = {names[k]: v for k, v in roles.items()}
    assert "answerer" in by_name["member5"] and "answerer" not in by_name["member6"]
    assert "opinion_leader" in by_name["member1"]  # 5 replies received, the top of 9 members
    assert sum("opinion_leader" in r for r in by_name.values()) == 1
    assert {n for n, r in by_name.items() if "regular" in r} == {"member1", "member2", "member3"}
    assert {n for n, r in by_name.items() if "lurker" in r} == {"member9"}
    assert all("newcomer" in r for n, r in by_name.items() if n != "member20")  # joined 7 days before
    assert "official" in by_name["member20"]
    assert s.speakers_30d == 8 and s.speaker_ratio == pytest.approx(8 / 9)
    assert s.lurker_share == pytest.approx(1 / 9)
    later = summary(filled, workspace, DAY0 + timedelta(days=8))
    assert not any("newcomer" in m.roles for m in later.roles.members)


def test_dormant_then_dead_at_14_silent_days(filled: Engine, workspace: int) -> None:
    assert summary(filled, workspace, DAY0 + timedelta(days=8)).stage == "steady"
    assert summary(filled, workspace, DAY0 + timedelta(days=9)).stage == "dormant"  # 3 silent days
    assert summary(filled, workspace, DAY0 + timedelta(days=19)).stage == "dormant"  # 13 silent days
    dead = summary(filled, workspace, DAY0 + timedelta(days=20))  # 14 silent days
    assert dead.stage == "dead" and [a.kind for a in dead.alerts] == ["dead"]


def test_a_groups_members_say_when_they_last_spoke_months_later(filled: Engine, workspace: int) -> None:
    # As of 100 days on, everyone is a lurker, and each row still says the last day they spoke (the
    # roles look back a few weeks only); as of day 3, a day spoken after it is not counted.
    group_id = summary(filled, workspace, DAY0).id
    with filled.connect() as connection:
        later = group_detail(connection, group_id, DAY0 + timedelta(days=100))
        earlier = group_detail(connection, group_id, DAY0 + timedelta(days=3))
    assert later is not None and earlier is not None
    last = {m.name: m.last_active for m in later.members}
    assert all(m.roles == ["lurker"] for m in later.members if m.name != "member20")
    assert last == {
        "member1": DAY0 + timedelta(days=2),
        "member2": DAY0 + timedelta(days=2),
        "member3": DAY0 + timedelta(days=4),
        "member4": DAY0 + timedelta(days=4),
        "member5": DAY0,
        "member6": DAY0 + timedelta(days=1),
        "member7": DAY0 + timedelta(days=6),
        "member8": DAY0 + timedelta(days=6),
        "member9": None,  # never spoke
        "member20": DAY0 + timedelta(days=5),
    }
    assert {m.name: m.last_active for m in earlier.members}["member3"] == DAY0 + timedelta(days=3)


def test_designated_roles_survive_and_detail_and_briefing(filled: Engine, workspace: int) -> None:
    with filled.begin() as connection:
        connection.execute(update(memberships).values(roles=["expert"]).where(memberships.c.member_id == 6))
    s = summary(filled, workspace, DAY0 + timedelta(days=7))
    assert {str(r) for m in s.roles.members if m.member_id == 6 for r in m.roles} >= {"expert"}
    with filled.connect() as connection:
        detail = group_detail(connection, s.id, DAY0 + timedelta(days=7), days=10)
        briefing = daily_briefing(connection, workspace, DAY0 + timedelta(days=7))
    assert detail is not None
    assert detail.member_messages == [0, 0, 10, 8, 2, 3, 3, 0, 3, 0]
    assert detail.wad == [0, 0, 1, 2, 2, 2, 3, 3, 4, 3]
    assert detail.leaves[-2] == 1 and detail.joins[2] == 10
    assert sum(map(sum, detail.heatmap)) == 29
    assert detail.heatmap[DAY0.weekday()][10] == 10  # day 0's messages, all at 10:xx local
    assert detail.pyramid == {"core": 0, "regular": 3, "occasional": 5, "lurker": 1}
    assert detail.newcomers_joined_30d == 9 and detail.newcomers_spoke_within_week == 8
    assert [i.group_id for i in briefing.items] == [s.id]
    assert briefing.items[0].actions[0].action == "daily_topic"


def test_summaries_read_beside_the_caller_equal_those_read_in_one_connection(
    filled: Engine, workspace: int
) -> None:
    # On a connection with no transaction yet, the heaviest loader runs on a second connection in a
    # thread; inside a transaction everything is read on the caller's connection. Both read the same.
    with filled.connect() as connection:
        beside = group_summaries(connection, workspace, DAY0 + timedelta(days=6))
    with filled.connect() as connection:
        connection.exec_driver_sql("SELECT 1")  # a transaction of its own: one connection only
        alone = group_summaries(connection, workspace, DAY0 + timedelta(days=6))
    assert beside == alone
    assert beside[0].speakers_30d > 0 and any(m.messages_30 for m in beside[0].roles.members)


def test_quiet_hours_set_as_thresholds_leave_the_night_out_of_the_silence_alert(
    filled: Engine, workspace: int
) -> None:
    import dataclasses

    from qunops.console.state import parse_thresholds
    from qunops.core.thresholds import DEFAULT_THRESHOLDS

    day = DAY0 + timedelta(days=6)  # the last messages are at about 10:30; the day ends 13.5 hours later
    nights = dataclasses.replace(DEFAULT_THRESHOLDS, quiet_hours_start=20, quiet_hours_end=8)
    with filled.connect() as connection:
        (plain,) = group_summaries(connection, workspace, day)
        (quiet,) = group_summaries(connection, workspace, day, thresholds=nights)
    assert plain.silence_hours is not None and plain.silence_hours > 12
    assert quiet.silence_hours == plain.silence_hours  # the measure itself is unchanged
    assert "silence" in {a.kind for a in plain.alerts} and "silence" not in {a.kind for a in quiet.alerts}
    overrides, errors = parse_thresholds({"quiet_hours_start": "23", "quiet_hours_end": "24"})
    assert overrides == {"quiet_hours_start": 23} and errors == {"quiet_hours_end": "an hour from 0 to 23"}


def test_a_summary_is_the_same_whatever_span_of_days_was_loaded(engine: Engine, workspace: int) -> None:
    """The overview loads 30 days of rollups, a group's page 84 for its charts: both pages tell the same
    stage, health, alerts and recommendations (the red packet advice looked at all the days loaded)."""
    from qunops.analytics.groups import summarize
    from qunops.analytics.history import load_histories
    from qunops.simulate import SimulationConfig, simulate

    community = simulate(SimulationConfig(seed=11, groups=30, days=120))
    import_events(engine, workspace, community.events())
    fill_rollups(engine)
    end = max(event.ts for event in community.events()).date()
    older_packets = 0
    with engine.connect() as connection:
        for as_of in (end - timedelta(days=back) for back in range(0, 60, 6)):
            short = load_histories(connection, workspace, as_of, days_back=30)
            long = load_histories(connection, workspace, as_of, days_back=84)
            for few, many in zip(short, long, strict=True):
                assert summarize(few).as_json() == summarize(many).as_json()
                older = [d for d in many.days.values() if d.red_packets_sent and d.day not in few.days]
                older_packets += len(older)
    assert older_packets > 0  # the longer span did see red packets the shorter one did not


def test_silence_of_today_is_taken_now_and_of_a_past_date_at_its_end(engine: Engine, workspace: int) -> None:
    """Product: "instant measures such as silence are taken at the end of that date. Without a date: now."
    The end of today is still to come, so a live view counts silence up to now, never beyond it."""
    zone = ZoneInfo("Asia/Shanghai")
    now = datetime.now(UTC)
    earlier, last = now - timedelta(hours=50), now - timedelta(hours=2)
    events = [join(1, earlier - timedelta(hours=1)), join(2, earlier - timedelta(hours=1))]
    events += [message(1, earlier), message(2, earlier + timedelta(minutes=1)), message(1, last)]
    import_events(engine, workspace, iter(events))
    fill_rollups(engine)
    today = now.astimezone(zone).date()
    live = summary(engine, workspace, today)
    assert live.silence_hours is not None and 2.0 <= live.silence_hours < 2.1
    assert not [a for a in live.alerts if a.kind == "silence"]  # 2 hours: no alert (it comes at 12)
    past = today - timedelta(days=1)
    end = day_end_us(past, zone)
    spoke = [to_us(t) for t in (earlier, earlier + timedelta(minutes=1), last) if to_us(t) < end]
    assert spoke  # the day before today had a message of the earlier ones
    assert summary(engine, workspace, past).silence_hours == pytest.approx((end - max(spoke)) / 3.6e9)


def test_speakers_who_left_are_not_members_of_the_ratio_but_count_in_the_concentration(
    engine: Engine, workspace: int
) -> None:
    """Four join, three speak, two of those leave: of the two members left one spoke (ratio 0.5, lurker
    share 0.5, never a ratio above 1 beside a lurker share); the concentration still weighs all three."""
    events = [join(n, at(0, -60)) for n in range(1, 5)]
    events += [message(1, at(0, 0)), message(2, at(0, 1)), message(2, at(0, 2)), message(3, at(0, 3))]
    events += [leave(2, at(1, 0)), leave(3, at(1, 1))]
    import_events(engine, workspace, iter(events))
    fill_rollups(engine)
    s = summary(engine, workspace, DAY0 + timedelta(days=2))
    assert (s.members, s.speakers_30d) == (2, 1)
    assert s.speaker_ratio == 0.5 and s.lurker_share == 0.5
    assert s.concentration.top_share == pytest.approx(2 / 4)  # the top speaker (member 2) of all four


def test_a_group_whose_history_begins_after_the_date_is_not_among_the_groups_of_that_date(
    filled: Engine, workspace: int
) -> None:
    with filled.connect() as connection:
        before = group_summaries(connection, workspace, DAY0 - timedelta(days=10))
        first = group_summaries(connection, workspace, DAY0)
        group = first[0].id
        asked = group_summaries(connection, workspace, DAY0 - timedelta(days=10), [group])
    assert before == [] and [s.id for s in first] == [group]
    assert [s.id for s in asked] == [group]  # asked for by id, it is still given (its page can say why)


def test_the_group_list_counts_members_as_the_reports_do(filled: Engine, workspace: int) -> None:
    """`qunops groups` and the reports: the workspace's own account (member 20) is no member of either."""
    with filled.connect() as connection:
        [row] = group_rows(connection, workspace, DAY0 + timedelta(days=6))
    assert row.members == summary(filled, workspace, DAY0 + timedelta(days=6)).members == 9


def test_the_role_counts_and_the_pyramid_count_the_members_the_summary_counts(
    engine: Engine, workspace: int
) -> None:
    """The workspace's own account (20) talks as much as the busiest member: it is core by behaviour but
    counts as an official account only, so the role counts agree with the pyramid and the member count."""
    events = [join(n, at(0, -60)) for n in (1, 2, 3, 20)]
    for day in range(8):
        events += [message(20, at(day, 0)), message(1, at(day, 1)), message(2, at(day, 2))]
        events += [message(20, at(day, 3)), message(1, at(day, 4))]
    import_events(engine, workspace, iter(events))
    with engine.begin() as connection:
        mark_operators(connection, workspace, [person(20)])
    fill_rollups(engine)
    as_of = DAY0 + timedelta(days=8)
    with engine.connect() as connection:
        detail = group_detail(connection, summary(engine, workspace, as_of).id, as_of)
    assert detail is not None
    assert detail.summary.members == 3 == sum(detail.pyramid.values())
    assert detail.role_counts["core"] == detail.pyramid["core"] == 2  # members 1 and 2, not the account
    assert detail.role_counts["official"] == 1

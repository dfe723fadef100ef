"""Pure rules at both sides of every boundary of product.md's definitions, on hand-made rollups."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qunops.core.daily import GroupDay, StoredEvent, is_question, match_answers
from qunops.core.events import EventKind
from qunops.core.health import HealthInputs, health_score
from qunops.core.lifecycle import LifecycleFacts, Stage, days_old, lifecycle_facts, lifecycle_stage
from qunops.core.metrics import (
    concentration,
    end_of_day_us,
    gini,
    is_active,
    lurkers,
    messages_per_active_day,
    new_member_speakers_per_active_day,
    red_packet_speed,
    responsiveness,
    silence_hours,
    speaker_ratio,
    trailing_days,
    wad_series,
    weekly_active_days,
)
from qunops.core.roles import (
    ActiveDay,
    GroupShape,
    MemberFacts,
    Role,
    group_roles,
    infer_member_roles,
    opinion_leaders,
)

AS_OF = date(2016, 8, 7)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def days_of(*specs: tuple[int, int, int]) -> dict[date, GroupDay]:
    """(days before AS_OF, member messages, speakers) → rollups."""
    return {
        AS_OF - timedelta(days=back): GroupDay(AS_OF - timedelta(days=back), member_messages=m, speakers=s)
        for back, m, s in specs
    }


def test_trailing_window_ends_with_the_date_inclusive() -> None:
    window = trailing_days(AS_OF, 7)
    assert window[0] == date(2016, 8, 1) and window[-1] == date(2016, 8, 7) and len(window) == 7


@pytest.mark.parametrize(
    ("messages", "speakers", "active"),
    [(2, 2, False), (3, 2, True), (3, 1, False), (10, 1, False), (3, 3, True)],
)
def test_active_day_needs_three_messages_from_two_members(messages: int, speakers: int, active: bool) -> None:
    assert is_active(messages, speakers) is active


def test_wad_counts_active_days_of_the_trailing_week_only() -> None:
    rollups = days_of((0, 3, 2), (6, 5, 2), (7, 50, 9), (1, 2, 2), (2, 9, 1))
    assert weekly_active_days(rollups, AS_OF) == 2  # the day 7 days before is outside the window
    assert messages_per_active_day(rollups, AS_OF) == 4.0  # (3 + 5) / 2; inactive days left out
    assert wad_series(rollups, AS_OF - timedelta(days=1), AS_OF) == [2, 2]  # as of the 6th: days 7 and 6 back


def test_new_member_speakers_are_averaged_over_active_days() -> None:
    rollups = days_of((0, 3, 2), (1, 4, 2), (2, 1, 1))
    rollups[AS_OF].new_member_speakers = 2
    rollups[AS_OF - timedelta(days=2)].new_member_speakers = 1  # not an active day: not counted
    assert new_member_speakers_per_active_day(rollups, AS_OF) == 1.0
    assert new_member_speakers_per_active_day({}, AS_OF) == 0.0


def test_red_packet_medians_over_claimed_packets() -> None:
    rollups = days_of((0, 3, 2), (3, 3, 2))
    rollups[AS_OF].red_packets_sent = 2
    rollups[AS_OF].red_packets_claimed = 10
    rollups[AS_OF].red_packet_first_claim_s = [4.0, 10.0]
    rollups[AS_OF].red_packet_last_claim_s = [60.0, 100.0]
    rollups[AS_OF - timedelta(days=3)].red_packets_sent = 1
    rollups[AS_OF - timedelta(days=3)].red_packets_claimed = 2
    rollups[AS_OF - timedelta(days=3)].red_packet_first_claim_s = [30.0]
    rollups[AS_OF - timedelta(days=3)].red_packet_last_claim_s = [50.0]
    speed = red_packet_speed(rollups, AS_OF)
    assert (speed.packets, speed.claimed_packets) == (3, 3)
    assert speed.median_first_claim_s == 10.0 and speed.median_last_claim_s == 60.0
    assert speed.claims_per_packet == 4.0


def test_silence_alert_boundary_11_59_vs_12_00() -> None:
    end = end_of_day_us(AS_OF, SHANGHAI)
    minute = 60_000_000
    hours_1159 = silence_hours(end - (11 * 60 + 59) * minute, end)
    hours_1200 = silence_hours(end - 12 * 60 * minute, end)
    assert hours_1159 is not None and hours_1159 < 12 <= (hours_1200 or 0)
    from qunops.analytics.alerts import silence_alert

    assert silence_alert(hours_1159) is None
    assert silence_alert(hours_1200) is not None


def test_silence_is_taken_at_local_midnight_and_quiet_hours_do_not_count() -> None:
    end = end_of_day_us(AS_OF, SHANGHAI)
    assert datetime.fromtimestamp(end / 1e6, UTC) == datetime(2016, 8, 7, 16, 0, tzinfo=UTC)
    last = end - 14 * 3_600_000_000  # 10:00 local
    assert silence_hours(last, end) == 14.0
    # Quiet from 23:00 to 08:00: the last hour before midnight does not count.
    assert silence_hours(last, end, SHANGHAI, (23, 8)) == 13.0
    assert silence_hours(None, end) is None


def test_speaker_ratio_lurkers_concentration_and_gini() -> None:
    assert speaker_ratio(3, 12) == 0.25 and speaker_ratio(1, 0) == 0.0
    last = {1: AS_OF, 2: AS_OF - timedelta(days=29), 3: AS_OF - timedelta(days=30), 4: None}
    assert lurkers(last, AS_OF, 30) == {3, 4}
    assert lurkers(last, AS_OF, 84) == {4}
    counts = [1] * 9 + [91]
    found = concentration(counts)
    assert found.top_speakers == 1 and found.top_share == 0.91
    assert gini([5, 5, 5]) == 0.0
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)
    assert concentration([]).top_share == 0.0


def test_responsiveness_share_and_median() -> None:
    rollups = days_of((0, 3, 2), (29, 3, 2), (30, 3, 2))
    for back, asked, answered, delays in (
        (0, 4, 2, [60.0, 600.0]),
        (29, 1, 1, [30.0]),
        (30, 5, 5, [1.0] * 5),
    ):
        day = rollups[AS_OF - timedelta(days=back)]
        day.questions, day.questions_answered, day.answer_delays_s = asked, answered, delays
    found = responsiveness(rollups, AS_OF)
    assert (found.questions, found.answered) == (5, 3)  # the 31st day back is outside the window
    assert found.answered_share == 0.6 and found.median_answer_s == 60.0
    assert responsiveness({}, AS_OF).answered_share is None


def facts(**changes: object) -> LifecycleFacts:
    base = LifecycleFacts(
        as_of=AS_OF,
        created=AS_OF - timedelta(days=100),
        temporary=False,
        planned_end=None,
        wad=5,
        messages_last_week=100,
        messages_week_before=100,
        silent_days=0.2,
    )
    return (
        LifecycleFacts(**{**base.__dict__, **changes})
        if hasattr(base, "__dict__")
        else _replace(base, changes)
    )


def _replace(base: LifecycleFacts, changes: dict[str, object]) -> LifecycleFacts:
    from dataclasses import replace

    return replace(base, **changes)  # type: ignore[arg-type]


def stage(**changes: object) -> Stage:
    return lifecycle_stage(facts(**changes)).stage


def test_stage_boundaries() -> None:
    assert stage() is Stage.THRIVING
    assert stage(wad=4) is Stage.THRIVING and stage(wad=3) is Stage.STEADY and stage(wad=2) is Stage.STEADY
    assert stage(wad=1) is Stage.COOLING and stage(wad=0) is Stage.COOLING
    # A 39% drop is not cooling; 40% is.
    assert stage(messages_last_week=61) is Stage.THRIVING
    assert stage(messages_last_week=60) is Stage.COOLING
    assert stage(messages_week_before=0, messages_last_week=0, wad=4) is Stage.THRIVING
    # Dormant 3–13 days of silence, dead at 14.
    assert stage(silent_days=2.99) is Stage.THRIVING
    assert stage(silent_days=3.0) is Stage.DORMANT
    assert stage(silent_days=13.99) is Stage.DORMANT
    assert stage(silent_days=14.0) is Stage.DEAD
    # Launching below 7 days of age, unless silent.
    assert stage(created=AS_OF - timedelta(days=6), wad=0) is Stage.LAUNCHING
    assert stage(created=AS_OF - timedelta(days=7), wad=0) is Stage.COOLING
    assert stage(created=AS_OF - timedelta(days=2), silent_days=3.0) is Stage.DORMANT


def test_temporary_group_past_planned_end_is_completed_not_dead() -> None:
    end = AS_OF - timedelta(days=20)
    assert stage(temporary=True, planned_end=end, silent_days=19.0) is Stage.COMPLETED
    assert stage(temporary=True, planned_end=AS_OF, silent_days=19.0) is Stage.DEAD  # not past it yet
    assert stage(temporary=False, planned_end=end, silent_days=19.0) is Stage.DEAD


def test_dead_at_14_silent_days_counted_from_the_last_member_message() -> None:
    last_day = AS_OF - timedelta(days=14)
    last_us = end_of_day_us(last_day, SHANGHAI) - 5 * 3_600_000_000  # 19:00 local on that day
    rollups = {last_day: GroupDay(last_day, member_messages=5, speakers=2)}

    def at(as_of: date) -> Stage:
        found = lifecycle_facts(
            rollups,
            as_of,
            AS_OF - timedelta(days=60),
            False,
            None,
            last_us,
            None,
            end_of_day_us(as_of, SHANGHAI),
        )
        return lifecycle_stage(found).stage

    assert at(AS_OF - timedelta(days=1)) is Stage.DORMANT  # 13 silent days
    assert at(AS_OF) is Stage.DEAD  # 14 silent days
    assert at(last_day + timedelta(days=2)) is Stage.COOLING  # 2 silent days, WAD 1
    assert at(last_day + timedelta(days=3)) is Stage.DORMANT


def inputs(**changes: float | int | None) -> HealthInputs:
    values: dict[str, float | int | None] = {
        "wad": 3,
        "messages_per_active_day": 20.0,
        "speaker_ratio": 0.2,
        "new_member_speakers_per_active_day": 0.5,
        "answered_share": 0.5,
        "silence_hours": 6.0,
    }
    values.update(changes)
    return HealthInputs(**values)  # type: ignore[arg-type]


def test_health_score_rises_when_any_component_improves() -> None:
    grid = {
        "wad": [0, 1, 3, 4, 7],
        "messages_per_active_day": [0.0, 3.0, 30.0, 300.0],
        "speaker_ratio": [0.0, 0.05, 0.3, 1.0],
        "new_member_speakers_per_active_day": [0.0, 0.5, 2.0],
        "answered_share": [0.0, 0.4, 1.0],
        "silence_hours": [200.0, 24.0, 1.0, 0.0],  # improving means less silence
    }
    names = list(grid)
    for point in itertools.product(*(range(len(v)) for v in grid.values())):
        if sum(point) % 5:  # a spread-out sample of the grid keeps this fast
            continue
        base = {n: grid[n][i] for n, i in zip(names, point, strict=True)}
        score = health_score(inputs(**base)).score
        assert 0 <= score <= 100
        for n, i in zip(names, point, strict=True):
            if i + 1 < len(grid[n]):
                better = health_score(inputs(**{**base, n: grid[n][i + 1]})).score
                assert better > score, (n, base)


def test_health_explains_every_component_and_handles_missing_questions() -> None:
    found = health_score(inputs(answered_share=None))
    assert len(found.components) == 6 and len(found.explanation()) == 6
    assert sum(c.weight for c in found.components) == pytest.approx(100)
    assert "no question" in found.explanation()[4]
    assert (
        health_score(
            inputs(
                wad=7,
                messages_per_active_day=1e9,
                speaker_ratio=1,
                new_member_speakers_per_active_day=1e9,
                answered_share=1,
                silence_hours=0,
            )
        ).score
        > 99
    )
    assert (
        health_score(
            inputs(
                wad=0,
                messages_per_active_day=0,
                speaker_ratio=0,
                new_member_speakers_per_active_day=0,
                answered_share=0,
                silence_hours=None,
            )
        ).score
        == 0
    )


def spoke(*backs: int, answers: int = 0, received: int = 0) -> list[ActiveDay]:
    days = [ActiveDay(AS_OF - timedelta(days=b), 1) for b in backs]
    if answers or received:
        days.append(ActiveDay(AS_OF - timedelta(days=backs[0] if backs else 0), 0, answers, received))
    return days


def roles_of(member: MemberFacts) -> set[Role]:
    return set(infer_member_roles(member, AS_OF)[0])


def test_core_at_7_of_30_days_and_regular_at_2_of_14() -> None:
    assert Role.CORE not in roles_of(
        MemberFacts(1, days=spoke(0, 3, 6, 9, 12, 20, 30))
    )  # 7th is 30 days back
    assert Role.CORE in roles_of(MemberFacts(1, days=spoke(0, 3, 6, 9, 12, 20, 29)))
    assert Role.REGULAR in roles_of(MemberFacts(1, days=spoke(0, 13)))
    assert Role.REGULAR not in roles_of(MemberFacts(1, days=spoke(0, 14)))


def test_newcomer_lurker_and_slipping() -> None:
    assert Role.NEWCOMER in roles_of(MemberFacts(1, joined=AS_OF - timedelta(days=7)))
    assert Role.NEWCOMER not in roles_of(MemberFacts(1, joined=AS_OF - timedelta(days=8)))
    assert Role.LURKER in roles_of(MemberFacts(1, days=spoke(30)))
    assert Role.LURKER not in roles_of(MemberFacts(1, days=spoke(29)))
    # Regular until 7 days ago (two days in the 14 before), then silent: slipping.
    assert Role.SLIPPING in roles_of(MemberFacts(1, days=spoke(7, 10)))
    assert Role.SLIPPING not in roles_of(MemberFacts(1, days=spoke(6, 10)))  # silent only 6 days
    assert Role.SLIPPING in roles_of(MemberFacts(1, days=spoke(28, 30)))
    assert Role.SLIPPING not in roles_of(MemberFacts(1, days=spoke(29, 31)))  # silent 29 days
    assert Role.SLIPPING not in roles_of(MemberFacts(1, days=spoke(10)))  # never regular


def test_answerer_at_5_answers_in_30_days() -> None:
    assert Role.ANSWERER not in roles_of(MemberFacts(1, days=spoke(0, answers=4)))
    assert Role.ANSWERER in roles_of(MemberFacts(1, days=spoke(0, answers=5)))
    assert Role.ANSWERER not in roles_of(MemberFacts(1, days=spoke(30, answers=9)))


def test_opinion_leaders_are_the_top_5_percent_with_at_least_one_person() -> None:
    received = {n: n for n in range(1, 41)}  # 40 members: 5% is 2 people
    assert opinion_leaders(received, 40) == [40, 39]
    assert opinion_leaders(received, 19) == [40]  # under 20 members 5% rounds to 0: still one
    assert opinion_leaders({1: 2}, 10) == []  # two replies received make no leader
    assert opinion_leaders({1: 3, 2: 3}, 10) == [1]


def test_role_checks_and_suggestions() -> None:
    officials = [MemberFacts(n, f"op{n}", is_operator=True) for n in range(4)]
    answerer = MemberFacts(10, "Ann", days=spoke(0, 1, answers=6, received=1))
    leader = MemberFacts(11, "Leo", days=spoke(0, received=9))
    reading = group_roles(
        [*officials, answerer, leader], AS_OF, GroupShape("interest", 60, AS_OF - timedelta(days=90))
    )
    checks = {c.rule: c.ok for c in reading.checks}
    assert checks == {"official_accounts": False, "expert_or_answerer": True, "opinion_leader": True}
    assert {(s.member_id, str(s.role)) for s in reading.suggestions} == {(10, "expert"), (11, "kol")}
    lonely = group_roles(
        [MemberFacts(1, "Bo", days=spoke(0))], AS_OF, GroupShape("industry", 60, AS_OF - timedelta(days=10))
    )
    checks = {c.rule: c.ok for c in lonely.checks}
    assert checks == {
        "official_accounts": True,
        "expert_or_answerer": False,
        "young_group_helper": False,
        "opinion_leader": False,
    }
    helper = MemberFacts(2, "Op", is_operator=True, days=spoke(0, answers=1))
    helped = group_roles([helper], AS_OF, GroupShape("fan", 10, AS_OF - timedelta(days=29)))
    assert {c.rule: c.ok for c in helped.checks} == {"official_accounts": True, "young_group_helper": True}
    assert group_roles([helper], AS_OF, GroupShape("fan", 10, AS_OF - timedelta(days=30))).checks[1:] == []


def test_spammer_flag_passes_through() -> None:
    assert Role.SUSPECTED_SPAMMER in roles_of(MemberFacts(1, flagged_spam=True))


def test_member_roles_from_a_mask_equal_roles_from_days() -> None:
    import random

    rng = random.Random(5)
    for _ in range(400):
        backs = sorted(rng.sample(range(58), rng.randint(0, 12)))
        mask = sum(1 << b for b in backs)
        by_days = MemberFacts(1, days=spoke(*backs))
        by_mask = MemberFacts(1, spoke_mask=mask)
        assert infer_member_roles(by_days, AS_OF)[0] == infer_member_roles(by_mask, AS_OF)[0], backs


def test_silent_members_from_the_store_get_what_the_general_rules_give() -> None:
    # The store hands in a mask and 30-day totals; a member silent for the mask's whole span takes a
    # shortcut, which must agree with the rules applied to the same facts given as days.
    for joined_back, received in itertools.product((None, 0, 7, 8, 40), (0, 3)):
        joined = None if joined_back is None else AS_OF - timedelta(days=joined_back)
        by_days = MemberFacts(1, "a", joined=joined, days=spoke(received=received))
        shortcut = MemberFacts(1, "a", joined=joined, spoke_mask=0, totals_30=(0, 0, received))
        assert infer_member_roles(shortcut, AS_OF) == infer_member_roles(by_days, AS_OF), (joined, received)
    assert Role.LURKER in roles_of(MemberFacts(1, spoke_mask=0, totals_30=(0, 0, 0)))
    assert Role.NEWCOMER in roles_of(MemberFacts(1, joined=AS_OF, spoke_mask=0, totals_30=(0, 0, 0)))


# product.md's definition of a question, written as the plain pattern it is.
QUESTION_RULE = re.compile(r"(?:[？?]\s*$)|请问|怎么|如何|有没有|吗")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("几点开始？", True),
        ("what time?  \n", True),
        ("请问这个怎么报名", True),
        ("有没有人去", True),
        ("好吗", True),
        ("如何", True),
        ("? is how this starts", False),
        ("明天见", False),
        ("问一下", False),  # 问 alone is not 请问
        ("", False),
        ("end?\u3000", True),  # an ideographic space is whitespace too
        ("end?\u200b", False),  # a zero-width space is not
    ],
)
def test_a_question_ends_in_a_question_mark_or_holds_a_question_word(text: str, expected: bool) -> None:
    assert is_question(text) is expected


@settings(max_examples=400)
@given(st.text(alphabet=st.sampled_from(list("?？ \t\n\u3000\u200b\xa0请问怎么如何有没吗ab好"))))
def test_the_question_test_follows_the_rule_exactly(text: str) -> None:
    assert is_question(text) is bool(QUESTION_RULE.search(text))


def test_a_group_no_longer_run_gets_no_role_checks() -> None:
    """A temporary group past its end (or a dead one) is not short of helpers or answerers."""
    quiet = [MemberFacts(1, "Bo", days=spoke(0))]
    young = AS_OF - timedelta(days=10)
    running = group_roles(quiet, AS_OF, GroupShape("industry", 60, young)).checks
    assert {c.rule for c in running if not c.ok} >= {"young_group_helper", "expert_or_answerer"}
    assert group_roles(quiet, AS_OF, GroupShape("industry", 60, young, operating=False)).checks == []


def test_an_answer_in_the_same_minute_counts_when_it_comes_after_the_question() -> None:
    """Exports with minute precision stamp a question and its quick answer alike; their order tells."""
    minute = 1_700_000_040_000_000

    def said(member: int, text: str, n: int) -> StoredEvent:
        return StoredEvent(minute, EventKind.MESSAGE, member, text, bytes([n]), None, None)

    before, question, after = said(2, "hi", 1), said(1, "Isn't it?", 2), said(2, "yes", 3)
    answered = match_answers([question], [before, question, after], {})
    assert [(q.text, who, delay) for q, who, delay in answered] == [("Isn't it?", 2, 0.0)]
    assert match_answers([question], [before, question], {}) == []  # what came before is no answer


def test_a_group_s_age_reads_in_words() -> None:
    assert [str(days_old(n)) for n in (0, 1, 5)] == ["created today", "1 day old", "5 days old"]

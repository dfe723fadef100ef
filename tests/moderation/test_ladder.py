from __future__ import annotations

from datetime import UTC, datetime, timedelta

from qunops.moderation.ladder import (
    Aggravation,
    LadderPolicy,
    Penalty,
    PenaltyKind,
    Step,
    current_step,
    lift,
    next_penalty,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def test_default_ladder_climbs_in_order() -> None:
    history: list[Penalty] = []
    now = T0
    seen = []
    for _ in range(6):
        p = next_penalty(history, now)
        history.append(p)
        seen.append((p.kind, p.until - now if p.until else None))
        now = p.ends_at + 2 * DAY  # offend again after the penalty, outside the repeat window
    assert seen == [
        (PenaltyKind.WARNING, None),
        (PenaltyKind.MUTE, DAY),
        (PenaltyKind.MUTE, 7 * DAY),
        (PenaltyKind.MUTE, 15 * DAY),
        (PenaltyKind.REMOVAL, None),
        (PenaltyKind.REMOVAL, None),
    ]


def test_repeat_within_window_skips_a_step() -> None:
    first = next_penalty([], T0)
    second = next_penalty([first], T0 + timedelta(hours=3))
    assert second.step == 2 and second.skipped == 1
    assert "repeated within 24 hours" in second.explanation


def test_multi_account_abuse_skips_two_steps() -> None:
    p = next_penalty([], T0, aggravating=True)
    assert p.step == 2 and p.kind == PenaltyKind.MUTE and p.until == T0 + 7 * DAY
    both = next_penalty(
        [p], T0 + timedelta(hours=1), Aggravation(multi_account=True, reasons=("ban evasion",))
    )
    assert both.kind == PenaltyKind.REMOVAL  # capped at the top step
    assert "ban evasion" in both.explanation


def test_forgiveness_one_step_per_90_clean_days() -> None:
    warning = next_penalty([], T0)
    mute = next_penalty([warning], T0 + 10 * DAY)  # step 1, ends 1 day later
    history = [warning, mute]
    end = mute.ends_at
    assert current_step(history, end + 89 * DAY) == 1
    assert current_step(history, end + 90 * DAY) == 0
    assert current_step(history, end + 180 * DAY) == -1
    assert next_penalty(history, end + 89 * DAY).step == 2
    assert next_penalty(history, end + 90 * DAY).step == 1
    assert next_penalty(history, end + 200 * DAY).kind == PenaltyKind.WARNING
    assert "forgiven" in next_penalty(history, end + 200 * DAY).explanation


def test_removal_is_not_forgiven() -> None:
    p = next_penalty([], T0, aggravating=Aggravation(multi_account=True))
    p2 = next_penalty([p], T0 + 30 * DAY, aggravating=True)
    assert p2.kind == PenaltyKind.REMOVAL
    assert current_step([p, p2], T0 + 1000 * DAY) == 4


def test_lift_removes_penalty_from_the_ladder() -> None:
    warning = next_penalty([], T0)
    mute = next_penalty([warning], T0 + 5 * DAY)
    assert mute.active(T0 + 5 * DAY + timedelta(hours=1))
    lifted = lift(mute, T0 + 5 * DAY + timedelta(hours=2))
    assert not lifted.active(T0 + 5 * DAY + timedelta(hours=3))
    assert lifted.until == T0 + 5 * DAY + timedelta(hours=2)
    assert next_penalty([warning, lifted], T0 + 10 * DAY).step == 1  # as if the mute never happened


def test_private_and_configurable_steps() -> None:
    policy = LadderPolicy(
        steps=(Step(PenaltyKind.WARNING), Step(PenaltyKind.REMOVAL)), forgive_after=30 * DAY
    )
    p = next_penalty([], T0, policy=policy, private=True, reasons=("embarrassing",), evidence=("msg-1",))
    assert p.private and p.reasons == ("embarrassing",) and p.evidence == ("msg-1",)
    assert next_penalty([p], T0 + 5 * DAY, policy=policy).kind == PenaltyKind.REMOVAL
    assert next_penalty([p], T0 + 31 * DAY, policy=policy).kind == PenaltyKind.WARNING

"""Moderation through the store on a fixed clock: verdicts, cases, reviews, the ladder, appeals, actions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from qunops.actions import ActionKind, Actor, GatewayError, PlatformTarget, Ports
from qunops.core.events import Event, GroupRef
from qunops.core.platforms import Platform
from qunops.ingestion import import_events
from qunops.moderation import service, store
from qunops.moderation.ladder import PenaltyKind
from qunops.moderation.service import ModerationError, NotFound
from qunops.store.rollups import fill_rollups
from qunops.store.schema import actions, audit_log, events, members, moderation_labels, penalties
from tests.factories import GROUP, T0, join, message

LIVE = GroupRef(Platform.QQ, "live-1", "Live group")  # a QQ group with a OneBot gateway
SPAM = "兼职日结300+，宝妈学生都可以，有意加V：vx5428563"
ADMIN = Actor.user(1, "admin")


class FakeGateway:
    """A live platform that records every call in order."""

    name = "fake-telegram"

    def __init__(self, refuse: set[str] | None = None) -> None:
        self.calls: list[tuple[str, str | None, str | None]] = []
        self.parameters: list[Mapping[str, Any]] = []
        self.refuse = refuse or set()

    def call(self, kind: ActionKind, target: PlatformTarget, parameters: Mapping[str, Any]) -> None:
        if kind.value in self.refuse:
            raise GatewayError("not enough rights to do this in the chat")
        self.calls.append((kind.value, target.group_external_id, target.member_external_id))
        self.parameters.append(parameters)

    def kinds(self) -> list[str]:
        return [c[0] for c in self.calls]


def store_events(engine: Engine, workspace: int, *items: Event) -> None:
    import_events(engine, workspace, iter(items))
    fill_rollups(engine)


def group_id(engine: Engine, ref: GroupRef = GROUP) -> int:
    from qunops.store.schema import groups

    with engine.connect() as connection:
        return int(
            connection.execute(
                select(groups.c.id).where(groups.c.external_id == ref.external_id)
            ).scalar_one()
        )


def member_id(engine: Engine, who: int) -> int:
    with engine.connect() as connection:
        value = connection.execute(
            select(members.c.id).where(members.c.external_id == str(1000 + who))
        ).scalar_one()
    return int(value)


def pending_case(engine: Engine, workspace: int, who: int) -> int:
    with engine.connect() as connection:
        case_id = store.pending_case_for(connection, workspace, member_id(engine, who))
    assert case_id is not None
    return case_id


def offend(
    engine: Engine,
    workspace: int,
    who: int,
    at: timedelta,
    ports: Ports = service.EXPORT_ONLY,
    text: str = SPAM,
    group: GroupRef = GROUP,
) -> service.AppliedPenalty:
    """The member posts an ad at T0 + at; moderation flags it, a moderator confirms and penalises."""
    store_events(engine, workspace, message(who, at, f"{text} #{int(at.total_seconds())}", group=group))
    service.moderate_new_events(engine, workspace, T0 + at)
    case_id = pending_case(engine, workspace, who)
    with engine.begin() as connection:
        service.review(
            connection, workspace, case_id, "confirm", ADMIN, "an ad", T0 + at, ports, penalize=False
        )
        return service.apply_penalty(connection, workspace, case_id, ADMIN, T0 + at, ports)


def test_new_events_get_verdicts_and_the_flagged_member_a_case(engine: Engine, workspace: int) -> None:
    store_events(
        engine,
        workspace,
        message(1, timedelta(0), "早上好，今天跑步吗"),
        message(2, timedelta(minutes=1), "好的，七点见"),
        message(3, timedelta(minutes=2), SPAM),
        message(3, timedelta(minutes=3), SPAM + " 私聊"),
    )
    run = service.moderate_new_events(engine, workspace, T0 + timedelta(hours=1))
    assert (run.judged, run.flagged, run.cases_opened, run.penalties) == (4, 2, 1, 0)
    assert run.classifier == "rules only (no spam model yet)"
    with engine.connect() as connection:
        [case] = store.cases(connection, workspace, "pending")
        evidence = store.case_evidence(connection, case.id)
    assert case.member_id == member_id(engine, 3) and case.categories == ["spam_ads"]
    assert [e.text for e in evidence] == [SPAM, SPAM + " 私聊"]
    assert any("加v" in r for r in evidence[0].reasons)
    assert all(f["explanation"] for f in evidence[0].findings)
    # Moderated events are not judged again.
    again = service.moderate_new_events(engine, workspace, T0 + timedelta(hours=2))
    assert (again.judged, again.flagged) == (0, 0)
    # A later ad from the same member joins the case still waiting for review.
    store_events(engine, workspace, message(3, timedelta(hours=3), SPAM + " 最后一次"))
    later = service.moderate_new_events(engine, workspace, T0 + timedelta(hours=4))
    assert (later.judged, later.flagged, later.cases_opened, later.cases_extended) == (1, 1, 0, 1)


def test_overturning_a_verdict_changes_the_next_verdict_for_the_same_text(
    engine: Engine, workspace: int
) -> None:
    text = "加我微信 abc12345 了解详情"  # from members who have just joined: a newcomer's contact ad
    store_events(engine, workspace, join(5, -timedelta(minutes=5)), message(5, timedelta(0), text))
    assert service.moderate_new_events(engine, workspace, T0).flagged == 1
    with engine.begin() as connection:
        state = service.review(
            connection, workspace, pending_case(engine, workspace, 5), "overturn", ADMIN, "our own staff", T0
        )
    assert state == "overturned"
    store_events(engine, workspace, join(6, timedelta(minutes=55)), message(6, timedelta(hours=1), text))
    run = service.moderate_new_events(engine, workspace, T0 + timedelta(hours=1))
    assert (run.judged, run.flagged) == (1, 0)
    with engine.connect() as connection:
        labels = connection.execute(select(moderation_labels.c.text, moderation_labels.c.is_spam)).all()
    assert [tuple(r) for r in labels] == [(text, False)]


def _training_file(tmp_path: Path) -> Path:
    spam = ["win a free prize now {}", "claim your cash reward today {}", "cheap loans call now {}"]
    ham = ["see you at the run tomorrow {}", "thanks for the slides {}", "who is coming to lunch {}", "ok {}"]
    rows = ["label,text"]
    for i in range(8):
        rows += [f"spam,{t.format(i)}" for t in spam] + [f"ham,{t.format(i)}" for t in ham]
    path = tmp_path / "labelled.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_the_classifier_learns_from_reviews(engine: Engine, workspace: int, tmp_path: Path) -> None:
    text = "claim your free prize reward now"
    store_events(engine, workspace, message(1, timedelta(0), text))
    first = service.moderate_new_events(engine, workspace, T0, training_data=_training_file(tmp_path))
    assert first.flagged == 1 and first.classifier.startswith("labelled data in")
    with engine.connect() as connection:
        model = store.stored_model(connection, workspace)
        [evidence] = store.case_evidence(connection, pending_case(engine, workspace, 1))
    assert model is not None and model.labels_through == 0
    assert evidence.spam_probability is not None and evidence.features
    with engine.begin() as connection:
        case_id = pending_case(engine, workspace, 1)
        service.review(connection, workspace, case_id, "overturn", ADMIN, "a real giveaway of ours", T0)
    store_events(engine, workspace, message(2, timedelta(hours=1), text))
    second = service.moderate_new_events(engine, workspace, T0 + timedelta(hours=1))
    assert (second.judged, second.flagged) == (1, 0)
    with engine.connect() as connection:
        model = store.stored_model(connection, workspace)
    assert model is not None and model.labels_through > 0  # the decision was trained in, and stored


def test_the_ladder_climbs_per_member_across_the_workspace(engine: Engine, workspace: int) -> None:
    steps = []
    for days in (0, 2, 10, 30, 60):
        group = GROUP if days % 4 == 0 else LIVE  # offences in two groups count on one ladder
        store_events(engine, workspace, message(7, timedelta(days=days), f"{SPAM} {days}", group=group))
        service.moderate_new_events(engine, workspace, T0 + timedelta(days=days))
        with engine.begin() as connection:
            case_id = pending_case(engine, workspace, 7)
            service.review(connection, workspace, case_id, "confirm", ADMIN, "ad", T0 + timedelta(days=days))
            [row] = [
                p
                for p in store.penalty_history(connection, workspace, member_id(engine, 7))
                if p.case_id == case_id
            ]
        steps.append(
            (row.penalty.kind, row.penalty.until - row.penalty.issued_at if row.penalty.until else None)
        )
    assert steps == [
        (PenaltyKind.WARNING, None),
        (PenaltyKind.MUTE, timedelta(days=1)),
        (PenaltyKind.MUTE, timedelta(days=7)),
        (PenaltyKind.MUTE, timedelta(days=15)),
        (PenaltyKind.REMOVAL, None),
    ]
    with engine.connect() as connection:
        standing = service.member_standing(
            connection, workspace, member_id(engine, 7), T0 + timedelta(days=400)
        )
    assert standing.blacklisted and standing.step == 4  # removal is never forgiven by time


def test_a_repeat_within_a_day_skips_a_step(engine: Engine, workspace: int) -> None:
    assert offend(engine, workspace, 8, timedelta(0)).penalty.kind is PenaltyKind.WARNING
    repeat = offend(engine, workspace, 8, timedelta(hours=5)).penalty
    assert repeat.kind is PenaltyKind.MUTE and repeat.until == T0 + timedelta(hours=5, days=7)
    assert "repeated within 24 hours" in repeat.explanation


def test_coordinated_accounts_are_penalised_heavier(engine: Engine, workspace: int) -> None:
    text = "高价回收各类游戏账号装备，详情咨询"
    store_events(engine, workspace, *(message(20 + i, timedelta(minutes=i), text) for i in range(3)))
    service.moderate_new_events(engine, workspace, T0 + timedelta(hours=1))
    with engine.begin() as connection:
        case_id = pending_case(engine, workspace, 22)
        case = store.case_row(connection, workspace, case_id)
        assert case is not None and case.multi_account
        applied = service.apply_penalty(connection, workspace, case_id, ADMIN, T0 + timedelta(hours=1))
    assert applied.penalty.step == 2 and applied.penalty.skipped == 2  # a first offence, two steps up
    assert "multi-account abuse" in applied.penalty.explanation


def test_ninety_clean_days_are_forgiven(engine: Engine, workspace: int) -> None:
    offend(engine, workspace, 9, timedelta(0))  # warning
    mute = offend(engine, workspace, 9, timedelta(days=30)).penalty  # mute 1 day
    assert mute.kind is PenaltyKind.MUTE
    member = member_id(engine, 9)
    with engine.connect() as connection:
        assert service.member_standing(connection, workspace, member, T0 + timedelta(days=100)).step == 1
        assert service.member_standing(connection, workspace, member, T0 + timedelta(days=122)).step == 0
        assert service.member_standing(connection, workspace, member, T0 + timedelta(days=212)).step == -1
    # 91 clean days after the mute ended: one step forgiven, so the next offence is a 1-day mute again.
    again = offend(engine, workspace, 9, timedelta(days=31 + 91)).penalty
    assert again.kind is PenaltyKind.MUTE and again.until == again.issued_at + timedelta(days=1)


def test_export_only_groups_get_recommendations_not_calls(engine: Engine, workspace: int) -> None:
    gateway = FakeGateway()
    ports = Ports(by_group={})  # no gateway for the QQ export group
    applied = offend(engine, workspace, 10, timedelta(0), ports)
    assert gateway.calls == []
    assert [o.state.value for o in applied.outcomes] == ["recommended", "recommended"]
    with engine.connect() as connection:
        rows = connection.execute(
            select(actions.c.kind, actions.c.state, actions.c.via, actions.c.requested_by).order_by(
                actions.c.id
            )
        ).all()
        audited = connection.execute(select(audit_log.c.action).order_by(audit_log.c.id)).scalars().all()
    assert [tuple(r) for r in rows] == [
        ("send_message", "recommended", "recommendation", "user:admin"),
        ("warn_privately", "recommended", "recommendation", "user:admin"),
    ]
    assert audited == [
        "case.open",
        "case.confirm",
        "penalty.apply",
        "action.send_message",
        "action.warn_privately",
    ]


def test_an_upheld_appeal_lifts_the_mute_through_the_port(engine: Engine, workspace: int) -> None:
    store_events(engine, workspace, message(11, timedelta(0), "hello", group=LIVE))
    gateway = FakeGateway()
    ports = Ports(by_group={group_id(engine, LIVE): gateway})
    offend(engine, workspace, 11, timedelta(days=1), ports)
    gateway.calls.clear()
    store_events(engine, workspace, message(11, timedelta(days=3), SPAM, group=LIVE))
    service.moderate_new_events(engine, workspace, T0 + timedelta(days=3))
    case_id = pending_case(engine, workspace, 11)
    with engine.begin() as connection:
        service.review(
            connection, workspace, case_id, "confirm", ADMIN, "ad again", T0 + timedelta(days=3), ports
        )
        appeal = store.appeal_for_case(connection, case_id)
    assert appeal is not None and appeal.state == "open"
    assert gateway.kinds() == ["mute", "warn_privately"]
    assert gateway.calls[0] == ("mute", "live-1", "1011")
    assert f"/appeal/{appeal.token}" in gateway.parameters[1]["text"]
    with engine.begin() as connection:
        filed = service.file_appeal(
            connection,
            appeal.token,
            "I was selling my own old bike, not spamming",
            T0 + timedelta(days=3, hours=2),
        )
        assert filed.state == "filed"
        decided = service.decide_appeal(
            connection,
            workspace,
            appeal.id,
            "uphold",
            ADMIN,
            "fair point",
            T0 + timedelta(days=3, hours=5),
            ports,
        )
    assert decided == "upheld"
    assert gateway.kinds() == ["mute", "warn_privately", "unmute", "warn_privately"]
    assert "upheld" in gateway.parameters[3]["text"]
    with engine.connect() as connection:
        case = store.case_row(connection, workspace, case_id)
        history = store.penalty_history(connection, workspace, member_id(engine, 11))
        states = connection.execute(select(actions.c.kind, actions.c.state).order_by(actions.c.id)).all()
    assert case is not None and case.state == "overturned"
    lifted = next(p for p in history if p.case_id == case_id).penalty
    assert lifted.lifted_at == T0 + timedelta(days=3, hours=5) and lifted.until == lifted.lifted_at
    assert [tuple(s) for s in states][-4:] == [
        ("mute", "done"),
        ("warn_privately", "done"),
        ("unmute", "done"),
        ("warn_privately", "done"),
    ]
    # The lifted mute no longer counts: the member is back on the warning step.
    with engine.connect() as connection:
        assert (
            service.member_standing(connection, workspace, member_id(engine, 11), T0 + timedelta(days=4)).step
            == 0
        )


def test_a_rejected_appeal_keeps_the_penalty_and_tells_the_member(engine: Engine, workspace: int) -> None:
    store_events(engine, workspace, message(12, timedelta(0), "hi", group=LIVE))
    gateway = FakeGateway()
    ports = Ports(by_group={group_id(engine, LIVE): gateway})
    store_events(engine, workspace, message(12, timedelta(hours=1), SPAM, group=LIVE))
    service.moderate_new_events(engine, workspace, T0 + timedelta(hours=1))
    case_id = pending_case(engine, workspace, 12)
    with engine.begin() as connection:
        service.review(connection, workspace, case_id, "confirm", ADMIN, "ad", T0 + timedelta(hours=1), ports)
        appeal = store.appeal_for_case(connection, case_id)
        assert appeal is not None
        service.file_appeal(connection, appeal.token, "please", T0 + timedelta(hours=2))
        service.decide_appeal(
            connection, workspace, appeal.id, "reject", ADMIN, "clearly an ad", T0 + timedelta(hours=3), ports
        )
        history = store.penalty_history(connection, workspace, member_id(engine, 12))
    assert gateway.kinds() == ["send_message", "warn_privately", "warn_privately"]
    assert "decision stands" in gateway.parameters[-1]["text"]
    assert not history[0].penalty.lifted


def test_removal_reaches_every_group_of_the_workspace(engine: Engine, workspace: int) -> None:
    other = GroupRef(Platform.QQ, "g2", "Second group")
    store_events(
        engine,
        workspace,
        join(13, timedelta(0)),
        join(13, timedelta(0), group=other),
        join(13, timedelta(0), group=LIVE),
    )
    gateway = FakeGateway()
    ports = Ports(by_group={group_id(engine, LIVE): gateway})
    for days in (1, 3, 12, 30):
        offend(engine, workspace, 13, timedelta(days=days), ports)
    gateway.calls.clear()
    applied = offend(engine, workspace, 13, timedelta(days=60), ports)
    assert applied.penalty.kind is PenaltyKind.REMOVAL
    assert gateway.kinds() == ["remove", "blacklist"]  # the live group; the others get recommendations
    recorded = [(o.state.value) for o in applied.outcomes]
    assert recorded.count("recommended") == 5  # notice, remove ×2, blacklist ×2 in the export-only groups


def test_a_refused_platform_call_is_recorded_as_failed(engine: Engine, workspace: int) -> None:
    store_events(engine, workspace, message(14, timedelta(0), "hi", group=LIVE))
    gateway = FakeGateway(refuse={"send_message"})
    applied = offend(
        engine,
        workspace,
        14,
        timedelta(hours=1),
        Ports(by_group={group_id(engine, LIVE): gateway}),
        group=LIVE,
    )
    # The warning stands; the refused public notice is visible as failed, the private one went out.
    assert [(o.state.value, o.error) for o in applied.outcomes] == [
        ("failed", "not enough rights to do this in the chat"),
        ("done", None),
    ]
    assert gateway.kinds() == ["warn_privately"]


def test_auto_penalty_rules_act_without_waiting_for_review(engine: Engine, workspace: int) -> None:
    with engine.begin() as connection:
        service.update_rules(connection, workspace, None, "No ads.", {"auto_penalty": True}, ADMIN, T0)
    store_events(engine, workspace, message(15, timedelta(0), SPAM))
    run = service.moderate_new_events(engine, workspace, T0 + timedelta(minutes=5))
    assert (run.cases_opened, run.penalties) == (1, 1)
    case_id = pending_case(engine, workspace, 15)  # still waiting for a human
    with engine.begin() as connection:
        service.review(
            connection, workspace, case_id, "overturn", ADMIN, "not an ad", T0 + timedelta(hours=1)
        )
        history = store.penalty_history(connection, workspace, member_id(engine, 15))
    assert history[0].penalty.lifted_at == T0 + timedelta(hours=1)


def test_group_rules_add_keywords_and_switch_detectors(engine: Engine, workspace: int) -> None:
    store_events(engine, workspace, message(16, timedelta(0), "hello"))
    gid = group_id(engine)
    with engine.begin() as connection:
        service.update_rules(
            connection,
            workspace,
            gid,
            "Runners only.",
            {"blocked_keywords": ["蛋白粉 | spam_ads"]},
            ADMIN,
            T0,
        )
        rules = service.rules_for(connection, workspace, gid)
        elsewhere = service.rules_for(connection, workspace, None)
    assert (
        rules.own
        and rules.rules_text == "Runners only."
        and rules.settings.blocked_keywords == ("蛋白粉 | spam_ads",)
    )
    assert not elsewhere.own and elsewhere.settings.blocked_keywords == ()
    store_events(engine, workspace, message(17, timedelta(hours=1), "特价蛋白粉要的找我"))
    assert service.moderate_new_events(engine, workspace, T0 + timedelta(hours=1)).flagged == 1
    with engine.begin() as connection:
        service.update_rules(
            connection, workspace, gid, "", {"detectors": dict.fromkeys(service.DETECTORS, False)}, ADMIN, T0
        )
    store_events(engine, workspace, message(18, timedelta(hours=2), SPAM))
    assert service.moderate_new_events(engine, workspace, T0 + timedelta(hours=2)).flagged == 0
    with engine.connect() as connection:
        entries = connection.execute(
            select(audit_log.c.action, audit_log.c.subject).where(audit_log.c.action == "rules.update")
        ).all()
    assert [tuple(e) for e in entries] == [("rules.update", f"rules:{gid}")] * 2


@pytest.mark.parametrize(
    ("settings", "message_part"),
    [
        ({"flag_at": "high"}, "flag_at: a number"),
        ({"flag_at": 3}, "outside"),
        ({"shout": True}, "unknown rule setting 'shout'"),
        ({"blocked_keywords": ["x | nonsense"]}, "unknown category 'nonsense'"),
        ({"detectors": {"magic": True}}, "detectors:"),
    ],
)
def test_bad_rule_settings_are_refused_with_a_clear_message(
    engine: Engine, workspace: int, settings: dict[str, Any], message_part: str
) -> None:
    with engine.begin() as connection, pytest.raises(ModerationError, match=message_part):
        service.update_rules(connection, workspace, None, "rules", settings, ADMIN, T0)


def test_mistakes_give_clear_errors_and_change_nothing(engine: Engine, workspace: int) -> None:
    store_events(engine, workspace, message(19, timedelta(0), SPAM))
    service.moderate_new_events(engine, workspace, T0)
    case_id = pending_case(engine, workspace, 19)
    with engine.begin() as connection:
        with pytest.raises(NotFound, match="no case 999"):
            service.review(connection, workspace, 999, "confirm", ADMIN, "x", T0)
        with pytest.raises(ModerationError, match="confirm or overturn"):
            service.review(connection, workspace, case_id, "maybe", ADMIN, "x", T0)
        with pytest.raises(ModerationError, match="give a reason"):
            service.review(connection, workspace, case_id, "confirm", ADMIN, "  ", T0)
        service.review(connection, workspace, case_id, "confirm", ADMIN, "ad", T0)
        with pytest.raises(ModerationError, match="already confirmed by admin"):
            service.review(connection, workspace, case_id, "confirm", ADMIN, "x", T0)
        with pytest.raises(NotFound, match="not valid"):
            service.file_appeal(connection, "wrong-token", "hello", T0)
        appeal = store.appeal_for_case(connection, case_id)
        assert appeal is not None
        with pytest.raises(ModerationError, match="a few words"):
            service.file_appeal(connection, appeal.token, "   ", T0)
        service.file_appeal(connection, appeal.token, "sorry", T0)
        with pytest.raises(ModerationError, match="already been received"):
            service.file_appeal(connection, appeal.token, "again", T0)
        service.decide_appeal(connection, workspace, appeal.id, "reject", ADMIN, "no", T0)
        with pytest.raises(ModerationError, match="already rejected"):
            service.decide_appeal(connection, workspace, appeal.id, "uphold", ADMIN, "x", T0)
        with pytest.raises(NotFound):
            service.member_standing(connection, workspace + 1000, member_id(engine, 19), T0)


def test_flagged_counts_per_group_feed_the_spam_burst_alert(engine: Engine, workspace: int) -> None:
    store_events(
        engine,
        workspace,
        message(30, timedelta(0), SPAM),
        message(31, timedelta(minutes=5), SPAM + "!", group=LIVE),
        message(31, timedelta(hours=3), SPAM + "!!", group=LIVE),
        message(32, timedelta(minutes=6), "hello there"),
    )
    service.moderate_new_events(engine, workspace, T0 + timedelta(hours=4))
    with engine.connect() as connection:
        counts = service.flagged_counts(connection, workspace, _us(T0), _us(T0 + timedelta(hours=1)))
        total = service.flagged_counts(connection, workspace, _us(T0), _us(T0 + timedelta(days=1)))
        none = service.flagged_counts(connection, workspace + 1000, _us(T0), _us(T0 + timedelta(days=1)))
    assert counts == {group_id(engine): 1, group_id(engine, LIVE): 1}
    assert total == {group_id(engine): 1, group_id(engine, LIVE): 2}
    assert none == {}


def test_bots_and_the_workspaces_own_accounts_are_not_moderated(engine: Engine, workspace: int) -> None:
    from qunops.store.registry import mark_operators
    from tests.factories import person

    store_events(engine, workspace, message(40, timedelta(0), SPAM))
    with engine.begin() as connection:
        mark_operators(connection, workspace, [person(40)])
    run = service.moderate_new_events(engine, workspace, T0)
    assert (run.judged, run.flagged) == (0, 0)
    with engine.connect() as connection:
        assert connection.execute(select(events.c.id)).first() is not None
        assert connection.execute(select(penalties.c.id)).first() is None


def _us(moment: datetime) -> int:
    from qunops.core.time import to_us

    return to_us(moment)


def _newcomer_findings(engine: Engine, workspace: int) -> dict[int, list[str]]:
    """Each judged message's newcomer findings' explanations, by its sender's test number."""
    with engine.connect() as connection:
        book = service.RuleBook(connection, workspace, service.ClassifierChoice(None, {}, "rules only"))
        numbers = dict(connection.execute(select(members.c.id, members.c.external_id)).all())
        found: dict[int, list[str]] = {}
        for item in service.judge(connection, workspace, service.Window(), book):
            who = int(numbers[item.member_id]) - 1000
            found[who] = found.get(who, []) + [
                f.explanation for f in item.verdict.findings if f.rule.startswith("newcomer")
            ]
    return found


def test_only_members_the_history_shows_arriving_are_newcomers(engine: Engine, workspace: int) -> None:
    """An export starts in the middle of a group's life, so having sent no message the store knows of does
    not make a member new. Where the source records joins, a member without a stored join was there before
    the export began; where it records none, whoever speaks in the history's first week is of unknown
    standing, and one first seen later is new (the join-and-post ad)."""
    ad = "详情请访问 http://promo.example.net/x 加我微信 abc12345"
    records_joins = GroupRef(Platform.QQ, "g2", "Joins recorded")
    store_events(
        engine,
        workspace,
        # A source without joins (GROUP): the first week, then later.
        message(1, timedelta(0), "早上好"),
        message(2, timedelta(days=2), ad),
        message(4, timedelta(days=10), ad),
        message(5, timedelta(days=11), "hi"),
        message(5, timedelta(days=11, minutes=1), ad),
        # A source that records joins.
        message(6, timedelta(0), "早", group=records_joins),
        join(3, timedelta(days=3), group=records_joins),
        message(3, timedelta(days=3, minutes=5), ad, group=records_joins),
        message(7, timedelta(days=20), ad, group=records_joins),
    )
    found = _newcomer_findings(engine, workspace)
    assert found[1] == [] and found[2] == [] and found[6] == [] and found[7] == []
    assert found[3] and "joined 0.1 hours ago" in found[3][0]
    assert found[4] == ["a newcomer (has sent no message before) posts contact, link in their first messages"]
    assert (
        found[5][-1] == "a newcomer (has sent 1 message before) posts contact, link in their first messages"
    )


def test_the_public_warning_goes_to_the_group_the_case_is_about(engine: Engine, workspace: int) -> None:
    """One case, evidence in two groups: the warning goes to the group of its first evidence (the case's
    group), which here has the higher id."""
    first = GroupRef(Platform.TELEGRAM, "-100111", "Created first")
    second = GroupRef(Platform.TELEGRAM, "-100222", "Created second")
    store_events(engine, workspace, message(15, timedelta(0), "hi", group=first))
    store_events(engine, workspace, message(16, timedelta(minutes=1), "hello", group=second))
    gateways = {first: FakeGateway(), second: FakeGateway()}
    ports = Ports(by_group={group_id(engine, ref): gateway for ref, gateway in gateways.items()})
    assert group_id(engine, first) < group_id(engine, second)
    store_events(
        engine,
        workspace,
        message(15, timedelta(hours=1), SPAM, group=second),
        message(15, timedelta(hours=1, minutes=5), SPAM + " !", group=first),
    )
    service.moderate_new_events(engine, workspace, T0 + timedelta(hours=2))
    case_id = pending_case(engine, workspace, 15)
    with engine.begin() as connection:
        assert {e.group_id for e in store.case_evidence(connection, case_id)} == {
            group_id(engine, first),
            group_id(engine, second),
        }
        service.review(
            connection, workspace, case_id, "confirm", ADMIN, "ads", T0 + timedelta(hours=2), ports
        )
    sent = [
        (name, c) for name, g in (("first", gateways[first]), ("second", gateways[second])) for c in g.calls
    ]
    assert [(name, kind) for name, (kind, _, _) in sent if kind == "send_message"] == [
        ("second", "send_message")
    ]

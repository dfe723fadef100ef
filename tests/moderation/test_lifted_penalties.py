"""A lifted penalty (case overturned, appeal upheld) withdraws what it recommended and nobody carried out,
and the member's standing says truthfully that nothing counts."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from qunops.moderation import service, store
from qunops.store.schema import actions, audit_log
from tests.factories import T0, message
from tests.moderation.test_console_moderation import (
    appealed_and_upheld,
    cases,
    client,
)
from tests.moderation.test_service import ADMIN, member_id, offend, pending_case, store_events

__all__ = ["cases", "client"]  # fixtures these tests use

SPAM = "兼职日结300+，宝妈学生都可以，有意加V：vx5428563"


def _uphold(engine: Engine, workspace: int, case_id: int, at: timedelta) -> None:
    with engine.begin() as connection:
        appeal = store.appeal_for_case(connection, case_id)
        assert appeal is not None
        service.file_appeal(connection, appeal.token, "not me", T0 + at)
        decided = service.decide_appeal(
            connection, workspace, appeal.id, "uphold", ADMIN, "account was hacked", T0 + at
        )
        assert decided == "upheld"


def _states(engine: Engine) -> list[tuple[str, str, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(actions.c.kind, actions.c.state, actions.c.error).order_by(actions.c.id)
        ).all()
    return [(str(r[0]), str(r[1]), r[2]) for r in rows]


def test_an_upheld_appeal_withdraws_the_warnings_nobody_sent(engine: Engine, workspace: int) -> None:
    applied = offend(engine, workspace, 30, timedelta(0))
    assert [o.state.value for o in applied.outcomes] == ["recommended", "recommended"]
    _uphold(engine, workspace, pending_case_of(engine, workspace, 30), timedelta(hours=2))
    assert _states(engine) == [
        ("send_message", "withdrawn", "the penalty was lifted: account was hacked"),
        ("warn_privately", "withdrawn", "the penalty was lifted: account was hacked"),
        ("warn_privately", "recommended", None),  # the appeal's outcome is still to be told
    ]
    with engine.connect() as connection:
        audited = connection.execute(
            select(audit_log.c.action, audit_log.c.subject).where(audit_log.c.action.like("%withdrawn"))
        ).all()
    ids = [a[0] for a in _ids(engine)[:2]]
    assert [tuple(a) for a in audited] == [
        ("action.send_message.withdrawn", f"action:{ids[0]}"),
        ("action.warn_privately.withdrawn", f"action:{ids[1]}"),
    ]


def test_done_actions_stay_done_and_only_the_rest_is_withdrawn(engine: Engine, workspace: int) -> None:
    from qunops.actions import ActionState
    from qunops.actions.ports import mark_recommendation

    offend(engine, workspace, 31, timedelta(0))
    first = _ids(engine)[0][0]
    with engine.begin() as connection:
        mark_recommendation(connection, workspace, first, ActionState.DONE, ADMIN, now=T0)
    _uphold(engine, workspace, pending_case_of(engine, workspace, 31), timedelta(hours=2))
    assert [s[:2] for s in _states(engine)] == [
        ("send_message", "done"),
        ("warn_privately", "withdrawn"),
        ("warn_privately", "recommended"),
    ]


def test_a_mute_never_carried_out_is_withdrawn_and_not_undone(engine: Engine, workspace: int) -> None:
    offend(engine, workspace, 32, timedelta(0))  # warning
    offend(engine, workspace, 32, timedelta(days=3))  # mute for a day
    with engine.connect() as connection:
        case_id = max(c.id for c in store.cases(connection, workspace, member_id=member_id(engine, 32)))
    _uphold(engine, workspace, case_id, timedelta(days=3, hours=1))
    states = [s[:2] for s in _states(engine)]
    assert states[2:] == [
        ("mute", "withdrawn"),
        ("warn_privately", "withdrawn"),
        ("warn_privately", "recommended"),  # no unmute: the mute never happened
    ]
    assert states[:2] == [("send_message", "recommended"), ("warn_privately", "recommended")]


def test_recommendations_recorded_before_they_named_their_penalty_are_withdrawn_too(
    engine: Engine, workspace: int
) -> None:
    offend(engine, workspace, 33, timedelta(0))
    with engine.begin() as connection:
        for action_id, parameters in _ids(engine):
            old = {k: v for k, v in parameters.items() if k != "penalty_id"}
            connection.execute(update(actions).where(actions.c.id == action_id).values(parameters=old))
    _uphold(engine, workspace, pending_case_of(engine, workspace, 33), timedelta(hours=2))
    assert [s[1] for s in _states(engine)] == ["withdrawn", "withdrawn", "recommended"]


def test_overturning_a_case_penalised_automatically_withdraws_its_warnings(
    engine: Engine, workspace: int
) -> None:
    store_events(engine, workspace, message(34, timedelta(0), "hello"))
    with engine.connect() as connection:
        group = next(iter(store.workspace_groups(connection, workspace))).id
    with engine.begin() as connection:
        service.update_rules(connection, workspace, group, "", {"auto_penalty": True}, ADMIN, T0)
    store_events(engine, workspace, message(34, timedelta(minutes=5), SPAM))
    service.moderate_new_events(engine, workspace, T0 + timedelta(minutes=5))
    case_id = pending_case(engine, workspace, 34)
    with engine.begin() as connection:
        service.review(connection, workspace, case_id, "overturn", ADMIN, "a joke", T0 + timedelta(hours=1))
    withdrawn = [("send_message", "withdrawn"), ("warn_privately", "withdrawn")]
    assert [s[:2] for s in _states(engine)] == withdrawn


def test_the_actions_page_lists_withdrawn_recommendations_under_all_only(
    client: TestClient, cases: dict[str, int], engine: Engine
) -> None:
    appealed_and_upheld(client, engine, cases["penalised"])
    recommended = client.get("/api/moderation/actions").json()
    assert [a["kind"] for a in recommended] == ["warn_privately"]
    assert "upheld" in recommended[0]["parameters"]["text"]
    withdrawn = client.get("/api/moderation/actions?state=withdrawn").json()
    assert sorted(a["kind"] for a in withdrawn) == ["send_message", "warn_privately"]
    assert client.get("/moderation/actions").text.count("Mark done") == 1
    everything = client.get("/moderation/actions?state=all").text
    assert "Withdrawn: the penalty was lifted: account was hacked" in everything
    client.get("/language?set=zh&next=/", follow_redirects=False)
    chinese = client.get("/moderation/actions?state=all").text
    assert "已撤回: 处罚已撤销：account was hacked" in chinese


def pending_case_of(engine: Engine, workspace: int, who: int) -> int:
    """The member's one case (confirmed by `offend`)."""
    with engine.connect() as connection:
        [case] = store.cases(connection, workspace, member_id=member_id(engine, who))
    return case.id


def _ids(engine: Engine) -> list[tuple[int, dict[str, object]]]:
    with engine.connect() as connection:
        rows = connection.execute(select(actions.c.id, actions.c.parameters).order_by(actions.c.id)).all()
    return [(int(r[0]), dict(r[1])) for r in rows]


def test_a_lifted_penalty_does_not_count_and_is_not_called_forgiven() -> None:
    from qunops.moderation.ladder import lift, next_penalty

    warning = lift(next_penalty([], T0), T0 + timedelta(hours=1))
    again = next_penalty([warning], T0 + timedelta(days=2))
    assert (again.step, again.explanation) == (0, "Warning: no penalty counts on the record.")
    # Forgiveness is for penalties that counted and were followed by 90 clean days.
    kept = next_penalty([], T0)
    assert (
        next_penalty([kept], T0 + timedelta(days=91)).explanation
        == "Warning: earlier penalties are forgiven."
    )


def test_the_standing_after_an_upheld_appeal_says_nothing_counts(
    client: TestClient, cases: dict[str, int], engine: Engine
) -> None:
    appealed_and_upheld(client, engine, cases["penalised"])
    member = client.get(f"/api/moderation/cases/{cases['penalised']}").json()["member_id"]
    standing = client.get(f"/api/moderation/members/{member}/penalties").json()
    assert standing["step"] is None and standing["next_step"] == 0
    assert standing["next_penalty"] == "Warning: no penalty counts on the record."
    assert [p["step"] for p in standing["penalties"]] == [0]
    fragment = client.get(f"/members/{member}/penalties").text
    assert "no penalty counts on the record" in fragment and "forgiven" not in fragment
    clean = client.get(f"/api/moderation/members/{cases['member2']}/penalties").json()
    assert (clean["step"], clean["next_step"]) == (None, 0)

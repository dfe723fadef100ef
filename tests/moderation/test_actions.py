"""The action port: recommendations for export-only groups, live calls in order, everything audited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from qunops.actions import (
    ActionError,
    ActionKind,
    ActionRequest,
    ActionState,
    Actor,
    GatewayError,
    GatewayPort,
    PlatformTarget,
    Ports,
    RecordingPort,
    mark_recommendation,
    request_action,
)
from qunops.core.events import GroupRef
from qunops.core.platforms import Platform
from qunops.ingestion import import_events
from qunops.store.schema import actions, audit_log, groups, members
from tests.factories import T0, message

TELEGRAM = GroupRef(Platform.TELEGRAM, "-100777", "Runners TG")
OPERATOR = Actor.user(1, "admin")


class Recorder:
    name = "fake-telegram"

    def __init__(self) -> None:
        self.calls: list[tuple[str, PlatformTarget, dict[str, Any]]] = []

    def call(self, kind: ActionKind, target: PlatformTarget, parameters: Mapping[str, Any]) -> None:
        if parameters.get("fail"):
            raise GatewayError("chat not found")
        self.calls.append((kind.value, target, dict(parameters)))


@pytest.fixture
def ids(engine: Engine, workspace: int) -> tuple[int, int]:
    import_events(engine, workspace, iter([message(1, timedelta(0), "hi", group=TELEGRAM)]))
    with engine.connect() as connection:
        group_id = connection.execute(select(groups.c.id)).scalar_one()
        member_id = connection.execute(select(members.c.id)).scalar_one()
    return int(group_id), int(member_id)


def request(workspace: int, ids: tuple[int, int], kind: ActionKind, **parameters: Any) -> ActionRequest:
    return ActionRequest(kind, workspace, ids[0], ids[1], "spam link", OPERATOR, parameters, T0)


def test_export_only_groups_get_a_recommendation_for_a_human(
    engine: Engine, workspace: int, ids: tuple[int, int]
) -> None:
    with engine.begin() as connection:
        outcome = request_action(
            connection, RecordingPort(connection), request(workspace, ids, ActionKind.MUTE, seconds=86400)
        )
    assert outcome.state is ActionState.RECOMMENDED and outcome.via == "recommendation"
    with engine.connect() as connection:
        row = connection.execute(select(actions)).mappings().one()
        entry = connection.execute(select(audit_log)).mappings().one()
    assert (row["kind"], row["state"], row["reason"], row["requested_by"]) == (
        "mute",
        "recommended",
        "spam link",
        "user:admin",
    )
    assert row["parameters"] == {"seconds": 86400}
    assert (entry["action"], entry["actor"], entry["actor_user_id"], entry["reason"]) == (
        "action.mute",
        "user:admin",
        1,
        "spam link",
    )
    assert entry["after"]["state"] == "recommended"


def test_a_live_gateway_is_called_in_order_with_platform_ids(
    engine: Engine, workspace: int, ids: tuple[int, int]
) -> None:
    gateway = Recorder()
    with engine.begin() as connection:
        port = Ports(by_platform={"telegram": gateway}).for_group(connection, ids[0])
        assert isinstance(port, GatewayPort)
        for kind in (ActionKind.MUTE, ActionKind.WARN_PRIVATELY, ActionKind.UNMUTE):
            assert request_action(connection, port, request(workspace, ids, kind)).state is ActionState.DONE
        failed = request_action(connection, port, request(workspace, ids, ActionKind.REMOVE, fail=True))
    assert [(k, t.platform, t.group_external_id, t.member_external_id) for k, t, _ in gateway.calls] == [
        ("mute", "telegram", "-100777", "1001"),
        ("warn_privately", "telegram", "-100777", "1001"),
        ("unmute", "telegram", "-100777", "1001"),
    ]
    assert failed.state is ActionState.FAILED and failed.error == "chat not found"
    with engine.connect() as connection:
        rows = connection.execute(
            select(actions.c.kind, actions.c.state, actions.c.via).order_by(actions.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("mute", "done", "fake-telegram"),
        ("warn_privately", "done", "fake-telegram"),
        ("unmute", "done", "fake-telegram"),
        ("remove", "failed", "fake-telegram"),
    ]


def test_groups_without_a_gateway_fall_back_to_recommendations(
    engine: Engine, workspace: int, ids: tuple[int, int]
) -> None:
    with engine.connect() as connection:
        assert isinstance(Ports(by_platform={"qq": Recorder()}).for_group(connection, ids[0]), RecordingPort)
        assert not Ports().is_live(connection, ids[0])
        assert Ports(by_group={ids[0]: Recorder()}).is_live(connection, ids[0])


def test_an_operator_marks_a_recommendation_done(
    engine: Engine, workspace: int, ids: tuple[int, int]
) -> None:
    with engine.begin() as connection:
        outcome = request_action(
            connection, RecordingPort(connection), request(workspace, ids, ActionKind.REMOVE)
        )
        mark_recommendation(
            connection, workspace, outcome.action_id, ActionState.DONE, OPERATOR, "removed by hand", T0
        )
        with pytest.raises(ActionError, match="already done"):
            mark_recommendation(connection, workspace, outcome.action_id, ActionState.DONE, OPERATOR)
        with pytest.raises(ActionError, match="no action"):
            mark_recommendation(connection, workspace + 1, outcome.action_id, ActionState.DONE, OPERATOR)
    with engine.connect() as connection:
        state = connection.execute(select(actions.c.state, actions.c.updated_by)).one()
        audited = connection.execute(select(audit_log.c.action).order_by(audit_log.c.id)).scalars().all()
    assert tuple(state) == ("done", 1)
    assert audited == ["action.remove", "action.remove.done"]

"""The action ports: record a recommendation for a human, or call a live gateway; and the one entry point.

Which port serves a group: a live gateway when one is configured for the group (or its platform), else
the `RecordingPort` — a group known only from exports cannot be acted on by qunops, so the action
becomes a recommendation in the `actions` table for an operator to carry out and mark done.
Both ports write the `actions` row, so a member's history shows every action whichever way it went.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from qunops.actions.audit import audit
from qunops.actions.model import (
    ActionOutcome,
    ActionPort,
    ActionRequest,
    ActionState,
    Actor,
    Gateway,
    GatewayError,
    PlatformTarget,
)
from qunops.core.time import to_us, utcnow
from qunops.store.schema import actions, groups, members

RECOMMENDATION = "recommendation"


class ActionError(Exception):
    """A request that cannot be recorded or changed (unknown action, wrong workspace, already done)."""


def request_action(connection: Connection, port: ActionPort, request: ActionRequest) -> ActionOutcome:
    """The one way to act on a platform: carry the request out through `port` and audit it."""
    outcome = port.carry_out(request)
    subject = f"member:{request.member_id}" if request.member_id is not None else f"group:{request.group_id}"
    audit(
        connection,
        request.workspace_id,
        request.requested_by,
        f"action.{request.kind.value}",
        subject,
        request.reason,
        request.requested_at or utcnow(),
        after={"group_id": request.group_id, "parameters": dict(request.parameters), **outcome.as_json()},
    )
    return outcome


class RecordingPort:
    """Stores each request as a recommendation for a human (groups known only from exports)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def carry_out(self, request: ActionRequest) -> ActionOutcome:
        action_id = _record(self.connection, request, RECOMMENDATION, ActionState.RECOMMENDED)
        return ActionOutcome(ActionState.RECOMMENDED, action_id, RECOMMENDATION)


class GatewayPort:
    """Calls a live gateway with the platform's own ids and records what happened."""

    def __init__(self, connection: Connection, gateway: Gateway) -> None:
        self.connection = connection
        self.gateway = gateway

    def carry_out(self, request: ActionRequest) -> ActionOutcome:
        target = _target(self.connection, request)
        error: str | None = None
        try:
            self.gateway.call(request.kind, target, request.parameters)
        except GatewayError as exc:
            # The decision stands (a penalty is still a penalty); the failed call is visible to operators.
            error = str(exc) or type(exc).__name__
        state = ActionState.FAILED if error else ActionState.DONE
        action_id = _record(self.connection, request, self.gateway.name, state, error)
        return ActionOutcome(state, action_id, self.gateway.name, error)


class Ports:
    """Chooses the port for a group: its live gateway when there is one, else recommendations."""

    def __init__(
        self,
        by_group: Mapping[int, Gateway] | None = None,
        by_platform: Mapping[str, Gateway] | None = None,
    ) -> None:
        self.by_group = dict(by_group or {})
        self.by_platform = dict(by_platform or {})

    def for_group(self, connection: Connection, group_id: int | None) -> ActionPort:
        gateway = self.by_group.get(group_id) if group_id is not None else None
        if gateway is None and self.by_platform and group_id is not None:
            platform = connection.execute(select(groups.c.platform).where(groups.c.id == group_id)).scalar()
            gateway = self.by_platform.get(str(platform)) if platform is not None else None
        if gateway is None:
            return RecordingPort(connection)
        return GatewayPort(connection, gateway)

    def is_live(self, connection: Connection, group_id: int) -> bool:
        return isinstance(self.for_group(connection, group_id), GatewayPort)


EXPORT_ONLY = Ports()  # no live gateway anywhere: every action becomes a recommendation


def mark_recommendation(
    connection: Connection,
    workspace_id: int,
    action_id: int,
    state: ActionState,
    actor: Actor,
    note: str = "",
    now: datetime | None = None,
) -> None:
    """An operator carried out a recommendation by hand (done) or could not (failed)."""
    moment = now or utcnow()
    row = connection.execute(
        select(actions.c.state, actions.c.kind, actions.c.member_id, actions.c.group_id).where(
            actions.c.id == action_id, actions.c.workspace_id == workspace_id
        )
    ).first()
    if row is None:
        raise ActionError(f"no action {action_id} in this workspace")
    if row.state != ActionState.RECOMMENDED.value:
        raise ActionError(f"action {action_id} is already {row.state}")
    if state is ActionState.RECOMMENDED:
        raise ActionError("mark a recommendation done or failed")
    connection.execute(
        update(actions)
        .where(actions.c.id == action_id)
        .values(state=state.value, error=note or None, updated_by=actor.user_id, updated_us=to_us(moment))
    )
    audit(
        connection,
        workspace_id,
        actor,
        f"action.{row.kind}.{state.value}",
        f"action:{action_id}",
        note or f"carried out by hand: {state.value}",
        moment,
        before={"state": row.state},
        after={"state": state.value},
    )


def withdraw_recommendations(
    connection: Connection,
    workspace_id: int,
    action_ids: Iterable[int],
    actor: Actor,
    reason: str,
    now: datetime,
) -> list[tuple[int, str, int | None]]:
    """Recommendations no longer to carry out (the decision that asked for them was undone): each one
    still recommended becomes withdrawn, with `reason` kept as its note and an audit entry. Those already
    done, failed or withdrawn stay as they are. Returns (id, kind, group id) of each one withdrawn."""
    ids = sorted(set(action_ids))
    if not ids:
        return []
    rows = connection.execute(
        select(actions.c.id, actions.c.kind, actions.c.group_id)
        .where(
            actions.c.workspace_id == workspace_id,
            actions.c.id.in_(ids),
            actions.c.state == ActionState.RECOMMENDED.value,
        )
        .order_by(actions.c.id)
    ).all()
    withdrawn = []
    for row in rows:
        connection.execute(
            update(actions)
            .where(actions.c.id == row.id, actions.c.state == ActionState.RECOMMENDED.value)
            .values(
                state=ActionState.WITHDRAWN.value,
                error=reason or None,
                updated_by=actor.user_id,
                updated_us=to_us(now),
            )
        )
        audit(
            connection,
            workspace_id,
            actor,
            f"action.{row.kind}.{ActionState.WITHDRAWN.value}",
            f"action:{row.id}",
            reason,
            now,
            before={"state": ActionState.RECOMMENDED.value},
            after={"state": ActionState.WITHDRAWN.value},
        )
        withdrawn.append((int(row.id), str(row.kind), row.group_id))
    return withdrawn


def recommended_for_member(connection: Connection, workspace_id: int, member_id: int) -> list[dict[str, Any]]:
    """The member's actions still waiting for a human, oldest first (id, kind, group_id, parameters,
    reason, created_us)."""
    return actions_for_member(connection, workspace_id, member_id, ActionState.RECOMMENDED)


def actions_for_member(
    connection: Connection, workspace_id: int, member_id: int, state: ActionState
) -> list[dict[str, Any]]:
    """The member's actions in `state`, oldest first (id, kind, group_id, parameters, reason,
    created_us)."""
    rows = connection.execute(
        select(
            actions.c.id,
            actions.c.kind,
            actions.c.group_id,
            actions.c.parameters,
            actions.c.reason,
            actions.c.created_us,
        )
        .where(
            actions.c.workspace_id == workspace_id,
            actions.c.member_id == member_id,
            actions.c.state == state.value,
        )
        .order_by(actions.c.id)
    ).mappings()
    return [dict(r) for r in rows]


def _record(
    connection: Connection,
    request: ActionRequest,
    via: str,
    state: ActionState,
    error: str | None = None,
) -> int:
    moment = request.requested_at or utcnow()
    result = connection.execute(
        insert(actions)
        .values(
            workspace_id=request.workspace_id,
            group_id=request.group_id,
            member_id=request.member_id,
            kind=request.kind.value,
            parameters=_plain(request.parameters),
            reason=request.reason,
            requested_by=request.requested_by.label[:200],
            via=via[:64],
            state=state.value,
            error=error,
            created_us=to_us(moment),
            updated_us=to_us(moment) if state is not ActionState.RECOMMENDED else None,
        )
        .returning(actions.c.id)
    )
    return int(result.scalar_one())


def _target(connection: Connection, request: ActionRequest) -> PlatformTarget:
    platform = ""
    group_ext: str | None = None
    member_ext: str | None = None
    if request.group_id is not None:
        row = connection.execute(
            select(groups.c.platform, groups.c.external_id).where(groups.c.id == request.group_id)
        ).first()
        if row is not None:
            platform, group_ext = str(row.platform), str(row.external_id)
    if request.member_id is not None:
        row = connection.execute(
            select(members.c.platform, members.c.external_id).where(members.c.id == request.member_id)
        ).first()
        if row is not None:
            platform = platform or str(row.platform)
            member_ext = str(row.external_id)
    return PlatformTarget(platform, group_ext, member_ext)


def _plain(parameters: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in parameters.items()}

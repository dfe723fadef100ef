"""The audit log: a row for every change moderation and actions make (who, what, when, why, before/after)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from qunops.actions.model import Actor
from qunops.core.time import to_us
from qunops.store.schema import audit_log


def audit(
    connection: Connection,
    workspace_id: int,
    actor: Actor,
    action: str,
    subject: str,
    reason: str,
    now: datetime,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> int:
    """Append one entry; it commits or rolls back with the change it describes."""
    result = connection.execute(
        insert(audit_log)
        .values(
            workspace_id=workspace_id,
            ts_us=to_us(now),
            actor=actor.label[:200],
            actor_user_id=actor.user_id,
            action=action[:64],
            subject=subject[:64],
            reason=reason,
            before=dict(before) if before is not None else None,
            after=dict(after) if after is not None else None,
        )
        .returning(audit_log.c.id)
    )
    return int(result.scalar_one())


def audit_entries(
    connection: Connection, workspace_id: int, subject: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """The newest entries first, optionally about one subject ("case:12")."""
    query = select(audit_log).where(audit_log.c.workspace_id == workspace_id)
    if subject is not None:
        query = query.where(audit_log.c.subject == subject)
    rows = connection.execute(query.order_by(audit_log.c.id.desc()).limit(limit)).mappings()
    return [dict(r) for r in rows]

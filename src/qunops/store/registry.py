"""The group registry in the store: an operator's profile of each group, and the workspace's own accounts."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import Connection, select, update

from qunops.core.events import MemberRef
from qunops.core.registry import GroupProfile
from qunops.store.schema import groups, members


def save_profile(connection: Connection, workspace_id: int, profile: GroupProfile) -> int:
    """Create or update a group's registry fields; returns the group's id."""
    values = {
        "name": profile.name[:300],
        "purpose": profile.purpose,
        "group_type": str(profile.group_type),
        "duration_kind": str(profile.duration_kind),
        "planned_end": profile.planned_end,
        "entry_threshold": str(profile.entry_threshold),
        "capacity": profile.capacity,
        "timezone": profile.timezone,
        "matrix": profile.matrix,
        "tags": list(profile.tags),
        "extended_resources": [asdict(r) for r in profile.extended_resources],
    }
    found = connection.execute(
        select(groups.c.id).where(
            groups.c.workspace_id == workspace_id,
            groups.c.platform == str(profile.platform),
            groups.c.external_id == profile.external_id,
        )
    ).scalar()
    if found is not None:
        connection.execute(update(groups).where(groups.c.id == found).values(**values))
        return int(found)
    return int(
        connection.execute(
            groups.insert()
            .values(
                workspace_id=workspace_id,
                platform=str(profile.platform),
                external_id=profile.external_id,
                **values,
            )
            .returning(groups.c.id)
        ).scalar_one()
    )


def mark_operators(connection: Connection, workspace_id: int, accounts: list[MemberRef]) -> int:
    """Flag the workspace's own operator accounts (their messages are not member messages)."""
    keys = [a.identity_key() for a in accounts]
    if not keys:
        return 0
    return connection.execute(
        update(members)
        .where(members.c.workspace_id == workspace_id, members.c.external_id.in_(keys))
        .values(is_operator=True)
    ).rowcount

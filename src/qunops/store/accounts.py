"""Workspaces, users and their roles; passwords kept as Argon2id hashes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, select

from qunops.core.registry import WorkspaceRole
from qunops.core.time import to_us, utcnow
from qunops.store.schema import users, workspace_users, workspaces

_hasher = PasswordHasher()
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class AccountError(Exception):
    """A request about workspaces or users that cannot be done; the message says why."""


@dataclass(frozen=True, slots=True)
class Membership:
    workspace_id: int
    slug: str
    name: str
    role: WorkspaceRole
    language: str | None = None  # the console's language the workspace sets, if any


def create_workspace(connection: Connection, slug: str, name: str, timezone: str) -> int:
    if not _SLUG.match(slug):
        raise AccountError(f"workspace slug {slug!r}: use lowercase letters, digits and dashes")
    if connection.execute(select(workspaces.c.id).where(workspaces.c.slug == slug)).scalar() is not None:
        raise AccountError(f"workspace {slug!r} exists already")
    return int(
        connection.execute(
            workspaces.insert()
            .values(slug=slug, name=name, timezone=timezone, created_us=to_us(utcnow()))
            .returning(workspaces.c.id)
        ).scalar_one()
    )


def workspace_id(connection: Connection, slug: str) -> int:
    found = connection.execute(select(workspaces.c.id).where(workspaces.c.slug == slug)).scalar()
    if found is None:
        raise AccountError(f"no workspace {slug!r}: create it with `qunops init`")
    return int(found)


def create_user(connection: Connection, username: str, password: str) -> int:
    if not username or len(username) > 64:
        raise AccountError("a username has 1 to 64 characters")
    if len(password) < 8:
        raise AccountError("a password has at least 8 characters")
    if connection.execute(select(users.c.id).where(users.c.username == username)).scalar() is not None:
        raise AccountError(f"user {username!r} exists already")
    return int(
        connection.execute(
            users.insert()
            .values(username=username, password_hash=_hasher.hash(password), created_us=to_us(utcnow()))
            .returning(users.c.id)
        ).scalar_one()
    )


def grant(connection: Connection, workspace: int, user: int, role: WorkspaceRole) -> None:
    connection.execute(
        workspace_users.delete().where(
            workspace_users.c.workspace_id == workspace, workspace_users.c.user_id == user
        )
    )
    connection.execute(workspace_users.insert().values(workspace_id=workspace, user_id=user, role=str(role)))


def authenticate(connection: Connection, username: str, password: str) -> int | None:
    """The user's id when the password is right, else None (same answer for unknown users)."""
    row = connection.execute(
        select(users.c.id, users.c.password_hash).where(users.c.username == username)
    ).first()
    if row is None:
        _hasher.hash(password)  # spend the same time as a real check, so timing does not reveal usernames
        return None
    try:
        _hasher.verify(row[1], password)
    except (VerificationError, InvalidHashError):
        return None
    return int(row[0])


def memberships_of(connection: Connection, user: int) -> list[Membership]:
    rows = connection.execute(
        select(
            workspaces.c.id,
            workspaces.c.slug,
            workspaces.c.name,
            workspace_users.c.role,
            workspaces.c.language,
        )
        .join(workspace_users, workspace_users.c.workspace_id == workspaces.c.id)
        .where(workspace_users.c.user_id == user)
        .order_by(workspaces.c.name)
    )
    return [Membership(r[0], r[1], r[2], WorkspaceRole(r[3]), r[4]) for r in rows]

"""Workspaces, users and their roles; passwords kept as Argon2id hashes; the console's logins."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, select

from qunops.core.registry import WorkspaceRole
from qunops.core.time import to_us, utcnow
from qunops.store.schema import login_sessions, users, workspace_users, workspaces

_hasher = PasswordHasher()
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MIN_PASSWORD = 8
# How long a console login lasts from the moment of logging in (the session cookie's max-age too).
SESSION_LIFETIME = timedelta(days=14)


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
    _check_password(password)
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
    return int(row[0]) if _verifies(row[1], password) else None


def user_named(connection: Connection, username: str) -> int:
    found = connection.execute(select(users.c.id).where(users.c.username == username)).scalar()
    if found is None:
        raise AccountError(f"no user {username!r}")
    return int(found)


def password_is(connection: Connection, user: int, password: str) -> bool:
    """Whether `password` is the user's current one (asked again before it is changed)."""
    stored = connection.execute(select(users.c.password_hash).where(users.c.id == user)).scalar()
    return stored is not None and _verifies(str(stored), password)


def set_password(connection: Connection, user: int, password: str, keep_session: str | None = None) -> None:
    """Give the user a new password and end every login of theirs but `keep_session` (the browser that
    changed it): whoever knew the old password, or holds a copy of a cookie, is logged out."""
    _check_password(password)
    changed = connection.execute(
        users.update().where(users.c.id == user).values(password_hash=_hasher.hash(password))
    ).rowcount
    if not changed:
        raise AccountError("that user does not exist")
    end_sessions(connection, user, keep=keep_session)


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


# --- Console logins -----------------------------------------------------------------------------------
# One row per login rather than a per-user counter in the signed cookie: logging out ends that browser's
# login only (the same user on a second device stays logged in), while a password change or a removal
# ends them all. A row is read once per request with the user's name, as before.


def open_session(connection: Connection, user: int) -> str:
    """A new login of `user`; returns the token its cookie carries. Logins past their time are deleted
    here, the one moment that comes regularly and writes anyway, so requests themselves only read."""
    now = to_us(utcnow())
    connection.execute(login_sessions.delete().where(login_sessions.c.expires_us <= now))
    token = secrets.token_urlsafe(32)
    connection.execute(
        login_sessions.insert().values(
            token_hash=_token_hash(token),
            user_id=user,
            created_us=now,
            expires_us=now + SESSION_LIFETIME // timedelta(microseconds=1),
        )
    )
    return token


def session_user(connection: Connection, token: str) -> tuple[int, str] | None:
    """The id and name of the user whose live login `token` is; None when it has ended or expired."""
    row = connection.execute(
        select(users.c.id, users.c.username)
        .join(login_sessions, login_sessions.c.user_id == users.c.id)
        .where(
            login_sessions.c.token_hash == _token_hash(token), login_sessions.c.expires_us > to_us(utcnow())
        )
    ).first()
    return (int(row[0]), str(row[1])) if row is not None else None


def end_session(connection: Connection, token: str) -> None:
    connection.execute(login_sessions.delete().where(login_sessions.c.token_hash == _token_hash(token)))


def end_sessions(connection: Connection, user: int, keep: str | None = None) -> None:
    """End every login of the user, but the one whose token is `keep` if given."""
    query = login_sessions.delete().where(login_sessions.c.user_id == user)
    if keep is not None:
        query = query.where(login_sessions.c.token_hash != _token_hash(keep))
    connection.execute(query)


def _token_hash(token: str) -> str:
    # The token is 256 random bits: a plain SHA-256 suffices (no salt or slow hash needed to resist guessing).
    return hashlib.sha256(token.encode()).hexdigest()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")


def _verifies(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False

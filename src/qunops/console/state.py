"""The console's own state: how operators handled alerts, workspace settings, import jobs, membership.

One function per change, each doing the whole change (checks included), so pages and API share them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, delete, func, select, update

from qunops.console.i18n import LANGUAGES
from qunops.core.registry import WorkspaceRole
from qunops.core.texts import Text
from qunops.core.thresholds import DEFAULT_THRESHOLDS, Thresholds
from qunops.core.time import from_us_or_none, to_us, utcnow
from qunops.store.accounts import end_sessions
from qunops.store.rollups import refill_everything
from qunops.store.schema import (
    alert_states,
    import_jobs,
    users,
    workspace_settings,
    workspace_users,
    workspaces,
)


class ConsoleError(Exception):
    """A change that cannot be made; the message says why, in words for the operator."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message  # a `Text`, so pages show it in the operator's language
        self.field = field  # the form field it is about, where there is one


# --- Alerts -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlertState:
    acknowledged: datetime | None = None
    snoozed_until: datetime | None = None
    assignee_id: int | None = None

    def is_open(self, now: datetime) -> bool:
        return self.acknowledged is None and (self.snoozed_until is None or self.snoozed_until <= now)


def alert_states_of(connection: Connection, workspace_id: int) -> dict[str, AlertState]:
    return {
        str(r.alert_key): AlertState(
            from_us_or_none(r.acknowledged_us), from_us_or_none(r.snoozed_until_us), r.assignee_id
        )
        for r in connection.execute(select(alert_states).where(alert_states.c.workspace_id == workspace_id))
    }


def change_alert(
    connection: Connection,
    workspace_id: int,
    group_id: int,
    alert_key: str,
    by_user: int,
    *,
    acknowledge: bool | None = None,
    snooze_until: datetime | bool | None = False,
    assignee: int | bool | None = False,
) -> AlertState:
    """Acknowledge (or reopen), snooze (None clears) and/or assign (None unassigns) one alert.

    `False` for snooze_until/assignee means "leave as it is". The assignee must belong to the workspace.
    """
    if assignee not in (False, None) and not _is_member(connection, workspace_id, int(assignee)):
        raise ConsoleError(Text("The assignee does not belong to this workspace."))
    now = to_us(utcnow())
    current = connection.execute(
        select(alert_states).where(
            alert_states.c.workspace_id == workspace_id, alert_states.c.alert_key == alert_key
        )
    ).first()
    values: dict[str, Any] = {"updated_by": by_user, "updated_us": now, "group_id": group_id}
    if acknowledge is True:
        values.update(acknowledged_us=now, acknowledged_by=by_user)
    elif acknowledge is False:
        values.update(acknowledged_us=None, acknowledged_by=None, snoozed_until_us=None)
    if snooze_until is not False:
        values["snoozed_until_us"] = to_us(snooze_until) if isinstance(snooze_until, datetime) else None
    if assignee is not False:
        values["assignee_id"] = assignee
    if current is None:
        connection.execute(
            alert_states.insert().values(workspace_id=workspace_id, alert_key=alert_key, **values)
        )
    else:
        connection.execute(
            update(alert_states)
            .where(alert_states.c.workspace_id == workspace_id, alert_states.c.alert_key == alert_key)
            .values(**values)
        )
    return alert_states_of(connection, workspace_id)[alert_key]


# --- Workspace settings -------------------------------------------------------------------------------

# Shares (0–1) among the thresholds; every other float is a positive amount.
_SHARES = {"cooling_drop", "leave_wave_share", "opinion_leader_share", "concentration_top_share"}


def threshold_fields() -> list[tuple[str, type, Any]]:
    """(name, type, default) of every threshold, in the order the dataclass declares them."""
    return [
        (f.name, type(getattr(DEFAULT_THRESHOLDS, f.name)), f.default) for f in dataclasses.fields(Thresholds)
    ]


def workspace_thresholds(connection: Connection, workspace_id: int) -> Thresholds:
    """The workspace's thresholds: defaults with its stored overrides (unknown names are ignored)."""
    stored = connection.execute(
        select(workspace_settings.c.thresholds).where(workspace_settings.c.workspace_id == workspace_id)
    ).scalar()
    known = {name for name, _, _ in threshold_fields()}
    overrides = {k: v for k, v in (stored or {}).items() if k in known}
    return dataclasses.replace(DEFAULT_THRESHOLDS, **overrides)


def parse_thresholds(form: dict[str, str]) -> tuple[dict[str, int | float], dict[str, str]]:
    """Validate submitted thresholds: (overrides that differ from the defaults, errors by field)."""
    overrides: dict[str, int | float] = {}
    errors: dict[str, str] = {}
    values: dict[str, int | float] = {}
    for name, kind, default in threshold_fields():
        raw = form.get(name, "").strip()
        if raw == "":
            values[name] = default
            continue
        try:
            value: int | float = int(raw) if kind is int else float(raw)
        except ValueError:
            errors[name] = Text("a whole number") if kind is int else Text("a number")
            continue
        if value < 0 or (kind is float and value != value):
            errors[name] = Text("must not be negative")
            continue
        if name in _SHARES and not 0 <= value <= 1:
            errors[name] = Text("a share between 0 and 1")
            continue
        if name in ("quiet_hours_start", "quiet_hours_end") and value > 23:
            errors[name] = Text("an hour from 0 to 23")
            continue
        values[name] = value
        if value != default:
            overrides[name] = value
    for name in ("active_day_messages", "active_day_speakers", "week_days", "silence_alert_hours"):
        if name not in errors and values.get(name) == 0:
            errors[name] = Text("must be at least 1")
    # Cross-field rules: the lifecycle stages would contradict each other otherwise.
    if not errors:
        if values["steady_wad"] > values["thriving_wad"]:
            errors["steady_wad"] = Text("must not exceed the thriving WAD")
        if values["dormant_days"] >= values["dead_days"]:
            errors["dormant_days"] = Text("must be fewer days than dead")
        if values["thriving_wad"] > values["week_days"]:
            errors["thriving_wad"] = Text("cannot exceed the days of a week window")
    return overrides, errors


def save_workspace_settings(
    connection: Connection,
    workspace_id: int,
    by_user: int,
    timezone: str,
    overrides: dict[str, int | float],
    language: str | None = None,
) -> bool:
    """Save the workspace's timezone, thresholds and console language (None: each browser's own); returns
    whether the timezone changed. Its groups' days are then days of the new zone: the next fill of the
    rollups recomputes every day (`store.rollups.refill_everything`)."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConsoleError(
            Text("Unknown timezone {timezone!r}: use a name like Asia/Shanghai or UTC.", timezone=timezone),
            "timezone",
        ) from None
    if language is not None and language not in LANGUAGES:
        raise ConsoleError(
            Text("Unknown language {language!r}: choose English or 中文.", language=language), "language"
        )
    before = connection.execute(select(workspaces.c.timezone).where(workspaces.c.id == workspace_id)).scalar()
    connection.execute(
        update(workspaces).where(workspaces.c.id == workspace_id).values(timezone=timezone, language=language)
    )
    moved = before != timezone
    if moved:
        refill_everything(connection)
    now = to_us(utcnow())
    found = connection.execute(
        select(workspace_settings.c.workspace_id).where(workspace_settings.c.workspace_id == workspace_id)
    ).first()
    if found is None:
        connection.execute(
            workspace_settings.insert().values(
                workspace_id=workspace_id, thresholds=overrides, updated_by=by_user, updated_us=now
            )
        )
    else:
        connection.execute(
            update(workspace_settings)
            .where(workspace_settings.c.workspace_id == workspace_id)
            .values(thresholds=overrides, updated_by=by_user, updated_us=now)
        )
    return moved


# --- Workspace users ----------------------------------------------------------------------------------


def _is_member(connection: Connection, workspace_id: int, user_id: int) -> bool:
    return (
        connection.execute(
            select(workspace_users.c.user_id).where(
                workspace_users.c.workspace_id == workspace_id, workspace_users.c.user_id == user_id
            )
        ).first()
        is not None
    )


def _admins(connection: Connection, workspace_id: int) -> int:
    return int(
        connection.execute(
            select(func.count())
            .select_from(workspace_users)
            .where(workspace_users.c.workspace_id == workspace_id, workspace_users.c.role == "admin")
        ).scalar_one()
    )


def user_id_by_name(connection: Connection, username: str) -> int | None:
    found = connection.execute(select(users.c.id).where(users.c.username == username)).scalar()
    return int(found) if found is not None else None


def set_role(connection: Connection, workspace_id: int, user_id: int, role: WorkspaceRole) -> None:
    """Change a member's role; the last admin of a workspace stays admin (else nobody could manage it)."""
    current = connection.execute(
        select(workspace_users.c.role).where(
            workspace_users.c.workspace_id == workspace_id, workspace_users.c.user_id == user_id
        )
    ).scalar()
    if current is None:
        raise ConsoleError(Text("That user does not belong to this workspace."))
    if current == "admin" and role is not WorkspaceRole.ADMIN and _admins(connection, workspace_id) <= 1:
        raise ConsoleError(Text("A workspace needs at least one admin: make someone else admin first."))
    connection.execute(
        update(workspace_users)
        .where(workspace_users.c.workspace_id == workspace_id, workspace_users.c.user_id == user_id)
        .values(role=str(role))
    )


def remove_user(
    connection: Connection, workspace_id: int, user_id: int, keep_session: str | None = None
) -> None:
    """Take a user out of the workspace (the account stays; other workspaces keep it). Their logins end
    (but `keep_session`), so a browser left logged in, or a copy of its cookie, is of no more use: they
    log in again to reach the workspaces they still belong to."""
    set_role_check = connection.execute(
        select(workspace_users.c.role).where(
            workspace_users.c.workspace_id == workspace_id, workspace_users.c.user_id == user_id
        )
    ).scalar()
    if set_role_check is None:
        raise ConsoleError(Text("That user does not belong to this workspace."))
    if set_role_check == "admin" and _admins(connection, workspace_id) <= 1:
        raise ConsoleError(Text("A workspace needs at least one admin: make someone else admin first."))
    connection.execute(
        delete(workspace_users).where(
            workspace_users.c.workspace_id == workspace_id, workspace_users.c.user_id == user_id
        )
    )
    end_sessions(connection, user_id, keep=keep_session)


# --- Import jobs --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportJob:
    id: int
    workspace_id: int
    user_id: int | None
    state: str  # queued / running / done / failed
    files: list[dict[str, Any]]
    progress: dict[str, Any]
    report: dict[str, Any] | None
    error: str | None
    created: datetime
    finished: datetime | None

    @property
    def finished_work(self) -> bool:
        return self.state in ("done", "failed")


def create_import_job(
    connection: Connection, workspace_id: int, user_id: int, files: list[dict[str, Any]]
) -> int:
    return int(
        connection.execute(
            import_jobs.insert()
            .values(
                workspace_id=workspace_id,
                user_id=user_id,
                state="queued",
                files=files,
                progress={},
                created_us=to_us(utcnow()),
            )
            .returning(import_jobs.c.id)
        ).scalar_one()
    )


def update_import_job(connection: Connection, job_id: int, **values: Any) -> None:
    if values.get("state") in ("done", "failed"):
        values["finished_us"] = to_us(utcnow())
    connection.execute(update(import_jobs).where(import_jobs.c.id == job_id).values(**values))


def import_job(connection: Connection, workspace_id: int, job_id: int) -> ImportJob | None:
    row = connection.execute(
        select(import_jobs).where(import_jobs.c.id == job_id, import_jobs.c.workspace_id == workspace_id)
    ).first()
    return _job(row) if row is not None else None


def recent_import_jobs(connection: Connection, workspace_id: int, limit: int = 10) -> list[ImportJob]:
    rows = connection.execute(
        select(import_jobs)
        .where(import_jobs.c.workspace_id == workspace_id)
        .order_by(import_jobs.c.id.desc())
        .limit(limit)
    )
    return [_job(r) for r in rows]


def _job(row: Any) -> ImportJob:
    created = from_us_or_none(row.created_us)
    assert created is not None
    return ImportJob(
        id=row.id,
        workspace_id=row.workspace_id,
        user_id=row.user_id,
        state=row.state,
        files=list(row.files or []),
        progress=dict(row.progress or {}),
        report=row.report,
        error=row.error,
        created=created,
        finished=from_us_or_none(row.finished_us),
    )

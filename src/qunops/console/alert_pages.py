"""The alerts inbox: every group's alerts with how operators handled them (acknowledge, snooze, assign)."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from qunops.console import queries
from qunops.console.auth import CurrentViewer, FormEditor, Viewer, engine_of
from qunops.console.data import AlertItem, group_lines, local_today
from qunops.console.pages import AsOf
from qunops.console.render import is_htmx, page
from qunops.console.state import ConsoleError, change_alert
from qunops.core.texts import Text
from qunops.core.time import utcnow

router = APIRouter(include_in_schema=False)

STATUSES = ("open", "snoozed", "acknowledged", "all")
PER_PAGE = 50


def inbox(connection: Connection, workspace_id: int, as_of: date, status: str) -> list[AlertItem]:
    """The workspace's alerts in one status, most severe first, then by group."""
    now = utcnow()
    items = [a for line in group_lines(connection, workspace_id, as_of) for a in line.alerts]
    if status != "all":
        items = [a for a in items if a.status(now) == status]
    items.sort(key=lambda a: (-a.severity, a.group_name.lower(), a.kind))
    return items


def checked_group(connection: Connection, workspace_id: int, key: str) -> int:
    """The group id an alert key names, when that group belongs to the workspace (else 404)."""
    head = key.split(":", 1)[0]
    if not head.isdigit() or len(key) > 200 or queries.group_row(connection, workspace_id, int(head)) is None:
        raise HTTPException(404, Text("No such alert in this workspace."))
    return int(head)


@router.get("/alerts", response_class=HTMLResponse)
def alerts(
    request: Request,
    viewer: CurrentViewer,
    as_of: AsOf,
    show: str = "open",
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    status = show if show in STATUSES else "open"
    workspace_id = viewer.workspace.workspace_id
    with engine_of(request).connect() as connection:
        day = as_of or local_today(connection, workspace_id)
        items = inbox(connection, workspace_id, day, status)
        context = _row_context(connection, viewer, day)
    pages = max(1, math.ceil(len(items) / PER_PAGE))
    number = min(page_number, pages)
    params = {"show": status, "as_of": as_of.isoformat() if as_of else ""}
    return page(
        request,
        "alerts.html",
        {
            **context,
            "items": items[(number - 1) * PER_PAGE : number * PER_PAGE],
            "total": len(items),
            "page_number": number,
            "pages": pages,
            "params": params,
            "show": status,
            "statuses": STATUSES,
        },
    )


@router.post("/alerts/acknowledge", response_model=None)
def acknowledge(
    request: Request,
    viewer: FormEditor,
    key: Annotated[str, Form()],
    undo: Annotated[bool, Form()] = False,
    as_of: Annotated[date | None, Form()] = None,
) -> Response:
    return _change(request, viewer, key, as_of, acknowledge=not undo)


@router.post("/alerts/snooze", response_model=None)
def snooze(
    request: Request,
    viewer: FormEditor,
    key: Annotated[str, Form()],
    until: Annotated[str, Form()] = "",
    as_of: Annotated[date | None, Form()] = None,
) -> Response:
    with engine_of(request).connect() as connection:
        zone = ZoneInfo(queries.workspace_timezone(connection, viewer.workspace.workspace_id))
    moment: datetime | None = None
    if until.strip():
        try:
            moment = datetime.fromisoformat(until.strip())
        except ValueError:
            raise HTTPException(400, Text("Snooze until a date and time like 2026-12-01T09:00.")) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)  # a datetime-local field is in the workspace's time
        if moment <= utcnow():
            raise HTTPException(400, Text("Snooze until a moment in the future."))
    return _change(request, viewer, key, as_of, snooze_until=moment)


@router.post("/alerts/assign", response_model=None)
def assign(
    request: Request,
    viewer: FormEditor,
    key: Annotated[str, Form()],
    assignee_id: Annotated[str, Form()] = "",
    as_of: Annotated[date | None, Form()] = None,
) -> Response:
    if assignee_id and not assignee_id.isdigit():
        raise HTTPException(400, Text("Choose a user of this workspace."))
    return _change(request, viewer, key, as_of, assignee=int(assignee_id) if assignee_id else None)


def _change(request: Request, viewer: Viewer, key: str, as_of: date | None, **change: Any) -> Response:
    workspace_id = viewer.workspace.workspace_id
    with engine_of(request).begin() as connection:
        group_id = checked_group(connection, workspace_id, key)
        try:
            change_alert(connection, workspace_id, group_id, key, viewer.user_id, **change)
        except ConsoleError as exc:
            raise HTTPException(400, exc.message) from None
    if not is_htmx(request):
        return RedirectResponse(f"/alerts{'?as_of=' + as_of.isoformat() if as_of else ''}", status_code=303)
    with engine_of(request).connect() as connection:
        day = as_of or local_today(connection, workspace_id)
        item = next((a for a in inbox(connection, workspace_id, day, "all") if a.key == key), None)
        context = _row_context(connection, viewer, day)
    if item is None:  # the alert no longer holds: the row simply goes
        return HTMLResponse("")
    return page(request, "_alert_row.html", {**context, "a": item})


def _row_context(connection: Connection, viewer: Viewer, day: date) -> dict[str, Any]:
    workspace_id = viewer.workspace.workspace_id
    users = queries.workspace_user_list(connection, workspace_id)
    return {
        "user": viewer,
        "as_of": day,
        "users": users,
        "user_names": {u.id: u.username for u in users},
        "zone": queries.workspace_timezone(connection, workspace_id),
        "now": utcnow(),
    }

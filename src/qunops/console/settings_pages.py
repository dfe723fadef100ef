"""Settings: the workspace's users and roles, its timezone and thresholds (admins change; others read)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from qunops.console import queries
from qunops.console.auth import CurrentViewer, FormAdmin, Viewer, engine_of
from qunops.console.data import forget_summaries
from qunops.console.i18n import LANGUAGES
from qunops.console.render import page
from qunops.console.state import (
    ConsoleError,
    parse_thresholds,
    remove_user,
    save_workspace_settings,
    set_role,
    threshold_fields,
    user_id_by_name,
    workspace_thresholds,
)
from qunops.core.registry import WorkspaceRole
from qunops.core.texts import Text, recognised
from qunops.store.accounts import AccountError, create_user, grant

router = APIRouter(include_in_schema=False)


@router.get("/settings", response_class=HTMLResponse)
def settings(request: Request, viewer: CurrentViewer, saved: str = "") -> HTMLResponse:
    return _settings_page(request, viewer, saved=saved)


@router.post("/settings/workspace", response_model=None)
async def save_workspace(request: Request, viewer: FormAdmin) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    overrides, errors = parse_thresholds(form)
    timezone = form.get("timezone", "").strip()
    language = form.get("language", "").strip() or None
    if not errors:
        try:
            with engine_of(request).begin() as connection:
                save_workspace_settings(
                    connection, viewer.workspace.workspace_id, viewer.user_id, timezone, overrides, language
                )
        except ConsoleError as exc:
            errors[exc.field or "timezone"] = exc.message
    if errors:
        return _settings_page(request, viewer, errors=errors, submitted=form, status=400)
    forget_summaries()
    return RedirectResponse("/settings?saved=workspace#workspace", status_code=303)


@router.post("/settings/users", response_model=None)
def add_user(
    request: Request,
    viewer: FormAdmin,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "viewer",
) -> Response:
    """Add a user to the workspace: an existing account by name, or a new one with its password."""
    workspace_id = viewer.workspace.workspace_id
    chosen = _role(role)
    username = username.strip()
    try:
        with engine_of(request).begin() as connection:
            existing = user_id_by_name(connection, username)
            if existing is not None:
                if any(u.id == existing for u in queries.workspace_user_list(connection, workspace_id)):
                    raise AccountError(f"{username} is in this workspace already; change their role below.")
                user_id = existing
            else:
                user_id = create_user(connection, username, password)
            grant(connection, workspace_id, user_id, chosen)
    except AccountError as exc:
        message = str(exc)
        shown = recognised(message[:1].upper() + message[1:], _account_errors(username))
        return _settings_page(request, viewer, user_error=shown, status=400)
    return RedirectResponse("/settings?saved=users#users", status_code=303)


@router.post("/settings/users/{user_id}/role", response_model=None)
def change_role(
    request: Request, viewer: FormAdmin, user_id: int, role: Annotated[str, Form()] = ""
) -> Response:
    try:
        with engine_of(request).begin() as connection:
            set_role(connection, viewer.workspace.workspace_id, user_id, _role(role))
    except ConsoleError as exc:
        return _settings_page(request, viewer, user_error=exc.message, status=400)
    return RedirectResponse("/settings?saved=users#users", status_code=303)


@router.post("/settings/users/{user_id}/remove", response_model=None)
def remove(request: Request, viewer: FormAdmin, user_id: int) -> Response:
    try:
        with engine_of(request).begin() as connection:
            remove_user(connection, viewer.workspace.workspace_id, user_id)
    except ConsoleError as exc:
        return _settings_page(request, viewer, user_error=exc.message, status=400)
    if user_id == viewer.user_id:  # an admin who leaves the workspace cannot see it any more
        return RedirectResponse("/", status_code=303)
    return RedirectResponse("/settings?saved=users#users", status_code=303)


def _account_errors(username: str) -> tuple[Text, ...]:
    """What adding `username` can fail with, as the page shows it (capitalised), to be translated."""
    name = username[:1].upper() + username[1:]
    return (
        Text("A username has 1 to 64 characters"),
        Text("A password has at least 8 characters"),
        Text("User {username!r} exists already", username=username),
        Text("{name} is in this workspace already; change their role below.", name=name),
    )


def _role(value: str) -> WorkspaceRole:
    try:
        return WorkspaceRole(value)
    except ValueError:
        raise HTTPException(400, Text("A role is admin, operator or viewer.")) from None


def _settings_page(
    request: Request,
    viewer: Viewer,
    *,
    saved: str = "",
    errors: dict[str, str] | None = None,
    submitted: dict[str, str] | None = None,
    user_error: str = "",
    status: int = 200,
) -> HTMLResponse:
    workspace_id = viewer.workspace.workspace_id
    with engine_of(request).connect() as connection:
        users = queries.workspace_user_list(connection, workspace_id)
        thresholds = workspace_thresholds(connection, workspace_id)
        zone = queries.workspace_timezone(connection, workspace_id)
    values: dict[str, Any] = {name: getattr(thresholds, name) for name, _, _ in threshold_fields()}
    if submitted:
        values.update({name: submitted.get(name, "") for name in values})
    context = {
        "user": viewer,
        "users": users,
        "roles": [str(r) for r in WorkspaceRole],
        "fields": threshold_fields(),
        "values": values,
        "timezone": submitted.get("timezone", zone) if submitted else zone,
        "language": submitted.get("language", "") if submitted else (viewer.workspace.language or ""),
        "languages": LANGUAGES,
        "errors": errors or {},
        "user_error": user_error,
        "saved": saved,
    }
    return page(request, "settings.html", context, status=status)

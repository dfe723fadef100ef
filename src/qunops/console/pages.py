"""The console's HTML pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from qunops.analytics.overview import group_rows
from qunops.console.auth import CurrentViewer, engine_of
from qunops.console.render import page
from qunops.console.security import csrf_ok
from qunops.store.accounts import authenticate, memberships_of

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return page(request, "login.html", {"user": None, "next": _safe_next(next), "error": None})


@router.post("/login", response_model=None)
def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    if not csrf_ok(request, csrf_token):
        return page(
            request,
            "login.html",
            {"user": None, "next": _safe_next(next), "error": "The form expired; please try again."},
            status=400,
        )
    with engine_of(request).connect() as connection:
        user_id = authenticate(connection, username, password)
        spaces = memberships_of(connection, user_id) if user_id is not None else []
    if user_id is None:
        return page(
            request,
            "login.html",
            {"user": None, "next": _safe_next(next), "error": "Wrong username or password."},
            status=401,
        )
    request.session.clear()  # a fresh session on login: no fixation
    request.session["user_id"] = user_id
    if spaces:
        request.session["workspace_id"] = spaces[0].workspace_id
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form()] = "") -> RedirectResponse:
    if not csrf_ok(request, csrf_token):
        raise HTTPException(400, "The form expired; please try again.")
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post("/workspace")
def switch_workspace(
    request: Request,
    viewer: CurrentViewer,
    workspace_id: Annotated[int, Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> RedirectResponse:
    if not csrf_ok(request, csrf_token):
        raise HTTPException(400, "The form expired; please try again.")
    if workspace_id not in {w.workspace_id for w in viewer.workspaces}:
        raise HTTPException(403, "You do not belong to that workspace.")
    request.session["workspace_id"] = workspace_id
    return RedirectResponse("/", status_code=303)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, viewer: CurrentViewer) -> HTMLResponse:
    with engine_of(request).connect() as connection:
        rows = group_rows(connection, viewer.workspace.workspace_id)
    return page(request, "overview.html", {"user": viewer, "groups": rows})


def _safe_next(target: str) -> str:
    """Only local paths: a login must never redirect to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/"

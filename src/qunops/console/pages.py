"""The console's HTML pages."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from qunops.console.auth import CurrentViewer, engine_of
from qunops.console.data import SORTS, OverviewQuery, local_today
from qunops.console.data import overview as build_overview
from qunops.console.i18n import LANG_COOKIE, LANGUAGES
from qunops.console.render import is_htmx, page
from qunops.console.security import csrf_ok
from qunops.core.texts import Text
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
        raise HTTPException(400, Text("The form expired; please try again."))
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
        raise HTTPException(400, Text("The form expired; please try again."))
    if workspace_id not in {w.workspace_id for w in viewer.workspaces}:
        raise HTTPException(403, Text("You do not belong to that workspace."))
    request.session["workspace_id"] = workspace_id
    return RedirectResponse("/", status_code=303)


@router.get("/language")
def choose_language(request: Request, set: str = "en", next: str = "/") -> RedirectResponse:
    """Switch the console's language (a link, so it works without JavaScript and before logging in)."""
    chosen = set if set in LANGUAGES else "en"
    request.session["lang"] = chosen
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86_400, httponly=True, samesite="lax")
    return response


@router.get("/", response_class=HTMLResponse)
def overview(
    request: Request,
    viewer: CurrentViewer,
    as_of: date | None = None,
    q: str = "",
    platform: str = "",
    type: str = "",
    stage: str = "",
    tag: str = "",
    sort: str = "alerts",
    dir: str = "desc",
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> HTMLResponse:
    """All groups with their headline figures and today's briefing; filters are query parameters."""
    query = OverviewQuery(
        q=q[:200],
        platform=platform,
        group_type=type,
        stage=stage,
        tag=tag,
        sort=sort if sort in SORTS else "alerts",
        descending=dir != "asc",
        page=page_number,
        per_page=per_page,
    )
    with engine_of(request).connect() as connection:
        day = as_of or local_today(connection, viewer.workspace.workspace_id)
        view = build_overview(connection, viewer.workspace.workspace_id, day, query)
    params = {
        "as_of": as_of.isoformat() if as_of else "",
        "q": query.q,
        "platform": platform,
        "type": type,
        "stage": stage,
        "tag": tag,
        "sort": query.sort,
        "dir": "desc" if query.descending else "asc",
        "per_page": view.per_page if view.per_page != 50 else "",
    }
    context = {"user": viewer, "view": view, "params": params, "query": query, "sorts": SORTS}
    if is_htmx(request) and request.headers.get("HX-Target") == "groups-panel":
        return page(request, "_groups.html", context)
    return page(request, "overview.html", context)


def _safe_next(target: str) -> str:
    """Only local paths: a login must never redirect to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/"

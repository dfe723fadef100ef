"""The console's HTML pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from qunops.console import queries
from qunops.console.auth import SESSION_KEY, CurrentViewer, engine_of, session_token
from qunops.console.data import SORTS, OverviewQuery, local_today
from qunops.console.data import overview as build_overview
from qunops.console.i18n import LANG_COOKIE, LANGUAGES
from qunops.console.render import is_htmx, page
from qunops.console.security import csrf_ok
from qunops.core.texts import Text
from qunops.store.accounts import authenticate, end_session, memberships_of, open_session

router = APIRouter(include_in_schema=False)

# The dates a page can be viewed as of: chat exports begin in the 1990s at the earliest, and a year ahead
# is as far as a planned end date sensibly reaches (beyond, date arithmetic of the windows overflows).
EARLIEST_AS_OF = date(1990, 1, 1)
LATEST_AS_OF_DAYS_AHEAD = 366
# The "your data ends on …" hint shows when the date viewed is this many days past the newest events.
STALE_DATA_DAYS = 14
MEMBER_SEARCH_PAGE = 50


def as_of_param(as_of: str = "") -> date | None:
    """The `?as_of=YYYY-MM-DD` of a page (None: today). A value that is not a date, or one out of range,
    is a 422 page saying so in the viewer's language, not a validator's message or a traceback."""
    raw = as_of.strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise HTTPException(
            422, Text("“{value}” is not a date: give one like 2016-08-31 (year-month-day).", value=raw[:40])
        )
    latest = datetime.now(UTC).date() + timedelta(days=LATEST_AS_OF_DAYS_AHEAD)
    if not EARLIEST_AS_OF <= day <= latest:
        raise HTTPException(
            422,
            Text(
                "There is nothing to show as of {day}: choose a date from {earliest} to {latest}.",
                day=day.isoformat(),
                earliest=EARLIEST_AS_OF.isoformat(),
                latest=latest.isoformat(),
            ),
        )
    return day


AsOf = Annotated[date | None, Depends(as_of_param)]

# Ids of rows whose `id` column is an `Integer` (32 bits on PostgreSQL; groups, members, users, import
# jobs): a larger one names no row, and asking the database for it would fail, not find nothing.
ROW_ID_MAX = 2**31 - 1
GroupId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="The group's id.")]
MemberId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="The member's id.")]
JobId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="The import's id.")]
UserId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="The user's id.")]


def dates_context(
    connection: Connection, workspace_id: int, as_of: date | None, day: date, group_id: int | None = None
) -> dict[str, Any]:
    """What the "As of" bar shows: today, the date the URL pins (kept by the page's links), and the day
    the data ends when the date viewed is well past it (an imported history: today, all is dead)."""
    ends = queries.latest_event_day(connection, workspace_id, group_id)
    return {
        "today": local_today(connection, workspace_id),
        "pinned": as_of.isoformat() if as_of else "",
        "data_ends": ends if ends is not None and (day - ends).days > STALE_DATA_DAYS else None,
        "latest_as_of": datetime.now(UTC).date() + timedelta(days=LATEST_AS_OF_DAYS_AHEAD),
        "earliest_as_of": EARLIEST_AS_OF,
    }


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
    if user_id is None:
        return page(
            request,
            "login.html",
            {"user": None, "next": _safe_next(next), "error": "Wrong username or password."},
            status=401,
        )
    with engine_of(request).begin() as connection:
        previous = session_token(request)
        if previous is not None:  # logging in again over a login: the old one ends, not left behind
            end_session(connection, previous)
        token = open_session(connection, user_id)
        spaces = memberships_of(connection, user_id)
    request.session.clear()  # a fresh session on login: no fixation
    request.session[SESSION_KEY] = token
    if spaces:
        request.session["workspace_id"] = spaces[0].workspace_id
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form()] = "") -> RedirectResponse:
    if not csrf_ok(request, csrf_token):
        raise HTTPException(400, Text("The form expired; please try again."))
    token = session_token(request)
    if token is not None:  # ended on the server: a copy of the cookie is refused from now on
        with engine_of(request).begin() as connection:
            end_session(connection, token)
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
    as_of: AsOf,
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
        dates = dates_context(connection, viewer.workspace.workspace_id, as_of, day)
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
    context = {
        "user": viewer,
        "view": view,
        "params": params,
        "query": query,
        "sorts": SORTS,
        "as_of": day,
        **dates,
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "groups-panel":
        return page(request, "_groups.html", context)
    return page(request, "overview.html", context)


@router.get("/members", response_class=HTMLResponse)
def member_search(
    request: Request,
    viewer: CurrentViewer,
    as_of: AsOf,
    q: str = "",
    page_number: Annotated[str, Query(alias="page")] = "1",
) -> HTMLResponse:
    """Find a member of the workspace by a name they use or used, across all groups."""
    workspace_id = viewer.workspace.workspace_id
    needle = q.strip()[:100]
    number = int(page_number) if page_number.isdigit() and 0 < int(page_number) <= 100_000 else 1
    with engine_of(request).connect() as connection:
        day = as_of or local_today(connection, workspace_id)
        found, total = (
            queries.search_members(
                connection, workspace_id, needle, MEMBER_SEARCH_PAGE, (number - 1) * MEMBER_SEARCH_PAGE
            )
            if needle
            else ([], 0)
        )
        dates = dates_context(connection, workspace_id, as_of, day)
        zone = queries.workspace_timezone(connection, workspace_id)
    pages = max(1, -(-total // MEMBER_SEARCH_PAGE))
    context = {
        "user": viewer,
        "found": found,
        "total": total,
        "q": needle,
        "page_number": number,
        "pages": pages,
        "params": {"q": needle, "as_of": dates["pinned"]},
        "as_of": day,
        "zone": zone,
        **dates,
    }
    return page(request, "members.html", context)


def _safe_next(target: str) -> str:
    """Only local paths: a login must never redirect to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/"

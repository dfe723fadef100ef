"""The group page (charts, members, roles, alerts, registry editing) and the member page."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from qunops.actions import Actor
from qunops.actions.audit import audit
from qunops.analytics.detail import last_active_days
from qunops.analytics.groups import group_summaries
from qunops.console import queries
from qunops.console.auth import CurrentViewer, FormEditor, engine_of
from qunops.console.data import MEMBER_ROWS, forget_summaries, group_page, local_today, topics_of
from qunops.console.pages import AsOf, GroupId, MemberId, dates_context
from qunops.console.render import is_htmx, page
from qunops.console.state import workspace_thresholds
from qunops.core.platforms import Platform
from qunops.core.registry import DurationKind, EntryThreshold, ExtendedResource, GroupProfile, GroupType
from qunops.core.texts import Text, listing
from qunops.core.time import day_end_us, utcnow
from qunops.moderation.store import penalty_history
from qunops.store.aliases import MergeError, merge_members
from qunops.store.db import bulk_writing
from qunops.store.registry import save_profile
from qunops.store.rollups import fill_rollups

router = APIRouter(include_in_schema=False)

MEMBER_DAYS = 60
MEMBERS_PER_PAGE = 50
# The members list's orders: the group page's (messages in 30 days), the latest active first, by name.
MEMBER_SORTS: dict[str, Any] = {
    "messages": lambda m: (-m.messages_30, -(m.last_active or date.min).toordinal(), m.member_id),
    "last": lambda m: (-(m.last_active or date.min).toordinal(), -m.messages_30, m.member_id),
    "name": lambda m: (m.name.casefold(), m.member_id),
}


@router.get("/groups/{group_id}", response_class=HTMLResponse)
def group(
    request: Request, viewer: CurrentViewer, group_id: GroupId, as_of: AsOf, saved: bool = False
) -> HTMLResponse:
    return _group_response(request, viewer, group_id, as_of, saved=saved)


@router.get("/groups/{group_id}/topics", response_class=HTMLResponse)
def topics(request: Request, viewer: CurrentViewer, group_id: GroupId, as_of: AsOf) -> HTMLResponse:
    """The group's topics: an HTMX fragment of the group page, or a page of its own without JavaScript."""
    workspace_id = viewer.workspace.workspace_id
    with engine_of(request).connect() as connection:
        row = queries.group_row(connection, workspace_id, group_id)
        if row is None:
            raise HTTPException(404, Text("No such group in this workspace."))
        day = as_of or local_today(connection, workspace_id)
        found = topics_of(connection, group_id, day, workspace_thresholds(connection, workspace_id))
    context = {"user": viewer, "topics": found, "g": row, "as_of": day}
    return page(request, "_topics.html" if is_htmx(request) else "topics.html", context)


@router.post("/groups/{group_id}/registry", response_model=None)
async def edit_registry(request: Request, viewer: FormEditor, group_id: GroupId) -> Response:
    """Save the registry fields of a group; a bad value re-shows the form with the reason beside it."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    workspace_id = viewer.workspace.workspace_id
    with engine_of(request).begin() as connection:
        row = queries.group_row(connection, workspace_id, group_id)
        if row is None:
            raise HTTPException(404, Text("No such group in this workspace."))
        profile, errors = parse_profile(row, form)
        if profile is not None:
            save_profile(connection, workspace_id, profile)
    if errors:
        return _group_response(request, viewer, group_id, None, errors=errors, submitted=form, status=400)
    forget_summaries()
    return RedirectResponse(f"/groups/{group_id}?saved=1#registry", status_code=303)


@router.get("/members/{member_id}", response_model=None)
def member(request: Request, viewer: CurrentViewer, member_id: MemberId, as_of: AsOf) -> Response:
    return _member_response(request, viewer, member_id, as_of)


def _member_response(
    request: Request,
    viewer: Any,
    member_id: int,
    as_of: date | None,
    merge_error: str | None = None,
    status: int = 200,
) -> Response:
    workspace_id = viewer.workspace.workspace_id
    with engine_of(request).connect() as connection:
        profile = queries.member_row(connection, workspace_id, member_id)
        if profile is None:
            raise HTTPException(404, Text("No such member in this workspace."))
        if profile.merged_into is not None:
            # Merged into another member: that member is who this one was.
            query = f"?merged={member_id}" + (f"&as_of={as_of.isoformat()}" if as_of else "")
            return RedirectResponse(f"/members/{profile.merged_into}{query}", status_code=303)
        day = as_of or local_today(connection, workspace_id)
        context = member_context(connection, workspace_id, profile, day)
        dates = dates_context(connection, workspace_id, as_of, day)
    merged = request.query_params.get("merged", "")
    extra = {"merge_error": merge_error, "merged": merged if merged.isdigit() else ""}
    return page(request, "member.html", {"user": viewer, **context, **dates, **extra}, status=status)


@router.post("/members/{member_id}/merge", response_model=None)
async def merge_member(request: Request, viewer: FormEditor, member_id: MemberId) -> Response:
    """Merge this member into the one the form names (the same person under another identity)."""
    form = await request.form()
    into, reason = str(form.get("into", "")).strip(), str(form.get("reason", "")).strip()
    if not into.isdigit() or not 0 < int(into) < 2**63:
        problem = Text("Give the id of the member this one is (the number in its page's address).")
        return _member_response(request, viewer, member_id, None, problem, status=400)
    workspace_id = viewer.workspace.workspace_id
    engine = engine_of(request)
    try:
        with bulk_writing(engine, f"import:{workspace_id}") as connection:
            merged = merge_members(connection, workspace_id, member_id, int(into))
            audit(
                connection,
                workspace_id,
                Actor.user(viewer.user_id, viewer.username),
                "member.merge",
                f"member:{into}",
                reason,
                utcnow(),
                before={"member": member_id, "events": merged.events, "groups": merged.groups},
                after={"member": int(into)},
            )
    except MergeError as exc:
        return _member_response(request, viewer, member_id, None, exc.message, status=400)
    fill_rollups(engine)  # what the merged member's events changed that no rollup had reached yet
    forget_summaries()
    return RedirectResponse(f"/members/{into}?merged={member_id}", status_code=303)


@router.get("/groups/{group_id}/members", response_class=HTMLResponse)
def group_members(
    request: Request,
    viewer: CurrentViewer,
    group_id: GroupId,
    as_of: AsOf,
    q: str = "",
    sort: str = "messages",
    page_number: Annotated[str, Query(alias="page")] = "1",
) -> HTMLResponse:
    """Every member of the group as of the date with their roles, searchable by name, sorted and paged.

    Roles are the group page's (analytics reads every member to infer them: the top 5% by replies
    received, for one, needs them all), so the list is the summary's, filtered and paged here."""
    workspace_id = viewer.workspace.workspace_id
    needle = q.strip()[:100]
    order = sort if sort in MEMBER_SORTS else "messages"
    with engine_of(request).connect() as connection:
        row = queries.group_row(connection, workspace_id, group_id)
        if row is None:
            raise HTTPException(404, Text("No such group in this workspace."))
        day = as_of or local_today(connection, workspace_id)
        first, last = queries.group_day_span(connection, group_id)
        roster = []
        if first is None or day >= first:
            thresholds = workspace_thresholds(connection, workspace_id)
            found = group_summaries(
                connection, workspace_id, day, group_ids=[group_id], thresholds=thresholds
            )
            last_active = last_active_days(connection, group_id, day)
            roster = [
                replace(m, last_active=last_active.get(m.member_id))
                for m in (found[0].roles.members if found else [])
            ]
        dates = dates_context(connection, workspace_id, as_of, day, group_id)
    chosen = [m for m in roster if needle.casefold() in m.name.casefold()] if needle else list(roster)
    chosen.sort(key=MEMBER_SORTS[order])
    pages = max(1, -(-len(chosen) // MEMBERS_PER_PAGE))
    number = min(int(page_number), pages) if page_number.isdigit() and int(page_number) > 0 else 1
    context = {
        "user": viewer,
        "g": row,
        "rows": chosen[(number - 1) * MEMBERS_PER_PAGE : number * MEMBERS_PER_PAGE],
        "matched": len(chosen),
        "total": len(roster),
        "page_number": number,
        "pages": pages,
        "sorts": list(MEMBER_SORTS),
        "params": {"q": needle, "sort": order, "as_of": dates["pinned"]},
        "begins": _begins_later(first, last, day),
        "as_of": day,
        **dates,
    }
    return page(request, "group_members.html", context)


def _begins_later(first: date | None, last: date | None, day: date) -> dict[str, date] | None:
    """When the group's history begins after the date: its first day, and the end of its first week
    (or its last day, if sooner) to view it as of instead."""
    if first is None or last is None or day >= first:
        return None
    return {"first": first, "first_week": min(first + timedelta(days=6), last)}


@dataclass(frozen=True, slots=True)
class MembershipAsOf:
    """A member's place in a group as of a date: a `queries.member_groups` row, its counts and leaving
    taken up to the end of that date."""

    group_id: int
    group_name: str
    platform: str
    joined_us: int | None
    left_us: int | None
    inviter_id: int | None
    inviter_name: str | None
    join_channel: str | None
    first_message_us: int | None
    last_message_us: int | None
    messages: int
    is_admin: bool
    roles: list[str] | None


def memberships_as_of(connection: Any, workspace_id: int, member_id: int, day: date) -> list[MembershipAsOf]:
    """The member's groups as of the end of `day` (in the workspace's timezone): those joined or spoken in
    by then, with the messages, first and last message up to it, and a leaving only if it came by then."""
    end_us = day_end_us(day, ZoneInfo(queries.workspace_timezone(connection, workspace_id)))
    activity = queries.member_activity_until(connection, member_id, day)
    found: list[MembershipAsOf] = []
    for m in queries.member_groups(connection, member_id):
        messages, first_us, last_us = activity.get(m.group_id, (0, None, None))
        if (m.joined_us is None or m.joined_us >= end_us) and first_us is None:
            continue  # not in the group yet
        left = m.left_us if m.left_us is not None and m.left_us < end_us else None
        found.append(
            MembershipAsOf(
                m.group_id, m.group_name, m.platform, m.joined_us, left, m.inviter_id, m.inviter_name,
                m.join_channel, first_us, last_us, messages, bool(m.is_admin), m.roles,
            )
        )  # fmt: skip
    return sorted(found, key=lambda m: -m.messages)


def member_context(connection: Any, workspace_id: int, profile: Any, day: date) -> dict[str, Any]:
    """The member's groups as of the day (with roles and how they joined) and daily messages across
    groups."""
    memberships = memberships_as_of(connection, workspace_id, profile.id, day)
    group_ids = [m.group_id for m in memberships]
    roles: dict[int, list[str]] = {}
    if group_ids:
        thresholds = workspace_thresholds(connection, workspace_id)
        for summary in group_summaries(
            connection, workspace_id, day, group_ids=group_ids, thresholds=thresholds
        ):
            roles[summary.id] = summary.roles_by_member().get(profile.id, [])
    start = day - timedelta(days=MEMBER_DAYS - 1)
    days = [start + timedelta(days=n) for n in range(MEMBER_DAYS)]
    names = {m.group_id: m.group_name for m in memberships}
    by_group: dict[int, list[int]] = {}
    for row in queries.member_daily(connection, profile.id, start, day):
        by_group.setdefault(row.group_id, [0] * MEMBER_DAYS)[(row.day - start).days] = int(row.messages)
    chart = {
        "days": [d.isoformat() for d in days],
        "series": [{"name": names.get(g, str(g)), "data": data} for g, data in by_group.items()],
    }
    return {
        "penalties": penalty_history(connection, workspace_id, profile.id),
        "member": profile,
        "memberships": memberships,
        "roles": roles,
        "chart": chart,
        "as_of": day,
        "zone": queries.workspace_timezone(connection, workspace_id),
    }


def _group_response(
    request: Request,
    viewer: CurrentViewer,
    group_id: int,
    as_of: date | None,
    *,
    saved: bool = False,
    errors: dict[str, str] | None = None,
    submitted: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    workspace_id = viewer.workspace.workspace_id
    with engine_of(request).connect() as connection:
        registry = queries.group_row(connection, workspace_id, group_id)
        if registry is None:
            raise HTTPException(404, Text("No such group in this workspace."))
        day = as_of or local_today(connection, workspace_id)
        begins = _begins_later(*queries.group_day_span(connection, group_id), day)
        # A group asked for as of a date before its history would read as an empty, cooling group.
        view = None if begins else group_page(connection, workspace_id, group_id, day)
        zone = queries.workspace_timezone(connection, workspace_id)
        dates = dates_context(connection, workspace_id, as_of, day, group_id)
    if view is None and begins is None:
        raise HTTPException(404, Text("No such group in this workspace."))
    context = {
        "user": viewer,
        "view": view,
        "g": registry,
        "s": view.summary if view else None,
        "begins": begins,
        "as_of": day,
        "zone": registry.timezone or zone,
        "saved": saved,
        "member_rows": MEMBER_ROWS,
        "errors": errors or {},
        "form": submitted or registry_form(registry),
        **dates,
        "choices": {
            "group_type": [str(t) for t in GroupType],
            "duration_kind": [str(t) for t in DurationKind],
            "entry_threshold": [str(t) for t in EntryThreshold],
        },
    }
    return page(request, "group.html", context, status=status)


def registry_form(row: Any) -> dict[str, str]:
    """The registry fields of a group as form values."""
    return {
        "purpose": row.purpose or "",
        "group_type": row.group_type,
        "duration_kind": row.duration_kind,
        "planned_end": row.planned_end.isoformat() if row.planned_end else "",
        "entry_threshold": row.entry_threshold,
        "capacity": "" if row.capacity is None else str(row.capacity),
        "timezone": row.timezone or "",
        "matrix": row.matrix or "",
        "tags": ", ".join(str(t) for t in (row.tags or [])),
        "extended_resources": "\n".join(
            f"{r.get('kind', '')}: {r.get('name', '')}" for r in (row.extended_resources or [])
        ),
    }


def parse_profile(row: Any, form: dict[str, str]) -> tuple[GroupProfile | None, dict[str, str]]:
    """The submitted registry fields as a profile of the group, or the errors by field."""
    errors: dict[str, str] = {}

    def choice(name: str, kind: type[GroupType] | type[DurationKind] | type[EntryThreshold]) -> Any:
        value = form.get(name, "")
        try:
            return kind(value)
        except ValueError:
            errors[name] = Text("choose one of: {choices}", choices=listing(list(kind)))
            return None

    group_type = choice("group_type", GroupType)
    duration = choice("duration_kind", DurationKind)
    threshold = choice("entry_threshold", EntryThreshold)
    planned_end = None
    if raw := form.get("planned_end", "").strip():
        try:
            planned_end = date.fromisoformat(raw)
        except ValueError:
            errors["planned_end"] = Text("a date like 2026-12-31")
    capacity = None
    if raw := form.get("capacity", "").strip():
        if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
            errors["capacity"] = Text("a whole number of members, 1 or more")
        else:
            capacity = int(raw)
    zone = form.get("timezone", "").strip() or None
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            errors["timezone"] = Text("a timezone name like Asia/Shanghai (empty: the workspace's)")
    purpose = form.get("purpose", "").strip()
    if len(purpose) > 2000:
        errors["purpose"] = Text("at most {count:,} characters", count=2000)
    matrix = form.get("matrix", "").strip()
    if len(matrix) > 200:
        errors["matrix"] = Text("at most {count:,} characters", count=200)
    tags = tuple(
        dict.fromkeys(t.strip() for t in form.get("tags", "").replace("，", ",").split(",") if t.strip())
    )
    if any(len(t) > 50 for t in tags) or len(tags) > 30:
        errors["tags"] = Text("at most 30 tags of at most 50 characters")
    resources: list[ExtendedResource] = []
    for number, line in enumerate(form.get("extended_resources", "").splitlines(), start=1):
        if not line.strip():
            continue
        kind, sep, name = line.partition(":")
        if not sep or not kind.strip() or not name.strip():
            errors["extended_resources"] = Text(
                "line {number}: write “kind: name”, e.g. official account: Brand", number=number
            )
            break
        resources.append(ExtendedResource(kind.strip()[:50], name.strip()[:200], route_order=len(resources)))
    if errors:
        return None, errors
    profile = GroupProfile(
        platform=Platform(row.platform),
        external_id=row.external_id,
        name=row.name,
        purpose=purpose,
        group_type=group_type,
        duration_kind=duration,
        planned_end=planned_end,
        entry_threshold=threshold,
        capacity=capacity,
        timezone=zone,
        matrix=matrix,
        tags=tags,
        extended_resources=tuple(resources),
    )
    return profile, errors

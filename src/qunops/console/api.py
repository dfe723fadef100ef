"""The JSON API under /api (OpenAPI schema at /api/openapi.json): what the pages show, as data.

Every endpoint is scoped to the session's current workspace and checked against the user's role there;
endpoints that change something need an operator or admin and the X-CSRF-Token header (from /api/me).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from qunops.console import queries
from qunops.console.alert_pages import STATUSES, checked_group, inbox
from qunops.console.auth import ApiEditor, CurrentViewer, engine_of
from qunops.console.data import (
    EVERY_ROW,
    SORTS,
    AlertItem,
    GroupLine,
    OverviewQuery,
    group_page,
    local_today,
    overview,
    topics_of,
)
from qunops.console.group_pages import member_context
from qunops.console.pages import ROW_ID_MAX, AsOf, GroupId, JobId, MemberId
from qunops.console.security import csrf_token
from qunops.console.state import ConsoleError, change_alert, import_job, workspace_thresholds
from qunops.core.texts import Text
from qunops.core.time import from_us_or_none, utcnow

router = APIRouter(tags=["api"])

AlertKey = Annotated[str, Path(max_length=200, description="The alert's key, as listed by GET /api/alerts.")]


class WorkspaceOut(BaseModel):
    id: int
    slug: str
    name: str
    role: str


class MeOut(BaseModel):
    username: str
    workspace: WorkspaceOut
    workspaces: list[WorkspaceOut]
    csrf_token: str = Field(description="Send it as the X-CSRF-Token header on POST requests.")


class AlertStateOut(BaseModel):
    status: str  # open / snoozed / acknowledged
    acknowledged: datetime | None
    snoozed_until: datetime | None
    assignee_id: int | None


class AlertOut(BaseModel):
    key: str
    group_id: int
    group_name: str
    kind: str
    severity: int = Field(description="3 critical, 2 warning, 1 notice")
    message: str
    evidence: dict[str, Any]
    recommended: list[str]
    state: AlertStateOut


class GroupOut(BaseModel):
    id: int
    platform: str
    external_id: str
    name: str
    group_type: str
    duration_kind: str
    tags: list[str]
    as_of: date
    members: int
    stage: str
    stage_reason: str
    health_score: float
    health_explanation: list[str]
    wad: int
    messages_per_active_day: float
    new_member_speakers_per_active_day: float
    speaker_ratio: float
    lurker_share: float
    silence_hours: float | None
    last_message: datetime | None
    messages_30d: int
    daily_messages: list[int] = Field(description="Member messages per day, trailing 30 days, oldest first.")
    alerts: list[AlertOut]


class MemberOut(BaseModel):
    id: int
    name: str
    roles: list[str]
    designated_roles: list[str]
    is_admin: bool
    is_bot: bool
    is_operator: bool
    messages: int
    joined: datetime | None
    left: datetime | None
    last_message: datetime | None


class GroupDetailOut(BaseModel):
    group: GroupOut
    registry: dict[str, Any]
    detail: dict[str, Any] = Field(
        description="Every measure as of the date, 60 days of daily series (member messages, speakers, "
        "joins, leaves, WAD), the weekday × hour heatmap, role pyramid and counts, newcomer activation, "
        "members with roles and last activity, role checks and suggestions."
    )


class BeginsLaterOut(BaseModel):
    detail: str
    begins: date | None = Field(
        None,
        description="When the group's history begins after as_of: its first day, the earliest as_of it "
        "has measures for (absent when the request itself was invalid).",
    )


class TopicOut(BaseModel):
    term: str
    score: float
    count: int = Field(description="Member messages in the window that contain the term.")


class MembershipOut(BaseModel):
    group_id: int
    group_name: str
    platform: str
    roles: list[str]
    joined: datetime | None
    left: datetime | None
    inviter_id: int | None
    inviter_name: str | None
    join_channel: str | None
    messages: int
    first_message: datetime | None
    last_message: datetime | None


class MemberDetailOut(BaseModel):
    id: int
    name: str
    platform: str
    is_bot: bool
    is_operator: bool
    groups: list[MembershipOut]
    daily_messages: dict[str, Any]
    penalties: list[dict[str, Any]]


class AcknowledgeIn(BaseModel):
    acknowledged: bool = True


class SnoozeIn(BaseModel):
    until: datetime | None = Field(description="When the alert comes back; null ends the snooze.")


class AssignIn(BaseModel):
    assignee_id: int | None = Field(
        ge=1, le=ROW_ID_MAX, description="A user of the workspace; null leaves it unassigned."
    )


class ImportJobOut(BaseModel):
    id: int
    state: str
    files: list[dict[str, Any]]
    progress: dict[str, Any]
    report: dict[str, Any] | None
    error: str | None
    created: datetime
    finished: datetime | None


@router.get("/me")
def me(request: Request, viewer: CurrentViewer) -> MeOut:
    spaces = [
        WorkspaceOut(id=w.workspace_id, slug=w.slug, name=w.name, role=w.role) for w in viewer.workspaces
    ]
    current = next(s for s in spaces if s.id == viewer.workspace.workspace_id)
    return MeOut(
        username=viewer.username, workspace=current, workspaces=spaces, csrf_token=csrf_token(request)
    )


@router.get("/groups")
def groups(
    request: Request,
    viewer: CurrentViewer,
    as_of: AsOf,
    q: str = "",
    platform: str = "",
    type: str = "",
    stage: str = "",
    tag: str = "",
    sort: Annotated[
        str, Query(description="The overview's sort keys.", json_schema_extra={"enum": list(SORTS)})
    ] = "name",
    dir: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc",
) -> list[GroupOut]:
    """The groups of the current workspace with their summaries (read from rollups), filtered and sorted.

    `sort` is one of the overview's keys (empty: by name); another is a 422 that lists them."""
    sort = sort or "name"
    if sort not in SORTS:
        raise HTTPException(422, f"sort: one of {', '.join(SORTS)}")
    query = OverviewQuery(q, platform, type, stage, tag, sort, dir == "desc", 1, EVERY_ROW)
    with engine_of(request).connect() as connection:
        day = as_of or local_today(connection, viewer.workspace.workspace_id)
        view = overview(connection, viewer.workspace.workspace_id, day, query, briefing_size=0)
    return [_group_out(line) for line in view.lines]


@router.get(
    "/groups/{group_id}",
    response_model=GroupDetailOut,
    responses={
        422: {
            "model": BeginsLaterOut,
            "description": "The group's history begins after as_of, or a parameter is invalid.",
        }
    },
)
def group_detail(
    request: Request, viewer: CurrentViewer, group_id: GroupId, as_of: AsOf
) -> GroupDetailOut | JSONResponse:
    """One group: its registry, every measure, chart series, roles, members and alerts.

    As of a date before the group's history begins (its first day with events) there is nothing to
    measure: the answer is a 422 whose `detail` says so and whose `begins` is that first day, e.g.
    `{"detail": "This group's history begins on 2016-07-19; nothing to show as of 2016-07-01.",
    "begins": "2016-07-19"}`, as the group page says it, rather than an empty group in its "cooling"
    stage. /api/groups leaves such a group out as of that date."""
    workspace_id = viewer.workspace.workspace_id
    with engine_of(request).connect() as connection:
        if queries.group_row(connection, workspace_id, group_id) is None:
            raise HTTPException(404, "No such group in this workspace.")
        day = as_of or local_today(connection, workspace_id)
        first, _last = queries.group_day_span(connection, group_id)
        begins = first if first is not None and day < first else None
        view = None if begins else group_page(connection, workspace_id, group_id, day)
    if begins is not None:
        message = Text(
            "This group's history begins on {first}; nothing to show as of {date}.",
            first=begins.isoformat(),
            date=day.isoformat(),
        )
        return JSONResponse({"detail": str(message), "begins": begins.isoformat()}, status_code=422)
    if view is None:
        raise HTTPException(404, "No such group in this workspace.")
    row = view.registry
    registry = {
        "purpose": row.purpose,
        "group_type": row.group_type,
        "duration_kind": row.duration_kind,
        "planned_end": row.planned_end.isoformat() if row.planned_end else None,
        "entry_threshold": row.entry_threshold,
        "capacity": row.capacity,
        "timezone": row.timezone,
        "matrix": row.matrix,
        "tags": list(row.tags or []),
        "extended_resources": list(row.extended_resources or []),
    }
    line = GroupLine(view.summary, list(row.tags or []), view.alerts)
    return GroupDetailOut(
        group=_group_out(line),
        registry=registry,
        detail=view.detail.as_json(),
    )


@router.get("/groups/{group_id}/topics")
def group_topics(request: Request, viewer: CurrentViewer, group_id: GroupId, as_of: AsOf) -> list[TopicOut]:
    """The group's top keywords and phrases over the last 30 days (reads message text: about a second)."""
    workspace_id = viewer.workspace.workspace_id
    with engine_of(request).connect() as connection:
        if queries.group_row(connection, workspace_id, group_id) is None:
            raise HTTPException(404, "No such group in this workspace.")
        day = as_of or local_today(connection, workspace_id)
        found = topics_of(connection, group_id, day, workspace_thresholds(connection, workspace_id))
    return [TopicOut(term=t.term, score=round(t.score, 4), count=t.count) for t in found]


@router.get("/members/{member_id}")
def member_detail(
    request: Request, viewer: CurrentViewer, member_id: MemberId, as_of: AsOf
) -> MemberDetailOut:
    """A member across the workspace's groups: roles, activity, and how they joined each group."""
    workspace_id = viewer.workspace.workspace_id
    with engine_of(request).connect() as connection:
        profile = queries.member_row(connection, workspace_id, member_id)
        if profile is None:
            raise HTTPException(404, "No such member in this workspace.")
        context = member_context(
            connection, workspace_id, profile, as_of or local_today(connection, workspace_id)
        )
    return MemberDetailOut(
        id=profile.id,
        name=profile.display_name,
        platform=profile.platform,
        is_bot=bool(profile.is_bot),
        is_operator=bool(profile.is_operator),
        groups=[
            MembershipOut(
                group_id=m.group_id,
                group_name=m.group_name,
                platform=m.platform,
                roles=sorted({*context["roles"].get(m.group_id, []), *(m.roles or [])}),
                joined=from_us_or_none(m.joined_us),
                left=from_us_or_none(m.left_us),
                inviter_id=m.inviter_id,
                inviter_name=m.inviter_name,
                join_channel=m.join_channel,
                messages=m.messages,
                first_message=from_us_or_none(m.first_message_us),
                last_message=from_us_or_none(m.last_message_us),
            )
            for m in context["memberships"]
        ],
        daily_messages=context["chart"],
        penalties=[
            {
                "id": p.id,
                "kind": str(p.penalty.kind),
                "step": p.penalty.step,
                "issued_at": p.penalty.issued_at.isoformat(),
                "until": p.penalty.until.isoformat() if p.penalty.until else None,
                "private": p.penalty.private,
                "lifted_at": p.penalty.lifted_at.isoformat() if p.penalty.lifted_at else None,
                "explanation": p.explanation,
                "issued_by": p.issued_by,
            }
            for p in context["penalties"]
        ],
    )


@router.get("/alerts")
def alerts(
    request: Request,
    viewer: CurrentViewer,
    as_of: AsOf,
    status: Annotated[str, Query(description=f"one of {', '.join(STATUSES)}")] = "open",
) -> list[AlertOut]:
    """The workspace's alerts in one state, most severe first."""
    if status not in STATUSES:
        raise HTTPException(422, f"status: one of {', '.join(STATUSES)}")
    with engine_of(request).connect() as connection:
        day = as_of or local_today(connection, viewer.workspace.workspace_id)
        items = inbox(connection, viewer.workspace.workspace_id, day, status)
    return [_alert_out(a) for a in items]


@router.post("/alerts/{key}/acknowledge")
def acknowledge_alert(
    request: Request, viewer: ApiEditor, key: AlertKey, body: AcknowledgeIn
) -> AlertStateOut:
    """Acknowledge an alert (or reopen it with `acknowledged: false`)."""
    return _change_alert(
        request, viewer.workspace.workspace_id, viewer.user_id, key, acknowledge=body.acknowledged
    )


@router.post("/alerts/{key}/snooze")
def snooze_alert(request: Request, viewer: ApiEditor, key: AlertKey, body: SnoozeIn) -> AlertStateOut:
    """Hide an alert until a moment (ISO 8601 with its offset); null ends the snooze."""
    if body.until is not None and (body.until.tzinfo is None or body.until <= utcnow()):
        raise HTTPException(422, "until: a future moment with its UTC offset, e.g. 2026-12-01T09:00:00+08:00")
    return _change_alert(request, viewer.workspace.workspace_id, viewer.user_id, key, snooze_until=body.until)


@router.post("/alerts/{key}/assign")
def assign_alert(request: Request, viewer: ApiEditor, key: AlertKey, body: AssignIn) -> AlertStateOut:
    """Give an alert to a user of the workspace (null: nobody)."""
    return _change_alert(
        request, viewer.workspace.workspace_id, viewer.user_id, key, assignee=body.assignee_id
    )


@router.get("/import/jobs/{job_id}")
def import_job_status(request: Request, viewer: CurrentViewer, job_id: JobId) -> ImportJobOut:
    with engine_of(request).connect() as connection:
        job = import_job(connection, viewer.workspace.workspace_id, job_id)
    if job is None:
        raise HTTPException(404, "No such import in this workspace.")
    return ImportJobOut(
        id=job.id,
        state=job.state,
        files=job.files,
        progress=job.progress,
        report=job.report,
        error=job.error,
        created=job.created,
        finished=job.finished,
    )


def _change_alert(
    request: Request, workspace_id: int, user_id: int, key: str, **change: Any
) -> AlertStateOut:
    head = key.split(":", 1)[0]
    if head.isdigit() and int(head) > ROW_ID_MAX:  # no group has that id; the database would refuse it
        raise HTTPException(404, "No such alert in this workspace.")
    with engine_of(request).begin() as connection:
        group_id = checked_group(connection, workspace_id, key)
        try:
            state = change_alert(connection, workspace_id, group_id, key, user_id, **change)
        except ConsoleError as exc:
            raise HTTPException(422, str(exc)) from None
    now = utcnow()
    status = "acknowledged" if state.acknowledged else "open" if state.is_open(now) else "snoozed"
    return AlertStateOut(
        status=status,
        acknowledged=state.acknowledged,
        snoozed_until=state.snoozed_until,
        assignee_id=state.assignee_id,
    )


def _alert_out(a: AlertItem) -> AlertOut:
    return AlertOut(
        key=a.key,
        group_id=a.group_id,
        group_name=a.group_name,
        kind=a.kind,
        severity=a.severity,
        message=a.message,
        evidence=a.evidence,
        recommended=[title for title, _ in a.actions],
        state=AlertStateOut(
            status=a.status(utcnow()),
            acknowledged=a.state.acknowledged,
            snoozed_until=a.state.snoozed_until,
            assignee_id=a.state.assignee_id,
        ),
    )


def _group_out(line: GroupLine) -> GroupOut:
    s = line.summary
    return GroupOut(
        id=s.id,
        platform=s.platform,
        external_id=s.external_id,
        name=s.name,
        group_type=s.group_type,
        duration_kind=s.duration_kind,
        tags=line.tags,
        as_of=s.as_of,
        members=s.members,
        stage=s.stage,
        stage_reason=s.stage_reason,
        health_score=round(s.health_score, 1),
        health_explanation=s.health_explanation,
        wad=s.wad,
        messages_per_active_day=round(s.messages_per_active_day, 2),
        new_member_speakers_per_active_day=round(s.new_member_speakers_per_active_day, 2),
        speaker_ratio=round(s.speaker_ratio, 4),
        lurker_share=round(s.lurker_share, 4),
        silence_hours=None if s.silence_hours is None else round(s.silence_hours, 2),
        last_message=s.last_member_message,
        messages_30d=s.messages_30d,
        daily_messages=s.daily_member_messages,
        alerts=[_alert_out(a) for a in line.alerts],
    )

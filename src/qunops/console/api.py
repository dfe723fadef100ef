"""The JSON API under /api (OpenAPI schema at /api/openapi.json)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from qunops.analytics.overview import group_rows
from qunops.console.auth import CurrentViewer, engine_of

router = APIRouter(tags=["api"])


class WorkspaceOut(BaseModel):
    id: int
    slug: str
    name: str
    role: str


class MeOut(BaseModel):
    username: str
    workspace: WorkspaceOut
    workspaces: list[WorkspaceOut]


class GroupOut(BaseModel):
    id: int
    platform: str
    external_id: str
    name: str
    group_type: str
    members: int
    messages_30d: int
    last_message: datetime | None
    daily_messages: list[int]


@router.get("/me")
def me(viewer: CurrentViewer) -> MeOut:
    spaces = [
        WorkspaceOut(id=w.workspace_id, slug=w.slug, name=w.name, role=w.role) for w in viewer.workspaces
    ]
    current = next(s for s in spaces if s.id == viewer.workspace.workspace_id)
    return MeOut(username=viewer.username, workspace=current, workspaces=spaces)


@router.get("/groups")
def groups(request: Request, viewer: CurrentViewer) -> list[GroupOut]:
    """The groups of the current workspace with their headline figures (from rollups)."""
    with engine_of(request).connect() as connection:
        rows = group_rows(connection, viewer.workspace.workspace_id)
    return [GroupOut(**{name: getattr(row, name) for name in GroupOut.model_fields}) for row in rows]

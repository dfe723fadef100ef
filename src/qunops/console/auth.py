"""Who is asking: the logged-in user, the workspace they are looking at, and what their role allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy import Engine

from qunops.console.security import require_form_csrf, require_header_csrf
from qunops.core.registry import WorkspaceRole
from qunops.core.texts import Text
from qunops.store.accounts import Membership, memberships_of, session_user


class LoginRequired(Exception):
    """No valid session: pages redirect to the login page, the API answers 401."""


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: int
    username: str
    workspace: Membership
    workspaces: list[Membership]

    @property
    def role(self) -> WorkspaceRole:
        return self.workspace.role

    @property
    def can_edit(self) -> bool:
        return self.role in (WorkspaceRole.ADMIN, WorkspaceRole.OPERATOR)

    @property
    def is_admin(self) -> bool:
        return self.role is WorkspaceRole.ADMIN


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


SESSION_KEY = "login"  # the signed cookie's entry holding the login's token (store/accounts.py: logins)


def session_token(request: Request) -> str | None:
    token = request.session.get(SESSION_KEY)
    return token if isinstance(token, str) and token else None


def current_viewer(request: Request) -> Viewer:
    token = session_token(request)
    if token is None:
        raise LoginRequired
    with engine_of(request).connect() as connection:
        found = session_user(connection, token)
        if found is None:
            # Logged out elsewhere, password changed, removed, or expired: the cookie is worth nothing now,
            # exactly as if there were none.
            request.session.clear()
            raise LoginRequired
        user_id, username = found
        spaces = memberships_of(connection, user_id)
    if not spaces:
        raise HTTPException(403, Text("You belong to no workspace; ask an admin to add you."))
    chosen = request.session.get("workspace_id")
    workspace = next((w for w in spaces if w.workspace_id == chosen), spaces[0])
    request.state.workspace_language = workspace.language  # the pages' language, unless one is chosen
    return Viewer(user_id, username, workspace, spaces)


def editor_viewer(viewer: Annotated[Viewer, Depends(current_viewer)]) -> Viewer:
    if not viewer.can_edit:
        raise HTTPException(
            403, Text("Your role in this workspace is viewer: you can look but not change anything.")
        )
    return viewer


def admin_viewer(viewer: Annotated[Viewer, Depends(current_viewer)]) -> Viewer:
    if not viewer.is_admin:
        raise HTTPException(403, Text("Only a workspace admin can do this."))
    return viewer


CurrentViewer = Annotated[Viewer, Depends(current_viewer)]
EditorViewer = Annotated[Viewer, Depends(editor_viewer)]
AdminViewer = Annotated[Viewer, Depends(admin_viewer)]


# Changes: the role is checked first (a viewer learns they cannot, whatever the token), then the CSRF token
# (a form field or the X-CSRF-Token header for pages; the header for the JSON API).


async def _form_user(request: Request, viewer: CurrentViewer) -> Viewer:
    await require_form_csrf(request)
    return viewer


async def _form_editor(request: Request, viewer: EditorViewer) -> Viewer:
    await require_form_csrf(request)
    return viewer


async def _form_admin(request: Request, viewer: AdminViewer) -> Viewer:
    await require_form_csrf(request)
    return viewer


def _api_editor(request: Request, viewer: EditorViewer) -> Viewer:
    require_header_csrf(request)
    return viewer


FormUser = Annotated[Viewer, Depends(_form_user)]
FormEditor = Annotated[Viewer, Depends(_form_editor)]
FormAdmin = Annotated[Viewer, Depends(_form_admin)]
ApiEditor = Annotated[Viewer, Depends(_api_editor)]

"""Every change the console offers is refused to those whose role does not allow it, on every route.

The table below names each POST route of the app with a valid request for it; a test checks that the
table covers every POST route the app has, so a new route cannot slip in unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from qunops.console.app import ROUTERS
from qunops.store.schema import (
    alert_states,
    groups,
    import_jobs,
    users,
    workspace_settings,
    workspace_users,
)
from tests.console.conftest import Console


@dataclass(frozen=True)
class Change:
    path: str  # with {group}, {user}, {key} placeholders
    least: str  # the least role allowed: "user" (anyone logged in), "operator" or "admin"
    form: dict[str, str] | None = None
    json: dict[str, Any] | None = None

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


CHANGES = [
    Change(
        "/groups/{group}/registry",
        "operator",
        form={"group_type": "interest", "duration_kind": "long_term", "entry_threshold": "none"},
    ),
    Change("/alerts/acknowledge", "operator", form={"key": "{key}"}),
    Change("/alerts/snooze", "operator", form={"key": "{key}", "until": "2099-01-01T09:00"}),
    Change("/alerts/assign", "operator", form={"key": "{key}", "assignee_id": "{user}"}),
    Change("/import", "operator", form={}),
    Change("/settings/workspace", "admin", form={"timezone": "Asia/Shanghai"}),
    Change(
        "/settings/users", "admin", form={"username": "newcomer", "password": "long enough", "role": "viewer"}
    ),
    Change("/settings/users/{spare1}/role", "admin", form={"role": "operator"}),
    Change("/settings/users/{spare2}/remove", "admin", form={}),
    Change("/api/alerts/{key}/acknowledge", "operator", json={"acknowledged": True}),
    Change("/api/alerts/{key}/snooze", "operator", json={"until": "2099-01-01T09:00:00+08:00"}),
    Change("/api/alerts/{key}/assign", "operator", json={"assignee_id": None}),
]
# Routes any visitor may post to: they change nothing but the visitor's own session.
SESSION_ROUTES = {"/login", "/logout", "/workspace"}
# Anyone logged in changes their own password, nobody else's: tests/console/test_logins.py checks it
# needs a login and the CSRF token, and ends the user's other logins.
OWN_ACCOUNT_ROUTES = {"/settings/password"}
# Moderation's routes act on cases, appeals and recommendations that only a moderation history has:
# tests/moderation/test_console_moderation.py checks each of them for roles, CSRF and workspaces.
MODERATION_ROUTES = {
    "/moderation/cases/{case_id}/review",
    "/api/moderation/cases/{case_id}/review",
    "/moderation/appeals/{appeal_id}/decide",
    "/api/moderation/appeals/{appeal_id}/decide",
    "/moderation/rules/{scope}",
    "/moderation/actions/{action_id}/mark",
    "/appeal/{token}",  # the member-facing appeal form: no login, a per-case secret link
}
# Merging members needs two members of one platform: tests/test_member_merge.py checks the route for
# logins, roles and the CSRF token.
MEMBER_ROUTES = {"/members/{member_id}/merge"}
RANK = {"viewer": 0, "operator": 1, "admin": 2}


def snapshot(console: Console) -> dict[str, list[Any]]:
    """Every row a change could touch."""
    with console.engine.connect() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(select(table)).all()), key=repr)
            for table in (groups, workspace_users, alert_states, workspace_settings, import_jobs, users)
        }


def _fill(text: str, console: Console) -> str:
    return (
        text.replace("{group}", str(console.group_id))
        .replace("{user}", str(console.users["viewer"]))
        .replace("{spare1}", str(console.users["spare1"]))
        .replace("{spare2}", str(console.users["spare2"]))
        .replace("{key}", f"{console.quiet_group_id}:silence:last-never")
    )


def _post(client: TestClient, token: str, change: Change, console: Console, with_token: bool = True) -> Any:
    path = _fill(change.path, console)
    if change.api:
        headers = {"X-CSRF-Token": token} if with_token else {}
        return client.post(path, json=change.json, headers=headers, follow_redirects=False)
    data = {k: _fill(v, console) for k, v in (change.form or {}).items()}
    if with_token:
        data["csrf_token"] = token
    if path == "/import":
        files = {"files": ("chat.txt", b"1/1/24, 10:00 - A: hi\n", "text/plain")}
        return client.post(path, data=data, files=files, follow_redirects=False)
    return client.post(path, data=data, follow_redirects=False)


def test_the_table_covers_every_post_route(console: Console) -> None:
    posted = {
        prefix + route.path
        for router, prefix in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and "POST" in route.methods
    }
    tabled = {
        re.sub(
            r"\{(group|user|spare\d)\}", lambda m: "{group_id}" if m[1] == "group" else "{user_id}", c.path
        )
        for c in CHANGES
    }
    assert posted == tabled | SESSION_ROUTES | OWN_ACCOUNT_ROUTES | MODERATION_ROUTES | MEMBER_ROUTES


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.path)
def test_anonymous_changes_are_sent_to_the_login_or_answered_401(
    change: Change, console: Console, client_as: Callable[[str | None], tuple[TestClient, str]]
) -> None:
    client, token = client_as(None)
    response = _post(client, token, change, console)
    if change.api:
        assert response.status_code == 401
    else:
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.path)
def test_roles_below_the_route_get_403_and_nothing_changes(
    change: Change, console: Console, client_as: Callable[[str | None], tuple[TestClient, str]]
) -> None:
    for role in ("viewer", "operator"):
        if RANK[role] >= RANK.get(change.least, 0):
            continue
        client, token = client_as(role)
        before = snapshot(console)
        response = _post(client, token, change, console)
        assert response.status_code == 403, (role, response.text[:200])
        assert "Traceback" not in response.text
        assert snapshot(console) == before


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.path)
def test_allowed_roles_without_the_csrf_token_are_refused(
    change: Change, console: Console, client_as: Callable[[str | None], tuple[TestClient, str]]
) -> None:
    client, token = client_as("admin")
    response = _post(client, token, change, console, with_token=False)
    assert response.status_code in (400, 403), response.text[:200]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.path)
def test_the_least_allowed_role_can_make_the_change(
    change: Change, console: Console, client_as: Callable[[str | None], tuple[TestClient, str]]
) -> None:
    client, token = client_as(change.least)
    response = _post(client, token, change, console)
    assert response.status_code in (200, 303), response.text[:300]

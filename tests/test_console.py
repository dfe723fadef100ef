"""The console over HTTP: login, sessions, CSRF, roles, workspaces, errors (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from qunops.console.app import create_app
from qunops.core.events import GroupRef
from qunops.core.platforms import Platform
from qunops.core.registry import WorkspaceRole
from qunops.ingestion import import_events
from qunops.settings import Settings
from qunops.store import accounts
from qunops.store.rollups import fill_rollups
from tests.factories import message

OTHER_GROUP = GroupRef(Platform.TELEGRAM, "secret-group", "Other brand's secret group")


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2's real cost is not what these tests check; it would be most of their time."""
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def client(engine: Engine, workspace: int) -> Iterator[TestClient]:
    with engine.begin() as connection:
        other = accounts.create_workspace(connection, "other", "Other brand", "UTC")
        viewer = accounts.create_user(connection, "viewer", "viewer password")
        accounts.grant(connection, workspace, viewer, WorkspaceRole.VIEWER)
        outsider = accounts.create_user(connection, "outsider", "outsider password")
        accounts.grant(connection, other, outsider, WorkspaceRole.ADMIN)
    import_events(
        engine, workspace, iter([message(1, timedelta(0), "hello"), message(2, timedelta(minutes=1))])
    )
    import_events(engine, other, iter([message(1, timedelta(0), group=OTHER_GROUP)]))
    fill_rollups(engine)
    app = create_app(Settings(database_url=str(engine.url), secret_key="test-key"), engine, prewarm=False)
    with TestClient(app) as test_client:
        yield test_client


def log_in(client: TestClient, username: str, password: str) -> int:
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token[1], "next": "/"},
        follow_redirects=False,
    )
    return response.status_code


def test_pages_need_a_login_and_the_api_answers_401(client: TestClient) -> None:
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert client.get("/api/groups").status_code == 401
    assert client.get("/api/openapi.json").status_code == 200


def test_logging_in_shows_the_workspace_groups_only(client: TestClient) -> None:
    assert log_in(client, "admin", "correct horse") == 303
    overview = client.get("/")
    assert overview.status_code == 200
    assert "Test group" in overview.text
    assert "secret group" not in overview.text
    names = [g["name"] for g in client.get("/api/groups").json()]
    assert names == ["Test group"]


def test_a_wrong_password_is_refused_with_a_message(client: TestClient) -> None:
    assert log_in(client, "admin", "wrong password") == 401
    assert client.get("/api/groups").status_code == 401
    assert log_in(client, "nobody", "whatever") == 401


def test_a_login_without_the_csrf_token_is_refused(client: TestClient) -> None:
    response = client.post("/login", data={"username": "admin", "password": "correct horse"})
    assert response.status_code == 400
    assert client.get("/api/groups").status_code == 401


def test_a_user_cannot_switch_into_a_workspace_they_do_not_belong_to(
    client: TestClient, engine: Engine
) -> None:
    log_in(client, "outsider", "outsider password")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert token is not None
    response = client.post(
        "/workspace", data={"workspace_id": "1", "csrf_token": token[1]}, follow_redirects=False
    )
    assert response.status_code == 403
    assert [g["name"] for g in client.get("/api/groups").json()] == ["Other brand's secret group"]


def test_cookies_are_http_only_and_the_login_cannot_redirect_off_site(client: TestClient) -> None:
    form = client.get("/login?next=//evil.example/")
    assert 'value="/"' in form.text
    log_in(client, "admin", "correct horse")
    cookie = next(c for c in client.cookies.jar if c.name == "qunops_session")
    assert cookie.has_nonstandard_attr("HttpOnly") or "httponly" in str(cookie._rest).lower()


def test_unknown_pages_and_bad_requests_get_error_pages_not_tracebacks(client: TestClient) -> None:
    log_in(client, "admin", "correct horse")
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "Traceback" not in missing.text and "<html" in missing.text
    bad = client.post("/workspace", data={"workspace_id": "not a number"})
    assert bad.status_code == 422 and "workspace_id" in bad.text

"""Console logins end on the server: a copy of the cookie is refused after logging out, after a password
change and after a removal, on pages and on the API, while other logins carry on (SQLite and PostgreSQL).

The store is shared by the module (see conftest): each test makes the users whose logins it ends.
"""

from __future__ import annotations

import base64
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlalchemy import func, select, update

from qunops.console.app import create_app
from qunops.core.registry import WorkspaceRole
from qunops.core.time import to_us, utcnow
from qunops.settings import Settings
from qunops.store import accounts, db
from qunops.store.schema import login_sessions
from tests.console.conftest import Console
from tests.test_console import log_in

Client = Callable[[str | None], tuple[TestClient, str]]
COOKIE = "qunops_session"


@pytest.fixture
def browsers(console: Console) -> Iterator[Callable[[dict[str, str] | None], TestClient]]:
    """Fresh clients of the console, each a browser of its own (optionally with the given cookies)."""
    opened: list[TestClient] = []

    def make(cookies: dict[str, str] | None = None) -> TestClient:
        client = TestClient(console.app, cookies=cookies)  # type: ignore[arg-type]
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def new_user(
    console: Console, username: str, password: str, role: WorkspaceRole = WorkspaceRole.VIEWER
) -> int:
    with console.engine.begin() as connection:
        user = accounts.create_user(connection, username, password)
        accounts.grant(connection, console.workspace, user, role)
    return user


def form_token(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/settings").text)
    assert found is not None
    return found[1]


def cookie_of(client: TestClient) -> dict[str, str]:
    value = client.cookies.get(COOKIE)
    assert value
    return {COOKIE: value}


def assert_logged_out(client: TestClient) -> None:
    """Exactly as without a session: pages send to the login, the API answers 401."""
    page = client.get("/settings", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login"), page.status_code
    api = client.get("/api/me")
    assert api.status_code == 401 and api.json() == {"detail": "not authenticated"}
    assert client.get("/api/groups").status_code == 401


def assert_logged_in(client: TestClient, username: str) -> None:
    me = client.get("/api/me")
    assert me.status_code == 200, me.text[:200]
    assert me.json()["username"] == username
    assert client.get("/settings").status_code == 200


def live_logins(console: Console, user: int) -> int:
    with console.engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).select_from(login_sessions).where(login_sessions.c.user_id == user)
            ).scalar_one()
        )


def test_a_cookie_copied_before_logging_out_is_refused_afterwards(
    console: Console, browsers: Callable[[dict[str, str] | None], TestClient]
) -> None:
    new_user(console, "leaver", "leaver password")
    shared_computer = browsers(None)
    phone = browsers(None)
    assert log_in(shared_computer, "leaver", "leaver password") == 303
    assert log_in(phone, "leaver", "leaver password") == 303
    copied = cookie_of(shared_computer)
    replayed = browsers(copied)
    assert_logged_in(replayed, "leaver")  # the copy works while the login lasts

    out = shared_computer.post(
        "/logout", data={"csrf_token": form_token(shared_computer)}, follow_redirects=False
    )
    assert out.status_code == 303 and out.headers["location"] == "/login"

    assert_logged_out(replayed)
    assert_logged_out(browsers(copied))
    assert_logged_out(shared_computer)
    assert_logged_in(phone, "leaver")  # logging out ends this browser's login only


def test_logging_in_again_ends_the_login_it_replaces(
    console: Console, browsers: Callable[[dict[str, str] | None], TestClient]
) -> None:
    user = new_user(console, "relogger", "relogger password")
    client = browsers(None)
    assert log_in(client, "relogger", "relogger password") == 303
    first = cookie_of(client)
    assert log_in(client, "relogger", "relogger password") == 303
    assert cookie_of(client) != first
    assert_logged_out(browsers(first))
    assert_logged_in(client, "relogger")
    assert live_logins(console, user) == 1


def test_a_password_change_ends_the_other_logins_and_the_new_password_works(
    console: Console, client_as: Client, browsers: Callable[[dict[str, str] | None], TestClient]
) -> None:
    user = new_user(console, "changer", "old password")
    laptop, phone = browsers(None), browsers(None)
    assert log_in(laptop, "changer", "old password") == 303
    assert log_in(phone, "changer", "old password") == 303
    copied = cookie_of(phone)
    bystander, _ = client_as("viewer")

    changed = laptop.post(
        "/settings/password",
        data={
            "csrf_token": form_token(laptop),
            "current_password": "old password",
            "new_password": "new password",
            "repeated_password": "new password",
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303 and changed.headers["location"].startswith("/settings?saved=password")

    assert (
        "every other browser logged in as you is logged out" in laptop.get(changed.headers["location"]).text
    )
    assert_logged_in(laptop, "changer")  # the browser that changed it stays logged in
    assert_logged_out(phone)
    assert_logged_out(browsers(copied))
    assert_logged_in(bystander, "viewer")  # another user's login is not touched
    assert live_logins(console, user) == 1

    fresh = browsers(None)
    assert log_in(fresh, "changer", "old password") == 401
    assert log_in(fresh, "changer", "new password") == 303
    assert_logged_in(fresh, "changer")


def test_a_password_set_by_any_path_ends_the_logins_made_before(
    console: Console, browsers: Callable[[dict[str, str] | None], TestClient]
) -> None:
    """`accounts.set_password` is the one write path of passwords (the settings form, `qunops password`)."""
    user = new_user(console, "reset", "before reset")
    before = browsers(None)
    assert log_in(before, "reset", "before reset") == 303
    with console.engine.begin() as connection:
        accounts.set_password(connection, user, "after reset")
    assert_logged_out(before)
    after = browsers(None)
    assert log_in(after, "reset", "after reset") == 303
    assert_logged_in(after, "reset")


@pytest.mark.parametrize(
    ("username", "current", "new", "repeated", "message"),
    [
        ("mistaken1", "wrong password", "another password", "another password", "current password is wrong"),
        ("mistaken2", "mistaken password", "another password", "another passwort", "its repetition differ"),
        ("mistaken3", "mistaken password", "short", "short", "A password has at least 8 characters"),
    ],
    ids=["wrong-current", "repetition-differs", "too-short"],
)
def test_a_password_change_that_cannot_be_made_says_why_and_ends_nothing(
    console: Console,
    browsers: Callable[[dict[str, str] | None], TestClient],
    username: str,
    current: str,
    new: str,
    repeated: str,
    message: str,
) -> None:
    new_user(console, username, "mistaken password")
    client, other = browsers(None), browsers(None)
    assert log_in(client, username, "mistaken password") == 303
    assert log_in(other, username, "mistaken password") == 303
    refused = client.post(
        "/settings/password",
        data={
            "csrf_token": form_token(client),
            "current_password": current,
            "new_password": new,
            "repeated_password": repeated,
        },
    )
    assert refused.status_code == 400 and message in refused.text and "Traceback" not in refused.text
    assert_logged_in(other, username)
    assert log_in(browsers(None), username, "mistaken password") == 303


def test_the_password_form_needs_a_login_and_the_csrf_token(
    console: Console, browsers: Callable[[dict[str, str] | None], TestClient]
) -> None:
    new_user(console, "guarded", "guarded password")
    form = {"current_password": "guarded password", "new_password": "x" * 12, "repeated_password": "x" * 12}
    anonymous = browsers(None)
    sent = anonymous.post("/settings/password", data=form, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/login")
    client = browsers(None)
    assert log_in(client, "guarded", "guarded password") == 303
    assert client.post("/settings/password", data=form).status_code == 400
    assert log_in(browsers(None), "guarded", "guarded password") == 303  # unchanged


def test_a_removed_user_is_logged_out_everywhere(
    console: Console, client_as: Client, browsers: Callable[[dict[str, str] | None], TestClient]
) -> None:
    user = new_user(console, "removed", "removed password", WorkspaceRole.OPERATOR)
    client = browsers(None)
    assert log_in(client, "removed", "removed password") == 303
    copied = cookie_of(client)
    admin, token = client_as("admin")
    removed = admin.post(f"/settings/users/{user}/remove", data={"csrf_token": token}, follow_redirects=False)
    assert removed.status_code == 303
    assert_logged_out(client)
    assert_logged_out(browsers(copied))
    assert_logged_in(admin, "admin")
    assert live_logins(console, user) == 0


def test_an_expired_login_is_refused_and_cleared_at_the_next_login(
    console: Console, browsers: Callable[[dict[str, str] | None], TestClient]
) -> None:
    user = new_user(console, "expired", "expired password")
    client = browsers(None)
    assert log_in(client, "expired", "expired password") == 303
    with console.engine.begin() as connection:
        connection.execute(
            update(login_sessions)
            .where(login_sessions.c.user_id == user)
            .values(expires_us=to_us(utcnow()) - 1)
        )
    assert_logged_out(browsers(cookie_of(client)))
    assert log_in(browsers(None), "expired", "expired password") == 303
    with console.engine.connect() as connection:
        lapsed = (
            select(func.count())
            .select_from(login_sessions)
            .where(login_sessions.c.expires_us <= to_us(utcnow()))
        )
        assert connection.execute(lapsed).scalar_one() == 0
    assert live_logins(console, user) == 1


def _signed(contents: dict[str, Any]) -> dict[str, str]:
    """A cookie signed with the test key, as the console would sign it (Starlette's session format)."""
    data = base64.b64encode(json.dumps(contents).encode())
    return {COOKIE: TimestampSigner("test-key").sign(data).decode()}


@pytest.mark.parametrize(
    "contents",
    [
        {"user_id": 1},  # a cookie signed before logins were kept on the server
        {"login": 5},
        {"login": ""},
        {"login": ["a"]},
        {"login": "not a login"},
    ],
    ids=["user-id-only", "number", "empty", "list", "unknown"],
)
def test_a_signed_cookie_naming_no_live_login_is_like_none(
    console: Console, browsers: Callable[[dict[str, str] | None], TestClient], contents: dict[str, Any]
) -> None:
    client = browsers(_signed(contents))
    assert_logged_out(client)
    assert "Traceback" not in client.get("/", follow_redirects=True).text


def test_the_password_command_ends_every_login_of_the_user(
    console: Console, client_as: Client, browsers: Callable[[dict[str, str] | None], TestClient]
) -> None:
    new_user(console, "forgetful", "forgotten password")
    client = browsers(None)
    assert log_in(client, "forgetful", "forgotten password") == 303
    bystander, _ = client_as("viewer")
    env = {
        **os.environ,
        "QUNOPS_DATABASE_URL": console.engine.url.render_as_string(hide_password=False),
        "QUNOPS_NEW_PASSWORD": "remembered password",
    }
    done = subprocess.run(
        [sys.executable, "-m", "qunops.cli", "password", "forgetful"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "forgetful" in done.stdout
    assert_logged_out(client)
    assert_logged_in(bystander, "viewer")
    assert log_in(browsers(None), "forgetful", "forgotten password") == 401
    assert log_in(browsers(None), "forgetful", "remembered password") == 303

    unknown = subprocess.run(
        [sys.executable, "-m", "qunops.cli", "password", "nobody"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert unknown.returncode == 2
    assert "no user 'nobody'" in unknown.stderr and "Traceback" not in unknown.stderr
    short = subprocess.run(
        [sys.executable, "-m", "qunops.cli", "password", "forgetful"],
        capture_output=True,
        text=True,
        env={**env, "QUNOPS_NEW_PASSWORD": "short"},
        timeout=120,
    )
    assert short.returncode == 2 and "at least 8 characters" in short.stderr


def test_logging_in_while_an_import_holds_sqlite_write_lock_says_to_try_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A login is a write; on SQLite it waits for an import's transaction and, past the wait, is a 503."""
    monkeypatch.setattr(db, "SQLITE_WAIT_S", 0.2)
    path = tmp_path / "busy.db"
    engine = db.open_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    with engine.begin() as connection:
        workspace = accounts.create_workspace(connection, "busy", "Busy", "UTC")
        accounts.grant(
            connection,
            workspace,
            accounts.create_user(connection, "busy", "busy password"),
            WorkspaceRole.ADMIN,
        )
    app = create_app(Settings(database_url=str(engine.url), secret_key="test-key"), engine, prewarm=False)
    importing = sqlite3.connect(path, isolation_level=None)
    try:
        with TestClient(app) as client:
            importing.execute("BEGIN IMMEDIATE")  # what an import's transaction holds while it runs
            busy = client.get("/login")
            assert busy.status_code == 200  # reading goes on beside the writer (WAL)
            token = re.search(r'name="csrf_token" value="([^"]+)"', busy.text)
            assert token is not None
            refused = client.post(
                "/login", data={"username": "busy", "password": "busy password", "csrf_token": token[1]}
            )
            assert refused.status_code == 503 and "try again in a minute" in refused.text
            assert "Traceback" not in refused.text
            importing.execute("COMMIT")
            assert log_in(client, "busy", "busy password") == 303
            assert_logged_in(client, "busy")
    finally:
        importing.close()
        engine.dispose()

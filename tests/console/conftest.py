"""A console over a small workspace (and a second, foreign one) on SQLite and PostgreSQL, with users of
every role, and clients logged in as each of them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from qunops.console.app import create_app
from qunops.console.data import forget_summaries
from qunops.core.events import GroupRef
from qunops.core.platforms import Platform
from qunops.core.registry import WorkspaceRole
from qunops.ingestion import import_events
from qunops.settings import Settings
from qunops.store import accounts
from qunops.store.db import open_engine, upgrade
from qunops.store.rollups import fill_rollups
from qunops.store.schema import groups, members, users
from tests.conftest import _postgres_database
from tests.factories import T0, join, message

FOREIGN_GROUP = GroupRef(Platform.TELEGRAM, "secret-group", "Other brand's secret group")
QUIET_GROUP = GroupRef(Platform.WECHAT, "quiet", "Quiet wechat group")
AS_OF = (T0 + timedelta(days=6)).date()  # the test groups' history ends a few days before
PASSWORDS = {
    "admin": "correct horse",
    "operator": "operator password",
    "viewer": "viewer password",
    "outsider": "outsider password",
    "spare1": "spare password",
    "spare2": "spare password",
    "spare3": "spare password",
}


@dataclass
class Console:
    engine: Engine
    app: object
    workspace: int
    other: int
    group_id: int
    quiet_group_id: int
    foreign_group_id: int
    member_id: int
    foreign_member_id: int
    users: dict[str, int]
    as_of: date


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def console_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """One store per module and database: building it (migrations, users) is most of a test's time."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp_path_factory.mktemp('console') / 'qunops.db'}"])
    else:
        urls = _postgres_database()
    url = next(urls)
    engine = open_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()
    next(urls, None)  # lets the PostgreSQL generator drop its database


@pytest.fixture(scope="module")
def console(console_engine: Engine) -> Iterator[Console]:
    """The store with its users and groups; tests change only what they own (see each test)."""
    engine = console_engine
    patch = pytest.MonkeyPatch()
    # Cheap password hashes: the tests log in hundreds of times; Argon2's cost is not what they check.
    patch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    with engine.begin() as connection:
        workspace = accounts.create_workspace(connection, "test", "Test", "Asia/Shanghai")
        admin = accounts.create_user(connection, "admin", PASSWORDS["admin"])
        accounts.grant(connection, workspace, admin, WorkspaceRole.ADMIN)
    with engine.begin() as connection:
        other = accounts.create_workspace(connection, "other", "Other brand", "UTC")
        ids: dict[str, int] = {}
        for name, role in (
            ("operator", WorkspaceRole.OPERATOR),
            ("viewer", WorkspaceRole.VIEWER),
            ("spare1", WorkspaceRole.VIEWER),
            ("spare2", WorkspaceRole.VIEWER),
            ("spare3", WorkspaceRole.OPERATOR),
        ):
            ids[name] = accounts.create_user(connection, name, PASSWORDS[name])
            accounts.grant(connection, workspace, ids[name], role)
        ids["outsider"] = accounts.create_user(connection, "outsider", PASSWORDS["outsider"])
        accounts.grant(connection, other, ids["outsider"], WorkspaceRole.ADMIN)
    history = [join(1, timedelta(hours=-1)), join(2, timedelta(hours=-1), inviter=1)]
    for day in range(5):
        for who in (1, 2, 3):
            history.append(message(who, timedelta(days=day, minutes=who), f"day {day} from {who}"))
    history.append(message(1, timedelta(days=-20), "long ago", group=QUIET_GROUP))
    history.append(message(2, timedelta(days=-20, minutes=1), "hi", group=QUIET_GROUP))
    import_events(engine, workspace, iter(history))
    import_events(engine, other, iter([message(7, timedelta(0), "secret", group=FOREIGN_GROUP)]))
    fill_rollups(engine)
    with engine.connect() as connection:
        by_name = dict(connection.execute(select(groups.c.name, groups.c.id)).all())
        member_ids = {
            int(w): int(m)
            for w, m in connection.execute(
                select(members.c.workspace_id, members.c.id).where(
                    members.c.external_id == "1001", members.c.platform != "wechat"
                )
            )
        }
        foreign_member = connection.execute(
            select(members.c.id).where(members.c.workspace_id == other)
        ).scalar_one()
        ids.update(dict(connection.execute(select(users.c.username, users.c.id)).all()))
    forget_summaries()
    app = create_app(Settings(database_url=str(engine.url), secret_key="test-key"), engine, prewarm=False)
    yield Console(
        engine=engine,
        app=app,
        workspace=workspace,
        other=other,
        group_id=by_name["Test group"],
        quiet_group_id=by_name["Quiet wechat group"],
        foreign_group_id=by_name["Other brand's secret group"],
        member_id=member_ids[workspace],
        foreign_member_id=foreign_member,
        users=ids,
        as_of=AS_OF,
    )
    forget_summaries()
    patch.undo()


def token_of(client: TestClient) -> str:
    page = client.get("/login") if "qunops_session" not in client.cookies else client.get("/settings")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, page.text[:500]
    return found[1]


def log_in(client: TestClient, username: str) -> str:
    """Log in and return the session's CSRF token."""
    token = token_of(client)
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORDS[username], "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]
    me = client.get("/api/me")
    assert me.status_code == 200
    return str(me.json()["csrf_token"])


@pytest.fixture
def client_as(console: Console) -> Iterator[Callable[[str | None], tuple[TestClient, str]]]:
    """A fresh client logged in as the user (None: anonymous), with its CSRF token."""
    opened: list[TestClient] = []

    def make(username: str | None) -> tuple[TestClient, str]:
        client = TestClient(console.app)  # type: ignore[arg-type]
        client.__enter__()
        opened.append(client)
        token = log_in(client, username) if username else token_of(client)
        return client, token

    yield make
    for client in opened:
        client.__exit__(None, None, None)

"""Shared fixtures: a fresh store on SQLite and on the real PostgreSQL server, and a fixed clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from qunops.core.registry import WorkspaceRole
from qunops.store import accounts
from qunops.store.db import open_engine, upgrade

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
POSTGRES_URL = os.environ.get("QUNOPS_TEST_POSTGRES_URL")


def shared_path(*parts: str) -> Path:
    """A file under ../shared, or skip the test with the reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is not beside the checkout)")
    return path


def _postgres_database() -> Iterator[str]:
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("QUNOPS_TEST_POSTGRES_URL is not set: run the tests through `make test`")
        pytest.skip("no PostgreSQL server: run through `make test` (scripts/with-postgres.sh starts one)")
    name = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, and a fresh database on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'qunops.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'qunops.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def workspace(engine: Engine) -> int:
    with engine.begin() as connection:
        workspace_id = accounts.create_workspace(connection, "test", "Test", "Asia/Shanghai")
        user = accounts.create_user(connection, "admin", "correct horse")
        accounts.grant(connection, workspace_id, user, WorkspaceRole.ADMIN)
    return workspace_id

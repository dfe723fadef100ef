"""The migrated schema is exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select, text
from sqlalchemy import inspect as sa_inspect

from qunops.core.events import GroupRef
from qunops.core.keys import KEY_SCHEME
from qunops.core.platforms import Platform
from qunops.ingestion import import_events
from qunops.store import accounts
from qunops.store.db import alembic_config, open_engine, upgrade
from qunops.store.schema import groups, login_sessions, metadata
from tests.factories import message


def test_migrations_produce_the_declared_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_groups_stored_before_ordered_keys_keep_the_old_key_scheme(database_url: str) -> None:
    engine = open_engine(database_url)
    try:
        command.upgrade(alembic_config(engine), "0005")
        with engine.begin() as connection:
            workspace = accounts.create_workspace(connection, "old", "Old", "Asia/Shanghai")
            connection.execute(
                text(
                    "INSERT INTO groups (workspace_id, platform, external_id, name, purpose, group_type, "
                    "duration_kind, entry_threshold, matrix, tags, extended_resources) "
                    "VALUES (:w, 'qq', 'old', 'Old group', '', 'other', 'long_term', 'none', '', '[]', '[]')"
                ),
                {"w": workspace},
            )
        upgrade(engine)
        import_events(
            engine, workspace, iter([message(1, timedelta(0), group=GroupRef(Platform.QQ, "new", "New"))])
        )
        with engine.connect() as connection:
            schemes = dict(connection.execute(select(groups.c.external_id, groups.c.key_scheme)).all())
        assert schemes == {"old": 1, "new": KEY_SCHEME}
        command.downgrade(alembic_config(engine), "0005")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM groups")).scalar() == 2
    finally:
        engine.dispose()


def test_logins_kept_on_the_server_come_with_0008_and_go_with_its_downgrade(database_url: str) -> None:
    engine = open_engine(database_url)
    try:
        command.upgrade(alembic_config(engine), "0007")
        with engine.begin() as connection:
            user = accounts.create_user(connection, "before", "before 0008")
        upgrade(engine)
        with engine.begin() as connection:
            token = accounts.open_session(connection, user)
            assert accounts.session_user(connection, token) == (user, "before")
            assert connection.execute(select(login_sessions.c.user_id)).scalars().all() == [user]
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
        command.downgrade(alembic_config(engine), "0007")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM users")).scalar() == 1
            assert "login_sessions" not in sa_inspect(connection).get_table_names()
        upgrade(engine)
    finally:
        engine.dispose()

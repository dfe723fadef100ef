"""Opening the store: engines for SQLite (WAL) and PostgreSQL, migrations, and clear connection errors."""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

MIGRATIONS = Path(__file__).parent / "migrations"


class StoreError(Exception):
    """The store cannot be used as configured; the message says why and where."""


def open_engine(url: str) -> Engine:
    """An engine for `url`, checked by connecting once. Raises StoreError with a one-line reason."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise StoreError(f"QUNOPS_DATABASE_URL is not a database URL: {_without_password(url)!r}") from None
    shown = parsed.render_as_string(hide_password=True)
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = _sqlite_engine(url, parsed.database)
        elif parsed.get_backend_name() == "postgresql":
            engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})
        else:
            raise StoreError(
                f"QUNOPS_DATABASE_URL: unsupported database {parsed.get_backend_name()!r} in {shown}"
            )
        with engine.connect():
            pass
    except (NoSuchModuleError, ModuleNotFoundError):
        # A dialect SQLAlchemy knows whose driver is not installed (postgresql+psycopg2) fails on import.
        raise StoreError(
            f"QUNOPS_DATABASE_URL: no driver for {shown} (use sqlite:/// or postgresql+psycopg://)"
        ) from None
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the database {shown}: {driver_reason(exc)}") from None
    return engine


# What a database may raise at a statement: SQLAlchemy's errors, and the drivers' own, which bulk paths
# that use the driver directly (`driver_rows`, the event writer) meet unwrapped.
DATABASE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, sqlite3.Error, psycopg.Error)


def driver_reason(exc: BaseException) -> str:
    """The first line of what the database driver said (SQLAlchemy wraps it with its class, the statement
    and a link to its docs), for one-line errors."""
    reason = getattr(exc, "orig", None) or exc
    lines = str(reason).strip().splitlines()
    return lines[0] if lines else type(reason).__name__


def in_memory(engine: Engine) -> bool:
    """An in-memory SQLite database: a second connection to it would be another, empty database."""
    url = engine.url
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        parent = Path(database).expanduser().resolve().parent
        if not parent.is_dir():
            raise StoreError(f"QUNOPS_DATABASE_URL: folder {parent} does not exist")
    engine = create_engine(url, connect_args={"timeout": SQLITE_WAIT_S})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    return engine


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Apply every migration (idempotent). A database a newer qunops wrote is left as it is."""
    from alembic import command

    tables = inspect(engine).get_table_names()
    if "alembic_version" in tables:
        newer = unknown_revisions(engine)
        if newer:
            raise StoreError(_newer_message(newer))
    elif tables:
        # Tables, but none of qunops's bookkeeping: another program's database. SQLite would create
        # qunops's tables beside them (its DDL is not transactional), half of them before failing.
        shown = engine.url.render_as_string(hide_password=True)
        raise StoreError(
            f"the database {shown} holds tables of another program ({', '.join(sorted(tables)[:5])}): "
            "choose an empty database for qunops (nothing was changed)"
        )
    command.upgrade(alembic_config(engine), "head")


def is_current(engine: Engine) -> bool:
    """True when the schema is at the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return set(current) == set(script.get_heads())


def require_current(engine: Engine) -> None:
    if not inspect(engine).has_table("alembic_version"):
        raise StoreError("the database is not set up: run `qunops init` (or `qunops db upgrade`)")
    newer = unknown_revisions(engine)
    if newer:
        raise StoreError(_newer_message(newer))
    if not is_current(engine):
        raise StoreError("the database is not current: run `qunops db upgrade`")


def unknown_revisions(engine: Engine) -> list[str]:
    """Revisions the database is at that this version's migrations do not know (a newer qunops wrote it)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine))
    known = {revision.revision for revision in script.walk_revisions()}
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return [revision for revision in current if revision not in known]


def _newer_message(revisions: list[str]) -> str:
    return (
        f"the database is at revision {', '.join(revisions)}, which this version of qunops does not know: "
        "a newer qunops wrote it; use that version (nothing was changed)"
    )


def _without_password(url: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


SQLITE_WAIT_S = 30  # how long a connection waits for SQLite's write lock


@contextmanager
def bulk_writing(engine: Engine, what: str) -> Iterator[Connection]:
    """A transaction for a bulk writer (an import's file, a chunk of the rollup fill) that waits until
    no other bulk writer of the database is in one, however long that takes, and keeps them waiting until
    it ends.

    Two imports (or two fills of the rollups) of the same data at once would read the same "not stored
    yet" and then collide on the same keys and days. PostgreSQL runs writers side by side: an advisory
    lock named `what` makes those of one kind take turns. SQLite lets one writer in at a time, and one
    that holds the write lock for a whole import would make another give up after `SQLITE_WAIT_S`; there
    bulk writers of every kind take turns through a lock file beside the database (`<file>-turn`), and the
    transaction starts only once it is this one's turn. A bulk writer that starts another inside its own
    transaction (an import rolling up what it wrote) already has the turn."""
    with _sqlite_turn(engine), engine.begin() as connection:
        one_at_a_time(connection, what)
        yield connection


def one_at_a_time(connection: Connection, what: str) -> None:
    """On PostgreSQL, wait until no other transaction holds `what`, then hold it until this one ends
    (see `bulk_writing`; on SQLite the turn is taken before the transaction)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:what))"), {"what": what})


_TURNS = threading.local()  # the turn files this thread holds


@contextmanager
def _sqlite_turn(engine: Engine) -> Iterator[None]:
    database = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or in_memory(engine) or database is None:
        yield
        return
    # Never a lock on the database file itself: closing any descriptor of it would drop the POSIX locks
    # SQLite holds on it in this process.
    path = str(Path(database).expanduser().resolve()) + "-turn"
    held: set[str] = _TURNS.__dict__.setdefault("held", set())
    if path in held:
        yield
        return
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # per open file: threads of one process wait too
        held.add(path)
        try:
            yield
        finally:
            held.discard(path)
    finally:
        os.close(descriptor)  # the lock goes with it


IN_LIST = 500  # values per IN (...) list


def driver_rows(connection: Connection, sql: str, parameters: list[Any]) -> list[Any]:
    """Rows straight from the DB-API driver, for bulk reads (no result processing per row); `?` marks
    become `%s` on psycopg."""
    if connection.dialect.name != "sqlite":
        sql = sql.replace("?", "%s")
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, parameters)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def driver_executemany(connection: Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """One statement for many rows of plain values, straight through the driver (`?` marks, as above)."""
    if connection.dialect.name != "sqlite":
        sql = sql.replace("?", "%s")
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


def chunked(values: list[Any], size: int = IN_LIST) -> list[list[Any]]:
    """The values in lists of at most `size`, for IN lists."""
    return [values[start : start + size] for start in range(0, len(values), size)]


def placeholders(count: int) -> str:
    """`?, ?, ...` for an IN list of `count` values, in `driver_rows` SQL."""
    return ", ".join("?" * count)


def date_parameter(connection: Connection, day: date) -> Any:
    """A DATE as the driver takes it in raw SQL: SQLAlchemy stores dates as ISO text on SQLite."""
    return day.isoformat() if connection.dialect.name == "sqlite" else day

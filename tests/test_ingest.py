"""The event log: idempotent ingest, identities, and derived memberships (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from qunops.core.events import Event, EventKind, MemberRef
from qunops.ingestion import import_events
from qunops.store.ingest import EventWriter, IngestSummary
from qunops.store.rollups import fill_rollups
from qunops.store.schema import events, member_names, members, memberships
from tests.factories import GROUP, T0, join, leave, message, person
from tests.store_helpers import table_states


def history() -> list[Event]:
    return [
        join(1, timedelta(0)),
        join(2, timedelta(minutes=5), inviter=1),
        message(1, timedelta(minutes=10), "请问今天几点开始？"),
        message(2, timedelta(minutes=12), "十点", source_id=None),
        message(2, timedelta(minutes=12), "十点", source_id=None),  # the same text twice in one second
        leave(2, timedelta(days=1)),
    ]


def test_reimporting_the_same_events_changes_no_table(engine: Engine, workspace: int) -> None:
    first = import_events(engine, workspace, iter(history()))
    fill_rollups(engine)
    before = table_states(engine)
    again = import_events(engine, workspace, iter(history()))
    fill_rollups(engine)
    assert (first.events_new, first.events_existing) == (6, 0)
    assert (again.events_new, again.events_existing) == (0, 6)
    assert table_states(engine) == before


def test_identical_messages_in_one_second_stay_two_events(engine: Engine, workspace: int) -> None:
    import_events(engine, workspace, iter(history()))
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).where(events.c.text == "十点")).scalar()
    assert count == 2


def test_a_replayed_batch_within_one_import_is_stored_once(engine: Engine, workspace: int) -> None:
    batch = [
        message(1, timedelta(minutes=1), source_id="x1"),
        message(1, timedelta(minutes=1), source_id="x1"),
    ]
    summary = import_events(engine, workspace, iter(batch))
    assert (summary.events_new, summary.events_existing) == (1, 1)


def test_a_re_import_counts_the_same_members_as_the_first(engine: Engine, workspace: int) -> None:
    """The summary's members are the people the events name (senders, inviters, mentioned), new or not."""
    batch = [join(2, timedelta(0), inviter=1), message(3, timedelta(minutes=1), mentions=(person(4),))]
    first = import_events(engine, workspace, iter(batch))
    again = import_events(engine, workspace, iter(batch))
    assert (first.events_new, again.events_new, again.events_existing) == (2, 0, 2)
    assert len(first.members) == 4 and again.members == first.members


def test_a_renamed_member_stays_one_member_with_both_names(engine: Engine, workspace: int) -> None:
    renamed = MemberRef(name="new name", external_id=person(1).external_id)
    import_events(engine, workspace, iter([message(1, timedelta(0)), message(1, timedelta(hours=1))]))
    import_events(
        engine,
        workspace,
        iter(
            [Event(GROUP, EventKind.MESSAGE, T0 + timedelta(hours=2), renamed, text="hi", source_id="later")]
        ),
    )
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(members)).scalar() == 1
        names = connection.execute(
            select(member_names.c.name).order_by(member_names.c.first_seen_us)
        ).scalars()
        assert list(names) == ["member1", "new name"]


def test_memberships_follow_joins_and_leaves(engine: Engine, workspace: int) -> None:
    import_events(engine, workspace, iter(history()))
    fill_rollups(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                members.c.external_id,
                memberships.c.joined_us.is_not(None),
                memberships.c.left_us.is_not(None),
                memberships.c.join_channel,
                memberships.c.messages,
            )
            .join(members, members.c.id == memberships.c.member_id)
            .order_by(members.c.external_id)
        ).all()
        inviter = connection.execute(
            select(memberships.c.inviter_id)
            .join(members, members.c.id == memberships.c.member_id)
            .where(members.c.external_id == person(2).external_id)
        ).scalar()
        inviter_external = connection.execute(
            select(members.c.external_id).where(members.c.id == inviter)
        ).scalar()
    assert rows == [("1001", True, False, "unknown", 1), ("1002", True, True, "invite", 2)]
    assert inviter_external == "1001"


def test_a_new_group_finds_repeats_from_earlier_batches_whatever_the_order(
    engine: Engine, workspace: int
) -> None:
    """In a group new to the import, a batch whose keys all sort after those written needs no lookup;
    any other batch is checked against what this import stored already (ids out of order, repeats)."""
    ids = [*range(1, 11), 7, 5, 6, 30, 25, 20, 5, 31, 2]
    stream = [message(1, timedelta(minutes=n), f"id {n}", source_id=str(n)) for n in ids]
    summary = _write_in_batches(engine, workspace, stream, batch_size=3)
    assert (summary.events_new, summary.events_existing) == (len(set(ids)), len(ids) - len(set(ids)))
    with engine.connect() as connection:
        stored = sorted(connection.execute(select(events.c.text)).scalars())
    assert stored == sorted(f"id {n}" for n in set(ids))


def _write_in_batches(engine: Engine, workspace: int, stream: list[Event], batch_size: int) -> IngestSummary:
    with engine.begin() as connection:
        return EventWriter(connection, workspace, batch_size).write(iter(stream))


def test_nul_characters_are_stored_alike_on_every_database(engine: Engine, workspace: int) -> None:
    # PostgreSQL refuses NUL in text: an export holding one failed there while SQLite stored it.
    from qunops.core.events import GroupRef
    from qunops.core.platforms import Platform
    from qunops.store.schema import groups

    group = GroupRef(Platform.QQ, "g\x00", "Runners\x00")
    who = MemberRef("Al\x00ice", None)
    history = [
        Event(group=group, kind=EventKind.MESSAGE, ts=T0, member=who, text="a\x00b"),
    ]
    first = import_events(engine, workspace, iter(history))
    again = import_events(engine, workspace, iter(history))
    assert (first.events_new, again.events_new, again.events_existing) == (1, 0, 1)
    with engine.connect() as connection:
        assert connection.execute(select(events.c.text)).scalar_one() == "a\ufffdb"
        assert connection.execute(select(members.c.display_name)).scalar_one() == "Al\ufffdice"
        assert connection.execute(select(groups.c.name)).scalar_one() == "Runners\ufffd"


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    from qunops.store.db import StoreError, open_engine

    text = tmp_path / "notes.txt"
    text.write_text("not a database\n", encoding="utf-8")
    with pytest.raises(StoreError) as caught:
        open_engine(f"sqlite:///{text}")
    assert str(caught.value) == f"cannot open the database sqlite:///{text}: file is not a database"
    assert text.read_text(encoding="utf-8") == "not a database\n"  # left as it was

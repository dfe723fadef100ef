"""Rollups: filled incrementally and resumably; a killed fill redone never double counts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from qunops.core.events import Event
from qunops.ingestion import import_events
from qunops.store.db import open_engine, upgrade
from qunops.store.rollups import fill_rollups, refill_everything
from qunops.store.schema import fill_state, group_days
from tests.factories import GROUP, join, message
from tests.store_helpers import table_states

DERIVED = ("group_days", "member_days", "memberships", "fill_state", "groups")


def many_days(days: int = 12) -> list[Event]:
    history: list[Event] = []
    for day in range(days):
        base = timedelta(days=day)
        history.append(join(100 + day, base + timedelta(minutes=1), inviter=1))
        for n in range(6):
            history.append(
                message(1 + (n + day) % 4, base + timedelta(minutes=10 + n), f"day {day} message {n}?")
            )
        history.append(message(100 + day, base + timedelta(minutes=30), "hi all"))
    return history


def derived_state(engine: Engine) -> dict[str, object]:
    return {k: v for k, v in table_states(engine).items() if k in DERIVED}


def _fresh_copy(url: str, tmp_path: Path) -> Engine:
    """A second, separate database with the same events, filled without interruption."""
    if url.startswith("sqlite"):
        other = open_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    else:
        from sqlalchemy import create_engine, text

        admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        name = url.rsplit("/", 1)[1] + "_ref"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        other = open_engine(url.rsplit("/", 1)[0] + "/" + name)
    upgrade(other)
    return other


KILLED_FILL = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from qunops.store import rollups
    from qunops.store.db import open_engine

    marker = Path(sys.argv[2])
    original = rollups._replace_days
    calls = {"n": 0}

    def slow_replace(*args):
        original(*args)
        calls["n"] += 1
        if calls["n"] == 3:  # the third chunk has written its rows but not committed: wait to be killed
            marker.write_text("ready")
            time.sleep(600)

    rollups._replace_days = slow_replace
    rollups.fill_rollups(open_engine(sys.argv[1]), chunk_events=20)
    """
)


def test_a_killed_fill_then_a_normal_run_equals_an_uninterrupted_fill(
    engine: Engine, workspace: int, database_url: str, tmp_path: Path
) -> None:
    import_events(engine, workspace, iter(many_days()))
    marker = tmp_path / "marker"
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_FILL, database_url, str(marker)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the fill never reached its third chunk"
    child.send_signal(signal.SIGKILL)
    child.wait()
    with engine.connect() as connection:
        partial = connection.execute(select(fill_state.c.last_event_id)).scalar()
    assert partial == 40  # two chunks of 20 events were committed; the third was lost with the process

    fill_rollups(engine, chunk_events=20)

    reference = _fresh_copy(database_url, tmp_path)
    with reference.begin() as connection:
        from qunops.store import accounts

        accounts.create_workspace(connection, "test", "Test", "Asia/Shanghai")
    import_events(reference, workspace, iter(many_days()))
    fill_rollups(reference)
    try:
        assert derived_state(engine) == derived_state(reference)
    finally:
        reference.dispose()


def test_filling_twice_changes_nothing_and_new_events_update_only_their_days(
    engine: Engine, workspace: int
) -> None:
    import_events(engine, workspace, iter(many_days(5)))
    fill_rollups(engine)
    once = derived_state(engine)
    assert fill_rollups(engine).events == 0
    assert derived_state(engine) == once
    import_events(engine, workspace, iter([message(2, timedelta(days=4, hours=5), "one more")]))
    report = fill_rollups(engine)
    assert report.events == 1
    with engine.connect() as connection:
        counts = dict(connection.execute(select(group_days.c.day, group_days.c.member_messages)).all())
    assert sorted(counts.values()) == [7, 7, 7, 7, 8]


def test_rollups_are_local_days_of_the_group_timezone(engine: Engine, workspace: int) -> None:
    # 23:30 UTC on 1 May is 07:30 on 2 May in Asia/Shanghai.
    from datetime import UTC, datetime

    at = datetime(2024, 5, 1, 23, 30, tzinfo=UTC)
    import_events(
        engine, workspace, iter([message(1, at, group=GROUP), message(2, at + timedelta(minutes=1))])
    )
    fill_rollups(engine)
    with engine.connect() as connection:
        row = connection.execute(select(group_days.c.day, group_days.c.hour_counts)).one()
    assert str(row[0]) == "2024-05-02"
    assert row[1][7] == 2


@pytest.mark.parametrize("order", ["in time order", "shuffled"])
def test_piecewise_fills_equal_one_fill_of_everything(order: str, tmp_path: Path) -> None:
    """Events arrive a piece at a time — each morning, or older exports after newer ones — and the rollups
    end exactly as one big fill's. Pieces end at local midnight (answers and red-packet claims
    that cross it) and mid-day; shuffled, joins arrive after the days they make "new"."""
    import random

    from qunops.simulate import SimulationConfig, simulate

    community = simulate(SimulationConfig(seed=3, groups=5, days=30))
    everything = sorted(community.events(), key=lambda e: e.ts)
    first = everything[0].ts.replace(hour=0, minute=0, second=0, microsecond=0)
    # 16:00 UTC is midnight in Asia/Shanghai; 07:00 UTC is 15:00.
    cuts = sorted(first + timedelta(days=n, hours=h) for n in range(32) for h in (7, 16))
    pieces: list[list[Event]] = []
    start = 0
    for cut in cuts:
        end = next((i for i, e in enumerate(everything) if e.ts >= cut), len(everything))
        pieces.append(everything[start:end])
        start = end
    pieces.append(everything[start:])
    if order == "shuffled":
        random.Random(5).shuffle(pieces)

    def workspace_engine(name: str) -> Engine:
        engine = open_engine(f"sqlite:///{tmp_path / name}")
        upgrade(engine)
        with engine.begin() as connection:
            from qunops.store import accounts

            accounts.create_workspace(connection, "w", "W", "Asia/Shanghai")
        return engine

    piecewise = workspace_engine("piecewise.db")
    for piece in pieces:
        import_events(piecewise, 1, iter(piece))
        fill_rollups(piecewise)
    once = workspace_engine("once.db")
    for piece in pieces:  # the same import order, so that member and group ids agree
        import_events(once, 1, iter(piece))
    fill_rollups(once)
    assert derived_state(piecewise) == derived_state(once)


def test_an_answer_and_a_claim_after_midnight_update_the_day_before(engine: Engine, workspace: int) -> None:
    from datetime import UTC, datetime

    from qunops.core.events import EventKind

    asked = datetime(2024, 5, 1, 15, 58, tzinfo=UTC)  # 23:58 in Asia/Shanghai
    sent = Event(
        GROUP, EventKind.RED_PACKET_SENT, asked, member=message(3, asked).member, payload={"packet_id": "p1"}
    )
    import_events(engine, workspace, iter([message(1, asked, "请问明天几点？"), sent]))
    fill_rollups(engine)
    claimed = Event(
        GROUP,
        EventKind.RED_PACKET_CLAIMED,
        asked + timedelta(minutes=4),
        member=message(2, asked).member,
        payload={"packet_id": "p1"},
    )
    import_events(engine, workspace, iter([message(2, asked + timedelta(minutes=7), "十点"), claimed]))
    fill_rollups(engine)
    with engine.connect() as connection:
        row = connection.execute(
            select(
                group_days.c.questions, group_days.c.questions_answered, group_days.c.red_packet_first_claim_s
            ).where(group_days.c.day == datetime(2024, 5, 1).date())
        ).one()
    assert (row[0], row[1], list(row[2])) == (1, 1, [240.0])


def test_a_fill_from_scratch_recomputes_memberships_and_keeps_designated_roles(
    engine: Engine, workspace: int
) -> None:
    # Memberships are updated incrementally, so a fill that starts over (rollups forgotten, memberships
    # kept for the operator's designations) must not add its counts on top of the old ones.
    from sqlalchemy import delete, update

    from qunops.store.schema import member_days, memberships

    import_events(engine, workspace, iter(many_days(6)))
    fill_rollups(engine)
    with engine.begin() as connection:
        connection.execute(update(memberships).where(memberships.c.messages > 0).values(roles=["expert"]))
    before = derived_state(engine)
    with engine.begin() as connection:
        for table in (group_days, member_days, fill_state):
            connection.execute(delete(table))
    fill_rollups(engine)
    assert derived_state(engine) == before
    with engine.connect() as connection:
        experts = connection.execute(select(memberships.c.roles).where(memberships.c.messages > 0)).scalars()
        assert all(roles == ["expert"] for roles in experts)


def test_a_fill_shared_with_a_second_process_equals_a_fill_in_one(
    engine: Engine, workspace: int, database_url: str, tmp_path: Path
) -> None:
    """The helper process computes every other piece of work from its own connection; the rows, the
    memberships and the fill mark end as a fill in one process leaves them. Chunks of a few thousand
    events over many groups and days make many pieces, some cut from one group's long run of days."""
    from qunops.simulate import SimulationConfig, simulate

    everything = list(simulate(SimulationConfig(seed=4, groups=6, days=40)).events())
    import_events(engine, workspace, iter(everything))
    shared = fill_rollups(engine, chunk_events=4000, second_process=True)
    reference = _fresh_copy(database_url, tmp_path)
    try:
        with reference.begin() as connection:
            from qunops.store import accounts

            accounts.create_workspace(connection, "test", "Test", "Asia/Shanghai")
        import_events(reference, workspace, iter(everything))
        alone = fill_rollups(reference, chunk_events=4000, second_process=False)
        assert shared == alone and shared.chunks > 2
        assert derived_state(engine) == derived_state(reference)
    finally:
        reference.dispose()


def test_a_fill_whose_helper_process_dies_goes_on_in_one_process(
    engine: Engine,
    workspace: int,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A helper killed (for its memory, say) costs speed, not the fill: this process computes its part."""
    from qunops.core.parallel import SecondProcess
    from qunops.simulate import SimulationConfig, simulate
    from qunops.store import rollups

    def dead_helper(engine: Engine, wanted: bool | None) -> SecondProcess:
        helper = SecondProcess()
        helper._process.kill()
        helper._process.wait()
        return helper

    monkeypatch.setattr(rollups, "_second_process", dead_helper)
    everything = list(simulate(SimulationConfig(seed=5, groups=3, days=30)).events())
    import_events(engine, workspace, iter(everything))
    fill_rollups(engine, chunk_events=3000)
    assert "the fill goes on in one process" in caplog.text
    reference = _fresh_copy(database_url, tmp_path)
    try:
        with reference.begin() as connection:
            from qunops.store import accounts

            accounts.create_workspace(connection, "test", "Test", "Asia/Shanghai")
        import_events(reference, workspace, iter(everything))
        monkeypatch.undo()
        fill_rollups(reference, chunk_events=3000, second_process=False)
        assert derived_state(engine) == derived_state(reference)
    finally:
        reference.dispose()


def test_rollups_filled_inside_an_import_transaction_equal_a_fill_after_it(
    engine: Engine, workspace: int, database_url: str, tmp_path: Path
) -> None:
    """An import rolls up what it has written while it waits for its parse process: small steps taken
    between pieces of the stream, each ending mid-day, leave exactly what one fill after the import does."""
    from qunops.core.keys import KeyMaker
    from qunops.simulate import SimulationConfig, simulate
    from qunops.store.ingest import EventWriter
    from qunops.store.rollups import fill_within

    everything = list(simulate(SimulationConfig(seed=6, groups=3, days=30)).events())
    piece = len(everything) // 5
    keys = KeyMaker()  # one stream, as an import's: identical events keep their positions
    steps: list[int] = []
    with engine.begin() as connection:
        writer = EventWriter(connection, workspace)
        for start in range(0, len(everything), piece):
            writer.write(iter(everything[start : start + piece]), keys)
            steps.append(fill_within(connection, least=piece // 2, most=piece // 3))
        assert fill_within(connection, least=10**9, most=10) == 0  # fewer waiting than asked for
    assert all(0 < step <= piece // 3 for step in steps[:-1])
    fill_rollups(engine)
    reference = _fresh_copy(database_url, tmp_path)
    try:
        with reference.begin() as connection:
            from qunops.store import accounts

            accounts.create_workspace(connection, "test", "Test", "Asia/Shanghai")
        import_events(reference, workspace, iter(everything))
        fill_rollups(reference)
        assert derived_state(engine) == derived_state(reference)
    finally:
        reference.dispose()


def test_rollups_filled_inside_a_transaction_that_rolls_back_leave_nothing(
    engine: Engine, workspace: int
) -> None:
    from qunops.simulate import SimulationConfig, simulate
    from qunops.store.ingest import EventWriter
    from qunops.store.rollups import fill_within

    first = list(simulate(SimulationConfig(seed=7, groups=2, days=30)).events())
    import_events(engine, workspace, iter(first))
    fill_rollups(engine)
    before = derived_state(engine)
    later = list(simulate(SimulationConfig(seed=8, groups=2, days=30)).events())
    with engine.connect() as connection:
        transaction = connection.begin()
        EventWriter(connection, workspace).write(iter(later))
        assert fill_within(connection, least=1, most=10**6) == len(later)
        transaction.rollback()
    assert derived_state(engine) == before
    assert fill_rollups(engine).events == 0


def test_a_fill_from_the_first_event_over_rollups_kept_equals_the_first_fill(
    engine: Engine, workspace: int
) -> None:
    """After a timezone change the mark goes back to the start while the rollups stay (the pages keep
    showing them): the fill then derives everything again, memberships of people only seen speaking
    too, exactly as the first fill did."""
    import_events(engine, workspace, iter([*many_days(6), message(42, timedelta(days=2), "only talks")]))
    fill_rollups(engine)
    before = derived_state(engine)
    with engine.begin() as connection:
        refill_everything(connection)
    assert fill_rollups(engine).events == len(many_days(6)) + 1
    assert derived_state(engine) == before

"""Large files are parsed in a second process while this one writes: what is stored, reported, counted
and refused must be exactly what an import parsed in one process gives."""

from __future__ import annotations

import json
import queue
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from sqlalchemy import Engine

import qunops.importers.parse_process as parse_process
import qunops.ingestion as ingestion
from qunops.ingestion import ImportReport, import_paths
from qunops.store import accounts
from qunops.store.db import open_engine, upgrade
from qunops.store.rollups import fill_rollups, fill_within, newest_event_id, rolled_up_through
from tests.importers.test_qq import HEADER
from tests.store_helpers import refilled_from_scratch, table_states
from tests.test_aliases import line

ZONE = "Asia/Shanghai"
WHATSAPP = """12/03/2024, 09:00 - Messages and calls are end-to-end encrypted.
12/03/2024, 09:00 - Alice created group "Mix"
12/03/2024, 09:01 - Alice added Bob, Carol and Dave
12/03/2024, 09:01 - Bob: hi @\u2068Carol\u2069 and @+49 170 1234567
12/03/2024, 09:02 - Carol: <Media omitted>
12/03/2024, 09:02 - Carol: IMG-2024.jpg (file attached)
second line
12/03/2024, 09:02 - Carol: IMG-2024.jpg (file attached)
second line
12/03/2024, 09:03 - Dave: This message was deleted
12/03/2024, 09:03 - You: location: https://maps.google.com/?q=1,2
12/03/2024, 09:04 - Alice changed the subject from "Mix" to "Mix 2"
12/03/2024, 09:05 - Dave left
12/03/2024, 09:05 - Alice removed Bob
13/03/2024, 21:05 - Bob: POLL: yes?
13/03/2024, 21:06 - Zed:.
"""


def _telegram() -> dict[str, Any]:
    messages: list[dict[str, Any]] = [
        {
            "id": 1,
            "type": "service",
            "date": "2024-03-12T09:00:00",
            "date_unixtime": "1710205200",
            "actor": "Alice",
            "actor_id": "user1",
            "action": "invite_members",
            "members": ["Bob", "Carol"],
        }
    ]
    for n in range(2, 400):
        messages.append(
            {
                "id": n,
                "type": "message",
                "date": "2024-03-12T09:01:00",
                "date_unixtime": str(1710205260 + n),
                "from": ["Bob", "Carol", "Alice"][n % 3],
                "from_id": f"user{n % 3 + 1}",
                "text": [{"type": "mention_name", "text": "Carol", "user_id": 2}, " hi"]
                if n % 7 == 0
                else "hi",
                **({"reply_to_message_id": n - 1} if n % 5 == 0 else {}),
                **({"photo": "photos/1.jpg"} if n % 11 == 0 else {}),
                **({"edited": "2024-03-12T09:09:00"} if n % 13 == 0 else {}),
            }
        )
    return {"name": "Group", "type": "private_supergroup", "id": 77, "messages": messages}


@pytest.fixture
def exports(tmp_path: Path) -> list[Path]:
    whatsapp = tmp_path / "WhatsApp Chat with Mix.txt"
    whatsapp.write_text(WHATSAPP * 3, encoding="utf-8")  # repeats: identical messages in one minute
    telegram = tmp_path / "result.json"
    telegram.write_text(json.dumps(_telegram(), ensure_ascii=False), encoding="utf-8")
    return [whatsapp, telegram]


def _store(path: Path) -> tuple[Engine, int]:
    engine = open_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as connection:
        workspace = accounts.create_workspace(connection, "test", "Test", ZONE)
    return engine, workspace


@pytest.fixture
def two_stores(tmp_path: Path) -> Iterator[tuple[tuple[Engine, int], tuple[Engine, int]]]:
    here, there = _store(tmp_path / "here.db"), _store(tmp_path / "there.db")
    yield here, there
    here[0].dispose()
    there[0].dispose()


def _import(
    monkeypatch: pytest.MonkeyPatch,
    in_child: bool,
    store: tuple[Engine, int],
    paths: list[Path],
    **options: Any,
) -> ImportReport:
    monkeypatch.setattr(parse_process, "PARSE_PROCESS_FROM", 0 if in_child else 2**62)
    return import_paths(store[0], store[1], paths, ZONE, **options)


def _tables(store: tuple[Engine, int]) -> dict[str, list[tuple[Any, ...]]]:
    return table_states(store[0], skip=("workspaces",))  # its creation time differs


def _children() -> list[psutil.Process]:
    return psutil.Process().children(recursive=True)


def test_a_file_parsed_in_a_second_process_stores_what_one_parsed_here_stores(
    monkeypatch: pytest.MonkeyPatch, exports: list[Path], two_stores: Any
) -> None:
    here, there = two_stores
    for _ in range(2):  # the second time everything exists already
        reports = [
            _import(monkeypatch, in_child, store, exports, batch_size=50)
            for in_child, store in ((False, here), (True, there))
        ]
        assert reports[0].as_json() == reports[1].as_json()
        assert reports[1].ok
    assert reports[1].total.events_existing > 400
    assert _tables(here) == _tables(there)
    assert not _children()


def test_a_parse_error_in_the_second_process_stores_nothing_of_that_file(
    monkeypatch: pytest.MonkeyPatch, exports: list[Path], two_stores: Any, tmp_path: Path
) -> None:
    broken = tmp_path / "WhatsApp Chat with Broken.txt"
    broken.write_text(WHATSAPP * 50 + "31/02/2024, 10:00 - Bob: the last line\n", encoding="utf-8")
    here, there = two_stores
    reports = [
        _import(monkeypatch, in_child, store, [broken, *exports], batch_size=20)
        for in_child, store in ((False, here), (True, there))
    ]
    assert reports[0].as_json() == reports[1].as_json()
    error = reports[1].files[0].error
    assert error is not None and error.startswith(
        f"{broken}:{WHATSAPP.count(chr(10)) * 50 + 1}: bad date or time"
    )
    assert reports[1].files[1].error is None and reports[1].files[1].events_new > 0  # the others import
    assert _tables(here) == _tables(there)
    assert not _children()


def test_a_dry_run_in_the_second_process_counts_reports_progress_and_stores_nothing(
    monkeypatch: pytest.MonkeyPatch, exports: list[Path], two_stores: Any
) -> None:
    here, there = two_stores
    before = _tables(there)
    seen: list[tuple[str, int]] = []
    dry = _import(monkeypatch, True, there, exports, dry_run=True, progress=lambda n, c: seen.append((n, c)))
    assert _tables(there) == before
    assert dry.as_json() == _import(monkeypatch, False, there, exports, dry_run=True).as_json()
    real = _import(monkeypatch, False, here, exports)
    assert [f.events_new for f in dry.files] == [f.events_new for f in real.files]
    assert [count for name, count in seen if name == str(exports[1])][-1] == real.files[1].events_new
    assert not _children()


class _SlowChildQueue(queue.Queue):  # type: ignore[type-arg]
    """Every other look finds no batch waiting, as when the parse process is the slower of the two."""

    looks = 0

    def get_nowait(self) -> Any:
        type(self).looks += 1
        if self.looks % 2:
            raise queue.Empty
        return super().get_nowait()


def test_rollups_computed_while_waiting_for_the_parse_process_equal_a_fill_after_the_import(
    monkeypatch: pytest.MonkeyPatch, two_stores: Any, tmp_path: Path
) -> None:
    days = [
        WHATSAPP.replace("12/03", f"{d:02d}/03").replace("13/03", f"{d + 1:02d}/03") for d in range(1, 25)
    ]
    export = tmp_path / "WhatsApp Chat with Days.txt"
    export.write_text("".join(days), encoding="utf-8")
    steps: list[int] = []

    def step(connection: Any, least: int, most: int) -> int:
        steps.append(fill_within(connection, least, most))
        return steps[-1]

    here, there = two_stores
    reference = _import(monkeypatch, False, here, [export], batch_size=30)
    monkeypatch.setattr(parse_process.queue, "Queue", _SlowChildQueue)
    monkeypatch.setattr(ingestion, "fill_within", step)
    monkeypatch.setattr(ingestion, "FILL_STEP_LEAST", 1)
    monkeypatch.setattr(ingestion, "FILL_STEP_MOST", 45)
    stepped = _import(monkeypatch, True, there, [export], batch_size=30)
    assert stepped.as_json() == reference.as_json()
    assert sum(steps) > 45 and max(steps) <= 45  # several steps, each within its bound
    assert _tables(here) == _tables(there)
    assert not _children()


def test_a_file_that_fails_after_rollups_were_computed_inside_its_import_leaves_nothing(
    monkeypatch: pytest.MonkeyPatch, two_stores: Any, tmp_path: Path
) -> None:
    """Rollups computed while waiting are part of the file's transaction: a parse error further down the
    file takes them back with its events, and the database is as it was."""
    days = [
        WHATSAPP.replace("12/03", f"{d:02d}/03").replace("13/03", f"{d + 1:02d}/03") for d in range(1, 25)
    ]
    broken = tmp_path / "WhatsApp Chat with Broken Days.txt"
    broken.write_text("".join(days) + "31/02/2024, 10:00 - Bob: the last line\n", encoding="utf-8")
    steps: list[int] = []

    def step(connection: Any, least: int, most: int) -> int:
        steps.append(fill_within(connection, least, most))
        return steps[-1]

    _, there = two_stores
    before = _tables(there)
    monkeypatch.setattr(parse_process.queue, "Queue", _SlowChildQueue)
    monkeypatch.setattr(ingestion, "fill_within", step)
    monkeypatch.setattr(ingestion, "FILL_STEP_LEAST", 1)
    monkeypatch.setattr(ingestion, "FILL_STEP_MOST", 45)
    report = _import(monkeypatch, True, there, [broken], batch_size=30)
    error = report.files[0].error
    assert error is not None and "bad date or time" in error
    assert sum(steps) > 45  # rollups were computed inside the transaction before the error
    assert _tables(there) == before
    assert not _children()


def test_members_linked_after_their_days_were_rolled_up_inside_the_import_are_rolled_up_by_the_fill(
    monkeypatch: pytest.MonkeyPatch, two_stores: Any, tmp_path: Path
) -> None:
    """A newcomer joins by name only and speaks with an id days later; the rollups reached the join while
    the import waited for its parse process. Linking the two leaves those days to the fill after the
    import (the mark moves back before the first moved event) rather than recomputing them inside the
    file's transaction, and the tables come out as an import in one process gives them."""
    chat = "".join(
        line(f"{day:02d} 9:00:00", "小王(10001)", f"早 {day}")
        + line(f"{day:02d} 9:01:00", "系统消息(10000)", f"小王邀请新人{day}加入了本群")
        + line(f"{day:02d} 9:02:00", "小李(10002)", "欢迎")
        + "".join(line(f"{day:02d} 10:{n:02d}:00", "小李(10002)", f"聊 {n}") for n in range(6))
        + (line(f"{day:02d} 11:00:00", f"新人{day - 3}({20000 + day - 3})", "大家好") if day > 3 else "")
        for day in range(1, 21)
    )
    export = tmp_path / "全部消息记录.txt"
    export.write_text(HEADER.format(title="读书会") + chat, encoding="utf-8")
    marks: list[tuple[int, int]] = []  # (rollup mark, newest event) when the fill after the import starts

    def step(connection: Any, least: int, most: int) -> int:
        return fill_within(connection, least, most)

    def fill(engine: Engine, *args: Any, **kwargs: Any) -> Any:
        with engine.connect() as connection:
            marks.append((rolled_up_through(connection), newest_event_id(connection)))
        return fill_rollups(engine, *args, **kwargs)

    here, there = two_stores
    reference = _import(monkeypatch, False, here, [export], batch_size=20)
    monkeypatch.setattr(parse_process.queue, "Queue", _SlowChildQueue)
    monkeypatch.setattr(ingestion, "fill_within", step)
    monkeypatch.setattr(ingestion, "fill_rollups", fill)
    monkeypatch.setattr(ingestion, "FILL_STEP_LEAST", 1)
    monkeypatch.setattr(ingestion, "FILL_STEP_MOST", 30)
    stepped = _import(monkeypatch, True, there, [export], batch_size=20)
    assert stepped.as_json() == reference.as_json()
    # 小王, 小李 and 20 newcomers: the 17 who spoke are one member each, not two (the last 3 never spoke).
    assert reference.as_json()["members"] == 2 + 20
    # The rollups had reached the first linked join (day 1's events) before the link moved the mark back.
    [(mark, newest)] = marks
    assert 0 < mark < 20  # before the first moved event: the first join is the second event
    assert newest > 100
    assert _tables(here) == _tables(there)
    assert refilled_from_scratch(there[0]) == table_states(there[0])

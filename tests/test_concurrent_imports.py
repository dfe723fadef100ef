"""Imports at the same time of the same exports, on PostgreSQL (which runs writers side by side): they
take turns, none fails, and everything is stored once, rollups included."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from qunops.ingestion import ImportReport, import_paths
from qunops.store.schema import events, group_days


def export(path: Path, group: str, messages: int) -> Path:
    """A qunops-jsonl export of one group: a message a minute from five members."""
    lines = [
        json.dumps(
            {
                "platform": "qq",
                "group": group,
                "group_name": f"Group {group}",
                "kind": "message",
                "ts": f"2024-05-{1 + n // 1440:02d}T{(n // 60) % 24:02d}:{n % 60:02d}:00+08:00",
                "id": f"{group}-{n}",
                "member": {"id": str(n % 5), "name": f"member {n % 5}"},
                "text": f"message {n}",
            }
        )
        for n in range(messages)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_imports_at_the_same_time_take_turns_and_store_everything_once(
    engine: Engine, workspace: int, tmp_path: Path
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time; see store.db.one_at_a_time")
    files = [export(tmp_path / f"g{n}.jsonl", f"g{n}", 3000) for n in range(3)]
    reports: list[ImportReport] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            reports.append(import_paths(engine, workspace, files, "Asia/Shanghai"))
        except BaseException as exc:  # the test reports it rather than losing it in the thread
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert failures == [] and len(reports) == 3
    assert [f.error for report in reports for f in report.files] == [None] * 9
    assert sum(report.total.events_new for report in reports) == 9000
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(events)).scalar_one() == 9000
        rolled = connection.execute(select(func.sum(group_days.c.member_messages))).scalar_one()
    assert rolled == 9000

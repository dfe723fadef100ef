"""Imports at the same time of the same exports, on PostgreSQL (which runs writers side by side) and on
SQLite (one writer at a time, where an import holds the write lock for a whole file): they take turns,
none fails, and everything is stored once, rollups included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import Engine, func, select

from qunops.ingestion import ImportReport, import_paths
from qunops.store.db import open_engine
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


def test_two_import_commands_at_once_on_sqlite_take_turns(tmp_path: Path) -> None:
    # Two processes (a scheduled import and one by hand, say): the second waits for the first's files.
    env = {
        **os.environ,
        "QUNOPS_DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}",
        "QUNOPS_ADMIN_PASSWORD": "correct horse",
    }
    qunops = [sys.executable, "-m", "qunops.cli"]
    subprocess.run([*qunops, "init"], env=env, check=True, capture_output=True)
    files = [str(export(tmp_path / f"g{n}.jsonl", f"g{n}", 4000)) for n in range(3)]
    runs = [
        subprocess.Popen([*qunops, "import", *files, "--json"], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    reports = [json.loads(run.communicate(timeout=300)[0]) for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert [f["error"] for report in reports for f in report["files"]] == [None] * 6
    assert sum(report["events_new"] for report in reports) == 12000
    engine = open_engine(env["QUNOPS_DATABASE_URL"])
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(events)).scalar_one() == 12000
        assert connection.execute(select(func.sum(group_days.c.member_messages))).scalar_one() == 12000
    engine.dispose()

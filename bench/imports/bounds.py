"""Where a 1,000,000-message import's time goes, and the least it could take on this machine.

    python -m bench.imports.bounds 1000000

On the same generated WhatsApp TXT and Telegram JSON files as `bench.imports.run`, each part of an
import is measured alone, in this process, with nothing between the parts:

- parse: the importer reads the file into events (counted, nothing else);
- keys and identities: each event prepared for the writer (`core/prepared.py`: stable key, time,
  identities, payload), the parse's own time taken off;
- to and from the parse process: the prepared batches pickled and unpickled, as the pipe carries them;
- insert: the rows of the finished import inserted again, with the bare driver, into the emptied events
  table of a copy of its database (its indexes and checks, the same settings, one transaction; commit
  and checkpoint included);
- rollups: the fill of the imported database from scratch, in one process.

Beside them, in the same run: `qunops import` as a whole process (wall and CPU time over its
processes), and what the importers issue's goals are measured against: the bare floor, whatstk and the
chat-analytics CLI (as `bench.imports.run` runs them), and orjson's one-shot parse of the Telegram file.

The parts add up to the CPU time an import needs when nothing is spent passing events between
processes or reading them back; two cores can do that in no less than half of it.
"""

from __future__ import annotations

import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.imports.generate import telegram_json, whatsapp_txt
from bench.imports.run import ROOT, ensure_tools, isolated
from qunops.core.prepared import Preparer
from qunops.importers.base import ParseContext, SourceFile
from qunops.importers.registry import by_name
from qunops.store.db import open_engine
from qunops.store.rollups import fill_rollups, refill_everything

ZONE = "Asia/Shanghai"
_BATCH = 5000  # the parse process's batch
_COLUMNS = "group_id, key, ts_us, kind, member_id, actor_id, content_type, text, reply_to_key, payload"
# The settings qunops opens SQLite with (`store/db.py`).
_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-65536",
)


def parse_seconds(source: Path, importer: str) -> tuple[float, int]:
    parser = by_name(importer)
    assert parser is not None, importer
    context = ParseContext(timezone=ZoneInfo(ZONE))
    started = time.perf_counter()
    count = sum(1 for _ in parser.parse(SourceFile.reopen(source, None), context))
    return time.perf_counter() - started, count


def prepare_and_pickle_seconds(source: Path, importer: str) -> tuple[float, float]:
    """Parse and prepare together, and the pickling of the batches (both ways) alone."""
    parser = by_name(importer)
    assert parser is not None, importer
    prepare = Preparer().prepare
    context = ParseContext(timezone=ZoneInfo(ZONE))
    piped = 0.0
    batch: list[Any] = []
    started = time.perf_counter()
    for event in parser.parse(SourceFile.reopen(source, None), context):
        batch.append(prepare(event))
        if len(batch) >= _BATCH:
            sent = time.perf_counter()
            pickle.loads(pickle.dumps(("batch", batch), protocol=pickle.HIGHEST_PROTOCOL))
            piped += time.perf_counter() - sent
            batch = []
    return time.perf_counter() - started - piped, piped


def insert_seconds(database: Path, folder: Path) -> float:
    """The import's event rows inserted again into its emptied events table (a copy of its database)."""
    with sqlite3.connect(database) as source:
        rows = source.execute(f"SELECT {_COLUMNS} FROM events ORDER BY id").fetchall()
    copy = folder / "insert.db"
    shutil.copyfile(database, copy)
    target = sqlite3.connect(copy, isolation_level=None)
    for pragma in _PRAGMAS:
        target.execute(pragma)
    target.execute("DELETE FROM events")
    target.execute("VACUUM")
    statement = f"INSERT INTO events ({_COLUMNS}) VALUES ({', '.join('?' * 10)})"
    started = time.perf_counter()
    target.execute("BEGIN")
    for start in range(0, len(rows), _BATCH):
        target.executemany(statement, rows[start : start + _BATCH])
    target.execute("COMMIT")
    seconds = time.perf_counter() - started
    target.close()
    copy.unlink()
    return seconds


def fill_seconds(database: Path) -> float:
    engine = open_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        refill_everything(connection)
    started = time.perf_counter()
    fill_rollups(engine, second_process=False)
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def references(platform: str, source: Path, folder: Path, tools: dict[str, Path | None]) -> dict[str, float]:
    """Seconds of each reference the goals name, each a process of its own."""
    found: dict[str, float] = {}
    floor = [sys.executable, "-m", "bench.imports.floor", platform, str(source), str(folder / "floor.db")]
    found["bare floor"] = isolated(floor, cwd=ROOT)["seconds"]
    if platform == "whatsapp" and tools["whatstk"]:
        whatstk = [sys.executable, str(ROOT / "bench" / "imports" / "whatstk_parse.py"), str(source)]
        found["whatstk"] = isolated(whatstk)["seconds"]
    if platform == "telegram":
        one_shot = "import orjson, sys, pathlib; orjson.loads(pathlib.Path(sys.argv[1]).read_bytes())"
        found["orjson parse alone"] = isolated([sys.executable, "-c", one_shot, str(source)])["seconds"]
    if tools["chat-analytics"]:
        output = str(folder / "report.html")
        report = [str(tools["chat-analytics"]), "-p", platform, "-i", str(source), "-o", output]
        found["chat-analytics"] = isolated(report)["seconds"]
    return found


def run(messages: int) -> list[dict[str, Any]]:
    tools = ensure_tools()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        files = {
            ("whatsapp", "whatsapp"): whatsapp_txt(folder / "WhatsApp Chat with Bench.txt", messages),
            ("telegram", "telegram-json"): telegram_json(folder / "result.json", messages),
        }
        for (platform, importer), source in files.items():
            database = folder / f"{platform}.db"
            env = {
                **os.environ,
                "QUNOPS_DATABASE_URL": f"sqlite:///{database}",
                "QUNOPS_ADMIN_PASSWORD": "benchmark",
            }
            qunops = [sys.executable, "-m", "qunops.cli"]
            subprocess.run([*qunops, "init", "--timezone", ZONE], env=env, check=True, capture_output=True)
            whole = isolated([*qunops, "import", str(source)], env)
            parsed, count = parse_seconds(source, importer)
            prepared, piped = prepare_and_pickle_seconds(source, importer)
            parts = {
                "parse": parsed,
                "keys and identities": prepared - parsed,
                "to and from the parse process": piped,
                "insert": insert_seconds(database, folder),
                "rollups": fill_seconds(database),
            }
            results.append(
                {
                    "file": platform,
                    "messages": count,
                    "parts": parts,
                    "whole": whole,
                    "references": references(platform, source, folder, tools),
                }
            )
            for leftover in folder.glob("*.db*"):
                leftover.unlink()
    return results


def markdown(results: list[dict[str, Any]]) -> str:
    lines = ["| file | what | seconds | µs a message | messages/s |", "|---|---|---:|---:|---:|"]
    for r in results:
        name, count = r["file"], r["messages"]

        def row(what: str, seconds: float, name: str = name, count: int = count) -> None:
            per = seconds / count * 1e6
            lines.append(f"| {name} | {what} | {seconds:.2f} | {per:.2f} | {count / seconds:,.0f} |")

        for part, seconds in r["parts"].items():
            row(f"part: {part}", seconds)
        total = sum(r["parts"].values())
        row("sum of the parts (CPU needed)", total)
        row("least on 2 cores (half the sum)", total / 2)
        whole = r["whole"]
        row(f"`qunops import`, wall ({whole['cpu_seconds']:.1f} s of CPU)", whole["seconds"])
        for name, seconds in r["references"].items():
            row(f"reference: {name}", seconds)
        found = r["references"]
        if "bare floor" in found:
            row("goal: 70% of the bare floor", found["bare floor"] / 0.7)
        if "chat-analytics" in found:
            row("goal: 10× chat-analytics", found["chat-analytics"] / 10)
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(run(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)))

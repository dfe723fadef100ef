"""Ingest throughput: events/s of the event-log writer into SQLite and PostgreSQL.

Events are built in memory first, so only the writer is timed: key making, existence checks,
member/group resolution and the inserts, committed in one transaction as an import does.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from qunops.core.events import ContentType, Event, EventKind, GroupRef, MemberRef
from qunops.core.platforms import Platform
from qunops.ingestion import import_events
from qunops.store import accounts
from qunops.store.db import open_engine, upgrade

WORDS = [
    "今天",
    "明天",
    "活动",
    "报名",
    "课程",
    "老师",
    "请问",
    "谢谢",
    "好的",
    "收到",
    "价格",
    "优惠",
    "group",
    "course",
    "price",
    "thanks",
    "when",
    "where",
]


def make_events(count: int, groups: int = 100, seed: int = 1) -> list[Event]:
    rng = random.Random(seed)
    refs = [GroupRef(Platform.QQ, f"g{n}", f"group {n}") for n in range(groups)]
    people = [MemberRef(name=f"user{n}", external_id=str(10_000 + n)) for n in range(20_000)]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    events: list[Event] = []
    for n in range(count):
        events.append(
            Event(
                group=refs[n % groups],
                kind=EventKind.MESSAGE,
                ts=start + timedelta(seconds=n * 3),
                member=people[rng.randrange(len(people))],
                content_type=ContentType.TEXT,
                text=" ".join(rng.choices(WORDS, k=rng.randint(2, 12))),
                source_id=str(n),
            )
        )
    return events


def run_one(url: str, events: list[Event]) -> dict[str, Any]:
    engine = open_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        workspace = accounts.create_workspace(connection, "bench", "Bench", "UTC")
    started = time.perf_counter()
    summary = import_events(engine, workspace, iter(events))
    seconds = time.perf_counter() - started
    engine.dispose()
    assert summary.events_new == len(events)
    return {"events": len(events), "seconds": seconds, "events_per_s": len(events) / seconds}


def run(count: int = 1_000_000) -> list[dict[str, Any]]:
    events = make_events(count)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        result = run_one(f"sqlite:///{Path(folder) / 'bench.db'}", events)
        results.append({"store": "SQLite (WAL)", **result})
    postgres = os.environ.get("QUNOPS_TEST_POSTGRES_URL")
    if postgres:
        admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text('DROP DATABASE IF EXISTS "bench_ingest"'))
            connection.execute(text('CREATE DATABASE "bench_ingest"'))
        result = run_one(postgres.rsplit("/", 1)[0] + "/bench_ingest", events)
        results.append({"store": "PostgreSQL", **result})
    return results


def markdown(results: list[dict[str, Any]]) -> str:
    lines = ["| store | events | seconds | events/s |", "|---|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['store']} | {r['events']:,} | {r['seconds']:.1f} | {r['events_per_s']:,.0f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    print(markdown(run(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)))

"""Server time of a large group's pages: the group page and its members list for 10,000 members.

The store is built once into bench/out/members-10000.db and reused while it exists: one group, 10,000
members who joined over a few days, 180,000 messages over 30 days (a third from 300 regulars, the rest
from anyone). Each page is requested through FastAPI's TestClient after a warm-up request; median and p95
of 10 requests are printed. A members page computes the group's roles (they need every member) and then
filters and pages them.

    .venv/bin/python -m bench.console.members
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bench.console.overview import bench_store, log_in
from qunops.console.app import create_app
from qunops.core.events import Event, EventKind, GroupRef, MemberRef
from qunops.core.platforms import Platform
from qunops.ingestion import import_events
from qunops.settings import Settings
from qunops.store.rollups import fill_rollups
from qunops.store.schema import members

OUT = Path(__file__).resolve().parents[1] / "out"
DATABASE = OUT / "members-10000.db"
MEMBERS = 10_000
DAYS = 30
PER_DAY = 6_000
REQUESTS = 10
START = datetime(2024, 5, 1, 1, 0, tzinfo=UTC)
GROUP = GroupRef(Platform.QQ, "big-1", "A group of ten thousand")


def _person(n: int) -> MemberRef:
    return MemberRef(name=f"member{n}", external_id=str(100_000 + n))


def _events() -> Iterator[Event]:
    rng = random.Random(1)
    for n in range(MEMBERS):
        yield Event(GROUP, EventKind.JOIN, START + timedelta(minutes=n % 1000), _person(n))
    for day in range(DAYS):
        for k in range(PER_DAY):
            who = rng.randrange(300) if k % 3 == 0 else rng.randrange(MEMBERS)
            ts = START + timedelta(days=day, seconds=10 * k)
            yield Event(GROUP, EventKind.MESSAGE, ts, _person(who), text=f"message {k} of day {day}")


def build(path: Path = DATABASE) -> Engine:
    engine, workspace_id = bench_store(path, members, MEMBERS, "Asia/Shanghai")
    if workspace_id is not None:
        import_events(engine, workspace_id, _events())
        fill_rollups(engine)
    return engine


def main() -> None:
    engine = build()
    settings = Settings(database_url=f"sqlite:///{DATABASE}", secret_key="bench")
    app = create_app(settings, engine, prewarm=False)
    as_of = (START + timedelta(days=DAYS - 1)).date().isoformat()
    with TestClient(app) as client:
        log_in(client)
        page_100 = f"/groups/1/members?sort=last&page=100&as_of={as_of}"
        for name, url in [
            ("group page", f"/groups/1?as_of={as_of}"),
            ("members list, first page", f"/groups/1/members?as_of={as_of}"),
            ("members list, page 100 by last activity", page_100),
            ("members list, name search", f"/groups/1/members?as_of={as_of}&q=member77"),
            ("workspace member search", f"/members?as_of={as_of}&q=member77"),
        ]:
            assert "member" in client.get(url).text  # warm-up, and a page that shows members
            times = []
            for _ in range(REQUESTS):
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.text[:300]
            times.sort()
            print(
                f"{name:<42} {MEMBERS} members  median {statistics.median(times):7.1f} ms"
                f"  p95 {times[int(len(times) * 0.95) - 1]:7.1f} ms  ({REQUESTS} requests)"
            )
    engine.dispose()


if __name__ == "__main__":
    main()

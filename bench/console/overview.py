"""Server time of the console's overview for 1,000 simulated groups (60 days, small volume).

The store is built once into bench/out/console-1000.db (simulator → import_events → fill_rollups) and
reused while it exists. Then 30 requests per case go through FastAPI's TestClient (the server's own
work: routing, rollup reads, analytics, rendering) after a warm-up request; median and p95 are printed.
The page must stay under 300 ms at the median while reading rollups only.

The first overview after new data computes every group's summary with `qunops.analytics` (measured
separately as "cold"); later requests reuse those summaries until the rollups move on (see
console/data.py), so they pay for reading the registry and alert states, filtering and rendering.

    .venv/bin/python -m bench.console.overview
"""

from __future__ import annotations

import re
import statistics
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, Table, func, select

from qunops.console.app import create_app
from qunops.core.registry import WorkspaceRole
from qunops.demo import store_community
from qunops.settings import Settings
from qunops.simulate import SimulationConfig, simulate
from qunops.store import accounts
from qunops.store.db import open_engine, upgrade
from qunops.store.schema import groups

OUT = Path(__file__).resolve().parents[1] / "out"
DATABASE = OUT / "console-1000.db"
GROUPS = 1000
REQUESTS = 30
USER, PASSWORD = "bench", "bench-password"
SMALL = 0.1  # message volume multiplier of the "small" scale


def bench_store(path: Path, table: Table, at_least: int, timezone: str) -> tuple[Engine, int | None]:
    """A benchmark's store at `path`: reused while `table` holds `at_least` rows; otherwise made anew
    with a workspace and the bench's admin, whose id is returned to be filled (None: reused as it is)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        engine = open_engine(f"sqlite:///{path}")
        upgrade(engine)
        with engine.connect() as connection:
            if connection.execute(select(func.count()).select_from(table)).scalar_one() >= at_least:
                return engine, None
        engine.dispose()
    for suffix in ("", "-wal", "-shm", ".secret"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    engine = open_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as connection:
        workspace_id = accounts.create_workspace(connection, "bench", "Bench", timezone)
        user = accounts.create_user(connection, USER, PASSWORD)
        accounts.grant(connection, workspace_id, user, WorkspaceRole.ADMIN)
    return engine, workspace_id


def log_in(client: TestClient) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    client.post("/login", data={"username": USER, "password": PASSWORD, "csrf_token": token[1]})


def build(path: Path = DATABASE) -> Engine:
    """The benchmark store; built when absent (takes a few minutes), reused otherwise."""
    config = SimulationConfig(seed=11, groups=GROUPS, days=60, scale=SMALL)
    engine, workspace_id = bench_store(path, groups, GROUPS, config.timezone)
    if workspace_id is not None:
        store_community(engine, workspace_id, simulate(config))
    return engine


def run() -> list[dict[str, Any]]:
    engine = build()
    app = create_app(
        Settings(database_url=f"sqlite:///{DATABASE}", secret_key="bench"), engine, prewarm=False
    )
    results = []
    with TestClient(app) as client:
        log_in(client)
        as_of = "2026-11-24"  # the simulator's last day, so the groups are alive
        start = time.perf_counter()
        assert client.get(f"/?as_of={as_of}").status_code == 200
        results.append(
            {
                "case": "overview page, cold (summaries computed)",
                "groups": GROUPS,
                "requests": 1,
                "median_ms": round((time.perf_counter() - start) * 1000, 1),
                "p95_ms": round((time.perf_counter() - start) * 1000, 1),
            }
        )
        for name, url in [
            ("overview page", f"/?as_of={as_of}"),
            ("overview, sorted by health, filtered", f"/?as_of={as_of}&sort=health&platform=wechat"),
            ("overview partial (HTMX)", f"/?as_of={as_of}&page=3"),
            ("api groups", f"/api/groups?as_of={as_of}"),
        ]:
            headers = {"HX-Request": "true"} if "HTMX" in name else {}
            client.get(url, headers=headers)  # warm-up
            times = []
            for _ in range(REQUESTS):
                start = time.perf_counter()
                response = client.get(url, headers=headers)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.text[:300]
            times.sort()
            results.append(
                {
                    "case": name,
                    "groups": GROUPS,
                    "requests": REQUESTS,
                    "median_ms": round(statistics.median(times), 1),
                    "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
                }
            )
    engine.dispose()
    return results


if __name__ == "__main__":
    for row in run():
        print(
            f"{row['case']:<42} {row['groups']} groups  median {row['median_ms']:7.1f} ms"
            f"  p95 {row['p95_ms']:7.1f} ms  ({row['requests']} requests)"
        )

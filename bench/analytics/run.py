"""Analytics timing: a simulated workspace of N groups × D days on SQLite and PostgreSQL.

For each store it measures:
- import of the simulated events (for context; not part of the analytics budget);
- full recompute: `fill_rollups` from scratch, then `group_summaries` + the briefing for every group;
- summaries alone (what the console's group list costs), and `group_detail` for one group;
- incremental daily update: import one more simulated day for every group, `fill_rollups`, summaries.

The extra day is the simulator's last day, held back from the first import: the community is simulated
with D + 1 days and the events of the last local day are imported in the update step.

    python -m bench.analytics.run --groups 1000 --days 365      # the target size (takes long)
    python -m bench.analytics.run --groups 100 --days 120       # a quick run
PostgreSQL is measured when QUNOPS_TEST_POSTGRES_URL is set (scripts/with-postgres.sh sets it).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, delete, text

from qunops.analytics.briefing import briefing_from
from qunops.analytics.detail import group_detail
from qunops.analytics.groups import group_summaries
from qunops.core.events import Event
from qunops.ingestion import import_events
from qunops.simulate import SimulationConfig, simulate
from qunops.store import accounts
from qunops.store.db import open_engine, upgrade
from qunops.store.registry import mark_operators, save_profile
from qunops.store.rollups import fill_rollups
from qunops.store.schema import fill_state, group_days, member_days


def _split(events: Iterator[Event], last_day_start: float, held: list[Event]) -> Iterator[Event]:
    for event in events:
        if event.ts.timestamp() >= last_day_start:
            held.append(event)
        else:
            yield event


def run_one(engine: Engine, groups: int, days: int, seed: int = 7) -> dict[str, Any]:
    config = SimulationConfig(seed=seed, groups=groups, days=days + 1)
    community = simulate(config)
    zone = ZoneInfo(config.timezone)
    from datetime import datetime

    last_day = config.end
    last_start = datetime.combine(last_day, datetime.min.time(), zone).timestamp()
    result: dict[str, Any] = {"groups": groups, "days": days}
    with engine.begin() as connection:
        workspace = accounts.create_workspace(connection, "bench", "Bench", config.timezone)
        for profile in community.profiles:
            save_profile(connection, workspace, profile)
    held: list[Event] = []
    started = time.perf_counter()
    summary = import_events(engine, workspace, _split(community.events(), last_start, held))
    result["import_s"] = time.perf_counter() - started
    result["events"] = summary.events_new
    result["member_messages"] = None
    with engine.begin() as connection:
        mark_operators(connection, workspace, community.operators)

    started = time.perf_counter()
    fill_rollups(engine)
    result["fill_from_scratch_s"] = time.perf_counter() - started
    before = last_day - timedelta(days=1)
    started = time.perf_counter()
    with engine.connect() as connection:
        summaries = group_summaries(connection, workspace, before)
        briefing_from(summaries, before)
    result["summaries_s"] = time.perf_counter() - started
    result["full_recompute_s"] = result["fill_from_scratch_s"] + result["summaries_s"]
    with engine.connect() as connection:
        result["member_messages"] = int(
            connection.execute(text("SELECT COALESCE(SUM(member_messages), 0) FROM group_days")).scalar() or 0
        )
        started = time.perf_counter()
        group_detail(connection, summaries[0].id, before)
        result["detail_one_group_s"] = time.perf_counter() - started

    # Incremental daily update: one more day of events for every group.
    result["day_events"] = len(held)
    started = time.perf_counter()
    import_events(engine, workspace, iter(held))
    imported = time.perf_counter()
    fill_rollups(engine)
    filled = time.perf_counter()
    with engine.connect() as connection:
        summaries = group_summaries(connection, workspace, last_day)
        briefing_from(summaries, last_day)
    done = time.perf_counter()
    result["daily_import_s"] = imported - started
    result["daily_fill_s"] = filled - imported
    result["daily_summaries_s"] = done - filled
    result["daily_update_s"] = done - started
    return result


class _Reported(list[dict[str, Any]]):
    def __init__(self, report: Callable[[dict[str, Any]], None] | None) -> None:
        super().__init__()
        self._report = report

    def append(self, row: dict[str, Any]) -> None:
        super().append(row)
        if self._report is not None:
            self._report(row)


def refill_from_scratch(engine: Engine) -> None:
    """Forget every rollup so the next fill recomputes them all (used to re-time a full recompute)."""
    with engine.begin() as connection:
        connection.execute(delete(group_days))
        connection.execute(delete(member_days))
        connection.execute(delete(fill_state))


def run(
    groups: int = 100,
    days: int = 120,
    seed: int = 7,
    keep: Path | None = None,
    report: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Time every store; `report` sees each store's row as soon as it is measured."""
    results: list[dict[str, Any]] = _Reported(report)
    with tempfile.TemporaryDirectory() as folder:
        path = (keep or Path(folder)) / f"bench-{groups}x{days}.db"
        path.unlink(missing_ok=True)
        engine = open_engine(f"sqlite:///{path}")
        upgrade(engine)
        results.append({"store": "SQLite (WAL)", **run_one(engine, groups, days, seed)})
        engine.dispose()
    postgres = os.environ.get("QUNOPS_TEST_POSTGRES_URL")
    if postgres:
        name = "bench_analytics"
        admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine = open_engine(postgres.rsplit("/", 1)[0] + "/" + name)
        upgrade(engine)
        results.append({"store": "PostgreSQL", **run_one(engine, groups, days, seed)})
        engine.dispose()
        admin.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    def show(row: dict[str, Any]) -> None:
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}), flush=True)

    run(args.groups, args.days, args.seed, report=show)


if __name__ == "__main__":
    main()

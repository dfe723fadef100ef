"""The default rules on simulated communities, whose planted ads are known: precision and recall of a
dry run (no classifier trained), as a new workspace sees them before any tuning.

    python -m bench.moderation.rules [--seeds 7 8 9]

Each seed simulates 6 groups over 30 days, imports them into a new SQLite database, fills the rollups
and runs `qunops moderate --dry-run`'s judgement over the whole history. The simulated members repeat
stock phrases and share example.com links, as real groups repeat greetings and share links: the false
flags that come from them are what this measures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from qunops.core.events import GroupRef
from qunops.core.keys import source_key
from qunops.core.platforms import Platform
from qunops.ingestion import import_events
from qunops.moderation.dry_run import dry_run
from qunops.simulate import SimulationConfig, simulate
from qunops.store import accounts
from qunops.store.db import open_engine, upgrade
from qunops.store.registry import mark_operators
from qunops.store.rollups import fill_rollups
from qunops.store.schema import events, groups


def judge(seed: int, folder: Path) -> tuple[int, int, int, Counter[str]]:
    """(flagged, of them planted ads, planted ads, flags by rule) for one simulated community."""
    engine = open_engine(f"sqlite:///{folder / f'seed{seed}.db'}")
    upgrade(engine)
    config = SimulationConfig(seed=seed, groups=6, days=30)
    community = simulate(config)
    with engine.begin() as connection:
        workspace = accounts.create_workspace(connection, "bench", "Bench", config.timezone)
    import_events(engine, workspace, community.events())
    with engine.begin() as connection:
        mark_operators(connection, workspace, community.operators)
    fill_rollups(engine)
    report = dry_run(engine, workspace, datetime.now(UTC))
    with engine.connect() as connection:
        keys = {int(i): bytes(k) for i, k in connection.execute(select(events.c.id, events.c.key))}
        platforms = {
            str(g): str(p) for g, p in connection.execute(select(groups.c.external_id, groups.c.platform))
        }
    engine.dispose()
    truth = {source_key(GroupRef(Platform(platforms[g]), g, ""), sid) for g, sid in community.truth.spam_keys}
    flagged = {keys[i] for i in report.flagged_event_ids}
    by_rule = Counter({rule: figures["count"] for rule, figures in report.as_json()["by_rule"].items()})
    return len(flagged), len(flagged & truth), len(truth), by_rule


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9])
    seeds = parser.parse_args().seeds
    lines = [
        "| seed | flagged | planted ads caught / planted | precision | recall | flags by rule |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    with tempfile.TemporaryDirectory() as name:
        for seed in seeds:
            flagged, hits, planted, by_rule = judge(seed, Path(name))
            rules = ", ".join(f"{rule} {count}" for rule, count in by_rule.most_common())
            lines.append(
                f"| {seed} | {flagged} | {hits} / {planted} | {hits / max(1, flagged):.3f} | "
                f"{hits / max(1, planted):.3f} | {rules} |"
            )
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

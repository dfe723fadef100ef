"""What linking name-only members costs an import (`store/aliases.py`).

    python -m bench.imports.links 300000

A QQ export of that many records where every 150th is a join naming a newcomer by card only, each
newcomer then speaking with their QQ number (2,000 of them for 300,000 records: a busy group's
export). It is imported into new SQLite databases, in this process, as it is and with the link replaced
by one that links nobody (how the import ran before it), alternating, twice each. Reported: the whole import,
and the link's own time (re-pointing the events, recomputing the rollups they had reached).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.imports.generate import qq_txt_with_joins
from qunops import ingestion
from qunops.store.accounts import create_workspace
from qunops.store.aliases import Linked, link_name_only_members
from qunops.store.db import open_engine, upgrade


def run(records: int) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        source = qq_txt_with_joins(folder / "全部消息记录.txt", records)
        spent: list[float] = []

        def timed_link(*args: Any) -> Linked:
            started = time.perf_counter()
            linked = link_name_only_members(*args)
            spent.append(time.perf_counter() - started)
            return linked

        variants = (("linked", timed_link), ("not linked", lambda *args: Linked()))
        for label, link in variants * 2:  # alternating, twice: the machine's drift falls on both
            engine = open_engine(f"sqlite:///{folder / f'{len(results)}.db'}")
            upgrade(engine)
            with engine.begin() as connection:
                workspace = create_workspace(connection, "bench", "Bench", "Asia/Shanghai")
            ingestion.link_name_only_members = link  # type: ignore[assignment]
            spent.clear()
            started = time.perf_counter()
            report = ingestion.import_paths(engine, workspace, [source], "Asia/Shanghai")
            seconds = time.perf_counter() - started
            engine.dispose()
            assert report.ok, [f.error for f in report.files]
            results.append(
                {
                    "import": label,
                    "records": records,
                    "members": len(report.total.members),
                    "seconds": seconds,
                    "link_seconds": sum(spent),
                }
            )
        ingestion.link_name_only_members = link_name_only_members
    return results


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| import | records | members | seconds | of it linking |", "|---|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r['import']} | {r['records']:,} | {r['members']:,} | {r['seconds']:.2f} | "
            f"{r['link_seconds']:.2f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(markdown(run(int(sys.argv[1]) if len(sys.argv) > 1 else 300_000)) + "\n")

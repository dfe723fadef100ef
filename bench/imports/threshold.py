"""From what size a file is worth a parse process (`importers/parse_process.py: PARSE_PROCESS_FROM`).

    python -m bench.imports.threshold

Generated WhatsApp TXT and Telegram JSON files of several sizes, each imported into new SQLite databases
in this process, parsed in the parse process and parsed here, alternating, four times each; the medians.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import qunops.importers.parse_process as parse_process
from bench.imports.generate import telegram_json, whatsapp_txt
from qunops.ingestion import import_paths
from qunops.store.accounts import create_workspace
from qunops.store.db import open_engine, upgrade

SIZES = (10_000, 20_000, 40_000, 80_000, 160_000)  # messages
FILES: dict[str, Callable[[Path, int], Path]] = {
    "WhatsApp": lambda folder, n: whatsapp_txt(folder / f"WhatsApp Chat with B{n}.txt", n),
    "Telegram": lambda folder, n: telegram_json(folder / f"result-{n}.json", n),
}


def _seconds(folder: Path, source: Path, label: str) -> float:
    engine = open_engine(f"sqlite:///{folder / f'{label}-{time.monotonic_ns()}.db'}")
    upgrade(engine)
    with engine.begin() as connection:
        workspace = create_workspace(connection, "bench", "Bench", "Asia/Shanghai")
    started = time.perf_counter()
    report = import_paths(engine, workspace, [source], "Asia/Shanghai")
    seconds = time.perf_counter() - started
    engine.dispose()
    assert report.ok, [f.error for f in report.files]
    return seconds


def run(runs: int = 4) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        for name, make in FILES.items():
            for messages in SIZES:
                source = make(folder, messages)
                times: dict[str, list[float]] = {"parse process": [], "here": []}
                for _ in range(runs):  # alternating: the machine's drift falls on both
                    for label, limit in (("parse process", 0), ("here", 2**62)):
                        parse_process.PARSE_PROCESS_FROM = limit
                        times[label].append(_seconds(folder, source, label))
                results.append(
                    {
                        "file": name,
                        "messages": messages,
                        "mib": source.stat().st_size / 2**20,
                        "child": statistics.median(times["parse process"]),
                        "here": statistics.median(times["here"]),
                    }
                )
    return results


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| file | messages | MiB | parse process (s) | here (s) | ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['file']} | {r['messages']:,} | {r['mib']:.1f} | {r['child']:.2f} | {r['here']:.2f} | "
            f"{r['child'] / r['here']:.2f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(run(int(sys.argv[1]) if len(sys.argv) > 1 else 4)))

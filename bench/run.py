"""Run the benchmarks and write their tables, with date and machine, to bench/out/results-<date>.md.

    python -m bench.run                 # every suite
    python -m bench.run ingest imports  # some of them

Each suite is a module whose `__main__` prints a markdown table; it runs in its own process so that
one suite's memory and caches do not colour the next one's figures.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"

SUITES: dict[str, tuple[str, list[str], str]] = {
    "ingest": ("bench.ingest", ["1000000"], "Event-log ingest, 1,000,000 events"),
    "imports": ("bench.imports.run", ["1000000"], "Importing 1,000,000-message exports"),
    "import-memory": ("bench.imports.memory", ["2500000"], "Importing 1 GB exports: peak memory"),
    "import-bounds": (
        "bench.imports.bounds",
        ["1000000"],
        "Where an import's time goes, and the least it could take here",
    ),
    "import-threshold": (
        "bench.imports.threshold",
        [],
        "From what size a file is worth a parse process",
    ),
    "import-links": ("bench.imports.links", ["300000"], "Linking name-only newcomers during an import"),
    "analytics": (
        "bench.analytics.run",
        ["--groups", "1000", "--days", "365"],
        "Analytics over 1,000 groups × 365 days",
    ),
    "console": ("bench.console.overview", [], "Console overview of 1,000 groups"),
    "console-members": ("bench.console.members", [], "Console pages of a group of 10,000 members"),
    "forecast": ("bench.forecast.backtest", [], "Death forecast backtest"),
    "moderation-quality": ("bench.moderation.quality", [], "Spam classifier quality (5-fold CV)"),
    "moderation-latency": ("bench.moderation.latency", [], "Moderation latency per message"),
    "moderation-rules": ("bench.moderation.rules", [], "Default moderation rules on simulated communities"),
}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory} RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


def main(names: list[str]) -> int:
    chosen = names or list(SUITES)
    unknown = [n for n in chosen if n not in SUITES]
    if unknown:
        sys.stderr.write(f"unknown suites: {', '.join(unknown)} (known: {', '.join(SUITES)})\n")
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC)
    sections = [f"# Benchmarks, {stamp:%Y-%m-%d %H:%M} UTC", "", f"Machine: {machine()}", ""]
    failed = 0
    for name in chosen:
        module, args, title = SUITES[name]
        sections += [f"## {title}", "", f"`python -m {module} {' '.join(args)}`".replace(" `", "`"), ""]
        if find_spec(module) is None:
            sections += ["(suite not present)", ""]
            continue
        started = time.perf_counter()
        sys.stderr.write(f"running {name}…\n")
        done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            failed += 1
            sections += [f"failed after {seconds:.0f} s:", "", "```", done.stderr[-3000:], "```", ""]
        else:
            sections += [done.stdout.strip(), "", f"({seconds:.0f} s)", ""]
    path = OUT / f"results-{stamp:%Y%m%d-%H%M}.md"
    path.write_text("\n".join(sections), encoding="utf-8")
    sys.stdout.write("\n".join(sections) + f"\nwritten to {path.relative_to(ROOT)}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Import speed and memory on 1,000,000-message exports, side by side with references, in one run.

For each file: `qunops import` into a fresh SQLite file (parse, keys, identities, events, rollups),
the bare floor (bench/imports/floor.py), whatstk parsing the WhatsApp file into memory, and the
chat-analytics CLI (npm) processing both files. Each is a separate process, timed from outside, with its
peak RSS from the kernel's accounting (getrusage of the finished child).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.imports.generate import telegram_json, whatsapp_txt

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "bench" / "out" / "tools"


def isolated(
    command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> dict[str, Any]:
    """Run the command under a fresh Python wrapper so that its peak RSS is its own."""
    # Peak RSS: the kernel's figure for the largest process, or the largest sum over the process tree
    # sampled every 20 ms when that is more (qunops parses large files in a second process).
    wrapper = (
        "import resource, subprocess, sys, time, json\n"
        "import psutil\n"
        "t = time.perf_counter()\n"
        "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)\n"
        "root = psutil.Process(p.pid)\n"
        "tree = 0\n"
        "while p.poll() is None:\n"
        "    try:\n"
        "        tree = max(tree, sum(q.memory_info().rss for q in [root, *root.children(recursive=True)]))\n"
        "    except psutil.Error:\n"
        "        pass\n"
        "    time.sleep(0.02)\n"
        "out, err = p.communicate()\n"
        "s = time.perf_counter() - t\n"
        "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "r = max(usage.ru_maxrss, tree // 1024)\n"
        "sys.stderr.write(err[-3000:])\n"
        "cpu = usage.ru_utime + usage.ru_stime\n"
        "outcome = {'seconds': s, 'cpu': cpu, 'peak_kib': r, 'code': p.returncode, 'out': out[-3000:]}\n"
        "print(json.dumps(outcome))\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", wrapper, *command], env=env, cwd=cwd, capture_output=True, text=True
    )
    import json

    result = json.loads(finished.stdout.strip().splitlines()[-1])
    if result["code"] != 0:
        raise RuntimeError(f"{' '.join(command[:3])} failed: {finished.stderr[-2000:]}")
    return {
        "seconds": result["seconds"],
        "cpu_seconds": result["cpu"],  # user and system time of the command and the processes it waited for
        "peak_mib": result["peak_kib"] / 1024,
        "stdout": result["out"],
    }


def ensure_tools() -> dict[str, Path | None]:
    """whatstk in the venv and chat-analytics from the npm registry, installed on first use."""
    TOOLS.mkdir(parents=True, exist_ok=True)
    tools: dict[str, Path | None] = {"whatstk": None, "chat-analytics": None}
    try:
        import whatstk
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "whatstk>=0.7,<1"], check=False)
    try:
        import whatstk  # noqa: F401

        tools["whatstk"] = Path(sys.executable)
    except ImportError:
        pass
    cli = TOOLS / "node_modules" / ".bin" / "chat-analytics"
    if not cli.exists() and shutil.which("npm"):
        subprocess.run(
            ["npm", "install", "--silent", "--prefix", str(TOOLS), "chat-analytics@1.1.2"], check=False
        )
    tools["chat-analytics"] = cli if cli.exists() else None
    return tools


def run(messages: int = 1_000_000) -> list[dict[str, Any]]:
    tools = ensure_tools()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        files = {
            "whatsapp": whatsapp_txt(folder / "WhatsApp Chat with Bench.txt", messages),
            "telegram": telegram_json(folder / "result.json", messages),
        }
        for platform, source in files.items():
            size = source.stat().st_size / 2**20
            database = folder / f"{platform}.db"
            env = {
                **os.environ,
                "QUNOPS_DATABASE_URL": f"sqlite:///{database}",
                "QUNOPS_ADMIN_PASSWORD": "benchmark",
            }
            qunops = [sys.executable, "-m", "qunops.cli"]
            subprocess.run([*qunops, "init"], env=env, check=True, capture_output=True)
            rows = [
                ("qunops import (SQLite, everything stored)", isolated([*qunops, "import", str(source)], env))
            ]
            rows.append(
                (
                    "bare floor (parse + bare sqlite3 executemany)",
                    isolated(
                        [
                            sys.executable,
                            "-m",
                            "bench.imports.floor",
                            platform,
                            str(source),
                            str(folder / f"{platform}-floor.db"),
                        ],
                        cwd=ROOT,
                    ),
                )
            )
            if platform == "whatsapp" and tools["whatstk"]:
                rows.append(
                    (
                        "whatstk (parse into memory)",
                        isolated(
                            [
                                sys.executable,
                                str(ROOT / "bench" / "imports" / "whatstk_parse.py"),
                                str(source),
                            ]
                        ),
                    )
                )
            if tools["chat-analytics"]:
                rows.append(
                    (
                        "chat-analytics CLI (report)",
                        isolated(
                            [
                                str(tools["chat-analytics"]),
                                "-p",
                                platform,
                                "-i",
                                str(source),
                                "-o",
                                str(folder / f"{platform}.html"),
                            ]
                        ),
                    )
                )
            for name, figures in rows:
                results.append(
                    {
                        "file": f"{platform} ({size:.0f} MiB)",
                        "tool": name,
                        "messages": messages,
                        "seconds": figures["seconds"],
                        "messages_per_s": messages / figures["seconds"],
                        "peak_mib": figures["peak_mib"],
                    }
                )
    return results


def markdown(results: list[dict[str, Any]]) -> str:
    lines = ["| file | tool | seconds | messages/s | peak RSS (MiB) |", "|---|---|---:|---:|---:|"]
    for r in results:
        lines.append(
            f"| {r['file']} | {r['tool']} | {r['seconds']:.1f} | {r['messages_per_s']:,.0f} | "
            f"{r['peak_mib']:,.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(run(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)))

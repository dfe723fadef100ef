"""Streaming: a 1 GB export imports in well under 1 GB of memory.

    python -m bench.imports.memory 2500000

Generates a Telegram Desktop export of that many messages (2,500,000 make about 1,000 MiB) and a
WhatsApp export of the same count, imports each with `qunops import` into a new SQLite database, and
reports time and peak RSS (the largest sum over the import's process tree, as `bench.imports.run`
measures it). No other tool runs here: the point is the memory of a file larger than the one the speed
comparison uses.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.imports.generate import telegram_json, whatsapp_txt
from bench.imports.run import isolated, markdown


def run(messages: int) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        for platform, generate, name in (
            ("telegram", telegram_json, "result.json"),
            ("whatsapp", whatsapp_txt, "WhatsApp Chat with Bench.txt"),
        ):
            source = generate(folder / name, messages)
            env = {
                **os.environ,
                "QUNOPS_DATABASE_URL": f"sqlite:///{folder / f'{platform}.db'}",
                "QUNOPS_ADMIN_PASSWORD": "benchmark",
            }
            qunops = [sys.executable, "-m", "qunops.cli"]
            subprocess.run([*qunops, "init"], env=env, check=True, capture_output=True)
            figures = isolated([*qunops, "import", str(source)], env)
            results.append(
                {
                    "file": f"{platform} ({source.stat().st_size / 2**20:,.0f} MiB)",
                    "tool": "qunops import (SQLite, everything stored)",
                    "messages": messages,
                    "seconds": figures["seconds"],
                    "messages_per_s": messages / figures["seconds"],
                    "peak_mib": figures["peak_mib"],
                }
            )
            source.unlink()  # the next file's disk space
    return results


if __name__ == "__main__":
    sys.stdout.write(markdown(run(int(sys.argv[1]) if len(sys.argv) > 1 else 2_500_000)) + "\n")

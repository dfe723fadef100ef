"""The bare floor of importing: parse with one compiled regex (WhatsApp) or one orjson parse (Telegram),
then a bare `sqlite3` executemany into an indexed table. No checks, no identities, no keys, no rollups.

Run as: python -m bench.imports.floor whatsapp|telegram FILE DB
"""

from __future__ import annotations

import re
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson

HEADER = re.compile(r"^(\d{2})/(\d{2})/(\d{4}), (\d{2}):(\d{2}) - ([^:]+): (.*)$")


def whatsapp_rows(path: Path) -> Iterator[tuple[str, str, str]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            match = HEADER.match(line)
            if match:
                d, m, y, hh, mm, who, text = match.groups()
                yield f"{y}-{m}-{d}T{hh}:{mm}", who, text


def telegram_rows(path: Path) -> Iterator[tuple[str, str, str]]:
    data = orjson.loads(path.read_bytes())
    for message in data["messages"]:
        text = message.get("text", "")
        yield message["date_unixtime"], message.get("from_id", ""), text if isinstance(text, str) else ""


def main() -> None:
    kind, source, database = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, ts TEXT, sender TEXT, text TEXT)")
    connection.execute("CREATE INDEX m_ts ON m (ts)")
    rows = whatsapp_rows(source) if kind == "whatsapp" else telegram_rows(source)
    with connection:
        connection.executemany("INSERT INTO m (ts, sender, text) VALUES (?, ?, ?)", rows)
    count = connection.execute("SELECT count(*) FROM m").fetchone()[0]
    connection.close()
    print(count)


if __name__ == "__main__":
    main()

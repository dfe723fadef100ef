"""A workspace's new timezone: its groups' days become the new zone's (own module: it changes the
workspace every other test of a module shares)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select

from qunops.store.schema import events, group_days
from tests.console.conftest import Console

Client = Callable[[str | None], tuple[TestClient, str]]


def test_a_new_timezone_makes_the_groups_days_its_own(console: Console, client_as: Client) -> None:
    """The settings say so, and the rollups are recomputed (in the background) in the new zone's days."""
    client, token = client_as("admin")
    assert 'id="timezone-note"' in client.get("/settings").text
    saved = client.post(
        "/settings/workspace",
        data={"csrf_token": token, "timezone": "America/New_York"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    zone = ZoneInfo("America/New_York")
    deadline = time.monotonic() + 30
    while True:
        with console.engine.connect() as connection:
            stamps = connection.execute(
                select(events.c.ts_us).where(events.c.group_id == console.group_id)
            ).scalars()
            wanted = {datetime.fromtimestamp(us / 1e6, zone).date() for us in stamps}
            stored = set(
                connection.execute(
                    select(group_days.c.day).where(group_days.c.group_id == console.group_id)
                ).scalars()
            )
        if stored == wanted or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert stored == wanted

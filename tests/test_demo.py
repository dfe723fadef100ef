"""The demo workspace as `make demo` builds it: a history that ends at the present."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from qunops.core.time import to_us
from qunops.demo import build_demo
from qunops.store.schema import events

NOON_IN_SHANGHAI = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)
MIDNIGHT_IN_SHANGHAI = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)


def test_the_demo_history_ends_at_the_present_with_this_morning_in_it(tmp_path: Path) -> None:
    """Built at noon, the demo has this morning's messages and none after noon: groups that talk in the
    mornings are not "silent" (a history ending the day before made every group so by midday)."""
    engine = build_demo(
        tmp_path / "demo.db", seed=7, timezone="Asia/Shanghai", moderated=False, now=NOON_IN_SHANGHAI
    )
    with engine.connect() as connection:
        newest = connection.execute(select(func.max(events.c.ts_us))).scalar_one()
        groups_this_morning = connection.execute(
            select(func.count(func.distinct(events.c.group_id))).where(
                events.c.kind == "message", events.c.ts_us >= to_us(MIDNIGHT_IN_SHANGHAI)
            )
        ).scalar_one()
    engine.dispose()
    assert newest <= to_us(NOON_IN_SHANGHAI)
    assert to_us(NOON_IN_SHANGHAI) - newest < 3_600_000_000  # someone spoke within the last hour
    assert groups_this_morning >= 20  # of 30: all but the dead, dormant and finished ones

"""Reading a whole store, to assert on complete table states."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from qunops.store.schema import metadata


def table_states(engine: Engine, skip: tuple[str, ...] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order (timestamps of the fill mark left out)."""
    states: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name in skip:
                continue
            columns = [
                c for c in table.columns if not (table.name == "fill_state" and c.name == "updated_us")
            ]
            rows = connection.execute(select(*columns)).all()
            states[table.name] = sorted((tuple(_plain(v) for v in row) for row in rows), key=repr)
    return states


def _plain(value: Any) -> Any:
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, list):
        return tuple(value)
    return value


def refilled_from_scratch(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table after the rollups and memberships are filled again from the first event (what
    changes in place, a link or a merge, must leave them as this)."""
    from qunops.store.rollups import fill_rollups, refill_everything

    with engine.begin() as connection:
        refill_everything(connection)
    fill_rollups(engine)
    return table_states(engine)

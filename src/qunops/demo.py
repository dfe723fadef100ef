"""The demo workspace: simulated communities in a fresh SQLite file, with users to log in as."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from qunops.core.registry import WorkspaceRole
from qunops.ingestion import import_events
from qunops.simulate import Community, SimulationConfig, simulate
from qunops.store import accounts
from qunops.store.db import open_engine, upgrade
from qunops.store.registry import mark_operators, save_profile
from qunops.store.rollups import fill_rollups

DEMO_USER = "admin"
DEMO_PASSWORD = "qunops-demo"
DEMO_VIEWER = "viewer"


def build_demo(path: Path, seed: int, timezone: str, config: SimulationConfig | None = None) -> Engine:
    """Make `path` anew and fill it with a simulated workspace; returns an engine on it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    engine = open_engine(f"sqlite:///{path}")
    upgrade(engine)
    if config is None:
        # The simulated history ends yesterday, whenever the demo is built: the console then shows a
        # morning with live, cooling and dead groups rather than a workspace that died long ago.
        yesterday = datetime.now(ZoneInfo(timezone)).date() - timedelta(days=1)
        config = SimulationConfig(seed=seed, timezone=timezone, end=yesterday)
    community = simulate(config)
    with engine.begin() as connection:
        workspace_id = accounts.create_workspace(connection, "demo", "Demo communities", timezone)
        admin = accounts.create_user(connection, DEMO_USER, DEMO_PASSWORD)
        accounts.grant(connection, workspace_id, admin, WorkspaceRole.ADMIN)
        viewer = accounts.create_user(connection, DEMO_VIEWER, DEMO_PASSWORD)
        accounts.grant(connection, workspace_id, viewer, WorkspaceRole.VIEWER)
    store_community(engine, workspace_id, community)
    return engine


def store_community(engine: Engine, workspace_id: int, community: Community) -> None:
    """Put a simulated community into a workspace: registry profiles, events, operator accounts, rollups.

    Operators are marked before the rollups are filled, so that their messages count as theirs.
    """
    with engine.begin() as connection:
        for profile in community.profiles:
            save_profile(connection, workspace_id, profile)
    import_events(engine, workspace_id, community.events())
    with engine.begin() as connection:
        mark_operators(connection, workspace_id, community.operators)
    fill_rollups(engine)

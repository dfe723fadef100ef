"""The demo workspace: simulated communities in a fresh SQLite file, with users to log in as."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from qunops.actions import Actor
from qunops.core.registry import WorkspaceRole
from qunops.ingestion import import_events
from qunops.moderation import service
from qunops.simulate import Community, SimulationConfig, simulate
from qunops.store import accounts
from qunops.store.db import open_engine, upgrade
from qunops.store.registry import mark_operators, save_profile
from qunops.store.rollups import fill_rollups

DEMO_USER = "admin"
DEMO_PASSWORD = "qunops-demo"
DEMO_VIEWER = "viewer"


# The demo's rules: the simulated members share their community's own site, which an operator would allow.
DEMO_RULES = (
    "群规：禁止广告、引流和拉人；友善交流，不刷屏。\nNo ads, no recruiting into other groups; be kind."
)
DEMO_RULE_SETTINGS = {"allowed_domains": ["example.com"]}


def build_demo(
    path: Path,
    seed: int,
    timezone: str,
    config: SimulationConfig | None = None,
    moderated: bool = True,
    now: datetime | None = None,
) -> Engine:
    """Make `path` anew and fill it with a simulated workspace; returns an engine on it.

    `moderated`: the history also goes through moderation with the demo's rules, so the review queue
    holds the planted ads as cases (about as long again as the rest of the build). `now`: the present, for
    a demo built as if at another time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    engine = open_engine(f"sqlite:///{path}")
    upgrade(engine)
    until: datetime | None = None
    if config is None:
        # The simulated history ends now, whenever the demo is built: the console then shows today with
        # live, cooling and dead groups rather than a workspace that died long ago, and groups that talk
        # in the mornings have talked this morning (a history ending yesterday made every group "silent"
        # by midday). Today is simulated whole and cut at the present.
        until = now or datetime.now(UTC)
        today = until.astimezone(ZoneInfo(timezone)).date()
        config = SimulationConfig(seed=seed, timezone=timezone, end=today)
    community = simulate(config)
    with engine.begin() as connection:
        workspace_id = accounts.create_workspace(connection, "demo", "Demo communities", timezone)
        admin = accounts.create_user(connection, DEMO_USER, DEMO_PASSWORD)
        accounts.grant(connection, workspace_id, admin, WorkspaceRole.ADMIN)
        viewer = accounts.create_user(connection, DEMO_VIEWER, DEMO_PASSWORD)
        accounts.grant(connection, workspace_id, viewer, WorkspaceRole.VIEWER)
    store_community(engine, workspace_id, community, until)
    if moderated:
        now = now or datetime.now(UTC)
        with engine.begin() as connection:
            service.update_rules(
                connection, workspace_id, None, DEMO_RULES, DEMO_RULE_SETTINGS, Actor.system("demo"), now
            )
        service.moderate_new_events(engine, workspace_id, now)
    return engine


def store_community(
    engine: Engine, workspace_id: int, community: Community, until: datetime | None = None
) -> None:
    """Put a simulated community into a workspace: registry profiles, events (those up to `until`, if
    given), operator accounts, rollups.

    Operators are marked before the rollups are filled, so that their messages count as theirs.
    """
    with engine.begin() as connection:
        for profile in community.profiles:
            save_profile(connection, workspace_id, profile)
    happened = community.events()
    if until is not None:
        happened = (event for event in happened if event.ts <= until)
    import_events(engine, workspace_id, happened)
    with engine.begin() as connection:
        mark_operators(connection, workspace_id, community.operators)
    fill_rollups(engine)

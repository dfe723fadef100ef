"""Simulated and imported workspaces for the forecast benchmarks, each in its own SQLite file."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import Engine

from qunops.demo import store_community
from qunops.ingestion import import_paths
from qunops.simulate import SimulationConfig, simulate
from qunops.store import accounts
from qunops.store.db import open_engine, upgrade


def _fresh(directory: Path, name: str, timezone: str) -> tuple[Engine, int]:
    engine = open_engine(f"sqlite:///{directory / (name + '.db')}")
    upgrade(engine)
    with engine.begin() as connection:
        workspace_id = accounts.create_workspace(connection, name, name, timezone)
    return engine, workspace_id


def simulated_workspace(config: SimulationConfig, directory: Path | None = None) -> tuple[Engine, int]:
    """A workspace holding the simulated community of `config`, rolled up."""
    directory = directory or Path(tempfile.mkdtemp(prefix="qunops-forecast-"))
    engine, workspace_id = _fresh(directory, f"sim{config.seed}", config.timezone)
    store_community(engine, workspace_id, simulate(config))
    return engine, workspace_id


def imported_workspace(path: Path, timezone: str = "Asia/Shanghai") -> tuple[Engine, int]:
    """A workspace holding one real export, rolled up."""
    directory = Path(tempfile.mkdtemp(prefix="qunops-forecast-"))
    engine, workspace_id = _fresh(directory, "export", timezone)
    report = import_paths(engine, workspace_id, [path], timezone)
    if not report.ok:
        raise RuntimeError(f"{path}: import failed: {[f.error for f in report.files]}")
    return engine, workspace_id

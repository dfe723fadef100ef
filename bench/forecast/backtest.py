"""Rolling-origin backtest of the death forecast beside the rule "silent 3 days or more".

    .venv/bin/python -m bench.forecast.backtest          # the simulated communities and the QQ sample
    .venv/bin/python -m bench.forecast.backtest --quick  # one small simulated community

Each simulated community is built in its own SQLite file (in parallel), every day of its window is an
as-of date, and `forecast.backtest` trains on the examples whose label was known by each origin and
scores the days after it. The QQ sample is one real group of six weeks with no death in it: there is
nothing to train on and AUC is undefined, so its row scores the default model (fitted on the simulator)
and says so; it shows calibration on a live group, not the power to rank. Each simulated community also
gets a row for the shipped default model scored on all its examples (fitted on other seeds).
"""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.forecast.workspace import imported_workspace, simulated_workspace
from qunops.analytics import forecast
from qunops.simulate import SimulationConfig

SIMULATED = (
    SimulationConfig(seed=1, groups=60, days=180, scale=1.0),
    SimulationConfig(seed=2, groups=120, days=200, scale=0.5),
    SimulationConfig(seed=3, groups=200, days=240, scale=0.3),
    SimulationConfig(seed=4, groups=100, days=180, scale=1.0),
)
QUICK = (SimulationConfig(seed=5, groups=40, days=120, scale=0.5),)
QQ_SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "samples" / "qq" / "group_export_anonymized.txt"
COLUMNS = (
    ("dataset", "dataset"),
    ("examples", "examples"),
    ("positives", "positives"),
    ("auc_model", "AUC model"),
    ("auc_baseline", "AUC baseline"),
    ("brier_model", "Brier model"),
    ("brier_baseline", "Brier baseline"),
)


def simulated_rows(config: SimulationConfig) -> list[dict[str, Any]]:
    """The backtest's pooled out-of-sample scores, and the shipped default model's on every example
    (it was fitted on other seeds, so this community is unseen by it)."""
    engine, workspace_id = simulated_workspace(config)
    start = config.end - timedelta(days=config.days - 1)
    with engine.connect() as connection:
        features, labels, keys = forecast.build_examples(
            connection, workspace_id, [start + timedelta(days=i) for i in range(config.days)]
        )
    engine.dispose()
    result = forecast.backtest(features, labels, keys)
    name = f"simulated seed={config.seed} groups={config.groups} days={config.days} scale={config.scale}"
    default = forecast.evaluate(forecast.default_model(), features, labels)
    return [
        result.as_row(f"{name}: backtest, {len(result.folds)} origins"),
        {
            "dataset": f"{name}: default model, all days",
            "examples": len(labels),
            "positives": int(labels.sum()),
            **default,
        },
    ]


def qq_row(path: Path = QQ_SAMPLE) -> dict[str, Any] | None:
    if not path.exists():
        return None
    engine, workspace_id = imported_workspace(path)
    with engine.connect() as connection:
        histories = forecast.load_histories(connection, workspace_id)
        first = min(h.first_day for h in histories)
        last = max(h.last_day for h in histories)
        dates = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        features, labels, _ = forecast.build_examples(connection, workspace_id, dates)
    engine.dispose()
    scores = forecast.evaluate(forecast.default_model(), features, labels)
    return {
        "dataset": "QQ sample (1 group, 6 weeks; default model, no deaths to train on)",
        "examples": len(labels),
        "positives": int(labels.sum()),
        **scores,
    }


def run(configs: tuple[SimulationConfig, ...] = SIMULATED, real: bool = True) -> list[dict[str, Any]]:
    """One row per dataset: examples, deaths, AUC and Brier of the model and of the baseline rule."""
    with ProcessPoolExecutor(max_workers=min(4, len(configs))) as pool:
        rows = [row for pair in pool.map(simulated_rows, configs) for row in pair]
    if real:
        found = qq_row()
        if found is not None:
            rows.append(found)
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    def cell(value: Any) -> str:
        if value is None:
            return "n/a"
        if isinstance(value, float):
            return f"{value:.1e}" if 0 < abs(value) < 5e-5 else f"{value:.4f}"
        return str(value)

    lines = [
        "| " + " | ".join(title for _, title in COLUMNS) + " |",
        "|" + "|".join("---" for _ in COLUMNS) + "|",
    ]
    lines += ["| " + " | ".join(cell(row.get(key)) for key, _ in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    quick = "--quick" in sys.argv[1:]
    print(markdown(run(QUICK, real=False) if quick else run()))

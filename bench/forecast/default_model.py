"""Fit the default death forecaster on simulated communities and write its coefficients into
`qunops.analytics.forecast.DEFAULT_COEFFICIENTS`.

    .venv/bin/python -m bench.forecast.default_model          # rewrite the coefficients
    .venv/bin/python -m bench.forecast.default_model --check  # exit 1 if they differ from a fresh fit

The simulation is seeded, rollups and the logistic fit are deterministic, and coefficients are rounded
to 6 decimals, so the same simulator always yields the same numbers. Rerun it after changing the
features or the simulator; the forecast tests check that the shipped numbers are a logistic model over
the current features.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bench.forecast.workspace import simulated_workspace
from qunops.analytics import forecast
from qunops.simulate import SimulationConfig

# Seeds apart from the backtest's, two message volumes: the default should not know the benchmark.
TRAINING_CONFIGS = (
    SimulationConfig(seed=101, groups=100, days=200, scale=1.0),
    SimulationConfig(seed=102, groups=100, days=200, scale=0.4),
)
TARGET = Path(forecast.__file__)
_BLOCK = re.compile(r"(DEFAULT_COEFFICIENTS: dict\[str, Any\] = )(\{.*?\n\})", re.S)


def examples_of(config: SimulationConfig) -> tuple[Any, Any, list[forecast.ExampleKey]]:
    engine, workspace_id = simulated_workspace(config)
    start = config.end - timedelta(days=config.days - 1)
    with engine.connect() as connection:
        return forecast.build_examples(
            connection, workspace_id, [start + timedelta(days=i) for i in range(config.days)]
        )


def fit() -> dict[str, Any]:
    with ProcessPoolExecutor(max_workers=len(TRAINING_CONFIGS)) as pool:
        parts = list(pool.map(examples_of, TRAINING_CONFIGS))
    features = np.vstack([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    # The simulator deals fates independently of group type, so type weights fitted on it would be
    # noise from which few groups happened to die; the default leaves them at zero (a model trained on
    # a real workspace learns them).
    for name in forecast.FEATURES:
        if name.startswith("type_"):
            features[:, forecast.FEATURES.index(name)] = 0.0
    model = forecast.train_forecaster(features, labels, "logistic")
    model.trained_on["group_types"] = "weights fixed at zero"
    model.trained_on["source"] = "simulator: " + ", ".join(
        f"seed={c.seed} groups={c.groups} days={c.days} scale={c.scale}" for c in TRAINING_CONFIGS
    )
    return forecast.coefficients_of(model)


def render(coefficients: dict[str, Any]) -> str:
    return json.dumps(coefficients, indent=4, ensure_ascii=False)


def main(argv: list[str]) -> int:
    coefficients = fit()
    source = TARGET.read_text(encoding="utf-8")
    if not _BLOCK.search(source):
        source = source.replace(
            "DEFAULT_COEFFICIENTS: dict[str, Any] = {}", "DEFAULT_COEFFICIENTS: dict[str, Any] = {\n}"
        )
    current = _BLOCK.search(source)
    assert current is not None
    if "--check" in argv:
        same = ast.literal_eval(current.group(2)) == coefficients
        print("default coefficients are", "up to date" if same else "OUT OF DATE: rerun without --check")
        return 0 if same else 1
    TARGET.write_text(
        source[: current.start(2)] + render(coefficients) + source[current.end(2) :], encoding="utf-8"
    )
    trained = coefficients["trained_on"]
    print(f"wrote {TARGET}: {trained['examples']} examples, {trained['positives']} deaths")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

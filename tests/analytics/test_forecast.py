"""Death forecast: labels at their boundary, no look-ahead, a backtest that beats "silent 3 days", and the
probability `qunops report` shows for a stored group."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import joblib
import numpy as np
import pytest
from sqlalchemy import Engine, select, update

from qunops.analytics import forecast
from qunops.core.events import Event, GroupRef
from qunops.core.platforms import Platform
from qunops.core.time import day_end_us, to_us
from qunops.demo import store_community
from qunops.ingestion import import_events
from qunops.simulate import SimulationConfig, simulate
from qunops.store import accounts
from qunops.store.db import open_engine, upgrade
from qunops.store.registry import mark_operators, save_profile
from qunops.store.rollups import fill_rollups
from qunops.store.schema import group_days, groups
from tests.factories import join, leave, message

SHANGHAI = ZoneInfo("Asia/Shanghai")
AS_OF = date(2024, 5, 20)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A local Shanghai time, as the UTC instant events carry."""
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)


def chatty(group: GroupRef, first: date, last: date, speakers: int = 3) -> list[Event]:
    """An active day (3+ messages from 2+ members) on every day from `first` to `last`."""
    history = [join(n, at(first, 9), group=group) for n in range(1, speakers + 1)]
    day = first
    while day <= last:
        history += [message(1 + k % speakers, at(day, 10, 5 * k), f"day {day} #{k}", group) for k in range(4)]
        day += timedelta(days=1)
    return history


def store(engine: Engine, workspace_id: int, history: list[Event]) -> None:
    import_events(engine, workspace_id, iter(history))
    fill_rollups(engine)


def group_id(engine: Engine, group: GroupRef) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(groups.c.id).where(groups.c.external_id == group.external_id)
            ).scalar_one()
        )


# ------------------------------------------------------------------------------------------- labels


@pytest.mark.parametrize(
    ("next_message", "dead"),
    [
        (at(AS_OF + timedelta(days=14), 23, 59), 0),  # the last minute of the 14th day still counts
        (at(AS_OF + timedelta(days=15), 0, 1), 1),  # the first minute of the 15th is too late
        (at(AS_OF + timedelta(days=1), 0, 1), 0),
    ],
)
def test_the_label_is_death_within_14_local_days_after_the_as_of_date(
    sqlite_engine: Engine, next_message: datetime, dead: int
) -> None:
    engine, workspace = sqlite_engine, _workspace(sqlite_engine)
    group = GroupRef(Platform.QQ, "label", "Label")
    store(
        engine,
        workspace,
        [*chatty(group, AS_OF - timedelta(days=9), AS_OF), message(2, next_message, "back", group)],
    )
    with engine.connect() as connection:
        _, labels, keys = forecast.build_examples(
            connection, workspace, [AS_OF], observed_until=AS_OF + timedelta(days=15)
        )
    assert keys == [(group_id(engine, group), AS_OF)]
    assert labels.tolist() == [dead]


def test_examples_need_an_observed_label_window_and_a_live_group(sqlite_engine: Engine) -> None:
    workspace = _workspace(sqlite_engine)
    group = GroupRef(Platform.QQ, "windows", "Windows")
    store(sqlite_engine, workspace, chatty(group, AS_OF - timedelta(days=30), AS_OF - timedelta(days=20)))
    dates = [AS_OF - timedelta(days=n) for n in range(40)]
    with sqlite_engine.connect() as connection:
        _, labels, keys = forecast.build_examples(connection, workspace, dates, observed_until=AS_OF)
    days = [key[1] for key in keys]
    assert max(days) == AS_OF - timedelta(days=14)  # later dates' label windows are not observed yet
    assert min(days) == AS_OF - timedelta(days=30)  # the group did not exist before its first day
    # Silent since the end of day -20: from day -6 on it is already dead (14 full days), so no example.
    assert all(day < AS_OF - timedelta(days=6) for day in days)
    assert labels[days.index(AS_OF - timedelta(days=20))] == 1
    assert labels[days.index(AS_OF - timedelta(days=21))] == 0


def test_a_temporary_group_reaching_its_planned_end_completes_and_is_not_forecast(
    engine: Engine, workspace: int
) -> None:
    group = GroupRef(Platform.QQ, "event", "Launch week")
    store(engine, workspace, chatty(group, AS_OF - timedelta(days=5), AS_OF))
    gid = group_id(engine, group)
    with engine.begin() as connection:
        connection.execute(
            update(groups)
            .where(groups.c.id == gid)
            .values(duration_kind="temporary", planned_end=AS_OF + timedelta(days=3))
        )
    with engine.connect() as connection:
        _, _, keys = forecast.build_examples(
            connection, workspace, [AS_OF], observed_until=AS_OF + timedelta(days=20)
        )
        assert keys == []
        assert forecast.forecast_dead_14d(connection, gid, AS_OF) is None
    # Long before its planned end, a temporary group can still die.
    with engine.begin() as connection:
        connection.execute(
            update(groups).where(groups.c.id == gid).values(planned_end=AS_OF + timedelta(days=30))
        )
    with engine.connect() as connection:
        assert forecast.forecast_dead_14d(connection, gid, AS_OF) is not None


# ------------------------------------------------------------------------------------------- no look-ahead


def test_features_use_only_data_up_to_the_as_of_date(sqlite_engine: Engine) -> None:
    """Features computed before the future happened equal those computed after it was stored."""
    config = SimulationConfig(seed=5, groups=8, days=45, scale=0.3)
    community = simulate(config)
    as_of = config.end - timedelta(days=16)
    cutoff = day_end_us(as_of, SHANGHAI)
    workspace = _workspace(sqlite_engine)
    with sqlite_engine.begin() as connection:
        for profile in community.profiles:
            save_profile(connection, workspace, profile)
    # A hand-made group whose future touches everything: a question at 23:55 on the as-of date answered
    # at 00:03 the next day, a newcomer, a leave, a rejoin and more chat.
    group = GroupRef(Platform.QQ, "future", "Future")
    handmade = [
        *chatty(group, as_of - timedelta(days=20), as_of, speakers=4),
        message(1, at(as_of, 23, 55), "请问明天几点开始？", group),
        message(2, at(as_of + timedelta(days=1), 0, 3), "十点", group),
        join(9, at(as_of + timedelta(days=1), 9), group=group),
        leave(3, at(as_of + timedelta(days=2), 9), group=group),
        join(3, at(as_of + timedelta(days=3), 9), group=group),
        *chatty(group, as_of + timedelta(days=1), as_of + timedelta(days=10)),
    ]
    history = [*community.events(), *handmade]
    past = [e for e in history if to_us(e.ts) < cutoff]
    future = [e for e in history if to_us(e.ts) >= cutoff]
    assert future

    def snapshot() -> tuple[np.ndarray, list[forecast.ExampleKey], int]:
        with sqlite_engine.connect() as connection:
            features, _, keys = forecast.build_examples(
                connection, workspace, [as_of - timedelta(days=1), as_of], observed_until=config.end
            )
            answered = connection.execute(
                select(group_days.c.questions_answered).where(
                    group_days.c.group_id == group_id(sqlite_engine, group), group_days.c.day == as_of
                )
            ).scalar_one()
        return features, keys, int(answered)

    import_events(sqlite_engine, workspace, iter(past))
    with sqlite_engine.begin() as connection:
        mark_operators(connection, workspace, community.operators)
    fill_rollups(sqlite_engine)
    before, keys_before, answered_before = snapshot()
    store(sqlite_engine, workspace, future)
    after, keys_after, answered_after = snapshot()

    assert answered_after == answered_before + 1  # the future did rewrite the as-of day's rollup...
    assert keys_after == keys_before and len(keys_before) > 8
    np.testing.assert_array_equal(after, before)  # ...and no feature moved


# ------------------------------------------------------------------------------------------- quality


@dataclass
class Simulated:
    engine: Engine
    workspace: int
    features: np.ndarray
    labels: np.ndarray
    keys: list[forecast.ExampleKey]


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulated]:
    config = SimulationConfig(seed=13, groups=60, days=90, scale=0.15)
    engine = open_engine(f"sqlite:///{tmp_path_factory.mktemp('sim') / 'sim.db'}")
    upgrade(engine)
    workspace = _workspace(engine)
    store_community(engine, workspace, simulate(config))
    start = config.end - timedelta(days=config.days - 1)
    with engine.connect() as connection:
        examples = forecast.build_examples(
            connection, workspace, [start + timedelta(days=n) for n in range(config.days)]
        )
    yield Simulated(engine, workspace, *examples)
    engine.dispose()


def test_the_backtest_on_a_simulated_community_beats_silent_3_days(
    simulated: Simulated,
) -> None:
    features, labels, keys = simulated.features, simulated.labels, simulated.keys
    assert labels.sum() >= 30
    result = forecast.backtest(features, labels, keys)
    assert len(result.folds) >= 2
    assert result.auc_model is not None and result.auc_baseline is not None
    assert result.auc_model >= 0.85
    assert result.auc_model > result.auc_baseline
    assert result.brier_model < result.brier_baseline
    days = [key[1] for key in keys]
    for fold in result.folds:  # trained only on examples whose 14 days ended by the origin
        origin = date.fromisoformat(fold["origin"])
        assert fold["train"] == sum(day + timedelta(days=14) <= origin for day in days)
        assert fold["test"] <= sum(day > origin for day in days)


def test_the_default_model_ranks_an_unseen_simulated_community_better_than_the_rule(
    simulated: Simulated,
) -> None:
    features, labels = simulated.features, simulated.labels
    scores = forecast.evaluate(forecast.default_model(), features, labels)
    assert scores["auc_model"] is not None and scores["auc_baseline"] is not None
    assert scores["auc_model"] >= 0.85 and scores["auc_model"] > scores["auc_baseline"]
    assert scores["brier_model"] is not None and scores["brier_baseline"] is not None
    assert scores["brier_model"] < scores["brier_baseline"]


def test_a_workspace_trains_its_own_model_on_every_observed_day(simulated: Simulated) -> None:
    with simulated.engine.connect() as connection:
        own = forecast.train_for_workspace(connection, simulated.workspace)
    assert own.trained_on["examples"] == len(simulated.labels)
    assert own.trained_on["positives"] == int(simulated.labels.sum())
    scores = forecast.evaluate(own, simulated.features, simulated.labels)
    assert scores["auc_model"] is not None and scores["auc_model"] > 0.95  # in-sample: a sanity check


def test_boosting_is_one_argument_away(
    simulated: Simulated,
) -> None:
    features, labels = simulated.features, simulated.labels
    model = forecast.train_forecaster(features[::4], labels[::4], kind="boosting")
    assert model.predict(features[:5]).shape == (5,)
    with pytest.raises(ValueError, match="unknown forecaster kind"):
        forecast.train_forecaster(features, labels, kind="oracle")


# ------------------------------------------------------------------------------------------- the model


def test_forecast_for_a_stored_group_is_a_probability_that_rises_as_it_fades(
    engine: Engine, workspace: int
) -> None:
    lively = GroupRef(Platform.QQ, "lively", "Lively")
    fading = GroupRef(Platform.QQ, "fading", "Fading")
    store(
        engine,
        workspace,
        [
            *chatty(lively, AS_OF - timedelta(days=40), AS_OF),
            *chatty(fading, AS_OF - timedelta(days=40), AS_OF - timedelta(days=8)),
        ],
    )
    with engine.connect() as connection:
        alive = forecast.forecast_dead_14d(connection, group_id(engine, lively), AS_OF)
        dying = forecast.forecast_dead_14d(connection, group_id(engine, fading), AS_OF)
        assert forecast.forecast_dead_14d(connection, 999_999, AS_OF) is None
        assert (
            forecast.forecast_dead_14d(connection, group_id(engine, lively), AS_OF - timedelta(days=60))
            is None
        )
    assert alive is not None and dying is not None
    assert 0.0 <= alive < 0.1
    assert alive < dying <= 1.0
    assert dying > 0.5  # silent 8 days after weeks of daily chat


def test_a_model_saved_beside_the_sqlite_store_is_used(sqlite_engine: Engine, tmp_path: Path) -> None:
    from sklearn.dummy import DummyClassifier

    workspace = _workspace(sqlite_engine)
    group = GroupRef(Platform.QQ, "stored", "Stored")
    store(sqlite_engine, workspace, chatty(group, AS_OF - timedelta(days=10), AS_OF))
    constant = DummyClassifier(strategy="prior").fit(
        np.zeros((100, len(forecast.FEATURES))), [1] * 42 + [0] * 58
    )
    with sqlite_engine.connect() as connection:
        path = forecast.stored_model_path(connection)
        assert path is not None and path.parent == tmp_path
        forecast.ForecastModel(constant, trained_on={"source": "test"}).save(path)
        assert forecast.forecast_dead_14d(connection, group_id(sqlite_engine, group), AS_OF) == pytest.approx(
            0.42
        )


def test_saved_models_round_trip_and_foreign_formats_are_refused(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(200, len(forecast.FEATURES)))
    labels = (features[:, 0] > 1).astype(np.int8)
    model = forecast.train_forecaster(features, labels)
    model.save(tmp_path / "m.joblib")
    loaded = forecast.ForecastModel.load(tmp_path / "m.joblib")
    np.testing.assert_allclose(loaded.predict(features), model.predict(features))
    assert loaded.trained_on["positives"] == int(labels.sum())

    joblib.dump(
        {"format_version": 999, "features": list(forecast.FEATURES), "estimator": None},
        tmp_path / "new.joblib",
    )
    with pytest.raises(forecast.ForecastModelError, match="format 999"):
        forecast.ForecastModel.load(tmp_path / "new.joblib")
    joblib.dump(
        {"format_version": forecast.FORMAT_VERSION, "features": ["wad"], "estimator": None},
        tmp_path / "old.joblib",
    )
    with pytest.raises(forecast.ForecastModelError, match="other features"):
        forecast.ForecastModel.load(tmp_path / "old.joblib")
    (tmp_path / "junk.joblib").write_bytes(b"not a model")
    with pytest.raises(forecast.ForecastModelError, match="not a readable"):
        forecast.ForecastModel.load(tmp_path / "junk.joblib")


def test_published_coefficients_are_a_logistic_model_over_the_current_features() -> None:
    shipped = forecast.DEFAULT_COEFFICIENTS
    for part in ("mean", "scale", "weight"):
        assert list(shipped[part]) == list(forecast.FEATURES), (
            f"rerun bench/forecast/default_model.py ({part})"
        )
    assert shipped["trained_on"]["positives"] > 100
    # Written-out numbers predict what the fitted sklearn model predicts.
    rng = np.random.default_rng(1)
    features = rng.normal(size=(300, len(forecast.FEATURES)))
    labels = (features[:, 3] + rng.normal(size=300) > 1).astype(np.int8)
    fitted = forecast.train_forecaster(features, labels)
    rebuilt = forecast._model_from_coefficients(forecast.coefficients_of(fitted))
    np.testing.assert_allclose(rebuilt.predict(features), fitted.predict(features), atol=1e-4)
    # Silence is what the default model weighs towards death, messages against it.
    weight = shipped["weight"]
    assert weight["log_silence_hours"] > 0 and weight["log_member_messages_7d"] < 0


def _workspace(engine: Engine) -> int:
    with engine.begin() as connection:
        return accounts.create_workspace(connection, "forecast", "Forecast", "Asia/Shanghai")

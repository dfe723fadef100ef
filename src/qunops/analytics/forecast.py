"""Death forecast: the probability that a group has no member message in the next 14 days.

A group is *dead* after 14 days without a member message (product.md). This module forecasts that from
the group's recent rollups, so an operator can act while a dying group can still be saved.

- **Examples** are (group, as-of date) pairs built from the rollups (`group_days`), with member counts
  replayed from join and leave events (see `_member_spans`), never from raw text. Features use
  only what was known at the end of the as-of date (trailing windows end with it, silence is taken at
  its midnight); the label is 1 when the group has no member message in the 14 days after it,
  (as_of, as_of + 14]. Examples are kept only where that label is observed (the workspace's data reach
  as_of + 14), the group already existed, and the group was not already dead (silent 14 days or more:
  forecasting that a dead group stays dead is trivial and would flatter every score). A temporary group
  whose planned end comes within the horizon is left out: its silence after the end is completion, not
  death.
- **Model**: a standardised logistic regression over the features below. It was chosen over gradient
  boosting by the rolling-origin backtest (bench/forecast/backtest.py): on the simulator's communities
  both rank groups about equally well, and the logistic model is better calibrated, small, fast and
  explainable. `train_forecaster(kind="boosting")` keeps the alternative one argument away.
- **Default model**: where no trained model is stored, `default_model()` uses coefficients fitted on the
  simulator's communities by `bench/forecast/default_model.py` and written into `DEFAULT_COEFFICIENTS`
  below (a few dozen numbers: reviewable, reproducible with that script, no pickle to trust).
  Group-type weights are zero in it: the simulator deals fates regardless of type.
- **Stored model**: `train_for_workspace` fits one on a workspace's own history; `ForecastModel.save`
  writes it as a joblib file with a format version, and for a SQLite store `forecast_dead_14d` looks for
  one beside the database file (`<db>.forecast.joblib`).

The simulator plants deaths as steady declines with joins drying up a week before the end, so scores on
it (AUC about 0.99) are an upper bound; real histories with deaths in them are what to backtest on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, select

from qunops.core.events import EventKind
from qunops.core.registry import DurationKind, GroupType
from qunops.core.thresholds import DEFAULT_THRESHOLDS
from qunops.core.time import day_end_us
from qunops.store.db import in_memory
from qunops.store.schema import events, group_days, groups, members, memberships, workspaces

FORMAT_VERSION = 1
HORIZON_DAYS = DEFAULT_THRESHOLDS.dead_days  # product.md: dead = no member message for 14 days
BASELINE_SILENT_DAYS = DEFAULT_THRESHOLDS.dormant_days  # the rule the model must beat: silent 3+ days
_CAP_DAYS = 60.0  # silence and gaps beyond two months carry no more information
_US_PER_HOUR = 3_600_000_000
_US_PER_DAY = 24 * _US_PER_HOUR

_GROUP_TYPES = tuple(t.value for t in GroupType)

# Feature names, in matrix column order. Counts are log1p'd: the difference between 0 and 5 messages
# matters far more than between 500 and 505.
FEATURES: tuple[str, ...] = (
    "log_member_messages_7d",
    "log_member_messages_prev_7d",
    "message_trend",  # log((last 7 + 1) / (previous 7 + 1))
    "log_member_messages_28d",
    "message_days_7d",  # days with any member message among the trailing 7
    "wad",  # weekly active days
    "wad_prev",  # active days in the 7 days before those
    "active_days_28d",
    "log_speaker_days_7d",  # sum over the trailing 7 days of each day's distinct speakers
    "log_max_speakers_7d",
    "log_joins_7d",
    "log_joins_28d",
    "log_new_member_speakers_7d",
    "log_leaves_7d",  # leaves and removals
    "responsiveness_14d",  # (answered + 1) / (questions + 2), see `_responsiveness`
    "log_questions_14d",
    "silence_days",
    "log_silence_hours",
    "days_since_active_day",
    "log_age_days",
    "log_members",
    "temporary",
    "weekend_ahead",  # the as-of date is a Friday or Saturday: the next day is a weekend day
    *(f"type_{name}" for name in _GROUP_TYPES),
)
_COLUMN = {name: i for i, name in enumerate(FEATURES)}
SILENCE_DAYS_COLUMN = _COLUMN["silence_days"]

Matrix = NDArray[np.float64]
Vector = NDArray[np.float64]
Labels = NDArray[np.int8]
ExampleKey = tuple[int, date]


class ForecastModelError(Exception):
    """A stored model that cannot be used (another format version, other features, unreadable)."""


# ------------------------------------------------------------------------------------------- public API


def build_examples(
    connection: Connection,
    workspace_id: int,
    dates: Iterable[date],
    observed_until: date | None = None,
    group_ids: Sequence[int] | None = None,
) -> tuple[Matrix, Labels, list[ExampleKey]]:
    """Training/evaluation examples for every group of the workspace at each as-of date.

    Returns the feature matrix (columns: `FEATURES`), the labels (1: no member message in the 14 days
    after the as-of date) and the (group id, as-of date) of each row. `observed_until` is the last day
    the workspace's data cover (default: its latest rolled-up day); as-of dates whose label window runs
    past it are skipped.
    """
    histories = load_histories(connection, workspace_id, group_ids=group_ids)
    if observed_until is None:
        observed_until = max((h.last_day for h in histories), default=None)
    if observed_until is None:
        return _empty_examples()
    wanted = sorted(set(dates))
    rows: list[Vector] = []
    labels: list[int] = []
    keys: list[ExampleKey] = []
    for history in histories:
        for as_of in wanted:
            if as_of + timedelta(days=HORIZON_DAYS) > observed_until or not history.covers(as_of):
                continue
            if history.completes_within_horizon(as_of):
                continue
            row = history.features(as_of)
            if row[SILENCE_DAYS_COLUMN] >= HORIZON_DAYS:
                continue  # already dead
            rows.append(row)
            labels.append(history.label(as_of))
            keys.append((history.group_id, as_of))
    if not rows:
        return _empty_examples()
    return np.vstack(rows), np.asarray(labels, dtype=np.int8), keys


def baseline_scores(features: Matrix) -> Vector:
    """The rule "silent 3 days or more" as a 0/1 probability of death."""
    return (features[:, SILENCE_DAYS_COLUMN] >= BASELINE_SILENT_DAYS).astype(np.float64)


@dataclass
class ForecastModel:
    """A fitted death forecaster: an sklearn classifier over `FEATURES`, with what it was trained on."""

    estimator: Any  # fitted, with predict_proba
    features: tuple[str, ...] = FEATURES
    trained_on: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def predict(self, features: Matrix) -> Vector:
        """Probability of death within the horizon, one per row of `features`."""
        if features.shape[0] == 0:
            return np.zeros(0)
        return np.asarray(self.estimator.predict_proba(features)[:, 1], dtype=np.float64)

    def save(self, path: Path) -> None:
        import joblib

        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(
            {
                "format_version": self.format_version,
                "features": list(self.features),
                "trained_on": self.trained_on,
                "estimator": self.estimator,
            },
            path,
        )

    @classmethod
    def load(cls, path: Path) -> ForecastModel:
        """Read a model written by `save`. Only load files you trust: joblib files are pickles."""
        import joblib

        try:
            data = joblib.load(path)
        except Exception as exc:  # a truncated or foreign file: say which, never a traceback
            raise ForecastModelError(f"{path}: not a readable forecast model ({type(exc).__name__})") from exc
        if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
            found = data.get("format_version") if isinstance(data, dict) else None
            raise ForecastModelError(f"{path}: model format {found!r}, this version reads {FORMAT_VERSION}")
        if tuple(data.get("features", ())) != FEATURES:
            raise ForecastModelError(f"{path}: the model was trained on other features; retrain it")
        return cls(data["estimator"], FEATURES, dict(data.get("trained_on") or {}), FORMAT_VERSION)


def train_forecaster(
    features: Matrix, labels: Labels, kind: str = "logistic", seed: int = 0
) -> ForecastModel:
    """Fit a forecaster. `kind`: "logistic" (the default, see the module docstring) or "boosting"."""
    estimator = _make_estimator(kind, seed)
    if len(set(labels.tolist())) < 2:
        raise ValueError("training needs both dead and surviving examples")
    estimator.fit(features, labels)
    return ForecastModel(
        estimator,
        FEATURES,
        {"kind": kind, "examples": len(labels), "positives": int(labels.sum())},
    )


def train_for_workspace(connection: Connection, workspace_id: int, kind: str = "logistic") -> ForecastModel:
    """Fit a forecaster on every as-of date of a workspace's history whose 14 days ahead are observed."""
    histories = load_histories(connection, workspace_id)
    if not histories:
        raise ValueError("the workspace has no rollups to learn from")
    first = min(h.first_day for h in histories)
    last = max(h.last_day for h in histories) - timedelta(days=HORIZON_DAYS)
    dates = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    features, labels, keys = build_examples(connection, workspace_id, dates)
    model = train_forecaster(features, labels, kind)
    model.trained_on["source"] = f"workspace {workspace_id}, {len({k[0] for k in keys})} groups"
    model.trained_on["as_of"] = [dates[0].isoformat(), dates[-1].isoformat()] if dates else []
    return model


def forecast_dead_14d(
    connection: Connection, group_id: int, as_of: date, model: ForecastModel | None = None
) -> float | None:
    """Probability that the group has no member message in the 14 days after `as_of`.

    None when the group has no rollups up to `as_of`, or is a temporary group whose planned end comes
    within the horizon (it completes; death does not apply). For a group already dead it is the chance
    that it stays silent. Uses `model`, else the model stored beside a SQLite database, else
    `default_model()`.
    """
    found = connection.execute(select(groups.c.workspace_id).where(groups.c.id == group_id)).scalar()
    if found is None:
        return None
    histories = load_histories(connection, int(found), group_ids=[group_id], upto=as_of)
    if not histories or not histories[0].covers(as_of) or histories[0].completes_within_horizon(as_of):
        return None
    chosen = model or stored_model(connection) or default_model()
    return float(chosen.predict(histories[0].features(as_of)[None, :])[0])


def stored_model(connection: Connection) -> ForecastModel | None:
    """The model trained for this store, if one was saved beside its SQLite file; else None."""
    path = stored_model_path(connection)
    if path is None or not path.exists():
        return None
    return _load_cached(path, path.stat().st_mtime_ns)


def stored_model_path(connection: Connection) -> Path | None:
    """Where a trained model for this store lives: `<database file>.forecast.joblib` (SQLite only)."""
    url = connection.engine.url
    if url.get_backend_name() != "sqlite" or in_memory(connection.engine) or url.database is None:
        return None
    return Path(url.database + ".forecast.joblib")


def default_model() -> ForecastModel:
    """The model fitted on the simulator's communities (see `DEFAULT_COEFFICIENTS`)."""
    return _default_model()


# ------------------------------------------------------------------------------------------- backtest


@dataclass(frozen=True, slots=True)
class BacktestResult:
    """Pooled out-of-sample scores of a rolling-origin backtest, beside the baseline rule's."""

    examples: int  # test examples over all origins
    positives: int
    auc_model: float | None  # None where the test set has a single class
    auc_baseline: float | None
    brier_model: float
    brier_baseline: float
    folds: list[dict[str, Any]] = field(default_factory=list)

    def as_row(self, dataset: str) -> dict[str, Any]:
        return {
            "dataset": dataset,
            "examples": self.examples,
            "positives": self.positives,
            "auc_model": self.auc_model,
            "auc_baseline": self.auc_baseline,
            "brier_model": self.brier_model,
            "brier_baseline": self.brier_baseline,
        }


def backtest(
    features: Matrix,
    labels: Labels,
    keys: Sequence[ExampleKey],
    origins: int = 4,
    kind: str = "logistic",
    min_train_positives: int = 5,
) -> BacktestResult:
    """Rolling-origin evaluation: for each origin, train on examples whose label was known by the origin
    (as_of + 14 <= origin) and test on the as-of dates after it, up to the next origin.

    Origins sit at quantiles of the deaths' as-of dates (from 40% to 85%), not of the calendar: deaths
    are rare and clustered, and an origin with none before it has nothing to learn from, one with none
    after it nothing to be scored on. An origin whose training set has fewer than `min_train_positives`
    deaths is skipped.
    """
    days = np.asarray([key[1].toordinal() for key in keys])
    if len(days) == 0:
        raise ValueError("no examples to backtest")
    positive_days = np.sort(days[labels == 1])
    if len(positive_days) == 0:
        raise ValueError("no deaths among the examples: nothing to backtest")
    quantiles = [0.4 + 0.45 * i / max(1, origins - 1) for i in range(origins)]
    cuts = sorted({int(np.quantile(positive_days, q, method="lower")) for q in quantiles})
    bounds = [*cuts[1:], int(days.max())]
    predicted: list[Vector] = []
    baseline: list[Vector] = []
    truth: list[Labels] = []
    folds: list[dict[str, Any]] = []
    for origin, until in zip(cuts, bounds, strict=True):
        train = days + HORIZON_DAYS <= origin
        test = (days > origin) & (days <= until)
        if int(labels[train].sum()) < min_train_positives or train.all() or not test.any():
            continue
        model = train_forecaster(features[train], labels[train], kind)
        p, b, y = model.predict(features[test]), baseline_scores(features[test]), labels[test]
        predicted.append(p)
        baseline.append(b)
        truth.append(y)
        folds.append(
            {
                "origin": date.fromordinal(origin).isoformat(),
                "train": int(train.sum()),
                "test": int(test.sum()),
                "positives": int(y.sum()),
                "auc_model": _auc(y, p),
                "auc_baseline": _auc(y, b),
            }
        )
    if not truth:
        raise ValueError("no origin had enough deaths before it to train on")
    y_all, p_all, b_all = np.concatenate(truth), np.concatenate(predicted), np.concatenate(baseline)
    return BacktestResult(
        examples=len(y_all),
        positives=int(y_all.sum()),
        auc_model=_auc(y_all, p_all),
        auc_baseline=_auc(y_all, b_all),
        brier_model=_brier(y_all, p_all),
        brier_baseline=_brier(y_all, b_all),
        folds=folds,
    )


def evaluate(model: ForecastModel, features: Matrix, labels: Labels) -> dict[str, float | None]:
    """Scores of a fitted model on examples it was not trained on, beside the baseline rule's."""
    p, b = model.predict(features), baseline_scores(features)
    return {
        "auc_model": _auc(labels, p),
        "auc_baseline": _auc(labels, b),
        "brier_model": _brier(labels, p) if len(labels) else None,
        "brier_baseline": _brier(labels, b) if len(labels) else None,
    }


# ------------------------------------------------------------------------------------------- histories


@dataclass
class GroupHistory:
    """One group's daily rollups as dense arrays (index 0 = `first_day`), plus what features need."""

    group_id: int
    zone: ZoneInfo
    group_type: str
    temporary: bool
    planned_end: date | None
    first_day: date
    member_messages: Vector
    speakers: Vector
    joins: Vector
    leaves: Vector
    new_member_speakers: Vector
    questions: Vector
    questions_answered: Vector
    last_message_us: NDArray[np.int64]  # latest member message up to and including each day; 0: none
    member_starts_us: NDArray[np.int64]  # sorted: when each member joined (or first spoke)
    member_lefts_us: NDArray[np.int64]  # sorted: when each member who is gone left

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=len(self.member_messages) - 1)

    def covers(self, as_of: date) -> bool:
        return as_of >= self.first_day

    def completes_within_horizon(self, as_of: date) -> bool:
        return (
            self.temporary
            and self.planned_end is not None
            and self.planned_end < as_of + timedelta(days=HORIZON_DAYS)
        )

    @cached_property
    def active(self) -> Vector:
        """1.0 on active days (product.md: at least 3 member messages from at least 2 members)."""
        return (
            (self.member_messages >= DEFAULT_THRESHOLDS.active_day_messages)
            & (self.speakers >= DEFAULT_THRESHOLDS.active_day_speakers)
        ).astype(np.float64)

    def label(self, as_of: date) -> int:
        """1 when no member message falls in (as_of, as_of + 14 days]."""
        i = (as_of - self.first_day).days
        ahead = self.member_messages[i + 1 : i + 1 + HORIZON_DAYS]
        return int(not ahead.any())

    def features(self, as_of: date) -> Vector:
        """The feature row as of the end of `as_of`, from data up to that date only."""
        i = (as_of - self.first_day).days
        n = len(self.member_messages)
        if i >= n:  # the history ends before as_of: the days in between had no events at all
            return self._padded(i + 1).features(as_of)

        def window(values: Vector, days: int, end: int = i) -> Vector:
            return values[max(0, end - days + 1) : end + 1]

        mm = self.member_messages
        active = self.active
        mm7, prev7 = float(window(mm, 7).sum()), float(window(mm, 7, i - 7).sum()) if i >= 7 else 0.0
        end_us = day_end_us(as_of, self.zone)
        last_us = int(self.last_message_us[i])
        since_us = last_us if last_us else day_end_us(self.first_day - timedelta(days=1), self.zone)
        silence_days = min(_CAP_DAYS, max(0.0, (end_us - since_us) / _US_PER_DAY))
        active_days = np.flatnonzero(active[: i + 1])
        since_active = float(i - active_days[-1]) if len(active_days) else float(i + 1)
        members_now = int(np.searchsorted(self.member_starts_us, end_us, side="left")) - int(
            np.searchsorted(self.member_lefts_us, end_us, side="left")
        )
        row = np.zeros(len(FEATURES))
        values = {
            "log_member_messages_7d": math.log1p(mm7),
            "log_member_messages_prev_7d": math.log1p(prev7),
            "message_trend": math.log((mm7 + 1) / (prev7 + 1)),
            "log_member_messages_28d": math.log1p(float(window(mm, 28).sum())),
            "message_days_7d": float((window(mm, 7) > 0).sum()),
            "wad": float(window(active, 7).sum()),
            "wad_prev": float(window(active, 7, i - 7).sum()) if i >= 7 else 0.0,
            "active_days_28d": float(window(active, 28).sum()),
            "log_speaker_days_7d": math.log1p(float(window(self.speakers, 7).sum())),
            "log_max_speakers_7d": math.log1p(float(window(self.speakers, 7).max())),
            "log_joins_7d": math.log1p(float(window(self.joins, 7).sum())),
            "log_joins_28d": math.log1p(float(window(self.joins, 28).sum())),
            "log_new_member_speakers_7d": math.log1p(float(window(self.new_member_speakers, 7).sum())),
            "log_leaves_7d": math.log1p(float(window(self.leaves, 7).sum())),
            "responsiveness_14d": self._responsiveness(i),
            "log_questions_14d": math.log1p(float(window(self.questions, 14, i - 1).sum())) if i else 0.0,
            "silence_days": silence_days,
            "log_silence_hours": math.log1p(silence_days * 24),
            "days_since_active_day": min(_CAP_DAYS, since_active),
            "log_age_days": math.log1p(float(i)),
            "log_members": math.log1p(max(0, members_now)),
            "temporary": float(self.temporary),
            "weekend_ahead": float(as_of.weekday() in (4, 5)),
        }
        for name, value in values.items():
            row[_COLUMN[name]] = value
        row[_COLUMN[f"type_{self.group_type if self.group_type in _GROUP_TYPES else 'other'}"]] = 1.0
        return row

    def _responsiveness(self, i: int) -> float:
        # The 14 days before the as-of date, not including it: a question late on the as-of date can be
        # answered after midnight, so that day's answered count is not final at its end. The +1/+2 prior
        # reads "no questions" as an even chance rather than as perfect or absent responsiveness.
        if i == 0:
            return 0.5
        lo = max(0, i - 14)
        asked = float(self.questions[lo:i].sum())
        answered = float(self.questions_answered[lo:i].sum())
        return (answered + 1) / (asked + 2)

    def _padded(self, length: int) -> GroupHistory:
        extra = length - len(self.member_messages)

        def pad(values: Any) -> Any:
            return np.concatenate([values, np.zeros(extra, dtype=values.dtype)])

        return GroupHistory(
            self.group_id,
            self.zone,
            self.group_type,
            self.temporary,
            self.planned_end,
            self.first_day,
            pad(self.member_messages),
            pad(self.speakers),
            pad(self.joins),
            pad(self.leaves),
            pad(self.new_member_speakers),
            pad(self.questions),
            pad(self.questions_answered),
            np.concatenate([self.last_message_us, np.full(extra, self.last_message_us[-1], dtype=np.int64)]),
            self.member_starts_us,
            self.member_lefts_us,
        )


def load_histories(
    connection: Connection,
    workspace_id: int,
    group_ids: Sequence[int] | None = None,
    upto: date | None = None,
) -> list[GroupHistory]:
    """Every group's rollups (up to `upto` when given) as `GroupHistory` arrays, one query per table."""
    group_query = (
        select(
            groups.c.id,
            groups.c.timezone,
            workspaces.c.timezone,
            groups.c.group_type,
            groups.c.duration_kind,
            groups.c.planned_end,
        )
        .join(workspaces, workspaces.c.id == groups.c.workspace_id)
        .where(groups.c.workspace_id == workspace_id)
    )
    if group_ids is not None:
        group_query = group_query.where(groups.c.id.in_(list(group_ids)))
    meta = {row[0]: row for row in connection.execute(group_query)}
    if not meta:
        return []
    day_query = (
        select(
            group_days.c.group_id,
            group_days.c.day,
            group_days.c.member_messages,
            group_days.c.speakers,
            group_days.c.joins,
            group_days.c.leaves + group_days.c.removals,
            group_days.c.new_member_speakers,
            group_days.c.questions,
            group_days.c.questions_answered,
            group_days.c.last_message_us,
        )
        .join(groups, groups.c.id == group_days.c.group_id)
        .where(groups.c.workspace_id == workspace_id)
        .order_by(group_days.c.group_id, group_days.c.day)
    )
    if group_ids is not None:
        day_query = day_query.where(group_days.c.group_id.in_(list(group_ids)))
    if upto is not None:
        day_query = day_query.where(group_days.c.day <= upto)
    by_group: dict[int, list[Any]] = {}
    for row in connection.execute(day_query):
        by_group.setdefault(row[0], []).append(row)
    people = _member_spans(connection, workspace_id, group_ids)
    histories = []
    for group_id, rows in by_group.items():
        _, own_zone, workspace_zone, group_type, duration_kind, planned_end = meta[group_id]
        first = rows[0][1]
        length = (rows[-1][1] - first).days + 1
        columns = np.zeros((7, length))
        last_us = np.zeros(length, dtype=np.int64)
        for row in rows:
            k = (row[1] - first).days
            columns[:, k] = row[2:9]
            if row[2] and row[9] is not None:
                last_us[k] = row[9]
        starts, lefts = people.get(group_id, ([], []))
        histories.append(
            GroupHistory(
                group_id=group_id,
                zone=_zone(own_zone or workspace_zone),
                group_type=str(group_type or "other"),
                temporary=duration_kind == DurationKind.TEMPORARY,
                planned_end=planned_end,
                first_day=first,
                member_messages=columns[0],
                speakers=columns[1],
                joins=columns[2],
                leaves=columns[3],
                new_member_speakers=columns[4],
                questions=columns[5],
                questions_answered=columns[6],
                last_message_us=np.maximum.accumulate(last_us),
                member_starts_us=np.sort(np.asarray(starts, dtype=np.int64)),
                member_lefts_us=np.sort(np.asarray(lefts, dtype=np.int64)),
            )
        )
    return histories


def _member_spans(
    connection: Connection, workspace_id: int, group_ids: Sequence[int] | None
) -> dict[int, tuple[list[int], list[int]]]:
    """Per group, the starts and ends of every member's stays (bots and the workspace's own accounts aside).

    Replayed from join, leave and removal events rather than read from `memberships`, which keeps only a
    member's latest stay: a member who leaves and rejoins after the as-of date would otherwise vanish
    from the past. A stay starts at a join, or at the member's first message when no join precedes it
    (exports often lack joins); a leave with neither before it ends nothing we knew of.
    """
    lifecycle = (
        select(events.c.group_id, events.c.member_id, events.c.kind, events.c.ts_us)
        .join(members, members.c.id == events.c.member_id)
        .join(groups, groups.c.id == events.c.group_id)
        .where(
            groups.c.workspace_id == workspace_id,
            events.c.kind.in_([str(EventKind.JOIN), str(EventKind.LEAVE), str(EventKind.REMOVAL)]),
            members.c.is_bot.is_(False),
            members.c.is_operator.is_(False),
        )
        .order_by(events.c.group_id, events.c.member_id, events.c.ts_us, events.c.id)
    )
    first_messages = (
        select(memberships.c.group_id, memberships.c.member_id, memberships.c.first_message_us)
        .join(members, members.c.id == memberships.c.member_id)
        .join(groups, groups.c.id == memberships.c.group_id)
        .where(
            groups.c.workspace_id == workspace_id,
            memberships.c.first_message_us.is_not(None),
            members.c.is_bot.is_(False),
            members.c.is_operator.is_(False),
        )
    )
    if group_ids is not None:
        lifecycle = lifecycle.where(events.c.group_id.in_(list(group_ids)))
        first_messages = first_messages.where(memberships.c.group_id.in_(list(group_ids)))
    first_message: dict[tuple[int, int], int] = {
        (group_id, member_id): int(ts) for group_id, member_id, ts in connection.execute(first_messages)
    }
    moves: dict[tuple[int, int], list[tuple[str, int]]] = {}
    for group_id, member_id, kind, ts_us in connection.execute(lifecycle):
        moves.setdefault((group_id, member_id), []).append((kind, int(ts_us)))
    spans: dict[int, tuple[list[int], list[int]]] = {}
    for person in first_message.keys() | moves.keys():
        starts, ends = spans.setdefault(person[0], ([], []))
        spoke = first_message.get(person)
        stay: int | None = None
        known = False  # whether any stay was seen; a member only ever seen speaking stays from then on
        for kind, ts_us in moves.get(person, ()):
            if kind == EventKind.JOIN:
                stay = ts_us if stay is None else stay
                known = True
                continue
            if stay is None and not known and spoke is not None and spoke <= ts_us:
                stay = spoke
            if stay is not None:
                starts.append(stay)
                ends.append(ts_us)
            stay, known = None, True
        if stay is not None:
            starts.append(stay)
        elif not known and spoke is not None:
            starts.append(spoke)
    return spans


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


# ------------------------------------------------------------------------------------------- models


def _make_estimator(kind: str, seed: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression(C=0.3, max_iter=2000))
    if kind == "boosting":
        return HistGradientBoostingClassifier(
            max_iter=200, learning_rate=0.05, max_leaf_nodes=15, l2_regularization=1.0, random_state=seed
        )
    raise ValueError(f"unknown forecaster kind {kind!r}: use 'logistic' or 'boosting'")


@lru_cache(maxsize=4)
def _load_cached(path: Path, mtime_ns: int) -> ForecastModel:
    del mtime_ns  # part of the cache key only: a retrained file is read again
    return ForecastModel.load(path)


@lru_cache(maxsize=1)
def _default_model() -> ForecastModel:
    return _model_from_coefficients(DEFAULT_COEFFICIENTS)


def _model_from_coefficients(coefficients: dict[str, Any]) -> ForecastModel:
    """A logistic model from its published numbers (means and scales of the features, weights)."""
    estimator = _FixedLogistic(
        np.asarray([coefficients["mean"][name] for name in FEATURES]),
        np.asarray([coefficients["scale"][name] for name in FEATURES]),
        np.asarray([coefficients["weight"][name] for name in FEATURES]),
        float(coefficients["intercept"]),
    )
    return ForecastModel(estimator, FEATURES, dict(coefficients.get("trained_on", {})))


def coefficients_of(model: ForecastModel) -> dict[str, Any]:
    """The numbers of a fitted logistic model, in the form `DEFAULT_COEFFICIENTS` takes."""
    scaler, logistic = model.estimator[0], model.estimator[-1]
    scale = np.where(scaler.scale_ == 0, 1.0, scaler.scale_)
    return {
        "trained_on": dict(model.trained_on),
        "intercept": round(float(logistic.intercept_[0]), 6),
        "mean": {name: round(float(v), 6) for name, v in zip(FEATURES, scaler.mean_, strict=True)},
        "scale": {name: round(float(v), 6) for name, v in zip(FEATURES, scale, strict=True)},
        "weight": {name: round(float(v), 6) for name, v in zip(FEATURES, logistic.coef_[0], strict=True)},
    }


@dataclass(frozen=True)
class _FixedLogistic:
    """A logistic regression given by its numbers: sigmoid(((x - mean) / scale) . weight + intercept)."""

    mean: Vector
    scale: Vector
    weight: Vector
    intercept: float

    def predict_proba(self, features: Matrix) -> Matrix:
        z = ((features - self.mean) / self.scale) @ self.weight + self.intercept
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        return np.column_stack([1 - p, p])


def _auc(labels: Labels, scores: Vector) -> float | None:
    from sklearn.metrics import roc_auc_score

    if len(set(labels.tolist())) < 2:
        return None
    return float(roc_auc_score(labels, scores))


def _brier(labels: Labels, scores: Vector) -> float:
    return float(np.mean((scores - labels) ** 2))


def _empty_examples() -> tuple[Matrix, Labels, list[ExampleKey]]:
    return np.zeros((0, len(FEATURES))), np.zeros(0, dtype=np.int8), []


# Generated by `python -m bench.forecast.default_model` (do not edit by hand).
DEFAULT_COEFFICIENTS: dict[str, Any] = {
    "trained_on": {
        "kind": "logistic",
        "examples": 19578,
        "positives": 250,
        "group_types": "weights fixed at zero",
        "source": "simulator: seed=101 groups=100 days=200 scale=1.0, seed=102 groups=100 days=200 scale=0.4",
    },
    "intercept": -11.734014,
    "mean": {
        "log_member_messages_7d": 5.516629,
        "log_member_messages_prev_7d": 5.221623,
        "message_trend": 0.295006,
        "log_member_messages_28d": 6.792789,
        "message_days_7d": 6.324548,
        "wad": 5.835223,
        "wad_prev": 5.535652,
        "active_days_28d": 21.455205,
        "log_speaker_days_7d": 3.737378,
        "log_max_speakers_7d": 2.382836,
        "log_joins_7d": 1.753959,
        "log_joins_28d": 3.089036,
        "log_new_member_speakers_7d": 1.505705,
        "log_leaves_7d": 0.359957,
        "responsiveness_14d": 0.87516,
        "log_questions_14d": 4.030077,
        "silence_days": 0.342492,
        "log_silence_hours": 1.502117,
        "days_since_active_day": 0.395495,
        "log_age_days": 3.92007,
        "log_members": 4.23509,
        "temporary": 0.0,
        "weekend_ahead": 0.284299,
        "type_interest": 0.0,
        "type_resource": 0.0,
        "type_consultant": 0.0,
        "type_industry": 0.0,
        "type_fan": 0.0,
        "type_partner": 0.0,
        "type_boss": 0.0,
        "type_learning": 0.0,
        "type_regional": 0.0,
        "type_event": 0.0,
        "type_customer_service": 0.0,
        "type_first_purchase": 0.0,
        "type_other": 0.0,
    },
    "scale": {
        "log_member_messages_7d": 1.179062,
        "log_member_messages_prev_7d": 1.672925,
        "message_trend": 1.289604,
        "log_member_messages_28d": 1.133792,
        "message_days_7d": 1.357187,
        "wad": 1.949385,
        "wad_prev": 2.294553,
        "active_days_28d": 8.233352,
        "log_speaker_days_7d": 0.728666,
        "log_max_speakers_7d": 0.491142,
        "log_joins_7d": 0.945882,
        "log_joins_28d": 0.846771,
        "log_new_member_speakers_7d": 1.078879,
        "log_leaves_7d": 0.605306,
        "responsiveness_14d": 0.110174,
        "log_questions_14d": 1.143029,
        "silence_days": 0.949358,
        "log_silence_hours": 1.004004,
        "days_since_active_day": 1.333436,
        "log_age_days": 1.000177,
        "log_members": 0.72297,
        "temporary": 1.0,
        "weekend_ahead": 0.45108,
        "type_interest": 1.0,
        "type_resource": 1.0,
        "type_consultant": 1.0,
        "type_industry": 1.0,
        "type_fan": 1.0,
        "type_partner": 1.0,
        "type_boss": 1.0,
        "type_learning": 1.0,
        "type_regional": 1.0,
        "type_event": 1.0,
        "type_customer_service": 1.0,
        "type_first_purchase": 1.0,
        "type_other": 1.0,
    },
    "weight": {
        "log_member_messages_7d": -1.225369,
        "log_member_messages_prev_7d": -0.370392,
        "message_trend": -0.639846,
        "log_member_messages_28d": 1.759593,
        "message_days_7d": 0.561194,
        "wad": -0.451382,
        "wad_prev": 1.014898,
        "active_days_28d": 1.344537,
        "log_speaker_days_7d": -0.017478,
        "log_max_speakers_7d": 0.217848,
        "log_joins_7d": -2.406908,
        "log_joins_28d": 0.033033,
        "log_new_member_speakers_7d": -0.26406,
        "log_leaves_7d": 0.61452,
        "responsiveness_14d": -0.240491,
        "log_questions_14d": -0.526544,
        "silence_days": 0.703851,
        "log_silence_hours": 1.27387,
        "days_since_active_day": -0.070338,
        "log_age_days": 0.132118,
        "log_members": 0.393295,
        "temporary": 0.0,
        "weekend_ahead": 0.060059,
        "type_interest": 0.0,
        "type_resource": 0.0,
        "type_consultant": 0.0,
        "type_industry": 0.0,
        "type_fan": 0.0,
        "type_partner": 0.0,
        "type_boss": 0.0,
        "type_learning": 0.0,
        "type_regional": 0.0,
        "type_event": 0.0,
        "type_customer_service": 0.0,
        "type_first_purchase": 0.0,
        "type_other": 0.0,
    },
}

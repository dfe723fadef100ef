"""Honest quality figures for the spam classifier: deduplicated, stratified k-fold cross-validation.

Each fold trains a fresh `SpamClassifier` (vectorizers, SVM and calibration fitted on the training
part only) and predicts the held-out part; the metrics are computed over all held-out predictions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.model_selection import StratifiedKFold

from qunops.moderation.classifier import ClassifierParams, SpamClassifier
from qunops.moderation.datasets import Dataset
from qunops.moderation.message import Message
from qunops.moderation.verdict import Moderator


@dataclass(frozen=True, slots=True)
class Scores:
    examples: int
    spam: int
    ham: int
    folds: int
    precision: float
    recall: float
    f1: float
    false_positive_rate: float  # share of ham flagged as spam
    accuracy: float
    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def scores_from(y_true: np.ndarray, y_pred: np.ndarray, folds: int) -> Scores:
    tp = int(((y_pred == 1) & (y_true == 1)).sum())
    fp = int(((y_pred == 1) & (y_true == 0)).sum())
    fn = int(((y_pred == 0) & (y_true == 1)).sum())
    tn = int(((y_pred == 0) & (y_true == 0)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(
        examples=len(y_true),
        spam=tp + fn,
        ham=tn + fp,
        folds=folds,
        precision=precision,
        recall=recall,
        f1=f1,
        false_positive_rate=fp / (fp + tn) if fp + tn else 0.0,
        accuracy=(tp + tn) / len(y_true) if len(y_true) else 0.0,
        true_positives=tp,
        false_positives=fp,
        false_negatives=fn,
        true_negatives=tn,
    )


def cross_validate(
    data: Dataset, folds: int = 5, seed: int = 0, params: ClassifierParams | None = None
) -> Scores:
    """Stratified k-fold CV of the classifier on an already deduplicated dataset."""
    return cross_validate_with_rules(data, folds, seed, params, with_rules=False)[0]


def cross_validate_with_rules(
    data: Dataset,
    folds: int = 5,
    seed: int = 0,
    params: ClassifierParams | None = None,
    with_rules: bool = True,
) -> tuple[Scores, Scores | None]:
    """CV of the classifier alone and (with_rules) of the full verdict: default rules + that fold's
    classifier, each held-out text judged as a lone message (no history, no member standing)."""
    texts = data.texts
    y = np.asarray(data.labels)
    if len(set(y.tolist())) < 2:
        raise ValueError("cross-validation needs both spam and ham examples")
    smallest = int(np.bincount(y).min())
    if smallest < folds:
        raise ValueError(
            f"{folds} folds need at least {folds} examples of each class (smallest has {smallest})"
        )
    predicted = np.zeros(len(y), dtype=int)
    flagged = np.zeros(len(y), dtype=int)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(np.zeros(len(y)), y):
        model = SpamClassifier(params).train([texts[i] for i in train_idx], y[train_idx].tolist())
        probs = model.predict_many([texts[i] for i in test_idx])
        predicted[test_idx] = (probs >= model.threshold).astype(int)
        if with_rules:
            moderator = Moderator(model)
            for i in test_idx:
                flagged[i] = int(moderator.moderate(Message.of(texts[i])).flagged)
    return scores_from(y, predicted, folds), (scores_from(y, flagged, folds) if with_rules else None)

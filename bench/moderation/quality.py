"""Classifier quality on the shared labelled datasets, as a markdown table.

Deduplicated (exact after normalisation) and stratified 5-fold cross-validated; every fold fits its
own vectorizers, model and calibration on the training part only (no test leakage).

    .venv/bin/python bench/moderation/quality.py [--folds 5] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.moderation._data import datasets
from qunops.moderation.datasets import deduplicate
from qunops.moderation.evaluation import Scores, cross_validate_with_rules


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args()
    print(f"Spam classifier, deduplicated stratified {args.folds}-fold CV, seeds {args.seeds}\n")
    print("| dataset | judged by | examples (spam/ham) | dups dropped | precision | recall | spam F1 | FPR |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, examples in datasets().items():
        data = deduplicate(examples)
        started = time.perf_counter()
        runs = [cross_validate_with_rules(data, folds=args.folds, seed=s) for s in args.seeds]
        elapsed = time.perf_counter() - started
        dropped = data.duplicates_dropped + data.conflicts_dropped
        for label, scores in (
            ("classifier", [r[0] for r in runs]),
            ("rules + classifier", [r[1] for r in runs if r[1] is not None]),
        ):
            print(f"| {name} | {label} | {len(data)} ({data.spam}/{data.ham}) | {dropped} | {_row(scores)} |")
        print(f"<!-- {name}: {elapsed:.0f} s -->")


def _row(runs: list[Scores]) -> str:
    p = statistics.fmean(r.precision for r in runs)
    recall = statistics.fmean(r.recall for r in runs)
    f1s = [r.f1 for r in runs]
    fpr = statistics.fmean(r.false_positive_rate for r in runs)
    f1 = f"{statistics.fmean(f1s):.4f}"
    if len(runs) > 1:
        f1 += f" ({min(f1s):.4f}–{max(f1s):.4f})"
    return f"{p:.4f} | {recall:.4f} | {f1} | {fpr:.4f}"


if __name__ == "__main__":
    main()

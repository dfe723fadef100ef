"""`qunops spam`: train and evaluate the spam classifier on labelled CSV/TSV files (label,text)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from qunops.moderation.datasets import Dataset

# scikit-learn takes about two seconds to import: the commands import it when they run, so that every
# other `qunops` command starts fast.

spam_app = typer.Typer(help="Train and evaluate the spam classifier.", no_args_is_help=True)
_out = Console()
_err = Console(stderr=True)

DEFAULT_MODEL = Path("spam-model.joblib")


def _load(files: list[Path]) -> Dataset:
    from qunops.moderation.datasets import DatasetError, deduplicate, load_many

    try:
        data = deduplicate(load_many(files))
    except DatasetError as exc:
        _err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if data.spam == 0 or data.ham == 0:
        _err.print(
            f"{files[0]}: need both spam and ham examples (found {data.spam} spam, {data.ham} ham)",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    return data


@spam_app.command()
def train(
    files: list[Path] = typer.Argument(..., help="Labelled CSV/TSV files with label and text columns."),
    model: Path = typer.Option(DEFAULT_MODEL, "--model", "-m", help="Where to write the trained model."),
) -> None:
    """Train the classifier on FILES (deduplicated) and save it."""
    data = _load(files)
    from qunops.moderation.classifier import SpamClassifier

    classifier = SpamClassifier().train(data.texts, data.labels)
    try:
        classifier.save(model)
    except OSError as exc:
        _err.print(f"{model}: cannot write model ({exc.strerror})", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    _out.print(
        f"Trained on {len(data)} examples ({data.spam} spam, {data.ham} ham; "
        f"{data.duplicates_dropped} duplicates dropped) → {model}",
        markup=False,
    )


@spam_app.command("eval")
def evaluate(
    files: list[Path] = typer.Argument(..., help="Labelled CSV/TSV files with label and text columns."),
    folds: int = typer.Option(5, "--folds", min=2, help="Number of cross-validation folds."),
    seed: int = typer.Option(0, "--seed", help="Shuffle seed for the folds."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Deduplicated stratified k-fold cross-validation: precision, recall, F1, false-positive rate."""
    data = _load(files)
    try:
        from qunops.moderation.evaluation import cross_validate

        scores = cross_validate(data, folds=folds, seed=seed)
    except ValueError as exc:
        _err.print(f"{files[0]}: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if as_json:
        payload = {
            **scores.as_dict(),
            "duplicates_dropped": data.duplicates_dropped,
            "conflicts_dropped": data.conflicts_dropped,
            "seed": seed,
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    table = Table(title=f"Spam classifier, stratified {folds}-fold CV ({len(data)} deduplicated examples)")
    for col in ("precision", "recall", "F1", "false-positive rate", "spam", "ham"):
        table.add_column(col, justify="right")
    table.add_row(
        f"{scores.precision:.4f}",
        f"{scores.recall:.4f}",
        f"{scores.f1:.4f}",
        f"{scores.false_positive_rate:.4f}",
        str(scores.spam),
        str(scores.ham),
    )
    _out.print(table)
    _out.print(
        f"{data.duplicates_dropped} duplicates and {data.conflicts_dropped} conflicting texts "
        "dropped before CV.",
        markup=False,
    )

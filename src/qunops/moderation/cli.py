"""`qunops spam`: train and evaluate the spam classifier on labelled files.

The files may be CSV/TSV with a header naming the label and text columns, headerless label/text rows in
either order, or `text==label` lines (see `datasets.read_labelled`). Empty rows are skipped and counted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from qunops.cli_support import console

if TYPE_CHECKING:
    from qunops.moderation.datasets import Dataset

# scikit-learn takes about two seconds to import: the commands import it when they run, so that every
# other `qunops` command starts fast.

spam_app = typer.Typer(help="Train and evaluate the spam classifier.", no_args_is_help=True)
_out = console()
_err = console(stderr=True)

DEFAULT_MODEL = Path("spam-model.joblib")


def _skipped_note(path: Path, lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:5]) + (", …" if len(lines) > 5 else "")
    rows = "row" if len(lines) == 1 else "rows"
    return f"{path}: skipped {len(lines)} empty {rows} (line{'s' if len(lines) > 1 else ''} {shown})"


def _load(files: list[Path]) -> tuple[Dataset, int]:
    """The deduplicated examples of FILES and how many empty rows were skipped (each file's told)."""
    from qunops.moderation.datasets import DatasetError, deduplicate, load_files

    try:
        loaded = load_files(files)
    except DatasetError as exc:
        _err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    skipped = 0
    for path, found in loaded:
        if found.skipped:
            skipped += len(found.skipped)
            _err.print(_skipped_note(path, found.skipped), markup=False, highlight=False, soft_wrap=True)
    data = deduplicate(e for _, found in loaded for e in found.examples)
    if data.spam == 0 or data.ham == 0:
        _err.print(
            f"{files[0]}: need both spam and ham examples (found {data.spam} spam, {data.ham} ham)",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    return data, skipped


_FILES_HELP = (
    "Labelled files: CSV/TSV with a header naming label and text columns (label/class/category/v1, "
    "text/sms/message/content/v2), headerless label,text or text,label rows, or text==label lines."
)


@spam_app.command()
def train(
    files: list[Path] = typer.Argument(..., help=_FILES_HELP),
    model: Path = typer.Option(DEFAULT_MODEL, "--model", "-m", help="Where to write the trained model."),
) -> None:
    """Train the classifier on FILES (deduplicated) and save it."""
    data, skipped = _load(files)
    from qunops.moderation.classifier import SpamClassifier

    classifier = SpamClassifier().train(data.texts, data.labels)
    try:
        classifier.save(model)
    except OSError as exc:
        _err.print(f"{model}: cannot write model ({exc.strerror})", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    _out.print(
        f"Trained on {len(data)} examples ({data.spam} spam, {data.ham} ham; "
        f"{data.duplicates_dropped} duplicates dropped{_skipped_total(skipped)}) → {model}",
        markup=False,
        soft_wrap=True,
    )


@spam_app.command("eval")
def evaluate(
    files: list[Path] = typer.Argument(..., help=_FILES_HELP),
    folds: int = typer.Option(5, "--folds", min=2, help="Number of cross-validation folds."),
    seed: int = typer.Option(0, "--seed", min=0, max=2**32 - 1, help="Shuffle seed for the folds."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Deduplicated stratified k-fold cross-validation: precision, recall, F1, false-positive rate."""
    data, skipped = _load(files)
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
            "empty_rows_skipped": skipped,
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
        f"dropped before CV{_skipped_total(skipped)}.",
        markup=False,
    )


def _skipped_total(skipped: int) -> str:
    return f"; skipped {skipped} empty row{'' if skipped == 1 else 's'}" if skipped else ""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from qunops.moderation.classifier import SpamClassifier
from qunops.moderation.cli import spam_app

app = typer.Typer()
app.add_typer(spam_app, name="spam")
runner = CliRunner()

SPAM = ["win a free prize now {}", "加V领取福利 {}", "claim your cash now text WIN {}", "日赚500 私聊 {}"]
HAM = ["see you at lunch {}", "明天开会吗 {}", "thanks for the slides {}", "好的收到 {}", "who is coming {}"]


def dataset(tmp_path: Path) -> Path:
    rows = ["label,text"]
    for i in range(6):
        rows += [f"spam,{t.format(i)}" for t in SPAM] + [f"ham,{t.format(i)}" for t in HAM]
    path = tmp_path / "data.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_train_writes_a_model(tmp_path: Path) -> None:
    model = tmp_path / "m.joblib"
    result = runner.invoke(app, ["spam", "train", str(dataset(tmp_path)), "--model", str(model)])
    assert result.exit_code == 0, result.output
    assert SpamClassifier.load(model).predict("win a free prize now 9")


def test_eval_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["spam", "eval", str(dataset(tmp_path)), "--json", "--folds", "3"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert {"precision", "recall", "f1", "false_positive_rate"} <= scores.keys()
    assert scores["folds"] == 3 and scores["examples"] == 54


def test_eval_table(tmp_path: Path) -> None:
    result = runner.invoke(app, ["spam", "eval", str(dataset(tmp_path)), "--folds", "3"])
    assert result.exit_code == 0, result.output
    assert "precision" in result.output and "false-positive rate" in result.output


def test_bad_file_gives_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("label,text\nspam,ok\nperhaps,hmm\n", encoding="utf-8")
    result = runner.invoke(app, ["spam", "eval", str(bad)])
    assert result.exit_code == 2
    assert result.output.strip() == f"{bad}:3: label 'perhaps' is not spam/ham/1/0"
    assert "Traceback" not in result.output


def test_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["spam", "train", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2 and "no such file" in result.output

"""The labelled-file layouts operators have, blank rows, and the errors for what is not understood."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from qunops.moderation.cli import spam_app
from qunops.moderation.datasets import DatasetError, load_labelled, read_labelled

app = typer.Typer()
app.add_typer(spam_app, name="spam")
runner = CliRunner()


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def pairs(path: Path) -> list[tuple[str, bool]]:
    return [(e.text, e.is_spam) for e in load_labelled(path)]


EXPECTED = [("Win cash now", True), ("see you at 7", False)]


@pytest.mark.parametrize(
    "content",
    [
        # The SMS Spam Collection as distributed: header "Label<TAB>SMS".
        "Label\tSMS\nspam\tWin cash now\nham\tsee you at 7\n",
        # Kaggle's spam.csv: v1,v2 and empty trailing columns.
        'v1,v2,,,\nspam,Win cash now,,,\nham,"see you at 7",,,\n',
        # Text column first, other names, other case, extra columns ignored.
        "Message;id;CATEGORY\nWin cash now;1;spam\nsee you at 7;2;ham\n",
        "content|class\nWin cash now|1\nsee you at 7|0\n",
        "id,text,label\n1,Win cash now,true\n2,see you at 7,false\n",
        # Headerless, label first and text first.
        "spam\tWin cash now\nham\tsee you at 7\n",
        "Win cash now,spam\nsee you at 7,ham\n",
        "1,Win cash now\n0,see you at 7\n",
        # text==label lines, CRLF.
        "Win cash now==1\r\nsee you at 7==0\r\n",
    ],
)
def test_layouts(tmp_path: Path, content: str) -> None:
    assert pairs(write(tmp_path, "d.txt", content)) == EXPECTED


def test_chinese_labels_and_text(tmp_path: Path) -> None:
    path = write(tmp_path, "zh.csv", "标签,内容\n垃圾,加微信日结\n正常,明天开会\n广告,扫码进群\n")
    assert pairs(path) == [("加微信日结", True), ("明天开会", False), ("扫码进群", True)]


def test_tab_files_keep_quotes_as_text(tmp_path: Path) -> None:
    # In the SMS Spam Collection quotes are part of the messages; an unbalanced one must not swallow rows.
    path = write(tmp_path, "sms", 'label\ttext\nham\t"Happy day" to you\nham\t"oops\nspam\tWIN\n')
    assert pairs(path) == [('"Happy day" to you', False), ('"oops', False), ("WIN", True)]


def test_csv_quoting_after_a_plain_header(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", 'label,text\nspam,"say ""MIX"", now, to 8"\nham,"two\nlines"\n')
    assert pairs(path) == [('say "MIX", now, to 8', True), ("two\nlines", False)]


def test_equals_layout_keeps_equals_inside_text(tmp_path: Path) -> None:
    assert pairs(write(tmp_path, "t.txt", "a==b is code==0\nbuy==1\n")) == [
        ("a==b is code", False),
        ("buy", True),
    ]


@pytest.mark.parametrize(
    ("content", "skipped"),
    [
        ("label,text\nspam,buy\n\nham,hi\nham,\n,\nspam,  \n", [3, 5, 6, 7]),
        ("label\ttext\nspam\tbuy\n\nham\t\nham\thi\n", [3, 4]),
        ("buy==1\n==0\n\nhi==0\n", [2, 3]),
        ("spam,buy\n\nham,hi\n", [2]),
    ],
)
def test_empty_rows_are_skipped_and_counted(tmp_path: Path, content: str, skipped: list[int]) -> None:
    found = read_labelled(write(tmp_path, "d.csv", content))
    assert [(e.text, e.is_spam) for e in found.examples] == [("buy", True), ("hi", False)]
    assert found.skipped == skipped


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("label,text\nspam,buy\nmaybe,hello\n", r"^d\.csv:3: label 'maybe' is not spam/ham/1/0$"),
        ("label,text\nspam,buy\n,hello\n", r"^d\.csv:3: label '' is not spam/ham/1/0$"),
        ("Label\tSMS\nspam\tbuy\nperhaps\thi\n", r"^d\.csv:3: label 'perhaps'"),
        ("spam,buy\nham,hi\nspam,cheap, now\n", r"^d\.csv:3: expected 2 columns, found 3 \(quote a text"),
        ("buy==1\nhi==0\nhello\n", r"^d\.csv:3: expected 'text==label' .*found no '=='"),
        ("buy==1\nhi==0\nhello==maybe\n", r"^d\.csv:3: expected 'text==label' .*found label 'maybe'"),
        ("\n\njust a message\nanother one\n", r"^d\.csv:3: header must name a label column .*found: just a"),
        ("label,body\nspam,x\n", r"^d\.csv:1: header must name .*\(found: label, body\)"),
        ("label,text\n\nspam,\n", r"^d\.csv:4: no examples \(2 empty rows skipped\)"),
        ("\n \n", r"^d\.csv:1: empty file"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    path = write(tmp_path, "d.csv", content)
    with pytest.raises(DatasetError) as caught:
        read_labelled(path)
    assert caught.value.args[0].startswith(f"{path}:")
    assert re.search(message, caught.value.args[0].removeprefix(f"{tmp_path}/"))


def _dataset(tmp_path: Path, blank_lines: int) -> Path:
    spam = ["win a free prize now {}", "加V领取福利 {}", "claim cash text WIN {}"]
    ham = ["see you at lunch {}", "明天开会吗 {}", "thanks for the slides {}"]
    rows = ["Label\tSMS"]
    for i in range(6):
        rows += [f"spam\t{t.format(i)}" for t in spam] + [f"ham\t{t.format(i)}" for t in ham]
    rows[5:5] = [""] * blank_lines
    return write(tmp_path, "SMSSpamCollection", "\n".join(rows) + "\n")


def test_eval_reports_skipped_rows(tmp_path: Path) -> None:
    path = _dataset(tmp_path, blank_lines=3)
    result = runner.invoke(app, ["spam", "eval", str(path), "--json", "--folds", "3"])
    assert result.exit_code == 0, result.output
    assert f"{path}: skipped 3 empty rows (lines 6, 7, 8)" in result.stderr
    assert json.loads(result.stdout)["empty_rows_skipped"] == 3
    assert json.loads(result.stdout)["examples"] == 36
    table = runner.invoke(app, ["spam", "eval", str(path), "--folds", "3"])
    assert "skipped 3 empty rows." in table.stdout


def test_train_accepts_the_sms_header_and_equals_layout(tmp_path: Path) -> None:
    extra = write(tmp_path, "qq.txt", "兼职日结加微信==1\n\n打游戏吗==0\n")
    model = tmp_path / "m.joblib"
    result = runner.invoke(app, ["spam", "train", str(_dataset(tmp_path, 0)), str(extra), "-m", str(model)])
    assert result.exit_code == 0, result.output
    assert "Trained on 38 examples" in result.stdout and "skipped 1 empty row)" in result.stdout
    assert model.is_file()


def test_cli_error_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "ad.csv", "label,text\nspam,buy\n\nunknown,hi\n")
    result = runner.invoke(app, ["spam", "eval", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == f"{path}:4: label 'unknown' is not spam/ham/1/0"


def test_shared_raw_files_load_directly(spam_data: Path) -> None:
    sms = read_labelled(spam_data / "sms-spam-collection" / "SMSSpamCollection")
    assert len(sms.examples) == 5574 and sum(e.is_spam for e in sms.examples) == 747 and not sms.skipped
    qq = read_labelled(spam_data / "addetector4j" / "train.txt")
    assert sum(e.is_spam for e in qq.examples) == 240 and len(qq.skipped) == 19
    assert len(qq.examples) + len(qq.skipped) == 1908

from __future__ import annotations

from pathlib import Path

import pytest

from qunops.moderation.datasets import (
    DatasetError,
    Example,
    deduplicate,
    load_addetector,
    load_labelled,
    load_sms_collection,
    load_tg_spam,
)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    p = tmp_path / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    "content",
    [
        "label,text\nspam,buy now\nham,hello there\n",
        "text\tlabel\nbuy now\tSPAM\nhello there\tHam\n",
        "id;label;text\n1;1;buy now\n2;0;hello there\n",
        'label,text\nspam,"buy now, cheap"\nham,"hello ""there"""\n',
    ],
)
def test_labelled_formats(tmp_path: Path, content: str) -> None:
    examples = load_labelled(write(tmp_path, "d.csv", content))
    assert [e.is_spam for e in examples] == [True, False]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", r"d\.csv:1: empty file"),
        ("label,body\nspam,x\n", r"d\.csv:1: header must name"),
        ("label,text\nspam,buy\nmaybe,hello\n", r"d\.csv:3: label 'maybe'"),
        ("label,text\nspam,buy\nham\n", r"d\.csv:3: expected 2 columns"),
        ("label,text\nspam,   \n", r"d\.csv:3: no examples \(1 empty row skipped\)"),
        ("label,text\nspam,buy, cheap\n", r"d\.csv:2: expected 2 columns, found 3"),
        ("label,text\n", r"d\.csv:2: no examples"),
        (b"label,text\nspam,\xff\xfe\n", r"d\.csv:2: not UTF-8"),
    ],
)
def test_labelled_errors(tmp_path: Path, content: str | bytes, message: str) -> None:
    with pytest.raises(DatasetError, match=message):
        load_labelled(write(tmp_path, "d.csv", content))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such file"):
        load_labelled(tmp_path / "nope.csv")


def test_raw_formats(tmp_path: Path) -> None:
    sms = write(tmp_path, "SMS", "Label\tSMS\nham\thi\nspam\tWIN now\n")
    assert [e.is_spam for e in load_sms_collection(sms)] == [False, True]
    ad = write(tmp_path, "train.txt", "hello==0\nbuy a==b cheat==1\n==0\n")
    assert [(e.text, e.is_spam) for e in load_addetector(ad)] == [("hello", False), ("buy a==b cheat", True)]
    with pytest.raises(DatasetError, match=r"bad\.txt:1"):
        load_addetector(write(tmp_path, "bad.txt", "no label here\n"))
    folder = tmp_path / "tg"
    folder.mkdir()
    write(folder, "spam-samples.txt", "spam one\n\nspam two\n")
    write(folder, "spam.txt", "spam three\n")
    write(folder, "ham-samples.txt", "ham one\n")
    assert [e.is_spam for e in load_tg_spam(folder)] == [True, True, True, False]


def test_deduplicate_after_normalisation() -> None:
    data = deduplicate(
        [
            Example("Buy NOW", True),
            Example("buy   now", True),
            Example("ＢＵＹ ＮＯＷ", True),
            Example("這是測試", False),
            Example("这是测试", True),  # conflicts with the traditional form above: dropped
            Example("hello", False),
        ]
    )
    assert data.texts == ["Buy NOW", "hello"]
    assert data.duplicates_dropped == 3 and data.conflicts_dropped == 1


def test_shared_datasets_load(spam_data: Path) -> None:
    sms = load_sms_collection(spam_data / "sms-spam-collection" / "SMSSpamCollection")
    assert len(sms) == 5574 and sum(e.is_spam for e in sms) == 747
    tg = load_tg_spam(spam_data / "tg-spam")
    # SOURCES.md counts newlines; the files lack a final one: 182 + 66 spam lines, 438 ham.
    assert sum(e.is_spam for e in tg) == 182 + 66 and len(tg) == 248 + 438
    ad = load_addetector(spam_data / "addetector4j" / "train.txt")
    assert sum(e.is_spam for e in ad) == 240

"""The classifier's evidence reads as phrases of the message, not as n-grams."""

from __future__ import annotations

import re

import pytest

from qunops.moderation.classifier import SpamClassifier, readable_signs
from qunops.moderation.message import Message
from qunops.moderation.verdict import Moderator

SPAM = [
    "兼职日结，加微信详聊 {}",
    "加微信领取兼职资料，日结工资 {}",
    "日结兼职，有意加微信 {}",
    "WIN a FREE prize now, text CLAIM to 8008{}",
    "Free entry: text CLAIM to 8712{} and win cash!!!",
    "网赚项目日赚500{}，加微信了解",
]
HAM = [
    "明天几点开会？{}",
    "这个版本的插件怎么装 {}",
    "see you at the station at {} pm",
    "thanks for the slides, {} pages is fine",
    "哈哈哈 笑死我了 {}",
    "有人一起打游戏吗 {}",
]


@pytest.fixture(scope="module")
def model() -> SpamClassifier:
    texts = [t.format(i) for i in range(8) for t in SPAM + HAM]
    labels = [int(t in SPAM) for i in range(8) for t in SPAM + HAM]
    return SpamClassifier().train(texts, labels)


def quoted(features: list[tuple[str, float]]) -> list[str]:
    assert all(name.startswith('"') and name.endswith('"') for name, _ in features), features
    return [name[1:-1] for name, _ in features]


MESSAGES = [
    "兼职日结！！加微信 wx12345678 详聊～",
    "FREE entry!!! Text CLAIM to 87121 now £££ 100%",
    "日结兼职 0000 ...",
]


@pytest.mark.parametrize("text", MESSAGES)
def test_signs_are_phrases_of_the_message(model: SpamClassifier, text: str) -> None:
    exp = model.explain(text)
    assert exp.probability >= model.threshold
    signs = quoted(exp.features)
    assert signs
    for sign in signs:
        assert sign in text  # quoted as written (case, digits)
        assert re.search(r"[^\W\d_]", sign), f"{sign!r} has no letter"  # never digits or punctuation alone
        assert sign == sign.strip(" !！～.,£%")  # no punctuation at the ends
    assert all(weight > 0 for _, weight in exp.features)
    assert [w for _, w in exp.features] == sorted((w for _, w in exp.features), reverse=True)


def test_names_the_phrases_that_matter(model: SpamClassifier) -> None:
    signs = quoted(model.explain("兼职日结！！加微信 wx12345678 详聊～").features)
    # Overlapping character n-grams ("加微", "微信", "加微信") are named once, as the longer phrase.
    assert any("加微信" in s for s in signs)
    assert not any(s in {"加", "微", "信", "微信", "加微"} for s in signs)
    assert any("日结" in s or "兼职" in s for s in signs)
    english = quoted(model.explain("FREE entry!!! Text CLAIM to 87121 now").features)
    assert any("CLAIM" in s or "Text" in s or "FREE" in s for s in english)
    assert not any(re.fullmatch(r"[\d\W]+", s) for s in english)


def test_reason_sentence_quotes_the_signs(model: SpamClassifier) -> None:
    verdict = Moderator(model).moderate(Message.of("兼职日结！！加微信 wx12345678 详聊～"))
    reason = next(r for r in verdict.reasons if "classifier" in r)
    assert re.search(r'\(strongest: "[^"]+"(, "[^"]+")*\)$', reason), reason
    assert "chars '" not in reason and "words '" not in reason
    assert [name for name, _ in verdict.classifier_features] == [
        name for name, _ in model.explain("兼职日结！！加微信 wx12345678 详聊～").features
    ]


def test_ham_side_is_explained_the_same_way(model: SpamClassifier) -> None:
    exp = model.explain("明天几点开会？")
    assert exp.probability < model.threshold
    assert exp.features and all(weight < 0 for _, weight in exp.features)
    assert all(s in "明天几点开会？" for s in quoted(exp.features))


def test_only_digits_and_punctuation_name_nothing() -> None:
    grams = [("chars", "000", 0.5), ("words", "!", 0.4), ("words", "0 .", 0.3), ("chars", "0.", 0.2)]
    assert readable_signs("call 123456789 now!!! 1.5", grams, 5) == []


def test_overlapping_grams_merge_and_written_form_is_quoted() -> None:
    grams = [("chars", "加微", 0.3), ("chars", "微信", 0.2), ("chars", "信", 0.1), ("chars", "日结", 0.15)]
    signs = readable_signs("兼职日结,加微信", grams, 5, original="兼职日結，加微信")
    assert signs[0][0] == '"加微信"' and signs[0][1] == pytest.approx(0.6)
    assert signs[1][0] == '"日結"'  # the traditional form the member wrote
    words = [
        ("words", "free", 0.3),
        ("words", "free entry", 0.2),
        ("chars", "ntr", 0.1),
        ("words", "to", 0.01),
    ]
    assert readable_signs("free entry to 00", words, 5, "FREE  Entry to 00")[0][0] == '"FREE Entry"'


def test_the_raw_ngrams_stay_available(model: SpamClassifier) -> None:
    exp = model.explain("兼职日结！！加微信 wx12345678 详聊～", k=3)
    assert len(exp.ngrams) == 3 and all(name.startswith(("chars '", "words '")) for name, _ in exp.ngrams)


def test_moderation_names_signs_for_flagged_messages_only(model: SpamClassifier) -> None:
    """Finding readable signs costs about as much as scoring: a message that is not flagged has its
    probability but no signs; a flagged one has the same signs `explain` gives."""
    quiet = Moderator(model).moderate(Message.of("明天几点开会？"))
    assert not quiet.flagged and quiet.spam_probability is not None and quiet.classifier_features == ()
    ad = Moderator(model).moderate(Message.of("兼职日结！！加微信 wx12345678 详聊～"))
    assert ad.flagged and ad.classifier_features

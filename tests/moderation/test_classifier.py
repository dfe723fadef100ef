from __future__ import annotations

from pathlib import Path

import pytest

from qunops.moderation.classifier import ModelFormatError, SpamClassifier
from qunops.moderation.message import Message
from qunops.moderation.verdict import Moderator

SPAM = [
    "WIN a free iPhone now, text WIN to 80082",
    "Free entry! claim your cash prize, call 09061234567",
    "Congratulations you have won £1000, claim now",
    "URGENT: your prize is waiting, text CLAIM to 87121",
    "加V领取免费福利，日赚500",
    "兼职刷单日结，私聊我",
    "Earn $5000 weekly with this investment platform https://x.top",
    "Заработок в интернете от 300$ в неделю, пишите в лс",
    "cheap followers, dm me now",
    "免费领取会员，扫码进群",
]
HAM = [
    "are we still meeting for lunch tomorrow?",
    "I'll call you when I get home",
    "thanks, see you at the station at 7",
    "明天几点开会？",
    "这个问题我也遇到过，重启一下就好了",
    "哈哈哈笑死我了",
    "кто идёт сегодня на футбол?",
    "спасибо, всё работает",
    "can someone share the slides from today?",
    "好的，收到",
]


@pytest.fixture(scope="module")
def model() -> SpamClassifier:
    return SpamClassifier().train(SPAM + HAM, [1] * len(SPAM) + [0] * len(HAM))


def test_separates_training_classes(model: SpamClassifier) -> None:
    assert model.predict("Free entry! claim your prize now, text WIN")
    assert not model.predict("see you at lunch tomorrow")


@pytest.mark.parametrize("text", [*SPAM, *HAM, "", "   ", "完全没见过的文字", "x" * 5000, "𝐰𝐞𝐜𝐡𝐚𝐭 ＶＸ"])
def test_fast_path_equals_pipeline(model: SpamClassifier, text: str) -> None:
    assert model.decision(text) == pytest.approx(model.pipeline_decision(text), abs=1e-9)


def test_predict_proba_matches_batch(model: SpamClassifier) -> None:
    texts = [*SPAM[:3], *HAM[:3]]
    batch = model.predict_many(texts)
    for text, p in zip(texts, batch, strict=True):
        assert model.predict_proba(text) == pytest.approx(float(p), abs=1e-9)


def test_explain_lists_strongest_features(model: SpamClassifier) -> None:
    exp = model.explain("Free entry! claim your prize now", k=3)
    assert len(exp.features) == 3
    assert all(weight > 0 for _, weight in exp.features)
    assert exp.features == sorted(exp.features, key=lambda fw: -fw[1])


def test_save_and_load(tmp_path: Path, model: SpamClassifier) -> None:
    path = tmp_path / "m.joblib"
    model.save(path)
    loaded = SpamClassifier.load(path)
    for text in SPAM + HAM:
        assert loaded.predict_proba(text) == pytest.approx(model.predict_proba(text))


def test_load_rejects_foreign_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.joblib"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelFormatError, match=r"bad\.joblib"):
        SpamClassifier.load(bad)


def test_overturning_a_verdict_changes_the_next_one() -> None:
    model = SpamClassifier().train(SPAM + HAM, [1] * len(SPAM) + [0] * len(HAM))
    moderator = Moderator(model)
    text = "Free entry! claim your cash prize now"
    assert moderator.moderate(Message.of(text)).flagged
    model.learn(text, is_spam=False)  # a moderator overturns the verdict
    verdict = moderator.moderate(Message.of("FREE ENTRY!  claim your cash prize now"))
    assert not verdict.flagged
    assert verdict.moderator_override is False
    assert model.texts[-1] == text and model.labels[-1] == 0  # and the model learned from it

    ham = "明天几点开会？"
    assert not moderator.moderate(Message.of(ham)).flagged
    model.learn(ham, is_spam=True, retrain=False)
    assert moderator.moderate(Message.of("明天幾點開會？")).flagged  # traditional form of the same text


def test_training_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="both"):
        SpamClassifier().train(["a", "b"], [1, 1])

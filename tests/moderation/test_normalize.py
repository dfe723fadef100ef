from __future__ import annotations

import pytest

from qunops.moderation.normalize import fold, normalize


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("加 V ✨ 信", "加v信"),
        ("薇❤信", "薇信"),
        ("w.e.c.h.a.t", "wechat"),
        ("ＷＥＣＨＡＴ", "wechat"),  # full width
        ("𝐰𝐞𝐜𝐡𝐚𝐭", "wechat"),  # mathematical bold
        ("w\u200be\u200bc\u200bh\u200ba\u200bt", "wechat"),  # zero-width spaces
        ("wеchаt", "wechat"),  # Cyrillic е and а in a Latin word
        ("c0ntact w3chat", "contact wechat"),  # digits for letters
        ("加薇信 發財", "加薇信发财"),  # traditional → simplified
        ("Здpaвcтвyйтe", "здравствуйте"),  # Latin look-alikes in a Russian word
        ("пишитe в лc", "пишите в лс"),
        ("я в личку", "я в личку"),  # genuine one-letter words keep their spaces
        ("+v 123", "加v 123"),
        ("➕微", "加微"),
        ("I am a boy", "i am a boy"),
    ],
)
def test_normalised_text(raw: str, text: str) -> None:
    assert normalize(raw).text == text


def test_numbers_keep_their_digits() -> None:
    n = normalize("QQ 3643859054, 电话 138-1234-5678, 价格 15r")
    assert "3643859054" in n.folded
    assert "138-1234-5678" in n.plain


def test_single_script_words_untouched() -> None:
    assert fold("Hello мир, привет world") == "hello мир, привет world"


def test_compact_drops_every_separator() -> None:
    assert normalize("dm me!").compact == "dmme"

"""Text normalisation for matching.

Spammers evade filters with full-width letters, traditional characters, look-alike letters from other
scripts, digits in place of letters, and symbols or emoji inserted between characters ("加 V ✨ 信",
"w.e.c.h.a.t", "Здpaвcтвyйтe" with Latin p/a/c/y/e). Every detector and the classifier see the same
normalised forms, so one obfuscation trick defeats none of them.

`normalize(text)` returns five forms:

- ``raw``: the text as sent (links and phone numbers are read from it, where punctuation matters);
- ``plain``: NFKC, invisible characters removed, lower case: links, ids and phone numbers are read here,
  where every digit is still a digit;
- ``folded``: NFKC, traditional → simplified, look-alike letters resolved per word, invisible and
  combining characters removed, lower case, whitespace collapsed; punctuation, symbols and emoji kept
  (they carry signal for the classifier: "£", "!!!", emoji padding);
- ``text``: ``folded`` reduced to word characters separated by single spaces, where separators between
  CJK characters and between runs of single characters are dropped ("加 v ✨ 信" → "加v信",
  "w.e.c.h.a.t" → "wechat"), so multi-character words keep their boundaries ("dm me" stays);
- ``compact``: every separator removed ("加v信", "dmme"); CJK keywords are matched here.

The look-alike rule is decided per word, by majority script: in a mostly Cyrillic word, Latin letters
that look Cyrillic become Cyrillic ("тeх" → "тех"); in a mostly Latin word, Cyrillic and Greek look-alikes
become Latin ("wеchаt" → "wechat"). A word in one script only is never changed, so Russian and English
text survive intact. Digits are read as letters only inside a word, between letters ("w3chat",
"c0ntact", "зa3ap"), so phone numbers, QQ numbers and prices keep their digits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import opencc

__all__ = [
    "CYRILLIC_TO_LATIN",
    "LATIN_TO_CYRILLIC",
    "NormalizedText",
    "fold",
    "normalize",
]

# Look-alike tables (lower case, applied after NFKC and lowercasing). Kept explicit so a reviewer can see
# exactly which letters are read as which.
CYRILLIC_TO_LATIN: dict[str, str] = {
    "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "ё": "e", "һ": "h", "н": "h", "і": "i", "ї": "i",
    "ј": "j", "к": "k", "м": "m", "п": "n", "о": "o", "р": "p", "ԛ": "q", "г": "r", "ѕ": "s", "т": "t",
    "и": "u", "ц": "u", "ѵ": "v", "ԝ": "w", "х": "x", "у": "y", "ү": "y", "з": "3",
}  # fmt: skip
GREEK_TO_LATIN: dict[str, str] = {
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ω": "w", "γ": "y", "μ": "u", "ϲ": "c", "ϳ": "j",
}  # fmt: skip
LATIN_TO_CYRILLIC: dict[str, str] = {
    "a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "k": "к", "m": "м", "n": "п", "o": "о", "p": "р",
    "r": "г", "t": "т", "u": "и", "x": "х", "y": "у",
}  # fmt: skip
# Digits standing for letters inside a word. 1 is read as "l" (c1ick, 1ink); in Cyrillic words 3 is "з",
# 0 is "о", 6 is "б" and 4 is "ч" (зa3ap → заз.. is still better matched than left mixed).
DIGIT_TO_LATIN: dict[str, str] = {"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t"}
DIGIT_TO_CYRILLIC: dict[str, str] = {"0": "о", "3": "з", "4": "ч", "6": "б"}

_CYR_TO_LAT = str.maketrans({**CYRILLIC_TO_LATIN, **GREEK_TO_LATIN})
_LAT_TO_CYR = str.maketrans(LATIN_TO_CYRILLIC)
_DIG_TO_LAT = str.maketrans(DIGIT_TO_LATIN)
_DIG_TO_CYR = str.maketrans(DIGIT_TO_CYRILLIC)

# Invisible characters and combining marks left after NFKC (which composes the legitimate ones such as
# "é" and "й"): zero-width spaces/joiners, bidi marks, variation selectors, keycap and zalgo marks.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff"
    "\U000e0000-\U000e007f]"
)
_SPACES = re.compile(r"\s+")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_HAS_CJK = re.compile(f"[{_CJK}]")
_HAS_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# A word that mixes Latin with Cyrillic or Greek letters, or carries a digit between letters. Only such
# words go through the (slower) per-word look-alike resolution.
# Anchored at word starts and scanning lazily, so the search stays linear in the text length.
_SUSPECT_WORD = re.compile(
    r"\b\w*?(?:[a-z][\u0370-\u04ff]|[\u0370-\u04ff][a-z]|[^\W\d_][0-9]{1,2}(?=[^\W\d_]))\w*"
)
_HAS_DIGIT = re.compile(r"[0-9]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_INNER_DIGITS = re.compile(r"(?<=[^\W\d_])[0-9]{1,2}(?=[^\W\d_])")
# "+v", "➕微", "+ q": a plus before a contact keyword means 加 (add me on ...).
_PLUS_ADD = re.compile(r"[+➕]\s*(?=(?:v|wx|vx|q|微|薇|威|卫|扣|企鹅))", re.IGNORECASE)
_LONE_LATIN = re.compile(r"(?<![\w.,])[aceopkxy](?![\w.,])")
_WORDS = re.compile(r"[^\W_]+")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


# Letters that look alike in lower case, which is what the text is in when scripts are resolved. The
# other letters of each script (Cyrillic б, д, и, т, н, в…; Latin d, f, g, h, l, w…) are evidence of the
# word's script.
_STRONG_CYR = frozenset("асеёорхуіјѕһԁԛԝүк")
_STRONG_LAT = frozenset("aceopxyijsdqwk")
_CYR_ONLY = frozenset(chr(c) for c in range(0x430, 0x460)) - _STRONG_CYR
_LAT_ONLY = frozenset("abcdefghijklmnopqrstuvwxyz") - _STRONG_LAT


_DROP_CYR_ONLY = str.maketrans(dict.fromkeys(_CYR_ONLY))
_DROP_LAT_ONLY = str.maketrans(dict.fromkeys(_LAT_ONLY))


def _count_dropped(s: str, table: dict[int, None]) -> int:
    # Counting by deletion runs in C; a per-character Python loop was the slowest step of normalisation.
    return len(s) - len(s.translate(table))


def _word_is_cyrillic(word: str, text_is_cyrillic: bool) -> bool:
    # Letters without a look-alike decide ("haбиpaю" has б, и, ю); a word made only of look-alikes
    # ("кyрca") follows the script of the message as a whole.
    cyr_only = _count_dropped(word, _DROP_CYR_ONLY)
    lat_only = _count_dropped(word, _DROP_LAT_ONLY)
    if cyr_only != lat_only:
        return cyr_only > lat_only
    return text_is_cyrillic


_CYRILLIC_RUN = re.compile(r"[\u0400-\u04ff]+")
_LATIN_RUN = re.compile(r"[a-z]+")


def _mostly_cyrillic(s: str) -> bool:
    # Compares runs (roughly words), not letters: as good a vote and several times cheaper.
    return len(_CYRILLIC_RUN.findall(s)) > len(_LATIN_RUN.findall(s))


def _resolver(text_is_cyrillic: bool) -> Callable[[re.Match[str]], str]:
    def resolve(match: re.Match[str]) -> str:
        word = match.group(0)
        if _CYRILLIC.search(word) and _word_is_cyrillic(word, text_is_cyrillic):
            word = word.translate(_LAT_TO_CYR)
            return (
                _INNER_DIGITS.sub(lambda m: m.group(0).translate(_DIG_TO_CYR), word)
                if _HAS_DIGIT.search(word)
                else word
            )
        word = word.translate(_CYR_TO_LAT)
        return (
            _INNER_DIGITS.sub(lambda m: m.group(0).translate(_DIG_TO_LAT), word)
            if _HAS_DIGIT.search(word)
            else word
        )

    return resolve


def _plain(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    if _HAS_NON_ASCII.search(s):
        s = _INVISIBLE.sub("", s)
    return s.lower()


def fold(text: str) -> str:
    """The ``folded`` form (see module doc): what the classifier is trained on."""
    return _fold_plain(_plain(text))


def _fold_plain(s: str) -> str:
    if _HAS_CJK.search(s):
        s = _t2s().convert(s)
    has_cyrillic = bool(_CYRILLIC.search(s))
    cyrillic_text = has_cyrillic and _mostly_cyrillic(s)
    s = _SUSPECT_WORD.sub(_resolver(cyrillic_text), s)
    if cyrillic_text:
        # One-letter Latin words in Russian text are look-alikes of the prepositions с, о, у, к, а.
        s = _LONE_LATIN.sub(lambda m: m.group(0).translate(_LAT_TO_CYR), s)
    return _SPACES.sub(" ", s).strip()


# Joining rules for the ``text`` form, as substitutions over the space-joined word tokens (a Python loop
# over tokens cost a hundred microseconds on long messages):
# a space between two CJK characters, between CJK and a one-character token, or inside a run of three or
# more one-character tokens ("w e c h a t") is obfuscation, not a word boundary. Runs of two are kept:
# Russian "я в личку" has genuine one-letter words.
_J_CJK = f"[{_CJK}]"
_JOIN_CJK = re.compile(
    " (?:"
    rf"(?<={_J_CJK} )(?={_J_CJK}|[^\W_](?: |$))"  # CJK | CJK, CJK | single
    rf"|(?<=^[^\W_] )(?={_J_CJK})|(?<=[ {_CJK}][^\W_] )(?={_J_CJK})"  # single | CJK
    ")"
)
_SINGLE_RUN = re.compile(r"(?<!\S)[^\W_](?: [^\W_](?!\S)){2,}")


def _collapse(folded: str) -> tuple[str, str]:
    s = _PLUS_ADD.sub("加", folded)
    tokens = _WORDS.findall(s)
    if not tokens:
        return "", ""
    joined = " ".join(tokens)
    joined = _SINGLE_RUN.sub(lambda m: m.group(0).replace(" ", ""), joined)
    if _HAS_CJK.search(joined):
        joined = _JOIN_CJK.sub("", joined)
    return joined, "".join(tokens)


@dataclass(frozen=True, slots=True)
class NormalizedText:
    raw: str
    plain: str
    folded: str
    text: str
    compact: str


def normalize(text: str) -> NormalizedText:
    """All normalised forms of one message (see module doc)."""
    plain = _plain(text)
    folded = _fold_plain(plain)
    collapsed, compact = _collapse(folded)
    return NormalizedText(raw=text, plain=plain, folded=folded, text=collapsed, compact=compact)

"""A learned spam classifier: TF-IDF character and word n-grams with a calibrated linear SVM.

Design (measured on the shared datasets with deduplicated stratified 5-fold CV; see
bench/moderation/quality.py):

- Input is `classifier_text`: the folded form of `normalize` (width, script, look-alikes resolved), every
  digit replaced by 0 (a phone number or price is evidence by its shape, not its value; this gained
  about 0.3 points of spam F1 on the SMS Spam Collection) and cut at `MAX_CHARS` (spam declares
  itself early; the cut bounds the cost of one prediction).
- Features: a FeatureUnion of two TfidfVectorizers with sublinear tf: char_wb 1–4-grams (robust to
  spelling games, and word segmentation free for Chinese) and word 1–2-grams.
- Model: LinearSVC (C=10) scored higher spam F1 than LogisticRegression (C 10–1000) and NB-SVM;
  Platt scaling fitted on inner cross-validated decision values turns its score into a probability.
- Single-message inference does not call the sklearn pipeline (≈1 ms of Python overhead per call):
  `_FastScorer` extracts n-grams with the fitted vectorizers' own analyzers and dots them with the
  coefficient vector, giving the same score (a test holds both paths equal).
- Moderator decisions: `learn(text, is_spam)` records an exact-text override (effective immediately:
  the same text, after normalisation, gets the moderator's verdict next time) and adds the example to
  the training data in place of any earlier example of the same text (a decision reversed later must
  not leave the model trained on both labels); the model is retrained unless `retrain=False` (call
  `retrain()` later, e.g. in a nightly job, to batch many decisions).

Model files are pickles (joblib): load only files you produced yourself.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any, cast

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from qunops.moderation.normalize import fold

FORMAT_VERSION = 1
MAX_CHARS = 300
_DIGIT = re.compile(r"\d")


class ModelFormatError(ValueError):
    """A model file that is not a qunops spam model of a version this code can read."""


def classifier_text(text: str) -> str:
    """What the vectorizers see (see module doc)."""
    return prepare_folded(fold(text))


def prepare_folded(folded: str) -> str:
    """`classifier_text` for text already in the folded form of `normalize`."""
    return _DIGIT.sub("0", folded[:MAX_CHARS])


def override_key(text: str) -> str:
    """Moderator overrides apply to the same text after normalisation (case, width, script, spacing)."""
    return fold(text)


@dataclass(frozen=True, slots=True)
class ClassifierParams:
    c: float = 10.0
    char_ngrams: tuple[int, int] = (1, 4)
    word_ngrams: tuple[int, int] = (1, 2)
    calibration_folds: int = 5


def build_pipeline(params: ClassifierParams) -> Pipeline:
    features = FeatureUnion(
        [
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=params.char_ngrams, sublinear_tf=True,
                                     lowercase=False, dtype=np.float64)),
            # Words, plus each punctuation mark or symbol as a token of its own ("£", "!", emoji).
            ("word", TfidfVectorizer(analyzer="word", ngram_range=params.word_ngrams, sublinear_tf=True,
                                     lowercase=False, token_pattern=r"(?u)\b\w+\b|[^\w\s]",
                                     dtype=np.float64)),
        ]
    )  # fmt: skip
    return Pipeline([("features", features), ("svm", LinearSVC(C=params.c))])


def _char_wb_grams(text: str, min_n: int, max_n: int) -> list[str]:
    """The n-grams of sklearn's ``char_wb`` analyzer, in the same multiset, with list comprehensions.

    sklearn pads each whitespace-separated word with one space on either side and takes its n-grams;
    a padded word no longer than n contributes itself once and stops the larger sizes.
    """
    grams: list[str] = []
    for word in text.split():
        w = f" {word} "
        size = len(w)
        for n in range(min_n, max_n + 1):
            if size > n:
                grams += [w[i : i + n] for i in range(size - n + 1)]
            else:
                grams.append(w)
                break
    return grams


class _FastScorer:
    """The fitted pipeline's decision function for one text, without sparse-matrix overhead.

    For each vectorizer: count the n-grams its analyzer produces, look them up in the fitted vocabulary
    (a C-level `map` over a dict), weight each known one by (1 + log count) × idf, L2-normalise over the
    known ones, dot with the SVM coefficients of that vectorizer's columns.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        features = cast(FeatureUnion, pipeline.named_steps["features"])
        svm = cast(LinearSVC, pipeline.named_steps["svm"])
        coef = np.asarray(svm.coef_, dtype=np.float64).ravel()
        self.intercept = float(np.asarray(svm.intercept_).ravel()[0])
        self.parts: list[_Part] = []
        offset = 0
        for name, vectorizer in features.transformer_list:
            vec = cast(TfidfVectorizer, vectorizer)
            size = len(vec.vocabulary_)
            analyzer = vec.build_analyzer()
            if vec.analyzer == "char_wb" and not vec.lowercase and vec.preprocessor is None:
                lo, hi = vec.ngram_range

                def analyzer(text: str, lo: int = lo, hi: int = hi) -> list[str]:
                    return _char_wb_grams(text, lo, hi)

            self.parts.append(
                _Part(
                    label="chars" if name == "char" else "words",
                    analyze=analyzer,
                    vocabulary=dict(vec.vocabulary_),
                    idf=np.asarray(vec.idf_, dtype=np.float64),
                    coef=coef[offset : offset + size].copy(),
                )
            )
            offset += size

    def score(self, text: str) -> float:
        return self.evaluate(text, None)

    def evaluate(self, text: str, contributions: list[tuple[str, str, float]] | None, k: int = 0) -> float:
        """The decision value; with a `contributions` list, the `k` strongest n-grams of each vectorizer
        towards each side are appended as (vectorizer label, n-gram, signed share of the score)."""
        total = self.intercept
        for part in self.parts:
            counts = Counter(part.analyze(text))
            if not counts:
                continue
            grams = list(counts)
            index = np.fromiter(map(part.vocabulary.get, grams, repeat(-1)), dtype=np.int64, count=len(grams))
            known = index >= 0
            if not known.any():
                continue
            idx = index[known]
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(grams))[known]
            values = (1.0 + np.log(tf)) * part.idf[idx]
            norm = math.sqrt(float(values @ values))
            shares = values * part.coef[idx] / norm
            total += float(shares.sum())
            if contributions is not None and k > 0:
                positions = np.flatnonzero(known)
                order = np.argsort(shares)
                chosen = set(order[:k].tolist()) | set(order[-k:].tolist())
                contributions.extend(
                    (part.label, grams[positions[i]], float(shares[i])) for i in sorted(chosen)
                )
        return total


@dataclass(frozen=True, slots=True)
class _Part:
    label: str
    analyze: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray


@dataclass(frozen=True, slots=True)
class Explanation:
    """The classifier's reading of one text."""

    probability: float
    score: float  # the SVM decision value; > 0 leans spam
    # The strongest signs, as fragments of the text in double quotes ('"加微信"'), with their signed share
    # of the score (positive = towards spam), strongest first: see `readable_signs`.
    features: list[tuple[str, float]]
    override: bool | None  # a moderator's decision on this exact text, when there is one
    # The n-grams behind them, as the model sees them ("chars '加微'", "words 'free'"), for debugging.
    ngrams: list[tuple[str, float]] = field(default_factory=list)
    # What the signs are built from, when they were not built yet (`SpamClassifier.signs`): the n-grams
    # pushing towards the verdict with their share, and which side the verdict is (1.0 spam, -1.0 not).
    toward: list[tuple[str, str, float]] = field(default_factory=list, repr=False)
    side: float = 1.0


# What makes an n-gram worth naming: a letter of some script (digits are all 0 here, and punctuation,
# symbols and emoji alone say nothing a moderator can read).
def _has_letter(gram: str) -> bool:
    return any(c.isalpha() for c in gram)


_TOKEN = re.compile(r"(?u)\b\w+\b|[^\w\s]")  # the word vectorizer's token_pattern
_NON_SPACE = re.compile(r"\S+")
_CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]")
MAX_SIGN_CJK = 6  # CJK characters of a quoted fragment with Chinese (or other CJK) characters
MAX_SIGN_CHARS = 24  # characters of any other quoted fragment
MAX_SIGN_WORDS = 3  # words of any other quoted fragment
MIN_SIGN_SHARE = 0.1  # of the strongest sign's share: weaker ones are not worth naming
_CANDIDATES = 20  # n-grams looked at per vectorizer and side


def _is_word_char(c: str) -> bool:
    return (c.isalnum() or c == "_") and not _CJK_CHAR.match(c)


def _fits(text: str) -> bool:
    cjk = len(_CJK_CHAR.findall(text))
    if cjk:
        return cjk <= MAX_SIGN_CJK and len(text) <= 2 * MAX_SIGN_CJK
    return len(text) <= MAX_SIGN_CHARS and text.count(" ") < MAX_SIGN_WORDS


def readable_signs(
    folded: str, grams: Sequence[tuple[str, str, float]], k: int, original: str | None = None
) -> list[tuple[str, float]]:
    """The `k` strongest signs in `folded` text, from n-gram contributions (label, n-gram, share) that
    all point the same way (share > 0: pass them with the sign of the side explained).

    N-grams without a letter (digits, punctuation, symbols) are left out. Each remaining one, strongest
    first, is located in the text; one that overlaps or touches a sign already found extends it (up to
    `MAX_SIGN_CJK` CJK characters, or `MAX_SIGN_WORDS` words and `MAX_SIGN_CHARS` characters) and adds
    its share, another starts a new sign. Signs then grow to whole words outside CJK text and lose
    punctuation at their ends. Each is quoted from `original` (the message as written) when folding kept
    positions, else from the folded text. Single characters are named only when no longer sign is found.
    """
    prepared = prepare_folded(folded)
    padded = f" {prepared} "  # char_wb pads each word with a space; folded text has single spaces
    words: dict[str, list[tuple[int, int]]] = {}
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(prepared)]
    for i, (a, b, tok) in enumerate(tokens):
        words.setdefault(tok, []).append((a, b))
        if i + 1 < len(tokens):
            words.setdefault(f"{tok} {tokens[i + 1][2]}", []).append((a, tokens[i + 1][1]))

    def spans(label: str, gram: str) -> list[tuple[int, int]]:
        if label == "words":
            return words.get(gram, [])
        found = []
        at = padded.find(gram)
        while at >= 0:
            a, b = max(at - 1, 0), min(at - 1 + len(gram), len(prepared))
            if b > a:
                found.append((a, b))
            at = padded.find(gram, at + 1)
        return found

    signs: list[list[float]] = []  # [start, end, share]
    for label, gram, share in sorted(grams, key=lambda g: -g[2]):
        if share <= 0 or not _has_letter(gram):
            continue
        places = spans(label, gram)
        if not places:
            continue
        for a, b in places:
            sign = next((s for s in signs if a <= s[1] and b >= s[0]), None)
            if sign is not None:
                lo, hi = min(a, int(sign[0])), max(b, int(sign[1]))
                if _fits(prepared[lo:hi]):
                    sign[0], sign[1] = lo, hi
                sign[2] += share
                break
        else:
            signs.append([places[0][0], places[0][1], share])

    merged: list[list[float]] = []
    for sign in sorted(signs):
        last = merged[-1] if merged else None
        if last is not None and sign[0] <= last[1] and _fits(prepared[int(last[0]) : int(sign[1])]):
            last[1], last[2] = max(last[1], sign[1]), last[2] + sign[2]
        else:
            merged.append(sign)
    where: list[int] | None = None
    quoted: dict[str, float] = {}
    for start, end, share in merged:
        a, b = int(start), int(end)
        while a > 0 and _is_word_char(prepared[a - 1]) and _is_word_char(prepared[a]):
            a -= 1
        while b < len(prepared) and _is_word_char(prepared[b]) and _is_word_char(prepared[b - 1]):
            b += 1
        while a < b and not prepared[a].isalnum():
            a += 1
        while b > a and not prepared[b - 1].isalnum():
            b -= 1
        fragment = folded[a:b]
        if not _has_letter(fragment) or (len(fragment) == 1 and not _CJK_CHAR.match(fragment)):
            continue
        if original is not None:
            if where is None:
                where = _positions(original, max(int(e) for _, e, _ in merged) + 1)
            if b <= len(where):
                written = " ".join(original[where[a] : where[b - 1] + 1].split())
                if _same_text(written, fragment):
                    fragment = written
        quoted[fragment] = quoted.get(fragment, 0.0) + share
    ranked = sorted(quoted.items(), key=lambda fs: -fs[1])
    ranked = [fs for fs in ranked if fs[1] >= MIN_SIGN_SHARE * ranked[0][1]] if ranked else []
    phrases = [fs for fs in ranked if len(fs[0]) > 1]
    return [(f'"{fragment}"', share) for fragment, share in (phrases or ranked)[:k]]


def _same_text(written: str, folded: str) -> bool:
    """Whether `written` folds to `folded` character by character: the same character in another width,
    case, script or form (traditional, look-alike, a digit read as a letter), spaces where spaces are."""
    if len(written) != len(folded):
        return False
    for w, f in zip(written, folded, strict=True):
        if w == f or (w.isspace() and f == " "):
            continue
        plain = unicodedata.normalize("NFKC", w).lower()
        if plain != f and not ((plain.isalnum() or plain.isalpha()) and f.isalpha()):
            return False
    return True


def _positions(original: str, upto: int) -> list[int]:
    """For the first `upto` characters of the folded text, the index of the character of `original`
    each came from, assuming folding went character by character (width, case, script, look-alikes,
    digits inside words) apart from dropping invisible characters and collapsing spaces. The caller
    checks each quoted fragment, as folding can also expand a character."""
    where: list[int] = []
    space = True  # leading spaces are stripped
    if original.isascii():
        for m in _NON_SPACE.finditer(original):
            if where:
                where.append(m.start() - 1)
            where.extend(range(m.start(), m.end()))
            if len(where) >= upto:
                break
        return where
    for i, c in enumerate(original):
        if len(where) >= upto:
            break
        if c.isspace():
            if not space:
                where.append(i)
                space = True
            continue
        if unicodedata.category(c) in ("Cf", "Mn", "Me"):
            continue
        where.append(i)
        space = False
    return where


class SpamClassifier:
    """Train, predict, explain, learn from moderators, save and load (see module doc)."""

    def __init__(self, params: ClassifierParams | None = None, threshold: float | None = None) -> None:
        self.params = params or ClassifierParams()
        # None: the SVM's own boundary (score 0), expressed as the calibrated probability there. Platt's
        # 0.5 point sat higher and cost 0.6 points of spam F1 on the SMS Spam Collection.
        self._threshold = threshold
        self.texts: list[str] = []
        self.labels: list[int] = []
        self.overrides: dict[str, bool] = {}
        # The override key of each training text, built when a decision first needs it (folding every
        # text again for each decision would cost a scan of the whole training data per decision).
        self._keys: list[str] | None = None
        self._pipeline: Pipeline | None = None
        self._platt: tuple[float, float] = (1.0, 0.0)
        self._fast: _FastScorer | None = None

    # -- training ----------------------------------------------------------------------------------

    def train(self, texts: Sequence[str], labels: Sequence[int | bool]) -> SpamClassifier:
        """Fit on texts with labels (1/True = spam). Replaces earlier training data, keeps overrides."""
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        y = [int(bool(v)) for v in labels]
        if len(set(y)) < 2:
            raise ValueError("training needs both spam and ham examples")
        self.texts = list(texts)
        self.labels = y
        self._keys = None
        self._fit(recalibrate=True)
        return self

    def retrain(self, recalibrate: bool = False) -> None:
        """Refit on the current training data (after `learn(..., retrain=False)`)."""
        self._fit(recalibrate=recalibrate or self._pipeline is None)

    def _fit(self, recalibrate: bool) -> None:
        x = [classifier_text(t) for t in self.texts]
        y = np.asarray(self.labels)
        if recalibrate:
            self._platt = self._calibrate(x, y)
        pipeline = build_pipeline(self.params)
        pipeline.fit(x, y)
        self._pipeline = pipeline
        self._fast = _FastScorer(pipeline)

    def _calibrate(self, x: list[str], y: np.ndarray) -> tuple[float, float]:
        # Platt scaling on out-of-fold decision values, so probabilities reflect unseen texts.
        folds = min(self.params.calibration_folds, int(np.bincount(y).min()))
        if folds < 2:
            return (1.0, 0.0)
        cv = StratifiedKFold(folds, shuffle=True, random_state=0)
        scores = cross_val_predict(build_pipeline(self.params), x, y, cv=cv, method="decision_function")
        platt = LogisticRegression(C=1e4).fit(np.asarray(scores).reshape(-1, 1), y)
        return (float(platt.coef_[0][0]), float(platt.intercept_[0]))

    def learn(self, text: str, is_spam: bool, retrain: bool = True) -> None:
        """Take a moderator's decision: exact-text override now, training example for the model. The
        decision replaces every earlier example of the same text (after normalisation): the latest word
        on a text is the one to learn, as with the override."""
        key = override_key(text)
        self.overrides[key] = bool(is_spam)
        keys = self._training_keys()
        if key in keys:
            kept = [i for i, k in enumerate(keys) if k != key]
            self.texts = [self.texts[i] for i in kept]
            self.labels = [self.labels[i] for i in kept]
            keys = self._keys = [keys[i] for i in kept]
        self.texts.append(text)
        self.labels.append(int(bool(is_spam)))
        keys.append(key)
        if retrain and len(set(self.labels)) == 2:
            self._fit(recalibrate=False)

    def _training_keys(self) -> list[str]:
        if self._keys is None or len(self._keys) != len(self.texts):
            self._keys = [override_key(t) for t in self.texts]
        return self._keys

    # -- inference ---------------------------------------------------------------------------------

    @property
    def threshold(self) -> float:
        """Spam when the probability reaches this."""
        return self._threshold if self._threshold is not None else self._probability(0.0)

    @property
    def trained(self) -> bool:
        return self._fast is not None

    def _scorer(self) -> _FastScorer:
        if self._fast is None:
            raise RuntimeError("the spam classifier is not trained; train it or load a model")
        return self._fast

    def decision(self, text: str) -> float:
        """The model's raw score (no overrides): > 0 leans spam."""
        return self._scorer().score(classifier_text(text))

    def _probability(self, score: float) -> float:
        a, b = self._platt
        z = a * score + b
        return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0

    def predict_proba(self, text: str) -> float:
        """Probability that `text` is spam; a moderator's override on the same text gives 1.0 or 0.0."""
        folded = fold(text)
        override = self.overrides.get(folded) if self.overrides else None
        if override is not None:
            return 1.0 if override else 0.0
        return self._probability(self._scorer().score(prepare_folded(folded)))

    def predict(self, text: str) -> bool:
        return self.predict_proba(text) >= self.threshold

    def predict_many(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities for many texts at once through the sklearn pipeline (evaluation, batch jobs)."""
        if self._pipeline is None:
            raise RuntimeError("the spam classifier is not trained; train it or load a model")
        scores = np.asarray(
            self._pipeline.decision_function([classifier_text(t) for t in texts]), dtype=float
        )
        a, b = self._platt
        probs = 1.0 / (1.0 + np.exp(-(a * scores + b)))
        if self.overrides:
            for i, t in enumerate(texts):
                override = self.overrides.get(override_key(t))
                if override is not None:
                    probs[i] = 1.0 if override else 0.0
        return probs

    def pipeline_decision(self, text: str) -> float:
        """The decision value computed by the sklearn pipeline itself (the source of truth)."""
        if self._pipeline is None:
            raise RuntimeError("the spam classifier is not trained; train it or load a model")
        return float(np.asarray(self._pipeline.decision_function([classifier_text(text)]))[0])

    def explain(self, text: str, k: int = 5) -> Explanation:
        """Probability, score and the `k` strongest signs towards the verdict: fragments of the text
        (`readable_signs`), and the n-grams that pushed hardest."""
        return self.explain_folded(fold(text), k, text)

    def explain_folded(
        self, folded: str, k: int = 5, original: str | None = None, signs: bool = True
    ) -> Explanation:
        """`explain` for text already folded (moderation normalises each message once); signs are quoted
        from `original`, the message as written, when given. With `signs` False they are left for
        `signs()` to build: finding them costs about as much as scoring, and most messages need none."""
        grams: list[tuple[str, str, float]] = []
        score = self._scorer().evaluate(prepare_folded(folded), grams, max(k, _CANDIDATES) if k > 0 else 0)
        override = self.overrides.get(folded) if self.overrides else None
        probability = (1.0 if override else 0.0) if override is not None else self._probability(score)
        side = 1.0 if probability >= self.threshold else -1.0
        toward = [(label, gram, side * share) for label, gram, share in grams if side * share > 0]
        found = readable_signs(folded, toward, k, original) if k > 0 and signs else []
        top = heapq.nlargest(k, toward, key=lambda g: g[2])
        ngrams = [(f"{label} {gram!r}", side * share) for label, gram, share in top]
        named = [(s, side * v) for s, v in found]
        return Explanation(probability, score, named, override, ngrams, toward, side)

    def signs(
        self, folded: str, explanation: Explanation, k: int, original: str | None
    ) -> list[tuple[str, float]]:
        """The readable signs of an explanation made without them (`explain_folded(..., signs=False)`)."""
        found = readable_signs(folded, explanation.toward, k, original) if k > 0 else []
        return [(s, explanation.side * v) for s, v in found]

    # -- persistence -------------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        if self._pipeline is None:
            raise RuntimeError("nothing to save: the spam classifier is not trained")
        state: dict[str, Any] = {
            "format": "qunops-spam-classifier",
            "version": FORMAT_VERSION,
            "params": self.params,
            "threshold": self._threshold,
            "pipeline": self._pipeline,
            "platt": self._platt,
            "texts": self.texts,
            "labels": self.labels,
            "overrides": self.overrides,
        }
        joblib.dump(state, Path(path), compress=3)

    @classmethod
    def load(cls, path: str | Path) -> SpamClassifier:
        try:
            state = joblib.load(Path(path))
        except FileNotFoundError:
            raise
        except Exception as exc:  # a truncated or foreign file: one clear error instead of a pickle trace
            raise ModelFormatError(f"{path}: not a readable spam model ({exc.__class__.__name__})") from exc
        if not isinstance(state, dict) or state.get("format") != "qunops-spam-classifier":
            raise ModelFormatError(f"{path}: not a qunops spam model")
        if state.get("version") != FORMAT_VERSION:
            raise ModelFormatError(
                f"{path}: model format {state.get('version')}, this version reads {FORMAT_VERSION}; "
                "retrain it"
            )
        model = cls(state["params"], state["threshold"])
        model.texts = list(state["texts"])
        model.labels = list(state["labels"])
        model.overrides = dict(state["overrides"])
        model._pipeline = state["pipeline"]
        model._platt = (float(state["platt"][0]), float(state["platt"][1]))
        model._fast = _FastScorer(state["pipeline"])
        return model

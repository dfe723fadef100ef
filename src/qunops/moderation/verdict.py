"""One verdict per message: every rule plus the classifier, combined into a score with its reasons.

Scoring (documented so moderators can predict it): each finding weighs by severity
(LOW 0.15, MEDIUM 0.35, HIGH 0.7, CRITICAL 0.95) and the classifier's spam probability p weighs
0.9 × p. The score is 1 − Π(1 − weight) over all of them: independent pieces of evidence add up, and
none alone can exceed its own weight. A message is flagged when the score reaches `flag_at` (0.6 by
default), when any finding is HIGH or worse, or when the classifier's probability reaches its own
threshold (its decision boundary). So a link alone (0.15) is not flagged; a link with a
contact solicitation (1 − 0.85 × 0.65 = 0.45) is not either; add a classifier that says spam with p = 0.8
and it is (0.80).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from qunops.core.texts import Text, recognised
from qunops.moderation.classifier import Explanation, SpamClassifier
from qunops.moderation.detectors import Detector, default_detectors
from qunops.moderation.findings import Finding, PolicyCategory, Severity
from qunops.moderation.message import Message, ModerationContext

SEVERITY_WEIGHT: dict[Severity, float] = {
    Severity.LOW: 0.15,
    Severity.MEDIUM: 0.35,
    Severity.HIGH: 0.7,
    Severity.CRITICAL: 0.95,
}
CLASSIFIER_WEIGHT = 0.9


@dataclass(frozen=True, slots=True)
class Verdict:
    flagged: bool
    score: float  # 0–1
    categories: tuple[PolicyCategory, ...]  # most severe first
    findings: tuple[Finding, ...]
    spam_probability: float | None  # None without a classifier
    classifier_features: tuple[tuple[str, float], ...] = ()
    moderator_override: bool | None = None  # a moderator already decided on this exact text
    reasons: tuple[str, ...] = field(default=())

    @property
    def severity(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    def explain(self) -> str:
        """The verdict in plain words, one reason per line."""
        head = "Flagged" if self.flagged else "Not flagged"
        cats = f" ({', '.join(c.value for c in self.categories)})" if self.categories else ""
        return "\n".join([f"{head}, score {self.score:.2f}{cats}.", *(f"- {r}" for r in self.reasons)])


class Moderator:
    """Rules and classifier, configured once per workspace; `moderate` is the per-message call."""

    def __init__(
        self,
        classifier: SpamClassifier | None = None,
        detectors: Sequence[Detector] | None = None,
        flag_at: float = 0.6,
        explain_features: int = 5,
        overrides: Mapping[str, bool] | None = None,
    ) -> None:
        self.classifier = classifier if classifier is not None and classifier.trained else None
        # Moderators' decisions on exact texts (keys: `classifier.override_key`). A trained classifier
        # carries its own; these serve when there is none yet (a fresh install runs on rules alone).
        self.overrides = dict(overrides or {})
        self.detectors = list(detectors) if detectors is not None else default_detectors()
        self.flag_at = flag_at
        self.explain_features = explain_features

    def moderate(self, message: Message, context: ModerationContext | None = None) -> Verdict:
        ctx = context if context is not None else ModerationContext()
        # The message counts in its own flooding/duplicate window.
        ctx.activity.record(message)
        findings: list[Finding] = []
        for detector in self.detectors:
            findings.extend(detector.detect(message, ctx))

        remaining = 1.0
        for f in findings:
            remaining *= 1.0 - SEVERITY_WEIGHT[f.severity]
        probability: float | None = None
        features: tuple[tuple[str, float], ...] = ()
        override: bool | None = None
        classifier_says_spam = False
        reasons = [f.explanation for f in findings]
        categories: dict[PolicyCategory, Severity] = {}
        for f in findings:
            categories[f.category] = max(categories.get(f.category, f.severity), f.severity)
        explanation: Explanation | None = None
        if self.classifier is not None and message.text.strip():
            # The readable signs are built below, for flagged messages only (they cost as much as scoring).
            explanation = self.classifier.explain_folded(
                message.norm.folded, k=self.explain_features, original=message.text, signs=False
            )
            probability = explanation.probability
            override = explanation.override
            remaining *= 1.0 - CLASSIFIER_WEIGHT * probability
            if override is not None:
                reasons.append(_override_reason(override))
            elif probability >= self.classifier.threshold:
                classifier_says_spam = True
                categories.setdefault(PolicyCategory.SPAM_ADS, Severity.MEDIUM)
        elif self.overrides and message.text.strip():
            override = self.overrides.get(message.norm.folded)
            if override is not None:
                reasons.append(_override_reason(override))
        score = 1.0 - remaining
        flagged = (
            score >= self.flag_at
            or classifier_says_spam
            or any(f.severity >= Severity.HIGH for f in findings)
        )
        if override is False:
            # A moderator cleared this exact text: rules alone no longer flag it unless illegal.
            flagged = any(f.severity >= Severity.CRITICAL for f in findings)
        elif override is True:
            flagged = True
            categories.setdefault(PolicyCategory.SPAM_ADS, Severity.MEDIUM)
        if explanation is not None and self.classifier is not None and flagged:
            features = tuple(
                self.classifier.signs(message.norm.folded, explanation, self.explain_features, message.text)
            )
        if classifier_says_spam:
            reasons.append(_classifier_reason(probability or 0.0, features))
        ordered = tuple(sorted(categories, key=lambda c: -categories[c]))
        return Verdict(
            flagged=flagged,
            score=round(score, 4),
            categories=ordered,
            findings=tuple(findings),
            spam_probability=probability,
            classifier_features=features,
            moderator_override=override,
            reasons=tuple(reasons),
        )


def _override_reason(spam: bool) -> Text:
    if spam:
        return Text("a moderator already judged this exact text as spam")
    return Text("a moderator already judged this exact text as not spam")


def _classifier_reason(probability: float, features: Sequence[Sequence[Any]]) -> Text:
    top = ", ".join(str(name) for name, weight in features if weight > 0)  # n-grams: data, kept as they are
    if top:
        return Text(
            "the spam classifier gives {share:.0%} (strongest: {features})", share=probability, features=top
        )
    return Text("the spam classifier gives {share:.0%}", share=probability)


def stored_reasons(
    reasons: Sequence[str],
    probability: float | None,
    features: Sequence[Sequence[Any]],
    explained: Sequence[Text] = (),
) -> list[str]:
    """A stored verdict's reasons read back as the `Text` they were: those the verdict gave itself, and
    the rules' own (`explained`: their findings' explanations, as stored with the findings)."""
    candidates = [*explained, _override_reason(True), _override_reason(False)]
    if probability is not None:
        candidates.append(_classifier_reason(probability, features))
    return [recognised(r, candidates) for r in reasons]


@lru_cache(maxsize=1)
def _shared_detectors() -> tuple[Detector, ...]:
    # The default detectors hold no per-message state (that lives in the context), so one set serves all.
    return tuple(default_detectors())


def moderate(
    message: Message,
    context: ModerationContext | None = None,
    classifier: SpamClassifier | None = None,
) -> Verdict:
    """One-off verdict with the default rules (build a `Moderator` once for repeated calls)."""
    return Moderator(classifier, _shared_detectors()).moderate(message, context)

"""The health score of a group: 0–100, a weighted sum of six components, each explained.

Each component maps its measure to 0–1 by a curve that always rises as the measure improves (so the score
rises whenever any component improves, never falls):
- WAD: wad ÷ 7;
- messages per active day m: m ÷ (m + 30) (half the points at 30 messages);
- speaker ratio r: r ÷ (r + 0.15) × 1.15 (1 at r = 1, half the points near 0.14);
- new-member speakers per active day n: n ÷ (n + 1);
- responsiveness: the share of questions answered within 1 hour (left out when nobody asked anything,
  its weight spread over the others);
- silence h hours: 12 ÷ (12 + h) (half the points at the 12-hour silence alert; 0 with no member message).
Weights (points) are settings: 30, 15, 15, 10, 15, 15.
"""

from __future__ import annotations

from dataclasses import dataclass

from qunops.core.texts import Text
from qunops.core.thresholds import DEFAULT_THRESHOLDS, Thresholds


@dataclass(frozen=True, slots=True)
class HealthInputs:
    wad: int
    messages_per_active_day: float
    speaker_ratio: float
    new_member_speakers_per_active_day: float
    answered_share: float | None  # None: no question in the window
    silence_hours: float | None  # None: no member message ever


@dataclass(frozen=True, slots=True)
class HealthComponent:
    name: str
    value: float | None
    score: float  # 0–1
    weight: float  # points it is worth (after spreading the weight of missing components)
    points: float  # score × weight
    explanation: str


@dataclass(frozen=True, slots=True)
class HealthScore:
    score: float  # 0–100
    components: tuple[HealthComponent, ...]

    def explanation(self) -> list[str]:
        return [
            Text(
                "{name}: {points:.1f}/{weight:.0f} — {explanation}",
                name=c.name,
                points=c.points,
                weight=c.weight,
                explanation=c.explanation,
            )
            for c in self.components
        ]


def _saturating(value: float, half: float) -> float:
    value = max(0.0, value)
    return value / (value + half) if half > 0 else 1.0


def health_score(inputs: HealthInputs, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> HealthScore:
    t = thresholds
    week = t.week_days
    ratio = min(1.0, max(0.0, inputs.speaker_ratio))
    ratio_score = min(
        1.0, _saturating(ratio, t.health_half_speaker_ratio) * (1 + t.health_half_speaker_ratio)
    )
    parts: list[tuple[str, float | None, float | None, float, str]] = [
        (
            Text("weekly active days"),
            inputs.wad,
            min(1.0, inputs.wad / week),
            t.health_weight_wad,
            Text("{wad} of {days} days active", wad=inputs.wad, days=week),
        ),
        (
            Text("messages per active day"),
            inputs.messages_per_active_day,
            _saturating(inputs.messages_per_active_day, t.health_half_messages),
            t.health_weight_messages,
            Text(
                "{messages:.1f} member messages per active day (half the points at {half:.0f})",
                messages=inputs.messages_per_active_day,
                half=t.health_half_messages,
            ),
        ),
        (
            Text("speaker ratio"),
            ratio,
            ratio_score,
            t.health_weight_speakers,
            Text("{ratio:.0%} of members spoke in {days} days", ratio=ratio, days=t.speaker_window_days),
        ),
        (
            Text("new-member speakers"),
            inputs.new_member_speakers_per_active_day,
            _saturating(inputs.new_member_speakers_per_active_day, t.health_half_newcomers),
            t.health_weight_newcomers,
            Text(
                "{speakers:.1f} new members speaking per active day",
                speakers=inputs.new_member_speakers_per_active_day,
            ),
        ),
        (
            Text("responsiveness"),
            inputs.answered_share,
            None if inputs.answered_share is None else min(1.0, max(0.0, inputs.answered_share)),
            t.health_weight_responsiveness,
            Text("no question asked: weight spread over the other components")
            if inputs.answered_share is None
            else Text(
                "{share:.0%} of questions answered within {minutes} minutes",
                share=inputs.answered_share,
                minutes=t.answer_window_s // 60,
            ),
        ),
        (
            Text("silence"),
            inputs.silence_hours,
            0.0
            if inputs.silence_hours is None
            else t.health_half_silence_hours / (t.health_half_silence_hours + max(0.0, inputs.silence_hours)),
            t.health_weight_silence,
            Text("no member message yet")
            if inputs.silence_hours is None
            else Text("last member message {hours:.1f} h before", hours=inputs.silence_hours),
        ),
    ]
    present = sum(weight for _, _, score, weight, _ in parts if score is not None)
    total = sum(weight for _, _, _, weight, _ in parts)
    scale = total / present if present else 0.0
    components: list[HealthComponent] = []
    for name, value, score, weight, text in parts:
        if score is None:
            components.append(HealthComponent(name, None, 0.0, 0.0, 0.0, text))
            continue
        spread = weight * scale
        components.append(HealthComponent(name, value, score, spread, score * spread, text))
    points = sum(c.points for c in components)
    return HealthScore(
        score=min(100.0, max(0.0, points * 100 / total)) if total else 0.0, components=tuple(components)
    )

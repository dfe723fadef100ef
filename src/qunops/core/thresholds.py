"""Every threshold of product.md's definitions, with its default. The settings object can override them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Thresholds:
    active_day_messages: int = 3  # an active day has at least this many member messages...
    active_day_speakers: int = 2  # ...from at least this many distinct members
    new_member_days: int = 7  # a member is new for this many days after joining
    answer_window_s: int = 3600  # a question counts as answered within this time
    answer_follow_s: int = 600  # any message by another member this soon after a question answers it
    red_packet_claim_window_s: int = 86_400  # claims are linked to packets sent at most this long before
    silence_alert_hours: int = 12
    dead_days: int = 14
    dormant_days: int = 3
    launching_days: int = 7
    thriving_wad: int = 4
    steady_wad: int = 2
    cooling_drop: float = 0.40
    lurker_days: int = 30
    core_active_days: int = 7  # of the last 30
    regular_active_days: int = 2  # of the last 14
    answerer_answers: int = 5  # in 30 days
    opinion_leader_share: float = 0.05
    leave_wave_share: float = 0.05  # of members leaving within 24 hours


DEFAULT_THRESHOLDS = Thresholds()

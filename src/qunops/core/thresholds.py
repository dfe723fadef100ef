"""Every threshold of product.md's definitions, with its default. The settings object can override them.

docs/metrics.md explains each one with the formula it enters and a worked example.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Thresholds:
    # Days and their rollups.
    active_day_messages: int = 3  # an active day has at least this many member messages...
    active_day_speakers: int = 2  # ...from at least this many distinct members
    new_member_days: int = 7  # a member is new for this many days after joining
    answer_window_s: int = 3600  # a question counts as answered within this time
    answer_follow_s: int = 600  # any message by another member this soon after a question answers it
    red_packet_claim_window_s: int = 86_400  # claims are linked to packets sent at most this long before

    # Trailing windows (days, ending with the as-of date inclusive).
    week_days: int = 7  # WAD, messages and new-member speakers per active day
    speaker_window_days: int = 30  # speaker ratio, concentration
    responsiveness_days: int = 30  # share of questions answered and median time to answer
    red_packet_days: int = 30  # medians of red-packet claim speed
    long_lurker_days: int = 84  # the 12-week lurker definition

    # Silence, death and the lifecycle.
    silence_alert_hours: int = 12
    quiet_hours_start: int = 0  # local hour quiet hours begin (silence in them raises no alert), e.g. 23
    quiet_hours_end: int = 0  # ...and end, e.g. 8; equal to the start: no quiet hours
    dead_days: int = 14
    dormant_days: int = 3
    launching_days: int = 7
    thriving_wad: int = 4
    steady_wad: int = 2
    cooling_wad: int = 1  # WAD at or below this is cooling
    cooling_drop: float = 0.40

    # Members and roles.
    lurker_days: int = 30
    core_active_days: int = 7  # of the last `core_window_days`
    core_window_days: int = 30
    regular_active_days: int = 2  # of the last `regular_window_days`
    regular_window_days: int = 14
    slipping_silent_min_days: int = 7  # slipping: silent for at least this many days...
    slipping_silent_max_days: int = 28  # ...and at most this many
    answerer_answers: int = 5  # in `speaker_window_days`
    opinion_leader_share: float = 0.05
    opinion_leader_min_received: int = 3  # replies + mentions received, so a lone reply makes no leader
    concentration_top_share: float = 0.10

    # Role-structure checks (seeds).
    officials_per_100_members: int = 3
    young_group_days: int = 30
    young_group_active_members: int = 10
    opinion_leader_group_members: int = 50  # groups with more members than this need an opinion leader

    # Alerts.
    leave_wave_share: float = 0.05  # of members leaving within 24 hours
    leave_wave_min_leaves: int = 3  # one leave in a group of 20 is not a wave
    spam_burst_flagged: int = 3  # flagged messages in a day
    newcomers_silent_joins: int = 3  # joins in the last week with no new member speaking
    red_packet_min_gap_days: int = 7  # recommend a red packet only when none was sent this recently
    fading_group_age_days: int = 30  # a long-term group at least this old that cools is "fading"

    # Health score: weights (points out of 100) and the half-saturation points of each component.
    health_weight_wad: float = 30.0
    health_weight_messages: float = 15.0
    health_weight_speakers: float = 15.0
    health_weight_newcomers: float = 10.0
    health_weight_responsiveness: float = 15.0
    health_weight_silence: float = 15.0
    health_half_messages: float = 30.0  # messages per active day scoring half the component's points
    health_half_speaker_ratio: float = 0.15
    health_half_newcomers: float = 1.0
    health_half_silence_hours: float = 12.0


DEFAULT_THRESHOLDS = Thresholds()

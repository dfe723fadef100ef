"""What a detector reports: a policy category, a severity and the evidence, in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class PolicyCategory(StrEnum):
    """The platform content rules the product enforces (product.md, Moderation defaults)."""

    ILLEGAL = "illegal"
    ABUSIVE = "abusive"  # contempt, defamation, mockery, provocation, humiliation, insults, threats
    SPAM_ADS = "spam_ads"  # repeated selling, coordinated accounts, deceptive links, filter evasion
    VULGAR = "vulgar"  # vulgar or sexual content
    FALSE_INFO = "false_info"  # false information and impersonation
    SUPERSTITION = "superstition"
    CLICKBAIT = "clickbait"
    FAN_CHAOS = "fan_chaos"  # fan-circle chaos (饭圈乱象)


class Severity(IntEnum):
    """How much one finding weighs on its own.

    LOW: a signal worth noting but ordinary in good groups (a link, a long number).
    MEDIUM: usually a violation in context (contact solicitation, bait content, flooding).
    HIGH: a violation on its own (insult, gambling or loan ads, a newcomer's first message with contacts).
    CRITICAL: illegal content; acted on without waiting for other evidence.
    """

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason a message may break the rules.

    `evidence` is the matched fragment (in normalised form when the rule matched normalised text);
    `span` is its (start, end) in the raw message text when the rule matched the raw text.
    """

    rule: str
    category: PolicyCategory
    severity: Severity
    evidence: str
    explanation: str
    span: tuple[int, int] | None = None

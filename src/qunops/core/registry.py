"""The group registry (product.md §1): why a group exists, what kind it is, how long it lives."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from qunops.core.platforms import Platform


class GroupType(StrEnum):
    INTEREST = "interest"
    RESOURCE = "resource"
    CONSULTANT = "consultant"
    INDUSTRY = "industry"
    FAN = "fan"
    PARTNER = "partner"
    BOSS = "boss"
    LEARNING = "learning"
    REGIONAL = "regional"
    EVENT = "event"
    CUSTOMER_SERVICE = "customer_service"
    FIRST_PURCHASE = "first_purchase"
    OTHER = "other"


class DurationKind(StrEnum):
    TEMPORARY = "temporary"  # event-driven, about one week
    LONG_TERM = "long_term"  # relationship-driven, 30 days or more


class EntryThreshold(StrEnum):
    NONE = "none"
    PAYMENT = "payment"
    REFERRAL = "referral"
    TASK = "task"
    PROOF_OF_INCOME = "proof_of_income"
    QUESTIONNAIRE = "questionnaire"


class WorkspaceRole(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    VIEWER = "viewer"


@dataclass(frozen=True, slots=True)
class ExtendedResource:
    """A resource around a group (official account, personal account, another group).

    `route_order` places it on the user-flow route between the group and its resources.
    """

    kind: str
    name: str
    route_order: int = 0


@dataclass(slots=True)
class GroupProfile:
    """The registry fields an operator sets for a group."""

    platform: Platform
    external_id: str
    name: str
    purpose: str = ""
    group_type: GroupType = GroupType.OTHER
    duration_kind: DurationKind = DurationKind.LONG_TERM
    planned_end: date | None = None
    entry_threshold: EntryThreshold = EntryThreshold.NONE
    capacity: int | None = None
    timezone: str | None = None  # None: the workspace's timezone
    matrix: str = ""
    tags: tuple[str, ...] = ()
    extended_resources: tuple[ExtendedResource, ...] = field(default_factory=tuple)


def group_type_label(value: str) -> GroupType | str:
    """A group type as a value of an analytics text: the enum member, so the console translates it,
    unless the stored value is not one of the known types."""
    try:
        return GroupType(value)
    except ValueError:
        return value

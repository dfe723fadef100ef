"""What an action is: a platform-neutral request, who asked for it, and what became of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class ActionKind(StrEnum):
    SEND_MESSAGE = "send_message"  # parameters: text
    WARN_PRIVATELY = "warn_privately"  # a direct message to the member; parameters: text
    MUTE = "mute"  # parameters: seconds, until (ISO time)
    UNMUTE = "unmute"
    REMOVE = "remove"
    BLACKLIST = "blacklist"  # refuse the member's future joins
    UNBLACKLIST = "unblacklist"
    APPROVE_JOIN = "approve_join"
    REJECT_JOIN = "reject_join"  # parameters: reason shown to the applicant
    CREATE_INVITE_LINK = "create_invite_link"  # parameters: name, member_limit, expires


class ActionState(StrEnum):
    RECOMMENDED = "recommended"  # recorded for a human to carry out (groups known only from exports)
    DONE = "done"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"  # a recommendation no longer to carry out (its penalty was lifted); never sent


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asked: a console user, a member (an appeal), or a job of the system. `label` is what logs show."""

    label: str
    user_id: int | None = None

    @classmethod
    def user(cls, user_id: int, username: str) -> Actor:
        return cls(f"user:{username}", user_id)

    @classmethod
    def system(cls, job: str) -> Actor:
        return cls(f"system:{job}")

    @classmethod
    def member(cls, member_id: int) -> Actor:
        return cls(f"member:{member_id}")


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """One thing to do on a platform, with its reason. Ids are the store's (groups.id, members.id)."""

    kind: ActionKind
    workspace_id: int
    group_id: int | None
    member_id: int | None
    reason: str
    requested_by: Actor
    parameters: Mapping[str, Any] = field(default_factory=dict)
    requested_at: datetime | None = None  # None: now (services pass their injected clock's time)


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    state: ActionState
    action_id: int  # the row in `actions`
    via: str  # "recommendation" or the gateway's name
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"state": self.state.value, "action_id": self.action_id, "via": self.via, "error": self.error}


class ActionPort(Protocol):
    """Carries out (or records) one action. Implementations never raise for a platform refusal: they
    report it as a FAILED outcome, so one refused call does not undo the decision that asked for it."""

    def carry_out(self, request: ActionRequest) -> ActionOutcome: ...


@dataclass(frozen=True, slots=True)
class PlatformTarget:
    """The request in the platform's own ids, for a gateway."""

    platform: str
    group_external_id: str | None
    member_external_id: str | None


class GatewayError(Exception):
    """The platform refused or failed an action; the message says why."""


class Gateway(Protocol):
    """A live platform connector as the action port sees it (implemented in `qunops.gateways`)."""

    name: str

    def call(self, kind: ActionKind, target: PlatformTarget, parameters: Mapping[str, Any]) -> None: ...

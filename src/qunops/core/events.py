"""The platform-neutral event: what importers and gateways produce and the event log stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from qunops.core.platforms import Platform


class EventKind(StrEnum):
    """Everything a group can do (product.md §2)."""

    MESSAGE = "message"
    JOIN = "join"  # member joined; actor = inviter when known; payload["channel"] says how
    LEAVE = "leave"  # member left by themselves
    REMOVAL = "removal"  # member removed; actor = who removed them
    RECALL = "recall"  # member recalled (deleted) a message; payload["recalled_source_id"] when known
    RENAME = "rename"  # group renamed; payload["name"]
    ANNOUNCEMENT = "announcement"  # group announcement / pinned message; text
    ADMIN_CHANGE = "admin_change"  # payload["granted"]: bool; member = who changed, actor = by whom
    MUTE = "mute"  # payload["seconds"]: 0 lifts the mute; member = muted, actor = by whom
    RED_PACKET_SENT = "red_packet_sent"  # member = sender; payload["packet_id"], ["amount"], ["count"]
    RED_PACKET_CLAIMED = "red_packet_claimed"  # member = claimer; payload["packet_id"], ["sender"]
    OTHER = "other"  # a system notice that fits no kind above; text keeps it


class ContentType(StrEnum):
    """What a message carries."""

    TEXT = "text"
    IMAGE = "image"
    VOICE = "voice"
    VIDEO = "video"
    STICKER = "sticker"
    LINK = "link"  # a link card
    FILE = "file"
    MINI_PROGRAM = "mini_program"
    CONTACT_CARD = "contact_card"
    QUOTE = "quote"  # a quoted reply
    TRANSFER = "transfer"
    RED_PACKET = "red_packet"
    PAT = "pat"
    CALL = "call"
    LOCATION = "location"
    POLL = "poll"
    OTHER = "other"


class JoinChannel(StrEnum):
    """How a member came into a group."""

    INVITE = "invite"  # invited directly by the actor
    LINK = "link"  # an invite link (actor = the link's creator when known)
    QR = "qr"  # a QR code (actor = who shared it)
    REQUEST = "request"  # a join request that was approved
    CREATED = "created"  # was there when the group was created
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class MemberRef:
    """A person as a source names them.

    `external_id` is the platform's id where the source has one (QQ number, Telegram user id, wxid).
    Where it has none, importers pass None and the identity falls back to the display name
    (see `identity_key`).
    """

    name: str
    external_id: str | None = None
    is_bot: bool = False

    def identity_key(self) -> str:
        return self.external_id if self.external_id else f"name:{self.name}"


@dataclass(frozen=True, slots=True)
class GroupRef:
    """A chat as a source names it; `external_id` is stable across exports of the same chat."""

    platform: Platform
    external_id: str
    name: str


@dataclass(slots=True)
class Event:
    """One thing that happened in a group, at a UTC instant.

    `member` is whom the event is about (the sender of a message, the joiner, the leaver);
    `actor` is who caused it when that is someone else (the inviter, the admin who removed or muted).
    `source_id` is the platform's message id when the source has one: it makes the stable key.
    """

    group: GroupRef
    kind: EventKind
    ts: datetime
    member: MemberRef | None = None
    actor: MemberRef | None = None
    content_type: ContentType | None = None
    text: str = ""
    source_id: str | None = None
    reply_to_source_id: str | None = None
    mentions: tuple[MemberRef, ...] = ()
    payload: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        zone = self.ts.tzinfo
        if zone is UTC:
            return  # most sources' times: one identity test (this runs for every event imported)
        if zone is None:
            raise ValueError("event times must be timezone-aware")
        if self.ts.utcoffset() != UTC.utcoffset(None):
            self.ts = self.ts.astimezone(UTC)


MESSAGE_KINDS = frozenset({EventKind.MESSAGE})

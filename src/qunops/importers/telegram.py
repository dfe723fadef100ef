"""Telegram Desktop "Export chat history" JSON (`result.json`): one chat, or a full-account export with
`chats.list` and `left_chats.list`. Streamed with ijson one message at a time: a 400 MiB export parses in
flat memory.

Identity (written as the Bot API writes ids, so a live Telegram gateway meets the same members and groups):
- Members: `from_id` / `actor_id` `user123` -> `123`; `channel123` (channel posts, anonymous admins) ->
  `-100123`; `chat123` -> `-123`. Service records name the people they concern (invitees, the removed, the
  link's creator) by display name only, so those MemberRefs carry no id.
- Groups: the dialog `id` as a Bot API chat id: supergroups and channels `-100<id>`, basic groups `-<id>`,
  private chats `<id>`. A dialog without an id (hand-made files) is named `name:<name>`, or after the file.
- Message ids (`id`) are per chat and become `source_id`; times come from `date_unixtime` when present,
  else from `date`, which is the exporting machine's local time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Any

from qunops.core.events import ContentType, Event, EventKind, GroupRef, JoinChannel, MemberRef
from qunops.core.platforms import Platform
from qunops.core.texts import Text
from qunops.importers.base import ImportFormatError, ParseContext, SourceFile
from qunops.importers.reading import (
    ITEM,
    RECORD_ERRORS,
    START,
    VALUE,
    bad_message,
    epoch_seconds,
    json_events,
    json_header,
    json_items,
    local_time,
    not_an_object,
)

_DIALOG_ROOTS = ("", "chats.list.item.", "left_chats.list.item.")
_MESSAGES = frozenset(f"{root}messages.item" for root in _DIALOG_ROOTS)
_DIALOG_FIELDS = frozenset(f"{root}{key}" for root in _DIALOG_ROOTS for key in ("name", "type", "id"))
_DIALOG_STARTS = frozenset({"chats.list.item", "left_chats.list.item"})
_SUPERGROUP_TYPES = frozenset(
    {"private_supergroup", "public_supergroup", "private_channel", "public_channel"}
)
_MEDIA_TYPES = {
    "sticker": ContentType.STICKER,
    "video_message": ContentType.VIDEO,
    "video_file": ContentType.VIDEO,
    "animation": ContentType.VIDEO,
    "voice_message": ContentType.VOICE,
    "audio_file": ContentType.FILE,
}


class TelegramJson:
    name = "telegram-json"
    description = "Telegram Desktop export (result.json), one chat or the whole account"

    def sniff(self, head: bytes, filename: str) -> bool:
        start = head[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
        if not start.startswith(b"{"):
            return False
        if b'"chats"' in start and (b'"list"' in start or b'"about"' in start):
            return True
        return b'"messages"' in start and (
            b'"date_unixtime"' in start
            or b'"text_entities"' in start
            or b'"from_id"' in start
            or (b'"type": "message"' in start and b'"from"' in start)
            or b'"personal_chat"' in start
            or b'_supergroup"' in start
            or b'"private_group"' in start
        )

    def parse(self, source: SourceFile, context: ParseContext) -> Iterator[Event]:
        header = json_header(source, frozenset({"name", "type", "id"}), stop="messages")
        if header is not None:
            # One chat: its messages are built by ijson's C backend, the fast path for big exports.
            group = _Dialog(header.get("name"), header.get("type"), header.get("id")).group(source.name)
            senders = _Senders()
            for count, value in enumerate(json_items(source, "messages.item"), start=1):
                yield from _record_events(source, value, count, group, context, senders)
            return
        yield from self._parse_dialogs(source, context)

    def _parse_dialogs(self, source: SourceFile, context: ParseContext) -> Iterator[Event]:
        dialog = _Dialog()
        group: GroupRef | None = None
        senders = _Senders()
        count = 0
        for what, prefix, value in json_events(
            source, items=_MESSAGES, values=_DIALOG_FIELDS, starts=_DIALOG_STARTS
        ):
            if what == START:
                dialog, group = _Dialog(), None
            elif what == VALUE:
                setattr(dialog, prefix.rsplit(".", 1)[-1], value)
                group = None  # a dialog field after messages (unusual) renames what follows
            elif what == ITEM:
                count += 1
                if group is None:
                    group = dialog.group(source.name)
                yield from _record_events(source, value, count, group, context, senders)
        if count == 0 and dialog.name is None and dialog.id is None:
            raise ImportFormatError(source.name, None, Text("no Telegram chats or messages found"))


def _record_events(
    source: SourceFile,
    value: Any,
    count: int,
    group: GroupRef,
    context: ParseContext,
    senders: _Senders,
) -> list[Event]:
    if not isinstance(value, dict):
        raise ImportFormatError(source.name, None, not_an_object(count))
    try:
        return _events(value, group, context, senders)
    except RECORD_ERRORS as exc:
        raise ImportFormatError(source.name, None, bad_message(count, value.get("id"), exc)) from None


@dataclass(slots=True)
class _Dialog:
    name: str | None = None
    type: str | None = None
    id: Any = None

    def group(self, source_name: str) -> GroupRef:
        name = str(self.name) if self.name is not None else None
        if self.id is not None:
            raw = str(self.id).removeprefix("-100").lstrip("-")
            if self.type in _SUPERGROUP_TYPES:
                external = f"-100{raw}"
            elif self.type == "private_group":
                external = f"-{raw}"
            else:
                external = raw
            return GroupRef(Platform.TELEGRAM, external, name or external)
        if name:
            return GroupRef(Platform.TELEGRAM, f"name:{name}", name)
        stem = PurePath(source_name.rpartition("!")[2] or source_name).stem
        return GroupRef(Platform.TELEGRAM, f"file:{stem}", stem)


def peer_id(value: Any) -> str | None:
    """A `from_id`/`actor_id` as a Bot API id."""
    if value is None or value == "":
        return None
    text = str(value)
    if text.startswith("user"):
        return text[4:]
    if text.startswith("channel"):
        return f"-100{text[7:]}"
    if text.startswith("chat"):
        return f"-{text[4:]}"
    return text


def _member(name: Any, peer: Any) -> MemberRef | None:
    external = peer_id(peer)
    display = str(name) if name not in (None, "") else (external or "")
    if not display:
        return None
    return MemberRef(display, external)


class _Senders:
    """One MemberRef per (name, from_id) pair of a file: the same sender is the same object each time."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], MemberRef | None] = {}

    def member(self, name: Any, peer: Any) -> MemberRef | None:
        if name.__class__ is not str or peer.__class__ is not str:
            return _member(name, peer)  # unusual values (absent, numbers): not worth remembering
        pair = (name, peer)
        known = self._known.get(pair, _UNKNOWN)
        if known is _UNKNOWN:
            if len(self._known) > 100_000:
                self._known.clear()
            known = self._known[pair] = _member(name, peer)
        return known


_UNKNOWN = MemberRef("")  # a marker: not yet looked up


def _time(record: dict[str, Any], context: ParseContext) -> datetime:
    if record.get("date_unixtime") not in (None, ""):
        return epoch_seconds(record["date_unixtime"])
    return local_time(datetime.fromisoformat(str(record["date"])), context)


def plain_text(value: Any) -> str:
    """`text` as one string: it is a string, or a list of strings and `{type, text}` entities."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(part if isinstance(part, str) else str(part.get("text", "")) for part in value)
    raise TypeError("text must be a string or a list of entities")


def _mentions(value: Any) -> tuple[MemberRef, ...]:
    if not isinstance(value, list):
        return ()
    found: list[MemberRef] = []
    for part in value:
        if not isinstance(part, dict):
            continue
        if part.get("type") == "mention_name":
            found.append(
                MemberRef(str(part.get("text", "")), str(part["user_id"]) if part.get("user_id") else None)
            )
        elif part.get("type") == "mention":
            found.append(MemberRef(str(part.get("text", ""))))
    return tuple(found)


# Fields that add to a message's payload.
_PAYLOAD_FIELDS = frozenset(
    {"forwarded_from", "saved_from", "via_bot", "author", "reactions", "edited_unixtime", "edited"}
)
_MESSAGE, _TEXT = EventKind.MESSAGE, ContentType.TEXT  # a module constant is quicker to reach


def _events(record: dict[str, Any], group: GroupRef, context: ParseContext, senders: _Senders) -> list[Event]:
    get = record.get
    kind = get("type", "message")
    if kind == "unsupported":
        context.skip(None, f"unsupported message {get('id')}")
        return []
    ts = _time(record, context)
    message_id = get("id")
    source_id = str(message_id) if message_id is not None else None
    if kind == "service":
        return list(_service(record, group, ts, source_id))
    if kind != "message":
        raise ValueError(f"unknown message type {kind!r}")
    member = senders.member(get("from"), get("from_id"))
    raw_text = get("text")
    text = raw_text if raw_text.__class__ is str else plain_text(raw_text)
    reply_to = get("reply_to_message_id")
    if _UNUSUAL_FIELDS.isdisjoint(record):
        # Most messages: plain text with no payload, known from one set test.
        payload: dict[str, Any] = {}
        content_type = _TEXT
    else:
        payload = _payload(record)
        content_type = _content_type(record)
        if reply_to is not None and get("reply_to_peer_id"):
            payload["reply_to_peer_id"] = record["reply_to_peer_id"]  # a reply to another chat's message
            reply_to = None
    # Positional fields (see Event): keywords cost measurably at a million messages.
    return [
        Event(
            group,
            _MESSAGE,
            ts,
            member,
            None,
            content_type,
            text,
            source_id,
            str(reply_to) if reply_to is not None else None,
            _mentions(raw_text) if raw_text.__class__ is list else (),
            payload,
        )
    ]


def _payload(record: dict[str, Any]) -> dict[str, Any]:
    get = record.get
    payload: dict[str, Any] = {}
    for key in ("forwarded_from", "saved_from", "via_bot", "author"):
        if get(key):
            payload[key] = record[key]
    if get("reactions"):
        payload["reactions"] = record["reactions"]
    if get("edited_unixtime") or get("edited"):
        payload["edited"] = True
    return payload


_CONTENT_FIELDS = frozenset(
    {
        "photo",
        "media_type",
        "file",
        "contact_information",
        "location_information",
        "place_name",
        "poll",
        "game_title",
        "invoice_information",
    }
)
# Any of these makes a message more than plain text (a payload, media, a reply to another chat).
_UNUSUAL_FIELDS = _PAYLOAD_FIELDS | _CONTENT_FIELDS | {"reply_to_peer_id"}


def _content_type(record: dict[str, Any]) -> ContentType:
    if _CONTENT_FIELDS.isdisjoint(record):
        return ContentType.TEXT  # most messages: one set test instead of nine
    if "photo" in record:
        return ContentType.IMAGE
    if record.get("media_type"):
        return _MEDIA_TYPES.get(str(record["media_type"]), ContentType.FILE)
    if "file" in record:
        return ContentType.FILE
    if "contact_information" in record:
        return ContentType.CONTACT_CARD
    if "location_information" in record or "place_name" in record:
        return ContentType.LOCATION
    if "poll" in record:
        return ContentType.POLL
    if "game_title" in record or "invoice_information" in record:
        return ContentType.OTHER
    return ContentType.TEXT


def _names(value: Any) -> list[str | None]:
    if not isinstance(value, list):
        return []
    return [str(name) if name is not None else None for name in value]


def _service(record: dict[str, Any], group: GroupRef, ts: datetime, source_id: str | None) -> Iterator[Event]:
    action = record.get("action")
    actor = _member(record.get("actor"), record.get("actor_id"))
    actor_name = str(record.get("actor")) if record.get("actor") is not None else None
    # One record can make several events (an invite of three people): only the first keeps the message id,
    # the others are keyed by their content, so each event still has one stable key.
    ids = iter([source_id])

    def event(kind: EventKind, **fields: Any) -> Event:
        return Event(group, kind, ts, source_id=next(ids, None), **fields)

    if action == "create_group" or action == "create_channel":
        if actor is not None:
            yield event(
                EventKind.JOIN,
                member=actor,
                payload={"channel": JoinChannel.CREATED, "name": record.get("title")},
            )
        for name in _names(record.get("members")):
            if name and name != actor_name:
                yield event(
                    EventKind.JOIN,
                    member=MemberRef(name),
                    actor=actor,
                    payload={"channel": JoinChannel.CREATED},
                )
    elif action == "invite_members":
        names = _names(record.get("members"))
        if names == [actor_name] and actor is not None:
            # a user joining a public group is written as inviting themselves
            yield event(EventKind.JOIN, member=actor, payload={"channel": JoinChannel.UNKNOWN})
            return
        for name in names:
            yield event(
                EventKind.JOIN,
                member=MemberRef(name or "(unknown)"),
                actor=actor,
                payload={"channel": JoinChannel.INVITE},
            )
    elif action == "join_group_by_link":
        inviter = record.get("inviter")
        yield event(
            EventKind.JOIN,
            member=actor,
            actor=MemberRef(str(inviter)) if inviter else None,
            payload={"channel": JoinChannel.LINK},
        )
    elif action == "join_group_by_request":
        yield event(EventKind.JOIN, member=actor, payload={"channel": JoinChannel.REQUEST})
    elif action == "remove_members":
        names = _names(record.get("members"))
        if names == [actor_name] and actor is not None:
            yield event(EventKind.LEAVE, member=actor)
            return
        for name in names:
            yield event(EventKind.REMOVAL, member=MemberRef(name or "(unknown)"), actor=actor)
    elif action == "edit_group_title":
        yield event(EventKind.RENAME, member=actor, payload={"name": record.get("title")})
    elif action == "pin_message":
        pinned = record.get("message_id")
        yield event(
            EventKind.ANNOUNCEMENT,
            member=actor,
            payload={"pinned_source_id": str(pinned)} if pinned is not None else {},
        )
    elif action == "phone_call" or action == "group_call":
        payload: dict[str, Any] = {
            k: record[k] for k in ("duration_seconds", "duration", "discard_reason") if k in record
        }
        yield event(EventKind.MESSAGE, member=actor, content_type=ContentType.CALL, payload=payload)
    elif action in ("migrate_to_supergroup", "migrate_from_group"):
        payload = {"action": action} | ({"title": record["title"]} if record.get("title") else {})
        yield event(EventKind.OTHER, member=actor, text=action, payload=payload)
    elif action is None:
        # a custom service message carries only its rendered text
        yield event(EventKind.OTHER, member=actor, text=str(record.get("information_text") or ""))
    else:
        details = {
            k: v
            for k, v in record.items()
            if k not in ("id", "type", "date", "date_unixtime", "actor", "actor_id", "text", "text_entities")
        }
        yield event(EventKind.OTHER, member=actor, text=str(action), payload=details)

"""DiscordChatExporter (Tyrrrz) exports of one channel: JSON (streamed with ijson) and CSV.

Identity: the group is the channel (`channel.id`; a CSV has no channel object, so the id comes from the
exporter's default file name `Guild - Channel [<channel id>].csv`, else the file stem as `file:<stem>`).
Members are author ids (snowflakes), named by their server nickname. Message ids are snowflakes and become
`source_id`; replies keep the referenced id. The CSV has no message ids, so its events are keyed by content.
"""

from __future__ import annotations

import re
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
    UTF8_BOM,
    VALUE,
    bad_message,
    bad_value,
    column_count,
    csv_rows,
    expected_columns,
    json_events,
    local_time,
    not_an_object,
)

_CHANNEL_FIELDS = frozenset({"guild.id", "guild.name", "channel.id", "channel.name", "channel.type"})
_EXTENSIONS = {
    ContentType.IMAGE: ("png", "jpg", "jpeg", "gif", "webp", "bmp", "heic"),
    ContentType.VIDEO: ("mp4", "mov", "webm", "mkv", "avi"),
    ContentType.VOICE: ("ogg", "opus", "mp3", "m4a", "wav", "flac"),
}
_BY_EXTENSION = {ext: kind for kind, exts in _EXTENSIONS.items() for ext in exts}
_CSV_HEADER = ["AuthorID", "Author", "Date", "Content", "Attachments", "Reactions"]
_CHANNEL_ID_IN_NAME = re.compile(r"\[(\d{5,})\]")
_CSV_DATE_FORMATS = (
    "%d-%b-%y %I:%M %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%d.%m.%Y %H:%M",
)
_REACTION = re.compile(r"^(?P<emoji>.+) \((?P<count>\d+)\)$")


class DiscordJson:
    name = "discord-json"
    description = "DiscordChatExporter channel export (.json)"

    def sniff(self, head: bytes, filename: str) -> bool:
        start = head[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
        return start.startswith(b"{") and b'"guild"' in start and b'"channel"' in start

    def parse(self, source: SourceFile, context: ParseContext) -> Iterator[Event]:
        channel = _Channel()
        group: GroupRef | None = None
        count = 0
        for what, prefix, value in json_events(
            source, items=frozenset({"messages.item"}), values=_CHANNEL_FIELDS
        ):
            if what == VALUE:
                setattr(channel, prefix.replace(".", "_"), str(value) if value is not None else None)
                continue
            if what != ITEM:
                continue
            count += 1
            if group is None:
                group = channel.group(source.name)
            if not isinstance(value, dict):
                raise ImportFormatError(source.name, None, not_an_object(count))
            try:
                yield from _json_events(value, group)
            except RECORD_ERRORS as exc:
                problem = bad_message(count, value.get("id"), exc)
                raise ImportFormatError(source.name, None, problem) from None
        if count == 0 and channel.channel_id is None:
            raise ImportFormatError(source.name, None, Text("no Discord channel or messages found"))


@dataclass(slots=True)
class _Channel:
    guild_id: str | None = None
    guild_name: str | None = None
    channel_id: str | None = None
    channel_name: str | None = None
    channel_type: str | None = None

    def group(self, source_name: str) -> GroupRef:
        if self.channel_id is None:
            return _file_group(source_name)
        name = self.channel_name or self.channel_id
        if self.channel_type and self.channel_type.startswith("Guild") and self.guild_name:
            name = f"{self.guild_name} #{name}"
        return GroupRef(Platform.DISCORD, self.channel_id, name)


def _file_group(source_name: str) -> GroupRef:
    stem = PurePath(source_name.rpartition("!")[2] or source_name).stem
    found = _CHANNEL_ID_IN_NAME.search(stem)
    if found:
        return GroupRef(Platform.DISCORD, found[1], stem[: found.start()].strip() or found[1])
    return GroupRef(Platform.DISCORD, f"file:{stem}", stem)


def _user(value: Any) -> MemberRef:
    if not isinstance(value, dict):
        raise TypeError("a user must be an object")
    external = str(value["id"])
    name = value.get("nickname") or value.get("name") or external
    return MemberRef(str(name), external, bool(value.get("isBot", False)))


def _json_events(record: dict[str, Any], group: GroupRef) -> Iterator[Event]:
    ts = datetime.fromisoformat(str(record["timestamp"]).replace("Z", "+00:00"))
    if ts.tzinfo is None:
        raise ValueError("timestamp without an offset")
    author = _user(record["author"])
    kind = str(record.get("type") or "Default")
    text = str(record.get("content") or "")
    source_id = str(record["id"])
    mentions = tuple(_user(user) for user in record.get("mentions") or ())
    reference = record.get("reference") or {}
    referenced = str(reference["messageId"]) if reference.get("messageId") else None
    payload: dict[str, Any] = {}
    if kind == "GuildMemberJoin":
        yield Event(
            group,
            EventKind.JOIN,
            ts,
            member=author,
            text=text,
            source_id=source_id,
            payload={"channel": JoinChannel.UNKNOWN},
        )
    elif kind == "RecipientAdd":
        for added in mentions or (author,):
            yield Event(
                group,
                EventKind.JOIN,
                ts,
                member=added,
                actor=author if added != author else None,
                text=text,
                source_id=source_id,
                payload={"channel": JoinChannel.INVITE},
            )
    elif kind == "RecipientRemove":
        removed = mentions[0] if mentions else author
        if removed.external_id == author.external_id:
            yield Event(group, EventKind.LEAVE, ts, member=author, text=text, source_id=source_id)
        else:
            yield Event(
                group, EventKind.REMOVAL, ts, member=removed, actor=author, text=text, source_id=source_id
            )
    elif kind == "ChannelPinnedMessage":
        if referenced:
            payload["pinned_source_id"] = referenced
        yield Event(
            group, EventKind.ANNOUNCEMENT, ts, member=author, text=text, source_id=source_id, payload=payload
        )
    elif kind in ("Default", "Reply", "Call"):
        content = ContentType.CALL if kind == "Call" else _content_type(record, text)
        if record.get("reactions"):
            payload["reactions"] = [
                {"emoji": (r.get("emoji") or {}).get("name"), "count": r.get("count")}
                for r in record["reactions"]
            ]
        if record.get("timestampEdited"):
            payload["edited"] = True
        if kind == "Call" and record.get("callEndedTimestamp"):
            ended = datetime.fromisoformat(str(record["callEndedTimestamp"]).replace("Z", "+00:00"))
            payload["duration_seconds"] = int((ended - ts).total_seconds())
        yield Event(
            group,
            EventKind.MESSAGE,
            ts,
            member=author,
            content_type=content,
            text=text,
            source_id=source_id,
            reply_to_source_id=referenced if kind == "Reply" else None,
            mentions=mentions,
            payload=payload,
        )
    else:
        # ChannelNameChange, ChannelIconChange, ThreadCreated and newer kinds: system notices whose new
        # values the export does not carry
        yield Event(
            group, EventKind.OTHER, ts, member=author, text=text, source_id=source_id, payload={"type": kind}
        )


def _content_type(record: dict[str, Any], text: str) -> ContentType:
    if record.get("stickers"):
        return ContentType.STICKER
    attachments = record.get("attachments") or []
    if attachments and not text.strip():
        name = str(attachments[0].get("fileName") or attachments[0].get("url") or "")
        return _BY_EXTENSION.get(name.rsplit(".", 1)[-1].lower(), ContentType.FILE)
    if attachments:
        return ContentType.FILE if not text.strip() else ContentType.TEXT
    if record.get("embeds") and text.strip().startswith(("http://", "https://")) and " " not in text.strip():
        return ContentType.LINK
    if record.get("poll"):
        return ContentType.POLL
    return ContentType.TEXT


class DiscordCsv:
    name = "discord-csv"
    description = "DiscordChatExporter channel export (.csv)"

    def sniff(self, head: bytes, filename: str) -> bool:
        first = head.removeprefix(UTF8_BOM).split(b"\n", 1)[0].strip().replace(b'"', b"")
        return first == b"AuthorID,Author,Date,Content,Attachments,Reactions"

    def parse(self, source: SourceFile, context: ParseContext) -> Iterator[Event]:
        group = _file_group(source.name)
        rows = csv_rows(source, "utf-8-sig")
        header = next(rows, None)
        if header is None or header[1] != _CSV_HEADER:
            raise ImportFormatError(source.name, 1, expected_columns(_CSV_HEADER))
        for line, row in rows:
            if len(row) != len(_CSV_HEADER):
                raise ImportFormatError(source.name, line, column_count(_CSV_HEADER, row))
            author_id, author, date, content, attachments, reactions = row
            try:
                ts = _csv_time(date, context)
            except ValueError:
                raise ImportFormatError(source.name, line, bad_value("date", date)) from None
            if not author_id:
                raise ImportFormatError(source.name, line, Text("empty {field}", field="AuthorID"))
            name = re.sub(r"#0{1,4}$", "", author) or author_id
            payload: dict[str, Any] = {}
            files = [url for url in attachments.split(",") if url]
            if files:
                payload["attachments"] = files
            if reactions:
                payload["reactions"] = [
                    {"emoji": m["emoji"], "count": int(m["count"])}
                    for part in reactions.split(",")
                    if (m := _REACTION.match(part.strip()))
                ]
            content_type = ContentType.TEXT
            if files and not content.strip():
                content_type = _BY_EXTENSION.get(files[0].rsplit(".", 1)[-1].lower(), ContentType.FILE)
            kind = EventKind.JOIN if content == "Joined the server." else EventKind.MESSAGE
            yield Event(
                group,
                kind,
                ts,
                member=MemberRef(name, author_id),
                content_type=content_type if kind is EventKind.MESSAGE else None,
                text=content,
                payload=payload if kind is EventKind.MESSAGE else {"channel": JoinChannel.UNKNOWN},
            )


def _csv_time(value: str, context: ParseContext) -> datetime:
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for layout in _CSV_DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, layout)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"unknown date layout {text!r}") from None
    return parsed if parsed.tzinfo is not None else local_time(parsed, context)

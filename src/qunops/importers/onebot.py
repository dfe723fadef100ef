"""OneBot v11 event logs: JSON Lines of the `message`, `notice` and `request` events a QQ gateway emits.

Identity matches the QQ text export: the member external id is the QQ number (`user_id`), the group
external id is `group_id`. Message ids (`message_id`) become `source_id`. Only group events are imported;
private messages, friend notices and `meta_event` heartbeats are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson

from qunops.core.events import ContentType, Event, EventKind, GroupRef, JoinChannel, MemberRef
from qunops.core.platforms import Platform
from qunops.core.texts import Text
from qunops.importers.base import PRIVATE_MESSAGE, ImportFormatError, ParseContext, SourceFile
from qunops.importers.reading import (
    LONGEST_LINE,
    READ_ERRORS,
    RECORD_ERRORS,
    UTF8_BOM,
    epoch_seconds,
    line_too_long,
    not_valid_json,
    record_problem,
    unreadable,
)

_CQ_CODE = re.compile(r"\[CQ:(?P<type>[\w.-]+)(?P<params>(?:,[^\]]*)?)\]")
_SEGMENT_TYPES = {
    "image": ContentType.IMAGE,
    "record": ContentType.VOICE,
    "video": ContentType.VIDEO,
    "face": ContentType.STICKER,
    "mface": ContentType.STICKER,
    "marketface": ContentType.STICKER,
    "file": ContentType.FILE,
    "share": ContentType.LINK,
    "music": ContentType.LINK,
    "contact": ContentType.CONTACT_CARD,
    "location": ContentType.LOCATION,
    "poke": ContentType.PAT,
    "shake": ContentType.PAT,
    "json": ContentType.MINI_PROGRAM,
    "xml": ContentType.LINK,
    "forward": ContentType.OTHER,
    "node": ContentType.OTHER,
    "rps": ContentType.OTHER,
    "dice": ContentType.OTHER,
    "redbag": ContentType.RED_PACKET,
}


class OneBotEvents:
    name = "onebot-v11"
    description = "OneBot v11 event log (JSON Lines of message/notice/request events)"

    def sniff(self, head: bytes, filename: str) -> bool:
        for raw in head.removeprefix(UTF8_BOM).split(b"\n")[:5]:
            line = raw.strip()
            if line:
                return line.startswith(b"{") and b'"post_type"' in line
        return False

    def parse(self, source: SourceFile, context: ParseContext) -> Iterator[Event]:
        groups: dict[str, GroupRef] = {}
        number = 0
        with source.open_binary() as stream:
            while True:
                try:
                    raw = stream.readline(LONGEST_LINE + 1)
                except READ_ERRORS as exc:
                    raise ImportFormatError(source.name, number + 1, unreadable(exc)) from None
                if not raw:
                    break
                if len(raw) > LONGEST_LINE and not raw.endswith(b"\n"):
                    raise ImportFormatError(source.name, number + 1, line_too_long())
                number += 1
                line = raw.strip().removeprefix(UTF8_BOM) if number == 1 else raw.strip()
                if not line:
                    continue
                try:
                    record = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    raise ImportFormatError(source.name, number, not_valid_json(exc)) from None
                if not isinstance(record, dict) or "post_type" not in record:
                    raise ImportFormatError(source.name, number, Text("not a OneBot event (no post_type)"))
                try:
                    yield from _events(record, groups, context, number)
                except RECORD_ERRORS as exc:
                    raise ImportFormatError(source.name, number, record_problem(exc)) from None


def _member(user_id: Any, name: Any = None) -> MemberRef:
    external = str(int(user_id))
    return MemberRef(str(name) if name else external, external)


def _group(record: dict[str, Any], groups: dict[str, GroupRef]) -> GroupRef:
    group_id = str(int(record["group_id"]))
    group = groups.get(group_id)
    if group is None:
        group = groups[group_id] = GroupRef(Platform.QQ, group_id, group_id)
    return group


def _events(
    record: dict[str, Any], groups: dict[str, GroupRef], context: ParseContext, line: int
) -> Iterator[Event]:
    post_type = record["post_type"]
    if post_type == "message" or post_type == "message_sent":
        if record.get("message_type") != "group":
            context.skip(line, PRIVATE_MESSAGE)
            return
        yield _message(record, _group(record, groups))
    elif post_type == "notice":
        if "group_id" not in record:
            context.skip(line, f"{record.get('notice_type')} notice outside a group")
            return
        yield from _notice(record, _group(record, groups))
    elif post_type == "request":
        if record.get("request_type") != "group":
            context.skip(line, f"{record.get('request_type')} request")
            return
        yield Event(
            _group(record, groups),
            EventKind.OTHER,
            epoch_seconds(record["time"]),
            member=_member(record["user_id"]),
            text=str(record.get("comment") or ""),
            payload={
                "request": str(record.get("sub_type") or "add"),  # add: wants to join; invite: bot invited
                "comment": record.get("comment"),
                "flag": record.get("flag"),
            },
        )
    elif post_type == "meta_event":
        return
    else:
        raise ValueError(f"unknown post_type {post_type!r}")


def _message(record: dict[str, Any], group: GroupRef) -> Event:
    sender = record.get("sender") or {}
    anonymous = record.get("anonymous")
    member = _member(record["user_id"], sender.get("card") or sender.get("nickname"))
    segments = _segments(record.get("message", record.get("raw_message", "")))
    text_parts: list[str] = []
    mentions: list[MemberRef] = []
    kinds: list[ContentType] = []
    reply_to: str | None = None
    payload: dict[str, Any] = {}
    for kind, data in segments:
        if kind == "text":
            text_parts.append(str(data.get("text", "")))
        elif kind == "at":
            target = str(data.get("qq", ""))
            if target == "all":
                payload["mention_all"] = True
                text_parts.append("@全体成员")
            elif target:
                mentions.append(_member(target, data.get("name")))
                text_parts.append(f"@{data.get('name') or target}")
        elif kind == "reply":
            reply_to = str(data.get("id")) if data.get("id") is not None else None
        elif kind == "face":
            text_parts.append("[表情]")
            kinds.append(ContentType.STICKER)
        else:
            kinds.append(_SEGMENT_TYPES.get(kind, ContentType.OTHER))
    text = "".join(text_parts)
    content = ContentType.TEXT
    if kinds and (
        not text.strip() or (all(k is ContentType.STICKER for k in kinds) and text == "[表情]" * len(kinds))
    ):
        content = kinds[0]
    elif not kinds and not text.strip():
        content = ContentType.OTHER
    if sender.get("role"):
        payload["role"] = sender["role"]
    if sender.get("title"):
        payload["title"] = sender["title"]
    if anonymous:
        payload["anonymous"] = anonymous.get("name") if isinstance(anonymous, dict) else True
    kind = EventKind.RED_PACKET_SENT if content is ContentType.RED_PACKET else EventKind.MESSAGE
    if record.get("sub_type") == "notice":
        return Event(group, EventKind.OTHER, epoch_seconds(record["time"]), text=text, payload=payload)
    return Event(
        group,
        kind,
        epoch_seconds(record["time"]),
        member=member,
        content_type=content,
        text=text,
        source_id=str(record["message_id"]) if record.get("message_id") is not None else None,
        reply_to_source_id=reply_to,
        mentions=tuple(mentions),
        payload=payload,
    )


def _segments(message: Any) -> list[tuple[str, dict[str, Any]]]:
    """Message segments from the array form or the CQ-code string form."""
    if isinstance(message, list):
        found = []
        for segment in message:
            if not isinstance(segment, dict):
                raise TypeError("a message segment must be an object")
            data = segment.get("data") or {}
            if not isinstance(data, dict):
                raise TypeError("segment data must be an object")
            found.append((str(segment["type"]), data))
        return found
    if not isinstance(message, str):
        raise TypeError("message must be a string or a list of segments")
    segments: list[tuple[str, dict[str, Any]]] = []
    position = 0
    for code in _CQ_CODE.finditer(message):
        if code.start() > position:
            segments.append(("text", {"text": _unescape(message[position : code.start()])}))
        params: dict[str, Any] = {}
        for pair in code["params"].lstrip(",").split(","):
            if "=" in pair:
                key, _, value = pair.partition("=")
                params[key] = _unescape(value)
        segments.append((code["type"], params))
        position = code.end()
    if position < len(message):
        segments.append(("text", {"text": _unescape(message[position:])}))
    return segments


def _unescape(text: str) -> str:
    return text.replace("&#44;", ",").replace("&#91;", "[").replace("&#93;", "]").replace("&amp;", "&")


def _notice(record: dict[str, Any], group: GroupRef) -> Iterator[Event]:
    notice = record.get("notice_type")
    sub_type = record.get("sub_type")
    ts = epoch_seconds(record["time"])
    user = _member(record["user_id"]) if record.get("user_id") else None
    operator_id = record.get("operator_id")
    operator = _member(operator_id) if operator_id else None
    if operator is not None and user is not None and operator.external_id == user.external_id:
        operator = None
    if notice == "group_increase":
        channel = JoinChannel.INVITE if sub_type == "invite" else JoinChannel.REQUEST
        yield Event(group, EventKind.JOIN, ts, member=user, actor=operator, payload={"channel": channel})
    elif notice == "group_decrease":
        if sub_type == "leave":
            yield Event(group, EventKind.LEAVE, ts, member=user)
        elif sub_type == "kick_me":
            yield Event(group, EventKind.REMOVAL, ts, member=_member(record["self_id"]), actor=operator)
        else:
            yield Event(group, EventKind.REMOVAL, ts, member=user, actor=operator)
    elif notice == "group_ban":
        seconds = 0 if sub_type == "lift_ban" else int(record.get("duration") or 0)
        if user is None:
            # user_id 0: the whole group was muted or unmuted
            yield Event(
                group,
                EventKind.OTHER,
                ts,
                actor=operator,
                text="whole group mute",
                payload={"whole_group": True, "seconds": seconds},
            )
        else:
            yield Event(group, EventKind.MUTE, ts, member=user, actor=operator, payload={"seconds": seconds})
    elif notice == "group_recall":
        yield Event(
            group,
            EventKind.RECALL,
            ts,
            member=user,
            actor=operator,
            payload={"recalled_source_id": str(record["message_id"])},
        )
    elif notice == "group_admin":
        yield Event(group, EventKind.ADMIN_CHANGE, ts, member=user, payload={"granted": sub_type == "set"})
    elif notice == "group_upload":
        file = record.get("file") or {}
        yield Event(
            group,
            EventKind.MESSAGE,
            ts,
            member=user,
            content_type=ContentType.FILE,
            text=str(file.get("name") or ""),
            payload={"file": file},
        )
    elif notice == "notify" and sub_type == "poke":
        target = record.get("target_id")
        yield Event(
            group,
            EventKind.MESSAGE,
            ts,
            member=user,
            content_type=ContentType.PAT,
            mentions=(_member(target),) if target else (),
        )
    elif notice == "notify" and sub_type == "lucky_king":
        target = record.get("target_id")
        yield Event(
            group,
            EventKind.OTHER,
            ts,
            member=_member(target) if target else None,
            actor=user,
            text="lucky_king",
            payload={"notice": "lucky_king"},
        )
    else:
        details = {k: v for k, v in record.items() if k not in ("time", "self_id", "post_type", "group_id")}
        yield Event(
            group, EventKind.OTHER, ts, member=user, actor=operator, text=str(notice), payload=details
        )

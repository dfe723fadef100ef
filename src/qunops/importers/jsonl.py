"""qunops' own event format: JSON Lines, one event per line (documented in docs/event-format.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import orjson

from qunops.core.events import ContentType, Event, EventKind, GroupRef, MemberRef
from qunops.core.platforms import Platform
from qunops.core.texts import Text
from qunops.importers.base import ImportFormatError, ParseContext, SourceFile
from qunops.importers.reading import not_valid_json, record_problem


class QunopsJsonl:
    name = "qunops-jsonl"
    description = "qunops event log, JSON Lines (.jsonl)"

    def sniff(self, head: bytes, filename: str) -> bool:
        first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
        return first.startswith(b"{") and b'"kind"' in first and b'"group"' in first and b'"ts"' in first

    def parse(self, source: SourceFile, context: ParseContext) -> Iterator[Event]:
        groups: dict[tuple[str, str], GroupRef] = {}
        with source.open_binary() as stream:
            for number, raw in enumerate(stream, start=1):
                line = raw.strip()
                if number == 1:
                    line = line.removeprefix(b"\xef\xbb\xbf")
                if not line:
                    continue
                try:
                    record = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    raise ImportFormatError(source.name, number, not_valid_json(exc)) from None
                if not isinstance(record, dict):
                    raise ImportFormatError(source.name, number, Text("each line must be a JSON object"))
                try:
                    yield _event(record, groups, context)
                except (KeyError, ValueError, TypeError) as exc:
                    raise ImportFormatError(source.name, number, record_problem(exc)) from None


def _event(record: dict[str, Any], groups: dict[tuple[str, str], GroupRef], context: ParseContext) -> Event:
    platform = Platform(_require(record, "platform"))
    group_id = str(_require(record, "group"))
    group = groups.get((platform, group_id))
    name = record.get("group_name")
    if group is None or (name and name != group.name):
        group = GroupRef(platform, group_id, str(name or group_id))
        groups[(platform, group_id)] = group
    ts = datetime.fromisoformat(str(_require(record, "ts")))
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=context.timezone)
    content_type = record.get("content_type")
    kind = EventKind(_require(record, "kind"))
    return Event(
        group=group,
        kind=kind,
        ts=ts,
        member=_member(record.get("member")),
        actor=_member(record.get("actor")),
        content_type=ContentType(content_type)
        if content_type
        else (ContentType.TEXT if kind is EventKind.MESSAGE else None),
        text=str(record.get("text") or ""),
        source_id=_optional_str(record.get("id")),
        reply_to_source_id=_optional_str(record.get("reply_to")),
        mentions=tuple(m for m in (_member(x) for x in record.get("mentions") or ()) if m is not None),
        payload=dict(record.get("payload") or {}),
    )


def _member(value: Any) -> MemberRef | None:
    if value is None:
        return None
    if isinstance(value, str):
        return MemberRef(name=value)
    if not isinstance(value, dict):
        raise TypeError("a member must be an object {id, name} or a name")
    external = _optional_str(value.get("id"))
    name = str(value.get("name") or external or "")
    if not name:
        raise ValueError("a member needs an id or a name")
    return MemberRef(name=name, external_id=external, is_bot=bool(value.get("bot", False)))


def _require(record: dict[str, Any], key: str) -> Any:
    value = record.get(key)
    if value is None or value == "":
        raise KeyError(key)
    return value


def _optional_str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)

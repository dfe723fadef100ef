"""WeFlow JSON exports (`{weflow, session, messages}`) and ycccccccy/echotrace (the same without `weflow`).
Streamed with ijson. `createTime` is epoch seconds; `isSend` null marks a system message."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from qunops.core.events import Event, GroupRef, MemberRef
from qunops.core.platforms import Platform
from qunops.core.texts import Text
from qunops.importers.base import ImportFormatError, ParseContext, SourceFile
from qunops.importers.reading import (
    ITEM,
    RECORD_ERRORS,
    VALUE,
    bad_message,
    epoch_seconds,
    json_events,
    not_an_object,
)
from qunops.importers.wechat import content as kinds
from qunops.importers.wechat.system import system_events

_SESSION = frozenset({"session.wxid", "session.nickname", "session.remark", "session.displayName"})


class WeFlowJson:
    name = "weflow-json"
    description = "WeFlow / echotrace WeChat export (.json)"

    def sniff(self, head: bytes, filename: str) -> bool:
        start = head[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
        return (
            start.startswith(b"{")
            and b'"session"' in start
            and (b'"weflow"' in start or b'"senderUsername"' in start or b'"createTime"' in start)
        )

    def parse(self, source: SourceFile, context: ParseContext) -> Iterator[Event]:
        session: dict[str, str] = {}
        group: GroupRef | None = None
        count = 0
        for what, prefix, value in json_events(source, items=frozenset({"messages.item"}), values=_SESSION):
            if what == VALUE:
                session[prefix.removeprefix("session.")] = str(value) if value is not None else ""
                continue
            if what != ITEM:
                continue
            count += 1
            if group is None:
                wxid = session.get("wxid")
                if not wxid:
                    raise ImportFormatError(source.name, None, Text("no session.wxid before the messages"))
                name = session.get("displayName") or session.get("remark") or session.get("nickname") or wxid
                group = GroupRef(Platform.WECHAT, wxid, name)
            if not isinstance(value, dict):
                raise ImportFormatError(source.name, None, not_an_object(count))
            try:
                yield from _events(value, group)
            except RECORD_ERRORS as exc:
                raise ImportFormatError(source.name, None, bad_message(count, None, exc)) from None
        if count == 0 and not session:
            raise ImportFormatError(source.name, None, Text("no session or messages: not a WeFlow export"))


def _events(record: dict[str, Any], group: GroupRef) -> Iterator[Event]:
    ts = epoch_seconds(record["createTime"])
    text = str(record.get("content") or "")
    type_name = str(record.get("type") or "")
    if (record.get("isSend") is None and "isSend" in record) or type_name in kinds.SYSTEM_NAMES:
        yield from system_events(group, ts, text)
        return
    wxid = str(record.get("senderUsername") or "") or None
    member = MemberRef(str(record.get("senderDisplayName") or wxid or ""), wxid)
    kind, content = kinds.by_name(type_name, text)
    yield Event(group, kind, ts, member=member, content_type=content, text=kinds.readable(text, content))

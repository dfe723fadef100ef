"""LC044/WeChatMsg (留痕, MemoTrace) exports: `<remark>_utf8.csv` (utf-8-sig) and `<remark>.txt`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath

from qunops.core.events import ContentType, Event, EventKind, GroupRef, MemberRef
from qunops.core.platforms import Platform
from qunops.core.texts import Text
from qunops.importers.base import ImportFormatError, ParseContext, SourceFile
from qunops.importers.reading import (
    RECORD_ERRORS,
    UTF8_BOM,
    bad_value,
    column_count,
    csv_rows,
    decode_head,
    epoch_seconds,
    expected_columns,
    local_time,
    record_problem,
    text_lines,
)
from qunops.importers.wechat import content as kinds
from qunops.importers.wechat.system import system_events

COLUMNS = [
    "localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status", "StrContent", "StrTime",
    "Remark", "NickName", "Sender",
]  # fmt: skip


def chat_group(source_name: str) -> GroupRef:
    stem = PurePath(source_name.rpartition("!")[2] or source_name).stem.removesuffix("_utf8")
    return GroupRef(Platform.WECHAT, f"wechatmsg:{stem}", stem)


class MemoTraceCsv:
    name = "wechatmsg-csv"
    description = "WeChatMsg / MemoTrace (留痕) chat export (.csv)"

    def sniff(self, head: bytes, filename: str) -> bool:
        first = head.removeprefix(UTF8_BOM).split(b"\n", 1)[0].strip()
        return first == ",".join(COLUMNS).encode()

    def parse(self, source: SourceFile, context: ParseContext) -> Iterator[Event]:
        group = chat_group(source.name)
        rows = csv_rows(source, "utf-8-sig")
        header = next(rows, None)
        if header is None or header[1] != COLUMNS:
            raise ImportFormatError(source.name, 1, expected_columns(COLUMNS))
        you: MemberRef | None = None
        for line, row in rows:
            if len(row) != len(COLUMNS):
                raise ImportFormatError(source.name, line, column_count(COLUMNS, row))
            record = dict(zip(COLUMNS, row, strict=True))
            try:
                type_code, sub_type = int(record["Type"]), int(record["SubType"] or 0)
                ts = (
                    epoch_seconds(record["CreateTime"])
                    if record["CreateTime"]
                    else local_time(datetime.strptime(record["StrTime"], "%Y-%m-%d %H:%M:%S"), context)
                )
            except RECORD_ERRORS as exc:
                raise ImportFormatError(source.name, line, record_problem(exc)) from None
            text = record["StrContent"]
            if type_code in kinds.SYSTEM_TYPES:
                yield from system_events(group, ts, text, you=you)
                continue
            wxid = record["Sender"] or None
            member = MemberRef(record["NickName"] or record["Remark"] or wxid or "", wxid)
            if record["IsSender"] == "1" and wxid:
                you = member
            kind, content = kinds.by_code(type_code, sub_type)
            if content is ContentType.TEXT:
                content = kinds.by_text(text)
                kind = EventKind.RED_PACKET_SENT if content is ContentType.RED_PACKET else kind
            yield Event(
                group, kind, ts, member=member, content_type=content, text=kinds.readable(text, content)
            )


_TXT_HEADER = re.compile(r"^(?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?P<rest>.*)$")
_TXT_PLACEHOLDERS = {
    "[图片]": ContentType.IMAGE,
    "[语音]": ContentType.VOICE,
    "[视频]": ContentType.VIDEO,
    "[表情包]": ContentType.STICKER,
    "[文件]": ContentType.FILE,
    "[音乐分享]": ContentType.LINK,
    "[位置分享]": ContentType.LOCATION,
    "[名片]": ContentType.CONTACT_CARD,
    "[拍一拍]": ContentType.PAT,
    "[语音通话]": ContentType.CALL,
    "[视频通话]": ContentType.CALL,
}


class MemoTraceText:
    name = "wechatmsg-txt"
    description = "WeChatMsg / MemoTrace (留痕) chat export (.txt)"

    def sniff(self, head: bytes, filename: str) -> bool:
        text = decode_head(head[:8192].removeprefix(UTF8_BOM), ("utf-8",))
        if text is None:
            return False
        lines = [line for line in text.splitlines() if line.strip()][:2]
        return bool(lines) and _TXT_HEADER.match(lines[0]) is not None and "消息记录" not in text[:200]

    def parse(self, source: SourceFile, context: ParseContext) -> Iterator[Event]:
        group = chat_group(source.name)
        pending: _Block | None = None
        for number, line in text_lines(source, "utf-8-sig"):
            header = _TXT_HEADER.match(line)
            if header is not None:
                if pending is not None:
                    yield from pending.events(group)
                try:
                    when = datetime.strptime(header["time"], "%Y-%m-%d %H:%M:%S")
                except ValueError:
                    raise ImportFormatError(source.name, number, bad_value("time", header["time"])) from None
                pending = _Block(local_time(when, context), header["rest"])
            elif pending is not None:
                pending.lines.append(line)
            elif line.strip():
                raise ImportFormatError(
                    source.name, number, Text("expected `YYYY-MM-DD HH:MM:SS name` first")
                )
        if pending is None:
            raise ImportFormatError(source.name, None, Text("no WeChat messages found"))
        yield from pending.events(group)


@dataclass(slots=True)
class _Block:
    """One message: `time name` then its lines; a system message is `time text` with no lines."""

    ts: datetime
    rest: str
    lines: list[str] = field(default_factory=list)

    def events(self, group: GroupRef) -> Iterator[Event]:
        while self.lines and not self.lines[-1].strip():
            self.lines.pop()
        if not self.lines:
            yield from system_events(group, self.ts, self.rest)
            return
        text = "\n".join(self.lines)
        stripped = text.strip()
        content = _TXT_PLACEHOLDERS.get(stripped) or kinds.by_text(stripped)
        if stripped.startswith("[链接]"):
            content = ContentType.LINK
        elif len(self.lines) > 1 and self.lines[-1].startswith("引用:"):
            content = ContentType.QUOTE
        kind = EventKind.RED_PACKET_SENT if content is ContentType.RED_PACKET else EventKind.MESSAGE
        yield Event(
            group, kind, self.ts, member=MemberRef(self.rest.strip()), content_type=content, text=text
        )

"""QQ exports: the PC message manager's text export, and shuakami/qq-chat-exporter JSON.

Text export (`全部消息记录.txt`): one or several chats, each introduced by a header block
(`消息分组:…`, `消息对象:<title>`); then `YYYY-MM-DD H:MM:SS[ AM|PM] <name>(<QQ number>)` or
`<name><<e-mail>>` lines, each followed by the message's lines and a blank line. UTF-8 (with or without a
BOM) or GB18030, with CRLF, LF or bare CR line ends. Times are local (read in the import's timezone); the
format has no message ids.

Identity:
- Group external id `qqtxt:<title>` (the `消息对象` title as written; the file stem when the file has no
  header block). The JSON export names the group the same way, as `qqjson:<chatInfo.name>`, since it
  has no group number either.
- Members: the QQ number (or, for e-mail accounts, the e-mail) is the external id, so the same person matches
  the OneBot gateway's `user_id`. The name is the group card at the time, without a title prefix such as
  `【管理员】` (kept in payload["title"]). System lines (`系统消息(10000)`) name people by card only; a card
  already seen as a sender in the same file resolves to that sender's number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath
from typing import Any

from qunops.core.events import ContentType, Event, EventKind, GroupRef, JoinChannel, MemberRef
from qunops.core.platforms import Platform
from qunops.core.texts import Text
from qunops.importers.base import OUTSIDE_ANY_MESSAGE, ImportFormatError, ParseContext, SourceFile
from qunops.importers.reading import (
    ITEM,
    RECORD_ERRORS,
    UTF8_BOM,
    VALUE,
    bad_message,
    bad_time,
    decode_head,
    epoch_seconds,
    json_events,
    local_time,
    not_an_object,
    text_lines,
)

_HEADER = re.compile(
    r"^(?P<date>\d{4}-\d{1,2}-\d{1,2}) (?P<time>\d{1,2}:\d{2}:\d{2})"
    r"(?: (?P<ampm>AM|PM|am|pm|上午|下午))? (?P<sender>.+)$"
)
_WITH_ID = re.compile(r"^(?P<name>.*)\((?P<id>\d{4,12})\)$")
_WITH_EMAIL = re.compile(r"^(?P<name>.*)<(?P<email>[^<>\s]+@[^<>\s]+)>$")
_TITLE = re.compile(r"^【(?P<title>[^】]{1,12})】")
_RULE_LINE = re.compile(r"^={8,}$")
_FILE_TITLE = "消息记录（此消息记录为文本格式"  # the first line of an export, repeated before each chat
_SYSTEM_IDS = frozenset({"10000", "1000000"})
_SYSTEM_NAME = "系统消息"
_PLACEHOLDERS = {
    "[图片]": ContentType.IMAGE,
    "[表情]": ContentType.STICKER,
    "[语音]": ContentType.VOICE,
    "[视频]": ContentType.VIDEO,
    "[文件]": ContentType.FILE,
    "[转账]": ContentType.TRANSFER,
    "[位置]": ContentType.LOCATION,
    "[名片]": ContentType.CONTACT_CARD,
    "[链接]": ContentType.LINK,
    "[分享]": ContentType.LINK,
    "[小程序]": ContentType.MINI_PROGRAM,
    "[戳一戳]": ContentType.PAT,
    "[拍一拍]": ContentType.PAT,
}
_RED_PACKET = re.compile(r"^\[(?:QQ)?红包\]")
_MENTION = re.compile(r"(?<![A-Za-z0-9._%+-])@(?P<name>[^\s@]{1,40})")  # not the @ of an e-mail
_MUTE_UNITS = {"天": 86400, "小时": 3600, "分钟": 60, "分": 60, "秒": 1}


class QQText:
    name = "qq-txt"
    description = "QQ PC message manager export (.txt), UTF-8 or GB18030"

    def sniff(self, head: bytes, filename: str) -> bool:
        text = decode_head(head[:16384].removeprefix(UTF8_BOM), ("utf-8", "gb18030"))
        if text is None:
            return False
        if _FILE_TITLE in text or "消息对象:" in text:
            return True
        lines = text.splitlines()[:40]
        return any(
            (m := _HEADER.match(line)) is not None
            and (_WITH_ID.match(m["sender"]) or _WITH_EMAIL.match(m["sender"]))
            for line in lines
        )

    def parse(self, source: SourceFile, context: ParseContext) -> Iterator[Event]:
        encoding = _encoding(source)
        stem = PurePath(source.name.rpartition("!")[2] or source.name).stem
        chat = _Chat(GroupRef(Platform.QQ, f"qqtxt:{stem}", stem))
        pending: _Pending | None = None
        in_header_block = False
        previous_blank = True
        seen_any = False
        for number, line in text_lines(source, encoding):
            # The next chat's header block: its rule lines, and the title line above them (after a blank
            # line), which would otherwise end up in the previous chat's last message.
            if _RULE_LINE.match(line.strip()) or (previous_blank and line.startswith(_FILE_TITLE)):
                if pending is not None:
                    yield from pending.events(chat, context)
                    pending = None
                in_header_block = True
                seen_any = True
                continue
            if in_header_block or pending is None:
                if line.startswith("消息对象:") or line.startswith("消息对象："):
                    title = line[5:].strip()
                    chat = _Chat(GroupRef(Platform.QQ, f"qqtxt:{title}", title))
                    continue
                if line.startswith(("消息分组:", "消息分组：", "消息记录（")):
                    continue
            header = _HEADER.match(line)
            if header is not None and (previous_blank or _is_account(header["sender"])):
                if pending is not None:
                    yield from pending.events(chat, context)
                try:
                    when = _header_time(header)
                except ValueError as exc:
                    raise ImportFormatError(source.name, number, bad_time(exc)) from None
                pending = _Pending(number, local_time(when, context), _sender(header["sender"]))
                in_header_block = False
                seen_any = True
            elif pending is not None:
                pending.lines.append(line)
            elif line.strip() and not in_header_block:
                context.skip(number, OUTSIDE_ANY_MESSAGE)
            previous_blank = not line.strip()
        if pending is not None:
            yield from pending.events(chat, context)
        elif not seen_any:
            raise ImportFormatError(source.name, None, Text("no QQ messages found"))


def _encoding(source: SourceFile) -> str:
    head = source.head(65536)
    if head.startswith(UTF8_BOM):
        return "utf-8-sig"
    if decode_head(head, ("utf-8",)) is not None:
        return "utf-8"
    # Older clients wrote the system code page: GB18030 is the superset of GBK/GB2312.
    return "gb18030"


def _is_account(sender: str) -> bool:
    return bool(_WITH_ID.match(sender) or _WITH_EMAIL.match(sender))


def _header_time(header: re.Match[str]) -> datetime:
    when = datetime.strptime(f"{header['date']} {header['time']}", "%Y-%m-%d %H:%M:%S")
    meridiem = header["ampm"]
    if meridiem:
        if when.hour > 12:
            raise ValueError("hour out of range for a 12-hour clock")
        hour = when.hour % 12 + (12 if meridiem in ("PM", "pm", "下午") else 0)
        when = when.replace(hour=hour)
    return when


@dataclass(frozen=True, slots=True)
class _Sender:
    member: MemberRef
    title: str | None
    system: bool


def _sender(text: str) -> _Sender:
    account = _WITH_ID.match(text)
    email = _WITH_EMAIL.match(text) if account is None else None
    if account is not None:
        name, external = account["name"], account["id"]
    elif email is not None:
        name, external = email["name"], email["email"]
    else:
        name, external = text, None  # discussion groups (多人聊天) write no account after the name
    system = name.strip() == _SYSTEM_NAME and (external in _SYSTEM_IDS or external is None)
    title_match = _TITLE.match(name)
    title = title_match["title"] if title_match else None
    if title_match:
        name = name[title_match.end() :]
    name = name.strip() or (external or "")
    return _Sender(MemberRef(name, external), title, system)


@dataclass(slots=True)
class _Chat:
    """One chat of the file, with the cards seen so far (to give system lines' names a QQ number)."""

    group: GroupRef
    cards: dict[str, MemberRef] = field(default_factory=dict)

    def member(self, name: str) -> MemberRef:
        name = _TITLE.sub("", name.strip())
        return self.cards.get(name) or MemberRef(name)


@dataclass(slots=True)
class _Pending:
    line: int
    ts: datetime
    sender: _Sender
    lines: list[str] = field(default_factory=list)

    def events(self, chat: _Chat, context: ParseContext) -> Iterator[Event]:
        while self.lines and not self.lines[-1].strip():
            self.lines.pop()
        text = "\n".join(self.lines)
        if self.sender.system:
            yield from system_events(chat.group, self.ts, text, chat.member)
            return
        member = self.sender.member
        if member.name:
            chat.cards[member.name] = member
        payload: dict[str, Any] = {"title": self.sender.title} if self.sender.title else {}
        yield message_event(chat.group, self.ts, member, text, payload, chat.member)


def message_event(
    group: GroupRef,
    ts: datetime,
    member: MemberRef,
    text: str,
    payload: dict[str, Any],
    lookup: Any,
    source_id: str | None = None,
    reply_to: str | None = None,
) -> Event:
    stripped = text.strip()
    kind = EventKind.MESSAGE
    content = _PLACEHOLDERS.get(stripped, ContentType.TEXT)
    if _RED_PACKET.match(stripped):
        kind, content = EventKind.RED_PACKET_SENT, ContentType.RED_PACKET
    mentions = tuple(lookup(found["name"]) for found in _MENTION.finditer(text))
    return Event(
        group,
        kind,
        ts,
        member=member,
        content_type=content,
        text=text,
        source_id=source_id,
        reply_to_source_id=reply_to,
        mentions=mentions,
        payload=payload,
    )


_SYSTEM_PATTERNS: tuple[tuple[re.Pattern[str], EventKind, JoinChannel | None], ...] = (
    (
        re.compile(r"^(?P<actor>.+?)邀请(?P<member>.+?)加入(?:了)?(?:本群|群聊)。?$"),
        EventKind.JOIN,
        JoinChannel.INVITE,
    ),
    (re.compile(r"^(?P<member>.+?)(?:已)?加入(?:了)?(?:本群|群聊)。?$"), EventKind.JOIN, JoinChannel.UNKNOWN),
    (re.compile(r"^(?P<member>.+?)被(?P<actor>.+?)移出(?:了)?(?:本群|群聊)。?$"), EventKind.REMOVAL, None),
    (re.compile(r"^(?P<member>.+?)被移出(?:了)?(?:本群|群聊)。?$"), EventKind.REMOVAL, None),
    (re.compile(r"^(?P<member>.+?)(?:已)?退出(?:了)?(?:本群|群聊)。?$"), EventKind.LEAVE, None),
    (re.compile(r"^(?P<member>.+?)撤回了一条(?:成员)?消息。?$"), EventKind.RECALL, None),
    (
        re.compile(
            r"^(?P<member>.+?)(?:修改了群名称为|将群名称修改为|修改群名称为)[:：]?\s*[“\"]?(?P<name>.+?)[”\"]?$"
        ),
        EventKind.RENAME,
        None,
    ),
    (
        re.compile(r"^(?P<member>.+?)被(?P<actor>.+?)?禁言(?P<amount>\d+)(?P<unit>天|小时|分钟|分|秒)"),
        EventKind.MUTE,
        None,
    ),
    (re.compile(r"^(?P<member>.+?)被(?P<actor>.+?)?解除(?:了)?禁言"), EventKind.MUTE, None),
    (
        re.compile(r"^(?P<member>.+?)(?:成为|被设置为|被设为)(?:了)?(?:本群)?管理员"),
        EventKind.ADMIN_CHANGE,
        None,
    ),
    (re.compile(r"^(?P<member>.+?)(?:被取消(?:了)?管理员|不再是管理员)"), EventKind.ADMIN_CHANGE, None),
)
_SHARED = re.compile(
    r"^(?:\[图片\]\s*)?(?P<member>.+?) (?P<what>分享文件|发表动态|上传了文件) \d{1,2}:\d{2}:\d{2}$"
)


def system_events(group: GroupRef, ts: datetime, text: str, lookup: Any) -> Iterator[Event]:
    """Events of a `系统消息` body (also used by the JSON export's system messages)."""
    first, _, rest = text.partition("\n")
    shared = _SHARED.match(first.strip())
    if shared is not None:
        member = lookup(shared["member"])
        if shared["what"] == "发表动态":
            yield Event(group, EventKind.OTHER, ts, member=member, text=text)
        else:
            file_name = rest.strip().removesuffix("下载").strip().strip('"“”')
            yield Event(
                group,
                EventKind.MESSAGE,
                ts,
                member=member,
                content_type=ContentType.FILE,
                text=text,
                payload={"file": file_name} if file_name else {},
            )
        return
    body = text.strip()
    for pattern, kind, channel in _SYSTEM_PATTERNS:
        found = pattern.match(body)
        if found is None:
            continue
        values = found.groupdict()
        member = lookup(values["member"])
        actor = lookup(values["actor"]) if values.get("actor") else None
        payload: dict[str, Any] = {}
        if kind is EventKind.JOIN:
            payload["channel"] = channel
        elif kind is EventKind.RENAME:
            payload["name"] = values["name"]
            member, actor = member, None
        elif kind is EventKind.MUTE:
            amount = values.get("amount")
            payload["seconds"] = int(amount) * _MUTE_UNITS[values["unit"]] if amount else 0
        elif kind is EventKind.ADMIN_CHANGE:
            payload["granted"] = "取消" not in body and "不再" not in body
        yield Event(group, kind, ts, member=member, actor=actor, text=body, payload=payload)
        return
    yield Event(group, EventKind.OTHER, ts, text=body)


class QQChatExporterJson:
    name = "qq-chat-exporter"
    description = "QQ NT chat export by shuakami/qq-chat-exporter (.json)"

    def sniff(self, head: bytes, filename: str) -> bool:
        start = head[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
        return (
            start.startswith(b"{")
            and b'"chatInfo"' in start
            and (b'"metadata"' in start or b'"messages"' in start)
        )

    def parse(self, source: SourceFile, context: ParseContext) -> Iterator[Event]:
        chat_name: str | None = None
        chat: _Chat | None = None
        count = 0
        for what, _prefix, value in json_events(
            source, items=frozenset({"messages.item"}), values=frozenset({"chatInfo.name"})
        ):
            if what == VALUE:
                chat_name = str(value)
                continue
            if what != ITEM:
                continue
            count += 1
            if chat is None:
                name = chat_name or PurePath(source.name.rpartition("!")[2] or source.name).stem
                chat = _Chat(GroupRef(Platform.QQ, f"qqjson:{name}", name))
            if not isinstance(value, dict):
                raise ImportFormatError(source.name, None, not_an_object(count))
            try:
                yield from _json_message(value, chat, context)
            except RECORD_ERRORS as exc:
                raise ImportFormatError(source.name, None, bad_message(count, None, exc)) from None
        if chat is None and chat_name is None:
            raise ImportFormatError(
                source.name, None, Text("no chatInfo or messages: not a qq-chat-exporter file")
            )


def _json_message(record: dict[str, Any], chat: _Chat, context: ParseContext) -> Iterator[Event]:
    stamp = record["timestamp"]
    if isinstance(stamp, str) and not stamp.strip().isdigit():
        ts = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        if ts.tzinfo is None:
            ts = local_time(ts, context)
    else:
        ts = epoch_seconds(stamp)
    sender = record.get("sender") or {}
    raw = record.get("rawMessage") or {}
    uin = str(sender.get("uin") or raw.get("senderUin") or "") or None
    uid = str(sender.get("uid") or raw.get("senderUid") or "") or None
    name = str(raw.get("sendMemberName") or raw.get("sendNickName") or sender.get("name") or uin or uid or "")
    title_match = _TITLE.match(name)
    if title_match:
        name = name[title_match.end() :]
    member = MemberRef(name, uin or uid)
    content = record.get("content") or {}
    text = str(content.get("text") or "")
    message_id = record.get("messageId") or record.get("id")
    source_id = str(message_id) if message_id not in (None, "") else None
    if record.get("isSystemMessage"):
        yield from system_events(chat.group, ts, text, chat.member)
        return
    if name:
        chat.cards[name] = member
    if record.get("isRecalled"):
        payload = {"recalled_source_id": source_id} if source_id else {}
        yield Event(chat.group, EventKind.RECALL, ts, member=member, text=text, payload=payload)
        return
    reply = content.get("reply") or {}
    reply_to = reply.get("referencedMessageId") or reply.get("messageId")
    event = message_event(
        chat.group, ts, member, text, {}, chat.member, source_id, str(reply_to) if reply_to else None
    )
    resources = content.get("resources") or []
    kinds = [str(r.get("type")) for r in resources if isinstance(r, dict)]
    if kinds and event.kind is EventKind.MESSAGE:
        event.content_type = _RESOURCE_TYPES.get(kinds[0], ContentType.FILE)
    elif (
        content.get("emojis")
        and event.content_type is ContentType.TEXT
        and not _MENTION.sub("", text).strip("[]表情 ")
    ):
        event.content_type = ContentType.STICKER
    if reply_to and event.content_type is ContentType.TEXT:
        event.content_type = ContentType.QUOTE
    yield event


_RESOURCE_TYPES = {
    "image": ContentType.IMAGE,
    "video": ContentType.VIDEO,
    "voice": ContentType.VOICE,
    "audio": ContentType.VOICE,
    "file": ContentType.FILE,
    "location": ContentType.LOCATION,
}

"""What a WeChat message carries, from the database type codes or the exporters' type names."""

from __future__ import annotations

import re

from qunops.core.events import ContentType, EventKind

SYSTEM_TYPES = frozenset({10000, 10002})

# (Type, SubType) of PC MSG.db rows for Type 49 (app messages); other types ignore SubType.
_APP_SUBTYPES = {
    0: ContentType.FILE,
    1: ContentType.TEXT,
    3: ContentType.LINK,
    4: ContentType.LINK,
    5: ContentType.LINK,
    6: ContentType.FILE,
    8: ContentType.IMAGE,
    17: ContentType.LOCATION,
    19: ContentType.OTHER,  # a forwarded bundle of messages
    33: ContentType.MINI_PROGRAM,
    36: ContentType.MINI_PROGRAM,
    50: ContentType.LINK,
    51: ContentType.LINK,
    57: ContentType.QUOTE,
    63: ContentType.LINK,
    88: ContentType.LINK,
    2000: ContentType.TRANSFER,
    2001: ContentType.RED_PACKET,
}
_TYPES = {
    1: ContentType.TEXT,
    3: ContentType.IMAGE,
    34: ContentType.VOICE,
    42: ContentType.CONTACT_CARD,
    43: ContentType.VIDEO,
    47: ContentType.STICKER,
    48: ContentType.LOCATION,
    50: ContentType.CALL,
    62: ContentType.VIDEO,
    1048625: ContentType.STICKER,
    16777265: ContentType.LINK,
    436207665: ContentType.RED_PACKET,
    419430449: ContentType.TRANSFER,
    822083633: ContentType.QUOTE,
    922746929: ContentType.PAT,
    -1879048186: ContentType.LOCATION,
}
ANNOUNCEMENT_APP_SUBTYPE = 87

# PyWxDump's `type_name` and WeFlow's `type`, without the "(分享)" prefix PyWxDump puts on shares.
_NAMES = {
    "文本": ContentType.TEXT,
    "粘贴的文本": ContentType.TEXT,
    "图片": ContentType.IMAGE,
    "GIF": ContentType.IMAGE,
    "语音": ContentType.VOICE,
    "视频": ContentType.VIDEO,
    "动画表情": ContentType.STICKER,
    "推荐公众号": ContentType.CONTACT_CARD,
    "位置": ContentType.LOCATION,
    "位置共享": ContentType.LOCATION,
    "文件": ContentType.FILE,
    "音乐": ContentType.LINK,
    "卡片式链接": ContentType.LINK,
    "合并转发的聊天记录": ContentType.OTHER,
    "笔记": ContentType.OTHER,
    "小程序": ContentType.MINI_PROGRAM,
    "收藏夹": ContentType.OTHER,
    "视频号名片": ContentType.LINK,
    "视频号视频": ContentType.LINK,
    "接龙": ContentType.OTHER,
    "引用回复": ContentType.QUOTE,
    "直播": ContentType.LINK,
    "转账": ContentType.TRANSFER,
    "赠送红包封面": ContentType.OTHER,
    "语音通话": ContentType.CALL,
    "添加好友": ContentType.OTHER,
    "文本消息": ContentType.TEXT,
    "图片消息": ContentType.IMAGE,
    "语音消息": ContentType.VOICE,
    "视频消息": ContentType.VIDEO,
    "文件消息": ContentType.FILE,
    "名片消息": ContentType.CONTACT_CARD,
    "图文消息": ContentType.LINK,
    "位置消息": ContentType.LOCATION,
    "红包卡片": ContentType.RED_PACKET,
    "转账卡片": ContentType.TRANSFER,
    "小程序分享": ContentType.MINI_PROGRAM,
    "视频号直播卡片": ContentType.LINK,
    "引用消息": ContentType.QUOTE,
    "聊天记录合并转发": ContentType.OTHER,
    "通话消息": ContentType.CALL,
    "拍一拍": ContentType.PAT,
}
SYSTEM_NAMES = frozenset({"系统通知", "消息撤回", "拍一拍消息", "邀请加群", "系统消息"})
ANNOUNCEMENT_NAMES = frozenset({"群公告"})

# Texts a message (not a system notice) carries for red packets and transfers in some exporters.
_RED_PACKET_TEXT = re.compile(r"^(?:\[红包\]|收到红包，请在手机上查看|发出红包，请在手机上查看|\[微信红包\])")
_TRANSFER_TEXT = re.compile(r"^(?:\[转账\]|收到转账，请在手机上查看|转账：|已收款：)")


def by_code(type_code: int, sub_type: int) -> tuple[EventKind, ContentType]:
    if type_code == 49 and sub_type == ANNOUNCEMENT_APP_SUBTYPE:
        return EventKind.ANNOUNCEMENT, ContentType.TEXT
    content = _APP_SUBTYPES.get(sub_type, ContentType.LINK) if type_code == 49 else _TYPES.get(type_code)
    return _kind(content or ContentType.OTHER)


def by_name(name: str, text: str = "") -> tuple[EventKind, ContentType]:
    clean = name.strip().removeprefix("(分享)")
    if clean in ANNOUNCEMENT_NAMES:
        return EventKind.ANNOUNCEMENT, ContentType.TEXT
    content = _NAMES.get(clean, ContentType.OTHER)
    if content is ContentType.TEXT:
        content = by_text(text)
    return _kind(content)


def by_text(text: str) -> ContentType:
    """Red packets and transfers that some exporters write as plain text."""
    stripped = text.strip()
    if _RED_PACKET_TEXT.match(stripped):
        return ContentType.RED_PACKET
    if _TRANSFER_TEXT.match(stripped):
        return ContentType.TRANSFER
    return ContentType.TEXT


def _kind(content: ContentType) -> tuple[EventKind, ContentType]:
    if content is ContentType.RED_PACKET:
        return EventKind.RED_PACKET_SENT, content
    return EventKind.MESSAGE, content


_TITLE = re.compile(r"<title>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?</title>", re.DOTALL)


def readable(text: str, content: ContentType) -> str:
    """The text worth keeping: message text as is; for XML payloads (links, quotes, files) their title."""
    if content is ContentType.TEXT or not text.lstrip().startswith("<"):
        return text
    found = _TITLE.search(text)
    return found[1].strip() if found else ""

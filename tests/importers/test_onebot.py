"""OneBot v11 event logs: group messages and the notices a QQ gateway emits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from qunops.core.events import ContentType, EventKind, JoinChannel, MemberRef
from qunops.importers.base import ImportFormatError
from qunops.importers.onebot import OneBotEvents
from tests.importers.support import run

GROUP = 123456


def _notice(kind: str, sub_type: str, **extra: Any) -> dict[str, Any]:
    return {
        "time": 1700000000,
        "self_id": 999,
        "post_type": "notice",
        "notice_type": kind,
        "sub_type": sub_type,
        "group_id": GROUP,
        **extra,
    }


LOG: list[dict[str, Any]] = [
    {
        "time": 1700000000,
        "self_id": 999,
        "post_type": "message",
        "message_type": "group",
        "sub_type": "normal",
        "message_id": 1001,
        "group_id": GROUP,
        "user_id": 10001,
        "message": [
            {"type": "reply", "data": {"id": "1000"}},
            {"type": "at", "data": {"qq": "10002"}},
            {"type": "text", "data": {"text": " 看这个"}},
            {"type": "image", "data": {"file": "a.jpg"}},
        ],
        "raw_message": "",
        "font": 0,
        "sender": {"user_id": 10001, "nickname": "wang", "card": "小王", "role": "admin"},
    },
    {
        "time": 1700000001,
        "self_id": 999,
        "post_type": "message",
        "message_type": "group",
        "sub_type": "normal",
        "message_id": 1002,
        "group_id": GROUP,
        "user_id": 10002,
        "message": "[CQ:image,file=b.jpg]",
        "raw_message": "[CQ:image,file=b.jpg]",
        "sender": {"user_id": 10002, "nickname": "li"},
    },
    {
        "time": 1700000002,
        "self_id": 999,
        "post_type": "message",
        "message_type": "private",
        "sub_type": "friend",
        "message_id": 1003,
        "user_id": 10002,
        "message": "hi",
        "raw_message": "hi",
        "sender": {"user_id": 10002},
    },
    _notice("group_increase", "invite", operator_id=10001, user_id=10003),
    _notice("group_increase", "approve", operator_id=10001, user_id=10004),
    _notice("group_decrease", "leave", operator_id=10004, user_id=10004),
    _notice("group_decrease", "kick", operator_id=10001, user_id=10003),
    _notice("group_decrease", "kick_me", operator_id=10001, user_id=999),
    _notice("group_ban", "ban", operator_id=10001, user_id=10002, duration=600),
    _notice("group_ban", "lift_ban", operator_id=10001, user_id=10002, duration=0),
    _notice("group_recall", "", operator_id=10001, user_id=10002, message_id=1002),
    _notice("group_admin", "set", user_id=10002),
    _notice("group_admin", "unset", user_id=10002),
    {
        "time": 1700000003,
        "self_id": 999,
        "post_type": "request",
        "request_type": "group",
        "sub_type": "add",
        "group_id": GROUP,
        "user_id": 10005,
        "comment": "答案：朋友介绍",
        "flag": "f1",
    },
    {"time": 1700000004, "self_id": 999, "post_type": "meta_event", "meta_event_type": "heartbeat"},
]


def test_messages_and_notices() -> None:
    data = "\n".join(json.dumps(record, ensure_ascii=False) for record in LOG).encode()
    events = run(OneBotEvents(), data, "events.jsonl")
    rows = [
        (e.kind, e.member.external_id if e.member else None, e.actor.external_id if e.actor else None)
        for e in events
    ]
    assert rows == [
        (EventKind.MESSAGE, "10001", None),
        (EventKind.MESSAGE, "10002", None),
        (EventKind.JOIN, "10003", "10001"),
        (EventKind.JOIN, "10004", "10001"),
        (EventKind.LEAVE, "10004", None),
        (EventKind.REMOVAL, "10003", "10001"),
        (EventKind.REMOVAL, "999", "10001"),
        (EventKind.MUTE, "10002", "10001"),
        (EventKind.MUTE, "10002", "10001"),
        (EventKind.RECALL, "10002", "10001"),
        (EventKind.ADMIN_CHANGE, "10002", None),
        (EventKind.ADMIN_CHANGE, "10002", None),
        (EventKind.OTHER, "10005", None),
    ]
    first = events[0]
    assert first.group.external_id == "123456" and first.member == MemberRef("小王", "10001")
    assert first.source_id == "1001" and first.reply_to_source_id == "1000"
    assert first.mentions == (MemberRef("10002", "10002"),) and first.text == "@10002 看这个"
    assert first.content_type is ContentType.TEXT and first.payload == {"role": "admin"}
    assert events[1].content_type is ContentType.IMAGE
    assert events[2].payload == {"channel": JoinChannel.INVITE}
    assert events[3].payload == {"channel": JoinChannel.REQUEST}
    assert [events[7].payload, events[8].payload] == [{"seconds": 600}, {"seconds": 0}]
    assert events[9].payload == {"recalled_source_id": "1002"}
    assert [events[10].payload, events[11].payload] == [{"granted": True}, {"granted": False}]
    assert events[12].payload == {"request": "add", "comment": "答案：朋友介绍", "flag": "f1"}


def test_a_broken_line_names_its_number() -> None:
    with pytest.raises(ImportFormatError, match=r"events.jsonl:2: not valid JSON"):
        run(OneBotEvents(), json.dumps(LOG[0]).encode() + b'\n{"post_type": ', "events.jsonl")

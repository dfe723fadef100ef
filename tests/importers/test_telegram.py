"""Telegram Desktop JSON: group service records, full-account exports, replies and media."""

from __future__ import annotations

import json
from typing import Any

from qunops.core.events import ContentType, EventKind, JoinChannel, MemberRef
from qunops.importers.telegram import TelegramJson
from tests.importers.support import run


def _service(id_: int, action: str, actor: str, actor_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": id_,
        "type": "service",
        "date": "2024-01-01T10:00:00",
        "date_unixtime": str(1704103200 + id_),
        "actor": actor,
        "actor_id": actor_id,
        "action": action,
        **extra,
        "text": "",
        "text_entities": [],
    }


GROUP = {
    "name": "Runners",
    "type": "private_supergroup",
    "id": 1500000001,
    "messages": [
        _service(1, "create_group", "Ann", "user1", title="Runners", members=["Ann", "Ben"]),
        _service(2, "invite_members", "Ann", "user1", members=["Cat", "Dan"]),
        _service(3, "join_group_by_link", "Eve", "user5", inviter="Ann"),
        _service(4, "invite_members", "Fay", "user6", members=["Fay"]),
        _service(5, "remove_members", "Ann", "user1", members=["Dan"]),
        _service(6, "remove_members", "Cat", "user3", members=["Cat"]),
        _service(7, "edit_group_title", "Ann", "user1", title="Runners 2024"),
        _service(8, "pin_message", "Ann", "user1", message_id=9),
        {
            "id": 9,
            "type": "message",
            "date": "2024-01-01T10:00:09",
            "date_unixtime": "1704103209",
            "from": "Ben",
            "from_id": "user2",
            "reply_to_message_id": 1,
            "forwarded_from": "News",
            "text": [
                "hi ",
                {"type": "mention_name", "text": "Eve", "user_id": 5},
                " and ",
                {"type": "mention", "text": "@fay"},
            ],
        },
        {
            "id": 10,
            "type": "message",
            "date": "2024-01-01T10:00:10",
            "from": "Ben",
            "from_id": "user2",
            "file": "(File not included. Change data exporting settings to download.)",
            "media_type": "voice_message",
            "text": "",
        },
        _service(11, "migrate_from_group", "Ann", "user1", title="Runners"),
        {"id": 12, "type": "unsupported"},
    ],
}


def test_group_service_records() -> None:
    events = run(TelegramJson(), json.dumps(GROUP).encode(), "result.json")
    rows = [
        (e.kind, e.member.name if e.member else None, e.actor.name if e.actor else None, e.source_id)
        for e in events
    ]
    assert rows == [
        (EventKind.JOIN, "Ann", None, "1"),
        (EventKind.JOIN, "Ben", "Ann", None),
        (EventKind.JOIN, "Cat", "Ann", "2"),
        (EventKind.JOIN, "Dan", "Ann", None),
        (EventKind.JOIN, "Eve", "Ann", "3"),
        (EventKind.JOIN, "Fay", None, "4"),
        (EventKind.REMOVAL, "Dan", "Ann", "5"),
        (EventKind.LEAVE, "Cat", None, "6"),
        (EventKind.RENAME, "Ann", None, "7"),
        (EventKind.ANNOUNCEMENT, "Ann", None, "8"),
        (EventKind.MESSAGE, "Ben", None, "9"),
        (EventKind.MESSAGE, "Ben", None, "10"),
        (EventKind.OTHER, "Ann", None, "11"),
    ]
    assert {e.group.external_id for e in events} == {"-1001500000001"}
    assert events[0].payload["channel"] is JoinChannel.CREATED
    assert events[2].payload == {"channel": JoinChannel.INVITE}
    assert events[4].payload == {"channel": JoinChannel.LINK} and events[4].member == MemberRef("Eve", "5")
    assert events[8].payload == {"name": "Runners 2024"}
    assert events[9].payload == {"pinned_source_id": "9"}
    message = events[10]
    assert message.text == "hi Eve and @fay" and message.reply_to_source_id == "1"
    assert message.mentions == (MemberRef("Eve", "5"), MemberRef("@fay"))
    assert message.payload == {"forwarded_from": "News"}
    assert events[11].content_type is ContentType.VOICE
    assert events[11].ts.isoformat() == "2024-01-01T10:00:10+00:00"  # no date_unixtime: local `date`


def test_full_account_export_with_left_chats() -> None:
    chat = {
        "name": "A",
        "type": "private_group",
        "id": 42,
        "messages": [
            {
                "id": 1,
                "type": "message",
                "date_unixtime": "1700000000",
                "from": "X",
                "from_id": "user7",
                "text": "a",
            }
        ],
    }
    left = {
        "name": "B",
        "type": "public_channel",
        "id": 43,
        "messages": [
            {
                "id": 1,
                "type": "message",
                "date_unixtime": "1700000001",
                "from": "B",
                "from_id": "channel43",
                "text": "b",
            }
        ],
    }
    document = {
        "about": "export",
        "personal_information": {"first_name": "me"},
        "chats": {"about": "chats", "list": [chat]},
        "left_chats": {"about": "left", "list": [left]},
    }
    events = run(TelegramJson(), json.dumps(document).encode(), "result.json")
    assert [(e.group.external_id, e.group.name, e.member, e.source_id) for e in events] == [
        ("-42", "A", MemberRef("X", "7"), "1"),
        ("-10043", "B", MemberRef("B", "-10043"), "1"),
    ]

"""DiscordChatExporter JSON message kinds and CSV."""

from __future__ import annotations

import json
from typing import Any

from qunops.core.events import ContentType, EventKind, JoinChannel, MemberRef
from qunops.importers.discord import DiscordCsv, DiscordJson
from tests.importers.support import SHANGHAI, run


def _user(id_: str, name: str) -> dict[str, Any]:
    return {"id": id_, "name": name, "discriminator": "0000", "nickname": name.title(), "isBot": False}


def _message(id_: str, kind: str, author: dict[str, Any], content: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "id": id_,
        "type": kind,
        "timestamp": f"2024-02-0{id_[-1]}T12:00:00+00:00",
        "content": content,
        "author": author,
        "attachments": [],
        "embeds": [],
        "stickers": [],
        "reactions": [],
        "mentions": [],
        **extra,
    }


def test_kinds_replies_mentions_and_joins() -> None:
    ann, bob = _user("11", "ann"), _user("22", "bob")
    document = {
        "guild": {"id": "900", "name": "Makers"},
        "channel": {"id": "901", "type": "GuildTextChat", "name": "general"},
        "messages": [
            _message("1", "GuildMemberJoin", bob, "Joined the server."),
            _message(
                "2",
                "Default",
                ann,
                "hi @Bob",
                mentions=[bob],
                reactions=[{"emoji": {"id": None, "name": "👍"}, "count": 2}],
            ),
            _message("3", "Reply", bob, "hello", reference={"messageId": "2", "channelId": "901"}),
            _message("4", "Default", bob, "", attachments=[{"id": "5", "url": "u", "fileName": "a.png"}]),
            _message("5", "ChannelPinnedMessage", ann, "Pinned a message.", reference={"messageId": "3"}),
            _message("6", "ThreadCreated", ann, "Started a thread."),
        ],
    }
    events = run(DiscordJson(), json.dumps(document).encode(), "export.json")
    assert [e.kind for e in events] == [
        EventKind.JOIN,
        EventKind.MESSAGE,
        EventKind.MESSAGE,
        EventKind.MESSAGE,
        EventKind.ANNOUNCEMENT,
        EventKind.OTHER,
    ]
    assert events[0].member == MemberRef("Bob", "22") and events[0].payload == {
        "channel": JoinChannel.UNKNOWN
    }
    assert events[1].mentions == (MemberRef("Bob", "22"),)
    assert events[1].payload == {"reactions": [{"emoji": "👍", "count": 2}]}
    assert events[2].reply_to_source_id == "2"
    assert events[3].content_type is ContentType.IMAGE
    assert events[4].payload == {"pinned_source_id": "3"}
    assert {e.group.external_id for e in events} == {"901"} and events[0].group.name == "Makers #general"


def test_csv() -> None:
    text = (
        '"AuthorID","Author","Date","Content","Attachments","Reactions"\n'
        '"11","ann#0000","2024-02-01T12:00:00+08:00","hello ""all""","",""\n'
        '"22","bob","01-Feb-24 01:00 PM","","https://cdn/x.mp4","❤ (2),paul (3)"\n'
        '"22","bob","01-Feb-24 01:01 PM","Joined the server.","",""\n'
    )
    events = run(DiscordCsv(), text.encode(), "Makers - general [1064990764406419508].csv", zone=SHANGHAI)
    assert [e.kind for e in events] == [EventKind.MESSAGE, EventKind.MESSAGE, EventKind.JOIN]
    assert events[0].group.external_id == "1064990764406419508" and events[0].member == MemberRef("ann", "11")
    assert events[0].text == 'hello "all"' and events[0].ts.isoformat() == "2024-02-01T04:00:00+00:00"
    assert events[1].content_type is ContentType.VIDEO
    assert events[1].ts.isoformat() == "2024-02-01T05:00:00+00:00"
    assert events[1].payload["reactions"] == [{"emoji": "❤", "count": 2}, {"emoji": "paul", "count": 3}]
    assert all(e.source_id is None for e in events)

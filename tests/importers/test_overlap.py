"""A later export of the same chat that overlaps an earlier one gives the overlapping messages the same
identity (group, message id or content, time, member), so their stored keys match and nothing doubles."""

from __future__ import annotations

import json
from typing import Any

import pytest

from qunops.core.events import Event, EventKind
from qunops.core.keys import KeyMaker
from qunops.importers.base import Importer
from qunops.importers.onebot import OneBotEvents
from qunops.importers.qq import QQText
from qunops.importers.telegram import TelegramJson
from qunops.importers.whatsapp import WhatsAppText
from tests.importers.support import SHANGHAI, run, sample


def _identity(event: Event) -> tuple[Any, ...]:
    return (
        event.group.platform,
        event.group.external_id,
        event.kind,
        event.source_id or event.text,
        event.ts,
        event.member.identity_key() if event.member else None,
    )


def _keys(events: list[Event]) -> set[bytes]:
    maker = KeyMaker()
    return {maker.key(event) for event in events}


@pytest.mark.parametrize(
    ("importer", "relative", "first_end", "second_start"),
    [
        (WhatsAppText(), "whatsapp/englishandroid24h.txt", 30, 12),
        (WhatsAppText(), "whatsapp/germaniosampm.txt", 40, 9),
        (WhatsAppText(), "whatsapp/handmade/test_ddmmyy_24hrs.txt", 7, 2),
        (QQText(), "qq/group_export_anonymized.txt", 2000, 1500),
    ],
)
def test_overlapping_text_exports_agree(
    importer: Importer, relative: str, first_end: int, second_start: int
) -> None:
    lines = sample(relative).read_bytes().splitlines(keepends=True)
    # a QQ export always starts with its header block naming the chat
    header = b"".join(lines[:8]) if importer.name == "qq-txt" else b""
    name = "WhatsApp Chat with Test.txt" if importer.name == "whatsapp" else "全部消息记录.txt"

    def messages(data: bytes) -> list[Event]:
        return [e for e in run(importer, data, name, SHANGHAI) if e.kind is EventKind.MESSAGE]

    earlier = messages(b"".join(lines[:first_end]))
    later = messages(header + b"".join(lines[second_start:]))
    # what both files contain, read on its own; its last message may be cut short by the split
    shared = messages(header + b"".join(lines[second_start:first_end]))[:-1]
    assert shared, "the two exports must overlap"
    for export in (earlier, later):
        identities = {_identity(e) for e in export}
        assert [e for e in shared if _identity(e) not in identities] == []
    assert len(_keys(earlier) | _keys(later)) < len(earlier) + len(later)


def test_overlapping_telegram_exports_agree() -> None:
    def export(ids: range) -> bytes:
        messages = [
            {
                "id": i,
                "type": "message",
                "date": f"2024-01-01T10:00:{i:02d}",
                "date_unixtime": str(1704103200 + i),
                "from": "Ann",
                "from_id": "user1",
                "text": f"m{i}",
            }
            for i in ids
        ]
        return json.dumps({"name": "G", "type": "private_supergroup", "id": 7, "messages": messages}).encode()

    first = run(TelegramJson(), export(range(1, 6)), "result.json")
    second = run(TelegramJson(), export(range(3, 9)), "result (1).json")
    assert {_identity(e) for e in first[2:]} <= {_identity(e) for e in second}
    assert len(_keys(first) | _keys(second)) == 8


def test_overlapping_onebot_logs_agree() -> None:
    def log(ids: range) -> bytes:
        return b"\n".join(
            json.dumps(
                {
                    "time": 1700000000 + i,
                    "self_id": 1,
                    "post_type": "message",
                    "message_type": "group",
                    "message_id": i,
                    "group_id": 5,
                    "user_id": 9,
                    "message": f"m{i}",
                }
            ).encode()
            for i in ids
        )

    first, second = run(OneBotEvents(), log(range(1, 6))), run(OneBotEvents(), log(range(3, 9)))
    assert {_identity(e) for e in first[2:]} <= {_identity(e) for e in second}
    assert len(_keys(first) | _keys(second)) == 8

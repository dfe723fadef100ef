"""Damaged exports: truncated or corrupted files of every format raise ImportFormatError or parse, never
anything else (no UnicodeDecodeError, KeyError, ijson or csv errors escaping)."""

from __future__ import annotations

import contextlib
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qunops.importers.base import Importer, ImportFormatError
from qunops.importers.discord import DiscordCsv, DiscordJson
from qunops.importers.onebot import OneBotEvents
from qunops.importers.qq import QQChatExporterJson, QQText
from qunops.importers.telegram import TelegramJson
from qunops.importers.wechat import MemoTraceCsv, MemoTraceText, PyWxDumpCsv, WeFlowJson
from qunops.importers.whatsapp import WhatsAppText
from tests.importers.support import run

VALID: list[tuple[Importer, bytes]] = [
    (
        WhatsAppText(),
        "\ufeff[1/29/18, 12:24:07 PM] You added Mallory\n[1/29/18, 12:24:12 PM] Mallory: Hey!\nmore\n"
        "1/29/18, 23:47 - Bob: <Media omitted>\n".encode(),
    ),
    (
        QQText(),
        (
            "\ufeff消息对象:群\r\n================\r\n\r\n2016-07-19 8:27:15 甲(20007919)\r\n好\r多行\r\n\r\n"
            "2016-07-21 8:23:04 系统消息(10000)\r\n乙加入本群\r\n\r\n"
        ).encode(),
    ),
    (QQText(), "消息对象:群\n\n2016-07-19 8:27:15 甲(20007919)\n你好世界\n".encode("gb18030")),
    (
        QQChatExporterJson(),
        json.dumps(
            {
                "chatInfo": {"name": "g"},
                "messages": [
                    {
                        "messageId": "1",
                        "timestamp": "2024-05-01T08:00:00Z",
                        "sender": {"uin": "1", "name": "a"},
                        "content": {"text": "x", "reply": {"referencedMessageId": "0"}},
                    }
                ],
            }
        ).encode(),
    ),
    (
        TelegramJson(),
        json.dumps(
            {
                "name": "g",
                "type": "private_group",
                "id": 1,
                "messages": [
                    {
                        "id": 1,
                        "type": "message",
                        "date_unixtime": "1700000000",
                        "from": "a",
                        "from_id": "user1",
                        "text": ["x", {"type": "mention_name", "text": "b", "user_id": 2}],
                    },
                    {
                        "id": 2,
                        "type": "service",
                        "date": "2024-01-01T00:00:00",
                        "actor": "a",
                        "actor_id": "user1",
                        "action": "invite_members",
                        "members": ["b", None],
                    },
                ],
            }
        ).encode(),
    ),
    (
        DiscordJson(),
        json.dumps(
            {
                "guild": {"id": "1", "name": "g"},
                "channel": {"id": "2", "name": "c"},
                "messages": [
                    {
                        "id": "3",
                        "type": "Reply",
                        "timestamp": "2024-01-01T00:00:00+00:00",
                        "content": "x",
                        "author": {"id": "4", "name": "a"},
                        "mentions": [{"id": "5", "name": "b"}],
                        "reference": {"messageId": "1"},
                    }
                ],
            }
        ).encode(),
    ),
    (
        DiscordCsv(),
        b'"AuthorID","Author","Date","Content","Attachments","Reactions"\n'
        b'"1","a","2024-01-01T00:00:00+00:00","x","","\xe2\x9d\xa4 (2)"\n',
    ),
    (
        OneBotEvents(),
        json.dumps(
            {
                "time": 1,
                "self_id": 2,
                "post_type": "message",
                "message_type": "group",
                "message_id": 3,
                "group_id": 4,
                "user_id": 5,
                "message": "[CQ:at,qq=6] hi",
            }
        ).encode()
        + b"\n"
        + json.dumps(
            {
                "time": 1,
                "self_id": 2,
                "post_type": "notice",
                "notice_type": "group_ban",
                "sub_type": "ban",
                "group_id": 4,
                "user_id": 5,
                "operator_id": 6,
                "duration": 60,
            }
        ).encode(),
    ),
    (
        MemoTraceCsv(),
        "\ufefflocalId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,"
        "NickName,Sender\n1,2,1,0,0,1704067200,,早,2024-01-01 08:00:00,r,n,wxid_a\n"
        '2,2,10000,0,0,1704067201,,"""甲""邀请""乙""加入了群聊",2024-01-01 08:00:01,,,\n'.encode(),
    ),
    (MemoTraceText(), "2024-01-01 08:00:00 阿甲\n早\n\n2024-01-01 08:00:01 你撤回了一条消息\n\n".encode()),
    (
        PyWxDumpCsv(),
        "id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime\n"
        "1,2,文本,0,wxid_a,1@chatroom,你好,,2024-01-01 08:00:00\n".encode(),
    ),
    (
        WeFlowJson(),
        json.dumps(
            {
                "session": {"wxid": "1@chatroom"},
                "messages": [
                    {
                        "createTime": 1704067200,
                        "type": "文本消息",
                        "content": "hi",
                        "isSend": 0,
                        "senderUsername": "a",
                    },
                    {"createTime": 1704067201, "type": "系统消息", "content": "<sysmsg><bad", "isSend": None},
                ],
            }
        ).encode(),
    ),
]


def _consume(importer: Importer, data: bytes) -> None:
    with contextlib.suppress(ImportFormatError):
        run(importer, data, "damaged")


def test_the_valid_exports_parse() -> None:
    for importer, data in VALID:
        assert run(importer, data, "valid"), importer.name


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(range(len(VALID))), cut=st.floats(min_value=0, max_value=1))
def test_truncation_raises_only_import_format_errors(case: int, cut: float) -> None:
    importer, data = VALID[case]
    _consume(importer, data[: int(len(data) * cut)])


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=st.sampled_from(range(len(VALID))),
    edits=st.lists(
        st.tuples(st.floats(min_value=0, max_value=1), st.integers(0, 255)), min_size=1, max_size=6
    ),
)
def test_corruption_raises_only_import_format_errors(case: int, edits: list[tuple[float, int]]) -> None:
    importer, data = VALID[case]
    damaged = bytearray(data)
    for where, value in edits:
        damaged[min(int(where * len(damaged)), len(damaged) - 1)] = value
    _consume(importer, bytes(damaged))

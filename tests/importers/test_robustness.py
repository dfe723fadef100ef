"""Damaged exports: truncated or corrupted files of every format raise ImportFormatError or parse, never
anything else (no UnicodeDecodeError, KeyError, ijson or csv errors escaping)."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qunops.importers.base import Importer, ImportFormatError
from qunops.importers.discord import DiscordCsv, DiscordJson
from qunops.importers.onebot import OneBotEvents
from qunops.importers.qq import QQChatExporterJson, QQText
from qunops.importers.reading import LONGEST_LINE
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


def _telegram_export(messages: int) -> bytes:
    """A Telegram export written as Telegram Desktop writes it: one field per line."""
    records = [
        {
            "id": n,
            "type": "message",
            "date": "2024-05-01T08:00:00",
            "date_unixtime": str(1714550400 + n),
            "from": f"成员 {n % 7}",
            "from_id": f"user{n % 7}",
            "text": f"消息 {n}：今天的分享很有收获",
        }
        for n in range(1, messages + 1)
    ]
    export = {"name": "群", "type": "private_supergroup", "id": 5, "messages": records}
    return json.dumps(export, ensure_ascii=False, indent=1).encode()


LONG_JSON = _telegram_export(2_500)  # about 500 KB: the parser's error is far past its first reads


def _line_of(data: bytes | bytearray, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(min_value=1, max_value=len(LONG_JSON) - 2))
def test_a_json_export_cut_short_names_its_last_line(cut: int) -> None:
    data = LONG_JSON[:cut]
    try:
        run(TelegramJson(), data, "result.json")
    except ImportFormatError as exc:
        expected = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        assert exc.line == expected and "broken JSON" in exc.problem
    else:
        raise AssertionError("a cut export parsed")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.integers(min_value=0, max_value=len(LONG_JSON) - 1), value=st.sampled_from(b'"{}[],:x\\'))
def test_a_damaged_json_export_names_a_line_at_or_after_the_damage(where: int, value: int) -> None:
    """A parser cannot stop before the damage (what precedes it is valid): the line it names, where it
    can name one, is the damaged line or a later one."""
    damaged = bytearray(LONG_JSON)
    damaged[where] = value
    try:
        run(TelegramJson(), bytes(damaged), "result.json")
    except ImportFormatError as exc:
        assert exc.line is None or _line_of(damaged, where) <= exc.line <= damaged.count(b"\n") + 1


def test_a_json_export_with_a_broken_field_names_its_line() -> None:
    lines = LONG_JSON.split(b"\n")
    target = next(n for n, line in enumerate(lines) if b'"text": "\xe6\xb6\x88\xe6\x81\xaf 2000' in line)
    lines[target] = lines[target].replace(b'"text"', b"text", 1)
    with pytest.raises(ImportFormatError) as raised:
        run(TelegramJson(), b"\n".join(lines), "result.json")
    assert raised.value.line == target + 1
    assert str(raised.value).startswith(f"result.json:{target + 1}: broken JSON")


LONG = LONGEST_LINE + 10


@pytest.mark.parametrize(
    ("importer", "data", "line"),
    [
        (WhatsAppText(), b"1/29/18, 12:24 - Alice: hi\n" + b"a" * LONG + b"\n", 2),
        (QQText(), "消息对象:群\n\n2016-07-19 8:27:15 甲(20007919)\n".encode() + b"a" * LONG, 4),
        (OneBotEvents(), b'{"post_type": "meta_event"}\n' + b" " * LONG + b"\n", 2),
    ],
)
def test_a_line_longer_than_any_chat_message_fails_where_it_starts(
    importer: Importer, data: bytes, line: int
) -> None:
    """A line of megabytes is no chat export (or a zip bomb's payload): refused at its start, rather than
    held whole in memory and stored as one message."""
    with pytest.raises(ImportFormatError) as failed:
        run(importer, data)
    assert (failed.value.line, failed.value.problem) == (
        line,
        f"a line longer than {LONGEST_LINE:,} characters: not a chat export",
    )

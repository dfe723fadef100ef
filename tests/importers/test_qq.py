"""QQ message-manager text exports in their variants, and qq-chat-exporter JSON."""

from __future__ import annotations

import json

from qunops.core.events import ContentType, EventKind, JoinChannel, MemberRef
from qunops.importers.qq import QQChatExporterJson, QQText
from tests.importers.support import SHANGHAI, run

HEADER = (
    "消息记录（此消息记录为文本格式，不支持重新导入）\n\n"
    "================================================================\n"
    "消息分组:我的QQ群\n"
    "================================================================\n"
    "消息对象:{title}\n"
    "================================================================\n\n"
)

TWO_CHATS = (
    HEADER.format(title="读书会")
    + "2020-03-01 9:05:07 【管理员】小王(10001)\n欢迎@小李 入群\n第二行\n\n"
    + "2020-03-01 9:06:00 小李<li@example.com>\n[图片]\n\n"
    + "2020-03-01 9:07:00 系统消息(10000)\n小王邀请小赵加入了本群\n\n"
    + "2020-03-01 9:08:00 系统消息(10000)\n小李退出了本群\n\n"
    + "2020-03-01 9:09:00 系统消息(10000)\n小赵被小王移出了本群\n\n"
    + "2020-03-01 9:10:00 系统消息(10000)\n小王撤回了一条消息\n\n"
    + "2020-03-01 9:11:00 系统消息(10000)\n小李被小王禁言10分钟\n\n"
    + HEADER.format(title="跑步群")
    + "2020-03-02 21:00:00 小王(10001)\n[红包]恭喜发财\n\n"
)


def test_several_chats_titles_and_system_lines() -> None:
    events = run(QQText(), TWO_CHATS.encode("utf-8"), zone=SHANGHAI)
    assert [e.group.external_id for e in events] == ["qqtxt:读书会"] * 7 + ["qqtxt:跑步群"]
    first = events[0]
    assert first.member == MemberRef("小王", "10001") and first.payload == {"title": "管理员"}
    assert first.text == "欢迎@小李 入群\n第二行"
    assert first.mentions == (MemberRef("小李"),)  # not yet seen as a sender when mentioned
    assert first.ts.isoformat() == "2020-03-01T01:05:07+00:00"
    assert events[1].content_type is ContentType.IMAGE and events[1].member == MemberRef(
        "小李", "li@example.com"
    )
    join = events[2]
    assert (join.kind, join.member, join.actor) == (
        EventKind.JOIN,
        MemberRef("小赵"),
        MemberRef("小王", "10001"),
    )
    assert join.payload == {"channel": JoinChannel.INVITE}
    assert (events[3].kind, events[3].member) == (EventKind.LEAVE, MemberRef("小李", "li@example.com"))
    assert (events[4].kind, events[4].actor) == (EventKind.REMOVAL, MemberRef("小王", "10001"))
    assert events[5].kind is EventKind.RECALL
    assert (events[6].kind, events[6].payload) == (EventKind.MUTE, {"seconds": 600})
    assert events[6].text == "小李被小王禁言10分钟"  # the next chat's title line is not part of it
    assert events[7].kind is EventKind.RED_PACKET_SENT and events[7].content_type is ContentType.RED_PACKET


def test_gb18030_without_bom() -> None:
    data = (HEADER.format(title="老同学") + "2012-05-01 8:00:00 张三(12345)\n早上好\n\n").encode("gb18030")
    events = run(QQText(), data)
    assert [(e.group.name, e.member, e.text) for e in events] == [
        ("老同学", MemberRef("张三", "12345"), "早上好")
    ]


def test_cr_only_line_ends_and_bom() -> None:
    text = (
        HEADER.format(title="群")
        + "2020-01-01 10:00:00 甲(11111)\n一\n二\n\n2020-01-01 10:01:00 乙(22222)\n好\n\n"
    )
    events = run(QQText(), b"\xef\xbb\xbf" + text.replace("\n", "\r").encode())
    assert [(e.member.external_id if e.member else None, e.text) for e in events] == [
        ("11111", "一\n二"),
        ("22222", "好"),
    ]


def test_twelve_hour_variant_without_header_block() -> None:
    text = (
        "2019-09-23 8:43:38 PM 骰娘-Roll100(87200175)\n.r 1d100\n\n2019-09-23 12:05:00 AM 甲(11111)\n嗯\n\n"
    )
    events = run(QQText(), text.encode(), name="跑团记录.txt")
    assert events[0].group.external_id == "qqtxt:跑团记录"
    assert events[0].ts.isoformat() == "2019-09-23T20:43:38+00:00"
    assert events[1].ts.isoformat() == "2019-09-23T00:05:00+00:00"


def test_chat_exporter_json() -> None:
    document = {
        "metadata": {"name": "QQChatExporter V4", "version": "4.0.0"},
        "chatInfo": {"name": "技术交流群", "type": "group"},
        "statistics": {"totalMessages": 3},
        "messages": [
            {
                "messageId": "7001",
                "timestamp": "2024-05-01T08:00:00.000Z",
                "sender": {"uid": "u_a", "uin": "10001", "name": "小王"},
                "rawMessage": {"sendNickName": "wang", "sendMemberName": "【群主】小王"},
                "content": {"text": "大家好", "resources": []},
            },
            {
                "messageId": "7002",
                "timestamp": 1714550460000,
                "sender": {"uid": "u_b", "uin": "10002", "name": "小李"},
                "content": {
                    "text": "",
                    "resources": [{"type": "image"}],
                    "reply": {"referencedMessageId": "7001"},
                },
            },
            {
                "messageId": "7003",
                "timestamp": "2024-05-01T08:02:00.000Z",
                "isSystemMessage": True,
                "sender": {"uin": "10000", "name": "系统"},
                "content": {"text": "小赵加入本群"},
            },
            {
                "messageId": "7004",
                "timestamp": "2024-05-01T08:03:00.000Z",
                "isRecalled": True,
                "sender": {"uin": "10002", "name": "小李"},
                "content": {"text": "oops"},
            },
        ],
        "avatars": {},
    }
    events = run(QQChatExporterJson(), json.dumps(document, ensure_ascii=False).encode(), "group.json")
    assert [e.kind for e in events] == [
        EventKind.MESSAGE,
        EventKind.MESSAGE,
        EventKind.JOIN,
        EventKind.RECALL,
    ]
    assert events[0].group.external_id == "qqjson:技术交流群"
    assert events[0].member == MemberRef("小王", "10001") and events[0].source_id == "7001"
    assert events[1].content_type is ContentType.IMAGE and events[1].reply_to_source_id == "7001"
    assert events[1].ts.isoformat() == "2024-05-01T08:01:00+00:00"
    assert events[3].payload == {"recalled_source_id": "7004"}

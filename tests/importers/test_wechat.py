"""WeChat exports (WeChatMsg CSV/TXT, PyWxDump CSV, WeFlow JSON), written from export-formats.md §4 since
no real export is available, and the system messages they carry."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from qunops.core.events import ContentType, EventKind, GroupRef, JoinChannel, MemberRef
from qunops.core.platforms import Platform
from qunops.importers.wechat import MemoTraceCsv, MemoTraceText, PyWxDumpCsv, WeFlowJson
from qunops.importers.wechat.system import system_events
from tests.importers.support import SHANGHAI, run

GROUP = GroupRef(Platform.WECHAT, "1@chatroom", "g")
TS = datetime(2024, 1, 1, tzinfo=UTC)

TEMPLATE_INVITE = (
    '<sysmsg type="sysmsgtemplate"><sysmsgtemplate><content_template type="tmpl_type_profile">'
    '<plain><![CDATA[]]></plain><template><![CDATA["$username$"邀请"$names$"加入了群聊]]></template>'
    '<link_list><link name="username" type="link_profile"><memberlist><member>'
    "<username><![CDATA[wxid_a]]></username><nickname><![CDATA[阿甲]]></nickname></member></memberlist></link>"
    '<link name="names" type="link_profile"><memberlist>'
    "<member><username><![CDATA[wxid_b]]></username><nickname><![CDATA[阿乙]]></nickname></member>"
    "<member><username><![CDATA[wxid_c]]></username><nickname><![CDATA[阿丙]]></nickname></member>"
    "</memberlist><separator><![CDATA[、]]></separator></link></link_list></content_template>"
    "</sysmsgtemplate></sysmsg>"
)
TEMPLATE_QR = TEMPLATE_INVITE.replace(
    '"$username$"邀请"$names$"加入了群聊', '"$adder$"通过扫描"$from$"分享的二维码加入群聊'
)
TEMPLATE_QR = TEMPLATE_QR.replace('name="username"', 'name="adder"').replace('name="names"', 'name="from"')


def _rows(text: str) -> list[tuple[EventKind, str | None, str | None, str | None]]:
    return [
        (
            e.kind,
            e.member.name if e.member else None,
            e.actor.name if e.actor else None,
            str(e.payload.get("channel") or e.payload.get("name") or e.payload.get("sender") or "") or None,
        )
        for e in system_events(GROUP, TS, text)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"李卓桓"邀请"Huan LI++"加入了群聊', [(EventKind.JOIN, "Huan LI++", "李卓桓", "invite")]),
        (
            '"张三"邀请"李四、王五"加入了群聊',
            [(EventKind.JOIN, "李四", "张三", "invite"), (EventKind.JOIN, "王五", "张三", "invite")],
        ),
        (
            '"李佳芮"邀请你加入了群聊，群聊参与人还有：小桔、桔小秘',
            [(EventKind.JOIN, "你", "李佳芮", "invite")],
        ),
        (
            '"李卓桓"邀请你和"Huan LI++"加入了群聊',
            [(EventKind.JOIN, "你", "李卓桓", "invite"), (EventKind.JOIN, "Huan LI++", "李卓桓", "invite")],
        ),
        ('你邀请"X"加入了群聊', [(EventKind.JOIN, "X", "你", "invite")]),
        ('"X"通过扫描"Y"分享的二维码加入群聊', [(EventKind.JOIN, "X", "Y", "qr")]),
        ('"X"通过扫描你分享的二维码加入群聊', [(EventKind.JOIN, "X", "你", "qr")]),
        ('"X" joined group chat via the QR code you shared', [(EventKind.JOIN, "X", "你", "qr")]),
        ("You invited X to the group chat", [(EventKind.JOIN, "X", "你", "invite")]),
        ('你将"X"移出了群聊', [(EventKind.REMOVAL, "X", "你", None)]),
        ('你被"群主"移出群聊', [(EventKind.REMOVAL, "你", "群主", None)]),
        ('"X"修改群名为"新名字"', [(EventKind.RENAME, "X", None, "新名字")]),
        ('你修改群名为"周末"', [(EventKind.RENAME, "你", None, "周末")]),
        ('"X" 撤回了一条消息', [(EventKind.RECALL, "X", None, None)]),
        (
            '<![CDATA[你撤回了一条消息 <a href="weixin://revoke_edit_click">重新编辑</a>]]>',
            [(EventKind.RECALL, "你", None, None)],
        ),
        ("小明领取了你的红包", [(EventKind.RED_PACKET_CLAIMED, "小明", None, "你")]),
        ("你领取了小明的红包", [(EventKind.RED_PACKET_CLAIMED, "你", None, "小明")]),
        ('"X" 拍了拍 "Y"', [(EventKind.MESSAGE, "X", None, None)]),
        ("群聊名称已修改", [(EventKind.OTHER, None, None, None)]),
    ],
)
def test_system_texts(
    text: str, expected: list[tuple[EventKind, str | None, str | None, str | None]]
) -> None:
    assert _rows(text) == expected


def test_sysmsgtemplate_carries_wxids() -> None:
    invited = list(system_events(GROUP, TS, TEMPLATE_INVITE))
    assert [(e.member, e.actor) for e in invited] == [
        (MemberRef("阿乙", "wxid_b"), MemberRef("阿甲", "wxid_a")),
        (MemberRef("阿丙", "wxid_c"), MemberRef("阿甲", "wxid_a")),
    ]
    (qr,) = system_events(GROUP, TS, TEMPLATE_QR)
    assert qr.payload == {"channel": JoinChannel.QR}
    assert qr.member == MemberRef("阿甲", "wxid_a")


def _csv(rows: list[list[str]], bom: bool = True) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


MEMOTRACE_HEADER = (
    "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender"
)


def test_wechatmsg_csv() -> None:
    rows = [
        MEMOTRACE_HEADER.split(","),
        [
            "1",
            "217",
            "1",
            "0",
            "0",
            "1704067200",
            "",
            "早",
            "2024-01-01 08:00:00",
            "备注甲",
            "阿甲",
            "wxid_a",
        ],
        [
            "2",
            "217",
            "47",
            "0",
            "1",
            "1704067201",
            "",
            '<msg><emoji fromusername="wxid_me"/></msg>',
            "2024-01-01 08:00:01",
            "",
            "我自己",
            "wxid_me",
        ],
        [
            "3",
            "217",
            "10000",
            "0",
            "0",
            "1704067202",
            "",
            '你邀请"阿乙"加入了群聊',
            "2024-01-01 08:00:02",
            "",
            "",
            "",
        ],
        [
            "4",
            "217",
            "49",
            "57",
            "0",
            "1704067203",
            "",
            "<msg><appmsg><title>同意</title></appmsg></msg>",
            "2024-01-01 08:00:03",
            "",
            "阿甲",
            "wxid_a",
        ],
        [
            "5",
            "217",
            "49",
            "2000",
            "0",
            "1704067204",
            "",
            "<msg/>",
            "2024-01-01 08:00:04",
            "",
            "阿甲",
            "wxid_a",
        ],
        [
            "6",
            "217",
            "10000",
            "0",
            "0",
            "1704067205",
            "",
            "阿乙领取了你的红包",
            "2024-01-01 08:00:05",
            "",
            "",
            "",
        ],
        [
            "7",
            "217",
            "49",
            "87",
            "0",
            "1704067206",
            "",
            "<msg><appmsg><title>群规</title></appmsg></msg>",
            "2024-01-01 08:00:06",
            "",
            "阿甲",
            "wxid_a",
        ],
    ]
    events = run(MemoTraceCsv(), _csv(rows), "读书群_utf8.csv")
    assert events[0].group.external_id == "wechatmsg:读书群"
    assert [(e.kind, e.content_type) for e in events] == [
        (EventKind.MESSAGE, ContentType.TEXT),
        (EventKind.MESSAGE, ContentType.STICKER),
        (EventKind.JOIN, None),
        (EventKind.MESSAGE, ContentType.QUOTE),
        (EventKind.MESSAGE, ContentType.TRANSFER),
        (EventKind.RED_PACKET_CLAIMED, None),
        (EventKind.ANNOUNCEMENT, ContentType.TEXT),
    ]
    assert events[0].member == MemberRef("阿甲", "wxid_a")
    assert events[0].ts.isoformat() == "2024-01-01T00:00:00+00:00"
    # the exporting user, seen sending row 2, is the inviter of row 3 and the red packet's sender in row 6
    assert events[2].actor == MemberRef("我自己", "wxid_me") and events[2].member == MemberRef("阿乙")
    assert events[3].text == "同意"
    assert events[5].payload == {"sender": "wxid_me"}


def test_wechatmsg_csv_with_wrong_columns_is_refused() -> None:
    from qunops.importers.base import ImportFormatError

    with pytest.raises(ImportFormatError, match="expected the columns"):
        run(MemoTraceCsv(), _csv([["a", "b"], ["1", "2"]]), "x_utf8.csv")


def test_wechatmsg_txt() -> None:
    text = (
        "2024-01-01 08:00:00 阿甲\n早上好\n第二行\n\n"
        "2024-01-01 08:00:05 阿乙\n[图片]\n\n"
        '2024-01-01 08:00:06 "阿甲"邀请"阿丙"加入了群聊\n\n'
        "2024-01-01 08:00:07 阿丙\n[链接]:title:文章 description:好文 url:https://x name:公众号\n\n"
        "2024-01-01 08:00:08 阿乙\n同意\n引用:阿甲:早上好\n\n"
        "2024-01-01 08:00:09 你撤回了一条消息\n\n"
    )
    events = run(MemoTraceText(), text.encode(), "读书群.txt", zone=SHANGHAI)
    assert [(e.kind, e.content_type) for e in events] == [
        (EventKind.MESSAGE, ContentType.TEXT),
        (EventKind.MESSAGE, ContentType.IMAGE),
        (EventKind.JOIN, None),
        (EventKind.MESSAGE, ContentType.LINK),
        (EventKind.MESSAGE, ContentType.QUOTE),
        (EventKind.RECALL, None),
    ]
    assert events[0].text == "早上好\n第二行" and events[0].ts.isoformat() == "2024-01-01T00:00:00+00:00"
    assert events[2].member == MemberRef("阿丙") and events[2].actor == MemberRef("阿甲")


def test_pywxdump_csv() -> None:
    rows = [
        ["id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src", "CreateTime"],
        ["1", "8812", "文本", "0", "wxid_a", "555@chatroom", "你好", "", "2024-01-01 08:00:00"],
        ["2", "8813", "图片", "1", "我", "555@chatroom", "图片", "FileStorage/a.dat", "2024-01-01 08:00:01"],
        [
            "3",
            "8814",
            "系统通知",
            "0",
            "系统",
            "555@chatroom",
            '"阿甲"通过扫描"阿乙"分享的二维码加入群聊',
            "",
            "2024-01-01 08:00:02",
        ],
        [
            "4",
            "8815",
            "(分享)卡片式链接",
            "0",
            "wxid_a",
            "555@chatroom",
            "标题\n描述",
            "",
            "2024-01-01 08:00:03",
        ],
        [
            "5",
            "8816",
            "语音通话",
            "0",
            "wxid_a",
            "555@chatroom",
            "语音/视频通话[通话时长 00:10]",
            "",
            "2024-01-01 08:00:04",
        ],
    ]
    events = run(PyWxDumpCsv(), _csv(rows, bom=False), "555@chatroom_0_5000.csv", zone=SHANGHAI)
    assert {e.group.external_id for e in events} == {"555@chatroom"}
    assert [(e.kind, e.content_type, e.source_id) for e in events] == [
        (EventKind.MESSAGE, ContentType.TEXT, "8812"),
        (EventKind.MESSAGE, ContentType.IMAGE, "8813"),
        (EventKind.JOIN, None, "8814"),
        (EventKind.MESSAGE, ContentType.LINK, "8815"),
        (EventKind.MESSAGE, ContentType.CALL, "8816"),
    ]
    assert events[0].member == MemberRef("wxid_a", "wxid_a") and events[1].member == MemberRef("你")
    assert events[2].payload == {"channel": JoinChannel.QR} and events[2].actor == MemberRef("阿乙")
    assert events[0].ts.isoformat() == "2024-01-01T00:00:00+00:00"


def test_weflow_json() -> None:
    document = {
        "weflow": {"version": "1.0", "exportTime": 1704100000},
        "session": {
            "wxid": "777@chatroom",
            "nickname": "n",
            "remark": "",
            "displayName": "周末群",
            "type": "群聊",
        },
        "messages": [
            {
                "localId": 1,
                "createTime": 1704067200,
                "type": "文本消息",
                "content": "hi",
                "isSend": 0,
                "senderUsername": "wxid_a",
                "senderDisplayName": "阿甲",
            },
            {
                "localId": 2,
                "createTime": 1704067201,
                "type": "红包卡片",
                "content": "恭喜发财",
                "isSend": 1,
                "senderUsername": "wxid_me",
                "senderDisplayName": "我",
            },
            {
                "localId": 3,
                "createTime": 1704067202,
                "type": "系统消息",
                "content": "阿甲领取了我的红包",
                "isSend": None,
            },
            {
                "localId": 4,
                "createTime": 1704067203,
                "type": "引用消息",
                "content": "对",
                "isSend": 0,
                "senderUsername": "wxid_a",
                "senderDisplayName": "阿甲",
            },
        ],
    }
    events = run(WeFlowJson(), json.dumps(document, ensure_ascii=False).encode(), "周末群.json")
    assert [(e.kind, e.content_type) for e in events] == [
        (EventKind.MESSAGE, ContentType.TEXT),
        (EventKind.RED_PACKET_SENT, ContentType.RED_PACKET),
        (EventKind.RED_PACKET_CLAIMED, None),
        (EventKind.MESSAGE, ContentType.QUOTE),
    ]
    assert events[0].group == GroupRef(Platform.WECHAT, "777@chatroom", "周末群")
    assert events[0].member == MemberRef("阿甲", "wxid_a")
    assert events[2].payload == {"sender": "我"}

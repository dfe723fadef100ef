"""WhatsApp text exports: locales, date layouts, system lines and media placeholders."""

from __future__ import annotations

from qunops.core.events import ContentType, EventKind, JoinChannel, MemberRef
from qunops.importers.whatsapp import WhatsAppText, chat_name
from tests.importers.support import SHANGHAI, run

SPANISH = """\
3/1/24, 9:00 a. m. - Los mensajes y las llamadas están cifrados de extremo a extremo.
3/1/24, 9:01 a. m. - Ana creó el grupo "Club de lectura"
3/1/24, 9:02 a. m. - Ana añadió a Luis y Marta
3/1/24, 9:03 a. m. - Pedro se unió usando el enlace de invitación de este grupo
3/1/24, 9:04 a. m. - Luis: Hola a todos
3/1/24, 9:05 a. m. - Marta: <Multimedia omitido>
3/1/24, 9:06 a. m. - Ana eliminó a Pedro
3/1/24, 9:07 a. m. - Luis salió del grupo
3/1/24, 9:08 a. m. - Ana cambió el asunto de "Club de lectura" a "Lectores"
13/1/24, 1:30 p. m. - Marta: Se eliminó este mensaje.
"""

CHINESE = """\
\ufeff2024/01/05 上午9:00 - 消息和通话已进行端到端加密。
2024/01/05 上午9:01 - 张三创建了群组"周末爬山"
2024/01/05 上午9:02 - 张三 添加了 李四、王五
2024/01/05 下午1:15 - 李四: 大家好
第二行
2024/01/05 下午1:16 - 王五: <省略影音内容>
2024/01/05 下午1:17 - 赵六 通过此群组的邀请链接加入群组
2024/01/05 下午1:18 - 王五 退出了群组
2024/01/05 下午1:19 - 张三 移除了 赵六
2024/01/05 下午1:20 - 李四: 这条消息已删除
"""


def test_spanish_android_twelve_hour() -> None:
    events = run(WhatsAppText(), SPANISH.encode(), "WhatsApp Chat with Club de lectura.txt")
    kinds = [(e.kind, e.member.name if e.member else None, e.actor.name if e.actor else None) for e in events]
    assert kinds == [
        (EventKind.JOIN, "Ana", None),
        (EventKind.JOIN, "Luis", "Ana"),
        (EventKind.JOIN, "Marta", "Ana"),
        (EventKind.JOIN, "Pedro", None),
        (EventKind.MESSAGE, "Luis", None),
        (EventKind.MESSAGE, "Marta", None),
        (EventKind.REMOVAL, "Pedro", "Ana"),
        (EventKind.LEAVE, "Luis", None),
        (EventKind.RENAME, "Ana", None),
        (EventKind.RECALL, "Marta", None),
    ]
    assert events[0].group.external_id == "whatsapp:Club de lectura"
    assert events[3].payload == {"channel": JoinChannel.LINK}
    assert events[5].content_type is ContentType.OTHER and events[5].payload == {"media_omitted": True}
    assert events[8].payload == {"name": "Lectores"}
    # "13/1/24" settles the order as day-first; 1:30 p. m. is 13:30
    assert events[9].ts.isoformat() == "2024-01-13T13:30:00+00:00"
    assert events[0].ts.isoformat() == "2024-01-03T09:01:00+00:00"


def test_chinese_year_first_with_meridiem_before_the_time() -> None:
    events = run(WhatsAppText(), CHINESE.encode(), "与周末爬山的 WhatsApp 聊天.txt", zone=SHANGHAI)
    assert events[0].group.external_id == "whatsapp:周末爬山"
    assert [e.kind for e in events] == [
        EventKind.JOIN,
        EventKind.JOIN,
        EventKind.JOIN,
        EventKind.MESSAGE,
        EventKind.MESSAGE,
        EventKind.JOIN,
        EventKind.LEAVE,
        EventKind.REMOVAL,
        EventKind.RECALL,
    ]
    assert events[0].payload["channel"] is JoinChannel.CREATED and events[0].member == MemberRef("张三")
    assert [e.member.name for e in events[1:3] if e.member] == ["李四", "王五"]
    assert events[3].text == "大家好\n第二行"
    assert events[3].ts.isoformat() == "2024-01-05T05:15:00+00:00"  # 13:15 in Shanghai
    assert events[5].payload == {"channel": JoinChannel.LINK} and events[5].member == MemberRef("赵六")
    assert events[7].member == MemberRef("赵六") and events[7].actor == MemberRef("张三")


def test_english_system_lines_and_attachments() -> None:
    text = """\
[2/3/21, 10:00:00 AM] Bob: \u200e<attached: 00000012-PHOTO-2021-02-03-10-00-00.jpg>
[2/3/21, 10:00:01 AM] Bob: \u200e<attached: 00000013-STICKER.webp>
[2/3/21, 10:00:02 AM] Carol joined using this group's invite link
[2/3/21, 10:00:03 AM] Carol left
[2/3/21, 10:00:04 AM] Alice added Dave, Erin and Frank
[2/3/21, 10:00:05 AM] Dave: hi @\u2068Alice\u2069 and @49 151 1234567
[2/3/21, 10:00:06 AM] Erin: This message was deleted
[2/3/21, 10:00:07 AM] Alice removed Frank
[2/3/21, 10:00:08 AM] Alice changed the subject from "A: b" to "C"
"""
    events = run(WhatsAppText(), text.encode(), "x.txt")
    assert events[0].content_type is ContentType.IMAGE
    assert events[1].content_type is ContentType.STICKER
    assert (events[2].kind, events[2].payload) == (EventKind.JOIN, {"channel": JoinChannel.LINK})
    assert events[3].kind is EventKind.LEAVE
    assert [e.member.name for e in events[4:7] if e.member] == ["Dave", "Erin", "Frank"]
    assert events[7].mentions == (MemberRef("Alice"), MemberRef("491511234567"))
    assert events[8].kind is EventKind.RECALL
    assert events[9].kind is EventKind.REMOVAL
    assert events[10].kind is EventKind.RENAME and events[10].payload == {"name": "C"}


def test_chat_names_from_file_names() -> None:
    assert chat_name("/x/WhatsApp Chat with Family.txt") == "Family"
    assert chat_name("/x/WhatsApp Chat - Family.zip!_chat.txt") == "Family"
    assert chat_name("/x/WhatsApp Chat with Family (1).txt") == "Family"
    assert chat_name("/x/export.txt") == "export"


def _week(header: str) -> str:
    """An event group's week: messages on days 1 to 7, each day's date written by `header`."""
    return "".join(f"{header.format(d=d)} - Ana: day {d}\n" for d in range(1, 8))


def test_a_week_of_days_1_to_12_reads_as_consecutive_days_in_either_order() -> None:
    """No day above 12 says which field is the day: the reading under which the dates lie on nearby days
    wins (the first week of March, not the third of seven months), whichever the locale's order."""
    day_first = run(WhatsAppText(), _week("{d:02d}/03/2024, 09:00").encode(), "WhatsApp Chat with Week.txt")
    month_first = run(WhatsAppText(), _week("3/{d}/24, 9:00 AM").encode(), "WhatsApp Chat with Week.txt")
    for events in (day_first, month_first):
        assert [e.ts.isoformat() for e in events] == [f"2024-03-{d:02d}T09:00:00+00:00" for d in range(1, 8)]
    # A single date is no evidence: "/" is read month first, as en-US phones write it.
    [alone] = run(WhatsAppText(), b"01/03/2024, 09:00 - Ana: hi\n", "WhatsApp Chat with One.txt")
    assert alone.ts.isoformat() == "2024-01-03T09:00:00+00:00"

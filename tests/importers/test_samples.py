"""Every real sample export, with counts worked out by reading the file (the reasoning is in each comment),
not copied from the importer's output."""

from __future__ import annotations

import pytest

from qunops.core.events import ContentType, EventKind, JoinChannel
from qunops.importers.base import ImportFormatError, SourceFile
from qunops.importers.detect import detect, expand_paths
from qunops.importers.discord import DiscordJson
from qunops.importers.qq import QQText
from qunops.importers.telegram import TelegramJson
from qunops.importers.whatsapp import WhatsAppText
from tests.importers.support import SAMPLES, Summary, run, run_path, sample, summary

# WhatsR's four renderings of one group. `grep -c` of header lines gives 50 in each. Eight have no
# "name:" part: the encryption notice (not an event), "created group" (a JOIN of the creator), three
# "added" (JOINs), one "removed", one rename and one icon change (OTHER). The other 42 are messages,
# including Carol's empty view-once message. Members: You (the exporter), Mallory, Alice, Bob, Carol, Dave.
WHATSR = Summary(messages=42, joins=4, leaves=0, removals=1, recalls=0, members=6, groups=1)
# chat-miner / whatstk variants: 9 headers; "+12 345 578 created group" and "You were added" are system
# lines; 7 messages from John Doe, Jahn Doe, John-John Doe, "John Doe 🤓" and "🤓"; members also include
# "+12 345 578" and You.
HANDMADE = Summary(messages=7, joins=2, leaves=0, removals=0, recalls=0, members=7, groups=1)


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("whatsapp/englishandroid24h.txt", WHATSR),
        ("whatsapp/englishiosampm.txt", WHATSR),
        ("whatsapp/germanandroid24h.txt", WHATSR),
        ("whatsapp/germaniosampm.txt", WHATSR),
        # 14 headers: encryption notice, "Alice created group", "Alice added you", then 11 messages from
        # Bob, Eve, Alice, Mallory, Trent; members are those five and You.
        ("whatsapp/4A_11M.txt", Summary(11, 2, 0, 0, 0, 6, 1)),
        # 20 headers: line 1 is the encryption notice put in the "Pokemon Chat" sender slot and line 2
        # the older notice; 18 messages by 8 senders.
        ("whatsapp/handmade/pokemon.txt", Summary(18, 0, 0, 0, 0, 8, 1)),
        ("whatsapp/handmade/test_bracketed_mmddyy_24hrs.txt", HANDMADE),
        ("whatsapp/handmade/test_ddmmyy_24hrs.txt", HANDMADE),
        ("whatsapp/handmade/test_mmddyy_24hrs.txt", HANDMADE),
        ("whatsapp/handmade/test_mmddyyyy_12hrs.txt", HANDMADE),
        ("whatsapp/handmade/test_yyyymmdd_24hrs.txt", HANDMADE),
    ],
)
def test_whatsapp_samples(relative: str, expected: Summary) -> None:
    assert summary(run_path(WhatsAppText(), sample(relative))) == expected


def test_whatsapp_sample_details() -> None:
    events = run_path(WhatsAppText(), sample("whatsapp/germaniosampm.txt"))
    created, added_mallory = events[0], events[1]
    assert created.payload == {"channel": JoinChannel.CREATED, "name": "WhatsAppParserTest🙈"}
    assert added_mallory.member is not None and added_mallory.member.name == "Mallory"
    assert added_mallory.actor is not None and added_mallory.actor.name == "You"
    rename = next(e for e in events if e.kind is EventKind.RENAME)
    assert rename.payload == {"name": "Whatsappparsertest2"}
    by_type = {e.content_type for e in events if e.kind is EventKind.MESSAGE}
    assert {ContentType.VOICE, ContentType.IMAGE, ContentType.LOCATION, ContentType.OTHER} <= by_type
    # "[30.01.18, 12:00:03 AM]" is midnight; "00:04:03 AM" also
    assert [e.ts.hour for e in events if e.ts.day == 30][:2] == [0, 0]
    # U+FEFF inside the text is removed ("JuKo00\ufeff7")
    assert any(e.text == "https://github.com/JuKo007" for e in events)


def test_whatsapp_zip_member_is_the_same_chat_as_the_txt() -> None:
    (member,) = expand_paths([sample("whatsapp/4A_11M.zip")])
    assert member.name.endswith("4A_11M.zip!_chat.txt")
    from_zip = run(WhatsAppText(), member)
    from_txt = run_path(WhatsAppText(), sample("whatsapp/4A_11M.txt"))
    assert from_zip[0].group == from_txt[0].group
    assert from_zip[0].group.external_id == "whatsapp:4A_11M"
    assert [(e.kind, e.ts, e.member, e.text) for e in from_zip] == [
        (e.kind, e.ts, e.member, e.text) for e in from_txt
    ]


def test_qq_sample() -> None:
    # `grep -cP '^\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}:\d{2} '` finds 1,195 headers; 23 are 系统消息(10000): 10
    # "加入本群", 6 "撤回了一条消息", 6 "分享文件" (a member sharing a file: a FILE message) and one
    # "发表动态" (OTHER). Messages: 1195 - 23 + 6 = 1178.
    # Members: 117 distinct `(QQ number)` / `<e-mail>` accounts among the senders, plus 7 people named only
    # by system lines before they ever speak (so without a number): 新人001/002/003, 成员056 and 成员118
    # (joins), 信产-成员091 (shares a file before speaking) and 信产-成员087 (posts and recalls before
    # speaking). The other joiners (成员023, 043, 066, 074, 095) appear as senders just before their join
    # notice and resolve to their numbers, and "1000000000 分享文件" is the sender written `(1000000000)`.
    events = run_path(QQText(), sample("qq/group_export_anonymized.txt"))
    assert summary(events) == Summary(
        messages=1178, joins=10, leaves=0, removals=0, recalls=6, members=124, groups=1
    )
    assert events[0].group.external_id == "qqtxt:2015级研究生交流群"
    first = events[0]
    assert first.member is not None and first.member.external_id == "20007919"
    assert first.member.name == "移游-成员001"
    assert "\n" in first.text  # the bare CRs inside the first message are line breaks
    assert events[1].member is not None and events[1].member.external_id == "member20015838@example.com"
    join = next(e for e in events if e.kind is EventKind.JOIN)
    assert join.ts.isoformat() == "2016-07-21T08:23:04+00:00"  # unpadded hour "8:23:04"


def test_telegram_personal_chat_sample() -> None:
    # 8 records: service joined_telegram (OTHER), 6 messages (2 with photo placeholders) and a phone_call
    # service record, which is a CALL message by Alice. Two people: user700000000 (Bob), user300000000.
    events = run_path(TelegramJson(), sample("telegram/DM_2A_7M.json"))
    assert summary(events) == Summary(
        messages=7, joins=0, leaves=0, removals=0, recalls=0, members=2, groups=1
    )
    assert events[0].kind is EventKind.OTHER
    assert [e.content_type for e in events[1:]] == [ContentType.TEXT] * 4 + [ContentType.IMAGE] * 2 + [
        ContentType.CALL
    ]
    assert events[1].text == "https://google.com 👀"
    assert {e.member.external_id for e in events if e.member} == {"700000000", "300000000"}
    assert events[0].group.external_id == "700000000"
    # date_unixtime wins over the local `date` (the call: date 23:11:02 local, epoch 02:11:02 UTC)
    assert events[-1].ts.isoformat() == "2023-08-11T02:11:02+00:00"
    assert [e.source_id for e in events[:2]] == ["2675", "3644"]


@pytest.mark.parametrize(
    "relative", ["telegram/handmade/test_single_export.json", "telegram/handmade/test_batch_export.json"]
)
def test_telegram_handmade_samples(relative: str) -> None:
    # two messages by "Author 1" and "Author 2", no ids at all; the second text is an entity array
    events = run_path(TelegramJson(), sample(relative))
    assert summary(events) == Summary(
        messages=2, joins=0, leaves=0, removals=0, recalls=0, members=2, groups=1
    )
    assert events[1].text == "Link:https://telegram.org/"
    assert all(e.source_id is None for e in events)


def test_discord_direct_chat_sample() -> None:
    # 3 messages: two Default, one Call; two authors (ids 111… and 444…, the latter a bot)
    events = run_path(DiscordJson(), sample("discord/DM_2A_2M.json"))
    assert summary(events) == Summary(
        messages=3, joins=0, leaves=0, removals=0, recalls=0, members=2, groups=1
    )
    assert events[2].content_type is ContentType.CALL
    assert events[1].member is not None and events[1].member.is_bot
    assert events[0].payload["reactions"] == [{"emoji": "👆", "count": 42}]


def test_discord_server_sample() -> None:
    # 5 message records, the first two identical (same id 459136077417021488: the store keeps one);
    # authors: the deleted user 555… and mlomb 111…; one message with a sticker and an attachment
    events = run_path(DiscordJson(), sample("discord/SV_5A_5M.json"))
    assert summary(events) == Summary(
        messages=5, joins=0, leaves=0, removals=0, recalls=0, members=2, groups=1
    )
    assert len({e.source_id for e in events}) == 4
    assert events[0].group.external_id == "253601524398293010"
    assert events[0].group.name == "DefleMask #general-chiptune"
    assert events[3].content_type is ContentType.STICKER


def test_every_sample_file_is_detected_or_rejected_clearly() -> None:
    if not SAMPLES.is_dir():
        pytest.skip("../shared/samples is absent")
    expected = {
        "discord": "discord-json",
        "qq": "qq-txt",
        "telegram": "telegram-json",
        "whatsapp": "whatsapp",
    }
    for path in sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.suffix != ".md"):
        top = path.relative_to(SAMPLES).parts[0]
        if path.suffix == ".zip":
            continue  # covered by the zip test
        source = SourceFile.from_path(path)
        if top == "messenger":
            # Facebook Messenger is not an importer of ours: detection must say so, not crash
            with pytest.raises(ImportFormatError, match="not a known export format"):
                detect(source)
            continue
        assert detect(source).name == expected[top], path

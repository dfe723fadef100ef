from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from qunops.core.events import ContentType
from qunops.moderation.detectors import (
    BaitContentDetector,
    ContactDetector,
    CrossGroupDuplicateDetector,
    FloodDetector,
    KeywordDetector,
    LinkDetector,
    MentionSpamDetector,
    NewcomerDetector,
    RegexDetector,
    RegexRule,
)
from qunops.moderation.findings import PolicyCategory, Severity
from qunops.moderation.message import MemberStanding, Message, ModerationContext, RecentActivity
from qunops.moderation.verdict import Moderator

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def rules(detector: object, text: str, **kw: object) -> set[str]:
    msg = Message.of(text, **kw)  # type: ignore[arg-type]
    return {f.rule for f in detector.detect(msg, ModerationContext())}  # type: ignore[attr-defined]


KEYWORDS = KeywordDetector()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("你是傻逼吗", PolicyCategory.ABUSIVE),
        ("你是傻 逼吗", PolicyCategory.ABUSIVE),  # inserted space
        ("你是傻✨逼", PolicyCategory.ABUSIVE),  # inserted emoji
        ("這是博彩網站", PolicyCategory.ILLEGAL),  # traditional
        ("ｆｕｃｋing hell", PolicyCategory.VULGAR),  # full width, prefix entry
        ("you are a scumbag", PolicyCategory.ABUSIVE),
        ("заработок в интернете", PolicyCategory.SPAM_ADS),
        ("зaрaботok в интeрнeте", PolicyCategory.SPAM_ADS),  # Latin look-alikes
        ("大师帮你算命转运", PolicyCategory.SUPERSTITION),
        ("震惊！速看", PolicyCategory.CLICKBAIT),
        ("姐妹们快来控评", PolicyCategory.FAN_CHAOS),
        ("我是群主，转账到这里", PolicyCategory.FALSE_INFO),
    ],
)
def test_keywords_hit(text: str, category: PolicyCategory) -> None:
    found = KEYWORDS.detect(Message.of(text), ModerationContext())
    assert category in {f.category for f in found}
    assert all(f.explanation for f in found)


@pytest.mark.parametrize(
    "text", ["this is a class assignment", "shitake mushrooms? no: shiitake", "今天天气很好"]
)
def test_keywords_miss(text: str) -> None:
    found = KEYWORDS.detect(Message.of(text), ModerationContext())
    assert PolicyCategory.ABUSIVE not in {f.category for f in found}


CONTACT = ContactDetector()


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("加 V 了解", "contact:spam_ads"),
        ("薇❤信 联系", "contact:spam_ads"),
        ("有意➕v", "contact:spam_ads"),
        ("加薇信", "contact:spam_ads"),
        ("ＤＭ ｍｅ for details", "contact:spam_ads"),
        ("write me privately", "contact:spam_ads"),
        ("пишитe в лc", "contact:spam_ads"),  # stop-words.txt with Latin look-alikes
        ("детали в ЛС", "contact:spam_ads"),
        ("电话 138 1234 5678", "contact:phone"),
        ("+86 13812345678", "contact:phone"),
        ("１３８１２３４５６７８", "contact:phone"),  # full width
        ("call 08452810075 now", "contact:phone"),
        ("需要请联系qq 3643859054", "contact:qq"),
        ("w.e.c.h.a.t: shop_8888", "contact:wechat"),
        ("微信号：abc_12345", "contact:wechat"),
        ("获取就来596370929", "contact:number"),
        ("contact @crypto_agent today", "contact:handle"),
    ],
)
def test_contact_hit(text: str, rule: str) -> None:
    assert rule in rules(CONTACT, text)


@pytest.mark.parametrize("text", ["see you at 7", "价格 15 元", "我们明天见", "version 1.2.3"])
def test_contact_miss(text: str) -> None:
    assert rules(CONTACT, text) == set()


LINKS = LinkDetector(allowed_domains=["ourshop.com"])


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("visit https://example.com/x", "link:url"),
        ("https://tinyurl.com/yrd86r5b", "link:shortener"),
        ("join https://t.me/+dGA3mE_zk-EwZThk", "link:invite"),
        ("超多好物都在这wqkj777. top", "link:disguised"),
        ("kw。v2mcfsip。top专做mc账号", "link:disguised"),
        ("go to example(dot)com", "link:disguised"),
    ],
)
def test_links_hit(text: str, rule: str) -> None:
    assert rule in rules(LINKS, text)


@pytest.mark.parametrize(
    "text", ["https://ourshop.com/item/1", "shop.ourshop.com", "it hurts. is it ok", "加油"]
)
def test_links_miss(text: str) -> None:
    assert rules(LINKS, text) == set()


BAIT = BaitContentDetector()


@pytest.mark.parametrize(
    ("text", "content_type", "payload", "rule"),
    [
        ("", ContentType.CONTACT_CARD, {}, "bait:contact_card"),
        ("点击领取免费福利", ContentType.MINI_PROGRAM, {}, "bait:mini_program"),
        ("进群领红包，加我", ContentType.RED_PACKET, {}, "bait:red_packet"),
        ("", ContentType.IMAGE, {"qr": True}, "bait:qr_code"),
        ("扫码进群领福利", ContentType.TEXT, {}, "bait:qr_code"),
    ],
)
def test_bait(text: str, content_type: ContentType, payload: dict[str, object], rule: str) -> None:
    assert rule in rules(BAIT, text, content_type=content_type, payload=payload)


def test_plain_red_packet_is_not_bait() -> None:
    assert rules(BAIT, "恭喜发财，大吉大利", content_type=ContentType.RED_PACKET) == set()


def test_flooding_per_member() -> None:
    detector = FloodDetector(limit=5, window=timedelta(seconds=10))
    activity = RecentActivity()
    ctx = ModerationContext(activity=activity)
    hits = []
    for i in range(6):
        msg = Message.of(f"message {i}", member="a", group="g", ts=T0 + timedelta(seconds=i))
        activity.record(msg)
        hits.append({f.rule for f in detector.detect(msg, ctx)})
    assert hits[3] == set() and "flood:rate" in hits[4]
    # Another member in the same group is not affected; nor is the same member later on.
    other = Message.of("hi", member="b", group="g", ts=T0 + timedelta(seconds=6))
    activity.record(other)
    assert detector.detect(other, ctx) == []
    later = Message.of("hi", member="a", group="g", ts=T0 + timedelta(minutes=5))
    activity.record(later)
    assert detector.detect(later, ctx) == []


def test_repeated_text_counts_as_flood() -> None:
    detector = FloodDetector(limit=10, window=timedelta(seconds=60))
    activity = RecentActivity()
    ctx = ModerationContext(activity=activity)
    found = []
    for i in range(3):
        msg = Message.of("buy cheap followers", member="a", group="g", ts=T0 + timedelta(seconds=i * 5))
        activity.record(msg)
        found = detector.detect(msg, ctx)
    assert {f.rule for f in found} == {"flood:repeat"}


def test_same_text_across_groups_and_accounts() -> None:
    detector = CrossGroupDuplicateDetector(min_groups=3, min_members=3, window=timedelta(hours=1))
    activity = RecentActivity()
    ctx = ModerationContext(activity=activity)
    text = "超值优惠 加 V 详聊"
    variants = [text, "超值優惠 加V詳聊", "超值优惠加 v 详聊"]  # normalisation makes them one text
    found: set[str] = set()
    for i, t in enumerate(variants):
        msg = Message.of(t, member=f"m{i}", group=f"g{i}", ts=T0 + timedelta(minutes=i))
        activity.record(msg)
        found = {f.rule for f in detector.detect(msg, ctx)}
    assert found == {"duplicate:groups", "duplicate:accounts"}


ECHO = "谢谢老师的分享，收获很大！"  # what a group says after a good talk


@pytest.mark.parametrize(
    ("text", "standing", "severity"),
    [
        (ECHO, MemberStanding(joined_at=T0 - timedelta(days=90), messages_before=120), Severity.MEDIUM),
        (ECHO, MemberStanding(), Severity.MEDIUM),  # nothing known about the members
        # "thanks for the invite" from members who joined together: an echo too
        (ECHO, MemberStanding(joined_at=T0 - timedelta(hours=2), messages_before=0), Severity.MEDIUM),
        (
            ECHO + " https://x.top/a",
            MemberStanding(joined_at=T0 - timedelta(days=90), messages_before=120),
            Severity.HIGH,
        ),
        ("资料都在这里 加V详聊", MemberStanding(joined_at=T0 - timedelta(days=90)), Severity.HIGH),
    ],
)
def test_an_echo_of_established_members_is_evidence_and_a_campaign_is_high(
    text: str, standing: MemberStanding, severity: Severity
) -> None:
    """Many members repeating one text is how groups greet and thank; with a link or contact it is how
    campaigns post. Only the second is flagged on the rule alone."""
    activity = RecentActivity()
    moderator = Moderator(detectors=[CrossGroupDuplicateDetector()])
    verdicts = []
    for i in range(3):
        msg = Message.of(text, member=f"m{i}", group=f"g{i}", ts=T0 + timedelta(minutes=i))
        verdicts.append(moderator.moderate(msg, ModerationContext(activity=activity, standing=standing)))
    last = verdicts[-1]
    assert {f.rule for f in last.findings} == {"duplicate:groups", "duplicate:accounts"}
    assert {f.severity for f in last.findings} == {severity}
    assert last.flagged is (severity is Severity.HIGH)
    assert not any(v.flagged for v in verdicts[:-1])  # two are not yet a pattern


@pytest.mark.parametrize(
    ("standing", "text", "expected"),
    [
        (MemberStanding(joined_at=T0 - timedelta(hours=1)), "加V了解 https://x.top", True),
        (MemberStanding(messages_before=0), "call me 13812345678", True),
        (MemberStanding(joined_at=T0 - timedelta(days=30), messages_before=200), "加V了解", False),
        (MemberStanding(joined_at=T0 - timedelta(hours=1)), "大家好，我是新来的", False),
        (MemberStanding(joined_at=T0 - timedelta(hours=1), privileged=True), "加V了解", False),
        (MemberStanding(), "加V了解", False),  # nothing known about the member
    ],
)
def test_newcomer(standing: MemberStanding, text: str, expected: bool) -> None:
    detector = NewcomerDetector(LinkDetector(), ContactDetector())
    found = detector.detect(Message.of(text, ts=T0), ModerationContext(standing=standing))
    assert bool(found) is expected
    if found:
        assert found[0].severity == Severity.HIGH


@pytest.mark.parametrize(
    ("text", "mentions", "rule"),
    [
        ("@a @b @c @d @e look", None, "mentions:many"),
        ("hello", 8, "mentions:many"),
        ("@所有人 快来", None, "mentions:all"),
    ],
)
def test_mention_spam(text: str, mentions: int | None, rule: str) -> None:
    assert rule in rules(MentionSpamDetector(limit=5), text, mentions=mentions)


def test_regex_rule() -> None:
    import re

    detector = RegexDetector(
        [RegexRule("coupon", re.compile(r"优惠券\d+"), PolicyCategory.SPAM_ADS, Severity.LOW, "coupon code")]
    )
    assert rules(detector, "领取優惠券100") == {"regex:coupon"}

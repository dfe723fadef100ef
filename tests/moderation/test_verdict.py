from __future__ import annotations

from datetime import UTC, datetime, timedelta

from qunops.core.events import ContentType, Event, EventKind, GroupRef, MemberRef
from qunops.core.platforms import Platform
from qunops.moderation.findings import PolicyCategory
from qunops.moderation.message import MemberStanding, Message, ModerationContext
from qunops.moderation.verdict import Moderator, moderate

T0 = datetime(2024, 5, 1, tzinfo=UTC)


def test_clean_message_is_not_flagged() -> None:
    v = moderate(Message.of("大家早上好"))
    assert not v.flagged and v.findings == () and v.score == 0


def test_rules_explain_themselves() -> None:
    v = moderate(Message.of("加 V ✨ 信 领取，博彩網站 kw。v2mcfsip。top"))
    assert v.flagged
    assert v.categories[0] == PolicyCategory.ILLEGAL
    assert PolicyCategory.SPAM_ADS in v.categories
    text = v.explain()
    assert "Flagged" in text and "博彩" in text and "slip past link filters" in text


def test_link_alone_is_not_flagged_but_newcomer_link_is() -> None:
    assert not moderate(Message.of("docs: https://example.com/guide")).flagged
    ctx = ModerationContext(standing=MemberStanding(joined_at=T0 - timedelta(minutes=5)))
    v = moderate(Message.of("docs: https://example.com/guide", ts=T0), ctx)
    assert v.flagged and any(f.rule == "newcomer:first_messages" for f in v.findings)


def test_from_event() -> None:
    group = GroupRef(next(iter(Platform)), "g1", "Group")
    event = Event(
        group=group,
        kind=EventKind.MESSAGE,
        ts=T0,
        member=MemberRef("Ann", "u1"),
        content_type=ContentType.CONTACT_CARD,
        text="推荐一个好友，加我",
    )
    message = Message.from_event(event)
    assert message.member == "u1" and message.group.endswith(":g1")
    v = Moderator().moderate(message)
    assert v.flagged and any(f.rule == "bait:contact_card" for f in v.findings)

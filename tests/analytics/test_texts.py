"""Analytics texts: plain English strings that remember their template and values for translation."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import date

from qunops.analytics.alerts import spam_burst_alert, stage_alert
from qunops.analytics.recommendations import GroupContext, recommend
from qunops.core.lifecycle import Stage, StageReading
from qunops.core.roles import MemberRoles, Role, suggestions
from qunops.core.texts import Text, listing

CATALOGUE = {
    "{n} members left ({share:.0%})": "{n} 人退群（{share:.0%}）",
    "{stage}: {reason}": "{stage}：{reason}",
    "silent for {days} days": "已沉默 {days} 天",
    "dormant": "休眠",
    "{first}, {rest}": "{first}、{rest}",
    "expert": "专家",
    "kol": "KOL",
}


def test_a_text_is_the_english_sentence_formatted_with_its_values() -> None:
    text = Text("{n} members left ({share:.0%})", n=3, share=0.0625)
    assert text == "3 members left (6%)" and type(str(text)) is str
    assert text.template == "{n} members left ({share:.0%})" and text.values == {"n": 3, "share": 0.0625}
    assert hash(text) == hash("3 members left (6%)") and {text: 1}["3 members left (6%)"] == 1
    assert json.dumps({"message": text}) == '{"message": "3 members left (6%)"}'
    assert Text("no member message yet") == "no member message yet"


def test_nested_texts_and_enum_members_format_as_their_english() -> None:
    text = Text("{stage}: {reason}", stage=Stage.DORMANT, reason=Text("silent for {days} days", days=9))
    assert text == "dormant: silent for 9 days"
    assert text.values["reason"].template == "silent for {days} days"


def test_copies_and_pickles_keep_the_template() -> None:
    text = Text("{stage}: {reason}", stage=Stage.DORMANT, reason=Text("silent for {days} days", days=9))
    for twin in (copy.deepcopy(text), pickle.loads(pickle.dumps(text))):
        assert twin == text and isinstance(twin, Text)
        assert twin.translated(CATALOGUE) == "休眠：已沉默 9 天"


def test_translation_uses_the_catalogue_template_with_translated_values() -> None:
    text = Text("{stage}: {reason}", stage=Stage.DORMANT, reason=Text("silent for {days} days", days=9))
    assert text.translated(CATALOGUE) == "休眠：已沉默 9 天"
    assert Text("{n} members left ({share:.0%})", n=4, share=0.5).translated(CATALOGUE) == "4 人退群（50%）"
    assert text.translated({}) == "dormant: silent for 9 days"


def test_a_template_without_translation_stays_wholly_english() -> None:
    text = Text("{stage} since {reason}", stage=Stage.DORMANT, reason=Text("silent for {days} days", days=9))
    assert text.translated(CATALOGUE) == "dormant since silent for 9 days"
    # A value without translation inside a translated template stays English.
    inner = Text("{stage}: {reason}", stage=Stage.COOLING, reason=Text("{x} left", x=1))
    assert inner.translated(CATALOGUE) == "cooling：1 left"


def test_plain_values_such_as_names_are_never_translated() -> None:
    text = Text("{stage}: {reason}", stage="dormant", reason="expert")
    assert text.translated(CATALOGUE) == "dormant：expert"


def test_a_listing_reads_a_comma_list_in_english_and_translates_each_item() -> None:
    assert listing([Role.EXPERT]) is Role.EXPERT
    roles = listing([Role.EXPERT, Role.KOL, Role.EXTRA])
    assert roles == "expert, kol, extra"
    assert Text("{stage}: {reason}", stage=Stage.DORMANT, reason=roles).translated(CATALOGUE) == (
        "休眠：专家、KOL、extra"
    )


def test_the_english_of_alerts_recommendations_and_suggestions_is_what_it_always_was() -> None:
    reason = Text("no member message for {days} days (dead at {dead})", days=20, dead=14)
    dead = stage_alert(StageReading(Stage.DEAD, reason))
    assert dead is not None and dead.message == "dead: no member message for 20 days (dead at 14)"
    spam = spam_burst_alert(12)
    assert spam is not None and spam.message == "12 messages flagged as spam or ads today"
    context = GroupContext(group_type="interest", temporary=False, age_days=3, members=400)
    found = {r.action: (r.title, r.reason) for r in recommend([dead], context)}
    assert found["archive_or_relaunch"] == (
        "Archive the group or relaunch it with a new purpose",
        "no member message for two weeks",
    )
    silent = MemberRoles(1, "Ann", (Role.EXPERT, Role.KOL, Role.LURKER), 0, 0, 0, 0, None)
    slipping = MemberRoles(2, "Bo", (Role.EXTRA, Role.SLIPPING), 0, 0, 0, 0, date(2026, 11, 2))
    reasons = [s.reason for s in suggestions([silent, slipping])]
    assert reasons == [
        "designated expert, kol but silent since joining: re-engage them or designate someone active",
        "designated extra but silent since 2026-11-02: re-engage them or designate someone active",
    ]


def test_a_text_stored_as_json_comes_back_the_same() -> None:
    inner = Text("joined {hours:.1f} hours ago", hours=2.25)
    outer = Text("a newcomer ({who}) posts {what} in their first messages", who=inner, what="link")
    back = Text.from_json(json.loads(json.dumps(outer.as_json())))
    assert back == outer and back is not None and back.template == outer.template
    assert isinstance(back.values["who"], Text) and back.values["who"].values == {"hours": 2.25}
    for damaged in (None, "text", {"template": "{x}"}, {"template": "{x}", "values": {}}, {"values": {}}):
        assert Text.from_json(damaged) is None

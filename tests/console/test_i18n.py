"""The console's Chinese: every analytics text has a Chinese template with the same placeholders, and the
pages operators read every day (overview, alerts inbox, group pages) show alerts, stage reasons, health
explanations, role checks, role suggestions and recommendations in Chinese, and in English unchanged."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import Engine, select

from qunops.analytics.detail import group_detail
from qunops.analytics.groups import GroupSummary, group_summaries
from qunops.console.app import create_app
from qunops.console.data import CHART_DAYS, forget_summaries
from qunops.console.i18n import JOIN_CHANNELS, ZH, term, translate
from qunops.console.render import format_hours
from qunops.console.settings_pages import THRESHOLD_SECTIONS, threshold_sections
from qunops.console.state import threshold_fields
from qunops.core.events import JoinChannel
from qunops.core.lifecycle import Stage
from qunops.core.registry import DurationKind, EntryThreshold, GroupType
from qunops.core.roles import Role
from qunops.core.texts import Text, listing
from qunops.demo import DEMO_PASSWORD, DEMO_USER, DEMO_VIEWER, build_demo
from qunops.settings import Settings
from qunops.simulate import SimulationConfig
from qunops.store.schema import workspaces
from tests.console.conftest import token_of

SOURCE = Path(__file__).resolve().parents[2] / "src" / "qunops"
CONFIG = SimulationConfig(seed=7, groups=30, days=120)
AS_OF = CONFIG.end - timedelta(days=2)  # a day with alerts of every kind, a wave of leaves among them


def analytics_templates() -> set[str]:
    """Every template the code builds a `Text` from (a literal first argument of a `Text(...)` call)."""
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Text"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def placeholders(template: str) -> list[tuple[str, str, str]]:
    """(name, format spec, conversion) of each replacement field, in a comparable order."""
    fields = string.Formatter().parse(template)
    return sorted(
        (name, spec or "", conversion or "") for _, name, spec, conversion in fields if name is not None
    )


def test_every_analytics_text_has_a_chinese_template() -> None:
    templates = analytics_templates()
    assert len(templates) > 50  # the scan finds the alerts', rules' and recommendations' texts
    assert sorted(t for t in templates if t not in ZH) == []


def test_chinese_templates_use_exactly_the_placeholders_of_their_english_key() -> None:
    mismatched = {
        english: chinese
        for english, chinese in ZH.items()
        if placeholders(english.partition("|")[2] or english) != placeholders(chinese)
    }
    assert mismatched == {}
    assert placeholders("{hours:.0f} h ({limit})") == [("hours", ".0f", ""), ("limit", "", "")]


def test_translate_uses_the_chinese_template_and_translates_the_values() -> None:
    reason = Text("silent for {days} days ({first}–{last} is dormant)", days=9, first=7, last=13)
    message = Text("{stage}: {reason}", stage=Stage.DORMANT, reason=reason)
    assert translate("zh", message) == "休眠：已沉默 9 天（7–13 天为休眠）"
    assert translate("en", message) == "dormant: silent for 9 days (7–13 is dormant)"
    share = Text(
        "{leaves} members left within 24 hours ({share:.0%} of {members})", leaves=6, share=0.06, members=100
    )
    assert translate("zh", share) == "24 小时内 6 人退群（占 100 人的 6%）"


def test_what_a_newcomer_posted_reads_without_a_space_in_chinese() -> None:
    who = Text("joined {hours:.1f} hours ago", hours=0.1)
    for what, chinese in (
        (Text("contact"), "联系方式"),
        (listing([Text("contact"), Text("link")]), "联系方式、链接"),
    ):
        finding = Text("a newcomer ({who}) posts {what} in their first messages", who=who, what=what)
        assert translate("zh", finding) == f"新人（0.1 小时前入群）在最初几条消息里发了{chinese}"


def test_a_stored_text_reads_back_with_its_labels_still_translated() -> None:
    """Enum members among a text's values (stages, categories) are stored as labels, not as plain data."""
    message = Text("{stage}: {reason}", stage=Stage.DORMANT, reason=Text("quiet"))
    stored = message.as_json()
    assert stored["values"]["stage"] == {"term": "dormant"}
    back = Text.from_json(orjson.loads(orjson.dumps(stored)))
    assert back == message and translate("zh", back) == translate("zh", message)
    assert translate("zh", back).startswith("休眠")
    assert Text.from_json(back.as_json()) == message  # and again, from a text read back


def test_translate_falls_back_to_english_and_keeps_plain_labels_as_they_were() -> None:
    unknown = Text("{n} moons over the group", n=2)
    assert translate("zh", unknown) == "2 moons over the group"
    assert translate("zh", "Overview") == "总览" and translate("en", "Overview") == "Overview"
    assert translate("zh", "alert|Open") == "待处理"
    assert translate("zh", "{n} moons") == "{n} moons"


def test_every_value_the_pages_show_as_a_word_has_a_chinese_entry() -> None:
    """Roles, group types, durations, entry thresholds and stages are the code's values, not data."""
    for enum in (Role, GroupType, DurationKind, EntryThreshold, Stage):
        assert sorted(str(v) for v in enum if str(v) not in ZH) == [], enum
    assert sorted(JOIN_CHANNELS) == sorted(str(c) for c in JoinChannel)
    assert sorted(label for label in JOIN_CHANNELS.values() if label not in ZH) == []
    assert term("zh", GroupType.FIRST_PURCHASE) == "首购" and term("en", "first_purchase") == "first purchase"
    assert term("en", Role.OPINION_LEADER) == "opinion leader" and term("en", "kol") == "KOL"


# --- The pages, on a simulated workspace with alerts of many kinds ------------------------------------


@dataclass
class Demo:
    app: object
    summaries: list[GroupSummary]  # what the overview and the alerts inbox show
    detailed: list[GroupSummary]  # what the group pages show (their history reaches further back)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    engine: Engine = build_demo(
        tmp_path_factory.mktemp("i18n") / "demo.db", CONFIG.seed, CONFIG.timezone, CONFIG
    )
    with engine.connect() as connection:
        workspace = connection.execute(
            select(workspaces.c.id).where(workspaces.c.slug == "demo")
        ).scalar_one()
        summaries = group_summaries(connection, workspace, AS_OF)
        details = [group_detail(connection, s.id, AS_OF, days=CHART_DAYS) for s in summaries]
    forget_summaries()
    yield Demo(
        create_app(Settings(database_url=str(engine.url), secret_key="test-key"), engine, prewarm=False),
        summaries,
        [d.summary for d in details if d is not None],
    )
    forget_summaries()
    engine.dispose()


@pytest.fixture(scope="module")
def clients(demo: Demo) -> Iterator[dict[str, TestClient]]:
    """A viewer's client in each language."""
    opened = {}
    for language in ("zh", "en"):
        client = TestClient(demo.app)  # type: ignore[arg-type]
        client.__enter__()
        token = token_of(client)
        form = {"username": DEMO_VIEWER, "password": DEMO_PASSWORD, "csrf_token": token, "next": "/"}
        assert client.post("/login", data=form, follow_redirects=False).status_code == 303
        client.get(f"/language?set={language}&next=/", follow_redirects=False)
        opened[language] = client
    yield opened
    for client in opened.values():
        client.__exit__(None, None, None)


def shown(summary: GroupSummary) -> list[str]:
    """The analytics texts of a group that its page shows."""
    return [
        summary.stage_reason,
        *summary.health_explanation,
        *(a.message for a in summary.alerts),
        *(part for r in summary.recommendations for part in (r.title, r.reason)),
        *(c.detail for c in summary.role_checks),
        *(s.reason for s in summary.suggestions),
    ]


def english_fragments() -> list[str]:
    """The longer literal stretches of every analytics template: none may show on a Chinese page."""
    return sorted(
        {
            literal.strip()
            for template in analytics_templates()
            for literal, *_ in string.Formatter().parse(template)
            if len(literal.strip()) >= 12
        }
    )


def pages(client: TestClient, demo: Demo) -> dict[str, str]:
    day = AS_OF.isoformat()
    found = {"overview": client.get(f"/?as_of={day}&per_page=100").text}
    number = 1
    while True:
        inbox = client.get(f"/alerts?show=all&as_of={day}&page={number}").text
        found[f"alerts {number}"] = inbox
        if 'rel="next"' not in inbox:
            break
        number += 1
    for summary in demo.summaries:
        found[summary.name] = client.get(f"/groups/{summary.id}?as_of={day}").text
    return found


def test_the_workspace_has_the_texts_the_pages_are_checked_with(demo: Demo) -> None:
    kinds = {a.kind for s in demo.summaries for a in s.alerts}
    assert {"silence", "cooling", "dormant", "dead", "leave_wave", "newcomers_silent"} <= kinds
    assert any(k.startswith("role:") for k in kinds)
    assert any(s.suggestions for s in demo.summaries) and any(s.recommendations for s in demo.summaries)


def test_the_pages_in_chinese_show_no_english_analytics_sentence(
    demo: Demo, clients: dict[str, TestClient]
) -> None:
    zh = pages(clients["zh"], demo)
    fragments = english_fragments()
    left = {name: [f for f in fragments if str(escape(f)) in page] for name, page in zh.items()}
    assert {name: found for name, found in left.items() if found} == {}
    for summary in demo.detailed:
        page = zh[summary.name]
        for text in shown(summary):
            assert str(escape(text)) not in page, text
            assert str(escape(translate("zh", text))) in page, text
    overview = zh["overview"]
    assert "死群：已" in overview and "没有成员发言" in overview
    assert "no member message for" not in overview and "What to do" not in overview
    assert "建议操作：" in overview and "</span>；<span" in overview  # Chinese punctuation too
    inbox = "".join(page for name, page in zh.items() if name.startswith("alerts"))
    for message in {a.message for s in demo.summaries for a in s.alerts}:
        assert str(escape(message)) not in inbox
        assert str(escape(translate("zh", message))) in inbox


def test_the_pages_in_english_show_the_analytics_sentences_as_before(
    demo: Demo, clients: dict[str, TestClient]
) -> None:
    en = pages(clients["en"], demo)
    for summary in demo.detailed:
        page = en[summary.name]
        for text in shown(summary):
            assert str(escape(text)) in page, text
            assert str(escape(translate("zh", text))) not in page, text
    inbox = "".join(page for name, page in en.items() if name.startswith("alerts"))
    assert all(str(escape(a.message)) in inbox for s in demo.summaries for a in s.alerts)
    assert "What to do" in en["overview"] and "死群" not in en["overview"]


def test_every_reason_of_the_word_lists_has_a_chinese_entry() -> None:
    """The rules' word lists give each entry a reason, shown when a message is flagged for it."""
    import qunops.console.moderation_pages  # noqa: F401  (adds the moderation pages' entries)
    from qunops.moderation.wordlists import CONTACT_PHRASES, DEFAULT_ENTRIES

    reasons = {entry[3] if isinstance(entry, tuple) else entry.explanation for entry in DEFAULT_ENTRIES}
    reasons |= {entry[3] if isinstance(entry, tuple) else entry.explanation for entry in CONTACT_PHRASES}
    assert len(reasons) > 10
    assert sorted(r for r in reasons if r not in ZH) == []


def test_a_member_page_in_chinese_names_their_roles_and_how_they_joined(
    demo: Demo, clients: dict[str, TestClient]
) -> None:
    """The member page says roles (核心, 流失中, 答疑者…) and join channels as the group page does."""
    member, roles = max(
        (item for s in demo.summaries for item in s.roles_by_member().items()), key=lambda item: len(item[1])
    )
    assert len(roles) >= 3
    path = f"/members/{member}?as_of={AS_OF.isoformat()}"
    zh, en = clients["zh"].get(path).text, clients["en"].get(path).text
    for role in roles:
        assert f'<span class="role {role}">{ZH[role]}</span>' in zh
        assert f'<span class="role {role}">{term("en", role)}</span>' in en
        assert f">{role}<" not in zh and f">{role.replace('_', ' ')}<" not in zh
    channels = {translate("zh", label) for label in JOIN_CHANNELS.values()}
    assert any(f"<td>{c}</td>" in zh for c in channels)
    assert not any(f"<td>{c}</td>" in zh for c in JOIN_CHANNELS)
    assert any(f"<td>{label}</td>" in en for label in JOIN_CHANNELS.values())


def test_group_types_read_as_words_and_tags_as_typed(demo: Demo, clients: dict[str, TestClient]) -> None:
    day = AS_OF.isoformat()
    zh = clients["zh"].get(f"/?as_of={day}&per_page=100").text
    en = clients["en"].get(f"/?as_of={day}&per_page=100").text
    types = {s.group_type for s in demo.summaries}
    assert {"first_purchase", "customer_service"} <= types
    for group_type in types:
        assert f"<td>{ZH[group_type]}</td>" in zh and f"<td>{group_type}</td>" not in zh
        assert f"<td>{term('en', group_type)}</td>" in en
    assert "<td>first purchase</td>" in en and "<td>first_purchase</td>" not in en
    assert '<span class="tag">simulated</span>' in zh  # a tag is the operator's own word


@contextmanager
def admin_client(demo: Demo, language: str) -> Iterator[TestClient]:
    with TestClient(demo.app) as client:  # type: ignore[arg-type]
        token = token_of(client)
        form = {"username": DEMO_USER, "password": DEMO_PASSWORD, "csrf_token": token, "next": "/"}
        assert client.post("/login", data=form, follow_redirects=False).status_code == 303
        client.get(f"/language?set={language}&next=/", follow_redirects=False)
        yield client


def test_every_threshold_has_a_label_of_its_own_in_both_languages() -> None:
    named = [name for _, labels in THRESHOLD_SECTIONS for name in labels]
    assert sorted(named) == sorted(name for name, _, _ in threshold_fields())  # each once, none missing
    assert [f.name for _, fields in threshold_sections() for f in fields] == named
    labels = {name: label for _, section in THRESHOLD_SECTIONS for name, label in section.items()}
    assert labels["answer_window_s"] == "Answer window (seconds)"
    assert all(label != name.replace("_", " ") and label[0].isupper() for name, label in labels.items())
    assert len(set(labels.values())) == len(labels)
    titles = [title for title, _ in THRESHOLD_SECTIONS]
    assert sorted(text for text in [*labels.values(), *titles] if text not in ZH) == []


def test_the_settings_form_labels_thresholds_and_says_how_many_fields_need_fixing(demo: Demo) -> None:
    with admin_client(demo, "en") as client:
        token = token_of(client)
        page = client.get("/settings").text
        assert "Answer window (seconds)" in page and "Red packet claim window (seconds)" in page
        assert "answer window s" not in page and "thriving wad" not in page
        assert '<span class="default" id="default-answer_window_s">Default 3600</span>' in page
        # Nothing is saved: every form below has an error.
        one = {"csrf_token": token, "timezone": "UTC", "dead_days": "x"}
        answer = client.post("/settings/workspace", data=one)
        assert answer.status_code == 400 and ">1 field needs fixing</p>" in answer.text
        assert "× errors" not in answer.text
        two = {**one, "cooling_drop": "2"}
        assert ">2 fields need fixing</p>" in client.post("/settings/workspace", data=two).text
        client.get("/language?set=zh&next=/", follow_redirects=False)
        zh = client.post("/settings/workspace", data=two).text
        assert ">有 2 处需要修改</p>" in zh and "回答时限（秒）" in zh and "默认 3600" in zh
        assert "Answer window" not in zh and "fields need fixing" not in zh


def test_the_moderation_rules_form_puts_each_label_above_its_own_field(demo: Demo) -> None:
    for language in ("en", "zh"):
        with admin_client(demo, language) as client:
            page = client.get("/moderation/rules/workspace").text
        form = page[page.index('<form method="post" action="/moderation/rules/workspace"') :]
        fields = re.findall(
            r'<div class="field">\s*<label for="(\w+)">[^<]+</label>\s*<(?:input|textarea) id="(\w+)"', form
        )
        names = [
            "rules_text",
            "blocked_keywords",
            "allowed_domains",
            "flag_at",
            "flood_limit",
            "mention_limit",
        ]
        assert [a for a, b in fields if a == b] == [*names, "newcomer_hours"]
        assert 'rows="6"' in form and 'rows="2"' not in form
        assert '<fieldset class="detectors"><legend>' in form


def test_the_group_page_gives_each_recommendation_once(demo: Demo, clients: dict[str, TestClient]) -> None:
    """Under the alert it answers, else in the list of recommendations: never both."""
    checked = 0
    for summary in demo.detailed:
        for language, client in clients.items():
            page = client.get(f"/groups/{summary.id}?as_of={AS_OF.isoformat()}").text
            titles = [translate(language, r.title) for r in summary.recommendations]
            for title in set(titles):
                assert page.count(f"<strong>{escape(title)}</strong>") == titles.count(title), (
                    summary.name,
                    title,
                )
            checked += len(titles)
    assert checked > 20


def test_a_silence_in_days_is_whole_days_passed_as_the_stages_count_them() -> None:
    """13.6 days of silence is "13 d" beside "no member message for 13 days", never "14 d"."""

    def page(language: str) -> dict[str, object]:
        request = SimpleNamespace(session={"lang": language}, cookies={}, state=SimpleNamespace(), headers={})
        return {"request": request}

    assert [format_hours(page("en"), h) for h in (0.5, 5.4, 47.6, 13.6 * 24, 14 * 24)] == [
        "30 min", "5 h", "48 h", "13 d", "14 d",
    ]  # fmt: skip
    assert format_hours(page("zh"), 13.6 * 24) == "13 天"


def test_the_briefing_says_how_many_more_groups_need_attention(
    demo: Demo, clients: dict[str, TestClient]
) -> None:
    """It shows 8 groups; the others with open alerts are counted, with the way to all of them."""
    needing = sum(1 for s in demo.summaries if s.alerts)
    assert needing > 8
    day = AS_OF.isoformat()
    en = clients["en"].get(f"/?as_of={day}").text
    assert en.count('<li class="brief">') == 8
    assert f"{needing - 8} more groups need attention: see every alert" in en
    assert f'href="/alerts?as_of={day}"' in en.split('id="briefing-more"', 1)[1].split("</p>", 1)[0]
    assert '<h1 id="briefing-title">Briefing ' in en  # a past date's briefing is not "today's"
    zh = clients["zh"].get(f"/?as_of={day}").text
    assert f"另有 {needing - 8} 个群需要关注" in zh

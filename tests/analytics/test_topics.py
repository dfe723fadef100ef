"""Topics and active members: what a group talks about and who talks, for listening in a group."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from qunops.analytics.topics import active_members, background_corpus, group_topics, message_terms
from qunops.core.events import ContentType, Event, EventKind, GroupRef, MemberRef
from qunops.core.platforms import Platform
from qunops.demo import store_community
from qunops.ingestion import import_events
from qunops.simulate import SimulationConfig, simulate, vocab
from qunops.store import accounts
from qunops.store.db import open_engine, upgrade
from qunops.store.registry import mark_operators
from qunops.store.rollups import fill_rollups
from qunops.store.schema import groups
from tests.factories import message, person

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2024, 5, 10)
COFFEE = GroupRef(Platform.WECHAT, "coffee@chatroom", "咖啡群")
RUNNERS = GroupRef(Platform.TELEGRAM, "-100123", "Runners")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)


def said(who: int, day: date, minute: int, text: str, group: GroupRef) -> Event:
    return message(who, at(day, 9 + minute // 60, minute % 60), text, group)


def store(engine: Engine, history: list[Event]) -> int:
    with engine.begin() as connection:
        workspace = accounts.create_workspace(connection, "listen", "Listen", "Asia/Shanghai")
    import_events(engine, workspace, iter(history))
    fill_rollups(engine)
    return workspace


def group_id(engine: Engine, group: GroupRef) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(groups.c.id).where(groups.c.external_id == group.external_id)
            ).scalar_one()
        )


# ------------------------------------------------------------------------------------------- cleaning


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("[图片]", [], ["图片"]),
        ("[表情][动画表情]哈哈哈", [], ["表情", "动画表情", "哈哈哈"]),
        ("@张三 手冲咖啡豆推荐", ["手冲"], ["张三"]),
        (
            "看这个 https://t.cn/A6xYz 和 www.example.com 的链接",
            ["链接"],
            ["t.cn", "example", "com", "a6xyz"],
        ),
        ("配速 530 跑了 21.1 公里 10:30 出发", ["配速", "公里", "出发"], ["530", "21.1", "10", "30"]),
        (
            "Who is in for the Saturday LONG RUN? @Leo",
            ["long run", "long", "run"],
            ["who", "the", "leo", "@leo"],
        ),
        (
            "Trail shoes, hydration",
            ["trail shoes", "hydration"],
            ["shoes hydration"],
        ),  # punctuation ends a phrase
        ("42km at 5:30/km pace", ["pace"], ["km", "42km"]),
        ("谢谢大家，收到！👍😂", [], ["谢谢", "收到", "大家", "👍"]),
    ],
)
def test_message_terms_drop_placeholders_links_mentions_numbers_and_stop_words(
    text: str, present: list[str], absent: list[str]
) -> None:
    terms = message_terms(text)
    for term in present:
        assert term in terms, (text, terms)
    for term in absent:
        assert term not in terms, (text, terms)


def test_jieba_stays_quiet_on_first_use() -> None:
    code = "from qunops.analytics.topics import message_terms; print(message_terms('手冲咖啡的粉水比'))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert "手冲" in done.stdout
    assert done.stderr == ""


# ------------------------------------------------------------------------------------------- hand-made groups


def coffee_and_runners() -> list[Event]:
    coffee_lines = [
        "今天试了耶加雪菲，手冲水温92度",
        "手冲粉水比我一般1:15 [图片]",
        "@小王 磨豆机推荐哪款？",
        "耶加雪菲浅烘真的香 https://shop.example.com/beans",
        "哈哈哈 收到",
        "[表情]",
        "滤杯换了一个，手冲稳定多了",
        "磨豆机研磨度调细一点",
    ]
    run_lines = [
        "Saturday long run, who is in?",
        "My long run pace was 5:30/km [Sticker]",
        "Trail shoes for the long run? https://t.me/xyz",
        "Hydration matters on the trail",
        "thanks!",
        "@Leo long run at 7am",
    ]
    history: list[Event] = []
    for day in range(3):
        when = DAY - timedelta(days=day)
        history += [said(1 + n % 3, when, n * 3, line, COFFEE) for n, line in enumerate(coffee_lines)]
        history += [said(11 + n % 2, when, n * 3, line, RUNNERS) for n, line in enumerate(run_lines)]
    return history


def test_a_chinese_group_and_an_english_group_show_what_they_are_about(sqlite_engine: Engine) -> None:
    store(sqlite_engine, coffee_and_runners())
    with sqlite_engine.connect() as connection:
        coffee = group_topics(connection, group_id(sqlite_engine, COFFEE), DAY - timedelta(days=6), DAY, k=8)
        runners = group_topics(
            connection, group_id(sqlite_engine, RUNNERS), DAY - timedelta(days=6), DAY, k=8
        )
    coffee_terms = [t.term for t in coffee]
    assert {"手冲", "耶加雪菲", "磨豆机"} <= set(coffee_terms)
    assert coffee[0].term == "手冲" and coffee[0].count == 9  # in 3 messages a day for 3 days
    runner_terms = [t.term for t in runners]
    assert runner_terms[0] == "long run"
    assert "long" not in runner_terms and "run" not in runner_terms  # the phrase stands for its words
    assert "trail" in runner_terms and "trail shoes" in runner_terms
    assert any("hydration" in term for term in runner_terms)
    for term in coffee_terms + runner_terms:
        assert not any(junk in term for junk in ("图片", "表情", "sticker", "http", "example", "小王", "leo"))
        assert not any(ch.isdigit() for ch in term)
    assert all(t.score > 0 for t in coffee + runners)
    assert [t.score for t in coffee] == sorted((t.score for t in coffee), reverse=True)


def test_the_window_and_the_cap_read_the_most_recent_member_messages_only(sqlite_engine: Engine) -> None:
    old = [said(1, DAY - timedelta(days=20), n, "咖啡豆烘焙度", COFFEE) for n in range(30)]
    recent = [said(2, DAY - timedelta(days=1), n, "马拉松配速训练", COFFEE) for n in range(30)]
    newest = [said(3, DAY, n, "跑鞋选择", COFFEE) for n in range(10)]
    bot = MemberRef("群助手", "bot-1", is_bot=True)
    operator = person(9)
    noise = [
        Event(
            COFFEE, EventKind.MESSAGE, at(DAY, 20, n), bot, None, ContentType.TEXT, "机器人广告推送", f"b{n}"
        )
        for n in range(30)
    ] + [said(9, DAY, 200 + n, "官方公告通知", COFFEE) for n in range(30)]
    workspace = store(sqlite_engine, [*old, *recent, *newest, *noise])
    with sqlite_engine.begin() as connection:
        mark_operators(connection, workspace, [operator])
    gid = group_id(sqlite_engine, COFFEE)
    with sqlite_engine.connect() as connection:
        week = {t.term for t in group_topics(connection, gid, DAY - timedelta(days=6), DAY)}
        capped = {
            t.term for t in group_topics(connection, gid, DAY - timedelta(days=30), DAY, max_messages=10)
        }
        month = {t.term for t in group_topics(connection, gid, DAY - timedelta(days=30), DAY)}
        assert group_topics(connection, gid, DAY + timedelta(days=1), DAY + timedelta(days=7)) == []
        assert group_topics(connection, 999_999, DAY, DAY) == []

    def said_about(terms: set[str], word: str) -> bool:
        return any(word in term for term in terms)

    assert all(said_about(week, w) for w in ("马拉松", "配速", "跑鞋")) and not said_about(week, "咖啡")
    assert said_about(month, "咖啡豆")
    assert capped == {"跑鞋选择"}  # the ten newest messages, one phrase standing for its two words
    for terms in (week, month):  # bots and our own accounts are not the group's voice
        assert not any(said_about(terms, w) for w in ("机器人", "广告", "推送", "官方", "公告", "通知"))


def test_active_members_are_the_top_speakers_in_the_window(sqlite_engine: Engine) -> None:
    history = [said(1, DAY, n, "早", COFFEE) for n in range(5)]
    history += [said(2, DAY - timedelta(days=d), n, "在吗", COFFEE) for d in range(3) for n in range(3)]
    history += [said(3, DAY - timedelta(days=10), n, "以前很活跃", COFFEE) for n in range(50)]
    history += [said(9, DAY, 100 + n, "运营通知", COFFEE) for n in range(40)]
    workspace = store(sqlite_engine, history)
    with sqlite_engine.begin() as connection:
        mark_operators(connection, workspace, [person(9)])
    with sqlite_engine.connect() as connection:
        top = active_members(connection, group_id(sqlite_engine, COFFEE), DAY - timedelta(days=6), DAY)
        one = active_members(connection, group_id(sqlite_engine, COFFEE), DAY - timedelta(days=6), DAY, k=1)
    assert [(m.name, m.messages, m.active_days) for m in top] == [("member2", 9, 3), ("member1", 5, 1)]
    assert [m.name for m in one] == ["member2"]
    assert top[1].last_message == at(DAY, 9, 4)


# ------------------------------------------------------------------------------------------- the simulator


@pytest.fixture(scope="module")
def simulated(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Engine, SimulationConfig, dict[str, vocab.Topic]]]:
    config = SimulationConfig(seed=21, groups=20, days=30, scale=0.3)
    community = simulate(config)
    engine = open_engine(f"sqlite:///{Path(tmp_path_factory.mktemp('topics')) / 'sim.db'}")
    upgrade(engine)
    with engine.begin() as connection:
        workspace = accounts.create_workspace(connection, "sim", "Sim", config.timezone)
    store_community(engine, workspace, community)
    by_purpose = {topic.purpose: topic for topic in vocab.TOPICS}
    yield engine, config, {p.external_id: by_purpose[p.purpose] for p in community.profiles}
    engine.dispose()


def test_each_simulated_group_is_about_its_own_vocabulary(
    simulated: tuple[Engine, SimulationConfig, dict[str, vocab.Topic]],
) -> None:
    engine, config, topic_of = simulated
    start = config.end - timedelta(days=29)
    checked = 0
    with engine.connect() as connection:
        workspace = connection.execute(select(groups.c.workspace_id)).scalars().first()
        assert workspace is not None
        corpus = background_corpus(connection, workspace, start, config.end)  # read once for all groups
        for gid, external_id in connection.execute(select(groups.c.id, groups.c.external_id)).all():
            topics = group_topics(connection, gid, start, config.end, k=10, background=corpus)
            if checked == 0:  # a corpus built per call scores the same
                assert topics == group_topics(connection, gid, start, config.end, k=10)
            if sum(t.count for t in topics[:1]) < 10:
                continue  # too quiet to say anything about
            keywords = {k.lower() for k in topic_of[external_id].keywords}
            on_topic = [t.term for t in topics if any(k in t.term or t.term in k for k in keywords)]
            assert len(on_topic) >= 6, (external_id, [t.term for t in topics], keywords)
            assert topics[0].term in on_topic, (external_id, [t.term for t in topics])
            # ...and not about another type's: no top term is a keyword of a different topic only.
            foreign = {k.lower() for t in vocab.TOPICS if t is not topic_of[external_id] for k in t.keywords}
            assert not [t.term for t in topics[:5] if t.term in foreign - keywords], external_id
            checked += 1
    assert checked >= 12

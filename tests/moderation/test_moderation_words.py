"""The moderation pages in English say in words what the code names by codes (actions, audited steps,
who did it, policy categories), as the Chinese pages do; stored English of earlier versions still reads."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from qunops.console.i18n import translate
from qunops.core.texts import Text
from qunops.moderation import store
from qunops.store.schema import moderation_cases
from tests.moderation.test_console_moderation import appealed_and_upheld, cases, client
from tests.test_console import log_in

__all__ = ["cases", "client"]  # fixtures these tests use

CODES = ["warn_privately", "send_message", "spam_ads", "case.open", "case.confirm", "appeal.uphold"]
ACTORS = ["user:admin", "system:moderation", "member:"]


def _visible(page: str) -> str:
    """The page's text without its markup (codes in attributes and links are not shown)."""
    return re.sub(r"<[^>]+>", " ", page)


def test_english_pages_name_actions_steps_actors_and_categories_in_words(
    client: TestClient, cases: dict[str, int], engine: Engine
) -> None:
    token = appealed_and_upheld(client, engine, cases["penalised"])
    shown = {
        "actions": client.get("/moderation/actions?state=all").text,
        "case": client.get(f"/moderation/cases/{cases['penalised']}").text,
        "appeal": client.get(f"/appeal/{token}").text,
    }
    assert "private warning" in shown["actions"] and "group message" in shown["actions"]
    assert "because of ads and spam (1 flagged message" in shown["actions"]
    assert "a warning from the moderators (ads and spam)" in shown["actions"]
    assert "(admin)" in shown["actions"]
    audit = shown["case"]
    for words in ("case opened", "confirmed", "appeal filed", "appeal upheld"):
        assert f"· {words} —" in audit, words
    assert "moderation (automatic) · case opened" in audit and "the member · appeal filed" in audit
    assert "admin · appeal upheld" in audit
    assert re.search(r"Categories:</strong>\s*ads and spam", shown["appeal"])
    assert ": ads and spam" in shown["case"]  # the case's summary
    for name, page in shown.items():
        text = _visible(page)
        assert [c for c in CODES + ACTORS if c in text] == [], name


def test_chinese_pages_name_them_in_chinese(
    client: TestClient, cases: dict[str, int], engine: Engine
) -> None:
    token = appealed_and_upheld(client, engine, cases["penalised"])
    client.get("/language?set=zh&next=/", follow_redirects=False)
    actions = client.get("/moderation/actions?state=all").text
    case = client.get(f"/moderation/cases/{cases['penalised']}").text
    appeal = client.get(f"/appeal/{token}").text
    assert "私信警告" in actions and "发群消息" in actions and "群管通知：因广告引流（" in actions
    assert "群管（自动） · 创建案件" in case and "成员本人 · 提交申诉" in case and "admin · 支持申诉" in case
    assert "广告引流" in appeal
    for page in (actions, case, appeal):
        text = _visible(page)
        assert [c for c in CODES + ACTORS + ["ads and spam", "the member"] if c in text] == []


def test_summaries_stored_with_category_codes_still_read_in_chinese(
    client: TestClient, cases: dict[str, int], engine: Engine, workspace: int
) -> None:
    with engine.begin() as connection:
        case = store.case_row(connection, workspace, cases["penalised"])
        assert case is not None and case.summary.endswith(": ads and spam")
        old = case.summary.removesuffix("ads and spam") + "spam_ads"  # as an earlier version wrote it
        connection.execute(
            update(moderation_cases).where(moderation_cases.c.id == case.id).values(summary=old)
        )
        read = store.case_row(connection, workspace, cases["penalised"])
        stored = connection.execute(
            select(moderation_cases.c.summary).where(moderation_cases.c.id == case.id)
        ).scalar_one()
    assert read is not None and read.summary == stored == old
    log_in(client, "admin", "correct horse")
    client.get("/language?set=zh&next=/", follow_redirects=False)
    page = client.get(f"/moderation/cases/{cases['penalised']}").text
    assert "条消息被标记（广告引流）" in page and "spam_ads" not in page


def test_a_case_in_several_groups_lists_them_in_each_language_also_when_read_back() -> None:
    summary = store.case_summary(3, ["读书会", "跑步群"], ["spam_ads"], False)
    assert summary == "3 flagged messages in 读书会, 跑步群: ads and spam"
    assert translate("zh", summary) == "读书会、跑步群：3 条消息被标记（广告引流）"
    # As the store gives it back: the English it keeps, recognised again.
    read = store._recognised_summary(str(summary), ["spam_ads"], False)
    assert isinstance(read, Text) and translate("zh", read) == translate("zh", summary)
    assert translate("zh", store.case_summary(1, [], [], True)).startswith("无群：1 条消息被标记")

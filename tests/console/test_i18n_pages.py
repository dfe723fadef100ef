"""Every console page in Chinese shows no English sentence of the catalogue, and the sentences the console
and moderation write (form errors, case summaries, penalty explanations, verdict and audit reasons, the
importers' fixed skip reasons) in Chinese; in English the same pages read as before.

The pages run on a workspace with a pending case, a confirmed case with a penalty and an appeal (the
moderation tests' `cases`), an import job with skipped lines and a failed file, and forms sent back with
errors."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import Engine, select

from qunops.console.i18n import ZH
from qunops.console.state import create_import_job, update_import_job
from qunops.store.schema import appeals, users
from tests.moderation.test_console_moderation import app_with_moderation, cases, token_of
from tests.test_console import cheap_password_hashes, log_in

__all__ = ["cases", "cheap_password_hashes"]  # fixtures these tests use

# Sentences these pages show in English, with a part of their Chinese.
TRANSLATED: dict[str, str] = {
    "flagged message": "条消息被标记",
    "Warning: no penalty counts on the record.": "警告：没有在计的处罚记录。",
    "Warning: earlier penalties are forgiven.": "警告：此前的处罚都已清零。",
    "Mute for 7 days: currently at step 1 of 5 (warning); 1 step skipped for repeated within 24 hours of "
    "the last penalty.": "禁言 7 天：目前在第 1/5 级（警告）；因上次处罚后 24 小时内再犯，跳升 1 级。",
    "a whole number": "请填整数",
    "choose one of: interest, resource": "请从这些选项中选择：兴趣、资源",
    "a date like 2026-12-31": "请填日期",
    "at most 200 characters": "最多 200 个字",
    "Unknown timezone &#39;Mars/Base&#39;": "未知时区 &#39;Mars/Base&#39;",
    "private message": "私聊消息",
    "encryption notice": "加密提示",
    "No such group in this workspace.": "本工作区没有这个群。",
    "All groups (workspace defaults)": "所有群（工作区默认）",
    "write a few words about why the decision should change": "请写几句话，说明为什么应该改变这个决定",
    "asks members to add an outside contact": "引导成员加群外联系方式",  # a rule's own reason, stored
}
# Importers' messages (also the CLI's) and sentences naming what they skipped stay as written.
KEPT = [
    "chat.txt:9: no message could be read",
    "notice outside a group",
]


def catalogue_sentences() -> list[str]:
    """The literal stretches of the catalogue's English keys that read as sentences (several words)."""
    found = set()
    for key in ZH:
        english = key.partition("|")[2] or key
        for literal, *_ in string.Formatter().parse(english):
            part = literal.strip(" .;:()")
            if len(part) >= 14 and " " in part:
                found.add(part)
    return sorted(found)


@pytest.fixture
def setup(engine: Engine, workspace: int, cases: dict[str, int]) -> dict[str, object]:
    """A repeat offence (a mute after the warning), an import job and the ids the pages need."""
    with engine.begin() as connection:
        admin = connection.execute(select(users.c.id).where(users.c.username == "admin")).scalar_one()
        job = create_import_job(connection, workspace, admin, [{"name": "chat.txt", "size": 10}])
        skipped = [
            {"line": 3, "reason": "private message"},
            {"line": 4, "reason": "encryption notice"},
            {"line": 5, "reason": "poke notice outside a group"},
        ]
        report = {
            "groups": 1,
            "members": 2,
            "events_new": 5,
            "events_existing": 0,
            "by_kind": {"join": 1, "message": 4},
            "files": [
                {"name": "chat.txt", "format": "whatsapp", "events_new": 5, "events_existing": 0,
                 "skipped": skipped, "error": None},
                {"name": "bad.txt", "format": None, "events_new": 0, "events_existing": 0,
                 "skipped": [], "error": "chat.txt:9: no message could be read"},
            ],
        }  # fmt: skip
        update_import_job(connection, job, state="done", report=report)
        token = connection.execute(
            select(appeals.c.token).where(appeals.c.case_id == cases["penalised"])
        ).scalar_one()
    return {"job": job, "token": token, **cases}


@pytest.fixture
def clients(engine: Engine, setup: dict[str, object]) -> Iterator[dict[str, TestClient]]:
    """An admin's client in each language."""
    opened = {}
    for language in ("zh", "en"):
        client = TestClient(app_with_moderation(engine))
        client.__enter__()
        assert log_in(client, "admin", "correct horse") == 303
        client.get(f"/language?set={language}&next=/", follow_redirects=False)
        opened[language] = client
    yield opened
    for client in opened.values():
        client.__exit__(None, None, None)


def pages(client: TestClient, ids: dict[str, object]) -> dict[str, str]:
    """Every page of the console, and the forms sent back with errors."""
    case = client.get(f"/api/moderation/cases/{ids['penalised']}").json()
    group, member = case["group_id"], case["member_id"]
    pending = ids["pending"]
    found = {
        path: client.get(path).text
        for path in (
            "/",
            "/alerts?show=all",
            f"/groups/{group}",
            f"/groups/{group}/topics",
            f"/members/{member}",
            f"/members/{member}/penalties",
            f"/members/{ids['member2']}/penalties",
            "/import",
            f"/import/jobs/{ids['job']}",
            "/settings",
            "/moderation",
            "/moderation?state=confirmed",
            f"/moderation/cases/{pending}",
            f"/moderation/cases/{ids['penalised']}",
            "/moderation/appeals?state=all",
            "/moderation/rules",
            "/moderation/rules/workspace",
            "/moderation/actions?state=all",
            f"/appeal/{ids['token']}",
            "/groups/999999",
        )
    }
    token = token_of(found["/settings"])
    registry = {"csrf_token": token, "group_type": "nonsense", "planned_end": "soon", "matrix": "x" * 201}
    found["registry form"] = client.post(f"/groups/{group}/registry", data=registry).text
    settings = {"csrf_token": token, "timezone": "Asia/Shanghai", "dead_days": "many"}
    found["settings form"] = client.post("/settings/workspace", data=settings).text
    zone = {"csrf_token": token, "timezone": "Mars/Base"}
    found["timezone form"] = client.post("/settings/workspace", data=zone).text
    # What a member appealing reads when the statement is empty (the link needs no login).
    appeal = f"/appeal/{ids['token']}"
    empty = {"statement": " ", "csrf_token": token_of(found[appeal])}
    found["empty appeal"] = client.post(appeal, data=empty).text
    # The texts sent to members (an action's "text") are shown as they were sent: not checked here.
    actions = "/moderation/actions?state=all"
    found[actions] = re.sub(r'<div class="muted">.*?</div>', "", found[actions], flags=re.DOTALL)
    return found


@pytest.fixture
def shown(clients: dict[str, TestClient], setup: dict[str, object]) -> dict[str, dict[str, str]]:
    with_mute = clients["en"]
    case = with_mute.get(f"/api/moderation/cases/{setup['pending']}").json()
    token = token_of(with_mute.get("/moderation").text)
    # Confirming the second case gives its member the ladder's next step after the warning of the first.
    with_mute.post(
        f"/moderation/cases/{setup['pending']}/review",
        data={"decision": "confirm", "reason": "same ad", "csrf_token": token},
        follow_redirects=False,
    )
    assert case["state"] == "pending"
    return {language: pages(client, setup) for language, client in clients.items()}


def test_every_page_in_chinese_shows_no_english_sentence_of_the_catalogue(
    shown: dict[str, dict[str, str]],
) -> None:
    zh = shown["zh"]
    sentences = catalogue_sentences()
    assert len(sentences) > 100
    left = {path: [s for s in sentences if str(escape(s)) in page] for path, page in zh.items()}
    assert {path: found for path, found in left.items() if found} == {}


def test_the_sentences_written_for_operators_show_in_chinese_and_in_english_as_before(
    shown: dict[str, dict[str, str]],
) -> None:
    zh, en = "".join(shown["zh"].values()), "".join(shown["en"].values())
    for english, chinese in TRANSLATED.items():
        assert english in en, english
        assert english not in zh, english
        assert chinese in zh and chinese not in en, chinese
    for kept in KEPT:
        assert kept in zh and kept in en


def test_moderation_labels_show_in_chinese(shown: dict[str, dict[str, str]]) -> None:
    zh, en = shown["zh"], shown["en"]
    rules = "/moderation/rules/workspace"
    assert "关键词" in zh[rules] and "> keyword</label>" in en[rules]
    actions = "/moderation/actions?state=all"
    assert (
        "私信警告" in zh[actions] and "private warning" in en[actions] and "warn_privately" not in en[actions]
    )
    assert re.search(r"· 确认违规 —", "".join(zh.values()))
    assert "· confirmed —" in "".join(en.values())
    job = next(page for path, page in zh.items() if path.startswith("/import/jobs/"))
    assert "入群 1" in job and "消息 4" in job

"""The moderation API refuses bodies it cannot take as they are (a reason that is not a text, unknown
fields) instead of storing "None" or "['a', 'b']", and a rules body that changes nothing changes nothing."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from qunops.store.schema import audit_log, moderation_rules
from tests.moderation.test_console_moderation import appeal_token, cases, client, token_of
from tests.test_console import log_in

__all__ = ["cases", "client"]  # fixtures these tests use


def _admin(client: TestClient) -> dict[str, str]:
    log_in(client, "admin", "correct horse")
    return {"X-CSRF-Token": token_of(client.get("/moderation").text)}


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"decision": "confirm", "reason": None}, 400, "give a reason"),
        ({"decision": "confirm"}, 400, "give a reason"),
        ({"decision": "confirm", "reason": "  "}, 400, "give a reason"),
        (
            {"decision": "confirm", "reason": ["not", "a", "string"]},
            422,
            "reason: a text (a JSON string), not a list",
        ),
        ({"decision": "confirm", "reason": 5}, 422, "reason: a text (a JSON string), not a number"),
        ({"decision": "confirm", "reason": {"a": 1}}, 422, "reason: a text (a JSON string), not an object"),
        ({"decision": True, "reason": "ad"}, 422, "decision: a text (a JSON string), not true/false"),
        ({"decision": None, "reason": "ad"}, 400, "decision must be confirm or overturn"),
    ],
)
def test_a_review_needs_a_decision_and_a_reason_that_are_texts(
    client: TestClient, cases: dict[str, int], body: dict[str, object], status: int, says: str
) -> None:
    headers = _admin(client)
    answer = client.post(f"/api/moderation/cases/{cases['pending']}/review", json=body, headers=headers)
    assert answer.status_code == status and says in answer.json()["detail"]
    case = client.get(f"/api/moderation/cases/{cases['pending']}").json()
    assert (case["state"], case["review_reason"]) == ("pending", None)


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"decision": "uphold", "reason": None}, 400, "give a reason"),
        ({"decision": "uphold", "reason": ["x"]}, 422, "reason: a text"),
        ({"decision": ["uphold"], "reason": "x"}, 422, "decision: a text"),
    ],
)
def test_an_appeal_decision_needs_texts_too(
    client: TestClient, cases: dict[str, int], engine: Engine, body: dict[str, object], status: int, says: str
) -> None:
    token = appeal_token(engine, cases["penalised"])
    form = client.get(f"/appeal/{token}")
    client.post(f"/appeal/{token}", data={"statement": "not me", "csrf_token": token_of(form.text)})
    headers = _admin(client)
    [appeal] = client.get("/api/moderation/appeals?state=filed").json()
    answer = client.post(f"/api/moderation/appeals/{appeal['id']}/decide", json=body, headers=headers)
    assert answer.status_code == status and says in answer.json()["detail"]
    assert client.get("/api/moderation/appeals?state=filed").json() == [appeal]


def _group(client: TestClient) -> str:
    found = re.search(r'href="/moderation/rules/(\d+)"', client.get("/moderation/rules").text)
    assert found is not None
    return found[1]


def _rules_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(moderation_rules)).scalar_one())


def _rules_edits(engine: Engine) -> int:
    with engine.connect() as connection:
        query = select(func.count()).select_from(audit_log).where(audit_log.c.action == "rules.update")
        return int(connection.execute(query).scalar_one())


def test_unknown_rules_fields_are_refused_by_name(client: TestClient, engine: Engine) -> None:
    headers = _admin(client)
    url = f"/api/moderation/rules/{_group(client)}"
    bogus = client.put(url, json={"bogus": 1}, headers=headers)
    assert bogus.status_code == 400
    assert bogus.json()["detail"] == "unknown field 'bogus' (known: rules_text, settings)"
    two = client.put(url, json={"rules": "x", "setting": {}, "settings": {}}, headers=headers)
    assert two.status_code == 400 and "unknown fields 'rules', 'setting'" in two.json()["detail"]
    text = client.put(url, json={"rules_text": ["x"]}, headers=headers)
    assert text.status_code == 422 and "rules_text: a text" in text.json()["detail"]
    settings = client.put(url, json={"settings": [1]}, headers=headers)
    assert settings.status_code == 422 and "settings: an object, not a list" in settings.json()["detail"]
    assert client.get(url).json()["own"] is False and _rules_rows(engine) == 0


def test_a_rules_body_that_changes_nothing_keeps_the_group_on_the_workspace_s_rules(
    client: TestClient, engine: Engine
) -> None:
    headers = _admin(client)
    url = f"/api/moderation/rules/{_group(client)}"
    before = client.get(url).json()
    for body in (
        {},
        {"settings": {}},
        {"rules_text": ""},
        {"settings": {"flag_at": before["settings"]["flag_at"]}},
    ):
        answer = client.put(url, json=body, headers=headers)
        assert answer.status_code == 200 and answer.json() == before, body
    assert _rules_rows(engine) == 0
    with engine.connect() as connection:
        audited = connection.execute(
            select(audit_log.c.action).where(audit_log.c.action == "rules.update")
        ).all()
    assert audited == []
    changed = client.put(url, json={"settings": {"flag_at": 0.8}}, headers=headers)
    assert changed.json()["own"] is True and changed.json()["settings"]["flag_at"] == 0.8
    again = client.put(url, json={"settings": {"flag_at": 0.8}}, headers=headers)
    assert again.json() == changed.json() and _rules_rows(engine) == 1
    with engine.connect() as connection:
        audited = connection.execute(
            select(audit_log.c.action).where(audit_log.c.action == "rules.update")
        ).all()
    assert len(audited) == 1

"""A confirmed case found wrong later is overturned by an operator the way an upheld appeal overturns it
(penalties lifted, what nobody carried out withdrawn, the ladder no longer counting it, the member told
where the penalty had reached them, the classifier relabelled); an overturned case stays overturned.
Only an appeal the member filed is decided, and ids that name no appeal or case are clear client errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from qunops.actions import ActionState, Ports
from qunops.actions.ports import mark_recommendation
from qunops.moderation import service, store
from qunops.moderation.classifier import SpamClassifier, override_key
from qunops.moderation.service import ModerationError
from qunops.store.schema import actions, audit_log, moderation_cases, moderation_labels
from tests.factories import T0, message
from tests.moderation.test_console_moderation import appeal_token, cases, client, token_of
from tests.moderation.test_service import (
    ADMIN,
    LIVE,
    SPAM,
    FakeGateway,
    _training_file,
    group_id,
    member_id,
    offend,
    pending_case,
    store_events,
)
from tests.test_console import log_in

__all__ = ["cases", "client"]  # fixtures these tests use

LIFTED = "The moderators reviewed your case and lifted the penalty."


def _case_of(engine: Engine, workspace: int, who: int) -> int:
    """The member's latest case."""
    with engine.connect() as connection:
        return max(c.id for c in store.cases(connection, workspace, member_id=member_id(engine, who)))


def _overturn(
    engine: Engine, workspace: int, case_id: int, at: timedelta, ports: Ports = service.EXPORT_ONLY
) -> str:
    with engine.begin() as connection:
        return service.review(
            connection, workspace, case_id, "overturn", ADMIN, "he sold his own bike", T0 + at, ports
        )


def _actions(engine: Engine, member: int) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(actions.c.kind, actions.c.state)
            .where(actions.c.member_id == member)
            .order_by(actions.c.id)
        ).all()
    return [(str(r[0]), str(r[1])) for r in rows]


def _case_audit(engine: Engine, case_id: int) -> list[tuple[str, object]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(audit_log.c.action, audit_log.c.before)
            .where(audit_log.c.subject == f"case:{case_id}")
            .order_by(audit_log.c.id)
        ).all()
    return [(str(r[0]), r[1]) for r in rows]


# --- through the service ----------------------------------------------------------------------------


def test_a_confirmed_case_overturned_later_lifts_the_mute_and_tells_the_member(
    engine: Engine, workspace: int
) -> None:
    store_events(engine, workspace, message(50, timedelta(0), "hello", group=LIVE))
    gateway = FakeGateway()
    ports = Ports(by_group={group_id(engine, LIVE): gateway})
    offend(engine, workspace, 50, timedelta(days=1), ports, group=LIVE)  # a warning
    muted = offend(engine, workspace, 50, timedelta(days=3), ports, group=LIVE).penalty
    assert muted.kind.value == "mute"
    case_id = _case_of(engine, workspace, 50)
    gateway.calls.clear()
    gateway.parameters.clear()

    assert _overturn(engine, workspace, case_id, timedelta(days=3, hours=2), ports) == "overturned"

    assert gateway.kinds() == ["unmute", "warn_privately"]
    told = gateway.parameters[1]
    assert told["text"] == f"{LIFTED} he sold his own bike"
    assert (
        told["text_template"]["template"]
        == "The moderators reviewed your case and lifted the penalty. {reason}"
    )
    member = member_id(engine, 50)
    with engine.connect() as connection:
        case = store.case_row(connection, workspace, case_id)
        history = store.penalty_history(connection, workspace, member)
        standing = service.member_standing(connection, workspace, member, T0 + timedelta(days=3, hours=3))
        labels = (
            connection.execute(
                select(moderation_labels.c.is_spam).where(moderation_labels.c.case_id == case_id)
            )
            .scalars()
            .all()
        )
    assert case is not None and (case.state, case.reviewer, case.review_reason) == (
        "overturned",
        "admin",
        "he sold his own bike",
    )
    lifted = [p.penalty for p in history if p.case_id == case_id]
    assert [p.lifted_at for p in lifted] == [T0 + timedelta(days=3, hours=2)]
    assert [p.penalty.lifted_at for p in history if p.case_id != case_id] == [None]  # the warning stands
    assert standing.step == 0 and standing.next_step == 1  # only the warning counts now
    assert labels == [False]
    assert [a for a, _ in _case_audit(engine, case_id)] == [
        "case.open",
        "case.confirm",
        "case.overturn",
    ]
    assert _case_audit(engine, case_id)[2][1] == {"state": "confirmed"}


def test_what_nobody_carried_out_is_withdrawn_and_the_member_told_only_if_the_penalty_reached_them(
    engine: Engine, workspace: int
) -> None:
    offend(engine, workspace, 60, timedelta(0))  # a warning: a group message and a private notice to send
    offend(engine, workspace, 61, timedelta(0))
    sent = _actions(engine, member_id(engine, 61))
    assert sent == [("send_message", "recommended"), ("warn_privately", "recommended")]
    with engine.begin() as connection:
        notice = connection.execute(
            select(actions.c.id).where(
                actions.c.member_id == member_id(engine, 61), actions.c.kind == "warn_privately"
            )
        ).scalar_one()
        mark_recommendation(connection, workspace, notice, ActionState.DONE, ADMIN, now=T0)

    _overturn(engine, workspace, _case_of(engine, workspace, 60), timedelta(hours=1))
    _overturn(engine, workspace, _case_of(engine, workspace, 61), timedelta(hours=1))

    # Never sent: withdrawn, and nothing to tell.
    assert _actions(engine, member_id(engine, 60)) == [
        ("send_message", "withdrawn"),
        ("warn_privately", "withdrawn"),
    ]
    # The private notice went out: the member is told the penalty is lifted (by hand: a recommendation).
    assert _actions(engine, member_id(engine, 61)) == [
        ("send_message", "withdrawn"),
        ("warn_privately", "done"),
        ("warn_privately", "recommended"),
    ]
    with engine.connect() as connection:
        words = connection.execute(
            select(actions.c.parameters).order_by(actions.c.id.desc()).limit(1)
        ).scalar_one()
        standing = service.member_standing(
            connection, workspace, member_id(engine, 61), T0 + timedelta(hours=2)
        )
    assert words["text"] == f"{LIFTED} he sold his own bike"
    assert standing.step == -1 and standing.next_penalty == "Warning: no penalty counts on the record."


def test_an_overturned_case_stays_overturned(engine: Engine, workspace: int) -> None:
    offend(engine, workspace, 62, timedelta(0))
    case_id = _case_of(engine, workspace, 62)
    _overturn(engine, workspace, case_id, timedelta(hours=1))
    before = (_case_audit(engine, case_id), _actions(engine, member_id(engine, 62)))
    with engine.begin() as connection:
        for decision in ("overturn", "confirm"):
            with pytest.raises(
                ModerationError, match="already overturned by admin: an overturned case stays"
            ):
                service.review(
                    connection, workspace, case_id, decision, ADMIN, "again", T0 + timedelta(hours=2)
                )
        with pytest.raises(ModerationError, match="overturned: there is nothing to penalise"):
            service.apply_penalty(connection, workspace, case_id, ADMIN, T0 + timedelta(hours=2))
    assert (_case_audit(engine, case_id), _actions(engine, member_id(engine, 62))) == before


def test_overturning_a_case_whose_appeal_waits_upholds_the_appeal(engine: Engine, workspace: int) -> None:
    offend(engine, workspace, 63, timedelta(0))
    case_id = _case_of(engine, workspace, 63)
    with engine.begin() as connection:
        appeal = store.appeal_for_case(connection, case_id)
        assert appeal is not None
        service.file_appeal(connection, appeal.token, "it was my own bike", T0 + timedelta(hours=1))
    _overturn(engine, workspace, case_id, timedelta(hours=2))
    with engine.connect() as connection:
        decided = store.appeal_for_case(connection, case_id)
        case = store.case_row(connection, workspace, case_id)
    assert decided is not None and (decided.state, decided.decided_by, decided.decision_reason) == (
        "upheld",
        "admin",
        "he sold his own bike",
    )
    assert case is not None and case.state == "overturned"
    # Told once, with the appeal's outcome.
    assert _actions(engine, member_id(engine, 63))[2:] == [("warn_privately", "recommended")]
    with engine.connect() as connection:
        words = connection.execute(
            select(actions.c.parameters).order_by(actions.c.id.desc()).limit(1)
        ).scalar_one()
    assert words["text"].startswith("Your appeal was upheld and the penalty lifted.")


def test_the_member_cannot_appeal_a_case_the_moderators_overturned(engine: Engine, workspace: int) -> None:
    offend(engine, workspace, 64, timedelta(0))
    case_id = _case_of(engine, workspace, 64)
    _overturn(engine, workspace, case_id, timedelta(hours=1))
    with engine.begin() as connection:
        appeal = store.appeal_for_case(connection, case_id)
        assert appeal is not None and appeal.state == "closed"  # the link the member never used
        with pytest.raises(ModerationError, match="there is nothing to appeal"):
            service.file_appeal(connection, appeal.token, "please", T0 + timedelta(hours=2))
        assert store.appeal_for_case(connection, case_id) == appeal
        open_ones = store.appeal_list(connection, workspace, "open")
    assert case_id not in [a.case_id for a in open_ones]


def test_only_an_appeal_the_member_filed_is_decided(engine: Engine, workspace: int) -> None:
    offend(engine, workspace, 65, timedelta(0))
    case_id = _case_of(engine, workspace, 65)
    with engine.begin() as connection:
        appeal = store.appeal_for_case(connection, case_id)
        assert appeal is not None and appeal.state == "open"
        for decision in ("uphold", "reject"):
            with pytest.raises(ModerationError, match=f"has not appealed case {case_id}"):
                service.decide_appeal(connection, workspace, appeal.id, decision, ADMIN, "x", T0)
        assert store.appeal_for_case(connection, case_id) == appeal
        assert not store.penalty_history(connection, workspace, member_id(engine, 65))[0].penalty.lifted
        with pytest.raises(service.NotFound, match="no appeal"):
            service.decide_appeal(connection, workspace, appeal.id + 1000, "uphold", ADMIN, "x", T0)


# --- what the classifier learns ----------------------------------------------------------------------


def test_a_later_decision_on_a_text_replaces_the_earlier_example() -> None:
    spam = [f"win a free prize now {i}" for i in range(6)]
    ham = [f"see you at the run tomorrow {i}" for i in range(6)]
    model = SpamClassifier().train(spam + ham, [1] * 6 + [0] * 6)
    text = "Claim your cash reward today"
    model.learn(text, is_spam=True, retrain=False)
    model.learn("CLAIM your  cash reward today", is_spam=False, retrain=False)  # the same text, reversed
    assert [
        (t, label) for t, label in zip(model.texts, model.labels, strict=True) if "reward" in t.lower()
    ] == [("CLAIM your  cash reward today", 0)]
    assert len(model.texts) == 13 and model.overrides[override_key(text)] is False


def _examples(engine: Engine, workspace: int, text: str) -> list[int]:
    with engine.connect() as connection:
        stored = store.stored_model(connection, workspace)
    assert stored is not None
    model = service._model_from_bytes(stored.model)
    key = override_key(text)
    return [label for t, label in zip(model.texts, model.labels, strict=True) if override_key(t) == key]


def test_the_stored_model_unlearns_the_confirmed_label(
    engine: Engine, workspace: int, tmp_path: Path
) -> None:
    text = "claim your free prize reward now"
    store_events(engine, workspace, message(70, timedelta(0), text))
    assert (
        service.moderate_new_events(engine, workspace, T0, training_data=_training_file(tmp_path)).flagged
        == 1
    )
    case_id = pending_case(engine, workspace, 70)
    with engine.begin() as connection:
        service.review(connection, workspace, case_id, "confirm", ADMIN, "an ad", T0, penalize=False)
    service.moderate_new_events(engine, workspace, T0 + timedelta(hours=1))  # trains the label in
    assert _examples(engine, workspace, text) == [1]

    _overturn(engine, workspace, case_id, timedelta(hours=2))
    service.moderate_new_events(engine, workspace, T0 + timedelta(hours=3))

    assert _examples(engine, workspace, text) == [0]  # replaced, not both
    with engine.connect() as connection:
        labels = connection.execute(select(moderation_labels.c.text, moderation_labels.c.is_spam)).all()
    assert [tuple(r) for r in labels] == [(text, False)]
    store_events(engine, workspace, message(71, timedelta(hours=4), text))
    assert service.moderate_new_events(engine, workspace, T0 + timedelta(hours=4)).flagged == 0


def test_an_upheld_appeal_relabels_the_stored_model_too(
    engine: Engine, workspace: int, tmp_path: Path
) -> None:
    """The relabelled text is trained in on SQLite too, where a deleted latest label's id came back."""
    text = "claim your free prize reward now"
    store_events(engine, workspace, message(75, timedelta(0), text))
    service.moderate_new_events(engine, workspace, T0, training_data=_training_file(tmp_path))
    case_id = pending_case(engine, workspace, 75)
    with engine.begin() as connection:
        service.review(connection, workspace, case_id, "confirm", ADMIN, "an ad", T0)
    service.moderate_new_events(engine, workspace, T0 + timedelta(hours=1))
    with engine.begin() as connection:
        appeal = store.appeal_for_case(connection, case_id)
        assert appeal is not None
        service.file_appeal(connection, appeal.token, "a real giveaway", T0 + timedelta(hours=2))
        service.decide_appeal(
            connection, workspace, appeal.id, "uphold", ADMIN, "ours", T0 + timedelta(hours=2)
        )
    service.moderate_new_events(engine, workspace, T0 + timedelta(hours=3))
    assert _examples(engine, workspace, text) == [0]


def test_a_reversal_that_leaves_the_model_one_kind_of_label_keeps_moderating(
    engine: Engine, workspace: int
) -> None:
    """A model trained from reviews alone (one spam, one not): reversing the spam leaves only "not spam"
    labels, which no model trains on; the stored model stays, and the decisions apply as overrides."""
    other = "高薪兼职日结，有意加V：vx7654321"
    store_events(engine, workspace, message(72, timedelta(0), SPAM), message(73, timedelta(minutes=1), other))
    service.moderate_new_events(engine, workspace, T0)
    spam_case, other_case = pending_case(engine, workspace, 72), pending_case(engine, workspace, 73)
    with engine.begin() as connection:
        service.review(connection, workspace, spam_case, "confirm", ADMIN, "an ad", T0, penalize=False)
        service.review(connection, workspace, other_case, "overturn", ADMIN, "our staff", T0)
    first = service.moderate_new_events(engine, workspace, T0 + timedelta(hours=1))
    assert first.classifier == "2 moderator decisions"

    _overturn(engine, workspace, spam_case, timedelta(hours=2))
    store_events(engine, workspace, message(74, timedelta(hours=3), SPAM))
    run = service.moderate_new_events(engine, workspace, T0 + timedelta(hours=3))

    assert (run.judged, run.flagged, run.classifier) == (1, 0, "2 moderator decisions")
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(moderation_labels)).scalar_one()
    assert count == 2


# --- in the console and the API ----------------------------------------------------------------------


def test_an_operator_overturns_a_confirmed_case_on_its_page(
    client: TestClient, cases: dict[str, int], engine: Engine
) -> None:
    url = f"/moderation/cases/{cases['penalised']}"
    assert log_in(client, "viewer", "viewer password") == 303
    assert "overturn-confirmed" not in client.get(url).text
    refused = client.post(
        f"{url}/review",
        data={"decision": "overturn", "reason": "x", "csrf_token": token_of(client.get(url).text)},
    )
    assert refused.status_code == 403

    assert log_in(client, "operator", "operator password") == 303
    page = client.get(url)
    assert (
        page.status_code == 200
        and 'id="overturn-confirmed"' in page.text
        and "Overturn this decision" in page.text
    )
    assert 'id="overturn-confirmed"' not in client.get(f"/moderation/cases/{cases['pending']}").text
    no_csrf = client.post(f"{url}/review", data={"decision": "overturn", "reason": "a mistake"})
    assert no_csrf.status_code == 400 and "form expired" in no_csrf.text
    no_reason = client.post(
        f"{url}/review", data={"decision": "overturn", "reason": " ", "csrf_token": token_of(page.text)}
    )
    assert no_reason.status_code == 400 and "give a reason" in no_reason.text
    assert client.get(f"/api/moderation/cases/{cases['penalised']}").json()["state"] == "confirmed"

    done = client.post(
        f"{url}/review",
        data={
            "decision": "overturn",
            "reason": "he explained it in the group",
            "csrf_token": token_of(page.text),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == url
    case = client.get(f"/api/moderation/cases/{cases['penalised']}").json()
    assert (case["state"], case["reviewer"], case["review_reason"]) == (
        "overturned",
        "operator",
        "he explained it in the group",
    )
    assert case["penalties"][0]["lifted"] is not None
    standing = client.get(f"/api/moderation/members/{case['member_id']}/penalties").json()
    assert standing["step"] is None
    assert client.get("/api/moderation/actions").json() == []  # the warnings nobody sent: withdrawn
    after = client.get(url).text
    assert 'id="overturn-confirmed"' not in after
    assert "· overturned — he explained it in the group" in after
    again = client.post(
        f"{url}/review", data={"decision": "overturn", "reason": "x", "csrf_token": token_of(page.text)}
    )
    assert again.status_code == 400 and "already overturned by operator" in again.text
    client.get("/language?set=zh&next=/", follow_redirects=False)
    chinese = client.post(
        f"{url}/review", data={"decision": "confirm", "reason": "x", "csrf_token": token_of(page.text)}
    )
    assert chinese.status_code == 400 and "已由 operator 推翻" in chinese.text


def test_the_form_to_overturn_reads_in_chinese(client: TestClient, cases: dict[str, int]) -> None:
    log_in(client, "admin", "correct horse")
    client.get("/language?set=zh&next=/", follow_redirects=False)
    page = client.get(f"/moderation/cases/{cases['penalised']}").text
    assert (
        "推翻这个决定" in page and "Overturn this decision" not in page and "the member is told" not in page
    )


def test_the_api_overturns_a_confirmed_case(client: TestClient, cases: dict[str, int]) -> None:
    log_in(client, "admin", "correct horse")
    headers = {"X-CSRF-Token": token_of(client.get("/moderation").text)}
    url = f"/api/moderation/cases/{cases['penalised']}/review"
    again = client.post(url, json={"decision": "confirm", "reason": "ad"}, headers=headers)
    assert again.status_code == 400 and again.json()["detail"] == (
        f"case {cases['penalised']} was already confirmed by admin"
    )
    done = client.post(url, json={"decision": "overturn", "reason": "a mistake"}, headers=headers)
    assert done.status_code == 200 and done.json() == {"case_id": cases["penalised"], "state": "overturned"}
    twice = client.post(url, json={"decision": "overturn", "reason": "a mistake"}, headers=headers)
    assert twice.status_code == 400 and "was already overturned by admin" in twice.json()["detail"]
    assert client.get(f"/api/moderation/cases/{cases['penalised']}").json()["penalties"][0]["lifted"]


def test_the_appeal_link_of_an_overturned_case_takes_no_appeal(
    client: TestClient, cases: dict[str, int], engine: Engine
) -> None:
    token = appeal_token(engine, cases["penalised"])
    form = client.get(f"/appeal/{token}")
    log_in(client, "admin", "correct horse")
    headers = {"X-CSRF-Token": token_of(client.get("/moderation").text)}
    client.post(
        f"/api/moderation/cases/{cases['penalised']}/review",
        json={"decision": "overturn", "reason": "a mistake"},
        headers=headers,
    )
    page = client.get(f"/appeal/{token}")
    assert (
        page.status_code == 200 and "<textarea" not in page.text and "there is nothing to appeal" in page.text
    )
    sent = client.post(f"/appeal/{token}", data={"statement": "please", "csrf_token": token_of(form.text)})
    assert sent.status_code == 400 and "there is nothing to appeal" in sent.text


def test_the_appeals_page_offers_to_decide_only_filed_appeals(
    client: TestClient, cases: dict[str, int], engine: Engine
) -> None:
    log_in(client, "admin", "correct horse")
    listing = client.get("/moderation/appeals?state=all")
    [appeal] = client.get("/api/moderation/appeals?state=open").json()
    assert f'data-appeal="{appeal["id"]}"' in listing.text and "/decide" not in listing.text
    assert "/decide" not in client.get("/moderation/appeals?state=open").text
    form = client.post(
        f"/moderation/appeals/{appeal['id']}/decide",
        data={"decision": "reject", "reason": "x", "csrf_token": token_of(listing.text)},
    )
    assert form.status_code == 400 and "has not appealed case" in form.text and "Traceback" not in form.text
    headers = {"X-CSRF-Token": token_of(listing.text)}
    api = client.post(
        f"/api/moderation/appeals/{appeal['id']}/decide",
        json={"decision": "uphold", "reason": "x"},
        headers=headers,
    )
    assert api.status_code == 400
    assert (
        api.json()["detail"]
        == f"the member has not appealed case {cases['penalised']}: there is no appeal to decide"
    )
    assert client.get("/api/moderation/appeals?state=open").json() == [appeal]
    assert client.get(f"/api/moderation/cases/{cases['penalised']}").json()["penalties"][0]["lifted"] is None

    token = appeal_token(engine, cases["penalised"])
    client.post(
        f"/appeal/{token}",
        data={"statement": "not me", "csrf_token": token_of(client.get(f"/appeal/{token}").text)},
    )
    filed = client.get("/moderation/appeals").text
    assert f'action="/moderation/appeals/{appeal["id"]}/decide"' in filed


@pytest.mark.parametrize("appeal_id", ["99999", str(2**31), str(10**20)])
def test_deciding_an_appeal_that_does_not_exist_is_a_client_error(
    client: TestClient, cases: dict[str, int], appeal_id: str
) -> None:
    log_in(client, "admin", "correct horse")
    token = token_of(client.get("/moderation").text)
    answer = client.post(
        f"/api/moderation/appeals/{appeal_id}/decide",
        json={"decision": "uphold", "reason": "x"},
        headers={"X-CSRF-Token": token},
    )
    assert answer.status_code in (404, 422)
    if appeal_id == "99999":
        assert answer.json()["detail"] == "no appeal 99999 in this workspace"
    else:
        assert answer.status_code == 422 and "appeal_id" in str(answer.json()["detail"])
    form = client.post(
        f"/moderation/appeals/{appeal_id}/decide",
        data={"decision": "uphold", "reason": "x", "csrf_token": token},
    )
    assert form.status_code in (404, 422) and "Traceback" not in form.text
    review = client.post(
        f"/api/moderation/cases/{appeal_id}/review",
        json={"decision": "overturn", "reason": "x"},
        headers={"X-CSRF-Token": token},
    )
    assert review.status_code in (404, 422)
    assert client.get(f"/moderation/cases/{appeal_id}").status_code in (404, 422)


def test_another_workspace_s_appeal_is_not_found(
    client: TestClient, cases: dict[str, int], engine: Engine, workspace: int
) -> None:
    """Filed and waiting, but in another workspace: not found, as if it did not exist."""
    with engine.begin() as connection:
        other = connection.execute(
            select(moderation_cases.c.workspace_id).where(moderation_cases.c.id == cases["foreign"])
        ).scalar_one()
        assert other != workspace
        service.review(connection, other, cases["foreign"], "confirm", ADMIN, "ad", T0)
        appeal = store.appeal_for_case(connection, cases["foreign"])
        assert appeal is not None
        service.file_appeal(connection, appeal.token, "not me", T0)
    log_in(client, "admin", "correct horse")
    answer = client.post(
        f"/api/moderation/appeals/{appeal.id}/decide",
        json={"decision": "uphold", "reason": "x"},
        headers={"X-CSRF-Token": token_of(client.get("/moderation").text)},
    )
    assert answer.status_code == 404


def test_the_appeal_page_of_a_rejected_appeal_says_when_the_case_was_overturned_later(
    client: TestClient, cases: dict[str, int], engine: Engine
) -> None:
    """The member appealed and was turned down; later the moderators found the case wrong. Their appeal
    stays rejected (that was the decision then), and its page says the decision went their way after."""
    token = appeal_token(engine, cases["penalised"])
    form = client.get(f"/appeal/{token}")
    client.post(f"/appeal/{token}", data={"statement": "not me", "csrf_token": token_of(form.text)})
    log_in(client, "admin", "correct horse")
    headers = {"X-CSRF-Token": token_of(client.get("/moderation").text)}
    [appeal] = client.get("/api/moderation/appeals?state=filed").json()
    decided = client.post(
        f"/api/moderation/appeals/{appeal['id']}/decide",
        json={"decision": "reject", "reason": "the link is an ad"},
        headers=headers,
    )
    assert decided.status_code == 200
    later = "the moderators overturned the decision later and lifted the penalty"
    assert later not in client.get(f"/appeal/{token}").text  # rejected, and nothing changed since
    client.post(
        f"/api/moderation/cases/{cases['penalised']}/review",
        json={"decision": "overturn", "reason": "the link was his own shop's page"},
        headers=headers,
    )
    page = client.get(f"/appeal/{token}").text
    assert "Rejected" in page and "the link is an ad" in page and later in page
    client.get("/language?set=zh&next=/", follow_redirects=False)
    assert "群管后来推翻了原决定，处罚已撤销" in client.get(f"/appeal/{token}").text

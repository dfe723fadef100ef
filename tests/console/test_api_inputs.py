"""What the JSON API answers to inputs it cannot serve: a date out of range or not a date, an id beyond
the database's integers, an unknown sort key, a group asked for before its history begins. Always a JSON
`{"detail": ...}` with a 4xx status, never a server error, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from qunops.console.data import SORTS, forget_summaries
from qunops.core.events import GroupRef
from qunops.core.platforms import Platform
from qunops.ingestion import import_events
from qunops.store.rollups import fill_rollups
from qunops.store.schema import groups
from tests.console.conftest import Console
from tests.factories import message

Client = Callable[[str | None], tuple[TestClient, str]]
FIRST_DAY = date(2024, 5, 1)  # the test group's first local day (Asia/Shanghai)
INT32_MAX = 2**31 - 1


def dated_urls(console: Console) -> list[str]:
    """Every API route that takes `as_of`."""
    return [
        "/api/groups",
        f"/api/groups/{console.group_id}",
        f"/api/groups/{console.group_id}/topics",
        f"/api/members/{console.member_id}",
        "/api/alerts",
    ]


def assert_json_detail(response: httpx.Response, status: int, url: str) -> str:
    """The `detail` of a JSON error answer with that status."""
    assert response.status_code == status, (url, response.status_code, response.text[:300])
    body = response.json()
    assert set(body) >= {"detail"} and isinstance(body["detail"], str), (url, body)
    return str(body["detail"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0001-01-01", "There is nothing to show as of 0001-01-01: choose a date from 1990-01-01 to "),
        ("9999-12-31", "There is nothing to show as of 9999-12-31: choose a date from 1990-01-01 to "),
        ("1989-12-31", "There is nothing to show as of 1989-12-31"),
        ("2024-02-30", "“2024-02-30” is not a date: give one like 2016-08-31 (year-month-day)."),
        ("yesterday", "“yesterday” is not a date"),
    ],
)
def test_an_as_of_out_of_range_or_not_a_date_is_a_json_422(
    console: Console, client_as: Client, value: str, expected: str
) -> None:
    client, _ = client_as("viewer")
    for url in dated_urls(console):
        detail = assert_json_detail(client.get(url, params={"as_of": value}), 422, url)
        assert detail.startswith(expected), (url, detail)


def test_an_as_of_in_range_or_none_is_served(console: Console, client_as: Client) -> None:
    client, _ = client_as("viewer")
    for url in dated_urls(console):
        assert client.get(url, params={"as_of": str(console.as_of)}).status_code == 200, url
        assert client.get(url).status_code == 200, url
        assert client.get(url, params={"as_of": ""}).status_code == 200, url  # empty: today
    pinned = client.get(f"/api/groups/{console.group_id}", params={"as_of": str(console.as_of)}).json()
    assert pinned["group"]["as_of"] == str(console.as_of)


@pytest.mark.parametrize("big", [INT32_MAX + 1, 2**63, 10**23])
def test_ids_beyond_the_databases_integers_are_refused_not_a_server_error(
    console: Console, client_as: Client, big: int
) -> None:
    client, token = client_as("operator")
    for url in (
        f"/api/groups/{big}",
        f"/api/groups/{big}/topics",
        f"/api/members/{big}",
        f"/api/import/jobs/{big}",
    ):
        response = client.get(url)
        assert response.status_code in (404, 422), (url, response.text[:300])
        assert isinstance(response.json()["detail"], str), url
    # The group id at the head of an alert's key.
    for action, body in (("acknowledge", {}), ("snooze", {"until": None}), ("assign", {"assignee_id": None})):
        url = f"/api/alerts/{big}:dead:2024-04-11/{action}"
        assert_json_detail(client.post(url, json=body, headers={"X-CSRF-Token": token}), 404, url)
    # A user id in a body.
    key = next(
        a["key"]
        for a in client.get(f"/api/alerts?status=all&as_of={console.as_of}").json()
        if a["group_id"] == console.quiet_group_id
    )
    url = f"/api/alerts/{key}/assign"
    detail = assert_json_detail(
        client.post(url, json={"assignee_id": big}, headers={"X-CSRF-Token": token}), 422, url
    )
    assert "assignee_id" in detail


def test_ids_at_the_edges_of_their_range(console: Console, client_as: Client) -> None:
    client, _ = client_as("viewer")
    for url in ("/api/groups/{}", "/api/groups/{}/topics", "/api/members/{}", "/api/import/jobs/{}"):
        assert client.get(url.format(INT32_MAX)).status_code == 404, url  # the largest id: none such
        for bad in (0, -1):
            assert_json_detail(client.get(url.format(bad)), 422, url)
    assert client.get(f"/api/groups/{console.group_id}").status_code == 200
    assert client.get(f"/api/members/{console.member_id}").status_code == 200
    ids = client.get("/api/openapi.json").json()["paths"]["/api/groups/{group_id}"]["get"]["parameters"]
    schema = next(p for p in ids if p["name"] == "group_id")["schema"]
    assert (schema["minimum"], schema["maximum"]) == (1, INT32_MAX)  # documented too


def test_an_unknown_sort_is_a_422_listing_the_accepted_ones(console: Console, client_as: Client) -> None:
    client, _ = client_as("viewer")
    for bad in ("bogus", "NAME", "name ", "name,wad"):
        detail = assert_json_detail(client.get("/api/groups", params={"sort": bad}), 422, bad)
        assert detail == f"sort: one of {', '.join(SORTS)}", detail
    for key in SORTS:  # the overview's sort keys, each accepted
        for direction in ("asc", "desc"):
            answer = client.get("/api/groups", params={"sort": key, "dir": direction, "as_of": console.as_of})
            assert answer.status_code == 200, (key, answer.text[:300])
    by_name = client.get("/api/groups", params={"sort": "", "as_of": console.as_of})  # empty: the default
    assert [g["name"] for g in by_name.json()] == ["Quiet wechat group", "Test group"]
    members = client.get("/api/groups", params={"sort": "members", "as_of": console.as_of}).json()
    assert [g["members"] for g in members] == sorted(g["members"] for g in members)
    parameters = client.get("/api/openapi.json").json()["paths"]["/api/groups"]["get"]["parameters"]
    assert next(p for p in parameters if p["name"] == "sort")["schema"]["enum"] == list(SORTS)


def test_a_group_asked_for_before_its_history_says_when_it_begins(
    console: Console, client_as: Client
) -> None:
    client, _ = client_as("viewer")
    early = client.get(f"/api/groups/{console.group_id}", params={"as_of": "2024-04-01"})
    detail = assert_json_detail(early, 422, "early")
    assert detail == "This group's history begins on 2024-05-01; nothing to show as of 2024-04-01."
    assert early.json()["begins"] == "2024-05-01"
    the_day_before = client.get(f"/api/groups/{console.group_id}", params={"as_of": "2024-04-30"})
    assert the_day_before.status_code == 422 and the_day_before.json()["begins"] == "2024-05-01"
    first = client.get(f"/api/groups/{console.group_id}", params={"as_of": str(FIRST_DAY)})
    assert first.status_code == 200 and first.json()["group"]["members"] > 0
    # The list leaves it out as of that date, as the overview does; another group is not affected.
    listed = client.get("/api/groups", params={"as_of": "2024-04-20"}).json()
    assert [g["id"] for g in listed] == [console.quiet_group_id]
    quiet = client.get(f"/api/groups/{console.quiet_group_id}", params={"as_of": "2024-04-20"})
    assert quiet.status_code == 200
    # Documented where clients read it.
    operation = client.get("/api/openapi.json").json()["paths"]["/api/groups/{group_id}"]["get"]
    assert "history begins" in operation["description"] and "422" in operation["responses"]


def test_the_group_list_gives_every_group_not_a_first_page(console: Console, client_as: Client) -> None:
    """More groups than a page of the overview holds (50 by default, 200 at most)."""
    extra = [GroupRef(Platform.QQ, f"extra-{n}", f"Extra {n}") for n in range(210)]
    more = [message(1, timedelta(minutes=n), group=group) for n, group in enumerate(extra)]
    import_events(console.engine, console.workspace, iter(more))
    fill_rollups(console.engine)
    forget_summaries()
    client, _ = client_as("viewer")
    listed = client.get(f"/api/groups?as_of={console.as_of.isoformat()}").json()
    with console.engine.connect() as connection:
        stored = connection.execute(
            select(func.count()).select_from(groups).where(groups.c.workspace_id == console.workspace)
        ).scalar_one()
    assert len(listed) == stored > 210


@pytest.mark.parametrize("big", [INT32_MAX + 1, 10**23])
def test_pages_given_ids_beyond_the_databases_integers_answer_a_clear_page(
    console: Console, client_as: Client, big: int
) -> None:
    client, _ = client_as("viewer")
    for url in (f"/groups/{big}", f"/groups/{big}/members", f"/groups/{big}/topics", f"/members/{big}"):
        response = client.get(url)
        assert response.status_code in (404, 422), (url, response.text[:300])
        assert "Traceback" not in response.text and "<html" in response.text, url
    assert client.get(f"/import/jobs/{big}").status_code in (404, 422)

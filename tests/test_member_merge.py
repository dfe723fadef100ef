"""An operator merges two members who are the same person (`qunops members merge`,
`store.aliases.merge_members`), on SQLite and PostgreSQL: events, rollups, names and moderation history go
over, re-imports stay on the member kept, and what cannot be merged says why."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from qunops.ingestion import import_paths
from qunops.store.aliases import MergeError, merge_members
from qunops.store.db import bulk_writing
from qunops.store.rollups import fill_rollups
from qunops.store.schema import (
    audit_log,
    events,
    member_names,
    members,
    memberships,
    moderation_cases,
    penalties,
)
from tests.moderation.test_service import member_id, offend
from tests.store_helpers import refilled_from_scratch, table_states
from tests.test_console import cheap_password_hashes, client, log_in

__all__ = ["cheap_password_hashes", "client"]  # fixtures these tests use

# WhatsApp writes the exporting phone's own lines as "You" and its messages under the exporter's name.
CHAT = (
    '1/29/18, 12:24 - You created group "Runners"\n'
    "1/29/18, 12:24 - You added Alice\n"
    "1/29/18, 12:25 - Dave: Welcome Alice\n"
    "1/29/18, 12:26 - Alice: Thanks Dave!\n"
    "1/30/18, 09:00 - Dave: Run at 7?\n"
    "1/30/18, 09:05 - Alice: Yes\n"
)
LATER = CHAT + "1/31/18, 10:00 - You added Bob\n1/31/18, 10:01 - Bob: Hi all\n1/31/18, 10:02 - Dave: Hi Bob\n"


def identity(engine: Engine, external_id: str, workspace: int | None = None) -> int:
    condition = members.c.external_id == external_id
    if workspace is not None:
        condition &= members.c.workspace_id == workspace
    with engine.connect() as connection:
        return int(connection.execute(select(members.c.id).where(condition)).scalar_one())


def form_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found[1]


def imported(engine: Engine, workspace: int, path: Path) -> dict[str, object]:
    report = import_paths(engine, workspace, [path], "UTC")
    assert report.ok, [f.error for f in report.files]
    return report.as_json()


def merge(engine: Engine, workspace: int, gone: int, kept: int) -> None:
    with bulk_writing(engine, "test") as connection:
        merge_members(connection, workspace, gone, kept)
    fill_rollups(engine)


def test_you_merged_into_the_exporter(engine: Engine, workspace: int, tmp_path: Path) -> None:
    chat = tmp_path / "WhatsApp Chat with Runners.txt"
    chat.write_text(CHAT, encoding="utf-8")
    imported(engine, workspace, chat)
    you, dave = identity(engine, "name:You"), identity(engine, "name:Dave")
    merge(engine, workspace, you, dave)
    with engine.connect() as connection:
        joins = connection.execute(
            select(events.c.member_id, events.c.actor_id).where(events.c.kind == "join").order_by(events.c.id)
        ).all()
        alice = identity(engine, "name:Alice")
        assert [tuple(j) for j in joins] == [
            (dave, None),
            (alice, dave),
        ]  # Dave created the group, added Alice
        in_group = connection.execute(select(memberships.c.member_id)).scalars().all()
        assert you not in in_group and dave in in_group
        names = (
            connection.execute(select(member_names.c.name).where(member_names.c.member_id == dave))
            .scalars()
            .all()
        )
        assert sorted(names) == ["Dave", "You"]
        inviter = connection.execute(
            select(memberships.c.inviter_id).where(memberships.c.member_id == identity(engine, "name:Alice"))
        ).scalar_one()
        assert inviter == dave
    # The rollups are what a fill of the whole log gives.
    merged = table_states(engine)
    assert refilled_from_scratch(engine) == merged
    # The same export again adds nothing; a later one gives "You"'s new lines to Dave.
    assert imported(engine, workspace, chat)["events_new"] == 0
    chat.write_text(LATER, encoding="utf-8")
    assert imported(engine, workspace, chat)["events_new"] == 3
    with engine.connect() as connection:
        actors = (
            connection.execute(select(events.c.actor_id).where(events.c.kind == "join").order_by(events.c.id))
            .scalars()
            .all()
        )
        assert actors == [None, dave, dave]
        assert (
            connection.execute(
                select(func.count()).select_from(events).where(events.c.member_id == you)
            ).scalar_one()
            == 0
        )


def test_moderation_history_goes_over(engine: Engine, workspace: int) -> None:
    offend(engine, workspace, 7, timedelta(hours=1))
    offend(engine, workspace, 8, timedelta(hours=2))
    gone, kept = member_id(engine, 7), member_id(engine, 8)
    merge(engine, workspace, gone, kept)
    with engine.connect() as connection:
        for table in (moderation_cases, penalties):
            owners = connection.execute(select(table.c.member_id).distinct()).scalars().all()
            assert owners == [kept]
    with engine.connect() as connection:
        assert (
            connection.execute(
                select(func.count()).select_from(penalties).where(penalties.c.member_id == kept)
            ).scalar_one()
            == 2
        )


def test_what_cannot_be_merged_says_why(engine: Engine, workspace: int, tmp_path: Path) -> None:
    chat = tmp_path / "WhatsApp Chat with Runners.txt"
    chat.write_text(CHAT, encoding="utf-8")
    imported(engine, workspace, chat)
    you, dave, alice = (identity(engine, f"name:{n}") for n in ("You", "Dave", "Alice"))
    cases = [
        (you, you, f"member {you} cannot be merged into itself"),
        (you, 10**9, f"no member {10**9} in this workspace"),
    ]
    for gone, kept, message in cases:
        with pytest.raises(MergeError, match=message), bulk_writing(engine, "test") as connection:
            merge_members(connection, workspace, gone, kept)
    merge(engine, workspace, you, dave)
    merged_already = f"member {you} was merged into member {dave} already"
    with pytest.raises(MergeError, match=merged_already), bulk_writing(engine, "test") as connection:
        merge_members(connection, workspace, you, alice)
    with engine.begin() as connection:
        qq = connection.execute(
            members.insert()
            .values(workspace_id=workspace, platform="qq", external_id="123", display_name="Q")
            .returning(members.c.id)
        ).scalar_one()
    other_platform = "only members of the same platform"
    with pytest.raises(MergeError, match=other_platform), bulk_writing(engine, "test") as connection:
        merge_members(connection, workspace, qq, alice)


def test_the_command_asks_shows_and_merges(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QUNOPS_DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}",
        "QUNOPS_ADMIN_PASSWORD": "correct horse",
    }
    qunops = [sys.executable, "-m", "qunops.cli"]
    chat = tmp_path / "WhatsApp Chat with Runners.txt"
    chat.write_text(CHAT, encoding="utf-8")
    for args in (["init"], ["import", str(chat), "--tz", "UTC"]):
        subprocess.run([*qunops, *args], env=env, check=True, capture_output=True)
    found = subprocess.run([*qunops, "members", "find", "DAV"], env=env, capture_output=True, text=True)
    assert found.returncode == 0 and re.search(r"│\s+3 │ Dave\s+│ whatsapp │ 2018-01-30", found.stdout)
    nobody = subprocess.run([*qunops, "members", "find", "Zoe"], env=env, capture_output=True, text=True)
    assert nobody.returncode == 0 and "no member has used a name with 'Zoe' in it" in nobody.stdout
    shown = subprocess.run([*qunops, "members", "show", "1"], env=env, capture_output=True, text=True)
    assert shown.returncode == 0 and "member 1: You (whatsapp name:You)" in shown.stdout
    declined = subprocess.run(
        [*qunops, "members", "merge", "1", "2"], env=env, input="n\n", capture_output=True, text=True
    )
    assert declined.returncode == 1 and "goes:" in declined.stdout and "stays:" in declined.stdout
    done = subprocess.run(
        [*qunops, "members", "merge", "1", "2", "--yes", "--reason", "my phone"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "member 1 merged into member 2" in done.stdout
    again = subprocess.run(
        [*qunops, "members", "merge", "1", "3", "--yes"], env=env, capture_output=True, text=True
    )
    assert again.returncode == 2 and "member 1 was merged into member 2 already" in again.stderr
    assert "Traceback" not in again.stderr
    shown = subprocess.run([*qunops, "members", "show", "1"], env=env, capture_output=True, text=True)
    assert "merged into member 2" in shown.stdout


def test_the_member_page_merges_and_the_merged_member_leads_to_the_one_kept(
    client: TestClient, engine: Engine, workspace: int
) -> None:
    # The console fixture's group has members 1001 and 1002 (ids as the store gives them).
    gone, kept = identity(engine, "1001", workspace), identity(engine, "1002", workspace)
    assert log_in(client, "admin", "correct horse") == 303
    page = client.get(f"/members/{gone}")
    assert "Same person as another member" in page.text
    token = form_token(page.text)
    refused = client.post(f"/members/{gone}/merge", data={"into": "abc", "csrf_token": token})
    assert refused.status_code == 400 and "the number in its page" in refused.text
    itself = client.post(f"/members/{gone}/merge", data={"into": str(gone), "csrf_token": token})
    assert itself.status_code == 400 and f"member {gone} cannot be merged into itself" in itself.text
    done = client.post(
        f"/members/{gone}/merge",
        data={"into": str(kept), "reason": "two phones", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/members/{kept}?merged={gone}"
    shown = client.get(done.headers["location"])
    assert f"Member {gone} was merged into this one." in shown.text
    old = client.get(f"/members/{gone}", follow_redirects=False)
    assert old.status_code == 303 and old.headers["location"].startswith(f"/members/{kept}?merged={gone}")
    with engine.connect() as connection:
        assert (
            connection.execute(
                select(func.count()).select_from(events).where(events.c.member_id == gone)
            ).scalar_one()
            == 0
        )
        entry = connection.execute(select(audit_log.c.action, audit_log.c.reason)).all()
    assert [tuple(e) for e in entry if e[0] == "member.merge"] == [("member.merge", "two phones")]
    found = client.get("/members", params={"q": "member"})
    assert f'href="/members/{gone}"' not in found.text and f'href="/members/{kept}"' in found.text


def test_a_viewer_sees_no_merge_form_and_cannot_merge(
    client: TestClient, engine: Engine, workspace: int
) -> None:
    gone, kept = identity(engine, "1001", workspace), identity(engine, "1002", workspace)
    assert log_in(client, "viewer", "viewer password") == 303
    page = client.get(f"/members/{gone}")
    assert page.status_code == 200 and "Same person as another member" not in page.text
    token = form_token(page.text)
    refused = client.post(f"/members/{gone}/merge", data={"into": str(kept), "csrf_token": token})
    assert refused.status_code == 403


def test_mentions_of_the_merged_member_become_mentions_of_the_one_kept(
    engine: Engine, workspace: int
) -> None:
    from qunops.ingestion import import_events
    from qunops.store.schema import member_days
    from tests.factories import message, person

    import_events(
        engine,
        workspace,
        iter(
            [
                message(
                    1, timedelta(minutes=1), "@member2 @member3 run today?", mentions=(person(2), person(3))
                ),
                message(2, timedelta(minutes=2), "yes"),
                message(3, timedelta(minutes=3), "me too"),
            ]
        ),
    )
    fill_rollups(engine)
    gone, kept = identity(engine, "1002"), identity(engine, "1003")
    merge(engine, workspace, gone, kept)
    with engine.connect() as connection:
        received = dict(
            connection.execute(select(member_days.c.member_id, member_days.c.mentions_received)).all()
        )
    assert received[kept] == 2 and gone not in received  # both mentions are the one person's
    before = table_states(engine)
    assert refilled_from_scratch(engine) == before


def test_merging_needs_a_login_and_the_form_token(client: TestClient, engine: Engine, workspace: int) -> None:
    gone, kept = identity(engine, "1001", workspace), identity(engine, "1002", workspace)
    anonymous = client.post(f"/members/{gone}/merge", data={"into": str(kept)}, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    assert log_in(client, "admin", "correct horse") == 303
    forged = client.post(f"/members/{gone}/merge", data={"into": str(kept)}, follow_redirects=False)
    assert forged.status_code == 400  # the console's answer to a form without its token
    with engine.connect() as connection:
        assert (
            connection.execute(select(members.c.merged_into).where(members.c.id == gone)).scalar_one() is None
        )
